#!/usr/bin/env bash
# corpus_eval.sh BOUNCED SHARED_DIR: runs `bounced parse` over the labelled corpus and checks
# bounce-eval's figures against floors (a little under what the parser reaches, so a regression
# fails the build). Exit 77 (ctest: skipped) when the corpus or the scorer is absent.
set -euo pipefail
B=${1:?usage: corpus_eval.sh path/to/bounced path/to/shared}
S=${2:?usage: corpus_eval.sh path/to/bounced path/to/shared}
corpus=$S/corpus/sisimai
scorer=$S/tools/bounce-eval
if [[ ! -f $corpus/expected.jsonl || ! -x $scorer ]] || ! command -v python3 >/dev/null; then
  echo "SKIP: no corpus at $corpus (or no bounce-eval / python3)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A partial build whose MIME stage is still a placeholder cannot be scored: probe with one DSN.
printf '%s\r\n' "From: MAILER-DAEMON@mx.example.jp" "Subject: Undelivered Mail" "MIME-Version: 1.0" \
  'Content-Type: multipart/report; report-type=delivery-status; boundary="B"' "" "--B" \
  "Content-Type: message/delivery-status" "" "Reporting-MTA: dns; mx.example.jp" "" \
  "Final-Recipient: rfc822; kijitora@example.jp" "Action: failed" "Status: 5.1.1" "" "--B--" >"$work/probe.eml"
if ! "$B" parse "$work/probe.eml" 2>/dev/null | grep -q '"reporting_mta": "mx.example.jp"'; then
  echo "SKIP: this build does not read MIME parts yet"
  exit 77
fi

dirs=()
for d in eml not err; do [[ -d $corpus/$d ]] && dirs+=("$corpus/$d"); done
"$B" parse "${dirs[@]}" >"$work/results.jsonl" 2>"$work/stderr" || true
python3 "$scorer" --corpus "$corpus" --json "$work/results.jsonl" >"$work/score.json"

# Floors in percent (fp is a count). Raise them as the parser improves.
python3 - "$work/score.json" <<'PY'
import json, sys
score = json.load(open(sys.argv[1]))
print(score.get("summary", ""))
# Issue 4's targets, raised to a little under the measured figures where those exceed them
# (measured: detect 100, class 99.8, status 99.7, reason 99.8, hard 100, addr 99.4, count 100,
# reply 99.4, subject 99.8). Subject is read from the per-corpus table; the summary line lacks it.
floors = {"detect": 99.5, "class": 99.5, "status": 99.0, "reason": 99.0, "hard": 99.5, "addr": 99.0,
          "count": 99.5, "reply": 99.0, "subject": 99.0}
summary = score.get("summary", "").split()
figures = {}
for key, value in zip(summary[0::2], summary[1::2]):
    figures[key] = value
subject = score.get("corpora", {}).get("sisimai", {}).get("status_subject", {}).get("rate")
if subject is not None:
    figures["subject"] = f"{subject}%"
failed = []
for key, floor in floors.items():
    raw = figures.get(key, "n/a").rstrip("%")
    try:
        got = float(raw)
    except ValueError:
        failed.append(f"{key}: no figure ({figures.get(key)})")
        continue
    if got < floor:
        failed.append(f"{key} {got}% < floor {floor}%")
fp = figures.get("fp", "n/a")
if fp != "0":
    failed.append(f"fp {fp} (must be 0)")
if failed:
    print("FAIL: " + "; ".join(failed))
    sys.exit(1)
print("corpus floors met")
PY
