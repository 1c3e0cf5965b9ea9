#!/usr/bin/env python3
"""The benchmark grid of ../shared/DESIGN.md, PyTorch and Recurrent interleaved row by row.

    python3 scripts/interleaved_grid.py [--rounds 3] [--cells lstm,gru,rnn]
        [--configs small,medium,large,stream] [--modes forward,train] [--bench PATH]
        [--against OTHER_BENCH] [--precision fp32|bf16]

The configurations: DESIGN.md's grid (small, medium, large, and the batch-1
streaming step), and the sizes forecasting and the generated tasks train at
(tiny B32 T48 D1 H32, adding B64 T100 D2 H64, sensors B32 T100 D8 H64, and
b1 B1 T100 D1 H32, a whole-window forecast at batch 1). `--configs all`
runs every one.

With `--against OTHER_BENCH` the other side is another build of
RecurrentBench instead of PyTorch (say, the commit before a refactoring, built
in a worktree): the ratio is then OTHER / this, above 1 when this build is
faster. Torch is then not needed. The sitting's FMA peak (`RecurrentBench
peak`, GFLOP/s per core) is printed before and after the grid.

Needs torch, and RecurrentBench built in release (`swift build -c release
--product RecurrentBench`). For every row, each round times PyTorch in this
process (the method of ../shared/bench/pytorch_rnn.py: median of at least 1 s
and 5 calls, 2 threads) and then `RecurrentBench forward|train|stream` in a
subprocess (median of at least 2 s), so the two figures of a round are seconds
apart. Prints per row the median of each side over the rounds, the ratio of
the medians (above 1: Recurrent is faster) and the range of the per-round
ratios.

With `--precision bf16` Recurrent runs its layers in bf16
(`RecurrentBench … --precision bf16`) and PyTorch runs inside
`torch.autocast("cpu", dtype=torch.bfloat16)`, forward and training alike
(the master weights and SGD step stay fp32 on both sides).

Why: on the shared development machines the speed drifts by ±10% over
minutes, more than some of the differences measured. Running PyTorch's whole
grid and then Recurrent's puts minutes between the two figures of a row;
alternating them puts seconds.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

torch = None  # imported in main unless --against
PRECISION = "fp32"  # set by --precision

# name, batch, seq, input, hidden: the grid of ../shared/bench/pytorch_rnn.py,
# then the small models users train (issue #10).
GRID = {
    "small": (32, 100, 32, 128),
    "medium": (64, 100, 256, 256),
    "large": (64, 50, 512, 1024),
    "tiny": (32, 48, 1, 32),
    "adding": (64, 100, 2, 64),
    "sensors": (32, 100, 8, 64),
    "b1": (1, 100, 1, 32),
}
CELLS = ["rnn", "lstm", "gru"]


def timeit(fn, min_time=1.0):
    for _ in range(3):
        fn()
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < min_time or len(times) < 5:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def torch_cell(cell):
    return {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]


def peak(bench):
    """The sitting's register-only FMA peak, GFLOP/s per core."""
    text = subprocess.run([bench, "peak"], check=True, capture_output=True, text=True).stdout
    match = re.search(r": ([0-9.]+) GFLOP/s", text)
    return float(match.group(1)) if match else float("nan")


def autocast():
    """bf16 autocast for --precision bf16, else nothing."""
    import contextlib
    if PRECISION == "bf16":
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def pytorch_ms(cell, config, mode):
    """Median milliseconds of one PyTorch row, as pytorch_rnn.py times it."""
    torch.manual_seed(0)
    if config == "stream":
        layer = torch_cell(cell)(32, 128, batch_first=True)
        x = torch.randn(1, 1, 32)
        carry = [None]

        def step():
            with torch.no_grad(), autocast():
                _, carry[0] = layer(x, carry[0])

        return timeit(step) * 1e3
    b, t, d, h = GRID[config]
    layer = torch_cell(cell)(d, h, batch_first=True)
    x = torch.randn(b, t, d)
    if mode == "forward":
        def forward():
            with torch.no_grad(), autocast():
                layer(x)

        return timeit(forward) * 1e3
    optimizer = torch.optim.SGD(layer.parameters(), lr=1e-3)

    def train():
        optimizer.zero_grad(set_to_none=True)
        with autocast():
            y, _ = layer(x)
            loss = y.float().sum()
        loss.backward()
        optimizer.step()

    return timeit(train) * 1e3


