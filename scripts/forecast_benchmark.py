#!/usr/bin/env python3
"""Recurrent beside Darts on real public series shipped inside statsmodels.

For each series: the same chronological 70/15/15 split, window L, horizon h,
hidden size 32 (one LSTM layer), epochs, batch size and learning rate on both
sides; z-scored with the training part's mean and standard deviation.

- Recurrent: `recurrent train --csv` (the direct head: last state -> dense h),
  then `recurrent evaluate --json`, which also scores the baselines; with
  `--skip`, a second run adds the linear skip (`train --skip`: the whole
  window through a zero-initialised linear map, added to the head's output).
- Darts: `BlockRNNModel(model="LSTM")` (the last h outputs through a shared
  linear layer) fitted on the training part, forecasting every test window
  (the same end rows as Recurrent's test windows).

MASE is scaled by the training part's in-sample seasonal-naive MAE (season 1
where the series has none), as `recurrent evaluate` computes it. Wall time:
Recurrent's is the whole `train` process, Darts' the `fit` call alone.

Usage: scripts/forecast_benchmark.py RECURRENT_BINARY [--epochs 30] [--skip] [--output FILE]
Needs: pip install darts statsmodels (both bring numpy, pandas, torch).
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def load_series():
    """(name, times, values, season, window, horizon) for each series."""
    import statsmodels.api as sm

    out = []
    co2 = sm.datasets.co2.load_pandas().data["co2"].resample("MS").mean().interpolate()
    out.append(("co2 (monthly)", [t.strftime("%Y-%m") for t in co2.index], co2.values, 12, 24, 12))
    sun = sm.datasets.sunspots.load_pandas().data
    out.append(("sunspots (yearly)", [f"{int(y):04d}" for y in sun.YEAR], sun.SUNACTIVITY.values, None, 20, 5))
    el = sm.datasets.elnino.load_pandas().data
    months = list(el.columns[1:])
    times, values = [], []
    for _, row in el.iterrows():
        for m, name in enumerate(months):
            times.append(f"{int(row.YEAR):04d}-{m + 1:02d}")
            values.append(row[name])
    out.append(("elnino (monthly)", times, np.array(values), 12, 24, 12))
    nile = sm.datasets.nile.load_pandas().data
    out.append(("nile (yearly)", [f"{int(y):04d}" for y in nile.year], nile.volume.values, None, 10, 3))
    macro = sm.datasets.macrodata.load_pandas().data
    quarters = [f"{int(y):04d}-{3 * int(q) - 2:02d}" for y, q in zip(macro.year, macro.quarter)]
    out.append(("realgdp (quarterly)", quarters, macro.realgdp.values, 4, 12, 4))
    out.append(("unemp (quarterly)", quarters, macro.unemp.values, 4, 12, 4))
    return out


def cuts(n):
    """Swift's rounding (half away from zero) of 0.7·n and 0.85·n."""
    return int(math.floor(0.7 * n + 0.5)), int(math.floor(0.85 * n + 0.5))


def scale(values, train_end, season):
    s = season or 1
    y = values[:train_end]
    return float(np.mean(np.abs(y[s:] - y[:-s])))


