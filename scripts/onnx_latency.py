#!/usr/bin/env python3
"""Latency of ONNX Runtime beside Recurrent on the same model, interleaved.

    swift build -c release --product RecurrentBench
    /work/venv/bin/python scripts/onnx_latency.py [--rounds 3] [--cell lstm]

The model is RecurrentBench's `forward CELL B T D H` layer (seed 0; T 100, D 32,
H 128), written as ONNX by RecurrentBench itself. Each round times, in turn,
ONNX Runtime at batch 1, Recurrent at batch 1, ONNX Runtime at batch 64 and
Recurrent at batch 64 (medians of repeated calls in one process each; both on
two threads), so the noise of a shared machine falls on both alike. Reports
milliseconds per call and the ratio ONNX Runtime / Recurrent per round.
"""
import argparse
import os
import re
import statistics
import subprocess
import tempfile
import time

import numpy as np
import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, ".build", "release", "RecurrentBench")
T, D, H = 100, 32, 128


def recurrent_ms(cell, b, path=None):
    command = [BENCH, "forward", cell, str(b), str(T), str(D), str(H)] + ([path] if path else [])
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return float(re.search(r": ([0-9.]+) ms", out).group(1))


def onnx_ms(session, b, minimum=2.0):
    x = np.random.default_rng(0).standard_normal((b, T, D)).astype(np.float32)
    session.run(None, {"input": x})
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < minimum or len(times) < 5:
        t0 = time.perf_counter()
        session.run(["output"], {"input": x})
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cell", default="lstm", choices=["rnn", "lstm", "gru"])
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    path = os.path.join(tempfile.mkdtemp(), "bench.onnx")
    recurrent_ms(args.cell, 1, path)
    ort.set_default_logger_severity(3)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    print(f"{args.cell.upper()} T{T} D{D} H{H}, onnxruntime {ort.__version__}, 2 threads each")
    for r in range(args.rounds):
        row = []
        for b in (1, 64):
            o = onnx_ms(session, b)
            s = recurrent_ms(args.cell, b)
            row.append(f"B{b}: ONNX Runtime {o:.3f} ms, Recurrent {s:.3f} ms, ratio {o / s:.2f}")
        print(f"round {r + 1}: " + "; ".join(row))


if __name__ == "__main__":
    main()
