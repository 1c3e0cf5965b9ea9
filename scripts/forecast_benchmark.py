#!/usr/bin/env python3
"""Recurrent's forecasting heads beside Darts and NeuralForecast on real public series.

Every series ships inside a pip package (statsmodels' datasets). For each:
the same chronological 70/15/15 split, window L, horizon h, one LSTM layer
of 32, batch 32, learning rate and training budget on every side; the test
part's windows are the same end rows everywhere (every row whose h targets
lie in the test part).

- Recurrent: `recurrent train --csv` once per head variant (`--variants`:
  direct, per-step, with --revin, with --skip, …), then `recurrent evaluate
  --json`, which also scores the baselines (persistence, seasonal naive,
  drift, a ridge regression on the window).
- Darts: `BlockRNNModel(model="LSTM", hidden_dim=32)` on the z-scored
  training part, `--epochs` epochs.
- NeuralForecast: `LSTM(encoder_hidden_size=32)` (its MLP decoder over the
  horizon) and `NHITS`, on the raw training part with their default scalers,
  for the same number of optimiser steps of 32 windows as Recurrent takes.

MASE is scaled by the training part's in-sample seasonal-naive MAE (season 1
where the series has none), as `recurrent evaluate` computes it. Times:
Recurrent's is the whole `train` process (start to model file), Darts' and
NeuralForecast's the `fit` call alone (imports excluded).

The variants `quantiles` and `gaussian` train probabilistic forecasters
(`--quantiles 0.1,0.5,0.9`, `--likelihood gaussian`); a second table gives
their test 80% interval's coverage (the share of test values between the 0.1
and 0.9 quantiles; nominally 80%) and mean width beside the pinball loss and
CRPS estimate, in the series' units.

With --many-series, the series are instead sets of many series for one
global model each: statsmodels' macrodata (12 quarterly US macro series of
203 rows, wide form) and 8 generated daily cycles of different levels,
amplitudes and phases (no download). Recurrent trains one model over every
series (`train --series-columns`, each series split 70/15/15 and z-scored on
its own training part), without and with `--series-embedding onehot`;
Darts' BlockRNNModel is fitted on the list of the z-scored training parts
and NeuralForecast's LSTM on every series' training part as one frame of
many ids, the same windows, budget and sizes as above. The table gives each
forecaster's mean MASE over the series and the RMSE pooled over every test
value (each series in its own units), beside the baselines' from
`recurrent evaluate`.

Usage: scripts/forecast_benchmark.py RECURRENT_BINARY [--epochs 30] [--variants direct,per-step+revin]
       [--no-darts] [--no-neuralforecast] [--series co2,nile] [--output FILE] [--json FILE]
       scripts/forecast_benchmark.py RECURRENT_BINARY --variants default,quantiles,gaussian --no-darts --no-neuralforecast
       scripts/forecast_benchmark.py RECURRENT_BINARY --many-series [--no-darts] [--no-neuralforecast]
Needs: pip install statsmodels darts neuralforecast (they bring numpy, pandas, torch).
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

# Every switch spelled out, so a change of the defaults changes only "default"; RevIN's learned level is left
# to train's choice per series (--revin-level / --no-revin-level force it) in every variant with RevIN.
VARIANTS = {
    "default": [],
    "direct": ["--head", "direct", "--no-revin", "--no-skip"],
    "per-step": ["--head", "per-step", "--no-revin", "--no-skip"],
    "direct+revin": ["--head", "direct", "--revin", "--no-skip"],
    "per-step+revin": ["--head", "per-step", "--revin", "--no-skip"],
    "direct+skip": ["--head", "direct", "--no-revin", "--skip"],
    "per-step+revin+skip": ["--head", "per-step", "--revin", "--skip"],
    "direct+revin+skip": ["--head", "direct", "--revin", "--skip"],
    "encoder-decoder+revin": ["--head", "encoder-decoder", "--revin", "--no-skip"],
    "encoder-decoder+revin+skip": ["--head", "encoder-decoder", "--revin", "--skip"],
    # The default with the skip started at the ridge regression instead of zero.
    "default+ridge-start": ["--skip-start", "ridge"],
    "per-step+revin+skip+ridge-start": ["--head", "per-step", "--revin", "--skip", "--skip-start", "ridge"],
    # Probabilistic: the default head with quantile regression or a Gaussian likelihood, scored also
    # by the 80% interval's test coverage and width, the pinball loss and the CRPS estimate.
    "quantiles": ["--quantiles", "0.1,0.5,0.9"],
    "gaussian": ["--likelihood", "gaussian", "--quantiles", "0.1,0.5,0.9"],
    "quantiles+calibrate": ["--quantiles", "0.1,0.5,0.9", "--calibrate"],
    "gaussian+calibrate": ["--likelihood", "gaussian", "--quantiles", "0.1,0.5,0.9", "--calibrate"],
    "quantiles+ridge-start": ["--quantiles", "0.1,0.5,0.9", "--skip-start", "ridge"],
    "gaussian+ridge-start": ["--likelihood", "gaussian", "--quantiles", "0.1,0.5,0.9", "--skip-start", "ridge"],
}


def load_series():
    """(name, times, values, season, window, horizon) for each series."""
    import statsmodels.api as sm

    out = []
    co2 = sm.datasets.co2.load_pandas().data["co2"].resample("MS").mean().interpolate()
    out.append(("co2 (monthly)", [t.strftime("%Y-%m") for t in co2.index], co2.values, 12, 24, 12))
    weekly = sm.datasets.co2.load_pandas().data["co2"].interpolate()
    out.append(("co2 (weekly)", [t.strftime("%Y-%m-%d") for t in weekly.index], weekly.values, 52, 104, 13))
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


def test_ends(n, horizon):
    _, test_start = cuts(n)
    return list(range(test_start - 1, n - horizon))


def scores(prediction, values, ends, horizon, train_end, season):
    truth = np.array([values[e + 1: e + 1 + horizon] for e in ends])
    error = np.asarray(prediction) - truth
    return float(np.sqrt(np.mean(error ** 2))), float(np.mean(np.abs(error)) / scale(values, train_end, season))


def run_recurrent(binary, name, times, values, season, window, horizon, args, folder, extra):
    csv = os.path.join(folder, "series.csv")
    with open(csv, "w") as f:
        f.write("time,value\n")
        for t, v in zip(times, values):
            f.write(f"{t},{float(v)!r}\n")
    model = os.path.join(folder, "model.safetensors")
    train = [
        binary, "train", "--csv", csv, "--target", "value", "--time", "time", "--window", str(window),
        "--horizon", str(horizon), "--hidden", "32", "--epochs", str(args.epochs), "--batch-size", "32",
        "--learning-rate", str(args.learning_rate), "--split", "0.7,0.15", "--seed", str(args.seed), "--quiet",
        "-o", model, *extra,
    ]
    start = time.perf_counter()
    done = subprocess.run(train, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{name}: recurrent train {' '.join(extra)} failed: {done.stderr.strip()}")
    seconds = time.perf_counter() - start
    evaluate = [binary, "evaluate", "--model", model, "--csv", csv, "--json"]
    evaluate += ["--season", str(season)] if season else []
    figures = json.loads(subprocess.run(evaluate, check=True, capture_output=True, text=True).stdout)
    return figures, seconds


def quiet_lightning():
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    for name in ["pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric", "neuralforecast"]:
        logging.getLogger(name).setLevel(logging.ERROR)


TRAINER = {"accelerator": "cpu", "enable_progress_bar": False, "logger": False, "enable_model_summary": False,
           "enable_checkpointing": False}


def run_darts(values, window, horizon, season, args):
    quiet_lightning()
    from darts import TimeSeries
    from darts.models import BlockRNNModel

    n = len(values)
    train_end, _ = cuts(n)
    mean, std = values[:train_end].mean(), values[:train_end].std()
    z = (values - mean) / std
    model = BlockRNNModel(
        input_chunk_length=window, output_chunk_length=horizon, model="LSTM", hidden_dim=32, n_rnn_layers=1,
        n_epochs=args.epochs, batch_size=32, optimizer_kwargs={"lr": args.learning_rate}, random_state=args.seed,
        pl_trainer_kwargs=TRAINER)
    start = time.perf_counter()
    model.fit(TimeSeries.from_values(z[:train_end].astype(np.float32)), verbose=False)
    seconds = time.perf_counter() - start
    ends = test_ends(n, horizon)
    inputs = [TimeSeries.from_values(z[: e + 1].astype(np.float32)) for e in ends]
    forecasts = model.predict(n=horizon, series=inputs, verbose=False)
    prediction = np.array([f.values()[:, 0] for f in forecasts]) * std + mean
    return (*scores(prediction, values, ends, horizon, train_end, season), seconds)


def run_neuralforecast(kind, values, window, horizon, season, args):
    quiet_lightning()
    import pandas as pd
    from neuralforecast import NeuralForecast
    from neuralforecast.models import LSTM, NHITS

    n = len(values)
    train_end, _ = cuts(n)
    windows = train_end - window - horizon + 1
    steps = max(1, args.epochs * math.ceil(windows / 32))  # Recurrent's optimiser steps of 32 windows
    common = dict(h=horizon, input_size=window, max_steps=steps, batch_size=1, windows_batch_size=32,
                  learning_rate=args.learning_rate, random_seed=args.seed, val_check_steps=steps + 1,
                  **TRAINER)
    if kind == "lstm":
        model = LSTM(encoder_hidden_size=32, encoder_n_layers=1, **common)
    else:
        model = NHITS(**common)
    frame = pd.DataFrame({"unique_id": "s", "ds": np.arange(n), "y": values.astype(np.float64)})
    nf = NeuralForecast(models=[model], freq=1)
    start = time.perf_counter()
    nf.fit(df=frame.iloc[:train_end])
    seconds = time.perf_counter() - start
    ends = test_ends(n, horizon)
    # One frame of many ids: every test window's history is its own series, predicted in one call.
    histories = pd.concat(
        [pd.DataFrame({"unique_id": f"w{e}", "ds": np.arange(e + 1 - window, e + 1), "y": values[e + 1 - window: e + 1]})
         for e in ends])
    forecast = nf.predict(df=histories)
    column = [c for c in forecast.columns if c not in ("unique_id", "ds", "index")][0]
    if "unique_id" not in forecast.columns:
        forecast = forecast.reset_index()
    prediction = np.array([forecast[forecast.unique_id == f"w{e}"][column].values for e in ends])
    return (*scores(prediction, values, ends, horizon, train_end, season), seconds)


MANY_VARIANTS = {"global": ["--series-embedding", "none"], "global+onehot": ["--series-embedding", "onehot"],
                 "global+onehot-revin-skip": ["--series-embedding", "onehot", "--no-revin", "--no-skip"]}


def load_many_series():
    """(name, times, {id: values}, season, window, horizon) for each set of series."""
    sets = []
    try:
        import statsmodels.api as sm

        macro = sm.datasets.macrodata.load_pandas().data
        quarters = [f"{int(y):04d}-{3 * int(q) - 2:02d}" for y, q in zip(macro.year, macro.quarter)]
        columns = [c for c in macro.columns if c not in ("year", "quarter")]
        sets.append(("macrodata (12 quarterly)", quarters, {c: macro[c].values.astype(np.float64) for c in columns}, 4, 12, 4))
    except ImportError:
        print("statsmodels is not installed: macrodata left out", file=sys.stderr)
    rng = np.random.default_rng(3)
    t = np.arange(240)
    cycles = {f"s{s}": 10 + 5 * s + (2 + s / 2) * np.sin(2 * np.pi * t / 24 + 0.7 * s) + 0.2 * (rng.random(240) - 0.5)
              for s in range(8)}
    sets.append(("8 generated daily cycles", [str(i) for i in t], cycles, 24, 48, 12))
    return sets


def run_recurrent_many(binary, times, series, season, window, horizon, args, folder, extra):
    csv = os.path.join(folder, "many.csv")
    ids = list(series)
    with open(csv, "w") as f:
        f.write("time," + ",".join(ids) + "\n")
        for r, t in enumerate(times):
            f.write(t + "," + ",".join(repr(float(series[i][r])) for i in ids) + "\n")
    model = os.path.join(folder, "many.safetensors")
    train = [
        binary, "train", "--csv", csv, "--series-columns", ",".join(ids), "--time", "time", "--window", str(window),
        "--horizon", str(horizon), "--hidden", "32", "--epochs", str(args.epochs), "--batch-size", "32",
        "--learning-rate", str(args.learning_rate), "--split", "0.7,0.15", "--seed", str(args.seed), "--quiet",
        "-o", model, *extra,
    ]
    start = time.perf_counter()
    done = subprocess.run(train, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"recurrent train {' '.join(extra)} failed: {done.stderr.strip()}")
    seconds = time.perf_counter() - start
    evaluate = [binary, "evaluate", "--model", model, "--csv", csv, "--json", "--season", str(season or 1)]
    figures = json.loads(subprocess.run(evaluate, check=True, capture_output=True, text=True).stdout)
    return figures, seconds


def pooled(predictions, series, horizon, season):
    """Mean MASE over the series and RMSE over every value: predictions[id] is [windows, horizon]."""
    mases, squares, count = [], 0.0, 0
    for i, values in series.items():
        n = len(values)
        train_end, _ = cuts(n)
        ends = test_ends(n, horizon)
        truth = np.array([values[e + 1: e + 1 + horizon] for e in ends])
        error = np.asarray(predictions[i]) - truth
        mases.append(float(np.mean(np.abs(error)) / scale(values, train_end, season)))
        squares += float(np.sum(error ** 2))
        count += error.size
    return float(np.mean(mases)), math.sqrt(squares / count)


def run_darts_many(series, window, horizon, season, args):
    quiet_lightning()
    from darts import TimeSeries
    from darts.models import BlockRNNModel

    stats, train = {}, []
    for i, values in series.items():
        train_end, _ = cuts(len(values))
        stats[i] = (values[:train_end].mean(), values[:train_end].std() or 1.0)
        z = (values - stats[i][0]) / stats[i][1]
        train.append(TimeSeries.from_values(z[:train_end].astype(np.float32)))
    model = BlockRNNModel(
        input_chunk_length=window, output_chunk_length=horizon, model="LSTM", hidden_dim=32, n_rnn_layers=1,
        n_epochs=args.epochs, batch_size=32, optimizer_kwargs={"lr": args.learning_rate}, random_state=args.seed,
        pl_trainer_kwargs=TRAINER)
    start = time.perf_counter()
    model.fit(train, verbose=False)
    seconds = time.perf_counter() - start
    predictions = {}
    for i, values in series.items():
        mean, std = stats[i]
        z = (values - mean) / std
        ends = test_ends(len(values), horizon)
        forecasts = model.predict(
            n=horizon, series=[TimeSeries.from_values(z[: e + 1].astype(np.float32)) for e in ends], verbose=False)
        predictions[i] = np.array([f.values()[:, 0] for f in forecasts]) * std + mean
    return (*pooled(predictions, series, horizon, season), seconds)


def run_neuralforecast_many(series, window, horizon, season, args):
    quiet_lightning()
    import pandas as pd
    from neuralforecast import NeuralForecast
    from neuralforecast.models import LSTM

    windows = sum(cuts(len(v))[0] - window - horizon + 1 for v in series.values())
    steps = max(1, args.epochs * math.ceil(windows / 32))  # Recurrent's optimiser steps of 32 pooled windows
    model = LSTM(h=horizon, input_size=window, max_steps=steps, batch_size=len(series), windows_batch_size=32,
                 learning_rate=args.learning_rate, random_seed=args.seed, val_check_steps=steps + 1,
                 encoder_hidden_size=32, encoder_n_layers=1, **TRAINER)
    frame = pd.concat([pd.DataFrame({"unique_id": i, "ds": np.arange(cuts(len(v))[0]), "y": v[: cuts(len(v))[0]]})
                       for i, v in series.items()])
    nf = NeuralForecast(models=[model], freq=1)
    start = time.perf_counter()
    nf.fit(df=frame)
    seconds = time.perf_counter() - start
    histories, keys = [], {}
    for i, values in series.items():
        for e in test_ends(len(values), horizon):
            key = f"{i}@{e}"
            keys[key] = (i, e)
            histories.append(pd.DataFrame({"unique_id": key, "ds": np.arange(e + 1 - window, e + 1),
                                           "y": values[e + 1 - window: e + 1]}))
    forecast = nf.predict(df=pd.concat(histories))
    if "unique_id" not in forecast.columns:
        forecast = forecast.reset_index()
    column = [c for c in forecast.columns if c not in ("unique_id", "ds", "index")][0]
    predictions = {i: [] for i in series}
    for key, (i, e) in keys.items():
        predictions[i].append(forecast[forecast.unique_id == key][column].values)
    return (*pooled(predictions, series, horizon, season), seconds)


def many_series_main(args):
    others = ([] if args.no_darts else ["Darts BlockRNN (global)"]) + ([] if args.no_neuralforecast else ["NF LSTM (global)"])
    variants = list(MANY_VARIANTS)
    header = ("| series | rows | L / h | " + " | ".join(f"Recurrent {v}" for v in variants) + " | "
              + "".join(f"{o} | " for o in others) + "persistence | seasonal naive | linear AR | "
              + " | ".join(f"Recurrent {v} train s" for v in variants) + " | " + "".join(f"{o} fit s | " for o in others))
    lines = [f"many series, one global model each: test mean MASE over the series / RMSE pooled over every value; "
             f"epochs {args.epochs} (NeuralForecast: the same optimiser steps), batch 32, learning rate {args.learning_rate}, "
             f"LSTM of 32, each series split 70/15/15, seed {args.seed}", "",
             header.strip(), "|" + " --- |" * (header.count("|") - 1)]
    print("\n".join(lines), flush=True)
    results = []
    for name, times, series, season, window, horizon in load_many_series():
        row = {"series": name, "count": len(series), "rows": len(times), "window": window, "horizon": horizon,
               "recurrent": {}, "others": {}}
        with tempfile.TemporaryDirectory() as folder:
            for variant in variants:
                figures, seconds = run_recurrent_many(
                    args.recurrent, times, series, season, window, horizon, args, folder, MANY_VARIANTS[variant])
                row["recurrent"][variant] = {"mase": figures["test_mase"], "rmse": figures["test_rmse"], "seconds": seconds}
        row["baselines"] = {b: {"mase": figures[f"{b}_test_mase"], "rmse": figures[f"{b}_test_rmse"]}
                            for b in ["persistence", "seasonal_naive", "linear_ar"] if f"{b}_test_rmse" in figures}
        if not args.no_darts:
            mase, rmse, seconds = run_darts_many(series, window, horizon, season, args)
            row["others"]["Darts BlockRNN (global)"] = {"mase": mase, "rmse": rmse, "seconds": seconds}
        if not args.no_neuralforecast:
            mase, rmse, seconds = run_neuralforecast_many(series, window, horizon, season, args)
            row["others"]["NF LSTM (global)"] = {"mase": mase, "rmse": rmse, "seconds": seconds}

        def cell(f):
            return f"{f['mase']:.3f} / {f['rmse']:.4g}"

        line = (f"| {name} | {len(series)} × {len(times)} | {window} / {horizon} | "
                + " | ".join(cell(row["recurrent"][v]) for v in variants) + " | "
                + "".join(f"{cell(row['others'][o])} | " for o in others)
                + "".join(f"{cell(row['baselines'][b])} | " if b in row["baselines"] else "– | "
                          for b in ["persistence", "seasonal_naive", "linear_ar"])
                + " | ".join(f"{row['recurrent'][v]['seconds']:.2f}" for v in variants) + " | "
                + "".join(f"{row['others'][o]['seconds']:.2f} | " for o in others))
        print(line.strip(), flush=True)
        lines.append(line.strip())
        results.append(row)
    return lines, results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("recurrent", help="the recurrent binary (a release build)")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--learning-rate", type=float, default=5e-3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--variants", default="default,direct,per-step,direct+revin,per-step+revin+skip,encoder-decoder+revin+skip",
                        help=f"Recurrent head variants, of: {', '.join(VARIANTS)}")
    parser.add_argument("--series", help="only the series whose names start with these, comma-separated")
    parser.add_argument("--no-darts", action="store_true")
    parser.add_argument("--no-neuralforecast", action="store_true")
    parser.add_argument("--output", help="also write the table to this file")
    parser.add_argument("--json", help="also write every figure to this file")
    parser.add_argument("--many-series", action="store_true",
                        help="benchmark one global model over each set of many series instead")
    args = parser.parse_args()
    variants = args.variants.split(",")
    if args.epochs < 1 or not args.learning_rate > 0 or any(v not in VARIANTS for v in variants):
        sys.exit(f"--epochs must be ≥ 1, --learning-rate > 0, --variants of {', '.join(VARIANTS)}")
    if not os.access(args.recurrent, os.X_OK):
        sys.exit(f"{args.recurrent}: not an executable")
    if args.many_series:
        for flag, module in [("no_darts", "darts"), ("no_neuralforecast", "neuralforecast")]:
            try:
                __import__(module)
            except ImportError:
                print(f"{module} is not installed: its global model was not rerun (pip install {module})", file=sys.stderr)
                setattr(args, flag, True)
        lines, results = many_series_main(args)
        if args.output:
            with open(args.output, "w") as f:
                f.write("\n".join(lines) + "\n")
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=1)
        return
    others = ([] if args.no_darts else ["Darts BlockRNN"]) + ([] if args.no_neuralforecast else ["NF LSTM", "NF NHITS"])
    header = ("| series | rows | L / h | " + " | ".join(f"Recurrent {v}" for v in variants) + " | "
              + "".join(f"{o} | " for o in others) + "seasonal naive | linear AR | Recurrent train s | "
              + "".join(f"{o} fit s | " for o in others))
    lines = [f"test MASE; epochs {args.epochs} (NeuralForecast: the same optimiser steps), batch 32, learning rate "
             f"{args.learning_rate}, LSTM of 32, split 70/15/15, seed {args.seed}", "",
             header.strip(), "|" + " --- |" * (header.count("|") - 1)]
    print("\n".join(lines), flush=True)
    results = []
    for name, times, values, season, window, horizon in load_series():
        if args.series and not any(name.startswith(s) for s in args.series.split(",")):
            continue
        values = np.asarray(values, dtype=np.float64)
        row = {"series": name, "rows": len(values), "window": window, "horizon": horizon, "recurrent": {}}
        with tempfile.TemporaryDirectory() as folder:
            for variant in variants:
                figures, seconds = run_recurrent(
                    args.recurrent, name, times, values, season, window, horizon, args, folder, VARIANTS[variant])
                row["recurrent"][variant] = {"mase": figures["test_mase"], "rmse": figures["test_rmse"], "seconds": seconds}
                for key in ["coverage_80", "width_80", "pinball", "crps"]:
                    if f"test_{key}" in figures:
                        row["recurrent"][variant][key] = figures[f"test_{key}"]
        row["baselines"] = {b: {"mase": figures[f"{b}_test_mase"], "rmse": figures[f"{b}_test_rmse"]}
                            for b in ["persistence", "seasonal_naive", "drift", "linear_ar"] if f"{b}_test_rmse" in figures}
        row["others"] = {}
        if not args.no_darts:
            rmse, mase, seconds = run_darts(values, window, horizon, season, args)
            row["others"]["Darts BlockRNN"] = {"mase": mase, "rmse": rmse, "seconds": seconds}
        if not args.no_neuralforecast:
            for kind, label in [("lstm", "NF LSTM"), ("nhits", "NF NHITS")]:
                rmse, mase, seconds = run_neuralforecast(kind, values, window, horizon, season, args)
                row["others"][label] = {"mase": mase, "rmse": rmse, "seconds": seconds}
        best = min(row["recurrent"][v]["mase"] for v in variants)
        cells = [f"**{row['recurrent'][v]['mase']:.3f}**" if row["recurrent"][v]["mase"] == best
                 else f"{row['recurrent'][v]['mase']:.3f}" for v in variants]
        line = (f"| {name} | {len(values)} | {window} / {horizon} | " + " | ".join(cells) + " | "
                + "".join(f"{row['others'][o]['mase']:.3f} | " for o in others)
                + "".join(f"{row['baselines'][b]['mase']:.3f} | " if b in row["baselines"] else "– | "
                          for b in ["seasonal_naive", "linear_ar"])
                + f"{row['recurrent'][variants[0]]['seconds']:.2f} | "
                + "".join(f"{row['others'][o]['seconds']:.2f} | " for o in others))
        print(line.strip(), flush=True)
        lines.append(line.strip())
        results.append(row)
    probabilistic = [v for v in variants if any("coverage_80" in r["recurrent"][v] for r in results)]
    if probabilistic:
        table = ["", "test 80% interval (0.1 to 0.9 quantile): coverage % (nominal 80) / mean width, pinball loss, CRPS "
                 "estimate, in the series' units", "",
                 "| series | " + " | ".join(f"{v} coverage % | {v} width | {v} pinball | {v} CRPS" for v in probabilistic)
                 + " |", "|" + " --- |" * (1 + 4 * len(probabilistic))]
        for r in results:
            cells = []
            for v in probabilistic:
                f = r["recurrent"][v]
                cells += [f"{100 * f['coverage_80']:.1f}", f"{f['width_80']:.4g}", f"{f['pinball']:.4g}", f"{f['crps']:.4g}"]
            table.append(f"| {r['series']} | " + " | ".join(cells) + " |")
        print("\n".join(table), flush=True)
        lines += table
    if args.output:
        with open(args.output, "w") as f:
            f.write("\n".join(lines) + "\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
