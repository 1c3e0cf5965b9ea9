#!/usr/bin/env python3
"""Check that a model file written by Recurrent loads into PyTorch and gives its outputs.

Usage (PyTorch and safetensors from pip):
    python3 scripts/check_export.py MODEL.safetensors [MODEL.safetensors ...]
    python3 scripts/check_export.py STATE_DICT.safetensors --cell lstm --input-size 5 --hidden-size 7 \
        [--num-layers 2] [--bidirectional] [--no-bias] [--nonlinearity relu]

For each file the script reads the tensors with `safetensors.torch.load_file`,
builds `nn.RNN`, `nn.LSTM` or `nn.GRU` (batch_first=True) from the
architecture in the file's metadata (`architecture`, written by Recurrent) or,
for a file without it, from the options, and loads the tensors whose names
have no dot with `load_state_dict(..., strict=True)`; names with a dot belong
to other modules and are left out.

If the file also holds `test.input` [B, T, D] (and optionally `test.lengths`
[B], `test.output`, `test.h_n`, `test.c_n`: outputs computed by Recurrent from
zero initial states), the script runs PyTorch on the input in float64 from the
stored float32 weights — through pack_padded_sequence(..., enforce_sorted=False)
when lengths are given — and prints the relative error of each output,
max |Recurrent - PyTorch| / max |PyTorch|. It exits with status 1 if a file
does not load or an error exceeds --tolerance (default 1e-5).

A sigmoid Elman RNN has no PyTorch module and is reported as not checkable.
"""
import argparse
import json
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

MODULES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def architecture(path: str, options) -> dict:
    """The constructor arguments of the file's recurrent module."""
    with safe_open(path, "pt") as handle:
        metadata = handle.metadata() or {}
    if metadata.get("format") == "recurrent":
        return json.loads(metadata["architecture"])
    if options.cell is None:
        raise SystemExit(f"{path}: no Recurrent metadata; give --cell, --input-size and --hidden-size")
    result = dict(cell=options.cell, input_size=options.input_size, hidden_size=options.hidden_size,
                  num_layers=options.num_layers, bidirectional=options.bidirectional, bias=not options.no_bias,
                  dropout=0.0)
    if options.cell == "rnn":
        result["nonlinearity"] = options.nonlinearity
    return result


def check(path: str, options) -> bool:
    arguments = architecture(path, options)
    cell = arguments.pop("cell")
    if cell == "rnn" and arguments.get("nonlinearity") == "sigmoid":
        print(f"{path}: a sigmoid RNN has no PyTorch module; not checked")
        return True
    module = MODULES[cell](batch_first=True, **arguments)
    tensors = load_file(path)
    state = {name: tensor for name, tensor in tensors.items() if "." not in name}
    module.load_state_dict(state, strict=True)
    print(f"{path}: {cell} {arguments}: load_state_dict(strict=True) accepted {len(state)} tensors")
    if "test.input" not in tensors:
        return True

    module = module.double().eval()
    x = tensors["test.input"].double()
    lengths = tensors.get("test.lengths")
    with torch.no_grad():
        if lengths is not None:
            packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            output, final = module(packed)
            output, _ = pad_packed_sequence(output, batch_first=True, total_length=x.shape[1])
        else:
            output, final = module(x)
    expected = {"test.output": output}
    if isinstance(final, tuple):
        expected["test.h_n"], expected["test.c_n"] = final
    else:
        expected["test.h_n"] = final
    passed = True
    for name, reference in expected.items():
        if name not in tensors:
            continue
        observed = tensors[name].double()
        if observed.shape != reference.shape:
            print(f"  {name}: shape {tuple(observed.shape)}, PyTorch gives {tuple(reference.shape)}")
            passed = False
            continue
        error = ((observed - reference).abs().max() / reference.abs().max()).item()
        verdict = "ok" if error <= options.tolerance else "TOO LARGE"
        print(f"  {name} {tuple(reference.shape)}: relative error {error:.2e} {verdict}")
        passed = passed and error <= options.tolerance
    return passed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--cell", choices=sorted(MODULES))
    parser.add_argument("--input-size", type=int)
    parser.add_argument("--hidden-size", type=int)
    parser.add_argument("--num-layers", type=int, default=1)
    parser.add_argument("--bidirectional", action="store_true")
    parser.add_argument("--no-bias", action="store_true")
    parser.add_argument("--nonlinearity", choices=("tanh", "relu"), default="tanh")
    parser.add_argument("--tolerance", type=float, default=1e-5)
    options = parser.parse_args()
    results = []
    for path in options.files:
        try:
            results.append(check(path, options))
        except (RuntimeError, KeyError, ValueError) as error:
            print(f"{path}: {error}")
            results.append(False)
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
