"""Dropout reference fixtures for the text CNN and the feed-forward model (BaselineDropoutTorchTests).

dropout_cnn_small.bin: the CnnSmallModel shape (V 13, E 3, T 9, Conv1d widths 2, 3, 5 with 4 filters, one sigmoid output);
dropout_ff_deep.bin: the FfDeepModel shape (V 40, E 20, T 17, hidden 33 and 7, four sigmoid outputs). Fixed masks (p = 0.3,
multipliers 0 or 1/(1 - p)) on the embedding output (per row, step, feature: nn.Dropout after nn.Embedding, so the CNN
convolves the masked embeddings of the non-padding tokens and the feed-forward model averages them) and on the head site:
the CNN's pooled features (nn.Dropout before fc), the feed-forward model's every hidden ReLU output (nn.Dropout after each
ReLU; the last is fc's input). Padding (token 0) is removed before the convolution / left out of the mean, as LstmGen.
Records: every parameter (state_dict names), tokens, targets, mask_emb [B, T, E], mask_head_u{unit} [B, width], loss
(BCE from logits, summed over outputs, mean over rows), grad.{name}.
The script checks itself: with every mask 1 the formulas equal nn.Conv1d on each compacted row / nn.EmbeddingBag(mean).

Run: chroot /tmp/trixie-root python3 /tmp/make_baseline_dropout_fixtures.py OUTDIR  (torch 2.6, CPU, float32, 1 thread).
"""
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)
OUT = sys.argv[1] if len(sys.argv) > 1 else "."
P = 0.3


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


def uniform(rng, shape, scale):
    return torch.tensor(rng.uniform(-scale, scale, shape), dtype=torch.float32)


def draw(rng, *shape):
    keep = np.float32(1) / (np.float32(1) - np.float32(P))
    return torch.tensor(np.where(rng.random(shape) < P, 0, keep), dtype=torch.float32)


def cnn_logits(p, kernels, row, emb_mask, head_mask):
    """One row: masked embeddings of the non-padding tokens, Conv1d per width, ReLU, max over time (0 without a window)."""
    kept = [t for t in range(len(row)) if row[t] != 0]
    x = torch.stack([p["embedding.weight"][row[t]] * emb_mask[t] for t in kept]) if kept else torch.zeros(0, 3)
    features = []
    for i, k in enumerate(kernels):
        if len(kept) < k:
            features.append(torch.zeros(p["convs.%d.bias" % i].shape[0]))
            continue
        c = F.conv1d(x.t().unsqueeze(0), p["convs.%d.weight" % i], p["convs.%d.bias" % i])[0]
        features.append(torch.relu(c).max(dim=1).values)
    f = torch.cat(features) * head_mask
    return p["fc.weight"] @ f + p["fc.bias"]


def ff_logits(p, layers, row, emb_mask, head_masks):
    kept = [t for t in range(len(row)) if row[t] != 0]
    e = p["embedding.weight"].shape[1]
    a = torch.stack([p["embedding.weight"][row[t]] * emb_mask[t] for t in kept]).mean(0) if kept else torch.zeros(e)
    for l in range(layers):
        a = torch.relu(p["hidden.%d.weight" % l] @ a + p["hidden.%d.bias" % l]) * head_masks[l]
    return p["fc.weight"] @ a + p["fc.bias"]


