#!/usr/bin/env python3
"""safetensors fixtures for LstmGen, both ways (README.md in this folder, section "safetensors").

1. PyTorch -> LstmGen: builds PyTorch models equal to generated test models (tests/LstmGen.Tests/Models.cs), trains
   each a few Adam steps, and writes
       tests/LstmGen.Tests/Fixtures/st_<case>.safetensors   the trained state_dict
       tests/LstmGen.Tests/Fixtures/st_<case>.bin           tokens, logits, probabilities (LGFX, as make_fixtures.py)
2. LstmGen -> PyTorch: reads tests/LstmGen.Tests/Fixtures/lstmgen_<case>.safetensors (written by the C# test
   SafetensorsFixtureTests with LSTMGEN_UPDATE_FIXTURES=1, with its tokens and LstmGen's probabilities in
   lstmgen_<case>.expected.bin), loads it into the PyTorch model with load_state_dict(strict=True), checks that
   PyTorch predicts what LstmGen predicted (max abs difference < 1e-5) and writes PyTorch's probabilities to
   lstmgen_<case>.torch.bin, which the C# test compares with Predict after Safetensors.Load.

The safetensors format is written and read here with json + struct (Debian has no python3-safetensors); the reader
applies the format's rules strictly (header length, '{', space padding only, exactly dtype/shape/data_offsets, byte
counts, tensors covering the data exactly). When the `safetensors` module is importable it is used as well:
safetensors.torch.load_file must give the same tensors.

Usage (from the repository root; Debian: apt-get install python3-torch python3-numpy):
    /usr/bin/python3 tests/pytorch/make_safetensors.py
"""

import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import (OUT_DIR, FeedForward, StackedModel, TextCnn,  # noqa: E402
                           Writer, make_tokens, read_fixture)

torch.set_num_threads(1)

DTYPES = {"F32": (np.dtype("<f4"), 4), "F16": (np.dtype("<f2"), 2), "I64": (np.dtype("<i8"), 8), "I32": (np.dtype("<i4"), 4)}


# ---------------------------------------------------------------------------------------------- the format

