#!/usr/bin/env bash
# A/B timing of the generated dense streaming step (DenseStepBenchmarks' four models) in one process, for trying a change
# to the generated kernel before changing the generator: copies the generated DenseH{8,16,32,64}Model code out of the
# benchmarks build, makes a B copy of each, applies TRANSFORM to the B copies (any command; it gets a B file's path as
# its argument and edits it in place), adds BenchKernel (the step kernel alone in a loop) to both, and runs Harness.cs.
# Usage: benchmarks/step-ab/step-ab.sh [TRANSFORM] [ROUNDS]   (no TRANSFORM: an A/A run, which shows the host's noise)
# Needs python3. Exit code 1 when B's output bits differ from A's or from B's own Predict (printed; the timings still run).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
transform="${1:-}"
rounds="${2:-200}"
work="$(mktemp -d)"
dotnet build "$root/benchmarks/LstmGen.Benchmarks" -c Release -v q -nologo > "$work/build.log" || { cat "$work/build.log"; exit 1; }
gen="$root/benchmarks/LstmGen.Benchmarks/obj/Release/net10.0/generated/LstmGen.Generator/LstmGen.Generator.LstmModelGenerator"
for h in 8 16 32 64; do
  cp "$gen/LstmGen.Benchmarks.DenseH${h}Model.g.cs" "$work/H$h.g.cs"
  sed "s/DenseH${h}Model/DenseH${h}ModelB/g" "$work/H$h.g.cs" > "$work/H${h}B.g.cs"
  if [ -n "$transform" ]; then $transform "$work/H${h}B.g.cs"; fi
  for f in "$work/H$h.g.cs" "$work/H${h}B.g.cs"; do
    # BenchKernel: the generated Step kernel on the state's buffers (one layer, as these models), parity alternating as
    # Step's, nothing else.
    python3 - "$f" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
anchor = "        private void EnsurePacked()"
assert text.count(anchor) == 1, "EnsurePacked not found once in " + path
kernel = """        public void BenchKernel(State state, int n)
        {
            EnsurePacked();
            float[] hs = state.H, cs = state.C, x = state.Input;
            for (int i = 0; i < n; i++)
            {
                int current = (i & 1) * HP, next = HP - current;
                Step(ref x[0], ref _whhC[0], ref _whhT[0], ref hs[current], ref hs[next], ref cs[current], ref cs[next], ref state.Gates[0], (i & 1) != 0);
            }
        }

"""
open(path, "w").write(text.replace(anchor, kernel + anchor))
PY
  done
done
cp "$here/Harness.cs" "$work/"
cat > "$work/StepAb.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
    <!-- The generated code's doc comments cite members of the benchmarks project this copy does not have. -->
    <NoWarn>CS1591;CS1573;CS1574;CS1584;CS1580;CS1658;CS0419</NoWarn>
  </PropertyGroup>
  <ItemGroup>
    <ProjectReference Include="$root/runtime/LstmGen.Runtime/LstmGen.Runtime.csproj" />
  </ItemGroup>
</Project>
XML
dotnet build "$work/StepAb.csproj" -c Release -v q -nologo > "$work/build.log" || { grep -E "error" "$work/build.log" | head -20; exit 1; }
echo "$(lscpu | grep -E '^(Model name|CPU family|Model):' | sed 's/  */ /g' | paste -sd ';'); sources in $work"
dotnet "$work/bin/Release/net10.0/StepAb.dll" "$rounds"
