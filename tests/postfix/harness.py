#!/usr/bin/env python3
"""harness.py BOUNCED: bounced behind a real Postfix, end to end, on loopback only.

Runs a private Postfix instance (its own config_directory, queue_directory, data_directory and
maillog_file under one temporary directory; smtpd on a free loopback port) whose bounce domain is
routed to a real `bounced serve` over LMTP, with the configuration blocks of docs/postfix.md (read
from the document itself, so the documentation cannot drift from what is tested). A stand-in
remote MX on loopback refuses recipients the way real servers do, so Postfix itself generates the
bounces; third-party bounces (tests/postfix/fixtures) arrive over SMTP; a Maildir bounce mailbox is
delivered by Postfix's virtual(8) and watched by bounced.

Exit 0 = all passed, 1 = a check failed, 77 = skipped (not root / no Postfix). The Postfix
instance, bounced and the stand-in MX are stopped on every exit path (also SIGTERM/SIGINT and an
internal deadline below ctest's timeout); stale instances of earlier killed runs are stopped first.
"""
import glob
import grp
import json
import os
import pwd
import re
import shutil
import signal
import smtplib
import socket
import sqlite3
import socketserver
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DOC = os.path.join(ROOT, "docs", "postfix.md")
FIXTURES = os.path.join(HERE, "fixtures")
SKIP = 77
DEADLINE_SECONDS = 240        # ctest TIMEOUT is 300: leave time to clean up
TMP_PREFIX = "bounced-postfix-"
BOUNCE_DOMAIN = "bounces.example.net"
MAILBOX_DOMAIN = "mailbox.example.net"
SENDER = "bounces@" + BOUNCE_DOMAIN
T0 = time.monotonic()


class Failure(Exception):
    pass


class Deadline(Exception):
    pass


def log(msg):
    print(f"[{time.monotonic() - T0:6.1f}s] {msg}", flush=True)


