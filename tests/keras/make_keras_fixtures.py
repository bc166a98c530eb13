#!/usr/bin/env python3
"""Keras weight fixtures for LstmGen.Keras (tests/keras/README.md describes the layouts).

No Keras or TensorFlow is needed: the files are written with h5py (Debian's python3-h5py) in the exact layouts that
Keras writes, and the expected outputs come from a NumPy implementation of Keras' layer equations in this file (masking
as Keras does it: a masked step keeps the state; go_backwards reverses time; Bidirectional concatenates [forward;
backward]). Weights are random (embeddings N(0, 1)·0.5, every other weight U[-0.5, 0.5], seeded), so gates saturate
now and then and the gate orders matter.

Writes tests/LstmGen.Keras.Tests/Fixtures/<case>.keras or <case>.h5 and <case>.expected.json ({"tokens": [[...]],
"probabilities": [[...]]}).

Usage (from the repository root; Debian: apt-get install python3-h5py python3-numpy):
    /usr/bin/python3 tests/keras/make_keras_fixtures.py
"""

import io
import json
import os
import zipfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.abspath(os.path.join(HERE, "..", "LstmGen.Keras.Tests", "Fixtures"))


# ---------------------------------------------------------------------------------------------- Keras' equations

def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def lstm_step(x, h, c, w):
    kernel, recurrent, bias = w
    z = x @ kernel + h @ recurrent + bias
    H = h.shape[-1]
    i, f, cc, o = (z[..., k * H:(k + 1) * H] for k in range(4))  # Keras gate order i, f, c, o
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(cc)
    return sigmoid(o) * np.tanh(c), c


def gru_step(x, h, c, w):
    """reset_after=True (Keras' default): bias[0] is the input bias, bias[1] the recurrent one; gate order z, r, h."""
    kernel, recurrent, bias = w
    H = h.shape[-1]
    mx = x @ kernel + bias[0]
    mh = h @ recurrent + bias[1]
    z = sigmoid(mx[:H] + mh[:H])
    r = sigmoid(mx[H:2 * H] + mh[H:2 * H])
    hh = np.tanh(mx[2 * H:] + r * mh[2 * H:])
    return z * h + (1 - z) * hh, c


def rnn_step(x, h, c, w):
    kernel, recurrent, bias = w
    return np.tanh(x @ kernel + bias + h @ recurrent), c


STEPS = {"lstm": lstm_step, "gru": gru_step, "simple_rnn": rnn_step}


def run_recurrent(kind, xs, mask, w, go_backwards=False):
    """One Keras recurrent layer over one row, return_sequences=True: a masked step keeps the state and repeats the
    previous output. go_backwards processes the row last step first and returns the outputs in that order."""
    H = w[1].shape[0]
    h = np.zeros(H)
    c = np.zeros(H)
    order = range(len(xs) - 1, -1, -1) if go_backwards else range(len(xs))
    outputs = []
    for t in order:
        if mask[t]:
            h, c = STEPS[kind](xs[t], h, c, w)
        outputs.append(h)
    return np.array(outputs), h


def recurrent_stack(kind, x, mask, layers):
    """layers: list of (forward weights, backward weights or None). Returns the last layer's final features."""
    for n, (fw, bw) in enumerate(layers):
        seq_f, last_f = run_recurrent(kind, x, mask, fw)
        if bw is None:
            x, final = seq_f, last_f
            continue
        seq_b, last_b = run_recurrent(kind, x, mask, bw, go_backwards=True)
        x = np.concatenate([seq_f, seq_b[::-1]], axis=1)  # Bidirectional flips the backward sequence back
        final = np.concatenate([last_f, last_b])
    return final


def dense(x, w, activation):
    y = x @ w[0] + w[1]
    return {"relu": lambda v: np.maximum(v, 0), "sigmoid": sigmoid, "linear": lambda v: v,
            "softmax": lambda v: np.exp(v - v.max()) / np.exp(v - v.max()).sum()}[activation](y)


