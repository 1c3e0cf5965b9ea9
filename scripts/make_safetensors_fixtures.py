"""Writes the safetensors fixtures that SafetensorsTests reads.

Run from the package root:

    python scripts/make_safetensors_fixtures.py

Needs numpy and safetensors from pip; torch too for bfloat16 and float8
(without torch the bfloat16 file is written from raw bytes and float8 is
skipped). Every file goes to Tests/RecurrentTests/Fixtures/safetensors/ and is
written by the real `safetensors` package, so the tests check Recurrent's
reader and writer against the reference implementation. Reference values are
computed here by numpy or torch, never by Recurrent.
"""

import pathlib

import numpy as np
import safetensors
from safetensors.numpy import save_file

try:
    import torch
    import safetensors.torch
except ImportError:
    torch = None

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/RecurrentTests/Fixtures/safetensors"
GENERATED = "scripts/make_safetensors_fixtures.py"


def f16_patterns():
    """Zeros, every subnormal boundary, the normal range's ends, infinities,
    NaNs with payloads, and a seeded sample of the rest."""
    chosen = [0x0000, 0x8000, 0x0001, 0x0002, 0x0155, 0x03FF, 0x8001, 0x83FF,
              0x0400, 0x0401, 0x3BFF, 0x3C00, 0x3C01, 0xC000, 0x3555, 0x7BFF, 0xFBFF,
              0x7C00, 0xFC00, 0x7E00, 0xFE00, 0x7C01, 0x7D55, 0xFFFF]
    rng = np.random.default_rng(20240607)
    chosen += [int(x) for x in rng.integers(0, 1 << 16, size=200)]
    return np.array(chosen, dtype=np.uint16)


def f64_values():
    """Values whose rounding to float32 is worth checking: ties to even,
    overflow, underflow to (signed) zero, float32 subnormals, specials."""
    return np.array([
        0.0, -0.0, 1.0, 0.1, 1.0 / 3.0, -2.5, np.pi,
        1.0 + 2.0**-24,                  # tie: rounds down to even 1.0
        1.0 + 3.0 * 2.0**-24,            # tie: rounds up to even 1 + 2**-22
        1.0 + 2.0**-24 + 2.0**-40,       # just above a tie: rounds up
        3.4028234663852886e38,           # largest float32
        3.4028235677973366e38,           # the overflow threshold: rounds to inf
        3.4028235677973362e38,           # just below it: rounds to the largest float32
        1e300, -1e300,
        2.0**-149, 3.0 * 2.0**-150, 2.0**-150, -(2.0**-150), 1e-50, -1e-50,
        1.1754942106924411e-38,          # float32's largest subnormal
        np.inf, -np.inf, np.nan,
    ], dtype=np.float64)


def write_floats():
    f16 = f16_patterns().view(np.float16)
    f64 = f64_values()
    f32 = np.array([0.0, -0.0, 1.0, -1.5, np.inf, -np.inf, np.nan,
                    1e-45, 1.1754942e-38, 1.17549435e-38, 3.4028235e38, np.pi], dtype=np.float32)
    with np.errstate(over="ignore"):
        f64_as_f32 = f64.astype(np.float32)
    save_file({
        "f16": f16,
        "f16_as_f32": f16.astype(np.float32),
        "f64": f64,
        "f64_as_f32": f64_as_f32,
        "f32": f32,
        "f32_bits": f32.view(np.uint32).astype(np.int64),
        "matrix_f64": np.arange(6, dtype=np.float64).reshape(2, 3) / 8,
    }, OUT / "floats.safetensors", metadata={
        "generated_by": GENERATED,
        "note": 'é "quoted" back\\slash /slash\nnew line \t tab \x01 \u2028 \U0001F600',
    })


