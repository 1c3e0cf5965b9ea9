#!/usr/bin/env python3
"""Verify Recurrent's ONNX export in ONNX Runtime and write the fixtures that
let CI check it without Python.

Run from the repository root (onnx, onnxruntime, numpy and safetensors from pip):

    /work/venv/bin/python scripts/verify_onnx.py

Steps:
1. `RECURRENT_WRITE_ONNX_FIXTURES=1 swift test --filter ONNXExportTests` exports
   the test's seeded models (every cell: RNN tanh/relu/sigmoid, LSTM, GRU; one and
   two layers; one and two directions; bare layers, forecasters with their
   normalisation, classifiers with last/mean/max pooling over tokens or features,
   the MLP, character models) to Tests/RecurrentTests/Fixtures/onnx/NAME.onnx, and
   their model files to a temporary folder.
2. Each ONNX file must pass onnx.checker.check_model(full_check=True), and
   `recurrent export MODEL --format onnx` must give the same bytes.
3. Each runs in ONNX Runtime on random inputs: several batch sizes and lengths,
   equal and ragged `lengths`, default and random initial states. Inputs and
   outputs go to NAME.ort.safetensors.
4. Bare layers: ONNX Runtime's outputs against `recurrent predict` on the same
   inputs, tolerance 1e-5 absolute.
5. `swift test --filter ONNXExportTests` runs the library on every stored input
   and compares with ONNX Runtime's outputs, tolerance 1e-5 · max(1, max|ref|)
   (the forecasters' outputs are in the CSV's units, about 100); it prints the
   differences, collected here.
The log goes to Tests/RecurrentTests/Fixtures/onnx/verify_onnx.log.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from safetensors.numpy import load_file, save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "RecurrentTests", "Fixtures", "onnx")
RECURRENT = os.path.join(ROOT, ".build", "debug", "recurrent")
TOLERANCE = 1e-5
log_lines = []


def log(line=""):
    print(line)
    log_lines.append(line)


def run(command, env=None):
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result.stdout


def make_runs(name, session, vocabulary, steps, rng):
    """Inputs for several batch sizes, lengths and states."""
    inputs = {i.name: i for i in session.get_inputs() + list(session.get_overridable_initializers())}
    spec = inputs["input"]
    features = spec.shape[2] if len(spec.shape) == 3 else None
    has_c = "c0" in inputs
    shapes = [(1, 1, False, False), (3, 7, False, False), (5, 6, True, False), (2, 9, True, True), (16, 8, True, True)]
    runs = []
    for k, (b, t, ragged, state) in enumerate(shapes):
        t = steps or t
        feed = {}
        if vocabulary:
            feed["input"] = rng.integers(0, vocabulary, size=(b, t)).astype(np.int64)
        else:
            x = rng.standard_normal((b, t, features)).astype(np.float32)
            if name.startswith("forecast"):
                x = (np.array([120, 15], np.float32) + np.array([30, 5], np.float32) * x).astype(np.float32)
            feed["input"] = x
        if ragged:
            lengths = rng.integers(1, t + 1, size=b).astype(np.int64)
            lengths[0] = t
            feed["lengths"] = lengths
        if state and "h0" in inputs:
            shape = [inputs["h0"].shape[0], b, inputs["h0"].shape[2]]
            feed["h0"] = rng.standard_normal(shape).astype(np.float32)
            if has_c:
                feed["c0"] = rng.standard_normal(shape).astype(np.float32)
        runs.append(feed)
    return runs


def main():
    models = tempfile.mkdtemp(prefix="recurrent-onnx-")
    log(f"onnx {onnx.__version__}, onnxruntime {ort.__version__}, numpy {np.__version__}")
    log("1. export (swift test, writing mode)")
    env = dict(os.environ, RECURRENT_WRITE_ONNX_FIXTURES="1", RECURRENT_ONNX_MODELS=models)
    run(["swift", "build"])
    run(["swift", "test", "--filter", "ONNXExportTests"], env=env)
    manifest = json.load(open(os.path.join(FIXTURES, "manifest.json")))
    rng = np.random.default_rng(2026)
    ort.set_default_logger_severity(3)  # the optional inputs' "initializer in graph inputs" notes
    log("2-4. checker, CLI bytes, ONNX Runtime, recurrent predict")
    for name in sorted(manifest):
        path = os.path.join(FIXTURES, name + ".onnx")
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
        cli = os.path.join(models, name + ".cli.onnx")
        run([RECURRENT, "export", os.path.join(models, name + ".safetensors"), "--format", "onnx", "-o", cli])
        same = open(cli, "rb").read() == open(path, "rb").read()
        if not same:
            sys.exit(f"{name}: recurrent export gives other bytes than the library")
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        ops = sorted({n.op_type for n in model.graph.node if n.op_type in ("RNN", "LSTM", "GRU")})
        log(f"{name}: {os.path.getsize(path)} bytes, check_model(full_check=True) passed, "
            f"CLI bytes identical, operators {ops}, inputs {[i.name for i in session.get_inputs()]} "
            f"+ optional {[i.name for i in session.get_overridable_initializers()]}, "
            f"outputs {[o.name for o in session.get_outputs()]}")
        info = manifest[name]
        runs = make_runs(name, session, info["vocabulary"], info["steps"], rng)
        stored = {}
        for k, feed in enumerate(runs):
            outputs = session.run(None, feed)
            for key, value in feed.items():
                stored[f"run{k}.{key}"] = value
            for meta, value in zip(session.get_outputs(), outputs):
                stored[f"run{k}.out.{meta.name}"] = value
            if name.startswith("layer_"):
                given = os.path.join(models, f"{name}.run{k}.in.safetensors")
                got = os.path.join(models, f"{name}.run{k}.out.safetensors")
                save_file(dict(feed), given)
                run([RECURRENT, "predict", "-m", os.path.join(models, name + ".safetensors"), "-i", given, "-o", got])
                reference = load_file(got)
                worst = 0.0
                for meta, value in zip(session.get_outputs(), outputs):
                    difference = float(np.abs(reference[meta.name] - value).max())
                    worst = max(worst, difference)
                    if difference > TOLERANCE:
                        sys.exit(f"{name} run{k} {meta.name}: ONNX Runtime vs recurrent predict {difference}")
                b, t = feed["input"].shape[:2]
                log(f"  run{k} B={b} T={t} lengths={feed.get('lengths', 'all T').tolist() if 'lengths' in feed else 'all T'}"
                    f"{' h0' if 'h0' in feed else ''}: max |ONNX Runtime − recurrent predict| = {worst:.3g}")
        save_file(stored, os.path.join(FIXTURES, name + ".ort.safetensors"))
    log("5. the library against ONNX Runtime (swift test)")
    output = run(["swift", "test", "--filter", "ONNXExportTests"])
    worst = {}
    for match in re.finditer(r"onnx-compare (\S+) (\S+) (\S+) shape (\[[^\]]*\]) max-abs-diff (\S+)", output):
        model, run_name, tensor, shape, difference = match.groups()
        worst.setdefault(model, []).append((tensor, float(difference)))
    for model in sorted(worst):
        parts = {}
        for tensor, difference in worst[model]:
            parts[tensor] = max(parts.get(tensor, 0), difference)
        log(f"{model}: max |Recurrent − ONNX Runtime| over 5 runs: "
            + ", ".join(f"{k} {v:.3g}" for k, v in sorted(parts.items())))
    if len(worst) != len(manifest):
        sys.exit(f"the Swift comparison covered {len(worst)} of {len(manifest)} models")
    log(f"all {len(manifest)} models passed")
    with open(os.path.join(FIXTURES, "verify_onnx.log"), "w") as f:
        f.write("GENERATED by scripts/verify_onnx.py — do not edit.\n" + "\n".join(log_lines) + "\n")


if __name__ == "__main__":
    main()
