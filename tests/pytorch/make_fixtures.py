#!/usr/bin/env python3
"""Generate PyTorch reference fixtures for the LstmGen tests.

Model per case:  nn.Embedding(V, E) -> cell(E, H, batch_first=True) -> nn.Linear(H, O)
followed by sigmoid (O == 1) or softmax (O > 1) on the final hidden state, where
cell is nn.LSTM (cases without a prefix), nn.GRU ("gru_*") or nn.RNN with tanh ("rnn_*").
STACKED_CASES use num_layers > 1 and/or bidirectional=True (see build_stacked_case).

Token id 0 is padding and is masked: a padded step leaves the state unchanged.
The forward pass is an explicit step loop using torch's own cell math
(LSTM gate order i, f, g, o; GRU r, z, n with r applied to W_hn h + b_hn;
RNN tanh), which is checked against nn.LSTM / nn.LSTMCell, nn.GRU, nn.RNN.

Usage (from the repository root):
    /usr/bin/python3 tests/pytorch/make_fixtures.py

Writes tests/LstmGen.Tests/Fixtures/torch_<case>.bin (format described in
tests/pytorch/README.md).
"""

import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn

torch.set_num_threads(1)
torch.set_default_dtype(torch.float32)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT_DIR = os.path.join(REPO, "tests", "LstmGen.Tests", "Fixtures")

MAGIC = b"LGFX"
VERSION = 1
DTYPE_F32 = 0
DTYPE_I32 = 1

def param_names(cell):
    return ["embedding.weight",
            "%s.weight_ih_l0" % cell, "%s.weight_hh_l0" % cell,
            "%s.bias_ih_l0" % cell, "%s.bias_hh_l0" % cell,
            "fc.weight", "fc.bias"]


# name, V, E, H, T, O, B, seed, with_training[, cell]
CASES = [
    ("small", 13, 3, 7, 9, 1, 5, 1234, True),
    ("reference", 10000, 128, 64, 100, 1, 4, 5678, True),
    ("softmax", 11, 5, 9, 6, 3, 4, 4321, False),
    ("gru_small", 13, 3, 7, 9, 1, 5, 2345, True, "gru"),
    ("gru_softmax", 11, 5, 9, 6, 3, 4, 3456, False, "gru"),
    ("rnn_small", 13, 3, 7, 9, 1, 5, 4567, True, "rnn"),
    ("rnn_softmax", 11, 5, 9, 6, 3, 4, 5679, False, "rnn"),
]

ADAM_LR = 1e-3
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-7
ADAM_STEPS = 3


class Model(nn.Module):
    def __init__(self, V, E, H, O):
        super().__init__()
        self.embedding = nn.Embedding(V, E)
        self.lstm = nn.LSTM(E, H, batch_first=True)
        self.fc = nn.Linear(H, O)
        self.H = H
        self.O = O
        self.cell = "lstm"

    def init_weights(self, gen):
        """Non-default init so that gates saturate now and then."""
        with torch.no_grad():
            self.embedding.weight.copy_(
                torch.randn(self.embedding.weight.shape, generator=gen) * 0.5)
            for p in (self.lstm.weight_ih_l0, self.lstm.weight_hh_l0,
                      self.lstm.bias_ih_l0, self.lstm.bias_hh_l0,
                      self.fc.weight, self.fc.bias):
                p.copy_(torch.rand(p.shape, generator=gen) - 0.5)

    def masked_final_hidden(self, tokens):
        """Explicit step loop; steps with token == 0 keep h and c unchanged."""
        B, T = tokens.shape
        x = self.embedding(tokens.long())  # [B, T, E]
        w_ih = self.lstm.weight_ih_l0
        w_hh = self.lstm.weight_hh_l0
        b_ih = self.lstm.bias_ih_l0
        b_hh = self.lstm.bias_hh_l0
        H = self.H
        h = x.new_zeros(B, H)
        c = x.new_zeros(B, H)
        for t in range(T):
            gates = x[:, t] @ w_ih.t() + b_ih + h @ w_hh.t() + b_hh
            i = torch.sigmoid(gates[:, 0 * H:1 * H])
            f = torch.sigmoid(gates[:, 1 * H:2 * H])
            g = torch.tanh(gates[:, 2 * H:3 * H])
            o = torch.sigmoid(gates[:, 3 * H:4 * H])
            c_new = f * c + i * g
            h_new = o * torch.tanh(c_new)
            m = (tokens[:, t] != 0).unsqueeze(1)
            h = torch.where(m, h_new, h)
            c = torch.where(m, c_new, c)
        return h

    def logits(self, tokens):
        return self.fc(self.masked_final_hidden(tokens))

    def probabilities(self, logits):
        if self.O == 1:
            return torch.sigmoid(logits)
        return torch.softmax(logits, dim=1)


