# The lazy-Adam training row of benchmarks/peers.sh, PyTorch side: the reference model of ../shared/peers/torch_lstm.py
# with its embedding written the way PyTorch users get sparse-row Adam: Embedding(sparse=True), whose gradient holds only
# the batch's rows, updated by SparseAdam, and dense Adam for the LSTM and the head. Batch 32, dense random tokens.
# Usage: python3 torch_sparse.py THREADS
import sys, time, torch
torch.manual_seed(0)
V, E, H, T, B = 10000, 128, 64, 100, 32
torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)

class M(torch.nn.Module):
    def __init__(s):
        super().__init__()
        s.emb = torch.nn.Embedding(V, E, sparse=True); s.lstm = torch.nn.LSTM(E, H, batch_first=True); s.fc = torch.nn.Linear(H, 1)
    def forward(s, x):
        _, (h, _) = s.lstm(s.emb(x)); return s.fc(h[-1]).squeeze(-1)

m = M()
sparse = torch.optim.SparseAdam(list(m.emb.parameters()), lr=1e-3)
dense = torch.optim.Adam(list(m.lstm.parameters()) + list(m.fc.parameters()), lr=1e-3)
lossf = torch.nn.BCEWithLogitsLoss()
x = torch.randint(1, V, (B, T))
y = torch.randint(0, 2, (B,)).float()

def step():
    sparse.zero_grad(); dense.zero_grad()
    lossf(m(x), y).backward()
    sparse.step(); dense.step()

for _ in range(3): step()
ts = []
for _ in range(30):
    t = time.perf_counter(); step(); ts.append(time.perf_counter() - t)
ts.sort(); t = ts[len(ts) // 2]
print(f"train-lazy b={B} T={T}: {t * 1e3:.2f} ms/step = {B / t:.0f} seq/s")
