#!/usr/bin/env bash
# parse-bench.sh: parse throughput and memory of `bounced parse` against Sisimai 4.25 over the same
# files, in one sitting. Uses hyperfine (Debian package) for wall time and /usr/bin/time -v for peak RSS.
#   bench/parse-bench.sh [CORPUS_DIR]     (default ../shared/corpus/sisimai)
# Needs: a built ./build/bounced, hyperfine, libsisimai-perl (for the reference adapter).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
corpus=${1:-../shared/corpus/sisimai}
anchors=$(dirname "$corpus")/../tools/anchors
[[ -x $anchors/sisimai4-jsonl ]] || anchors=../shared/tools/anchors
bin=./build/bounced
n=$(find "$corpus/eml" -type f | wc -l)
echo "messages in $corpus/eml: $n"

echo "== wall time, whole process (hyperfine)"
hyperfine --warmup 2 --runs 10 --export-json /tmp/bounced-parse-bench.json \
  -n bounced "$bin parse $corpus/eml" \
  -n sisimai4 "$anchors/sisimai4-jsonl $corpus/eml" >/dev/null
python3 - "$n" <<'PY'
import json, sys
n = int(sys.argv[1])
res = {r["command"]: r for r in json.load(open("/tmp/bounced-parse-bench.json"))["results"]}
b, s = res["bounced"]["median"], res["sisimai4"]["median"]
print(f"bounced  median {b*1000:8.1f} ms  {n/b:10.0f} msgs/s")
print(f"sisimai4 median {s*1000:8.1f} ms  {n/s:10.0f} msgs/s")
print(f"speed-up (whole process, median): {s/b:.1f}x")
PY

echo "== parse loop only: Sisimai's own figure (interpreter start-up excluded)"
"$anchors/sisimai4-jsonl" --repeat 5 --no-output "$corpus/eml" 2>&1 >/dev/null | tail -1
echo "== bounced, 20 passes in one process"
start=$(date +%s.%N)
args=(); for _ in $(seq 20); do args+=("$corpus/eml"); done
"$bin" parse "${args[@]}" >/dev/null
end=$(date +%s.%N)
python3 -c "print(f'bounced: {20*$n/($end-$start):.0f} msgs/s over 20 passes')"

echo "== peak RSS over the whole corpus (/usr/bin/time -v)"
/usr/bin/time -v "$bin" parse "$corpus/eml" "$corpus/err" "$corpus/not" 2>&1 >/dev/null |
  awk -F: '/Maximum resident set size/ {printf "bounced parse peak RSS: %.1f MiB\n", $2/1024}'
