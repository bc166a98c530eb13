#!/usr/bin/env bash
# LstmGen against PyTorch 2.6, TorchSharp 0.107 and ONNX Runtime (the harness in ../shared/peers) on the reference
# workload, every framework timed by the same median-of-n loop in one window, 1 and 2 threads; prints the machine
# (CPU model, L1d/L2, one-core FMA peak) and the ratios, and writes them to benchmarks/PEERS.md, one section per kind of
# CPU (a run replaces its own CPU's section and keeps the other machines' figures). Also a real-text row: one
# training epoch over the UCI sentences (../shared/data) at sequence length 60, LstmGen against PyTorch with padded
# batches and with packed sequences (benchmarks/torch_epoch.py, on the batches LstmGen encodes).
# Usage: sudo benchmarks/peers.sh [ROUNDS]   (setup needs root; ROUNDS, default 2, alternates the frameworks and keeps
# each row's best round, so a burst of load on a shared machine costs one round, not the comparison).
set -euo pipefail
cd "$(dirname "$0")/.."
peers=${PEERS_DIR:-../shared/peers}
rounds=${1:-2}
root=/tmp/trixie-root
uci=${UCI_DIR:-../shared/data/uci-sentiment-labelled-sentences}
[ -f "$peers/setup.sh" ] || { echo "peers.sh: $peers/setup.sh not found (set PEERS_DIR)." >&2; exit 1; }
[ -d "$uci" ] || { echo "peers.sh: the UCI sentences are not at $uci (set UCI_DIR)." >&2; exit 1; }
bash "$peers/setup.sh" | tail -1
cp benchmarks/torch_epoch.py benchmarks/torch_sparse.py "$root/anchors/"
gcc -O2 -mavx2 -mfma "$peers/peak.c" -o /tmp/lstmgen-peak
# The AVX-512 peak too where the CPU has it (LstmGen's kernels then run 16-lane; "none" otherwise).
peak512=none
if grep -qw avx512f /proc/cpuinfo && gcc -O2 -mavx512f "$peers/peak512.c" -o /tmp/lstmgen-peak512; then peak512=$(/tmp/lstmgen-peak512); fi
dotnet build benchmarks/LstmGen.Benchmarks -c Release -v q -nologo | grep -E "error|Warn|Error" || true
bench=benchmarks/LstmGen.Benchmarks/bin/Release/net10.0/LstmGen.Benchmarks.dll
out=$(mktemp)
peak=$(/tmp/lstmgen-peak)
for ((r = 1; r <= rounds; r++)); do
  for th in 1 2; do
    dotnet "$bench" --peers "$th" | sed "s/^/$th /" >> "$out"
    chroot "$root" python3 /anchors/torch_lstm.py "$th" | sed "s/^/$th pytorch /" >> "$out"
    chroot "$root" python3 /anchors/torch_sparse.py "$th" | sed "s/^/$th pytorch /" >> "$out"
    chroot "$root" bash -c "cd /peers && /usr/share/dotnet/dotnet bin/Release/net10.0/Peers.dll $th" | sed "s/^/$th /" >> "$out"
    # /tmp/peers is the chroot's /peers (setup.sh bind-mounts it).
    dotnet "$bench" --peers-epoch "$th" "$uci" /tmp/peers/uci60.txt | sed "s/^/$th /" >> "$out"
    chroot "$root" python3 /anchors/torch_epoch.py /peers/uci60.txt "$th" | sed "s/^/$th pytorch /" >> "$out"
  done
done
peak_after=$(/tmp/lstmgen-peak)
commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- runtime generator benchmarks/LstmGen.Benchmarks || echo "+changes")
python3 - "$out" "$peak" "$peak_after" "$peak512" "$commit" <<'PY'
import datetime, os, re, subprocess, sys
lines = open(sys.argv[1]).read().splitlines()
best = {}  # (threads, framework, row) -> best value (µs/seq lowest for b=1, seq/s highest otherwise)
epochs = {}  # (threads, "lstmgen" | "padded" | "packed") -> best seq/s of the epoch row
sentences = ""
for l in lines:
    e = re.match(r"(\d) (?:lstmgen epoch(-lazy)? uci|pytorch epoch (padded|packed)) T=\d+: [\d.]+ ms/epoch = ([\d.]+) seq/s(.*)", l)
    if e:
        key = (e.group(1), e.group(3) or ("lstmgen-lazy" if e.group(2) else "lstmgen"))
        epochs[key] = max(epochs.get(key, 0), float(e.group(4)))
        if e.group(5).strip(): sentences = e.group(5).strip()
        continue
    m = re.match(r"(\d) (\w+) (infer|train-lazy|train) b=(\d+)\s+T=\d+: ([\d.]+) (us/seq|ms/\w+ = ([\d.]+) seq/s)", l)
    if not m: continue
    th, fw, kind, b = m.group(1), m.group(2), m.group(3), m.group(4)
    row = f"{kind} b={b}"
    v = float(m.group(5)) if m.group(7) is None else float(m.group(7))
    key = (th, fw, row)
    lower = m.group(7) is None
    if key not in best or (v < best[key] if lower else v > best[key]): best[key] = v
lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
def field(name):
    m = re.search(rf"^{name}:\s*(.+)$", lscpu, re.M); return m.group(1).strip() if m else "?"
