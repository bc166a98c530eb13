# The real-text epoch row of benchmarks/peers.sh, PyTorch side: one training epoch (forward, backward, Adam) over the
# batches LstmGen wrote (`--peers-epoch`: label, length, 60 ids per line, in batch order, 32 per batch), with the model
# of ../shared/peers/torch_lstm.py at sequence length 60, written two ways its users write it: padded batches (the LSTM
# runs all 60 steps, padding included) and packed sequences (pack_padded_sequence: each row stops at its length).
# Usage: python3 torch_epoch.py BATCHES THREADS
import sys, time, torch
torch.manual_seed(0)
path, threads = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(threads)
V, E, H, B = 10000, 128, 64, 32
rows = [list(map(int, l.split())) for l in open(path)]
labels = torch.tensor([r[0] for r in rows], dtype=torch.float32)
lengths = torch.tensor([r[1] for r in rows])
ids = torch.tensor([r[2:] for r in rows])
T = ids.shape[1]
batches = [(ids[s:s + B], lengths[s:s + B], labels[s:s + B]) for s in range(0, len(rows), B)]

class M(torch.nn.Module):
    def __init__(s, packed):
        super().__init__(); s.packed = packed
        s.emb = torch.nn.Embedding(V, E, padding_idx=0); s.lstm = torch.nn.LSTM(E, H, batch_first=True); s.fc = torch.nn.Linear(H, 1)
    def forward(s, x, n):
        e = s.emb(x)
        if s.packed: e = torch.nn.utils.rnn.pack_padded_sequence(e, n, batch_first=True, enforce_sorted=False)
        _, (h, _) = s.lstm(e)
        return s.fc(h[-1]).squeeze(-1)

def epoch_time(packed, epochs=5):
    m = M(packed); opt = torch.optim.Adam(m.parameters(), lr=1e-3); lossf = torch.nn.BCEWithLogitsLoss()
    def epoch():
        for x, n, y in batches:
            opt.zero_grad(); lossf(m(x, n), y).backward(); opt.step()
    epoch()  # warm-up
    ts = []
    for _ in range(epochs):
        t = time.perf_counter(); epoch(); ts.append(time.perf_counter() - t)
    ts.sort(); return ts[len(ts) // 2]

for name, packed in (("padded", False), ("packed", True)):
    t = epoch_time(packed)
    print(f"epoch {name} T={T}: {t * 1e3:.1f} ms/epoch = {len(rows) / t:.0f} seq/s")
