#!/usr/bin/env python3
"""Mutates model-file metadata and checkpoint records value by value and runs
the CLI on each mutant; every exit status must be 0 or 64 (never a signal or
a trap). Local use only; CI does not need Python.

    scripts/mutate_metadata.py .build/debug/recurrent MODEL.safetensors... [--checkpoint CK --train-args "..."] [--quick]

A model file's mutants run info, evaluate, forecast, generate and backtest
(with refits, which read the file's training_options); a
checkpoint's run `train TRAIN-ARGS --checkpoint MUTANT --resume` (the
arguments that wrote it, without --checkpoint). --quick tries only the
first three hostile values, for a short run.
"""
import json, os, struct, subprocess, sys, tempfile, collections

HOSTILE = [-5, -1, 0, 1e308, -1e308, 2**62, 10**9, 2**63 - 1, 0.5, "x", None, [], {}]


def read(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    return json.loads(b[8:8 + n]), b[8 + n:]


def write(path, header, data):
    h = json.dumps(header).encode()
    open(path, "wb").write(struct.pack("<Q", len(h)) + h + data)


def paths(value, prefix=()):
    """Every leaf of a JSON value, as a path of keys and indices."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths(v, prefix + (i,))
    else:
        yield prefix


def replaced(value, path, new):
    if not path:
        return new
    value = json.loads(json.dumps(value))
    cursor = value
    for p in path[:-1]:
        cursor = cursor[p]
    cursor[path[-1]] = new
    return value


def mutants(header):
    meta = header.get("__metadata__", {})
    for key, text in meta.items():
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, (dict, list)):
            for path in paths(parsed):
                for new in HOSTILE:
                    m = dict(meta)
                    m[key] = json.dumps(replaced(parsed, path, new))
                    yield f"{key}{list(path)}={new!r}", m
        else:
            for new in ["-5", "1e308", str(2**62), "not json", "{"]:
                m = dict(meta)
                m[key] = new
                yield f"{key}={new}", m
        m = dict(meta)
        del m[key]
        yield f"{key} removed", m


def main():
    global HOSTILE
    args = sys.argv[1:]
    checkpoint, train_args = None, []
    if "--quick" in args:
        args.remove("--quick")
        HOSTILE = [-5, 1e308, 2**62, "x"]
    if "--checkpoint" in args:
        i = args.index("--checkpoint")
        checkpoint = args[i + 1]
        del args[i:i + 2]
    if "--train-args" in args:
        i = args.index("--train-args")
        train_args = args[i + 1].split()
        del args[i:i + 2]
    binary, *models = args
    if checkpoint:
        models.append(checkpoint)
    codes = collections.Counter()
    bad = []
    runs = 0
    with tempfile.TemporaryDirectory() as tmp:
        for model in models:
            header, data = read(model)
            for label, meta in mutants(header):
                h = dict(header)
                h["__metadata__"] = meta
                mutant = os.path.join(tmp, "m.safetensors")
                write(mutant, h, data)
                if model == checkpoint:
                    commands = [["info", mutant],
                                ["train"] + train_args + ["--checkpoint", mutant, "--resume",
                                                          "--output", os.path.join(tmp, "r.safetensors")]]
                else:
                    commands = [["info", mutant], ["evaluate", "--model", mutant],
                                ["forecast", "--model", mutant, "--output", os.path.join(tmp, "f.csv")],
                                ["generate", "--model", mutant, "--length", "20"],
                                ["backtest", "--model", mutant, "--stride", "50", "--refit", "--refit-every", "100"]]
                for command in commands:
                    try:
                        r = subprocess.run([binary] + command, capture_output=True, timeout=60)
                        code = r.returncode
                    except subprocess.TimeoutExpired:
                        code = "timeout"
                    runs += 1
                    codes[code] += 1
                    if code not in (0, 64, 1) or (code == 1):
                        bad.append((os.path.basename(model), command[0], label, code,
                                    r.stderr.decode(errors="replace").strip().splitlines()[-1:] if code != "timeout" else ""))
    print(f"{runs} runs; exit codes: {dict(sorted(codes.items(), key=str))}")
    for b in bad:
        print("BAD", *b)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