class SimpleModel(nn.Module):
    """Embedding -> nn.GRU or nn.RNN(tanh) -> Linear, with an explicit masked step loop."""

    def __init__(self, V, E, H, O, cell):
        super().__init__()
        self.embedding = nn.Embedding(V, E)
        if cell == "gru":
            self.gru = nn.GRU(E, H, batch_first=True)
        else:
            self.rnn = nn.RNN(E, H, nonlinearity="tanh", batch_first=True)
        self.fc = nn.Linear(H, O)
        self.H = H
        self.O = O
        self.cell = cell

    @property
    def module(self):
        return getattr(self, self.cell)

    def init_weights(self, gen):
        """Same scheme as Model.init_weights: embeddings N(0, 0.25), the rest U(-0.5, 0.5)."""
        m = self.module
        with torch.no_grad():
            self.embedding.weight.copy_(
                torch.randn(self.embedding.weight.shape, generator=gen) * 0.5)
            for p in (m.weight_ih_l0, m.weight_hh_l0, m.bias_ih_l0, m.bias_hh_l0,
                      self.fc.weight, self.fc.bias):
                p.copy_(torch.rand(p.shape, generator=gen) - 0.5)

    def step(self, x, h):
        """One step of the cell, written from nn.GRU / nn.RNN's documented formulas."""
        m = self.module
        gx = x @ m.weight_ih_l0.t() + m.bias_ih_l0
        gh = h @ m.weight_hh_l0.t() + m.bias_hh_l0
        if self.cell == "rnn":
            return torch.tanh(gx + gh)
        H = self.H
        r = torch.sigmoid(gx[:, 0:H] + gh[:, 0:H])
        z = torch.sigmoid(gx[:, H:2 * H] + gh[:, H:2 * H])
        n = torch.tanh(gx[:, 2 * H:3 * H] + r * gh[:, 2 * H:3 * H])
        return (1 - z) * n + z * h

    def masked_final_hidden(self, tokens):
        """Explicit step loop; steps with token == 0 keep h unchanged."""
        B, T = tokens.shape
        x = self.embedding(tokens.long())
        h = x.new_zeros(B, self.H)
        for t in range(T):
            h_new = self.step(x[:, t], h)
            m = (tokens[:, t] != 0).unsqueeze(1)
            h = torch.where(m, h_new, h)
        return h

    def logits(self, tokens):
        return self.fc(self.masked_final_hidden(tokens))

    def probabilities(self, logits):
        if self.O == 1:
            return torch.sigmoid(logits)
        return torch.softmax(logits, dim=1)


def make_model(V, E, H, O, cell):
    return Model(V, E, H, O) if cell == "lstm" else SimpleModel(V, E, H, O, cell)


def check_simple_step_loop(model, tokens):
    """GRU/RNN: max abs diff between the masked step loop and the torch module."""
    worst = 0.0
    with torch.no_grad():
        row = tokens[0:1]
        assert bool((row != 0).all())
        x = model.embedding(row.long())
        ref_out, ref_h = model.module(x)
        h = x.new_zeros(1, model.H)
        for t in range(row.shape[1]):
            h = model.step(x[:, t], h)
            worst = max(worst, (h - ref_out[:, t]).abs().max().item())
        worst = max(worst, (h - ref_h[0]).abs().max().item())
        h_all = model.masked_final_hidden(tokens)
        for b in range(tokens.shape[0]):
            kept = tokens[b][tokens[b] != 0]
            if kept.numel() == 0:
                ref = torch.zeros(model.H)
            else:
                _, hr = model.module(model.embedding(kept.long()).unsqueeze(0))
                ref = hr[0, 0]
            worst = max(worst, (h_all[b] - ref).abs().max().item())
    return worst


