#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ under AddressSanitizer and runs each
# for EXECUTIONS inputs (default 20000) from its seed corpus in Fuzz/Corpus/;
# fails on the first crash, leak, timeout or out-of-memory.
#
#     scripts/fuzz.sh [EXECUTIONS] [TARGET...]
#
# FUZZ_SECONDS=S stops each target after S seconds if it has not reached
# EXECUTIONS by then (CI's short run); the count it reached is printed.
# Leaks in the toolchain's own libraries are suppressed (Fuzz/lsan.supp).
#
# New inputs that reach new code go to Fuzz/.build/corpus/TARGET (not the
# committed seeds); a crashing input is saved as Fuzz/.build/crash-TARGET-*.
set -euo pipefail
cd "$(dirname "$0")/../Fuzz"
runs="${1:-20000}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(FuzzSafetensors FuzzCheckpoint FuzzCheckpointLoop FuzzNumpy FuzzCSV FuzzTSV FuzzText FuzzModelFile)
fi
# No unsafeFlags in Package.swift: the sanitizer flags come from here.
# --sanitize=fuzzer makes SwiftPM parse the targets as libraries and link
# libFuzzer's main; it instruments only this package's own modules, so
# -Xswiftc -sanitize=fuzzer,address adds coverage to Recurrent's as well.
flags=(-c debug --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address)
swift build "${flags[@]}" >/tmp/recurrent-fuzz-build.log 2>&1 \
    || { tail -30 /tmp/recurrent-fuzz-build.log; exit 1; }
bin="$(swift build "${flags[@]}" --show-bin-path)"
failed=0
# The targets' files for readers that take a path (FuzzInput.file) go here.
export TMPDIR="$PWD/.build/tmp"
mkdir -p "$TMPDIR"
trap 'rm -rf "$TMPDIR"' EXIT
export LSAN_OPTIONS="suppressions=$PWD/lsan.supp:print_suppressions=0"
time_limit=()
if [ -n "${FUZZ_SECONDS:-}" ]; then time_limit=(-max_total_time="$FUZZ_SECONDS"); fi
for target in "${targets[@]}"; do
    corpus=".build/corpus/$target"
    mkdir -p "$corpus"
    start=$(date +%s)
    # Inputs up to the largest seed's size (libFuzzer's default, at least 4 KiB).
    # -rss_limit_mb: an input that asks for gigabytes is a failure, as for the tool.
    if "$bin/$target" -runs="$runs" -rss_limit_mb=2048 -timeout=10 -seed=1 "${time_limit[@]}" \
        -artifact_prefix=".build/crash-$target-" "$corpus" "Corpus/$target" >".build/$target.log" 2>&1; then
        done=$(grep -o -E 'Done [0-9]+ runs' ".build/$target.log" | grep -o -E '[0-9]+' || echo "?")
        echo "$target: $done executions, 0 crashes ($(($(date +%s) - start)) s)"
    else
        echo "$target: CRASH (log Fuzz/.build/$target.log)"
        grep -E -m 3 'ERROR|Fatal error|SUMMARY' ".build/$target.log" || tail -20 ".build/$target.log"
        failed=1
    fi
done
exit $failed
