#!/usr/bin/env bash
# hygiene_cli.sh BOUNCED: drives the list-hygiene commands end to end on a real SQLite file:
# signed VERP from the sending side, bounces recorded over several days (hard at once, soft after
# N days over a span, sender-side never, forged signature never), then list/show/export/lift/stats.
set -euo pipefail
B=${1:?usage: hygiene_cli.sh path/to/bounced}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db=$work/bounced.db
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_contains() { grep -qF -- "$2" <<<"$1" || fail "expected '$2' in: $1"; }
expect_not_contains() { ! grep -qF -- "$2" <<<"$1" || fail "did not expect '$2' in: $1"; }

# A Postfix-style DSN. $1 envelope recipient (To:), $2 final recipient, $3 status, $4 diagnostic, $5 id
dsn() {
  cat <<MSG
Return-Path: <>
Date: Thu, 01 Jan 2026 09:00:00 +0000 (UTC)
From: MAILER-DAEMON@mx1.example.net (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: $1
X-Original-To: $1
Delivered-To: bounces@lists.example.net
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B$5"
Message-Id: <$5@mx1.example.net>

--B$5
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx1.example.net.

<$2>: host mx.example.org[192.0.2.25] said: $4

--B$5
Content-Type: message/delivery-status

Reporting-MTA: dns; mx1.example.net

Final-Recipient: rfc822; $2
Action: failed
Status: $3
Remote-MTA: dns; mx.example.org
Diagnostic-Code: smtp; $4

--B$5--
MSG
}

secret=$work/secret
printf 'integration-test-secret-0123456789\n' >"$secret"

# VERP: signed round trip, forged tag rejected.
verp=$("$B" verp encode 'Sub=Scriber@example.org' --host lists.example.net --list news --secret-file "$secret")
[[ $verp == news-bounces+Sub=Scriber=example.org+*@lists.example.net ]] || fail "encode gave $verp"
out=$("$B" verp decode "$verp" --secret-file "$secret")
expect_contains "$out" "subscriber: Sub=Scriber@example.org"
expect_contains "$out" "signature:  valid"
forged=${verp/Sub=Scriber/vip}
if "$B" verp decode "$forged" --secret-file "$secret" >/dev/null; then fail "forged tag accepted"; fi
out=$("$B" verp decode "$forged" --secret-file "$secret" --json || true)
expect_contains "$out" '"signature": "invalid"'

# Hard bounce via a signed VERP address: the DSN names a forward, the subscriber is suppressed.
dsn "$verp" "forward@elsewhere.example" 5.1.1 "550 5.1.1 User unknown" h1 >"$work/h1.eml"
out=$("$B" record --db "$db" --secret-file "$secret" --require-verified --time 2026-01-01 "$work/h1.eml")
expect_contains "$out" "sub=scriber@example.org list news -> suppress hard"
out=$("$B" record --db "$db" --secret-file "$secret" --require-verified "$work/h1.eml")
expect_contains "$out" "already recorded"

# A forged bounce (tag of another address) is recorded but changes nothing.
dsn "$forged" "vip@example.org" 5.1.1 "550 5.1.1 User unknown" f1 >"$work/f1.eml"
out=$("$B" record --db "$db" --secret-file "$secret" --require-verified --time 2026-01-01 "$work/f1.eml")
expect_contains "$out" "vip@example.org list news -> ignored_unverified"

# Soft bounces (mailbox full): counted once a day; suppressed on the 5th day spanning 7 days.
soft=$("$B" verp encode full@example.org --host lists.example.net --list news --secret-file "$secret")
for day in 01 01 03 05 07; do
  dsn "$soft" full@example.org 5.2.2 "552 5.2.2 Mailbox full" "s$day$RANDOM" >"$work/s.eml"
  out=$("$B" record --db "$db" --secret-file "$secret" --time "2026-01-${day}T10:00:00Z" "$work/s.eml")
  expect_not_contains "$out" "suppress"
done
dsn "$soft" full@example.org 5.2.2 "552 5.2.2 Mailbox full" s08 >"$work/s8.eml"
out=$("$B" record --db "$db" --secret-file "$secret" --time 2026-01-08T10:00:00Z "$work/s8.eml")
expect_contains "$out" "full@example.org list news -> suppress soft"

# Sender-side failures never suppress, however many.
for i in 1 2 3 4 5 6 7 8; do
  dsn "bounces+vip2=example.org@lists.example.net" vip2@example.org 5.7.1 \
    "554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using zen.spamhaus.org" "b$i" >"$work/b.eml"
  "$B" record --db "$db" --time "2026-01-0${i}" "$work/b.eml" >/dev/null
done

out=$("$B" suppressions list --db "$db")
expect_contains "$out" "sub=scriber@example.org"
expect_contains "$out" "full@example.org"
expect_not_contains "$out" "vip@example.org"
expect_not_contains "$out" "vip2@example.org"
[[ $(wc -l <<<"$out") -eq 2 ]] || fail "expected 2 suppressions: $out"

out=$("$B" suppressions show full@example.org --db "$db")
expect_contains "$out" "list news: SUPPRESSED"
expect_contains "$out" "soft 6"

out=$("$B" suppressions export --format csv --db "$db")
expect_contains "$out" "address,list,kind,reason,since,active,lifted_at,lifted_by"
expect_contains "$out" "full@example.org,news,soft,mailboxfull,2026-01-08T10:00:00Z,true,,"
out=$("$B" suppressions export --format postfix-access --db "$db")
expect_contains "$out" "sub=scriber@example.org REJECT 5.1.1 "
expect_contains "$out" "full@example.org REJECT 5.2.0 "
out=$("$B" suppressions export --format jsonl --db "$db")
[[ $(grep -c '"active": true' <<<"$out") -eq 2 ]] || fail "jsonl export: $out"

out=$("$B" suppressions lift full@example.org --by carol --db "$db")
expect_contains "$out" "lifted"
if "$B" suppressions lift full@example.org --db "$db" 2>/dev/null; then fail "second lift succeeded"; fi
out=$("$B" suppressions list --db "$db")
expect_not_contains "$out" "full@example.org"
out=$("$B" suppressions list --all --db "$db")
expect_contains "$out" "by carol"

out=$("$B" stats --db "$db" --window 100w --by reason)
expect_contains "$out" "mailboxfull"
# The eight blocklist rejections are sender-side, whichever sender-side reason the rules chose.
sender_side=$(tail -1 <<<"$out" | awk '{print $(NF-1)}')
[[ $sender_side -eq 8 ]] || fail "expected 8 sender-side results: $out"
out=$("$B" stats --db "$db" --window 100w --by domain)
expect_contains "$out" "example.org"

# Usage errors exit 2, a missing store exits 1.
set +e
"$B" stats --window nonsense --db "$db" 2>/dev/null; [[ $? -eq 2 ]] || fail "bad window"
"$B" suppressions export --db "$db" 2>/dev/null; [[ $? -eq 2 ]] || fail "export without format"
"$B" suppressions list --db "$work/missing.db" 2>/dev/null; [[ $? -eq 1 ]] || fail "missing store"
set -e
echo "hygiene_cli: ok"
