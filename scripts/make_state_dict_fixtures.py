#!/usr/bin/env python3
"""Write PyTorch state_dict fixtures for Recurrent's import tests.

Usage (PyTorch and safetensors from pip):
    python3 scripts/make_state_dict_fixtures.py [--out DIR]

DIR defaults to Tests/RecurrentTests/Fixtures/state_dict. The script writes
one `<case>.safetensors` per case and a README.md, and deletes `.safetensors`
files in DIR that no case names. Rerunning it gives the same bytes.

Each file is what a user of PyTorch would save:
    safetensors.torch.save_file(module.state_dict() | test_tensors, path)
with no Recurrent metadata, so the Swift side must infer the architecture
from names and shapes. Beside the weights, a file holds one input and
PyTorch's outputs for it under names with a dot, which the state_dict
inference ignores (names with a dot belong to other modules):
    test.input    [B, T, D]  batch-first, whatever the module's batch_first
    test.lengths  [B]        int64; present when the batch is ragged, which
                             the reference then runs through
                             pack_padded_sequence(..., enforce_sorted=False)
    test.output   [B, T, dirs·H]  (zero at t >= lengths[b]); for the
                             whole-model case, the head's output at each step
    test.recurrent_output    the whole-model case's recurrent output
    test.h_n, test.c_n (LSTM)  [layers·dirs, B, H]
The initial state is zeros. The test tensors are stored in the file's float
dtype for the float64 case and as float32 otherwise.

Precision. Weights are stored in the dtype of the case (float32, float16,
bfloat16, float64). The reference is computed in float64 from exactly the
stored weights (for float16 and bfloat16, the rounded ones) and the float32
input, and rounded once on storing, so a float32 implementation that converts
the weights on load should match it to a relative error of 1e-5 per tensor,
max |observed - expected| / max |expected|. (For the float64 case the Swift
side rounds the weights to float32 on load; that costs about 1e-7.) The script
asserts that PyTorch's own float32 run is within 1e-6 of each reference.

The whole-model case follows Recurrent's model-file convention: a module with
`.rnn = nn.GRU` and `.head = nn.Linear` has state_dict names `rnn.weight_ih_l0`
and `head.weight`; the file stores the recurrent names unprefixed
(`weight_ih_l0`) beside `head.weight` and `head.bias`.

`lstm_proj` holds only the state_dict of an LSTM with proj_size > 0, which
Recurrent must reject by name (`weight_hr_l0`).
"""
import argparse
import copy
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors.torch import save_file
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPOSITORY / "Tests" / "RecurrentTests" / "Fixtures" / "state_dict"
COMMAND = "python3 scripts/make_state_dict_fixtures.py"
TORCH_VERSION = torch.__version__.split("+")[0]
FLOAT32_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Case:
    """One fixture: a module, its stored dtype and the test batch."""

    name: str
    seed: int
    description: str
    build: object  # () -> nn.Module, called after seeding
    dtype: torch.dtype = torch.float32
    batch: int = 3
    steps: int = 5
    lengths: tuple[int, ...] | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    whole_model: bool = False
    with_test: bool = True


class GRUWithHead(nn.Module):
    """A whole model as PyTorch users write it: a GRU and a linear head at every step."""

    def __init__(self, input_size: int, hidden_size: int, outputs: int):
        super().__init__()
        self.rnn = nn.GRU(input_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, outputs)

    def forward(self, x):
        output, h_n = self.rnn(x)
        return self.head(output), output, h_n


CASES = [
    Case("lstm_l2_bi", 0, "nn.LSTM(5, 7, num_layers=2, bidirectional=True, batch_first=True), ragged batch",
         lambda: nn.LSTM(5, 7, num_layers=2, bidirectional=True, batch_first=True), lengths=(6, 2, 4), steps=6),
    Case("gru", 1, "nn.GRU(3, 4) (sequence-first module), saved with metadata {\"format\": \"pt\"}",
         lambda: nn.GRU(3, 4), batch=2, metadata={"format": "pt"}),
    Case("rnn_relu_nobias", 2, "nn.RNN(4, 6, nonlinearity='relu', bias=False, batch_first=True)",
         lambda: nn.RNN(4, 6, nonlinearity="relu", bias=False, batch_first=True)),
    Case("model_gru_head", 3, "GRUWithHead: .rnn = nn.GRU(3, 5, batch_first=True), .head = nn.Linear(5, 2)",
         lambda: GRUWithHead(3, 5, 2), whole_model=True),
    Case("lstm_f16", 4, "nn.LSTM(3, 4, batch_first=True), weights in float16",
         lambda: nn.LSTM(3, 4, batch_first=True), dtype=torch.float16),
    Case("gru_f64", 5, "nn.GRU(2, 3, num_layers=2, bidirectional=True, batch_first=True), everything in float64",
         lambda: nn.GRU(2, 3, num_layers=2, bidirectional=True, batch_first=True), dtype=torch.float64,
         lengths=(5, 3, 1)),
    Case("rnn_tanh_bf16", 6, "nn.RNN(3, 5, batch_first=True), weights in bfloat16",
         lambda: nn.RNN(3, 5, batch_first=True), dtype=torch.bfloat16),
    Case("lstm_proj", 7, "nn.LSTM(3, 4, proj_size=2): must be rejected (weight_hr_l0)",
         lambda: nn.LSTM(3, 4, proj_size=2), with_test=False),
]


def recurrent_module(module: nn.Module) -> nn.RNNBase:
    return module.rnn if isinstance(module, GRUWithHead) else module


