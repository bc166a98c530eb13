#!/usr/bin/env bash
# Coverage-guided fuzzing of one target with AFL++ and SharpFuzz, for a bounded time:
#   tests/LstmGen.Fuzz/run-fuzz.sh TARGET SECONDS        TARGET: modelfile | vocabulary | labelled-data | safetensors
# Builds the fuzz program (Release), instruments a copy of LstmGen.Runtime.dll (and, in LstmGen.Fuzz.dll, only the
# sample's data reader) with SharpFuzz, runs afl-fuzz on the committed seeds (corpus/TARGET and regressions/TARGET), and prints AFL's
# figures. Exits 1 if AFL saved a crash (the crashing inputs are kept and their folder is printed), 2 on a setup error.
# Installs nothing: it needs afl-fuzz (Debian: apt-get install afl++) and the sharpfuzz tool (`dotnet tool restore` in
# this folder). Environment: FUZZ_OUT=DIR keeps AFL's output folder there (default: a temporary folder, removed
# unless a crash was saved); FUZZ_TIMEOUT_MS (default 3000) is AFL's per-input time limit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

target="${1:-}"
seconds="${2:-}"
case "$target" in
  modelfile | vocabulary | labelled-data | safetensors) ;;
  *) echo "usage: $0 {modelfile|vocabulary|labelled-data|safetensors} SECONDS" >&2; exit 2 ;;
esac
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "run-fuzz.sh: SECONDS must be a positive whole number, not '$seconds'." >&2
  exit 2
fi
if ! command -v afl-fuzz > /dev/null; then
  echo "run-fuzz.sh: afl-fuzz is not installed (Debian: apt-get install afl++)." >&2
  exit 2
fi
cd "$here"
if ! dotnet tool run sharpfuzz > /dev/null 2>&1; then
  echo "run-fuzz.sh: the sharpfuzz tool is not restored; run 'dotnet tool restore' in $here." >&2
  exit 2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/lstmgen-fuzz-build.XXXXXX")"
# The targets that read a path rewrite one file per input: on tmpfs, as ext4 flushes a truncated file on close (~3 ms).
if [ -d /dev/shm ] && [ -w /dev/shm ]; then scratch="$(mktemp -d /dev/shm/lstmgen-fuzz.XXXXXX)"; else scratch="$work"; fi
out="${FUZZ_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/lstmgen-fuzz-$target.XXXXXX")}"
keep_out=${FUZZ_OUT:+1}
cleanup() {
  rm -rf "$work" "$scratch"
  [ -n "$keep_out" ] || rm -rf "$out"
}
trap cleanup EXIT

# Build, then instrument a copy: bin/ stays uninstrumented for the reproduce mode.
dotnet build "$here/LstmGen.Fuzz.csproj" -c Release -nologo -v quiet > "$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 2; }
cp -r "$here/bin/Release/net10.0" "$work/bin"
dotnet tool run sharpfuzz "$work/bin/LstmGen.Runtime.dll" > /dev/null
dotnet tool run sharpfuzz "$work/bin/LstmGen.Fuzz.dll" LstmGen.Samples.Sentiment > /dev/null

# The harness is .NET, not an AFL-compiled binary (SKIP_BIN_CHECK); the machine is shared (NO_AFFINITY: no core of its own).
export AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
export LSTMGEN_FUZZ_SCRATCH="$scratch"
# Seeds: the committed corpus, plus the inputs that once crashed a target and are fixed (regressions/TARGET).
mkdir "$work/seeds"
cp "$here/corpus/$target"/* "$work/seeds/"
if [ -d "$here/regressions/$target" ]; then cp "$here/regressions/$target"/* "$work/seeds/"; fi
dictionary=()
[ -f "$here/dictionaries/$target.dict" ] && dictionary=(-x "$here/dictionaries/$target.dict")
echo "Fuzzing $target for $seconds s ($(ls "$work/seeds" | wc -l) seeds, AFL output: $out)."
rc=0
afl-fuzz -i "$work/seeds" -o "$out" -V "$seconds" -t "${FUZZ_TIMEOUT_MS:-3000}" -m none "${dictionary[@]}" \
  -- dotnet "$work/bin/LstmGen.Fuzz.dll" "$target" > "$work/afl.log" 2>&1 || rc=$?
stats="$out/default/fuzzer_stats"
if [ ! -f "$stats" ]; then
  echo "run-fuzz.sh: afl-fuzz exited with code $rc before writing its statistics:" >&2
  tail -n 40 "$work/afl.log" >&2
  exit 2
fi
stat() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
crashes="$(stat saved_crashes)"
hangs="$(stat saved_hangs)"
echo "$target: run_time $(stat run_time) s, execs_done $(stat execs_done) ($(stat execs_per_sec)/s), bitmap_cvg $(stat bitmap_cvg), edges_found $(stat edges_found), corpus_count $(stat corpus_count), saved_crashes $crashes, saved_hangs $hangs"
if [ "$hangs" != "0" ]; then
  echo "run-fuzz.sh: $hangs input(s) exceeded ${FUZZ_TIMEOUT_MS:-3000} ms (a loaded machine can cause this); see $out/default/hangs."
  keep_out=1
fi
if [ "$crashes" != "0" ]; then
  keep_out=1
  echo "run-fuzz.sh: AFL saved $crashes crashing input(s) in $out/default/crashes; reproduce with" >&2
  echo "  dotnet $here/bin/Release/net10.0/LstmGen.Fuzz.dll $target $out/default/crashes" >&2
  dotnet "$here/bin/Release/net10.0/LstmGen.Fuzz.dll" "$target" "$out/default/crashes" >&2 || :
  exit 1
fi