def tokens_of(rng, V, T, B):
    tokens = rng.integers(1, V, (B, T))
    tokens[1, :4] = 0
    tokens[2, 3:] = 0     # 3 tokens: no window of width 5
    tokens[3, ::3] = 0
    tokens[4, :] = 0      # a row of padding only
    tokens[4, T // 2] = 2
    return tokens


def finish(path, p, tokens, targets, loss, masks):
    loss.backward()
    records = [(k, v.detach().numpy()) for k, v in p.items()]
    records += [("tokens", tokens.astype(np.int32)), ("targets", targets.numpy())]
    records += [(k, v.numpy()) for k, v in masks]
    records += [("loss", np.array([loss.item()], dtype=np.float32))]
    records += [("grad." + k, v.grad.numpy()) for k, v in p.items()]
    save(path, records)
    print(path, "loss", loss.item())


def cnn_case():
    V, E, T, B, kernels, Fi = 13, 3, 9, 6, (2, 3, 5), 4
    rng = np.random.default_rng(11)
    p = {"embedding.weight": uniform(rng, (V, E), 0.8)}
    for i, k in enumerate(kernels):
        p["convs.%d.weight" % i] = uniform(rng, (Fi, E, k), 0.6)
        p["convs.%d.bias" % i] = uniform(rng, (Fi,), 0.3)
    p["fc.weight"] = uniform(rng, (1, Fi * len(kernels)), 0.6)
    p["fc.bias"] = uniform(rng, (1,), 0.3)
    tokens = tokens_of(rng, V, T, B)
    targets = torch.tensor(rng.integers(0, 2, (B, 1)), dtype=torch.float32)
    ones_e, ones_h = torch.ones(T, E), torch.ones(Fi * len(kernels))
    with torch.no_grad():
        convs = [torch.nn.Conv1d(E, Fi, k) for k in kernels]
        for i, conv in enumerate(convs):
            conv.weight.copy_(p["convs.%d.weight" % i])
            conv.bias.copy_(p["convs.%d.bias" % i])
        for b in range(B):
            ids = [int(t) for t in tokens[b] if t != 0]
            x = p["embedding.weight"][ids].t().unsqueeze(0)
            f = torch.cat([torch.relu(conv(x))[0].max(dim=1).values if len(ids) >= conv.kernel_size[0] else torch.zeros(Fi) for conv in convs])
            assert torch.allclose(p["fc.weight"] @ f + p["fc.bias"], cnn_logits(p, kernels, tokens[b], ones_e, ones_h), atol=1e-6)
    mask_emb, mask_head = draw(rng, B, T, E), draw(rng, B, Fi * len(kernels))
    for v in p.values():
        v.requires_grad_(True)
    z = torch.stack([cnn_logits(p, kernels, tokens[b], mask_emb[b], mask_head[b]) for b in range(B)])
    loss = F.binary_cross_entropy_with_logits(z, targets, reduction="sum") / B
    finish("%s/dropout_cnn_small.bin" % OUT, p, tokens, targets, loss, [("mask_emb", mask_emb), ("mask_head_u0", mask_head)])


def ff_case():
    V, E, T, B, hidden, O = 40, 20, 17, 6, (33, 7), 4
    rng = np.random.default_rng(12)
    p = {"embedding.weight": uniform(rng, (V, E), 0.8)}
    width = (E,) + hidden
    for l in range(len(hidden)):
        p["hidden.%d.weight" % l] = uniform(rng, (hidden[l], width[l]), 0.5)
        p["hidden.%d.bias" % l] = uniform(rng, (hidden[l],), 0.2)
    p["fc.weight"] = uniform(rng, (O, hidden[-1]), 0.6)
    p["fc.bias"] = uniform(rng, (O,), 0.3)
    tokens = tokens_of(rng, V, T, B)
    targets = torch.tensor(rng.integers(0, 2, (B, O)), dtype=torch.float32)
    with torch.no_grad():
        bag = torch.nn.EmbeddingBag(V, E, mode="mean", padding_idx=0)
        bag.weight.copy_(p["embedding.weight"])
        for b in range(B):
            a = bag(torch.tensor(tokens[b]).unsqueeze(0))[0]
            for l in range(len(hidden)):
                a = torch.relu(F.linear(a, p["hidden.%d.weight" % l], p["hidden.%d.bias" % l]))
            ref = F.linear(a, p["fc.weight"], p["fc.bias"])
            assert torch.allclose(ref, ff_logits(p, len(hidden), tokens[b], torch.ones(T, E), [torch.ones(h) for h in hidden]), atol=1e-6)
    mask_emb = draw(rng, B, T, E)
    mask_head = [draw(rng, B, h) for h in hidden]
    for v in p.values():
        v.requires_grad_(True)
    z = torch.stack([ff_logits(p, len(hidden), tokens[b], mask_emb[b], [m[b] for m in mask_head]) for b in range(B)])
    loss = F.binary_cross_entropy_with_logits(z, targets, reduction="sum") / B
    finish("%s/dropout_ff_deep.bin" % OUT, p, tokens, targets, loss,
           [("mask_emb", mask_emb)] + [("mask_head_u%d" % u, m) for u, m in enumerate(mask_head)])


cnn_case()
ff_case()
print("torch", torch.__version__)
