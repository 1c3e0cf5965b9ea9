"""PyTorch's LSTM forward for one shape, to interleave with RecurrentBench.

    python3 scripts/pytorch_lstm_row.py B T D H      (prints median ms; needs torch)

Alternate it with `RecurrentBench forward lstm B T D H`, a few rounds, and
compare the ratios of neighbouring runs: this machine drifts by ±10% over
minutes, more than the difference being measured.
"""
import sys, time, statistics, torch

torch.set_num_threads(2); torch.manual_seed(0)
B,T,D,H = map(int, sys.argv[1:5])
layer = torch.nn.LSTM(D, H, batch_first=True); x = torch.randn(B, T, D)
def fwd():
    with torch.no_grad(): layer(x)
for _ in range(3): fwd()
ts = []; s = time.perf_counter()
while time.perf_counter() - s < 2 or len(ts) < 5:
    t = time.perf_counter(); fwd(); ts.append(time.perf_counter() - t)
print(f"{statistics.median(ts)*1e3:.2f}")
