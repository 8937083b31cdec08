#!/usr/bin/env bash
# run-lmtp.sh: the LMTP benchmark. Starts `bounced serve` on a temporary state directory in null
# mode (the ceiling: 250 without parsing or writing), with the JSONL sink + fsync, and with the
# JSONL sink + the SQLite list-hygiene store (both synchronous, the embedded default), and with
# the JSONL sink without fsync (the ceiling without the disk), replays real bounces with
# bench/lmtp_load over 16 and 256 connections, and reports peak RSS with 256 connections.
#   bench/run-lmtp.sh [MESSAGES]      (env: BUILD=build CORPUS=../shared/corpus/sisimai/eml
#                                     POSTFIX_COMPARE=1 SOURCE_MESSAGES=MESSAGES)
# With POSTFIX_COMPARE=1 (default when Postfix's smtp-source and smtp-sink are installed) it also
# times `smtp-source -L -d -s 16 -m N` (Postfix's load generator: its own small generated messages,
# no bounces, so bounced records nothing for them: with a JSONL sink only there is then nothing to
# fsync per batch, the dedup log's lines are written and fsync'd now and then) against
# Postfix's null LMTP server `smtp-sink -L`, bounced null and bounced JSONL+fsync.
# With DOVECOT_COMPARE=1 (default when run as root and Dovecot's LMTP server is installed: Debian
# package dovecot-lmtpd) it also replays the same bounces, 16 connections, into a private Dovecot
# instance that stores each message in a Maildir (Dovecot's default fsync policy): a real LMTP
# delivery agent writing durably, for scale.
# Targets (2 cores): JSONL >= 40% of null and >= 5,000 msgs/s at 16 connections, p99 < 50 ms,
# peak RSS < 64 MiB with 256 connections; JSONL + SQLite >= 50% of JSONL alone.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD=${BUILD:-build}
CORPUS=${CORPUS:-../shared/corpus/sisimai/eml}
MESSAGES=${1:-20000}
[[ -d $CORPUS ]] || { echo "run-lmtp.sh: no corpus at $CORPUS (set CORPUS=DIR of .eml files)" >&2; exit 2; }
cmake --build "$BUILD" --target bounced lmtp_load -j2 >/dev/null