def write_safetensors(path, tensors, dtype="F32", metadata=None):
    """tensors: list of (name, torch tensor). dtype F32, F16 or BF16 (BF16: the upper 16 bits of float32, rounded to
    nearest even as torch does). Header padded with spaces to a multiple of 8, as the reference writer does."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    blobs = []
    at = 0
    for name, t in tensors:
        t = t.detach().contiguous()
        if dtype == "F32":
            raw = t.float().numpy().astype("<f4").tobytes()
        elif dtype == "F16":
            raw = t.half().numpy().astype("<f2").tobytes()
        elif dtype == "BF16":
            raw = t.bfloat16().view(torch.int16).numpy().astype("<i2").tobytes()
        elif dtype == "I64":
            raw = t.long().numpy().astype("<i8").tobytes()
        else:
            raise ValueError(dtype)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [at, at + len(raw)]}
        blobs.append(raw)
        at += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(text)))
        fh.write(text)
        for raw in blobs:
            fh.write(raw)


def read_safetensors(path):
    """Strict reader: returns (metadata, {name: float32 torch tensor}) in file order."""
    with open(path, "rb") as fh:
        data = fh.read()
    (n,) = struct.unpack_from("<Q", data, 0)
    assert 2 <= n <= len(data) - 8, n
    raw = data[8:8 + n]
    assert raw[:1] == b"{", raw[:1]
    text = raw.decode("utf-8")
    stripped = text.rstrip(" ")
    obj = json.loads(stripped, object_pairs_hook=lambda pairs: _no_duplicates(pairs))
    metadata = obj.pop("__metadata__", {})
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())
    buffer = data[8 + n:]
    entries = sorted(obj.items(), key=lambda kv: tuple(kv[1]["data_offsets"]))
    at = 0
    out = {}
    for name, e in entries:
        assert set(e) == {"dtype", "shape", "data_offsets"}, (name, e)
        begin, end = e["data_offsets"]
        assert begin == at, (name, begin, at)
        count = int(np.prod(e["shape"])) if e["shape"] else 1
        if e["dtype"] == "BF16":
            bits = np.frombuffer(buffer, dtype="<u2", count=count, offset=begin).astype(np.uint32) << 16
            arr = bits.view(np.float32)
            size = 2
        else:
            np_dt, size = DTYPES[e["dtype"]]
            arr = np.frombuffer(buffer, dtype=np_dt, count=count, offset=begin).astype(np.float32)
        assert end - begin == count * size, name
        out[name] = torch.from_numpy(arr.copy()).reshape(e["shape"])
        at = end
    assert at == len(buffer), (at, len(buffer))
    try:
        from safetensors.torch import load_file
    except ImportError:
        pass
    else:
        theirs = load_file(path)
        assert set(theirs) == set(out)
        for k in out:
            assert torch.equal(theirs[k].float(), out[k]), k
    return metadata, out


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), keys
    return dict(pairs)


# ---------------------------------------------------------------------------------------------- models

class Stacked(StackedModel):
    """make_fixtures.StackedModel registered once: its state_dict has only the LstmGen names (lstm.*, gru.*, rnn.*),
    not the second alias module.*, so load_state_dict(strict=True) takes exactly an LstmGen file."""

    def __init__(self, V, E, H, O, cell, layers, bidirectional):
        super().__init__(V, E, H, O, cell, layers, bidirectional)
        del self._modules["module"]

    @property
    def module(self):
        return getattr(self, self.cell)


class Encoder(nn.Module):
    def __init__(self, V, E, H):
        super().__init__()
        self.embedding = nn.Embedding(V, E)
        self.lstm = nn.LSTM(E, H, batch_first=True)


class NestedLstm(nn.Module):
    """An LSTM classifier whose modules are named unlike LstmGen's: encoder.embedding, encoder.lstm, head.
    Loading it needs the prefix map { "encoder.": "", "head.": "fc." }."""

    def __init__(self, V, E, H, O):
        super().__init__()
        self.encoder = Encoder(V, E, H)
        self.head = nn.Linear(H, O)
        self.O = O

    def logits(self, tokens):
        rows = []
        for b in range(tokens.shape[0]):
            kept = tokens[b][tokens[b] != 0].long()
            _, (h, _) = self.encoder.lstm(self.encoder.embedding(kept).unsqueeze(0))
            rows.append(h[0, 0])
        return self.head(torch.stack(rows))


# The output activation of each case's C# model: sigmoid per output, or softmax over the outputs.
SOFTMAX = {"rnn_l3_softmax"}


def probabilities(logits, softmax):
    return torch.softmax(logits, dim=1) if softmax else torch.sigmoid(logits)


def loss_of(logits, labels, softmax):
    if not softmax:
        return nn.BCEWithLogitsLoss(reduction="sum")(logits, labels) / logits.shape[0]
    return nn.CrossEntropyLoss()(logits, labels.argmax(dim=1))


def train(model, tokens, labels, softmax, steps=5, lr=0.01):
    opt = torch.optim.Adam(model.parameters(), lr=lr, eps=1e-7)
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_of(model.logits(tokens), labels, softmax)
        loss.backward()
        opt.step()
    return loss.item()


# case: (builder, V, T, O, B, seed, dtype); the C# model each matches is in SafetensorsFixtureTests.
CASES = {
    "lstm_nested": (lambda: NestedLstm(13, 3, 7, 1), 13, 9, 1, 6, 101, "F32"),            # SmallModel, prefix map
    "gru_l2_bi": (lambda: Stacked(13, 3, 7, 1, "gru", 2, True), 13, 9, 1, 6, 102, "F32"),  # GruL2BiModel
    "rnn_l3_softmax": (lambda: Stacked(11, 5, 9, 3, "rnn", 3, False), 11, 6, 3, 6, 103, "F32"),  # RnnL3SoftmaxModel
    "cnn_small": (lambda: TextCnn(13, 3, [2, 3, 5], 4, 1), 13, 9, 1, 6, 104, "F32"),      # CnnSmallModel
    "ff_deep": (lambda: FeedForward(40, 20, [33, 7], 4), 40, 17, 4, 6, 105, "F32"),       # FfDeepModel
    "lstm_bi_f16": (lambda: Stacked(13, 3, 7, 1, "lstm", 1, True), 13, 9, 1, 6, 106, "F16"),   # LstmBiModel
    "lstm_bi_bf16": (lambda: Stacked(13, 3, 7, 1, "lstm", 1, True), 13, 9, 1, 6, 106, "BF16"),  # LstmBiModel
}


def build_case(name):
    builder, V, T, O, B, seed, dtype = CASES[name]
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = builder()
    init_uniform_any(model, gen)
    tokens = make_tokens(V, T, B, gen)
    softmax = name in SOFTMAX
    if not softmax:
        labels = torch.tensor([[float((b + j) % 2 == 0) for j in range(O)] for b in range(B)])
    else:
        labels = torch.nn.functional.one_hot(torch.arange(B) % O, O).float()
    loss = train(model, tokens, labels, softmax)
    if dtype != "F32":
        # The file holds the weights rounded to the 16-bit type; PyTorch's reference runs on exactly those values.
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(p.half().float() if dtype == "F16" else p.bfloat16().float())
    with torch.no_grad():
        logits = model.logits(tokens)
        probs = probabilities(logits, softmax)
    path = os.path.join(OUT_DIR, "st_%s.safetensors" % name)
    state = list(model.state_dict().items())
    write_safetensors(path, state, dtype, metadata={"format": "pt", "case": name})
    _, back = read_safetensors(path)
    for k, v in state:
        assert torch.equal(back[k], v.float()), k
    w = Writer()
    w.i32("tokens", tokens)
    w.f32("logits", logits)
    w.f32("probabilities", probs)
    w.save(os.path.join(OUT_DIR, "st_%s.bin" % name))
    print("%-16s %s, %d tensors, loss after 5 Adam steps %.6f, wrote %s" % (name, dtype, len(state), loss, path))


def init_uniform_any(model, gen):
    """make_fixtures.init_uniform, for modules whose embedding is not at the top (encoder.embedding)."""
    with torch.no_grad():
        for pn, p in model.named_parameters():
            if pn.endswith("embedding.weight"):
                p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
            else:
                p.copy_(torch.rand(p.shape, generator=gen) - 0.5)


# LstmGen-saved files: case -> PyTorch model of the same architecture.
SAVED = {
    "gru_l2_bi": lambda: Stacked(13, 3, 7, 1, "gru", 2, True),   # GruL2BiModel (sigmoid)
    "cnn_small": lambda: TextCnn(13, 3, [2, 3, 5], 4, 1),             # CnnSmallModel (sigmoid)
}


def check_saved(name):
    builder = SAVED[name]
    path = os.path.join(OUT_DIR, "lstmgen_%s.safetensors" % name)
    if not os.path.exists(path):
        print("%-16s skipped: %s is missing (run the C# test with LSTMGEN_UPDATE_FIXTURES=1)" % (name, path))
        return
    metadata, tensors = read_safetensors(path)
    assert metadata.get("format") == "pt" and metadata.get("producer") == "LstmGen", metadata
    model = builder()
    model.load_state_dict(tensors, strict=True)
    expected = read_fixture(os.path.join(OUT_DIR, "lstmgen_%s.expected.bin" % name))
    tokens = torch.from_numpy(expected["tokens"].copy())
    with torch.no_grad():
        probs = probabilities(model.logits(tokens), softmax=False)
    diff = (probs - torch.from_numpy(expected["probabilities"].copy())).abs().max().item()
    assert diff < 1e-5, diff
    w = Writer()
    w.f32("probabilities", probs)
    w.save(os.path.join(OUT_DIR, "lstmgen_%s.torch.bin" % name))
    print("%-16s LstmGen's file loads in PyTorch (strict), %d tensors, max |PyTorch - LstmGen| = %.3g" % (name, len(tensors), diff))


def main():
    for name in CASES:
        build_case(name)
    for name in SAVED:
        check_saved(name)


if __name__ == "__main__":
    main()