def conv1d_valid_relu_max(x, w):
    """Conv1D(padding='valid', strides=1) + ReLU + GlobalMaxPooling1D on one row x [n, C]; kernel [k, C, F]."""
    kernel, bias = w
    k = kernel.shape[0]
    n = x.shape[0]
    if n < k:
        return np.zeros(kernel.shape[2])  # LstmGen's rule: a branch wider than the row contributes zeros
    out = np.array([np.einsum("jc,jcf->f", x[t:t + k], kernel) + bias for t in range(n - k + 1)])
    return np.maximum(out, 0).max(axis=0)


# ---------------------------------------------------------------------------------------------- weights and tokens

class Rng:
    def __init__(self, seed):
        self.r = np.random.default_rng(seed)

    def embedding(self, V, E):
        return (self.r.standard_normal((V, E)) * 0.5).astype(np.float32)

    def uniform(self, *shape):
        return (self.r.random(shape) - 0.5).astype(np.float32)


def recurrent_weights(rng, kind, inp, H, reset_after=True):
    G = {"lstm": 4, "gru": 3, "simple_rnn": 1}[kind]
    bias = rng.uniform(2, G * H) if kind == "gru" and reset_after else rng.uniform(G * H)
    return [rng.uniform(inp, G * H), rng.uniform(H, G * H), bias]


