#!/usr/bin/env python3
"""PyTorch reference fixtures for the new shapes (issue 12): dense float inputs with a length per row, outputs at every
step (ReturnSequences), and a truncated-BPTT window pair. Same file format and writer as make_fixtures.py.

Semantics the fixtures pin down (LstmGen must match them):
* Dense inputs: inputs float32 [B, T, N], lengths int32 [B] (1 <= length <= T). A row is its first `length` steps,
  as a PyTorch packed sequence (pack_padded_sequence, enforce_sorted=False): steps >= length are ignored in every layer
  and direction; the reverse direction starts at step length-1. The head reads h_n of the last layer
  ([forward; reverse] when bidirectional), so the forward state after step length-1 and the reverse state after step 0.
* ReturnSequences: the head (nn.Linear) is applied to the top layer's output at every step; outputs [B, T, O] are
  recorded for real steps (padded steps are written as 0 here and carry no loss). Sigmoid heads take float targets
  [B, T]; softmax heads take integer class targets [B, T] (-1 on padded steps). The loss is the mean over real steps
  (sum of per-step losses / number of real steps in the batch).
* Truncated BPTT: window 2 starts from window 1's final (h, c), detached; grad2.* is the gradient of window 2's loss
  only (nothing flows into window 1).
Weights: every tensor ~ U[-0.5, 0.5] (embeddings N(0, 0.25)), as make_fixtures.init_uniform.

Usage: python3 tests/pytorch/make_sequence_fixtures.py [OUT_DIR]   (default tests/LstmGen.Tests/Fixtures)
"""

import os
import sys

import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_fixtures as mf  # noqa: E402  (the writer, the independent reader and the initialiser)

torch.set_num_threads(1)
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "LstmGen.Tests", "Fixtures")
CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


class DenseModel(nn.Module):
    """cell(N, H, L, bidirectional) over dense inputs -> Linear(D·H, O), final state or every step."""

    def __init__(self, cell, N, H, O, layers=1, bidirectional=False, sequences=False, vocabulary=0, embedding=0):
        super().__init__()
        if vocabulary:
            self.embedding = nn.Embedding(vocabulary, embedding)
        inputs = embedding if vocabulary else N
        setattr(self, cell, CELLS[cell](inputs, H, num_layers=layers, bidirectional=bidirectional, batch_first=True))
        self.fc = nn.Linear((2 if bidirectional else 1) * H, O)
        self.cell, self.D, self.sequences = cell, 2 if bidirectional else 1, sequences

    def forward(self, x, lengths, state=None):
        if hasattr(self, "embedding"):
            x = self.embedding(x.long())
        packed = pack_padded_sequence(x, torch.as_tensor(lengths, dtype=torch.int64), batch_first=True, enforce_sorted=False)
        out, hn = getattr(self, self.cell)(packed, state)
        if self.sequences:
            y, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
            return self.fc(y), hn
        h = hn[0] if self.cell == "lstm" else hn
        feats = torch.cat([h[-self.D + d] for d in range(self.D)], dim=1)
        return self.fc(feats), hn


def explicit_final(model, x, lengths):
    """An explicit step loop (forward direction, one layer) checked against the packed module."""
    m = getattr(model, model.cell)
    B, T, _ = x.shape
    H = m.hidden_size
    h = x.new_zeros(B, H)
    c = x.new_zeros(B, H)
    for t in range(T):
        g = x[:, t] @ m.weight_ih_l0.t() + m.bias_ih_l0
        r = h @ m.weight_hh_l0.t() + m.bias_hh_l0
        if model.cell == "lstm":
            i, f, gg, o = (g + r).chunk(4, dim=1)
            c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(gg)
            h_new = torch.sigmoid(o) * torch.tanh(c_new)
        elif model.cell == "gru":
            rr = torch.sigmoid(g[:, :H] + r[:, :H])
            z = torch.sigmoid(g[:, H:2 * H] + r[:, H:2 * H])
            n = torch.tanh(g[:, 2 * H:] + rr * r[:, 2 * H:])
            h_new, c_new = (1 - z) * n + z * h, c
        else:
            h_new, c_new = torch.tanh(g + r), c
        live = (torch.as_tensor(lengths) > t).unsqueeze(1)
        h, c = torch.where(live, h_new, h), torch.where(live, c_new, c)
    return model.fc(h)