work=$(mktemp -d /tmp/bounced-bench-XXXXXX)
server_pid=
cleanup() { [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_server() {  # start_server MODE(null|jsonl|nosync|sqlite) -> sets server_pid, port
  local mode=$1 dir=$work/$1-$RANDOM
  mkdir -p "$dir"
  port=$(free_port)
  cat >"$dir/bounced.yaml" <<YAML
state_dir: $dir
log_level: warn
null_mode: $([[ $mode == null ]] && echo true || echo false)
lmtp:
  listen: ["127.0.0.1:$port"]
  max_connections: 1024
maildirs: []
sinks:
  - type: jsonl
    path: bounces.jsonl
    fsync: $([[ $mode == nosync ]] && echo false || echo true)
$([[ $mode == sqlite ]] && printf '  - type: sqlite\n    path: bounced.db\n    fsync: true\n')
YAML
  "$BUILD/bounced" serve --config "$dir/bounced.yaml" 2>"$dir/server.log" &
  server_pid=$!
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "server did not start:" >&2; cat "$dir/server.log" >&2; exit 1
}

stop_server() { kill "$server_pid"; wait "$server_pid" || true; server_pid=; }

run() {  # run MODE CONNECTIONS MESSAGES
  start_server "$1"
  local out
  out=$("$BUILD/bench/lmtp_load" --tcp "127.0.0.1:$port" --dir "$CORPUS" --connections "$2" --messages "$3" \
        --pid "$server_pid") || { echo "lmtp_load failed: $out" >&2; }
  stop_server
  echo "$out"
}

extract() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d[sys.argv[2]])' "$1" "$2"; }

echo "corpus: $CORPUS ($(find "$CORPUS" -type f | wc -l) files), $MESSAGES messages per run, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# The disk's own floor: one 2 KB append + fdatasync in the state directory's file system, one
# writer (what one commit batch costs at least), then four at once. With 16 connections and one
# message in flight each, msgs/s cannot exceed 16 / (this latency + parse + round trip).
python3 - "$work" <<'PY'
import os, sys, threading, time
path = os.path.join(sys.argv[1], "fsync-probe")
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
data = b"x" * 2000
def probe(threads, n=400):
    lat = []
    def one():
        for _ in range(n):
            t = time.perf_counter(); os.write(fd, data); os.fdatasync(fd); lat.append(time.perf_counter() - t)
    ts = [threading.Thread(target=one) for _ in range(threads)]
    t0 = time.perf_counter(); [t.start() for t in ts]; [t.join() for t in ts]
    el = time.perf_counter() - t0
    lat.sort()
    return lat[len(lat) // 2] * 1e6, lat[int(len(lat) * 0.99)] * 1e6, threads * n / el
for k in (1, 4):
    p50, p99, rate = probe(k)
    print(f"disk: append 2 KB + fdatasync, {k} writer(s): p50 {p50:.0f} us, p99 {p99:.0f} us, {rate:.0f}/s")
os.close(fd); os.unlink(path)
PY
null16=$(run null 16 "$MESSAGES");   echo "null  16 conns: $null16"
jsonl16=$(run jsonl 16 "$MESSAGES"); echo "jsonl 16 conns: $jsonl16"
null256=$(run null 256 "$MESSAGES");   echo "null  256 conns: $null256"
jsonl256=$(run jsonl 256 "$MESSAGES"); echo "jsonl 256 conns: $jsonl256"
# JSONL without fsync: parsing and writing without waiting for the disk, the ceiling any commit
# scheme could reach on this machine.
nosync16=$(run nosync 16 "$MESSAGES");   echo "jsonl, no fsync, 16 conns: $nosync16"
nosync256=$(run nosync 256 "$MESSAGES"); echo "jsonl, no fsync, 256 conns: $nosync256"
sqlite16=$(run sqlite 16 "$MESSAGES");   echo "jsonl+sqlite 16 conns: $sqlite16"
sqlite256=$(run sqlite 256 "$MESSAGES"); echo "jsonl+sqlite 256 conns: $sqlite256"

n=$(extract "$null16" msgs_per_s); j=$(extract "$jsonl16" msgs_per_s); q=$(extract "$sqlite16" msgs_per_s)
printf '\n%-34s %10s %10s\n' "" "null" "jsonl+fsync"
printf '%-34s %10s %10s\n' "msgs/s, 16 connections" "$n" "$j"
printf '%-34s %10s %10s\n' "p50 ms, 16 connections" "$(extract "$null16" p50_ms)" "$(extract "$jsonl16" p50_ms)"
printf '%-34s %10s %10s\n' "p99 ms, 16 connections" "$(extract "$null16" p99_ms)" "$(extract "$jsonl16" p99_ms)"
printf '%-34s %10s %10s\n' "server CPU us/msg, 16 connections" "$(extract "$null16" server_cpu_us_per_msg)" \
  "$(extract "$jsonl16" server_cpu_us_per_msg)"
printf '%-34s %10s %10s\n' "lmtp_load CPU us/msg, 16 conns" "$(extract "$null16" load_cpu_us_per_msg)" \
  "$(extract "$jsonl16" load_cpu_us_per_msg)"
printf '%-34s %10s %10s\n' "msgs/s, 256 connections" "$(extract "$null256" msgs_per_s)" "$(extract "$jsonl256" msgs_per_s)"
printf '%-34s %10s %10s\n' "p99 ms, 256 connections" "$(extract "$null256" p99_ms)" "$(extract "$jsonl256" p99_ms)"
printf '%-34s %10s %10s\n' "peak RSS MiB, 256 connections" \
  "$(( $(extract "$null256" server_vmhwm_kib) / 1024 ))" "$(( $(extract "$jsonl256" server_vmhwm_kib) / 1024 ))"
printf '%-34s %10s %10s\n' "jsonl, no fsync: msgs/s 16 / 256" "$(extract "$nosync16" msgs_per_s)" \
  "$(extract "$nosync256" msgs_per_s)"
printf '%-34s %10s %10s\n' "jsonl, no fsync: server us/msg" "$(extract "$nosync16" server_cpu_us_per_msg)" \
  "$(extract "$nosync256" server_cpu_us_per_msg)"
printf '%-34s %10s %10s\n' "jsonl+sqlite: msgs/s 16 / 256 conns" "$q" "$(extract "$sqlite256" msgs_per_s)"
printf '%-34s %10s %10s\n' "jsonl+sqlite: p99 ms 16 / 256 conns" "$(extract "$sqlite16" p99_ms)" "$(extract "$sqlite256" p99_ms)"
printf '%-34s %10s\n' "jsonl+sqlite: peak RSS MiB, 256" "$(( $(extract "$sqlite256" server_vmhwm_kib) / 1024 ))"
python3 - "$n" "$j" "$q" "$(extract "$jsonl256" msgs_per_s)" "$(extract "$sqlite256" msgs_per_s)" \
  "$(extract "$null256" msgs_per_s)" "$(extract "$nosync16" msgs_per_s)" "$(extract "$nosync256" msgs_per_s)" <<'PY'
import sys
n, j, q, j256, q256, n256, ns16, ns256 = map(float, sys.argv[1:9])
print(f"jsonl+fsync / null at 16 connections: {100 * j / n:.0f}% (target >= 40%, and >= 5000 msgs/s)")
print(f"jsonl+fsync / null at 256 connections: {100 * j256 / n256:.0f}%")
print(f"jsonl without fsync / null: {100 * ns16 / n:.0f}% at 16 connections, {100 * ns256 / n256:.0f}% at 256")
print(f"jsonl+sqlite / jsonl: {100 * q / j:.0f}% at 16 connections, {100 * q256 / j256:.0f}% at 256 (target >= 50%)")
PY

# Postfix's own tools, for scale: smtp-sink -L is a null LMTP server written in C.
compare=${POSTFIX_COMPARE:-1}
if [[ $compare == 1 ]] && command -v smtp-source >/dev/null && command -v smtp-sink >/dev/null; then
  SOURCE_MESSAGES=${SOURCE_MESSAGES:-$MESSAGES}
  time_source() {  # time_source PORT -> seconds for smtp-source -L -d -s 16 -m SOURCE_MESSAGES
    local t0 t1
    t0=$(date +%s.%N)
    smtp-source -L -d -s 16 -m "$SOURCE_MESSAGES" -l 2000 -f bench@bench.invalid -t rcpt@bench.invalid \
      "127.0.0.1:$1" >/dev/null 2>"$work/source.err" || { echo "smtp-source failed: $(cat "$work/source.err")" >&2; }
    t1=$(date +%s.%N)
    python3 -c "print(f'{$t1 - $t0:.3f}')"
  }
  rate() { python3 -c "print(f'{$SOURCE_MESSAGES / $1:.0f}')"; }
  port=$(free_port)
  sink_user=nobody; id -u postfix >/dev/null 2>&1 && sink_user=postfix
  smtp-sink -L -u "$sink_user" "127.0.0.1:$port" 256 &
  server_pid=$!
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
  sink_s=$(time_source "$port")
  stop_server
  start_server null;  null_s=$(time_source "$port");  stop_server
  start_server jsonl; jsonl_s=$(time_source "$port"); stop_server
  printf '\nsmtp-source -L -d -s 16 -m %s -l 2000 (Postfix load generator, generated messages):\n' "$SOURCE_MESSAGES"
  printf '%-34s %8s s %8s msgs/s\n' "smtp-sink -L (Postfix null LMTP)" "$sink_s" "$(rate "$sink_s")"
  printf '%-34s %8s s %8s msgs/s\n' "bounced null mode" "$null_s" "$(rate "$null_s")"
  printf '%-34s %8s s %8s msgs/s\n' "bounced JSONL+fsync" "$jsonl_s" "$(rate "$jsonl_s")"
fi

# Dovecot's LMTP server (a real delivery agent: every message stored in a Maildir and fsync'd).
dovecot_compare=${DOVECOT_COMPARE:-1}
if [[ $dovecot_compare == 1 && $(id -u) == 0 && -x /usr/sbin/dovecot && -x /usr/lib/dovecot/lmtp ]]; then
  dv=$work/dovecot
  mkdir -p "$dv/run" "$dv/state" "$dv/mail" "$dv/home"
  chown nobody:nogroup "$dv/mail" "$dv/home"
  chmod 755 "$work"
  port=$(free_port)
  cat >"$dv/dovecot.conf" <<CONF
base_dir = $dv/run
state_dir = $dv/state
log_path = $dv/dovecot.log
protocols = lmtp
ssl = no
listen = 127.0.0.1
default_internal_user = nobody
default_login_user = nobody
default_internal_group = nogroup
mail_location = maildir:$dv/mail/%n
first_valid_uid = 0
passdb {
  driver = static
  args = nopassword=y
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$dv/home/%n
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $port
  }
  process_min_avail = 2
}
CONF
  if /usr/sbin/dovecot -c "$dv/dovecot.conf"; then
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
    DOVECOT_MESSAGES=${DOVECOT_MESSAGES:-$(( MESSAGES < 5000 ? MESSAGES : 5000 ))}
    dovecot_out=$("$BUILD/bench/lmtp_load" --tcp "127.0.0.1:$port" --dir "$CORPUS" --connections 16 \
                  --messages "$DOVECOT_MESSAGES") || echo "lmtp_load against Dovecot failed" >&2
    /usr/sbin/dovecot -c "$dv/dovecot.conf" stop 2>/dev/null || true
    printf '\nDovecot LMTP (Maildir, its own fsync), the same bounces, 16 connections, %s messages:\n%s\n' \
      "$DOVECOT_MESSAGES" "$dovecot_out"
    printf '%-34s %10s msgs/s, p99 %s ms\n' "Dovecot LMTP" "$(extract "$dovecot_out" msgs_per_s)" \
      "$(extract "$dovecot_out" p99_ms)"
    printf '%-34s %10s msgs/s, p99 %s ms\n' "bounced JSONL+fsync" "$j" "$(extract "$jsonl16" p99_ms)"
  else
    echo "Dovecot did not start (see $dv/dovecot.log)" >&2
  fi
fi