def run_recurrent(binary, name, times, values, season, window, horizon, args, folder, extra=()):
    csv = os.path.join(folder, "series.csv")
    with open(csv, "w") as f:
        f.write("time,value\n")
        for t, v in zip(times, values):
            f.write(f"{t},{float(v)!r}\n")
    model = os.path.join(folder, "model.safetensors")
    train = [
        binary, "train", "--csv", csv, "--target", "value", "--time", "time", "--window", str(window),
        "--horizon", str(horizon), "--hidden", "32", "--epochs", str(args.epochs), "--batch-size", "32",
        "--learning-rate", str(args.learning_rate), "--split", "0.7,0.15", "--seed", "1", "--quiet", "-o", model,
        *extra,
    ]
    start = time.perf_counter()
    done = subprocess.run(train, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{name}: recurrent train failed: {done.stderr.strip()}")
    seconds = time.perf_counter() - start
    evaluate = [binary, "evaluate", "--model", model, "--csv", csv, "--json"]
    evaluate += ["--season", str(season)] if season else []
    figures = json.loads(subprocess.run(evaluate, check=True, capture_output=True, text=True).stdout)
    return figures, seconds


def run_darts(values, window, horizon, season, args):
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
    logging.getLogger("lightning").setLevel(logging.ERROR)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    from darts import TimeSeries
    from darts.models import BlockRNNModel

    n = len(values)
    train_end, test_start = cuts(n)
    mean, std = values[:train_end].mean(), values[:train_end].std()
    z = (values - mean) / std
    model = BlockRNNModel(
        input_chunk_length=window, output_chunk_length=horizon, model="LSTM", hidden_dim=32, n_rnn_layers=1,
        n_epochs=args.epochs, batch_size=32, optimizer_kwargs={"lr": args.learning_rate}, random_state=1,
        pl_trainer_kwargs={"accelerator": "cpu", "enable_progress_bar": False, "logger": False,
                           "enable_model_summary": False, "enable_checkpointing": False},
    )
    start = time.perf_counter()
    model.fit(TimeSeries.from_values(z[:train_end].astype(np.float32)), verbose=False)
    seconds = time.perf_counter() - start
    ends = list(range(test_start - 1, n - horizon))
    inputs = [TimeSeries.from_values(z[: e + 1].astype(np.float32)) for e in ends]
    forecasts = model.predict(n=horizon, series=inputs, verbose=False)
    prediction = np.array([f.values()[:, 0] for f in forecasts]) * std + mean
    truth = np.array([values[e + 1: e + 1 + horizon] for e in ends])
    error = prediction - truth
    rmse = float(np.sqrt(np.mean(error ** 2)))
    mase = float(np.mean(np.abs(error)) / scale(values, train_end, season))
    return rmse, mase, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("recurrent", help="the recurrent binary (a release build)")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--learning-rate", type=float, default=5e-3)
    parser.add_argument("--output", help="also write the table to this file")
    parser.add_argument("--skip", action="store_true", help="add a column: the LSTM with `train --skip`")
    args = parser.parse_args()
    if args.epochs < 1 or not args.learning_rate > 0:
        sys.exit("--epochs must be ≥ 1 and --learning-rate > 0")
    if not os.access(args.recurrent, os.X_OK):
        sys.exit(f"{args.recurrent}: not an executable")
    rows = []
    skip_column = " Recurrent LSTM + skip MASE / RMSE |" if args.skip else ""
    header = ("| series | rows | L / h | Recurrent LSTM MASE / RMSE |" + skip_column
              + " Darts BlockRNN LSTM MASE / RMSE | best baseline MASE / RMSE | Recurrent train s | Darts fit s |")
    lines = [f"epochs {args.epochs}, batch 32, learning rate {args.learning_rate}, hidden 32, split 70/15/15", "",
             header, "|" + " --- |" * (header.count("|") - 1)]
    print("\n".join(lines), flush=True)
    for name, times, values, season, window, horizon in load_series():
        values = np.asarray(values, dtype=np.float64)
        with tempfile.TemporaryDirectory() as folder:
            figures, recurrent_seconds = run_recurrent(
                args.recurrent, name, times, values, season, window, horizon, args, folder)
            skip = ""
            if args.skip:
                skipped, _ = run_recurrent(
                    args.recurrent, name, times, values, season, window, horizon, args, folder, ["--skip"])
                skip = f" {skipped['test_mase']:.3f} / {skipped['test_rmse']:.4g} |"
        darts_rmse, darts_mase, darts_seconds = run_darts(values, window, horizon, season, args)
        baselines = {b: (figures[f"{b}_test_mase"], figures[f"{b}_test_rmse"])
                     for b in ["persistence", "seasonal_naive", "drift", "linear_ar"] if f"{b}_test_rmse" in figures}
        best = min(baselines, key=lambda b: baselines[b][1])
        line = (f"| {name} | {len(values)} | {window} / {horizon} "
                f"| {figures['test_mase']:.3f} / {figures['test_rmse']:.4g} |{skip} {darts_mase:.3f} / {darts_rmse:.4g} "
                f"| {best} {baselines[best][0]:.3f} / {baselines[best][1]:.4g} "
                f"| {recurrent_seconds:.2f} | {darts_seconds:.2f} |")
        print(line, flush=True)
        lines.append(line)
        rows.append(line)
    if args.output:
        with open(args.output, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