def write_bf16_and_f8():
    patterns = np.array([0x0000, 0x8000, 0x0001, 0x007F, 0x0080, 0x3F80, 0xBF80, 0x4049,
                         0x7F7F, 0xFF7F, 0x7F80, 0xFF80, 0x7FC0, 0xFFC1, 0x7F81], dtype=np.uint16)
    rng = np.random.default_rng(7)
    patterns = np.concatenate([patterns, rng.integers(0, 1 << 16, size=100).astype(np.uint16)])
    if torch is None:
        print("torch not found: writing bfloat16 from raw bytes, skipping float8")
        reference = (patterns.astype(np.uint32) << 16).view(np.float32)
        specs = {
            "bf16": safetensors.TensorSpec(dtype="bfloat16", shape=list(patterns.shape),
                                           data_ptr=patterns.ctypes.data, data_len=patterns.nbytes),
            "bf16_as_f32": safetensors.TensorSpec(dtype="float32", shape=list(reference.shape),
                                                  data_ptr=reference.ctypes.data, data_len=reference.nbytes),
        }
        (OUT / "bfloat16.safetensors").write_bytes(
            bytes(safetensors.serialize(specs, metadata={"generated_by": GENERATED})))
        return
    bf16 = torch.from_numpy(patterns.view(np.int16).copy()).view(torch.bfloat16)
    every_byte = torch.arange(256, dtype=torch.int16).to(torch.uint8)
    e4m3 = every_byte.clone().view(torch.float8_e4m3fn)
    e5m2 = every_byte.clone().view(torch.float8_e5m2)
    safetensors.torch.save_file({
        "bf16": bf16,
        "bf16_as_f32": bf16.float(),
        "f8_e4m3": e4m3,
        "f8_e4m3_as_f32": e4m3.float(),
        "f8_e5m2": e5m2,
        "f8_e5m2_as_f32": e5m2.float(),
    }, str(OUT / "bfloat16.safetensors"), metadata={"generated_by": GENERATED})


def write_integers():
    save_file({
        "i64": np.array([np.iinfo(np.int64).min, -1, 0, 1, np.iinfo(np.int64).max], dtype=np.int64),
        "i32": np.array([np.iinfo(np.int32).min, -1, 0, np.iinfo(np.int32).max], dtype=np.int32),
        "i16": np.array([-32768, -1, 32767], dtype=np.int16),
        "i8": np.array([-128, -1, 127], dtype=np.int8),
        "u64": np.array([0, 2**63 - 1], dtype=np.uint64),
        "u32": np.array([0, 2**32 - 1], dtype=np.uint32),
        "u16": np.array([0, 65535], dtype=np.uint16),
        "u8": np.array([[0, 1, 255]], dtype=np.uint8),
        "bool": np.array([True, False, True], dtype=np.bool_),
    }, OUT / "integers.safetensors", metadata={"generated_by": GENERATED})


def layout_tensors():
    """Tensors that SafetensorsTests rebuilds by hand, to compare Recurrent's
    serializer with these bytes."""
    return {
        "weight_ih_l0": (np.arange(12, dtype=np.float32) * 0.25 - 1).reshape(4, 3),
        "bias_ih_l0": np.array([0.5, -0.5, np.inf, -0.0], dtype=np.float32),
        "Z": np.array(2.5, dtype=np.float32),
        "empty": np.zeros((0, 3), dtype=np.float32),
        'odd é "q" \\ / \n\t\x01': np.array([1, 2], dtype=np.float32),
        "lengths": np.array([3, 1, 2], dtype=np.int64),
        "labels": np.array([[0, -1], [7, 2**40]], dtype=np.int64),
    }


def write_layouts():
    save_file(layout_tensors(), OUT / "layout.safetensors", metadata={"format": "pt"})
    save_file({"b": np.array([1, 2, 3], dtype=np.float32), "a": np.array([4.0], dtype=np.float32)},
              OUT / "layout_no_metadata.safetensors")
    save_file({}, OUT / "empty.safetensors")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    write_floats()
    write_bf16_and_f8()
    write_integers()
    write_layouts()
    (OUT / "README.md").write_text(
        f"Generated by `python {GENERATED}` (numpy {np.__version__}, safetensors {safetensors.__version__}"
        + (f", torch {torch.__version__}" if torch is not None else "")
        + "). Do not edit: change the script and run it again.\n")
    for path in sorted(OUT.glob("*.safetensors")):
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