def check(cond, what):
    if not cond:
        raise Failure(what)
    log(f"ok: {what}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, timeout, what, interval=0.2):
    end = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > end:
            raise Failure(f"timed out after {timeout}s waiting for {what}")
        if time.monotonic() - T0 > DEADLINE_SECONDS:
            raise Deadline(f"internal deadline ({DEADLINE_SECONDS}s) passed waiting for {what}")
        time.sleep(interval)


# --- the snippets of docs/postfix.md -------------------------------------------------------------

def doc_snippets():
    """{name: text} of every fenced block preceded by `<!-- snippet: NAME -->` in docs/postfix.md."""
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    snippets = {}
    for m in re.finditer(r"<!-- snippet: ([\w.\-]+) -->\n```[^\n]*\n(.*?)\n```", text, re.S):
        snippets[m.group(1)] = m.group(2) + "\n"
    for name in ("master.cf", "main.cf", "transport-unix", "transport-tcp", "sendmail-verp",
                 "main.cf-verp", "add-xverp.regexp", "main.cf-maildir"):
        if name not in snippets:
            raise Failure(f"docs/postfix.md has no snippet '{name}'")
    return snippets


# --- the stand-in remote MX ------------------------------------------------------------------------

class RemoteMX(socketserver.ThreadingTCPServer):
    """An SMTP server that answers recipients by local part, in real servers' wording:
    unknown* 550 5.1.1, full* 452 4.2.2, slow* 421 (until `slow_accepts` is set), else 250."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port):
        self.slow_accepts = False
        self.accepted = []
        super().__init__(("127.0.0.1", port), RemoteMXHandler)


class RemoteMXHandler(socketserver.StreamRequestHandler):
    timeout = 30

    def reply(self, text):
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        mx = self.server
        self.reply("220 mx.remote.test ESMTP stand-in")
        rcpts = []
        while True:
            line = self.rfile.readline(4096)
            if not line:
                return
            cmd = line.decode("ascii", "replace").strip()
            verb = cmd[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250-mx.remote.test\r\n250-SIZE 10240000\r\n250 8BITMIME")
            elif verb == "MAIL":
                rcpts = []
                self.reply("250 2.1.0 Ok")
            elif verb == "RCPT":
                m = re.search(r"<([^>]*)>", cmd)
                addr = m.group(1) if m else ""
                local = addr.split("@")[0].lower()
                if local.startswith("unknown"):
                    self.reply(f"550 5.1.1 <{addr}>: Recipient address rejected: User unknown in virtual mailbox table")
                elif local.startswith("full"):
                    self.reply(f"452 4.2.2 <{addr}>: Recipient address rejected: Mailbox full")
                elif local.startswith("slow") and not mx.slow_accepts:
                    self.reply("421 4.7.0 mx.remote.test Service temporarily unavailable, try again later")
                    return
                else:
                    rcpts.append(addr)
                    self.reply("250 2.1.5 Ok")
            elif verb == "DATA":
                if not rcpts:
                    self.reply("554 5.5.1 Error: no valid recipients")
                    continue
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                while True:
                    data = self.rfile.readline(1 << 20)
                    if not data or data in (b".\r\n", b".\n"):
                        break
                mx.accepted.extend(rcpts)
                self.reply("250 2.0.0 Ok: queued as STANDIN")
            elif verb == "RSET":
                rcpts = []
                self.reply("250 2.0.0 Ok")
            elif verb == "NOOP":
                self.reply("250 2.0.0 Ok")
            elif verb == "QUIT":
                self.reply("221 2.0.0 Bye")
                return
            else:
                self.reply("502 5.5.2 Error: command not recognized")


# --- the test bed ----------------------------------------------------------------------------------

class Bed:
    def __init__(self, bounced_bin):
        self.bin = bounced_bin
        self.dir = tempfile.mkdtemp(prefix=TMP_PREFIX)
        os.chmod(self.dir, 0o755)   # Postfix's users must reach the queue, sockets and Maildir
        with open(os.path.join(self.dir, "harness.pid"), "w") as f:
            f.write(str(os.getpid()))
        self.etc = os.path.join(self.dir, "etc")
        self.queue = os.path.join(self.dir, "queue")
        self.data = os.path.join(self.dir, "data")
        self.maillog = os.path.join(self.dir, "maillog")
        self.state = os.path.join(self.dir, "bounced")
        self.jsonl = os.path.join(self.state, "bounces.jsonl")
        self.bounced_log = os.path.join(self.dir, "bounced.log")
        self.smtpd_port = free_port()
        self.lmtp_port = free_port()
        self.mx_port = free_port()
        self.env = dict(os.environ, MAIL_CONFIG=self.etc)
        self.bounced = None
        self.mx = None
        self.postfix_started = False
        self.snippets = doc_snippets()

    # Paths and ports of the document -> this test bed's own.
    def localize(self, text):
        text = text.replace("/etc/postfix", self.etc)
        text = text.replace("/var/lib/bounced", self.state)
        text = text.replace("127.0.0.1:2424", f"127.0.0.1:{self.lmtp_port}")
        nobody = pwd.getpwnam("nobody").pw_uid
        postfix_gid = grp.getgrnam("postfix").gr_gid
        text = text.replace("virtual_uid_maps = static:998", f"virtual_uid_maps = static:{nobody}")
        text = text.replace("virtual_gid_maps = static:998", f"virtual_gid_maps = static:{postfix_gid}")
        return text

    def snippet(self, name):
        return self.localize(self.snippets[name])

    def write(self, path, text, mode=0o644):
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)

    # -- Postfix --
    def configure_postfix(self, transport_variant):
        for d in (self.etc, self.queue):
            os.makedirs(d, mode=0o755, exist_ok=True)
        base = f"""# Test bed only (tests/postfix/harness.py): a private instance on loopback.
compatibility_level = 3.6
queue_directory = {self.queue}
data_directory = {self.data}
mail_owner = postfix
setgid_group = postdrop
myhostname = mta.local.test
mydomain = local.test
myorigin = $mydomain
mydestination = mta.local.test, local.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
biff = no
maillog_file = {self.maillog}
maillog_file_prefixes = {self.dir}
smtp_host_lookup = native
smtp_connect_timeout = 5s
smtp_tls_security_level = none
smtpd_tls_security_level = none
# fast retries, a short life for undeliverable mail, an early "delayed" warning
queue_run_delay = 1s
minimal_backoff_time = 2s
maximal_backoff_time = 4s
maximal_queue_lifetime = 20s
bounce_queue_lifetime = 1h
delay_warning_time = 2s

# ---- from docs/postfix.md ----
"""
        main = base + self.snippet("main.cf") + "\n" + self.snippet("main.cf-verp") + "\n" + \
            self.snippet("main.cf-maildir")
        if os.environ.get("BOUNCED_PF_CAPTURE"):   # debugging: a copy of every bounce in capture/
            main += ("\n# debugging copy (BOUNCED_PF_CAPTURE)\n"
                     "recipient_bcc_maps = inline:{ {@bounces.example.net=capture@mailbox.example.net} }\n"
                     "virtual_mailbox_maps = inline:{ {bounces@mailbox.example.net = Maildir/}, "
                     "{capture@mailbox.example.net = capture/} }\n")
        self.write(os.path.join(self.etc, "main.cf"), main)
        master = f"""# Test bed only: the stock services (chroot off), smtpd on a loopback port.
127.0.0.1:{self.smtpd_port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd

# ---- from docs/postfix.md ----
"""
        self.write(os.path.join(self.etc, "master.cf"), master + self.snippet("master.cf"))
        self.write(os.path.join(self.etc, "add-xverp.regexp"), self.snippet("add-xverp.regexp"))
        self.write_transport(transport_variant)

    def write_transport(self, variant):
        routes = (self.snippet("transport-unix" if variant == "unix" else "transport-tcp") +
                  "# test bed: the stand-in remote MX, and a next hop that does not exist\n"
                  f"remote.test    smtp:[127.0.0.1]:{self.mx_port}\n"
                  "nohost.test    smtp:[nonexistent.invalid]\n")
        path = os.path.join(self.etc, "transport")
        self.write(path, routes)
        self.run(["postmap", f"hash:{path}"])

    def run(self, argv, input=None, check_rc=True):
        p = subprocess.run(argv, input=input, env=self.env, capture_output=True, timeout=60)
        if check_rc and p.returncode != 0:
            raise Failure(f"{' '.join(argv)} exited {p.returncode}: {p.stderr.decode(errors='replace')}")
        return p.stdout.decode(errors="replace")

    def start_postfix(self):
        self.run(["postfix", "-c", self.etc, "start"])
        self.postfix_started = True
        wait_for(lambda: self.smtpd_ready(), 30, "Postfix's smtpd on the loopback port")
        log(f"Postfix {self.run(['postconf', '-c', self.etc, '-h', 'mail_version']).strip()} running from {self.etc}")

    def smtpd_ready(self):
        try:
            with socket.create_connection(("127.0.0.1", self.smtpd_port), timeout=2) as s:
                return s.recv(100).startswith(b"220")
        except OSError:
            return False

    def reload_postfix(self):
        self.run(["postfix", "-c", self.etc, "reload"])

    def stop_postfix(self):
        if not self.postfix_started:
            return
        subprocess.run(["postfix", "-c", self.etc, "stop"], env=self.env, capture_output=True, timeout=60)
        stop_master(self.queue)
        self.postfix_started = False

    def queue_listing(self):
        return self.run(["postqueue", "-c", self.etc, "-p"])

    def flush_queue(self):
        self.run(["postqueue", "-c", self.etc, "-f"])

    def maillog_lines(self):
        try:
            with open(self.maillog, encoding="utf-8", errors="replace") as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def handovers(self, status):
        """Mail-log lines of the bounced transport with `status`, as {recipient: count}."""
        out = {}
        for line in self.maillog_lines():
            if "postfix/bounced/lmtp[" in line and f"status={status}" in line:
                m = re.search(r" to=<([^>]*)>", line)
                if m:
                    out[m.group(1)] = out.get(m.group(1), 0) + 1
        return out

    def sendmail(self, argv_tail, body, verp=True):
        """The documented VERP submission: sendmail -XV -f SENDER -- RECIPIENTS."""
        template = self.snippets["sendmail-verp"].strip().split()
        # sendmail -XV -f bounces@bounces.example.net -- alice@example.org < message.eml
        argv = template[: template.index("--") + 1]
        if not verp:
            argv.remove("-XV")
        argv[0] = "/usr/sbin/sendmail"
        self.run(argv + argv_tail, input=body.encode())

    def smtp_send(self, mail_from, rcpts, message):
        with smtplib.SMTP("127.0.0.1", self.smtpd_port, timeout=30) as s:
            s.ehlo("client.local.test")
            refused = s.sendmail(mail_from, rcpts, message)
            if refused:
                raise Failure(f"smtpd refused {refused}")

    # -- bounced --
    def configure_bounced(self):
        os.makedirs(self.state, exist_ok=True)
        # bounced's state directory: group postfix may enter (the docs' "chgrp bounced" step,
        # with bounced running as root here and Postfix's group standing in for bounced's).
        os.chown(self.state, 0, grp.getgrnam("postfix").gr_gid)
        os.chmod(self.state, 0o750)
        nobody = pwd.getpwnam("nobody").pw_uid
        postfix_gid = grp.getgrnam("postfix").gr_gid
        boxes = ["Maildir"] + (["capture"] if os.environ.get("BOUNCED_PF_CAPTURE") else [])
        for sub in [b + s for b in boxes for s in ("", "/new", "/cur", "/tmp")]:
            path = os.path.join(self.state, sub)
            os.makedirs(path, exist_ok=True)
            os.chown(path, nobody, postfix_gid)
            os.chmod(path, 0o770)
        self.write(os.path.join(self.dir, "bounced.yaml"), f"""# test bed: bounced behind Postfix
state_dir: {self.state}
log_level: info
lmtp:
  listen: ['127.0.0.1:{self.lmtp_port}', 'unix:lmtp.sock']
  hostname: bounced.local.test
maildirs:
  - path: Maildir
    after: seen
quarantine: quarantine
sinks:
  - type: sqlite
    path: bounced.db
  - type: jsonl
    path: bounces.jsonl
    fsync: true
  - type: log
""")

    def start_bounced(self):
        sock = os.path.join(self.state, "lmtp.sock")
        logf = open(self.bounced_log, "ab")
        self.bounced = subprocess.Popen([self.bin, "serve", "--config", os.path.join(self.dir, "bounced.yaml")],
                                        stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        logf.close()

        def ready():
            if self.bounced.poll() is not None:
                raise Failure(f"bounced exited with {self.bounced.returncode}; see {self.bounced_log}")
            if not os.path.exists(sock):
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.lmtp_port), timeout=2) as s:
                    return s.recv(100).startswith(b"220")
            except OSError:
                return False
        wait_for(ready, 20, "bounced's LMTP listeners")
        os.chown(sock, 0, grp.getgrnam("postfix").gr_gid)   # the socket's group: Postfix's
        log(f"bounced running (pid {self.bounced.pid})")

    def stop_bounced(self):
        """SIGTERM; returns bounced's exit status (None if it was not running)."""
        rc = None
        if self.bounced and self.bounced.poll() is None:
            self.bounced.send_signal(signal.SIGTERM)
            try:
                self.bounced.wait(20)
            except subprocess.TimeoutExpired:
                self.bounced.kill()
                self.bounced.wait()
        if self.bounced:
            rc = self.bounced.returncode
        self.bounced = None
        return rc

    def records(self):
        out = []
        try:
            with open(self.jsonl, encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        out.append(json.loads(line))
        except FileNotFoundError:
            pass
        return out

    def suppressed(self, address):
        """Active suppressions of `address` in bounced's SQLite store: [(list, kind, reason)]."""
        db = os.path.join(self.state, "bounced.db")
        if not os.path.exists(db):
            return []
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as c:
            return c.execute("SELECT list, kind, reason FROM suppressions WHERE address = ? AND active = 1",
                             (address.lower(),)).fetchall()

    def results_in_store(self, address):
        db = os.path.join(self.state, "bounced.db")
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as c:
            return c.execute("SELECT reason, hard_bounce, decision FROM recipient_results WHERE address = ?",
                             (address.lower(),)).fetchall()

    def suppressions_cli(self):
        r = subprocess.run([self.bin, "suppressions", "list", "--config", os.path.join(self.dir, "bounced.yaml")],
                           capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise Failure(f"bounced suppressions list failed: {r.stderr}")
        return r.stdout

    def records_for(self, recipient):
        return [r for r in self.records() if r.get("recipient", "").lower() == recipient.lower()]

    # -- the stand-in MX --
    def start_mx(self):
        self.mx = RemoteMX(self.mx_port)
        threading.Thread(target=self.mx.serve_forever, daemon=True).start()

    def stop_mx(self):
        if self.mx:
            self.mx.shutdown()
            self.mx.server_close()
            self.mx = None

    def cleanup(self, keep):
        self.stop_postfix()
        self.stop_bounced()
        self.stop_mx()
        if keep:
            log(f"kept {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def dump(self):
        print("---- mail log (last 60 lines) ----")
        print("\n".join(self.maillog_lines()[-60:]))
        print("---- bounced log (last 40 lines) ----")
        try:
            with open(self.bounced_log, errors="replace") as f:
                print("".join(f.readlines()[-40:]))
        except FileNotFoundError:
            pass
        print("---- postqueue -p ----")
        try:
            print(self.queue_listing())
        except Exception as e:  # noqa: BLE001 - diagnostics only
            print(e)


def stop_master(queue_dir):
    """Stop a Postfix master by its pid file (what `postfix stop` does, when that failed)."""
    pidfile = os.path.join(queue_dir, "pid", "master.pid")
    try:
        with open(pidfile) as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        return
    try:
        with open(f"/proc/{pid}/comm") as f:
            if f.read().strip() != "master":
                return
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            os.kill(pid, 0)
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def stop_stale_instances():
    """Instances left by a run that was killed before it could clean up (SIGKILL)."""
    for d in glob.glob(os.path.join(tempfile.gettempdir(), TMP_PREFIX + "*")):
        try:
            with open(os.path.join(d, "harness.pid")) as f:
                os.kill(int(f.read().strip()), 0)
            continue                      # its harness still runs: not stale
        except (OSError, ValueError):
            pass
        etc = os.path.join(d, "etc")
        if os.path.exists(os.path.join(d, "queue", "pid", "master.pid")):
            log(f"stopping a stale Postfix instance in {d}")
            subprocess.run(["postfix", "-c", etc, "stop"], capture_output=True, timeout=60,
                           env=dict(os.environ, MAIL_CONFIG=etc))
            stop_master(os.path.join(d, "queue"))
        shutil.rmtree(d, ignore_errors=True)


# --- the scenarios ---------------------------------------------------------------------------------

def verp(address, domain=BOUNCE_DOMAIN):
    local, host = address.split("@")
    return f"bounces+{local}={host}@{domain}"


def fixture(name, to, rcpt, ident):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        text = f.read()
    text = text.replace("@TO@", to).replace("@RCPT@", rcpt).replace("@ID@", ident)
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode()


def original(to):
    return (f"From: News <{SENDER}>\nTo: <{to}>\nSubject: January news\n"
            f"Message-Id: <news-{to.replace('@', '.')}@local.test>\n\nHello {to}.\n")


def expect_record(bed, recipient, *, action, status, status_class, subject, reason, hard, count=1,
                  subscriber=None, envelope=None):
    recs = [r for r in bed.records_for(recipient) if r.get("action") == action]
    check(len(recs) == count, f"{recipient}: {count} '{action}' record(s) (got {len(recs)})")
    r = recs[0]
    got = (r.get("status"), r.get("status_class"), r.get("status_subject"), r.get("reason"), r.get("hard_bounce"))
    want = (status, status_class, subject, reason, hard)
    if isinstance(reason, tuple):    # any of these reasons
        want = (status, status_class, subject, got[3] if got[3] in reason else reason, hard)
    check(got == want, f"{recipient}: status/class/subject/reason/hard = {want} (got {got})")
    if envelope is not None:
        check(r.get("envelope_recipient", "").lower() == envelope.lower(),
              f"{recipient}: envelope recipient {envelope} (got {r.get('envelope_recipient')})")
    if subscriber is not None:
        check(r.get("subscriber", "").lower() == subscriber.lower(),
              f"{recipient}: VERP-decoded subscriber {subscriber} (got {r.get('subscriber')})")
    return r


def expect_suppressed(bed, address, reason):
    sup = bed.suppressed(address)
    check(len(sup) == 1 and sup[0][1] == "hard" and sup[0][2] == reason,
          f"{address}: suppressed in the SQLite store (hard, {reason}) (got {sup})")


def expect_not_suppressed(bed, address, why):
    check(not bed.suppressed(address), f"{address}: not suppressed ({why})")


def expect_sent(bed, address, count=1):
    wait_for(lambda: bed.handovers("sent").get(address, 0) >= count, 60,
             f"Postfix's status=sent hand-over to bounced for {address}")
    check(bed.handovers("sent").get(address, 0) == count,
          f"Postfix logged status=sent to bounced for <{address}> ({count}x)")


def name_lookup_fails_hard():
    try:
        socket.getaddrinfo("nonexistent.invalid", 25)
        return False
    except socket.gaierror as e:
        return e.errno == socket.EAI_NONAME


def scenario_postfix_generated(bed, hostunknown_hard):
    log("== Postfix generates the bounces (sendmail -XV, the stand-in MX, local(8), a missing host)")
    # Slow ones first: they wait for retries (delayed warning) or for maximal_queue_lifetime.
    for rcpt in ("full@remote.test", "slow@remote.test", "unknown@remote.test", "nosuchuser@local.test",
                 "someone@nohost.test"):
        bed.sendmail([rcpt], original(rcpt))
    expect_sent(bed, verp("unknown@remote.test"))
    wait_for(lambda: bed.records_for("unknown@remote.test"), 10, "record of unknown@remote.test")
    expect_record(bed, "unknown@remote.test", action="failed", status="5.1.1", status_class="permanent",
                  subject="addressing", reason="userunknown", hard=True,
                  envelope=verp("unknown@remote.test"), subscriber="unknown@remote.test")
    expect_suppressed(bed, "unknown@remote.test", "userunknown")
    expect_sent(bed, verp("nosuchuser@local.test"))
    wait_for(lambda: bed.records_for("nosuchuser@local.test"), 10, "record of nosuchuser@local.test")
    expect_record(bed, "nosuchuser@local.test", action="failed", status="5.1.1", status_class="permanent",
                  subject="addressing", reason="userunknown", hard=True,
                  envelope=verp("nosuchuser@local.test"), subscriber="nosuchuser@local.test")
    expect_suppressed(bed, "nosuchuser@local.test", "userunknown")
    if hostunknown_hard:
        expect_sent(bed, verp("someone@nohost.test"))
        wait_for(lambda: bed.records_for("someone@nohost.test"), 10, "record of someone@nohost.test")
        expect_record(bed, "someone@nohost.test", action="failed", status="5.4.4", status_class="permanent",
                      subject="network and routing", reason="hostunknown", hard=True,
                      envelope=verp("someone@nohost.test"), subscriber="someone@nohost.test")
        expect_suppressed(bed, "someone@nohost.test", "hostunknown")
    # The 421 deferral: Postfix's "delayed" notice goes to the plain sender (Postfix does not VERP
    # delay warnings), naming the recipient in its DSN.
    wait_for(lambda: [r for r in bed.records_for("slow@remote.test") if r.get("action") == "delayed"], 40,
             "the 'delayed' DSN for slow@remote.test")
    expect_record(bed, "slow@remote.test", action="delayed", status="4.7.0", status_class="transient",
                  subject="security or policy", reason=("securityerror", "expired", "delayed"), hard=False)
    check(bed.handovers("sent").get(SENDER, 0) >= 1, f"Postfix handed the delay notice to bounced (<{SENDER}>)")
    expect_not_suppressed(bed, "slow@remote.test", "a delay warning")
    bed.mx.slow_accepts = True   # the remote side recovers; the message is delivered on the next try
    wait_for(lambda: "slow@remote.test" in bed.mx.accepted, 30, "slow@remote.test delivered after the deferral")


def scenario_mailbox_full(bed):
    log("== 452 4.2.2 mailbox full: deferred until maximal_queue_lifetime, then bounced (soft)")
    # Postfix returns the message at its first delivery attempt after maximal_queue_lifetime. qmgr's
    # own retry can come later than this wait on a slow run (the sanitizer build), so the harness asks
    # for that attempt every few seconds with postqueue -f; what is tested is the bounce, not qmgr's timing.
    last_flush = [time.monotonic()]

    def sent_or_flush():
        if bed.handovers("sent").get(verp("full@remote.test"), 0) >= 1:
            return True
        if time.monotonic() - last_flush[0] > 5:
            bed.flush_queue()
            last_flush[0] = time.monotonic()
        return False

    wait_for(sent_or_flush, 60, "Postfix's return of the mailbox-full message after maximal_queue_lifetime")
    expect_sent(bed, verp("full@remote.test"))
    wait_for(lambda: [r for r in bed.records_for("full@remote.test") if r.get("action") == "failed"], 10,
             "record of full@remote.test")
    expect_record(bed, "full@remote.test", action="failed", status="4.2.2", status_class="transient",
                  subject="mailbox", reason="mailboxfull", hard=False,
                  envelope=verp("full@remote.test"), subscriber="full@remote.test")
    expect_not_suppressed(bed, "full@remote.test", "mailbox full: counted as a soft bounce, not (yet) suppressed")
    decisions = [r[2] for r in bed.results_in_store("full@remote.test")]
    check(decisions.count("counted_soft") == 1 and "suppress" not in decisions,
          f"full@remote.test: one soft bounce counted in the store (decisions: {decisions})")


THIRD_PARTY = [  # fixture, subscriber (in the VERP address), recipient named in the bounce, expectation
    ("exim-userunknown.eml", "carol@example.org", "carol.forward@elsewhere.example",   # a forward
     dict(action="failed", status="5.1.1", status_class="permanent", subject="addressing", reason="userunknown", hard=True)),
    ("sendmail-mailboxfull.eml", "frank@example.org", "frank@example.org",
     dict(action="failed", status="4.2.2", status_class="transient", subject="mailbox", reason="mailboxfull", hard=False)),
    ("qmail-nomailbox.eml", "grace@example.org", "grace@example.org",
     dict(action="failed", status="5.1.1", status_class="permanent", subject="addressing", reason="userunknown", hard=True)),
]


def scenario_third_party(bed):
    log("== third-party bounces (Exim, Sendmail, qmail) arrive over SMTP at the bounce domain")
    for name, sub, rcpt, _ in THIRD_PARTY:
        bed.smtp_send("", [verp(sub)], fixture(name, verp(sub), rcpt, "tp" + sub.split("@")[0]))
    for name, sub, rcpt, want in THIRD_PARTY:
        expect_sent(bed, verp(sub))
        wait_for(lambda: bed.records_for(rcpt), 10, f"record of {rcpt}")
        expect_record(bed, rcpt, **want, envelope=verp(sub), subscriber=sub)
        if want["hard"]:
            expect_suppressed(bed, sub, want["reason"])   # the VERP subscriber, not the forward
        else:
            expect_not_suppressed(bed, sub, "soft bounce")


def scenario_maildir(bed):
    log("== Maildir: Postfix's virtual(8) delivers to the bounce mailbox, bounced's watcher reads it")
    sub = "erin@example.org"
    rcpt = "erin.forward@elsewhere.example"   # the bounce names a forward; X-Original-To the VERP
    addr = verp(sub, MAILBOX_DOMAIN)
    bed.smtp_send("", [addr], fixture("exim-userunknown.eml", addr, rcpt, "maildir1"))
    wait_for(lambda: any("postfix/virtual[" in l and f"to=<{addr}>" in l and "status=sent" in l
                         for l in bed.maillog_lines()), 30, "virtual(8) delivery to the Maildir")
    check(True, f"Postfix logged status=sent (delivered to maildir) for <{addr}>")
    wait_for(lambda: bed.records_for(rcpt), 20, f"record of {rcpt} from the Maildir")
    r = expect_record(bed, rcpt, action="failed", status="5.1.1", status_class="permanent", subject="addressing",
                      reason="userunknown", hard=True, envelope=addr, subscriber=sub)
    check("/Maildir/" in r.get("file", ""), f"the record names the Maildir message ({r.get('file')})")
    wait_for(lambda: not os.listdir(os.path.join(bed.state, "Maildir", "new")), 10, "Maildir new/ emptied")
    check(len(os.listdir(os.path.join(bed.state, "Maildir", "cur"))) == 1, "the message is in cur/ (seen)")


def scenario_list_software(bed):
    log("== list software without VERP support: smtpd_command_filter adds XVERP (docs' regexp)")
    rcpt = "unknown-listmonk@remote.test"
    bed.smtp_send(SENDER, [rcpt], original(rcpt).replace("\n", "\r\n").encode())
    expect_sent(bed, verp(rcpt))
    wait_for(lambda: bed.records_for(rcpt), 10, f"record of {rcpt}")
    expect_record(bed, rcpt, action="failed", status="5.1.1", status_class="permanent", subject="addressing",
                  reason="userunknown", hard=True, envelope=verp(rcpt), subscriber=rcpt)


def scenario_fifty_recipients(bed):
    log("== one bounce for 50 recipients, over one LMTP transaction")
    rcpts = [f"unknown{n:02d}@remote.test" for n in range(1, 51)]
    before = bed.handovers("sent").get(SENDER, 0)
    bed.sendmail(rcpts, original("many@remote.test"), verp=False)   # no VERP: ONE notification
    wait_for(lambda: bed.handovers("sent").get(SENDER, 0) > before, 60, "the 50-recipient bounce hand-over")
    wait_for(lambda: all(bed.records_for(r) for r in rcpts), 20, "records of all 50 recipients")
    recs = [bed.records_for(r) for r in rcpts]
    check(all(len(x) == 1 for x in recs), "each of the 50 recipients recorded once")
    check(len({x[0].get("file", x[0].get("source")) for x in recs}) == 1, "all 50 from one message")
    check(all(x[0]["reason"] == "userunknown" and x[0]["hard_bounce"] for x in recs), "all 50: userunknown, hard")

    log("== one third-party bounce to 50 VERP addresses: 50 RCPTs in one LMTP transaction")
    subs = [f"multi{n:02d}@example.org" for n in range(1, 51)]
    bed.smtp_send("", [verp(s) for s in subs], fixture("qmail-nomailbox.eml", verp(subs[0]), "multi@example.org", "multi"))
    wait_for(lambda: all(bed.handovers("sent").get(verp(s), 0) for s in subs), 60, "50 hand-overs")
    ids = set()
    for line in bed.maillog_lines():
        m = re.search(r"postfix/bounced/lmtp\[(\d+)\]: (\w+): to=<bounces\+multi\d\d=example\.org@", line)
        if m and "status=sent" in line:
            ids.add(m.groups())
    check(len(ids) == 1, f"all 50 recipients answered 250 by one LMTP client process for one queue file ({ids})")
    wait_for(lambda: bed.records_for("multi@example.org"), 10, "record of multi@example.org")
    check(len(bed.records_for("multi@example.org")) == 1, "the message recorded once (not once per RCPT)")
    check(all(bed.suppressed(s) for s in subs), "the SQLite store attributes each of the 50 RCPTs: all 50 suppressed")


def scenario_concurrent(bed, tag):
    log(f"== 20 concurrent deliveries ({tag})")
    subs = [f"conc-{tag}-{n:02d}@example.org" for n in range(1, 21)]
    errors = []

    def send(s):
        try:
            bed.smtp_send("", [verp(s)], fixture("exim-userunknown.eml", verp(s), s, "c" + s.split("@")[0]))
        except Exception as e:  # noqa: BLE001 - collected and reported
            errors.append(f"{s}: {e}")
    threads = [threading.Thread(target=send, args=(s,)) for s in subs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    check(not errors, f"20 messages accepted by smtpd {errors}")
    wait_for(lambda: all(bed.handovers("sent").get(verp(s), 0) for s in subs), 60, "20 hand-overs")
    check(not any(verp(s) in bed.handovers("deferred") for s in subs), "none of the 20 deferred")
    pids = {m.group(1) for l in bed.maillog_lines() for m in [re.search(r"postfix/bounced/lmtp\[(\d+)\]: \w+: to=<bounces\+conc-" + tag, l)] if m}
    log(f"note: the 20 were delivered by {len(pids)} LMTP client process(es)")
    wait_for(lambda: all(bed.records_for(s) for s in subs), 10, "records of the 20")
    check(all(len(bed.records_for(s)) == 1 for s in subs), "each of the 20 recorded once")


def scenario_outage(bed):
    log("== bounced stopped: Postfix defers; started again: postqueue -f drains, each recorded once")
    check(bed.stop_bounced() == 0, "bounced exits 0 on SIGTERM after its Maildir and LMTP work")
    subs = [f"outage{n}@example.org" for n in range(1, 4)]
    for s in subs:
        bed.smtp_send("", [verp(s)], fixture("exim-userunknown.eml", verp(s), s, "o" + s.split("@")[0]))
    bed.sendmail(["unknown-outage@remote.test"], original("unknown-outage@remote.test"))
    addrs = [verp(s) for s in subs] + [verp("unknown-outage@remote.test")]
    wait_for(lambda: all(bed.handovers("deferred").get(a, 0) for a in addrs), 60, "status=deferred for all 4")
    check(True, "Postfix deferred all 4 while bounced was down")
    listing = bed.queue_listing()
    check(all(a in listing for a in addrs), "postqueue -p lists the 4 waiting bounces")
    bed.start_bounced()
    bed.flush_queue()
    for a in addrs:
        expect_sent(bed, a)
    wait_for(lambda: all(bed.records_for(s) for s in subs + ["unknown-outage@remote.test"]), 10, "records")
    check(all(len(bed.records_for(s)) == 1 for s in subs + ["unknown-outage@remote.test"]),
          "each of the 4 recorded exactly once")


def main():
    if len(sys.argv) < 2:
        print("usage: harness.py path/to/bounced [--keep]", file=sys.stderr)
        return 2
    bounced_bin = os.path.abspath(sys.argv[1])
    keep = "--keep" in sys.argv[2:]
    if os.geteuid() != 0:
        print("SKIP: the Postfix suite runs a private Postfix instance and needs root")
        return SKIP
    if not shutil.which("postfix") or not os.path.exists("/usr/sbin/sendmail"):
        print("SKIP: Postfix is not installed (tests/postfix/setup.sh installs it)")
        return SKIP

    if subprocess.run([bounced_bin, "serve", "--help"], capture_output=True).returncode != 0:
        print(f"SKIP: {bounced_bin} has no 'serve' command (the daemon is not built in)")
        return SKIP

    def on_signal(signum, _frame):
        raise Deadline(f"signal {signum}")
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)

    stop_stale_instances()
    bed = Bed(bounced_bin)
    ok = False
    try:
        bed.configure_postfix("unix")
        bed.configure_bounced()
        bed.start_mx()
        bed.start_bounced()
        bed.start_postfix()
        hostunknown_hard = name_lookup_fails_hard()
        if not hostunknown_hard:
            log("note: this machine's resolver does not answer 'no such name' for nonexistent.invalid; "
                "the missing-host check is skipped")

        log("== variant 1: transport over bounced's Unix socket")
        scenario_postfix_generated(bed, hostunknown_hard)
        scenario_third_party(bed)
        scenario_maildir(bed)
        scenario_list_software(bed)
        scenario_fifty_recipients(bed)
        scenario_concurrent(bed, "unix")
        check(not bed.handovers("deferred"), "no hand-over to bounced deferred so far")
        check(all("lmtp.sock" in l for l in bed.maillog_lines() if "postfix/bounced/lmtp[" in l and "status=sent" in l),
              "every hand-over went over the Unix socket")

        log("== variant 2: transport over TCP (docs' transport-tcp line)")
        bed.write_transport("tcp")
        bed.reload_postfix()
        time.sleep(1)
        bed.sendmail(["unknown-tcp@remote.test"], original("unknown-tcp@remote.test"))
        expect_sent(bed, verp("unknown-tcp@remote.test"))
        check(any(f"127.0.0.1[127.0.0.1]:{bed.lmtp_port}" in l for l in bed.maillog_lines()
                  if "unknown-tcp=remote.test" in l and "status=sent" in l), "hand-over over TCP")
        wait_for(lambda: bed.records_for("unknown-tcp@remote.test"), 10, "record of unknown-tcp@remote.test")
        scenario_concurrent(bed, "tcp")
        check(not bed.handovers("deferred"), "no hand-over to bounced deferred")
        scenario_outage(bed)

        scenario_mailbox_full(bed)
        listing = bed.suppressions_cli()
        check("unknown@remote.test" in listing and "full@remote.test" not in listing,
              "`bounced suppressions list --config` shows the hard bounce, not the mailbox-full address")
        wait_for(lambda: "Mail queue is empty" in bed.queue_listing(), 60, "an empty Postfix queue")
        check(True, "postqueue -p: Mail queue is empty")
        ok = True
    except (Failure, Deadline) as e:
        print(f"FAIL: {e}")
        bed.dump()
    finally:
        bed.cleanup(keep)
    print("PASS" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