def recurrent_ms(bench, cell, config, mode):
    """Median milliseconds of one Recurrent row, from RecurrentBench."""
    if config == "stream":
        arguments = ["stream", cell]
    else:
        arguments = [mode, cell] + [str(v) for v in GRID[config]]
    if PRECISION != "fp32":
        arguments += ["--precision", PRECISION]
    text = subprocess.run([bench] + arguments, check=True, capture_output=True, text=True).stdout
    match = re.search(r": ([0-9.]+) (ms|ns per step)", text)
    if not match:
        sys.exit(f"unexpected RecurrentBench output: {text!r}")
    value = float(match.group(1))
    return value if match.group(2) == "ms" else value * 1e-6


def main():
    global torch
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cells", default="rnn,lstm,gru")
    parser.add_argument("--configs", default="small,medium,large,stream")
    parser.add_argument("--modes", default="forward,train")
    parser.add_argument("--bench", default=os.path.join(".build", "release", "RecurrentBench"))
    parser.add_argument("--against", help="another RecurrentBench to compare with instead of PyTorch")
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    options = parser.parse_args()
    global PRECISION
    PRECISION = options.precision
    if options.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {options.rounds}")
    if options.configs == "all":
        options.configs = ",".join([*GRID, "stream"])
    for option, known in (("cells", CELLS), ("configs", [*GRID, "stream"]), ("modes", ["forward", "train"])):
        unknown = set(getattr(options, option).split(",")) - set(known)
        if unknown:
            parser.error(f"--{option}: unknown {', '.join(sorted(unknown))} (known: {', '.join(known)})")
    for bench in filter(None, (options.bench, options.against)):
        if not os.access(bench, os.X_OK):
            sys.exit(f"{bench}: not found; run `swift build -c release --product RecurrentBench` first")
    if options.against:
        other_name = "other ms"
        print(f"other: {options.against}; this: {options.bench}")

        def other_ms(cell, config, mode):
            return recurrent_ms(options.against, cell, config, mode)
    else:
        import torch as imported
        torch = imported
        torch.set_num_threads(2)
        other_name = "PyTorch ms"
        print(f"PyTorch {torch.__version__}, 2 threads"
              + (", torch.autocast(\"cpu\", dtype=torch.bfloat16)" if PRECISION == "bf16" else ""))
        other_ms = pytorch_ms

    print(f"FMA peak before: {peak(options.bench):.1f} GFLOP/s per core; {options.rounds} interleaved rounds per row, medians")
    print(f"{'cell':5} {'config':7} {'mode':8} {other_name:>11} {'Recurrent ms':>13} {'ratio':>7}  per-round ratios")
    for cell in options.cells.split(","):
        for config in options.configs.split(","):
            modes = ["step"] if config == "stream" else options.modes.split(",")
            for mode in modes:
                pairs = []
                for _ in range(options.rounds):
                    p = other_ms(cell, config, mode)
                    r = recurrent_ms(options.bench, cell, config, mode)
                    pairs.append((p, r))
                p = statistics.median(a for a, _ in pairs)
                r = statistics.median(b for _, b in pairs)
                ratios = sorted(a / b for a, b in pairs)
                print(f"{cell:5} {config:7} {mode:8} {p:11.4g} {r:13.4g} {p / r:6.2f}×  "
                      f"{ratios[0]:.2f}–{ratios[-1]:.2f}", flush=True)
    print(f"FMA peak after: {peak(options.bench):.1f} GFLOP/s per core")


if __name__ == "__main__":
    main()
