#!/usr/bin/env python3
"""The same training loop in Recurrent's CLI and in plain PyTorch, side by side.

    python3 scripts/training_loop_speed.py [--binary .build/release/recurrent] [--rounds 3]
        [--workloads adding,text,forecast] [--adding-steps 800] [--text-steps 150] [--forecast-steps 5000]
        [--threads 2] [--bench .build/release/RecurrentBench]

Three workloads, each run by `recurrent train` (the whole process) and by this
script as a child process (`--worker`, the whole process too) with the same
model, data sizes, optimiser, batch and number of optimiser steps. The two
sides alternate within each round (the order flips every round), so a drift
of the shared machine's speed falls on both; the medians over rounds are
printed. Needs `torch` and `numpy` (`safetensors` if present, to write the
PyTorch model in the same format).

Workloads (every option not named is the CLI's default: LSTM, Adam with
PyTorch's defaults betas (0.9, 0.999) and eps 1e-8 at lr 0.005, global
gradient-norm clipping at 1, constant learning rate, seed 42):

- adding: `--task adding --length 100 --hidden 64 --batch-size 64`. 10 000
  training and 1 500 validation sequences [N, 100, 2] generated up front;
  LSTM(2→64), a dense head on the last step to 1 output, mean squared error.
  157 steps per epoch (the last batch holds 16).
- text: `--text CORPUS --hidden 256 --batch-size 32 --window 100`. The corpus
  is the repository's README.md and then its Sources/**/*.swift in path
  order, cut to --text-chars characters (Unicode scalars), written once and
  read by both sides. Vocabulary: the distinct scalars; split in order
  70/15/15; non-overlapping windows of 100 predicting the next symbol at every
  step. Embedding(V→32) (the CLI's --embedding default), LSTM(32→256), a
  dense head at every step to V, softmax cross-entropy over all B·T steps.
- forecast: `--csv SERIES --target value` with every forecasting default:
  hidden 32, window 24, horizon 1, stride 1, batch 32, split 0.7/0.15,
  z-scored with the training part's mean and population deviation, the direct
  head, the linear skip over the whole window (weight and bias starting at
  zero) and RevIN (each window standardised by its own mean and √(population
  variance + 1e-5), the output scaled back). The series is Mackey–Glass
  (τ = 17, RK4 at h = 0.1) of --forecast-rows rows, written once as a CSV
  and read by both sides.

What each side's figures include, alike on both sides:

- steps/s: optimiser steps divided by the epochs' wall time, as the CLI's
  per-epoch `steps_per_second` counts it: from the epoch's first batch to the
  end of its validation pass, so each epoch's validation loss (inference, no
  gradients, chunks of 64 sequences) is inside. Per step: gathering the
  shuffled batch's rows into new tensors, forward, loss, backward, the
  global-norm clip, a finiteness check of the loss and the gradient norm, the
  optimiser update, and reading the loss back as a number (the epoch's mean).
  The epoch order is a fresh permutation per epoch; with --steps the last
  epoch is partial and ends with its validation pass, as in the CLI.
- whole-process seconds: from starting the process to its exit, after the
  model file is written (the file is checked to exist). Both include starting
  the runtime (for PyTorch: the interpreter and `import torch`, which is
  reported separately), making the data (generating the adding problem,
  reading and windowing the text or the CSV, normalising), building the model
  and the optimiser (PyTorch's first `torch.optim.Adam` costs about 1.5 s
  here in lazy imports; reported with the data as "setup"), training, one
  more pass over the validation part for the final figures (the CLI's
  summary: validation MSE, bits per character, RMSE beside persistence) and
  writing the model file atomically (temporary file, fsync, rename).

What cannot be identical:

- The random numbers: the CLI draws its data, weights and shuffle from its
  own generator, PyTorch from numpy and torch. The shapes, the counts and
  the distributions are the same; the values, hence the losses, are not.
- The CLI's data code is Swift, the worker's numpy; the CLI also writes
  metadata (options, normalisation, vocabulary) into its model file, and
  checks the CSV's cells for extreme values. These are small against
  training, but they are inside the whole-process seconds and differ in kind.
- The CLI checks every gradient tensor for NaN and infinity; the worker
  checks the global norm that `clip_grad_norm_` returns (non-finite when any
  gradient is, overflow aside). The worker validates in `model.eval()` under
  `torch.no_grad()` and trains in `model.train()` (no dropout either way).
- PyTorch runs its defaults as a user would get them: `nn.LSTM` through
  its CPU kernels (oneDNN/MKL where built in), `torch.optim.Adam` and
  `clip_grad_norm_` in their default CPU implementations (neither `foreach`
  nor `fused` asked for), no `torch.compile`, no autograd
  anomaly detection, `torch.set_num_threads(--threads)`. The CLI runs with
  `--threads` workers. Neither side is given a warm-up: the first epoch's
  one-time costs are in both figures.
- On a machine shared with other work, PyTorch's OpenMP team of two threads
  waits at every op's barrier for a thread the scheduler has taken away, so
  its small ops slow down far more than its large ones (measured here: a
  B32 T24 H32 LSTM step 1.4 ms at a quieter moment, 9–16 ms with two
  threads beside a build, 1.8–2.4 ms with one); Recurrent keeps small products on
  one thread. Run with `--threads 1` as well to see how much of a gap is that.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parent.parent

# The CLI's defaults that both sides use (Sources/recurrent/ModelOptions.swift).
LEARNING_RATE = 0.005
CLIP = 1.0
SEED = 42
VALIDATION_CHUNK = 64  # SequenceModel.meanLoss's chunk of sequences

WORKLOADS = ("adding", "text", "forecast")


# --- data files that both sides read -------------------------------------------------------


def write_corpus(path: pathlib.Path, characters: int) -> None:
    """README.md, then Sources/**/*.swift in path order, cut to `characters` scalars."""
    files = [REPO / "README.md"] + sorted((REPO / "Sources").rglob("*.swift"))
    text = "".join(f.read_text(encoding="utf-8") for f in files)
    if len(text) < characters:
        raise SystemExit(f"--text-chars {characters}: the repository's text holds only {len(text)} characters")
    path.write_text(text[:characters], encoding="utf-8")


def mackey_glass(rows: int, tau: float = 17, beta: float = 0.2, gamma: float = 0.1, n: float = 10,
                 x0: float = 1.2, per_unit: int = 10, transient: int = 200) -> list[float]:
    """x at t = 1, 2, … after `transient` units: RK4 at h = 1/per_unit, history x0, the delayed
    term at a half step the mean of its grid neighbours (as RecurrentData's MackeyGlass)."""
    h, d = 1.0 / per_unit, int(round(tau * per_unit))
    total = (rows + transient) * per_unit
    x = [x0] * (d + 1) + [0.0] * total  # x[d] is t = 0

    def f(value: float, delayed: float) -> float:
        return beta * delayed / (1 + delayed ** n) - gamma * value

    for i in range(d, d + total):
        lag, lag_next = x[i - d], x[i - d + 1]
        lag_half = 0.5 * (lag + lag_next)
        k1 = f(x[i], lag)
        k2 = f(x[i] + 0.5 * h * k1, lag_half)
        k3 = f(x[i] + 0.5 * h * k2, lag_half)
        k4 = f(x[i] + h * k3, lag_next)
        x[i + 1] = x[i] + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return [x[d + (transient + t) * per_unit] for t in range(1, rows + 1)]


def write_series(path: pathlib.Path, rows: int) -> None:
    with path.open("w") as out:
        out.write("value\n")
        for v in mackey_glass(rows):
            out.write(f"{v:.9g}\n")


# --- the PyTorch side (run as a child process) ---------------------------------------------


def worker(args: argparse.Namespace) -> None:
    """One whole PyTorch run; prints one JSON line per epoch and a final one, as `--json` does."""
    started = time.perf_counter()
    import numpy as np
    import torch
    from torch import nn

    import_seconds = time.perf_counter() - started
    torch.set_num_threads(args.threads)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)

    # Data, made once up front as the CLI's job does; every tensor float32 (ids int64).
    if args.workload == "adding":
        def adding(count: int, t: int = 100):
            x = np.zeros((count, t, 2), dtype=np.float32)
            x[:, :, 0] = rng.random((count, t), dtype=np.float32)
            first = rng.integers(0, t // 2, count)
            second = t // 2 + rng.integers(0, t - t // 2, count)
            rows = np.arange(count)
            x[rows, first, 1] = 1
            x[rows, second, 1] = 1
            y = (x[rows, first, 0] + x[rows, second, 0])[:, None]
            return torch.from_numpy(x), torch.from_numpy(y)

        train_x, train_y = adding(10_000)
        val_x, val_y = adding(1_500)  # samples·15/100
        batch = 64

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(2, 64, batch_first=True)
                self.head = nn.Linear(64, 1)

            def forward(self, x):  # [B, T, 2] → [B, 1]
                out, _ = self.lstm(x)
                return self.head(out[:, -1])

        model = Model()
        loss_fn = nn.MSELoss()
        def final_figures():  # the CLI's summary: the validation MSE over all 1500 at once
            with torch.no_grad():
                return {"validation_mse": loss_fn(model(val_x), val_y).item()}

    elif args.workload == "text":
        text = pathlib.Path(args.data).read_text(encoding="utf-8")
        symbols = sorted(set(text))
        index = {s: i for i, s in enumerate(symbols)}
        ids = np.fromiter((index[s] for s in text), dtype=np.int64, count=len(text))
        n = len(ids)
        train_end, validation_end = int(round(0.7 * n)), int(round(0.85 * n))

        def windows(lo: int, hi: int, length: int = 100):
            count = max(0, hi - lo - 1) // length
            x = ids[lo:lo + count * length].reshape(count, length)
            y = ids[lo + 1:lo + 1 + count * length].reshape(count, length)
            return torch.from_numpy(x.copy()), torch.from_numpy(y.copy())

        train_x, train_y = windows(0, train_end)
        val_x, val_y = windows(train_end, validation_end)
        vocabulary = len(symbols)
        batch = 32

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.embedding = nn.Embedding(vocabulary, 32)
                self.lstm = nn.LSTM(32, 256, batch_first=True)
                self.head = nn.Linear(256, vocabulary)

            def forward(self, x):  # ids [B, T] → logits [B, T, V]
                out, _ = self.lstm(self.embedding(x))
                return self.head(out)

        model = Model()
        cross_entropy = nn.CrossEntropyLoss()
        def loss_fn(logits, y):
            return cross_entropy(logits.reshape(-1, vocabulary), y.reshape(-1))
        def final_figures():
            nats = validation_loss()
            return {"validation_loss_nats": nats, "validation_bits_per_character": nats / math.log(2)}

    else:  # forecast
        values = np.loadtxt(args.data, delimiter=",", skiprows=1, dtype=np.float64, ndmin=1)
        n, window, horizon = len(values), 24, 1
        train_end, validation_end = int(round(0.7 * n)), int(round(0.85 * n))
        mean, deviation = values[:train_end].mean(), values[:train_end].std()  # population deviation
        scaled = ((values - mean) / deviation).astype(np.float32)

        def windows(lo: int, hi: int):  # windows whose targets lie in rows lo..<hi
            ends = np.arange(max(lo - 1, window - 1), hi - horizon)
            x = np.stack([scaled[e - window + 1:e + 1] for e in ends])[:, :, None]
            y = np.stack([scaled[e + 1:e + 1 + horizon] for e in ends])
            return torch.from_numpy(x), torch.from_numpy(y), ends

        train_x, train_y, _ = windows(0, train_end)
        val_x, val_y, val_ends = windows(train_end, validation_end)
        batch = 32

        class Model(nn.Module):
            """RevIN around LSTM(1→32) → head(last state) + skip(whole window, zero at first)."""

            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(1, 32, batch_first=True)
                self.head = nn.Linear(32, horizon)
                self.skip = nn.Linear(window * 1, horizon)
                nn.init.zeros_(self.skip.weight)
                nn.init.zeros_(self.skip.bias)

            def forward(self, x):  # [B, L, 1] → [B, horizon]
                mu = x.mean(1, keepdim=True)
                sigma = torch.sqrt(x.var(1, unbiased=False, keepdim=True) + 1e-5)
                xn = (x - mu) / sigma
                out, _ = self.lstm(xn)
                y = self.head(out[:, -1]) + self.skip(xn.reshape(xn.shape[0], -1))
                return y * sigma[:, 0] + mu[:, 0]  # every output is the one feature's

        model = Model()
        loss_fn = nn.MSELoss()
        def final_figures():  # RMSE in the series' units beside persistence, as the CLI's summary
            with torch.no_grad():
                prediction = model(val_x).numpy().astype(np.float64) * deviation + mean
            truth = val_y.numpy().astype(np.float64) * deviation + mean
            naive = values[val_ends][:, None]
            return {"validation_rmse": float(np.sqrt(((prediction - truth) ** 2).mean())),
                    "persistence_validation_rmse": float(np.sqrt(((naive - truth) ** 2).mean()))}

    def validation_loss() -> float:
        """The mean loss over the validation part in chunks of 64, weighted by what each chunk holds."""
        model.eval()
        total = weight = 0.0
        with torch.no_grad():
            for lo in range(0, len(val_x), VALIDATION_CHUNK):
                x, y = val_x[lo:lo + VALIDATION_CHUNK], val_y[lo:lo + VALIDATION_CHUNK]
                w = y.numel() if args.workload == "text" else len(x)
                total += loss_fn(model(x), y).item() * w
                weight += w
        model.train()
        return total / weight

    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE, betas=(0.9, 0.999), eps=1e-8)
    parameters = [p for p in model.parameters()]
    count = len(train_x)
    steps_per_epoch = (count + batch - 1) // batch
    total_steps = args.steps
    epochs = (total_steps + steps_per_epoch - 1) // steps_per_epoch
    setup_seconds = time.perf_counter() - started - import_seconds  # data, model, optimiser
    shuffle = torch.Generator().manual_seed(SEED)
    model.train()
    fit_started = time.perf_counter()
    for epoch in range(1, epochs + 1):
        batches = min(steps_per_epoch, total_steps - (epoch - 1) * steps_per_epoch)
        order = torch.randperm(count, generator=shuffle)
        epoch_started = time.perf_counter()
        loss_sum = 0.0
        for b in range(batches):
            rows = order[b * batch:(b + 1) * batch]
            x, y = train_x[rows], train_y[rows]  # gathered copies, as the CLI's `gathering`
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(parameters, CLIP)
            value = loss.item()
            if not (math.isfinite(value) and math.isfinite(norm.item())):
                raise SystemExit(f"non-finite loss or gradient at epoch {epoch}, batch {b + 1}")
            optimizer.step()
            loss_sum += value * len(rows)
        val = validation_loss()
        seconds = time.perf_counter() - epoch_started
        print(json.dumps({
            "epoch": epoch, "epochs": epochs, "steps": batches, "seconds": seconds,
            "steps_per_second": batches / seconds, "train_loss": loss_sum / min(batches * batch, count),
            "validation_loss": val,
        }), flush=True)
    training_seconds = time.perf_counter() - fit_started
    figures = final_figures()
    write_model(model, pathlib.Path(args.output))
    print(json.dumps({
        "final": True, "epochs_run": epochs, "training_seconds": training_seconds,
        "parameters": sum(p.numel() for p in parameters), "import_seconds": import_seconds,
        "setup_seconds": setup_seconds, "training_examples": count, "validation_examples": len(val_x),
        **({"vocabulary": vocabulary} if args.workload == "text" else {}), **figures,
    }), flush=True)