def record_parameters(w, model, prefix=""):
    for name, p in model.named_parameters():
        w.f32(prefix + name, p)


def record_gradients(w, model, prefix="grad."):
    for name, p in model.named_parameters():
        w.f32(prefix + name, p.grad if p.grad is not None else torch.zeros_like(p))


def step_mask(lengths, T):
    return torch.arange(T).unsqueeze(0) < torch.as_tensor(lengths).unsqueeze(1)


def dense_case(name, cell, N, H, T, O, lengths, layers, bidirectional, seed):
    gen = torch.Generator().manual_seed(seed)
    model = DenseModel(cell, N, H, O, layers, bidirectional)
    mf.init_uniform(model, gen)
    B = len(lengths)
    x = torch.randn(B, T, N, generator=gen)
    for b, n in enumerate(lengths):
        x[b, n:] = 99.0  # garbage past the length: must be ignored
    labels = torch.tensor([float(b % 2 == 0) for b in range(B)])
    logits, _ = model(x, lengths)
    if layers == 1 and not bidirectional:
        assert (explicit_final(model, x, lengths) - logits).abs().max().item() < 1e-6
    with torch.no_grad():  # packing = running each row cut to its length on its own
        for b, n in enumerate(lengths):
            alone, _ = model(x[b:b + 1, :n], [n])
            assert (alone - logits[b:b + 1]).abs().max().item() < 1e-6, (name, b)
    probs = torch.sigmoid(logits) if O == 1 else torch.softmax(logits, dim=1)
    w = mf.Writer()
    w.i32("config", torch.tensor([N, H, T, O, layers, 2 if bidirectional else 1]))
    record_parameters(w, model)
    w.f32("inputs", x)
    w.i32("lengths", torch.tensor(lengths))
    w.f32("logits", logits)
    w.f32("probabilities", probs)
    if O == 1:
        loss = nn.BCEWithLogitsLoss()(logits.squeeze(1), labels)
        loss.backward()
        w.f32("labels", labels)
        w.f32("loss", loss.reshape(1))
        record_gradients(w, model)
    save(w, name)


def sequence_case(name, cell, H, T, O, lengths, seed, N=0, vocabulary=0, embedding=0):
    gen = torch.Generator().manual_seed(seed)
    model = DenseModel(cell, N, H, O, sequences=True, vocabulary=vocabulary, embedding=embedding)
    mf.init_uniform(model, gen)
    B = len(lengths)
    mask = step_mask(lengths, T)
    if vocabulary:
        x = torch.randint(1, vocabulary, (B, T), generator=gen)
        x[~mask] = 0  # right padding: token 0
    else:
        x = torch.randn(B, T, N, generator=gen)
        x[~mask] = 99.0
    logits, _ = model(x, lengths)
    logits = logits * mask.unsqueeze(2)  # padded steps: 0, no loss
    real = mask.sum()
    w = mf.Writer()
    w.i32("config", torch.tensor([N, H, T, O, vocabulary, embedding]))
    record_parameters(w, model)
    if vocabulary:
        w.i32("tokens", x)
    else:
        w.f32("inputs", x)
    w.i32("lengths", torch.tensor(lengths))
    w.f32("logits", logits)
    if O == 1:
        targets = (torch.rand(B, T, generator=gen) > 0.5).float() * mask
        per_step = nn.BCEWithLogitsLoss(reduction="none")(logits.squeeze(2), targets)
        w.f32("targets", targets)
        w.f32("probabilities", torch.sigmoid(logits) * mask.unsqueeze(2))
    else:
        classes = torch.randint(0, O, (B, T), generator=gen)
        classes[~mask] = -1
        per_step = nn.CrossEntropyLoss(reduction="none", ignore_index=-1)(logits.reshape(B * T, O), classes.reshape(-1)).reshape(B, T)
        w.i32("targets", classes)
        w.f32("probabilities", torch.softmax(logits, dim=2) * mask.unsqueeze(2))
    loss = (per_step * mask).sum() / real
    loss.backward()
    w.f32("loss", loss.reshape(1))
    record_gradients(w, model)
    save(w, name)


