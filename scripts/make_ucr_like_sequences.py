#!/usr/bin/env python3
"""Writes Tests/RecurrentTests/Fixtures/sequences/: a tiny benchmark laid out as the
UCR/UEA archives are, with its own train and test files, for `recurrent train
--sequences` and `evaluate --sequences`.

Each sequence is 8-12 steps of two features (x, y): class 0 a slow sine, class 1 a
fast one, with noise and offsets that differ per feature, so z-scoring matters.

    ucr_train.csv          long-form: id,t,x,y,label (24 sequences; rows of each
                           sequence written in reverse step order)
    ucr_test.csv           the same layout (16 sequences)
    ucr_train.safetensors  the training sequences as input [24, 12, 2] F32 (zero
                           padded), lengths [24] and labels [24] I64
    ucr_expected.json      numpy's figures: per-feature mean and population standard
                           deviation over the real steps of the training file, the
                           sequence and class counts of each file

Run with numpy and safetensors installed (the project's venv):

    /work/venv/bin/python scripts/make_ucr_like_sequences.py
"""
import json
import os

import numpy as np
from safetensors.numpy import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "RecurrentTests", "Fixtures", "sequences")


def sequences(rng, count, prefix):
    result = []
    for i in range(count):
        label = i % 2
        length = int(rng.integers(8, 13))
        t = np.arange(length)
        frequency = 0.3 if label == 0 else 1.1
        x = 5.0 + 2.0 * np.sin(frequency * t + rng.uniform(0, 6)) + rng.normal(0, 0.3, length)
        y = -40.0 + 10.0 * np.cos(frequency * t) + rng.normal(0, 2.0, length)
        # float32, as Recurrent reads them: the CSV holds the float32 values' shortest repr.
        result.append((f"{prefix}{i}", label, np.stack([x, y], axis=1).astype(np.float32)))
    return result


def write_csv(path, data):
    with open(path, "w") as f:
        f.write("id,t,x,y,label\n")
        for name, label, steps in data:
            for t in reversed(range(len(steps))):
                f.write(f"{name},{t},{repr(float(steps[t, 0]))},{repr(float(steps[t, 1]))},{label}\n")


def main():
    rng = np.random.default_rng(2026)
    train = sequences(rng, 24, "tr")
    test = sequences(rng, 16, "te")
    os.makedirs(OUT, exist_ok=True)
    write_csv(os.path.join(OUT, "ucr_train.csv"), train)
    write_csv(os.path.join(OUT, "ucr_test.csv"), test)
    longest = max(len(s) for _, _, s in train)
    x = np.zeros((len(train), longest, 2), dtype=np.float32)
    for i, (_, _, steps) in enumerate(train):
        x[i, : len(steps)] = steps
    save_file(
        {
            "input": x,
            "lengths": np.array([len(s) for _, _, s in train], dtype=np.int64),
            "labels": np.array([label for _, label, _ in train], dtype=np.int64),
        },
        os.path.join(OUT, "ucr_train.safetensors"),
    )
    real = np.concatenate([steps.astype(np.float64) for _, _, steps in train])
    expected = {
        "generated_by": "scripts/make_ucr_like_sequences.py",
        "train_mean": real.mean(axis=0).tolist(),
        "train_std": real.std(axis=0).tolist(),
        "train_sequences": len(train),
        "test_sequences": len(test),
        "train_class_counts": [sum(1 for _, l, _ in train if l == k) for k in (0, 1)],
        "test_class_counts": [sum(1 for _, l, _ in test if l == k) for k in (0, 1)],
    }
    with open(os.path.join(OUT, "ucr_expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