def make_tokens(V, T, B, gen):
    """Rows: no padding, left-padded, right-padded, zeros in the middle,
    [all padding except one token], then extra random no-padding rows."""
    def rnd(n):
        return torch.randint(1, V, (n,), generator=gen, dtype=torch.int32)

    rows = []
    # 0: no padding
    rows.append(rnd(T))
    # 1: left-padded (leading zeros), ~1/3 padding
    k = max(1, T // 3)
    rows.append(torch.cat([torch.zeros(k, dtype=torch.int32), rnd(T - k)]))
    # 2: right-padded (trailing zeros), ~1/4 padding
    k = max(1, T // 4)
    rows.append(torch.cat([rnd(T - k), torch.zeros(k, dtype=torch.int32)]))
    # 3: zeros in the middle (two separate runs when T is long enough)
    r = rnd(T)
    a = T // 3
    r[a:a + max(1, T // 6)] = 0
    if T >= 8:
        b = (2 * T) // 3 + 1
        r[b:b + 1] = 0
    rows.append(r)
    # 4: all padding except one token (not at either end)
    if B >= 5:
        r = torch.zeros(T, dtype=torch.int32)
        r[T // 2] = rnd(1)[0]
        rows.append(r)
    while len(rows) < B:
        rows.append(rnd(T))
    return torch.stack(rows[:B])


def check_step_loop(model, tokens):
    """Returns the max abs diff between the masked step loop and nn.LSTM."""
    worst = 0.0
    with torch.no_grad():
        # (a) Full per-step outputs of the no-padding row vs nn.LSTM.
        row = tokens[0:1]
        assert bool((row != 0).all())
        x = model.embedding(row.long())
        ref_out, (ref_h, ref_c) = model.lstm(x)
        # Step loop replicated here to compare every time step, not just h_T.
        H = model.H
        h = x.new_zeros(1, H)
        c = x.new_zeros(1, H)
        cell = nn.LSTMCell(x.shape[2], H)
        cell.weight_ih.copy_(model.lstm.weight_ih_l0)
        cell.weight_hh.copy_(model.lstm.weight_hh_l0)
        cell.bias_ih.copy_(model.lstm.bias_ih_l0)
        cell.bias_hh.copy_(model.lstm.bias_hh_l0)
        hc, cc = h.clone(), c.clone()
        for t in range(row.shape[1]):
            gates = (x[:, t] @ model.lstm.weight_ih_l0.t() + model.lstm.bias_ih_l0
                     + h @ model.lstm.weight_hh_l0.t() + model.lstm.bias_hh_l0)
            i, f, g, o = gates.chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            hc, cc = cell(x[:, t], (hc, cc))
            worst = max(worst, (h - ref_out[:, t]).abs().max().item())
            worst = max(worst, (hc - ref_out[:, t]).abs().max().item())
        worst = max(worst, (c - ref_c[0]).abs().max().item())
        h_loop = model.masked_final_hidden(row)
        worst = max(worst, (h_loop - ref_h[0]).abs().max().item())

        # (b) Every row: masked loop == nn.LSTM run on the row with the
        #     padding tokens removed (masking = skipping the step).
        h_all = model.masked_final_hidden(tokens)
        for b in range(tokens.shape[0]):
            kept = tokens[b][tokens[b] != 0]
            if kept.numel() == 0:
                ref = torch.zeros(model.H)
            else:
                _, (hr, _) = model.lstm(model.embedding(kept.long()).unsqueeze(0))
                ref = hr[0, 0]
            worst = max(worst, (h_all[b] - ref).abs().max().item())
    return worst


class Writer:
    def __init__(self):
        self.records = []

    def add(self, name, tensor, dtype):
        # Always snapshot a copy: Tensor.numpy() shares memory with the tensor,
        # and parameters/grads are later modified in place by backward()/Adam.
        if isinstance(tensor, torch.Tensor):
            tensor = tensor.detach().cpu().clone().numpy()
        arr = np.array(tensor, copy=True)
        if dtype == DTYPE_F32:
            arr = np.ascontiguousarray(arr, dtype="<f4")
        else:
            assert np.all(arr == np.asarray(arr, dtype=np.int64))
            arr = np.ascontiguousarray(arr, dtype="<i4")
        assert name not in (r[0] for r in self.records), name
        self.records.append((name, dtype, arr))

    def f32(self, name, t):
        self.add(name, t, DTYPE_F32)

    def i32(self, name, t):
        self.add(name, t, DTYPE_I32)

    def save(self, path):
        with open(path, "wb") as fh:
            fh.write(MAGIC)
            fh.write(struct.pack("<ii", VERSION, len(self.records)))
            for name, dtype, arr in self.records:
                nb = name.encode("utf-8")
                fh.write(struct.pack("<i", len(nb)))
                fh.write(nb)
                fh.write(struct.pack("<ii", dtype, arr.ndim))
                fh.write(struct.pack("<%di" % arr.ndim, *arr.shape))
                fh.write(arr.tobytes(order="C"))


def read_fixture(path):
    """Independent reader used to verify the written file."""
    out = {}
    with open(path, "rb") as fh:
        data = fh.read()
    assert data[:4] == MAGIC
    version, count = struct.unpack_from("<ii", data, 4)
    assert version == VERSION
    pos = 12
    for _ in range(count):
        (n,) = struct.unpack_from("<i", data, pos)
        pos += 4
        name = data[pos:pos + n].decode("utf-8")
        pos += n
        dtype, ndim = struct.unpack_from("<ii", data, pos)
        pos += 8
        dims = struct.unpack_from("<%di" % ndim, data, pos)
        pos += 4 * ndim
        count_el = int(np.prod(dims)) if ndim else 1
        np_dt = "<f4" if dtype == DTYPE_F32 else "<i4"
        arr = np.frombuffer(data, dtype=np_dt, count=count_el, offset=pos).reshape(dims)
        pos += 4 * count_el
        out[name] = arr
    assert pos == len(data)
    return out


def verify_file(rec, name, V, E, H, T, O, B, with_training, cell="lstm"):
    """Rebuild the model purely from the file contents and recompute every
    derived record (guards against aliasing / ordering mistakes)."""
    PARAM_NAMES = param_names(cell)
    assert rec["config"].tolist() == [V, E, H, T, O]
    model = make_model(V, E, H, O, cell)
    with torch.no_grad():
        for pn, p in model.named_parameters():
            assert tuple(rec[pn].shape) == tuple(p.shape), pn
            p.copy_(torch.from_numpy(rec[pn].copy()))
    tokens = torch.from_numpy(rec["tokens"].copy())
    assert tuple(tokens.shape) == (B, T)
    with torch.no_grad():
        logits = model.logits(tokens)
        probs = model.probabilities(logits)
    assert np.array_equal(logits.numpy(), rec["logits"]), name
    assert np.array_equal(probs.numpy(), rec["probabilities"]), name
    if not with_training:
        return
    labels = torch.from_numpy(rec["labels"].copy())
    params = dict(model.named_parameters())
    opt = torch.optim.Adam(model.parameters(), lr=ADAM_LR, betas=ADAM_BETAS, eps=ADAM_EPS)
    for step in range(ADAM_STEPS):
        opt.zero_grad(set_to_none=True)
        loss = nn.BCEWithLogitsLoss()(model.logits(tokens).squeeze(1), labels)
        loss.backward()
        if step == 0:
            assert np.array_equal(loss.detach().reshape(1).numpy(), rec["loss"])
            for pn in PARAM_NAMES:
                assert np.array_equal(params[pn].grad.numpy(), rec["grad." + pn]), pn
        opt.step()
    for pn in PARAM_NAMES:
        assert np.array_equal(params[pn].detach().numpy(), rec["adam3." + pn]), pn
    # Sanity: the weights really moved, and the initial weights differ from adam3.
    for pn in PARAM_NAMES:
        assert not np.array_equal(rec[pn], rec["adam3." + pn]), pn
    print("  verified file: forward, loss, grads and adam3 recomputed from stored weights")


def build_case(name, V, E, H, T, O, B, seed, with_training, cell="lstm"):
    print("=== case %s: cell=%s V=%d E=%d H=%d T=%d O=%d B=%d seed=%d" % (name, cell, V, E, H, T, O, B, seed))
    PARAM_NAMES = param_names(cell)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = make_model(V, E, H, O, cell)
    model.init_weights(gen)
    tokens = make_tokens(V, T, B, gen)

    diff = check_step_loop(model, tokens) if cell == "lstm" else check_simple_step_loop(model, tokens)
    print("  max |step loop - nn.%s| = %.3g" % (cell.upper(), diff))
    assert diff < 1e-6, diff

    w = Writer()
    w.i32("config", torch.tensor([V, E, H, T, O], dtype=torch.int32))
    params = dict(model.named_parameters())
    assert list(params.keys()) == PARAM_NAMES, list(params.keys())
    for pn in PARAM_NAMES:
        w.f32(pn, params[pn])
    w.i32("tokens", tokens)

    with torch.no_grad():
        logits = model.logits(tokens)
        probs = model.probabilities(logits)
    w.f32("logits", logits)
    w.f32("probabilities", probs)
    print("  tokens[0,:6] =", tokens[0, :6].tolist())
    print("  logits =", [[round(v, 7) for v in r] for r in logits.tolist()])
    print("  probabilities =", [[round(v, 7) for v in r] for r in probs.tolist()])

    if with_training:
        labels = torch.tensor([1.0 if b % 2 == 0 else 0.0 for b in range(B)], dtype=torch.float32)
        loss_fn = nn.BCEWithLogitsLoss()
        opt = torch.optim.Adam(model.parameters(), lr=ADAM_LR, betas=ADAM_BETAS, eps=ADAM_EPS)

        losses = []
        for step in range(ADAM_STEPS):
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model.logits(tokens).squeeze(1), labels)
            loss.backward()
            losses.append(loss.item())
            if step == 0:
                w.f32("labels", labels)
                w.f32("loss", loss.detach().reshape(1))
                for pn in PARAM_NAMES:
                    w.f32("grad." + pn, params[pn].grad)
                print("  loss = %.9g" % loss.item())
                print("  grad.fc.bias = %r" % params["fc.bias"].grad.tolist())
            opt.step()
        print("  losses before each adam step =", losses)
        for pn in PARAM_NAMES:
            w.f32("adam3." + pn, params[pn])
        print("  adam3.fc.bias = %r" % params["fc.bias"].detach().tolist())

    path = os.path.join(OUT_DIR, "torch_%s.bin" % name)
    w.save(path)

    back = read_fixture(path)
    assert list(back.keys()) == [r[0] for r in w.records]
    for rn, _, arr in w.records:
        assert back[rn].shape == arr.shape and np.array_equal(back[rn], arr), rn
    verify_file(back, name, V, E, H, T, O, B, with_training, cell)
    print("  wrote %s (%d bytes, %d records)" % (path, os.path.getsize(path), len(w.records)))
    print("  records:", ", ".join(r[0] for r in w.records))


# ---------------------------------------------------------------------------
# Stacked and bidirectional recurrent models (num_layers > 1, bidirectional=True).
#
# The masking rule in PyTorch terms: each row's non-padding tokens, compacted in
# order, are run as their own sequence of length n through
# nn.LSTM/GRU/RNN(E, H, num_layers=L, bidirectional=D == 2, batch_first=True);
# the features are h_n of the last layer, [forward; reverse] (h_n[-D:]), which is
# the forward direction's state after the last token and the reverse
# direction's state after the first token (it runs last to first). This is what
# LstmGen computes with padding anywhere in the row (padded steps are skipped in
# every layer and direction). Loss: BCE with logits, mean over the batch.

class StackedModel(nn.Module):
    def __init__(self, V, E, H, O, cell, layers, bidirectional):
        super().__init__()
        self.embedding = nn.Embedding(V, E)
        kinds = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
        module = kinds[cell](E, H, num_layers=layers, bidirectional=bidirectional, batch_first=True)
        setattr(self, cell, module)
        self.module = module
        self.D = 2 if bidirectional else 1
        self.fc = nn.Linear(self.D * H, O)
        self.cell = cell
        self.O = O

    def features(self, tokens):
        rows = []
        for b in range(tokens.shape[0]):
            kept = tokens[b][tokens[b] != 0]
            assert kept.numel() > 0
            out = self.module(self.embedding(kept.long()).unsqueeze(0))[1]
            h_n = out[0] if self.cell == "lstm" else out
            rows.append(torch.cat([h_n[-self.D + d, 0] for d in range(self.D)]))
        return torch.stack(rows)

    def logits(self, tokens):
        return self.fc(self.features(tokens))

    def probabilities(self, logits):
        return torch.sigmoid(logits) if self.O == 1 else torch.softmax(logits, dim=1)


# name, cell, V, E, H, T, O, B, layers, bidirectional, seed
STACKED_CASES = [
    ("lstm_l2", "lstm", 13, 3, 7, 9, 1, 5, 2, False, 1111),
    ("lstm_bi", "lstm", 13, 3, 7, 9, 1, 5, 1, True, 2222),
    ("lstm_l2_bi", "lstm", 13, 3, 7, 9, 1, 5, 2, True, 3333),
    ("gru_l2_bi", "gru", 13, 3, 7, 9, 1, 5, 2, True, 4444),
    ("rnn_l2_bi", "rnn", 13, 3, 7, 9, 1, 5, 2, True, 5555),
    ("rnn_l3_softmax", "rnn", 11, 5, 9, 6, 3, 4, 3, False, 6666),
]


def build_stacked_case(name, cell, V, E, H, T, O, B, layers, bidirectional, seed):
    print("=== case %s: %s L=%d bidirectional=%s V=%d E=%d H=%d T=%d O=%d B=%d seed=%d"
          % (name, cell, layers, bidirectional, V, E, H, T, O, B, seed))
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = StackedModel(V, E, H, O, cell, layers, bidirectional)
    init_uniform(model, gen)
    tokens = make_tokens(V, T, B, gen)
    # Sanity: a row without padding gives the same features whole-batch through the module.
    with torch.no_grad():
        out = model.module(model.embedding(tokens[0:1].long()))[1]
        h_n = out[0] if cell == "lstm" else out
        whole = torch.cat([h_n[-model.D + d, 0] for d in range(model.D)])
        diff = (whole - model.features(tokens[0:1])[0]).abs().max().item()
    assert diff < 1e-6, diff

    w = Writer()
    w.i32("config", torch.tensor([V, E, H, T, O, layers, model.D], dtype=torch.int32))
    names = [n for n, _ in model.named_parameters()]
    params = dict(model.named_parameters())
    for pn in names:
        w.f32(pn, params[pn])
    w.i32("tokens", tokens)
    with torch.no_grad():
        logits = model.logits(tokens)
        probs = model.probabilities(logits)
    w.f32("logits", logits)
    w.f32("probabilities", probs)
    if O == 1:
        labels = torch.tensor([1.0 if b % 2 == 0 else 0.0 for b in range(B)], dtype=torch.float32)
        loss = nn.BCEWithLogitsLoss()(model.logits(tokens).squeeze(1), labels)
        loss.backward()
        w.f32("labels", labels)
        w.f32("loss", loss.detach().reshape(1))
        for pn in names:
            w.f32("grad." + pn, params[pn].grad)
        print("  loss = %.9g" % loss.item())
    print("  parameters:", ", ".join(names))
    print("  logits =", [[round(v, 7) for v in r] for r in logits.tolist()])
    path = os.path.join(OUT_DIR, "torch_%s.bin" % name)
    w.save(path)
    back = read_fixture(path)
    for rn, _, arr in w.records:
        assert back[rn].shape == arr.shape and np.array_equal(back[rn], arr), rn
    print("  wrote %s (%d bytes, %d records)" % (path, os.path.getsize(path), len(w.records)))


# ---------------------------------------------------------------------------
# Non-recurrent models: the text CNN and the feed-forward baseline.
#
# Masking rule shared with LstmGen (token 0 = padding):
#   text CNN      the non-padding tokens of a row are kept in order (padding
#                 removed), each Conv1d branch slides over those n tokens only,
#                 ReLU, max over time; a branch whose width k > n gives zeros.
#   feed-forward  mean of the non-padding embeddings (zeros when there are
#                 none), then Linear + ReLU per hidden layer.
# Loss: BCE with logits summed over outputs and averaged over rows (LstmGen's
# batch-mean loss; equal to nn.BCEWithLogitsLoss() when O == 1).

class TextCnn(nn.Module):
    def __init__(self, V, E, kernels, F, O):
        super().__init__()
        self.embedding = nn.Embedding(V, E)
        self.convs = nn.ModuleList([nn.Conv1d(E, F, k) for k in kernels])
        self.fc = nn.Linear(F * len(kernels), O)
        self.F = F

    def features(self, tokens):
        rows = []
        for b in range(tokens.shape[0]):
            kept = tokens[b][tokens[b] != 0].long()
            x = self.embedding(kept).t().unsqueeze(0)  # [1, E, n]
            parts = []
            for conv in self.convs:
                if kept.numel() >= conv.kernel_size[0]:
                    parts.append(torch.relu(conv(x)).max(dim=2).values[0])
                else:
                    parts.append(x.new_zeros(self.F))
            rows.append(torch.cat(parts))
        return torch.stack(rows)

    def logits(self, tokens):
        return self.fc(self.features(tokens))


class FeedForward(nn.Module):
    def __init__(self, V, E, hidden, O):
        super().__init__()
        self.embedding = nn.Embedding(V, E)
        widths = [E] + list(hidden)
        self.hidden = nn.ModuleList([nn.Linear(widths[i], widths[i + 1]) for i in range(len(hidden))])
        self.fc = nn.Linear(widths[-1], O)

    def logits(self, tokens):
        mask = (tokens != 0).float()
        x = self.embedding(tokens.long()) * mask.unsqueeze(2)
        a = x.sum(dim=1) / mask.sum(dim=1, keepdim=True).clamp(min=1)
        for layer in self.hidden:
            a = torch.relu(layer(a))
        return self.fc(a)


def init_uniform(model, gen):
    """As the LSTM cases: embedding ~ N(0,1)*0.5, every other tensor ~ U[-0.5, 0.5]."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name == "embedding.weight":
                p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
            else:
                p.copy_(torch.rand(p.shape, generator=gen) - 0.5)


def batch_loss(logits, labels):
    return nn.BCEWithLogitsLoss(reduction="sum")(logits, labels) / logits.shape[0]


def check_baseline(kind, model, tokens):
    """The CNN's compacted per-row loop equals nn.Conv1d on the whole batch for
    rows without padding, and equals itself with the padding moved (the masking
    rule); the feed-forward model's masked mean equals the per-row mean of the
    kept embeddings."""
    worst = 0.0
    with torch.no_grad():
        if kind == "cnn":
            full = tokens[0:1]
            assert bool((full != 0).all())
            x = model.embedding(full.long()).transpose(1, 2)
            ref = torch.cat([torch.relu(c(x)).max(dim=2).values for c in model.convs], dim=1)
            worst = max(worst, (ref - model.features(full)).abs().max().item())
        for b in range(tokens.shape[0]):
            kept = tokens[b][tokens[b] != 0]
            moved = torch.cat([torch.zeros(tokens.shape[1] - kept.numel(), dtype=tokens.dtype), kept]).unsqueeze(0)
            worst = max(worst, (model.logits(tokens[b:b + 1]) - model.logits(moved)).abs().max().item())
    return worst


# name, kind, V, E, T, sizes (kernel widths or hidden widths), F (CNN filters), O, B, seed
BASELINE_CASES = [
    ("cnn_small", "cnn", 13, 3, 9, [2, 3, 5], 4, 1, 5, 2468),
    ("cnn_medium", "cnn", 500, 32, 40, [3, 4, 5], 24, 1, 6, 1357),
    ("ff_small", "ff", 13, 3, 9, [5], 0, 1, 5, 9753),
    ("ff_deep", "ff", 40, 20, 17, [33, 7], 0, 4, 6, 8642),
]


def make_baseline(kind, V, E, sizes, F, O):
    return TextCnn(V, E, sizes, F, O) if kind == "cnn" else FeedForward(V, E, sizes, O)


def build_baseline_case(name, kind, V, E, T, sizes, F, O, B, seed):
    print("=== case %s: %s V=%d E=%d T=%d sizes=%s F=%d O=%d B=%d seed=%d" % (name, kind, V, E, T, sizes, F, O, B, seed))
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = make_baseline(kind, V, E, sizes, F, O)
    init_uniform(model, gen)
    tokens = make_tokens(V, T, B, gen)
    diff = check_baseline(kind, model, tokens)
    print("  max |masking / reference check| = %.3g" % diff)
    assert diff < 1e-6, diff

    w = Writer()
    w.i32("config", torch.tensor([V, E, T, O, F] + list(sizes), dtype=torch.int32))
    names = [n for n, _ in model.named_parameters()]
    params = dict(model.named_parameters())
    for pn in names:
        w.f32(pn, params[pn])
    w.i32("tokens", tokens)
    with torch.no_grad():
        logits = model.logits(tokens)
        probs = torch.sigmoid(logits)
    w.f32("logits", logits)
    w.f32("probabilities", probs)
    labels = (torch.rand((B, O), generator=gen) < 0.5).float()
    loss = batch_loss(model.logits(tokens), labels)
    loss.backward()
    w.f32("labels", labels)
    w.f32("loss", loss.detach().reshape(1))
    for pn in names:
        w.f32("grad." + pn, params[pn].grad)
    print("  parameters:", ", ".join(names))
    print("  logits =", [[round(v, 7) for v in r] for r in logits.tolist()])
    print("  loss = %.9g" % loss.item())

    path = os.path.join(OUT_DIR, "torch_%s.bin" % name)
    w.save(path)
    back = read_fixture(path)
    for rn, _, arr in w.records:
        assert back[rn].shape == arr.shape and np.array_equal(back[rn], arr), rn
    # Rebuild from the stored weights only and recompute every derived record.
    again = make_baseline(kind, V, E, sizes, F, O)
    with torch.no_grad():
        for pn, p in again.named_parameters():
            p.copy_(torch.from_numpy(back[pn].copy()))
    stored = torch.from_numpy(back["tokens"].copy())
    with torch.no_grad():
        assert np.array_equal(again.logits(stored).numpy(), back["logits"]), name
    l2 = batch_loss(again.logits(stored), torch.from_numpy(back["labels"].copy()))
    l2.backward()
    assert np.array_equal(l2.detach().reshape(1).numpy(), back["loss"]), name
    for pn, p in again.named_parameters():
        assert np.array_equal(p.grad.numpy(), back["grad." + pn]), pn
    print("  wrote %s (%d bytes, %d records), verified" % (path, os.path.getsize(path), len(w.records)))


def main():
    print("torch", torch.__version__, "numpy", np.__version__, "python", sys.version.split()[0])
    os.makedirs(OUT_DIR, exist_ok=True)
    only = set(sys.argv[1:])
    for case in CASES:
        if not only or case[0] in only:
            build_case(*case)
    for case in STACKED_CASES:
        if not only or case[0] in only:
            build_stacked_case(*case)
    for case in BASELINE_CASES:
        if not only or case[0] in only:
            build_baseline_case(*case)


if __name__ == "__main__":
    main()
