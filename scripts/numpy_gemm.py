#!/usr/bin/env python3
"""numpy's float32 matrix-product speed on the shapes RecurrentBench measures.

Usage (unset the two OpenBLAS variables this machine sets: they force a slow
kernel; see the README):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 scripts/numpy_gemm.py

Prints GFLOP/s, the median of 7 samples, on 1 and 2 threads, as RecurrentBench
gemm does. Needs numpy and threadpoolctl (pip).
"""
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

SHAPES = [(32, 512, 128), (64, 1024, 256), (64, 4096, 1024), (128, 2048, 512), (1024, 1024, 1024), (2048, 2048, 2048)]


def median_seconds(fn, repetitions=7):
    fn()
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        if time.perf_counter() - start >= 0.02:
            break
        calls *= 2
    samples = []
    for _ in range(repetitions):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)


def main():
    blas = [(i.get("internal_api"), i.get("version"), i.get("architecture")) for i in threadpool_info()]
    print(f"numpy {np.__version__}, BLAS {blas}, GFLOP/s (median of 7)")
    print("    M     N     K   1 thread  2 threads")
    for m, n, k in SHAPES:
        a = np.random.rand(m, k).astype(np.float32)
        b = np.random.rand(k, n).astype(np.float32)
        c = np.empty((m, n), dtype=np.float32)
        row = f"{m:5} {n:5} {k:5}"
        for threads in (1, 2):
            with threadpool_limits(threads):
                seconds = median_seconds(lambda: np.matmul(a, b, out=c))
            row += f"  {2 * m * n * k / seconds / 1e9:9.1f}"
        print(row)


if __name__ == "__main__":
    main()