def stored_state_dict(case: Case, module: nn.Module) -> dict[str, torch.Tensor]:
    """The weights as the file stores them: in the case's dtype, recurrent names unprefixed."""
    state = {name: tensor.detach().to(case.dtype).contiguous() for name, tensor in module.state_dict().items()}
    if not case.whole_model:
        return state
    stored = {}
    for name, tensor in state.items():
        prefix, _, rest = name.partition(".")
        assert prefix in ("rnn", "head"), name
        stored[rest if prefix == "rnn" else name] = tensor
    return stored


def run(module: nn.Module, x: torch.Tensor, lengths: tuple[int, ...] | None) -> dict[str, torch.Tensor]:
    """Outputs of a module for a batch-first input x [B, T, D], from zero states."""
    rnn = recurrent_module(module)
    sequence_first = not rnn.batch_first
    if lengths is not None:
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
        output, final = rnn(packed)
        output, _ = pad_packed_sequence(output, batch_first=True, total_length=x.shape[1])
    elif sequence_first:
        output, final = rnn(x.transpose(0, 1))
        output = output.transpose(0, 1)
    else:
        output, final = rnn(x)
    results = {}
    if isinstance(module, GRUWithHead):
        results["test.output"] = module.head(output)
        results["test.recurrent_output"] = output
    else:
        results["test.output"] = output
    if isinstance(final, tuple):
        results["test.h_n"], results["test.c_n"] = final
    else:
        results["test.h_n"] = final
    return {name: tensor.detach().contiguous() for name, tensor in results.items()}


def make(case: Case, path: Path) -> dict:
    """Write one case's file; return its README row."""
    torch.manual_seed(case.seed)
    module = case.build()
    stored = stored_state_dict(case, module)
    tensors = dict(stored)
    row = {"name": case.name, "seed": case.seed, "description": case.description,
           "dtype": str(case.dtype).removeprefix("torch.")}
    if case.with_test:
        rnn = recurrent_module(module)
        x = torch.randn(case.batch, case.steps, rnn.input_size)
        reference = copy.deepcopy(module).double()
        full_names = module.state_dict().keys()
        stored_as_loaded = {name: stored[name.removeprefix("rnn.")].double() for name in full_names}
        reference.load_state_dict(stored_as_loaded, strict=True)
        with torch.no_grad():
            expected = run(reference, x.double(), case.lengths)
            rounded = copy.deepcopy(module)
            rounded.load_state_dict({name: tensor.float() for name, tensor in stored_as_loaded.items()})
            observed = run(rounded.float(), x, case.lengths)
        for name, value in expected.items():
            scale = value.abs().max().item()
            error = (observed[name].double() - value).abs().max().item() / scale
            assert error <= FLOAT32_TOLERANCE, f"{case.name} {name}: PyTorch float32 is {error} from float64"
        out_dtype = torch.float64 if case.dtype == torch.float64 else torch.float32
        tensors["test.input"] = x.to(out_dtype)
        for name, value in expected.items():
            tensors[name] = value.to(out_dtype).contiguous()
        if case.lengths is not None:
            tensors["test.lengths"] = torch.tensor(case.lengths, dtype=torch.int64)
        row["batch"] = f"B {case.batch}, T {case.steps}" + (f", lengths {list(case.lengths)}" if case.lengths else "")
    else:
        row["batch"] = "(none)"
    save_file(tensors, path, metadata=case.metadata or None)
    return row


def readme(rows: list[dict]) -> str:
    lines = [
        "# PyTorch state_dict fixtures",
        "",
        f"GENERATED — do not edit. Written by `scripts/make_state_dict_fixtures.py` with PyTorch {TORCH_VERSION};",
        "regenerate from the repository root with",
        "",
        f"    {COMMAND}",
        "",
        "Each file is a PyTorch module's `state_dict` saved with `safetensors.torch.save_file`, without",
        "Recurrent's metadata, so the tests infer the architecture from names and shapes. The whole-model",
        "file stores the recurrent weights unprefixed beside `head.weight` and `head.bias`, as a Recurrent",
        "model file does.",
        "",
        "**Convention for test data**: an input and PyTorch's outputs for it sit in the same file under",
        "names with a dot, which the state_dict reader ignores as other modules' tensors: `test.input`",
        "[B, T, D] (batch-first), `test.lengths` [B] (int64, ragged batches only, run through",
        "`pack_padded_sequence(..., enforce_sorted=False)`), `test.output`, `test.h_n`, `test.c_n` (LSTM)",
        "and, for the whole model, `test.recurrent_output` (before the head). Initial states are zero.",
        "",
        "References are computed in float64 from exactly the stored weights (float16 and bfloat16 weights",
        "after their rounding) and the float32 input, then rounded to float32 (float64 in the float64 file):",
        "a float32 implementation matches them to a relative error of 1e-5, measured per tensor as",
        "max |observed − expected| / max |expected|; PyTorch's own float32 run is within 1e-6.",
        "",
        "| file | seed | module | stored dtype | test batch |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        lines.append(f"| `{row['name']}.safetensors` | {row['seed']} | {row['description']} | {row['dtype']} | {row['batch']} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    arguments = parser.parse_args()
    torch.set_num_threads(1)
    arguments.out.mkdir(parents=True, exist_ok=True)
    rows = []
    names = set()
    for case in CASES:
        names.add(f"{case.name}.safetensors")
        rows.append(make(case, arguments.out / f"{case.name}.safetensors"))
    for stale in arguments.out.glob("*.safetensors"):
        if stale.name not in names:
            stale.unlink()
    (arguments.out / "README.md").write_text(readme(rows), encoding="utf-8")
    print(f"wrote {len(rows)} fixtures to {arguments.out}")


if __name__ == "__main__":
    main()