def tbptt_case(name, N, H, T, B, seed):
    gen = torch.Generator().manual_seed(seed)
    model = DenseModel("lstm", N, H, 1)
    mf.init_uniform(model, gen)
    full = torch.randn(B, 2 * T, N, generator=gen)
    labels = [torch.tensor([float((b + k) % 2 == 0) for b in range(B)]) for k in range(2)]
    lengths = [T] * B
    w = mf.Writer()
    w.i32("config", torch.tensor([N, H, T, 1, 1, 1]))
    record_parameters(w, model)
    state = None
    for k in range(2):
        model.zero_grad()
        x = full[:, k * T:(k + 1) * T]
        logits, (h, c) = model(x, lengths, state)
        loss = nn.BCEWithLogitsLoss()(logits.squeeze(1), labels[k])
        loss.backward()
        w.f32(f"inputs{k + 1}", x)
        w.f32(f"labels{k + 1}", labels[k])
        w.f32(f"logits{k + 1}", logits)
        w.f32(f"loss{k + 1}", loss.reshape(1))
        w.f32(f"h{k + 1}", h[0])
        w.f32(f"c{k + 1}", c[0])
        record_gradients(w, model, f"grad{k + 1}.")
        state = (h.detach(), c.detach())  # carried, gradients truncated at the boundary
    # Window 2 on its own from a zero state differs, so the carried state matters.
    with torch.no_grad():
        fresh, _ = model(full[:, T:], lengths)
    assert (fresh - torch.tensor(mf.read_fixture_records(w)["logits2"])).abs().max().item() > 1e-4
    save(w, name)


def save(w, name):
    path = os.path.join(OUT, "torch_%s.bin" % name)
    w.save(path)
    back = mf.read_fixture(path)
    for rname, _, arr in w.records:
        assert np.array_equal(back[rname], arr), rname
    print("wrote", path, len(w.records), "records")


mf.read_fixture_records = lambda w: {n: a for n, _, a in w.records}

dense_case("dense_lstm", "lstm", N=4, H=6, T=7, O=1, lengths=[7, 3, 1, 5, 7], layers=1, bidirectional=False, seed=7001)
dense_case("dense_gru_l2_bi", "gru", N=3, H=5, T=6, O=1, lengths=[6, 2, 4, 1], layers=2, bidirectional=True, seed=7002)
dense_case("dense_rnn", "rnn", N=2, H=4, T=5, O=1, lengths=[5, 5, 3], layers=1, bidirectional=False, seed=7003)
dense_case("dense_lstm_l2_bi_softmax", "lstm", N=3, H=4, T=5, O=3, lengths=[5, 1, 3], layers=2, bidirectional=True, seed=7004)
sequence_case("seq_lstm_dense", "lstm", H=5, T=6, O=1, lengths=[6, 4, 1], seed=7005, N=3)
sequence_case("seq_gru_dense", "gru", H=4, T=5, O=1, lengths=[5, 2], seed=7006, N=2)
sequence_case("seq_lstm_lm", "lstm", H=6, T=7, O=11, lengths=[7, 5, 2], seed=7007, vocabulary=11, embedding=4)
tbptt_case("tbptt_lstm", N=2, H=4, T=5, B=3, seed=7008)
