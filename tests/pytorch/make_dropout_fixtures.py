"""Dropout and AdamW reference fixtures for the C# tests (DropoutTorchTests).

dropout_{lstm,gru,rnn}_l2_bi.bin: a 2-layer bidirectional nn.LSTM/GRU/RNN-shaped model (V 13, E 3, H 7, T 9, one sigmoid
output) with fixed dropout masks (p = 0.3, multipliers 0 or 1/(1 - p)) on the embedding output (per row, step, feature),
every layer's input (Keras `dropout`: per layer and row, both directions), h_{t-1} in the recurrent product (Keras
`recurrent_dropout`: per layer, direction and row) and the head's input (per row); padded steps (token 0) are skipped
(state unchanged), as PyTorch on the compacted row. Records: every parameter (state_dict names), tokens, targets, the
masks (mask_emb [B, T, E], mask_in_l{l} [B, W], mask_rec_u{unit} [B, H], mask_head [B, 2H]), loss, grad.{name}.
The script checks itself: with every mask 1 the step loop equals nn.LSTM/GRU/RNN on each compacted row.

adamw.bin: torch.optim.AdamW (lr 0.01, betas (0.8, 0.95), eps 1e-6, weight_decay 0.1) for 5 steps on fixed gradients:
params0, grad{k} (k = 0..4), params{k + 1} after step k.

Run: chroot /tmp/trixie-root python3 /tmp/make_dropout_fixtures.py OUTDIR  (torch 2.6, CPU, float32, 1 thread).
"""
import struct
import sys

import numpy as np
import torch

torch.set_num_threads(1)
torch.manual_seed(0)
OUT = sys.argv[1] if len(sys.argv) > 1 else "."
V, E, H, T, B, P = 13, 3, 7, 9, 5, 0.3


def save(path, records):
    with open(path, "wb") as fh:
        fh.write(b"LGFX")
        fh.write(struct.pack("<ii", 1, len(records)))
        for name, arr in records:
            arr = np.ascontiguousarray(arr)
            dtype = 1 if arr.dtype.kind in "iu" else 0
            arr = arr.astype("<i4" if dtype else "<f4")
            nb = name.encode("utf-8")
            fh.write(struct.pack("<i", len(nb)))
            fh.write(nb)
            fh.write(struct.pack("<ii", dtype, arr.ndim))
            fh.write(struct.pack("<%di" % arr.ndim, *arr.shape))
            fh.write(arr.tobytes())


def sig(x):
    return torch.sigmoid(x)


def cell(kind, gx, gh, h, c):
    """One step from the input part gx = W_ih x + b_ih and the recurrent part gh = W_hh (m*h) + b_hh; h unmasked."""
    if kind == "lstm":
        i, f, g, o = gx.add(gh).chunk(4)
        c = sig(f) * c + sig(i) * torch.tanh(g)
        return sig(o) * torch.tanh(c), c
    if kind == "gru":
        xr, xz, xn = gx.chunk(3)
        hr, hz, hn = gh.chunk(3)
        r, z = sig(xr + hr), sig(xz + hz)
        n = torch.tanh(xn + r * hn)
        return (1 - z) * n + z * h, c
    return torch.tanh(gx + gh), c


def logits(kind, p, tokens, masks, b):
    """Row b's logit with the masks (None = all ones)."""
    ones = lambda n: torch.ones(n)
    row = tokens[b]
    xs = [None if row[t] == 0 else p["embedding.weight"][row[t]] * (masks["emb"][b, t] if masks else ones(E)) for t in range(T)]
    final = None
    for layer in range(2):
        outs = [[None, None] for _ in range(T)]
        finals = []
        in_mask = masks["in"][layer][b] if masks else None
        for d in range(2):
            sfx = "_l%d%s" % (layer, "_reverse" if d else "")
            wih, whh = p[kind + ".weight_ih" + sfx], p[kind + ".weight_hh" + sfx]
            bih, bhh = p[kind + ".bias_ih" + sfx], p[kind + ".bias_hh" + sfx]
            rec_mask = masks["rec"][layer * 2 + d][b] if masks else ones(H)
            h, c = torch.zeros(H), torch.zeros(H)
            for k in range(T):
                t = k if d == 0 else T - 1 - k
                if row[t] != 0:
                    x = xs[t] if in_mask is None else xs[t] * in_mask
                    h, c = cell(kind, wih @ x + bih, whh @ (h * rec_mask) + bhh, h, c)
                outs[t][d] = h
            finals.append(h)
        xs = [None if row[t] == 0 else torch.cat(outs[t]) for t in range(T)]
        final = torch.cat(finals)
    if masks:
        final = final * masks["head"][b]
    return p["fc.weight"] @ final + p["fc.bias"]