def make_tokens(rng, V, T, B, min_tokens=1):
    rows = []
    for b in range(B):
        row = rng.r.integers(1, V, T)
        if b == 1:
            row[:T // 3] = 0                    # left padding
        elif b == 2:
            row[T - T // 4:] = 0                # right padding
        elif b == 3:
            row[T // 3:T // 3 + 2] = 0          # padding in the middle
        elif b == 4 and min_tokens == 1:
            row[:] = 0
            row[T // 2] = 1 + b                 # a single token
        rows.append(row)
    return np.array(rows, dtype=np.int64)


# ---------------------------------------------------------------------------------------------- Keras configs

def layer_config(class_name, name, **config):
    config = dict(name=name, trainable=True, dtype="float32", **config)
    return {"module": "keras.layers", "class_name": class_name, "config": config, "registered_name": None}


def rnn_config(kind, name, units, return_sequences, **extra):
    cls = {"lstm": "LSTM", "gru": "GRU", "simple_rnn": "SimpleRNN"}[kind]
    cfg = dict(units=units, activation="tanh", use_bias=True, return_sequences=return_sequences, return_state=False,
               go_backwards=False, stateful=False, unroll=False, dropout=0.0, recurrent_dropout=0.0)
    if kind != "simple_rnn":
        cfg["recurrent_activation"] = "sigmoid"
    if kind == "gru":
        cfg["reset_after"] = True
    if kind == "lstm":
        cfg["unit_forget_bias"] = True
    cfg.update(extra)
    return layer_config(cls, name, **cfg)


def sequential(layers, T):
    inp = {"module": "keras.layers", "class_name": "InputLayer",
           "config": {"batch_shape": [None, T], "dtype": "int32", "sparse": False, "name": "input_layer"}, "registered_name": None}
    return {"module": "keras", "class_name": "Sequential",
            "config": {"name": "sequential", "trainable": True, "dtype": "float32", "layers": [inp] + layers},
            "registered_name": None}


# ---------------------------------------------------------------------------------------------- file layouts

def write_keras3(path, config, groups):
    """A Keras 3 .keras archive: config.json, metadata.json and model.weights.h5, in which every layer's variables are
    datasets "0", "1", … of the group "layers/<name>/vars" (a recurrent layer's under "layers/<name>/cell/vars", a
    Bidirectional's under "layers/<name>/forward_layer/cell/vars" and ".../backward_layer/cell/vars"), with an empty
    "vars" group for every object without variables and an "optimizer/vars" group holding the iteration count.
    groups: list of (path, [arrays]) in model order; an empty list writes an empty vars group."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        f.create_group("vars")
        for gpath, arrays in groups:
            g = f.require_group(gpath + "/vars")
            for i, a in enumerate(arrays):
                g.create_dataset(str(i), data=a)
        opt = f.create_group("optimizer/vars")
        opt.create_dataset("0", data=np.array(12, dtype=np.int64))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        # A fixed timestamp per entry, so that rerunning the script reproduces the files byte for byte.
        for entry, data in (("metadata.json", json.dumps({"keras_version": "3.3.3", "date_saved": "2024-05-01@12:00:00"})),
                            ("config.json", json.dumps(config)), ("model.weights.h5", buffer.getvalue())):
            z.writestr(zipfile.ZipInfo(entry, date_time=(2024, 5, 1, 12, 0, 0)), data, compress_type=zipfile.ZIP_DEFLATED)


def write_legacy(path, config, layers, full_model=True):
    """A Keras 2 HDF5 file. full_model (model.save("x.h5")): root attributes model_config (JSON), keras_version,
    backend, and the weights in group "model_weights"; else (model.save_weights("x.h5")) the weights at the root.
    The weights' group has attributes layer_names (every layer, in model order), backend and keras_version; each layer
    group has attribute weight_names, and each weight is the dataset at <layer name>/<weight name>
    (for example "lstm/lstm/lstm_cell/kernel:0"). layers: list of (layer name, [(weight name, array)])."""
    with h5py.File(path, "w") as f:
        # As Keras 2 writes them: JSON and version strings encoded to bytes (fixed-length HDF5 strings), name lists as
        # numpy byte-string arrays, and a layer without weights with weight_names = np.asarray([]) (an empty float64 array).
        if full_model:
            f.attrs["model_config"] = json.dumps(config).encode("utf8")
            f.attrs["keras_version"] = b"2.15.0"
            f.attrs["backend"] = b"tensorflow"
            root = f.create_group("model_weights")
        else:
            root = f
        root.attrs["layer_names"] = np.asarray([n.encode("utf8") for n, _ in layers])
        root.attrs["backend"] = b"tensorflow"
        root.attrs["keras_version"] = b"2.15.0"
        for name, weights in layers:
            g = root.create_group(name)
            g.attrs["weight_names"] = np.asarray([w.encode("utf8") for w, _ in weights])
            for wname, a in weights:
                g.create_dataset(wname, data=a)  # the path inside the layer group repeats the layer name


def write_expected(name, tokens, probabilities):
    with open(os.path.join(OUT, name + ".expected.json"), "w") as fh:
        json.dump({"tokens": tokens.tolist(), "probabilities": [[float(v) for v in row] for row in probabilities]}, fh)


# ---------------------------------------------------------------------------------------------- cases

def recurrent_case(name, kind, V, E, H, T, O, layers, bidirectional, output, seed, fmt, reset_after=True, use_bias=True):
    """use_bias=False: the cells and the Dense have no bias variable (Keras stores kernel and recurrent_kernel only)."""
    rng = Rng(seed)
    emb = rng.embedding(V, E)
    stack = []
    for n in range(layers):
        inp = E if n == 0 else H * (2 if bidirectional else 1)
        fw = recurrent_weights(rng, kind, inp, H, reset_after)
        bw = recurrent_weights(rng, kind, inp, H, reset_after) if bidirectional else None
        if not use_bias:
            fw[2] = np.zeros_like(fw[2])
            bw = None if bw is None else bw[:2] + [np.zeros_like(bw[2])]
        stack.append((fw, bw))
    D = 2 if bidirectional else 1
    head = [rng.uniform(D * H, O), rng.uniform(O) if use_bias else np.zeros(O, dtype=np.float32)]
    tokens = make_tokens(rng, V, T, 5)
    probs = []
    for row in tokens:
        if not reset_after:
            break  # a file LstmGen must refuse: no reference numbers
        mask = row != 0
        feats = recurrent_stack(kind, emb[row], mask, stack)
        probs.append(dense(feats, head, output))
    probs = np.array(probs)

    cell = {"lstm": "lstm_cell", "gru": "gru_cell", "simple_rnn": "simple_rnn_cell"}[kind]
    configs = [layer_config("Embedding", "embedding", input_dim=V, output_dim=E, mask_zero=True)]
    for n in range(layers):
        rs = n < layers - 1
        lname = kind if n == 0 else "%s_%d" % (kind, n)
        extra = ({} if reset_after else {"reset_after": False}) | ({} if use_bias else {"use_bias": False})
        if bidirectional:
            inner = rnn_config(kind, "forward_" + lname, H, rs, **extra)
            configs.append(layer_config("Bidirectional", "bidirectional" if n == 0 else "bidirectional_%d" % n,
                                        layer=inner, merge_mode="concat"))
        else:
            configs.append(rnn_config(kind, lname, H, rs, **extra))
    configs.append(layer_config("Dropout", "dropout", rate=0.25))
    configs.append(layer_config("Dense", "dense", units=O, activation=output, use_bias=use_bias))
    config = sequential(configs, T)

    if not use_bias:
        stack = [(fw[:2], None if bw is None else bw[:2]) for fw, bw in stack]
        head = head[:1]
    if fmt == "keras":
        groups = [("layers/embedding", [emb])]
        for n, (fw, bw) in enumerate(stack):
            if bw is None:
                lp = "layers/" + (kind if n == 0 else "%s_%d" % (kind, n))
                groups += [(lp, []), (lp + "/cell", fw)]
            else:
                lp = "layers/" + ("bidirectional" if n == 0 else "bidirectional_%d" % n)
                groups += [(lp, []), (lp + "/forward_layer", []), (lp + "/forward_layer/cell", fw),
                           (lp + "/backward_layer", []), (lp + "/backward_layer/cell", bw)]
        groups += [("layers/dropout", []), ("layers/dense", head)]
        write_keras3(os.path.join(OUT, name + ".keras"), config, groups)
    else:
        entries = [("embedding", [("embedding/embeddings:0", emb)])]
        for n, (fw, bw) in enumerate(stack):
            suffix = "" if n == 0 else "_%d" % n
            if bw is None:
                ln = kind + suffix
                entries.append((ln, [("%s/%s%s/%s:0" % (ln, cell, suffix, p), a) for p, a in zip(("kernel", "recurrent_kernel", "bias"), fw)]))
            else:
                ln = "bidirectional" + suffix
                ws = []
                for direction, w in (("forward", fw), ("backward", bw)):
                    ws += [("%s/%s_%s%s/%s%s/%s:0" % (ln, direction, kind, suffix, cell, suffix, p), a)
                           for p, a in zip(("kernel", "recurrent_kernel", "bias"), w)]
                entries.append((ln, ws))
        entries.append(("dropout", []))  # weightless: listed in layer_names, empty weight_names
        entries.append(("dense", [(w, a) for w, a in zip(("dense/kernel:0", "dense/bias:0"), head)]))
        write_legacy(os.path.join(OUT, name + ".h5"), config, entries, full_model=(fmt == "h5"))
    if reset_after:
        write_expected(name, tokens, probs)
    print("%-24s %s: %s, %d layer(s)%s%s" % (name, fmt, kind, layers, " bidirectional" if bidirectional else "",
                                           ", max p %.4f" % probs.max() if reset_after else ", reset_after=False"))


def cnn_case(name, V, E, T, kernels, F, O, seed):
    rng = Rng(seed)
    emb = rng.embedding(V, E)
    convs = [[rng.uniform(k, E, F), rng.uniform(F)] for k in kernels]
    head = [rng.uniform(F * len(kernels), O), rng.uniform(O)]
    tokens = make_tokens(rng, V, T, 5, min_tokens=max(kernels))
    probs = []
    for row in tokens:
        x = emb[row[row != 0]]  # LstmGen removes padding; Keras' Conv1D has no mask (equal on rows without padding)
        feats = np.concatenate([conv1d_valid_relu_max(x, w) for w in convs])
        probs.append(dense(feats, head, "sigmoid"))
    layers = [{"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [None, T], "dtype": "int32", "name": "input_layer"}, "name": "input_layer", "inbound_nodes": []},
              dict(layer_config("Embedding", "embedding", input_dim=V, output_dim=E, mask_zero=False), name="embedding")]
    groups = [("layers/input_layer", []), ("layers/embedding", [emb])]
    for i, k in enumerate(kernels):
        cname = "conv1d" if i == 0 else "conv1d_%d" % i
        layers.append(dict(layer_config("Conv1D", cname, filters=F, kernel_size=[k], strides=[1], padding="valid",
                                        data_format="channels_last", dilation_rate=[1], groups=1, activation="relu", use_bias=True), name=cname))
        groups.append(("layers/" + cname, convs[i]))
    for i in range(len(kernels)):
        pname = "global_max_pooling1d" if i == 0 else "global_max_pooling1d_%d" % i
        layers.append(dict(layer_config("GlobalMaxPooling1D", pname, data_format="channels_last", keepdims=False), name=pname))
        groups.append(("layers/" + pname, []))
    layers.append(dict(layer_config("Concatenate", "concatenate", axis=-1), name="concatenate"))
    groups.append(("layers/concatenate", []))
    layers.append(dict(layer_config("Dense", "dense", units=O, activation="sigmoid", use_bias=True), name="dense"))
    groups.append(("layers/dense", head))
    config = {"module": "keras.src.models.functional", "class_name": "Functional",
              "config": {"name": "functional", "trainable": True, "layers": layers}, "registered_name": "Functional"}
    write_keras3(os.path.join(OUT, name + ".keras"), config, groups)
    write_expected(name, tokens, np.array(probs))
    print("%-24s keras: Conv1D k=%s, max p %.4f" % (name, kernels, np.array(probs).max()))


def ff_case(name, V, E, T, hidden, O, seed):
    rng = Rng(seed)
    emb = rng.embedding(V, E)
    widths = [E] + hidden
    layers_w = [[rng.uniform(widths[i], widths[i + 1]), rng.uniform(widths[i + 1])] for i in range(len(hidden))]
    head = [rng.uniform(widths[-1], O), rng.uniform(O)]
    tokens = make_tokens(rng, V, T, 5)
    probs = []
    for row in tokens:
        m = row != 0
        a = emb[row][m].mean(axis=0)  # GlobalAveragePooling1D with the Embedding's mask
        for w in layers_w:
            a = dense(a, w, "relu")
        probs.append(dense(a, head, "sigmoid"))
    configs = [layer_config("Embedding", "embedding", input_dim=V, output_dim=E, mask_zero=True),
               layer_config("GlobalAveragePooling1D", "global_average_pooling1d", data_format="channels_last", keepdims=False)]
    groups = [("layers/embedding", [emb]), ("layers/global_average_pooling1d", [])]
    for i, w in enumerate(layers_w):
        dname = "dense" if i == 0 else "dense_%d" % i
        configs.append(layer_config("Dense", dname, units=hidden[i], activation="relu", use_bias=True))
        groups.append(("layers/" + dname, w))
    dname = "dense_%d" % len(hidden)
    configs.append(layer_config("Dense", dname, units=O, activation="sigmoid", use_bias=True))
    groups.append(("layers/" + dname, head))
    write_keras3(os.path.join(OUT, name + ".keras"), sequential(configs, T), groups)
    write_expected(name, tokens, np.array(probs))
    print("%-24s keras: feed-forward %s, max p %.4f" % (name, hidden, np.array(probs).max()))


def main():
    os.makedirs(OUT, exist_ok=True)
    # C# model for each case in tests/LstmGen.Keras.Tests/KerasModels.cs.
    recurrent_case("lstm", "lstm", 13, 3, 7, 9, 1, 1, False, "sigmoid", 201, "keras")
    recurrent_case("gru_l2_bi", "gru", 13, 3, 7, 9, 1, 2, True, "sigmoid", 202, "keras")
    recurrent_case("rnn_l3_softmax", "simple_rnn", 11, 5, 9, 6, 3, 3, False, "softmax", 203, "keras")
    recurrent_case("lstm_l2_bi_legacy", "lstm", 13, 3, 7, 9, 1, 2, True, "sigmoid", 204, "h5")
    recurrent_case("gru_legacy_weights", "gru", 13, 3, 7, 9, 1, 1, False, "sigmoid", 205, "weights")
    recurrent_case("rnn_bi_softmax_legacy", "simple_rnn", 11, 5, 9, 6, 3, 1, True, "softmax", 206, "h5")
    recurrent_case("lstm_no_bias", "lstm", 13, 3, 7, 9, 1, 1, False, "sigmoid", 210, "keras", use_bias=False)
    recurrent_case("gru_reset_before", "gru", 13, 3, 7, 9, 1, 1, False, "sigmoid", 207, "keras", reset_after=False)
    cnn_case("cnn", 13, 3, 9, [2, 3, 5], 4, 1, 208)
    ff_case("ff_deep", 40, 20, 17, [33, 7], 4, 209)


if __name__ == "__main__":
    main()