def write_model(model, path: pathlib.Path) -> None:
    """The state_dict as safetensors (torch.save without the package), atomically as the CLI writes."""
    temporary = path.with_name(path.name + ".tmp")
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    try:
        from safetensors.torch import save_file
        save_file(state, str(temporary))
    except ImportError:
        import torch
        torch.save(state, temporary)
    with open(temporary, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(temporary, path)


# --- the parent: rounds, both sides, medians -----------------------------------------------


def cli_arguments(workload: str, data: pathlib.Path | None, steps: int, threads: int) -> list[str]:
    common = ["--steps", str(steps), "--threads", str(threads), "--json"]
    if workload == "adding":
        return ["train", "--task", "adding", "--length", "100", "--hidden", "64", "--batch-size", "64"] + common
    if workload == "text":
        return ["train", "--text", str(data), "--hidden", "256", "--batch-size", "32", "--window", "100"] + common
    return ["train", "--csv", str(data), "--target", "value"] + common


def run(command: list[str], model: pathlib.Path) -> dict:
    """Runs one whole process; returns its epochs, final figures and wall time."""
    if model.exists():
        model.unlink()
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0 or not model.exists():
        raise SystemExit(
            f"{' '.join(command)}: exit {done.returncode}, model file "
            f"{'written' if model.exists() else 'missing'}\n{done.stderr.strip()}")
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    epochs = [line for line in lines if not line.get("final")]
    final = next(line for line in lines if line.get("final"))
    steps = sum(e["steps"] for e in epochs)
    return {
        "steps": steps, "epochs": len(epochs), "steps_per_second": steps / sum(e["seconds"] for e in epochs),
        "process_seconds": seconds, "final": final,
    }


def bench_peak(path: str) -> str:
    binary = pathlib.Path(path)
    if not binary.exists():
        return f"not measured ({path} not found)"
    done = subprocess.run([str(binary), "peak"], capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith("peak bf16")] or lines  # the FMA loop, not vdpbf16ps's
    return lines[-1] if done.returncode == 0 and lines else f"not measured ({path} peak: exit {done.returncode})"


def describe(workload: str, steps: int, args: argparse.Namespace) -> str:
    if workload == "adding":
        return (f"adding  T100 D2 LSTM H64 B64, 10000 train / 1500 validation sequences, {steps} steps, "
                "MSE, Adam 0.005, clip 1")
    if workload == "text":
        return (f"text    {args.text_chars} chars of README.md + Sources/**/*.swift, Embedding 32, LSTM H256, "
                f"B32 window 100, {steps} steps, cross-entropy")
    return (f"forecast Mackey-Glass {args.forecast_rows} rows CSV, LSTM H32 window 24 horizon 1 B32, skip + RevIN, "
            f"{steps} steps, MSE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=".build/release/recurrent", help="the release `recurrent` to time")
    parser.add_argument("--bench", default=".build/release/RecurrentBench", help="RecurrentBench, for the FMA peak")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every workload on both sides")
    parser.add_argument("--threads", type=int, default=2, help="the CLI's --threads and torch.set_num_threads")
    parser.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated: adding, text, forecast")
    parser.add_argument("--adding-steps", type=int, default=800, help="optimiser steps of the adding problem")
    parser.add_argument("--text-steps", type=int, default=150, help="optimiser steps of the character model")
    parser.add_argument("--forecast-steps", type=int, default=5000, help="optimiser steps of the forecast")
    parser.add_argument("--text-chars", type=int, default=200_000, help="characters of the text corpus")
    parser.add_argument("--forecast-rows", type=int, default=10_000, help="rows of the Mackey-Glass CSV")
    parser.add_argument("--python", default=sys.executable, help="the interpreter of the PyTorch side")
    # The PyTorch side, run by the parent as a child process.
    parser.add_argument("--worker", choices=WORKLOADS, dest="workload", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--steps", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.workload:
        worker(args)
        return

    workloads = args.workloads.split(",")
    for name in workloads:
        if name not in WORKLOADS:
            parser.error(f"--workloads: unknown workload {name!r} (adding, text, forecast)")
    for option in ("rounds", "threads", "adding_steps", "text_steps", "forecast_steps"):
        if getattr(args, option) < 1:
            parser.error(f"--{option.replace('_', '-')} must be at least 1")
    binary = pathlib.Path(args.binary)
    if not binary.exists():
        parser.error(f"--binary {args.binary}: not found (swift build -c release --product recurrent)")

    folder = pathlib.Path(tempfile.mkdtemp(prefix="training_loop_speed."))
    try:
        data = {"adding": None, "text": folder / "corpus.txt", "forecast": folder / "series.csv"}
        if "text" in workloads:
            write_corpus(data["text"], args.text_chars)
        if "forecast" in workloads:
            write_series(data["forecast"], args.forecast_rows)
        steps = {"adding": args.adding_steps, "text": args.text_steps, "forecast": args.forecast_steps}
        import torch

        print("# Training loop speed: `recurrent train` beside the same loop in PyTorch, one sitting")
        print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} cores, "
              f"--threads {args.threads}; torch {torch.__version__}; {args.rounds} rounds, sides alternating")
        print("# python3 scripts/training_loop_speed.py " + " ".join(sys.argv[1:]))
        print("# The machine is shared with other work (another engineer's builds and benchmarks on both")
        print("# cores): figures are noisy; the medians over rounds are shown, with the load average per run")
        print(f"# FMA peak before: {bench_peak(args.bench)}")
        for name in workloads:
            print(f"# {describe(name, steps[name], args)}")
        print(flush=True)

        results = {name: {"recurrent": [], "pytorch": []} for name in workloads}
        for r in range(args.rounds):
            for name in workloads:
                sides = ["recurrent", "pytorch"] if r % 2 == 0 else ["pytorch", "recurrent"]
                for side in sides:
                    model = folder / f"{name}-{side}.safetensors"
                    if side == "recurrent":
                        command = [str(binary)] + cli_arguments(name, data[name], steps[name], args.threads)
                        command += ["-o", str(model)]
                    else:
                        command = [args.python, __file__, "--worker", name, "--steps", str(steps[name]),
                                   "--threads", str(args.threads), "--output", str(model)]
                        if data[name] is not None:
                            command += ["--data", str(data[name])]
                    load = os.getloadavg()[0]
                    result = run(command, model)
                    results[name][side].append(result)
                    print(f"round {r + 1} {name:8} {side:9}  {result['steps_per_second']:8.1f} steps/s  "
                          f"{result['process_seconds']:6.1f} s whole process  ({result['steps']} steps, "
                          f"{result['epochs']} epochs; load average {load:.1f} before, "
                          f"{os.getloadavg()[0]:.1f} after)", flush=True)

        print()
        print(f"# FMA peak after: {bench_peak(args.bench)}")
        print()
        print("| workload | Recurrent steps/s | PyTorch steps/s | ratio of medians R/P (per-round range) | Recurrent s | PyTorch s "
              "| of it import torch, setup | parameters R / P |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        for name in workloads:
            rec, pt = results[name]["recurrent"], results[name]["pytorch"]
            rs = statistics.median(x["steps_per_second"] for x in rec)
            ps = statistics.median(x["steps_per_second"] for x in pt)
            ratios = [a["steps_per_second"] / b["steps_per_second"] for a, b in zip(rec, pt)]
            rsec = statistics.median(x["process_seconds"] for x in rec)
            psec = statistics.median(x["process_seconds"] for x in pt)
            imp = statistics.median(x["final"]["import_seconds"] for x in pt)
            setup = statistics.median(x["final"]["setup_seconds"] for x in pt)
            print(f"| {name} | {rs:.1f} | {ps:.1f} | {rs / ps:.2f} ({min(ratios):.2f}–{max(ratios):.2f}) | "
                  f"{rsec:.1f} | {psec:.1f} | {imp:.1f}, {setup:.1f} | {rec[0]['final']['parameters']} / "
                  f"{pt[0]['final']['parameters']} |")
        print()
        print("steps/s: optimiser steps over the epochs' time, each epoch's validation pass included; ratio > 1: "
              "Recurrent faster. Whole process: start to exit, the model file written.")
        last = {name: (results[name]["recurrent"][-1]["final"], results[name]["pytorch"][-1]["final"])
                for name in workloads}
        for name, (rec, pt) in last.items():
            keys = sorted(k for k in rec if k.startswith(("validation_", "persistence_")))
            figures = ", ".join(f"{k} {rec[k]:.4g} / {pt[k]:.4g}" for k in keys if k in pt)
            print(f"last round's final figures, {name} (Recurrent / PyTorch; different random draws): {figures}")
        if "text" in last:
            print(f"text vocabulary (PyTorch side's count, same file): {last['text'][1]['vocabulary']} symbols")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
