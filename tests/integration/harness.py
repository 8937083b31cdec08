"""harness.py: starts a real `bounced serve` for integration tests.

Each Server gets a fresh temporary state directory, a generated config with free ports, and is
started with NOTIFY_SOCKET pointing at a datagram socket of ours, so readiness is the daemon's own
sd_notify("READY=1") (which also tests that path). Helpers read the JSONL and the Maildirs.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BIN = os.environ.get("BOUNCED_BIN", os.path.join(os.path.dirname(__file__), "../../build/bounced"))
FIXTURES = os.environ.get("BOUNCED_FIXTURES", os.path.join(os.path.dirname(__file__), "../fixtures/lmtp"))


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def unique(message, tag):
    """The fixture with one extra header, so the dedup log sees a new message."""
    return b"X-Test-Id: " + str(tag).encode() + b"\r\n" + message


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, extra_yaml="", maildir=True, null_mode=False, shutdown_timeout="10s", sink_path="bounces.jsonl",
                 extra_sinks="", top_yaml=""):
        self.dir = tempfile.mkdtemp(prefix="bounced-it-")
        self.port = free_port()
        self.sock_path = os.path.join(self.dir, "lmtp.sock")
        self.jsonl = os.path.join(self.dir, sink_path)
        self.maildir = os.path.join(self.dir, "Maildir")
        self.quarantine = os.path.join(self.dir, "quarantine")
        self.config = os.path.join(self.dir, "bounced.yaml")
        maildirs = "maildirs:\n  - path: Maildir\n    after: seen\n" if maildir else "maildirs: []\n"
        with open(self.config, "w") as f:
            f.write(
                f"state_dir: {self.dir}\n"
                f"log_level: debug\n"
                f"null_mode: {'true' if null_mode else 'false'}\n"
                f"shutdown_timeout: {shutdown_timeout}\n"
                f"lmtp:\n"
                f"  listen: ['127.0.0.1:{self.port}', 'unix:lmtp.sock']\n"
                f"  hostname: test.invalid\n"
                f"{extra_yaml}"
                f"{maildirs}"
                f"sinks:\n  - type: jsonl\n    path: {sink_path}\n  - type: log\n{extra_sinks}"
                f"{top_yaml}"
            )
        self.proc = None
        self.nsock = None
        self.log = None
        self.log_path = os.path.join(self.dir, "server.log")
        self.notify = []
        self.killed = False  # by kill9(): a non-zero exit is expected

    def start(self, timeout=10):
        if self.nsock:
            self.nsock.close()
        if self.log:
            self.log.close()
        notify_path = os.path.join(self.dir, "notify.sock")
        if os.path.exists(notify_path):
            os.unlink(notify_path)
        self.notify = []
        self.nsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.nsock.bind(notify_path)
        self.nsock.settimeout(timeout)
        env = dict(os.environ, NOTIFY_SOCKET=notify_path)
        self.log = open(self.log_path, "ab")
        self.killed = False
        self.proc = subprocess.Popen([BIN, "serve", "--config", self.config], stdout=self.log, stderr=self.log, env=env)
        self.wait_notify("READY=1", timeout)
        return self

    def wait_notify(self, what, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if any(what in m for m in self.notify):
                return
            try:
                self.nsock.settimeout(max(0.01, deadline - time.time()))
                self.notify.append(self.nsock.recv(4096).decode())
            except socket.timeout:
                break
            if self.proc.poll() is not None and not any(what in m for m in self.notify):
                raise RuntimeError(f"bounced exited with {self.proc.returncode}:\n{self.read_log()}")
        if not any(what in m for m in self.notify):
            raise RuntimeError(f"no {what} from bounced:\n{self.read_log()}")

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=15):
        """SIGTERM; bounced must exit 0 (a sanitizer abort or a crash on shutdown fails the test)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError("bounced did not stop on SIGTERM")
        rc = self.proc.returncode if self.proc else None
        if rc not in (0, None) and not self.killed:
            self.killed = True  # reported once
            raise RuntimeError(f"bounced exited with {rc}:\n{self.read_log()[-6000:]}")
        return rc

    def kill9(self):
        self.killed = True
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def cleanup(self):
        try:
            self.stop()
        finally:
            if self.nsock:
                self.nsock.close()
            if self.log:
                self.log.close()
            if os.environ.get("BOUNCED_KEEP_TEST_DIRS"):
                print("kept", self.dir, file=sys.stderr)
            else:
                shutil.rmtree(self.dir, ignore_errors=True)

    def records(self, path=None):
        path = path or self.jsonl
        if not os.path.exists(path):
            return []
        with open(path, "rb") as f:
            return [json.loads(line) for line in f.read().splitlines() if line.strip()]

    def seen_lines(self):
        with open(os.path.join(self.dir, "seen.log")) as f:
            return [l for l in f.read().splitlines() if l.startswith("H ")]

    def deliver_to_maildir(self, name, data, via_tmp=True):
        """The Maildir way (write in tmp/, rename into new/) or a plain write straight into new/."""
        if via_tmp:
            tmp = os.path.join(self.maildir, "tmp", name)
            with open(tmp, "wb") as f:
                f.write(data)
            os.rename(tmp, os.path.join(self.maildir, "new", name))
        else:
            with open(os.path.join(self.maildir, "new", name), "wb") as f:
                f.write(data)


def wait_for(predicate, timeout=10, interval=0.02):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = predicate()
        if v:
            return v
        time.sleep(interval)
    return predicate()


class RawLmtp:
    """A bare socket client for what smtplib cannot do (pipelining by hand, half-sent data)."""

    def __init__(self, host=None, port=None, path=None, timeout=10):
        if path:
            self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.s.connect(path)
        else:
            self.s = socket.create_connection((host, port))
        self.s.settimeout(timeout)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError(self.buf)
            self.buf += chunk
        l, self.buf = self.buf.split(b"\r\n", 1)
        return l.decode()

    def reply(self):
        """One (possibly multi-line) reply: list of lines."""
        lines = [self.line()]
        while len(lines[-1]) > 3 and lines[-1][3] == "-":
            lines.append(self.line())
        return lines

    def replies(self, n):
        return [self.reply()[-1] for _ in range(n)]

    def closed(self):
        try:
            return self.s.recv(1) == b""
        except (ConnectionResetError, socket.timeout):
            return True

    def close(self):
        self.s.close()
