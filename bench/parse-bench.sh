#!/usr/bin/env bash
# parse-bench.sh: parse throughput and memory of `bounced parse` against Sisimai 4.25 over the same
# files, in one sitting. Uses hyperfine (Debian package) for wall time and CPU time (user + sys) of
# whole processes, and /usr/bin/time -v for peak RSS. bounced runs twice: with its default --jobs
# (one per core) and with --jobs 1 (one core), so both figures can be reported. Then alternating
# rounds (Sisimai once, bounced five times, repeated) give a speed-up per round that holds when
# the machine's speed drifts.
#   bench/parse-bench.sh [CORPUS_DIR]     (default ../shared/corpus/sisimai)
# Needs: a built ./build/bounced, hyperfine, libsisimai-perl (for the reference adapter).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
corpus=${1:-../shared/corpus/sisimai}
anchors=$(dirname "$corpus")/../tools/anchors
[[ -x $anchors/sisimai4-jsonl ]] || anchors=../shared/tools/anchors
bin=./build/bounced
n=$(find "$corpus/eml" -type f | wc -l)
cores=$(nproc)
echo "messages in $corpus/eml: $n; cores: $cores; load now: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== whole process, wall time median and CPU time (hyperfine)"
hyperfine -N --warmup 3 --runs 20 --export-json /tmp/bounced-parse-bench.json \
  -n bounced "$bin parse $corpus/eml" \
  -n bounced-j1 "$bin parse --jobs 1 $corpus/eml" >/dev/null
hyperfine -N --warmup 1 --runs 5 --export-json /tmp/bounced-parse-bench-sisimai.json \
  -n sisimai4 "$anchors/sisimai4-jsonl $corpus/eml" >/dev/null
python3 - "$n" <<'PY'
import json, sys
n = int(sys.argv[1])
res = {}
for f in ("/tmp/bounced-parse-bench.json", "/tmp/bounced-parse-bench-sisimai.json"):
    res.update({r["command"]: r for r in json.load(open(f))["results"]})
s = res["sisimai4"]
s_cpu = s["user"] + s["system"]
for name, label in (("bounced", "bounced (default --jobs)"), ("bounced-j1", "bounced --jobs 1")):
    b = res[name]
    cpu = b["user"] + b["system"]
    print(f"{label:26s} median {b['median']*1000:7.1f} ms  {n/b['median']:8.0f} msgs/s  "
          f"cpu {cpu*1000:6.1f} ms (user {b['user']*1000:.1f} + sys {b['system']*1000:.1f})  "
          f"speed-up {s['median']/b['median']:5.1f}x wall, {s_cpu/cpu:5.1f}x cpu")
print(f"{'sisimai4':26s} median {s['median']*1000:7.1f} ms  {n/s['median']:8.0f} msgs/s  "
      f"cpu {s_cpu*1000:6.1f} ms")
PY

echo "== alternating: each round runs Sisimai once and bounced 5 times right after, so both see the"
echo "   same machine (this shared machine's speed drifts between minutes); speed-up per round"
python3 - "$bin" "$anchors/sisimai4-jsonl" "$corpus/eml" <<'PY'
import statistics, subprocess, sys, time
bounced, sisimai, eml = sys.argv[1:4]
def wall(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t
wall([bounced, "parse", eml]); wall([sisimai, eml])  # warm-up
ratios, b_all, s_all = [], [], []
for _ in range(11):
    s = wall([sisimai, eml])
    b = statistics.median(wall([bounced, "parse", eml]) for _ in range(5))
    ratios.append(s / b); b_all.append(b); s_all.append(s)
print(f"rounds 11: bounced median {statistics.median(b_all)*1000:.1f} ms, sisimai median "
      f"{statistics.median(s_all)*1000:.1f} ms; speed-up per round min {min(ratios):.1f}x "
      f"median {statistics.median(ratios):.1f}x max {max(ratios):.1f}x")
PY

echo "== parse loop only: Sisimai's own figure (interpreter start-up excluded)"
"$anchors/sisimai4-jsonl" --repeat 5 --no-output "$corpus/eml" 2>&1 >/dev/null | tail -1
echo "== bounced, 20 passes in one process (start-up excluded)"
args=(); for _ in $(seq 20); do args+=("$corpus/eml"); done
for jobs in default 1; do
  opt=(); [[ $jobs == default ]] || opt=(--jobs "$jobs")
  start=$(date +%s.%N)
  "$bin" parse "${opt[@]}" "${args[@]}" >/dev/null
  end=$(date +%s.%N)
  python3 -c "print(f'bounced --jobs $jobs: {20*$n/($end-$start):.0f} msgs/s over 20 passes')"
done

echo "== peak RSS over the whole corpus (/usr/bin/time -v)"
for jobs in default 1; do
  opt=(); [[ $jobs == default ]] || opt=(--jobs "$jobs")
  /usr/bin/time -v "$bin" parse "${opt[@]}" "$corpus/eml" "$corpus/err" "$corpus/not" 2>&1 >/dev/null |
    awk -F: -v j="$jobs" '/Maximum resident set size/ {printf "bounced parse --jobs %s peak RSS: %.1f MiB\n", j, $2/1024}'
done