peak, peak2 = (re.search(r"core\): ([\d.]+)", a).group(1) for a in sys.argv[2:4])
m512 = re.search(r"core\): ([\d.]+)", sys.argv[4])
peak512 = f"; AVX-512 {m512.group(1)} GFLOP/s" if m512 else ""
commit = sys.argv[5]
def per_core(name):
    # lscpu gives the total and the instance count, e.g. "64 KiB (2 instances)".
    m = re.match(r"([\d.]+) (\w+) \((\d+) instances?\)", field(name))
    return f"{float(m.group(1)) / int(m.group(3)):g} {m.group(2)}" if m else field(name)
cpu = f"(family {field('CPU family')}, model {field('Model')})"
out = [f"## {field('Model name')} {cpu}", "",
       f"Measured at commit {commit} on {datetime.date.today().isoformat()}. L1d {per_core('L1d cache')}, L2 {per_core('L2 cache')} per core; "
       f"one-core AVX2 FMA peak {peak} GFLOP/s before, {peak2} after the run{peak512}.", "",
       "| row | threads | LstmGen | PyTorch 2.6 | TorchSharp | ONNX Runtime | × PyTorch | × ONNX Runtime |",
       "|---|---:|---:|---:|---:|---:|---:|---:|"]
def cell(th, fw, row): v = best.get((th, fw, row)); return "—" if v is None else f"{v:,.1f}" if row == "infer b=1" else f"{v:,.0f}"
for th, row, unit in [("1", "infer b=1", "µs/seq"), ("1", "infer b=32", "seq/s"), ("2", "infer b=32", "seq/s"), ("1", "train b=32", "seq/s"), ("2", "train b=32", "seq/s"),
                      ("1", "train-lazy b=32", "seq/s"), ("2", "train-lazy b=32", "seq/s")]:
    lg = best.get((th, "lstmgen", row))
    def ratio(fw):
        v = best.get((th, fw, row))
        if v is None or lg is None: return "—"
        return f"{(v / lg if row == 'infer b=1' else lg / v):.2f}×"
    out.append(f"| {row} ({unit}) | {th} | {cell(th,'lstmgen',row)} | {cell(th,'pytorch',row)} | {cell(th,'torchsharp',row)} | {cell(th,'onnxruntime',row)} | {ratio('pytorch')} | {ratio('onnxruntime')} |")
lg1, lg2 = best.get(("1", "lstmgen", "infer b=32")), best.get(("2", "lstmgen", "infer b=32"))
if lg1 and lg2: out += ["", f"LstmGen batch-32 inference, 2 threads / 1 thread: {lg2 / lg1:.2f}×."]
t1, t2 = best.get(("1", "lstmgen", "train b=32")), best.get(("2", "lstmgen", "train b=32"))
if t1 and t2: out += [f"LstmGen training step, 2 threads / 1 thread: {t2 / t1:.2f}×."]
if best.get(("1", "lstmgen", "train-lazy b=32")):
    out += ["", "train-lazy: the same step with sparse-row Adam on the embedding, LstmGen's `new Adam(lazy: true)` against "
            "PyTorch's Embedding(sparse=True) with SparseAdam (dense Adam for the rest), benchmarks/torch_sparse.py."]
if epochs:
    out += ["", f"Real text: one training epoch (forward, BPTT, Adam; batch 32) over the UCI sentiment sentences {sentences}, sequence length 60, "
            "the same batches for both; PyTorch as its users write it, padded to 60 steps, and with packed sequences (pack_padded_sequence), "
            "both with dense Adam; the 'lazy Adam' rows are LstmGen with `new Adam(lazy: true)` on the same batches.", "",
            "| row | threads | LstmGen | PyTorch 2.6 padded | PyTorch 2.6 packed | × padded | × packed |", "|---|---:|---:|---:|---:|---:|---:|"]
    for th in ("1", "2"):
        lg = epochs.get((th, "lstmgen"))
        if lg is None: continue
        pad, pack = epochs.get((th, "padded")), epochs.get((th, "packed"))
        f = lambda v: "—" if v is None else f"{v:,.0f}"
        r = lambda v: "—" if v is None else f"{lg / v:.2f}×"
        out.append(f"| epoch UCI T=60 (seq/s) | {th} | {lg:,.0f} | {f(pad)} | {f(pack)} | {r(pad)} | {r(pack)} |")
        if (th, "lstmgen-lazy") in epochs:
            lg = epochs[(th, "lstmgen-lazy")]
            out.append(f"| same, LstmGen with lazy Adam (seq/s) | {th} | {lg:,.0f} | {f(pad)} | {f(pack)} | {r(pad)} | {r(pack)} |")
section = "\n".join(out) + "\n"
print(section)
# PEERS.md: the preamble, then one "## CPU (family F, model M)" section per machine kind, this run's replacing its own.
preamble = ["# LstmGen against its peers, one window per machine", "",
            "Reference workload (vocab 10,000, embedding 128, LSTM 64, sequence 100, dense random tokens); best of the rounds. "
            "Ratios are speed-ups of LstmGen (higher is better for LstmGen). Command: `sudo benchmarks/peers.sh`, which replaces "
            "the section of the CPU it runs on. Figures of different sections come from different machines and commits: compare "
            "ratios within a section, not times across sections.", ""]
old = open("benchmarks/PEERS.md").read() if os.path.exists("benchmarks/PEERS.md") else ""
sections = [s.rstrip("\n") + "\n" for s in re.split(r"(?m)^(?=## )", old) if s.startswith("## ")]
sections = [s for s in sections if cpu not in s.splitlines()[0]] + [section]
open("benchmarks/PEERS.md", "w").write("\n".join(preamble) + "\n" + "\n".join(sections))
PY
rm -f "$out"
