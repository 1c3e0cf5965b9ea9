#!/usr/bin/env python3
"""Writes Fuzz/Corpus/FuzzNumpy/: small .npy files from numpy, as a user's
inputs to `recurrent predict --input x.npy` would be: every float dtype and
byte order the reader accepts, both orders of storage, a scalar, an empty
array, and a version 2 header. Needs numpy."""
import os
import numpy as np

out = os.path.join(os.path.dirname(__file__), "..", "Fuzz", "Corpus", "FuzzNumpy")
os.makedirs(out, exist_ok=True)
x = np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 7 - 1
cases = {
    "f4.npy": x.astype("<f4"),
    "f8.npy": x.astype("<f8"),
    "f2.npy": x.astype("<f2"),
    "big-endian-f4.npy": x.astype(">f4"),
    "fortran.npy": np.asfortranarray(x.astype("<f4")),
    "specials.npy": np.array([[[np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-45]]], dtype="<f4"),
    "scalar.npy": np.array(3.5, dtype="<f4"),
    "empty.npy": np.zeros((0, 3, 2), dtype="<f4"),
    "int.npy": np.arange(6, dtype="<i8").reshape(1, 2, 3),
}
for name, array in cases.items():
    np.save(os.path.join(out, name), array, allow_pickle=False)
with open(os.path.join(out, "version2.npy"), "wb") as f:
    np.lib.format.write_array(f, x.astype("<f4"), version=(2, 0))