def loss_of(kind, p, tokens, targets, masks):
    z = torch.stack([logits(kind, p, tokens, masks, b) for b in range(B)])
    return torch.nn.functional.binary_cross_entropy_with_logits(z, targets, reduction="sum") / B


def dropout_case(kind):
    gates = {"lstm": 4, "gru": 3, "rnn": 1}[kind]
    module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[kind](E, H, num_layers=2, bidirectional=True, batch_first=True)
    rng = np.random.default_rng({"lstm": 1, "gru": 2, "rnn": 3}[kind])
    p = {"embedding.weight": torch.tensor(rng.uniform(-0.6, 0.6, (V, E)), dtype=torch.float32)}
    scale = 0.6 if kind != "rnn" else 0.45
    for name, value in module.state_dict().items():
        p[kind + "." + name] = torch.tensor(rng.uniform(-scale, scale, tuple(value.shape)), dtype=torch.float32)
        assert value.shape[0] == gates * H
    p["fc.weight"] = torch.tensor(rng.uniform(-0.6, 0.6, (1, 2 * H)), dtype=torch.float32)
    p["fc.bias"] = torch.tensor(rng.uniform(-0.6, 0.6, (1,)), dtype=torch.float32)
    tokens = rng.integers(1, V, (B, T))
    tokens[1, :4] = 0
    tokens[2, 6:] = 0
    tokens[3, ::3] = 0
    targets = torch.tensor(rng.integers(0, 2, (B, 1)), dtype=torch.float32)

    # Self-check: no masks = nn.<module> on each compacted row.
    module.load_state_dict({k[len(kind) + 1:]: v for k, v in p.items() if k.startswith(kind + ".")})
    with torch.no_grad():
        for b in range(B):
            ids = [int(t) for t in tokens[b] if t != 0]
            out = module(p["embedding.weight"][ids].unsqueeze(0))[1]
            hn = out[0] if kind == "lstm" else out
            ref = p["fc.weight"] @ torch.cat([hn[-2, 0], hn[-1, 0]]) + p["fc.bias"]
            assert torch.allclose(ref, logits(kind, p, tokens, None, b), atol=1e-6), kind

    keep = np.float32(1) / (np.float32(1) - np.float32(P))
    draw = lambda *shape: torch.tensor(np.where(rng.random(shape) < P, 0, keep), dtype=torch.float32)
    masks = {
        "emb": draw(B, T, E),
        "in": [draw(B, E), draw(B, 2 * H)],
        "rec": [draw(B, H) for _ in range(4)],
        "head": draw(B, 2 * H),
    }
    for v in p.values():
        v.requires_grad_(True)
    loss = loss_of(kind, p, tokens, targets, masks)
    loss.backward()
    records = [(k, v.detach().numpy()) for k, v in p.items()]
    records += [("tokens", tokens.astype(np.int32)), ("targets", targets.numpy()), ("mask_emb", masks["emb"].numpy())]
    records += [("mask_in_l%d" % l, m.numpy()) for l, m in enumerate(masks["in"])]
    records += [("mask_rec_u%d" % u, m.numpy()) for u, m in enumerate(masks["rec"])]
    records += [("mask_head", masks["head"].numpy()), ("loss", np.array([loss.item()], dtype=np.float32))]
    records += [("grad." + k, v.grad.numpy()) for k, v in p.items()]
    save("%s/dropout_%s_l2_bi.bin" % (OUT, kind), records)
    print(kind, "loss", loss.item())


def adamw_case():
    rng = np.random.default_rng(7)
    n = 37
    w = torch.tensor(rng.uniform(-1, 1, n), dtype=torch.float32, requires_grad=True)
    opt = torch.optim.AdamW([w], lr=0.01, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1)
    records = [("params0", w.detach().numpy().copy())]
    for k in range(5):
        g = torch.tensor(rng.normal(0, 1, n) * (0.1 if k % 2 else 2.0), dtype=torch.float32)
        w.grad = g.clone()
        opt.step()
        records += [("grad%d" % k, g.numpy()), ("params%d" % (k + 1), w.detach().numpy().copy())]
    save("%s/adamw.bin" % OUT, records)
    print("adamw", w[:3])


for kind in ("lstm", "gru", "rnn"):
    dropout_case(kind)
adamw_case()
print("torch", torch.__version__)
