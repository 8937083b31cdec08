#!/usr/bin/env bash
# parse_cli.sh BOUNCED FIXTURES: `bounced parse` over a directory tree of generated bounces (plus
# an mbox, a non-bounce, an empty file and a missing path): every --jobs value and every format
# gives byte-identical output, error lines and exit status; records come in sorted file order.
set -euo pipefail
B=${1:?usage: parse_cli.sh path/to/bounced fixtures-dir}
F=${2:?usage: parse_cli.sh path/to/bounced fixtures-dir}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# A Postfix-style DSN for recipient $1 with status $2.
dsn() {
  cat <<MSG
From: MAILER-DAEMON@mx1.example.net (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: bounces@lists.example.net
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx1.example.net.

<$1>: host mx.example.org[192.0.2.7] said: 550 $2 user unknown (in reply to RCPT TO command)

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx1.example.net

Final-Recipient: rfc822; $1
Action: failed
Status: $2
Diagnostic-Code: smtp; 550 $2 user unknown

--B--
MSG
}

mkdir -p "$work/in/a" "$work/in/b/c"
for i in $(seq 1 40); do
  dir=$work/in/a
  ((i % 3 == 0)) && dir=$work/in/b
  ((i % 7 == 0)) && dir=$work/in/b/c
  dsn "user$i@example.org" "5.1.$((i % 8))" >"$dir/msg-$(printf %03d $((100 - i))).eml"
done
cp "$F"/lmtp/*.eml "$work/in/a/"
printf 'From: a@example.org\nSubject: hello\n\nJust a note.\n' >"$work/in/b/not-a-bounce.eml"
: >"$work/in/b/empty.eml"
{
  echo "From MAILER-DAEMON Thu Jan  1 09:00:00 2026"
  dsn mbox1@example.org 5.1.1
  echo
  echo "From MAILER-DAEMON Thu Jan  1 09:00:01 2026"
  dsn mbox2@example.org 5.2.2
} >"$work/in/mail.mbox"

run() {  # run NAME ARGS...: stdout, stderr and status of one parse
  local name=$1
  shift
  local rc=0
  "$B" parse "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
  echo "$rc" >"$work/$name.rc"
}

for format in jsonl json text; do
  run "$format-1" --format "$format" --verbose --jobs 1 "$work/in" "$work/missing.eml" "$work/in/a/msg-099.eml"
  for jobs in 2 3 8; do
    run "$format-$jobs" --format "$format" --verbose --jobs "$jobs" "$work/in" "$work/missing.eml" "$work/in/a/msg-099.eml"
    for part in out err rc; do
      cmp -s "$work/$format-1.$part" "$work/$format-$jobs.$part" || fail "--jobs $jobs --format $format: $part differs"
    done
  done
  run "$format-default" --format "$format" --verbose "$work/in" "$work/missing.eml" "$work/in/a/msg-099.eml"
  cmp -s "$work/$format-1.out" "$work/$format-default.out" || fail "default --jobs --format $format differs"
done

# Content: 40 generated + 2 mbox + the fixtures' recipients + the file named twice; exit 1 (missing, empty).
[[ $(cat "$work/jsonl-1.rc") == 1 ]] || fail "exit status $(cat "$work/jsonl-1.rc"), expected 1"
grep -q 'missing.eml' "$work/jsonl-1.err" || fail "no error line for the missing file"
grep -q 'empty.eml: empty input' "$work/jsonl-1.err" || fail "no error line for the empty file"
grep -q 'not-a-bounce.eml: not a bounce' "$work/jsonl-1.err" || fail "--verbose did not name the non-bounce"
for i in 1 20 40; do grep -q "\"recipient\": \"user$i@example.org\"" "$work/jsonl-1.out" || fail "user$i missing"; done
grep -q '"recipient": "mbox2@example.org"' "$work/jsonl-1.out" || fail "second mbox message missing"
# Sorted walk: a/ before b/ before b/c/ before mail.mbox, names in byte order within each.
files=$(grep -o '"file": "[^"]*"' "$work/jsonl-1.out" | sed 's/"file": "//; s/"$//' | sed "s|^$work/in/||")
expected=$(printf '%s\n' "$files" | head -n -1 | LC_ALL=C sort -s)
[[ "$(printf '%s\n' "$files" | head -n -1)" == "$expected" ]] || fail "records not in sorted file order"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); assert len(a) > 40, len(a)' "$work/json-1.out" ||
  fail "--format json is not one JSON array of all records"

# Standard input, and option errors.
"$B" parse --jobs 4 <"$work/in/a/msg-099.eml" | grep -q '"file": "<stdin>"' || fail "stdin not read"
for bad in 0 65 x ""; do
  if "$B" parse --jobs "$bad" "$work/in" >/dev/null 2>&1; then fail "--jobs '$bad' accepted"; fi
done
echo "parse_cli: ok"
