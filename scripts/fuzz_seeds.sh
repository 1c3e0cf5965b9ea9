#!/usr/bin/env bash
# Writes the fuzz targets' seed corpora, Fuzz/Corpus/TARGET/, with the built
# command-line tool: model files of every task, a checkpoint, its loop
# record, the CSV the tool forecasts into, the example TSV and a text corpus.
# The .npy seeds come from numpy (scripts/fuzz_seeds_npy.py), as users' files do.
#
#     swift build && scripts/fuzz_seeds.sh [.build/debug/recurrent]
set -euo pipefail
cd "$(dirname "$0")/.."
tool="$(realpath "${1:-.build/debug/recurrent}")"
corpus=Fuzz/Corpus
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
small="--epochs 1 --hidden 3 --quiet"
mkdir -p $corpus/{FuzzSafetensors,FuzzCheckpoint,FuzzCheckpointLoop,FuzzCSV,FuzzTSV,FuzzText,FuzzModelFile}

# Model files: a recurrent forecaster of a CSV, an MLP, a generated series,
# a generated sequence task, a classifier of the TSV, a text model.
printf 'time,load,temp\n' >"$tmp/load.csv"
for i in $(seq 1 40); do printf '2024-01-%02d,%d.5,%d\n' $(( (i % 28) + 1 )) $(( (i * 7) % 13 )) $(( i % 5 )) >>"$tmp/load.csv"; done
"$tool" train --csv "$tmp/load.csv" --target load --features load,temp --time time --window 4 --horizon 2 $small -o $corpus/FuzzModelFile/csv-lstm.safetensors
"$tool" train --csv "$tmp/load.csv" --target load --window 4 --model mlp $small -o $corpus/FuzzModelFile/csv-mlp.safetensors
"$tool" train --task sine --length 200 --window 8 --model gru $small -o $corpus/FuzzModelFile/sine-gru.safetensors
"$tool" train --task adding --length 10 $small -o $corpus/FuzzModelFile/adding.safetensors
# A global model over three series (long form, one-hot identity) and one reading a known-future column.
printf 'id,t,y,promo\n' >"$tmp/stores.csv"
for s in a b c; do for i in $(seq 0 39); do printf '%s,%d,%d.25,%d\n' $s $i $(( (i * 5) % 11 )) $(( i % 3 == 0 )) >>"$tmp/stores.csv"; done; done
"$tool" train --csv "$tmp/stores.csv" --id-column id --time t --target y --window 4 --horizon 2 --series-embedding onehot $small -o $corpus/FuzzModelFile/many-series.safetensors
"$tool" train --csv "$tmp/stores.csv" --id-column id --time t --target y --features y,promo --future-features promo --window 4 --horizon 2 $small -o $corpus/FuzzModelFile/many-series-future.safetensors
cp "$tmp/stores.csv" $corpus/FuzzCSV/stores.csv
head -40 Examples/Data/motifs.tsv >"$tmp/motifs.tsv"
"$tool" train --sequences "$tmp/motifs.tsv" --model gru --embedding 2 $small -o $corpus/FuzzModelFile/motifs.safetensors
head -c 3000 Sources/RecurrentCore/Tensor/Tensor.swift >"$tmp/text.txt"
"$tool" train --text "$tmp/text.txt" $small -o $corpus/FuzzModelFile/text.safetensors
cp $corpus/FuzzModelFile/{sine-gru,adding}.safetensors $corpus/FuzzSafetensors/

# A checkpoint, and its loop record.
"$tool" train --task sine --length 200 --window 8 $small --checkpoint $corpus/FuzzCheckpoint/sine.checkpoint -o "$tmp/m.safetensors"
# (scripts/fuzz.sh 1 FuzzCheckpointLoop builds the target first.)
mkdir "$tmp/empty"
RECURRENT_FUZZ_PRINT_LOOP=1 Fuzz/.build/debug/FuzzCheckpointLoop -runs=1 "$tmp/empty" 2>/dev/null \
    | grep '^{' >$corpus/FuzzCheckpointLoop/loop.json

# Tables: the CSV, the tool's forecast of it, the TSV, and text.
cp "$tmp/load.csv" $corpus/FuzzCSV/load.csv
"$tool" forecast --model $corpus/FuzzModelFile/csv-lstm.safetensors --csv "$tmp/load.csv" --output $corpus/FuzzCSV/forecast.csv
printf 'a,b\n1,"2"\n,3\nNA,4e1\n5,-0.5\n6,7\n8,9\n10,11\n' >$corpus/FuzzCSV/missing.csv
head -12 Examples/Data/motifs.tsv >$corpus/FuzzTSV/motifs.tsv
cp "$tmp/text.txt" $corpus/FuzzText/tensor.txt
printf 'héllo wörld — ∑ 🙂\n' >$corpus/FuzzText/unicode.txt
ls -l $corpus/*
