#!/usr/bin/env python3
"""test_process.py: the daemon as a process: config errors, SIGHUP reopen (logrotate) and reload
(listeners, limits, sinks, Maildirs; an invalid file kept out), SIGTERM
drain, a sink that cannot be written (451, nothing recorded twice once it recovers), kill -9 in
the middle of a burst (everything acknowledged is in the JSONL, nothing twice), socket activation."""
import json
import os
import shutil
import signal
import smtplib
import socket
import subprocess
import threading
import time
import unittest

from harness import BIN, RawLmtp, Server, fixture, free_port, unique, wait_for

POSTFIX = fixture("postfix-dsn.eml")
TWO = fixture("mailboxfull-two-recipients.eml")


def crlf(data):
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def send(port, rcpts, data):
    """Returns the per-recipient replies (code, text)."""
    c = smtplib.LMTP("127.0.0.1", port, timeout=20)
    c.ehlo("p")
    c.mail("")
    for r in rcpts:
        c.rcpt(r)
    c.docmd("data")
    c.send(crlf(data) + b".\r\n")
    replies = [c.getreply() for _ in rcpts]
    c.quit()
    return replies


class ConfigTest(unittest.TestCase):
    def test_check_config_and_serve_reject_bad_files(self):
        s = Server(maildir=False)
        try:
            out = subprocess.run([BIN, "check-config", "--config", s.config], capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("OK", out.stdout)
            bad = os.path.join(s.dir, "bad.yaml")
            with open(bad, "w") as f:
                f.write("lmtp:\n  max_errors: 3\n  max_errors: 4\n  colour: blue\n")
            out = subprocess.run([BIN, "check-config", "--config", bad], capture_output=True, text=True)
            self.assertEqual(out.returncode, 1)
            self.assertIn(f"{bad}:3:3: duplicate key 'max_errors'", out.stderr)
            self.assertIn(f"{bad}:4:3: unknown key 'colour'", out.stderr)
            out = subprocess.run([BIN, "serve", "--config", bad], capture_output=True, text=True, timeout=10)
            self.assertEqual(out.returncode, 1)
            self.assertIn("duplicate key", out.stderr)
            out = subprocess.run([BIN, "check-config"], capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("<embedded>: OK", out.stdout)
        finally:
            s.cleanup()


class SignalTest(unittest.TestCase):
    def test_sighup_reopens_the_jsonl(self):
        s = Server(maildir=False).start()
        try:
            self.assertEqual(send(s.port, ["a@hup.test"], unique(POSTFIX, "hup-1"))[0][0], 250)
            rotated = s.jsonl + ".1"
            os.rename(s.jsonl, rotated)
            s.signal(signal.SIGHUP)
            s.wait_notify("RELOADING=1")
            self.assertEqual(send(s.port, ["a@hup.test"], unique(POSTFIX, "hup-2"))[0][0], 250)
            self.assertTrue(wait_for(lambda: os.path.exists(s.jsonl)))
            old, new = s.records(rotated), s.records()
            self.assertTrue(old and new)
            self.assertTrue(all("lmtp:" in r["file"] for r in old + new))
            self.assertFalse({r["file"] for r in old} & {r["file"] for r in new})
        finally:
            s.cleanup()

    def test_sighup_applies_a_changed_config(self):
        s = Server(maildir=False).start()
        try:
            self.assertEqual(send(s.port, ["a@reload.test"], unique(POSTFIX, "reload-1"))[0][0], 250)
            old_port, new_port = s.port, free_port()
            with open(s.config) as f:
                text = f.read()
            text = (text.replace(f"'127.0.0.1:{old_port}'", f"'127.0.0.1:{new_port}'")
                        .replace("  hostname: test.invalid\n", "  hostname: test.invalid\n  max_recipients: 2\n")
                        .replace("maildirs: []\n", "maildirs:\n  - path: Maildir2\n    after: seen\n")
                        .replace("path: bounces.jsonl", "path: second.jsonl"))
            with open(s.config, "w") as f:
                f.write(text)
            s.notify = []
            s.signal(signal.SIGHUP)
            s.wait_notify("READY=1")
            self.assertTrue(wait_for(lambda: "reload: configuration applied" in s.read_log()), s.read_log()[-3000:])
            # Listeners: the old port is closed, the new one answers, the Unix socket stays.
            with self.assertRaises(OSError):
                socket.create_connection(("127.0.0.1", old_port), timeout=2)
            self.assertEqual(send(new_port, ["b@reload.test"], unique(POSTFIX, "reload-2"))[0][0], 250)
            c = smtplib.LMTP(s.sock_path, timeout=10)
            self.assertEqual(c.ehlo("u")[0], 250)
            c.quit()
            # Limits: a third recipient is refused.
            c = smtplib.LMTP("127.0.0.1", new_port, timeout=10)
            c.ehlo("l")
            c.mail("")
            self.assertEqual([c.rcpt(r)[0] for r in ("x@r.test", "y@r.test", "z@r.test")], [250, 250, 452])
            c.quit()
            # Sinks: the new file gets the records from now on; the old one keeps what it had.
            second = os.path.join(s.dir, "second.jsonl")
            new_records = s.records(second)
            self.assertEqual(len(new_records), 1, new_records)
            self.assertEqual(len(s.records()), 1)
            # Maildirs: the new one is created and watched.
            md = os.path.join(s.dir, "Maildir2")
            self.assertTrue(wait_for(lambda: os.path.isdir(os.path.join(md, "new"))))
            tmp = os.path.join(md, "tmp", "1700000050.F1.host")
            with open(tmp, "wb") as f:
                f.write(unique(TWO, "reload-maildir"))
            os.rename(tmp, os.path.join(md, "new", "1700000050.F1.host"))
            self.assertTrue(wait_for(lambda: os.listdir(os.path.join(md, "cur")) == ["1700000050.F1.host:2,S"]))
            self.assertTrue(wait_for(lambda: len(s.records(second)) == 3))  # + the fixture's two recipients
            # An invalid file is reported with its position and changes nothing.
            with open(s.config, "w") as f:
                f.write(text.replace("  max_recipients: 2\n", "  max_recipients: 2\n  max_recipients: 3\n"))
            s.notify = []
            s.signal(signal.SIGHUP)
            s.wait_notify("READY=1")
            self.assertTrue(wait_for(lambda: "keeping the running one" in s.read_log()))
            self.assertIn(f"{s.config}:9:3: duplicate key 'max_recipients'", s.read_log())
            self.assertEqual(send(new_port, ["c@reload.test"], unique(POSTFIX, "reload-3"))[0][0], 250)
            self.assertEqual(len(s.records(second)), 4)
        finally:
            s.cleanup()

    def test_sigterm_drains(self):
        s = Server(maildir=False, shutdown_timeout="10s").start()
        try:
            idle = RawLmtp("127.0.0.1", s.port)
            idle.line()
            idle.send(b"LHLO idle\r\n")
            idle.reply()
            busy = RawLmtp("127.0.0.1", s.port)
            busy.line()
            busy.send(b"LHLO busy\r\nMAIL FROM:<>\r\nRCPT TO:<d@drain.test>\r\nDATA\r\n")
            busy.replies(4)
            body = crlf(unique(POSTFIX, "drain"))
            busy.send(body[:300])
            time.sleep(0.1)
            s.signal(signal.SIGTERM)
            s.wait_notify("STOPPING=1")
            # The idle session is told right away; the open transaction may finish.
            self.assertTrue(idle.line().startswith("421 4.3.2"))
            self.assertIsNone(s.proc.poll())
            busy.send(body[300:] + b".\r\n")
            self.assertTrue(busy.reply()[0].startswith("250 2.0.0 <d@drain.test>"))
            self.assertTrue(busy.line().startswith("421 4.3.2"))
            self.assertEqual(s.proc.wait(10), 0)
            self.assertTrue(any("drain" not in r["file"] for r in s.records()))
            # Refused now.
            with self.assertRaises(OSError):
                socket.create_connection(("127.0.0.1", s.port), timeout=2)
        finally:
            s.cleanup()

    def test_drain_bound_forces_close(self):
        s = Server(maildir=False, shutdown_timeout="1s").start()
        try:
            busy = RawLmtp("127.0.0.1", s.port)
            busy.line()
            busy.send(b"LHLO busy\r\nMAIL FROM:<>\r\nRCPT TO:<d@drain.test>\r\nDATA\r\n")
            busy.replies(4)
            busy.send(b"Subject: never finished\r\n")
            start = time.time()
            s.signal(signal.SIGTERM)
            self.assertEqual(s.proc.wait(10), 0)
            self.assertLess(time.time() - start, 5)
        finally:
            s.cleanup()


class FailureTest(unittest.TestCase):
    def test_unwritable_sink_gives_451_then_recovers_without_duplicates(self):
        s = Server(maildir=False).start()
        try:
            ok = unique(TWO, "fail-before")
            self.assertEqual(send(s.port, ["a@f.test"], ok)[0][0], 250)
            saved = s.jsonl + ".saved"
            os.rename(s.jsonl, saved)
            os.mkdir(s.jsonl)  # the sink's file is now a directory: it cannot be opened
            s.signal(signal.SIGHUP)
            s.wait_notify("RELOADING=1")
            time.sleep(0.2)
            msg = unique(TWO, "fail-during")
            replies = send(s.port, ["a@f.test", "b@f.test"], msg)
            self.assertEqual([c for c, _ in replies], [451, 451])
            self.assertTrue(replies[0][1].startswith(b"4.3.0"))
            os.rmdir(s.jsonl)
            os.rename(saved, s.jsonl)
            # No SIGHUP needed: a failed sink is reopened before the next batch.
            self.assertEqual([c for c, _ in send(s.port, ["a@f.test", "b@f.test"], msg)], [250, 250])
            self.assertEqual([c for c, _ in send(s.port, ["a@f.test", "b@f.test"], msg)], [250, 250])
            self.assertEqual([c for c, _ in send(s.port, ["a@f.test"], ok)], [250])
            files = [r["file"] for r in s.records()]
            per_message = {f: files.count(f) for f in files}
            self.assertEqual(len(per_message), 2)
            self.assertEqual(set(per_message.values()), {2})  # the fixture has two recipients
        finally:
            s.cleanup()

    def test_kill9_during_burst_loses_nothing_acknowledged(self):
        s = Server(maildir=False).start()
        acked = set()
        lock = threading.Lock()
        stop = threading.Event()
        messages = {}

        def client(worker):
            i = 0
            try:
                while not stop.is_set():
                    c = RawLmtp("127.0.0.1", s.port, timeout=5)
                    c.line()
                    c.send(b"LHLO burst\r\n")
                    c.reply()
                    while not stop.is_set():
                        tag = f"burst-{worker}-{i}"
                        i += 1
                        msg = crlf(unique(TWO, tag))
                        c.send(b"MAIL FROM:<>\r\nRCPT TO:<k@kill.test>\r\nDATA\r\n")
                        if c.replies(3)[-1][:3] != "354":
                            return
                        c.send(msg + b".\r\n")
                        r = c.reply()[0]
                        if r.startswith("250"):
                            with lock:
                                acked.add(r.split()[3])
                                messages[r.split()[3]] = msg
            except (OSError, EOFError):
                return

        threads = [threading.Thread(target=client, args=(w,)) for w in range(8)]
        try:
            for t in threads:
                t.start()
            wait_for(lambda: len(acked) >= 200, timeout=20)
            s.kill9()
            stop.set()
            for t in threads:
                t.join()
            self.assertGreaterEqual(len(acked), 50)
            with open(s.jsonl, "rb") as f:
                raw = f.read()
            recorded = set()
            for line in raw.splitlines():
                try:
                    recorded.add(json.loads(line)["file"][5:21])
                except ValueError:
                    pass  # a torn tail line is allowed before recovery
            missing = acked - recorded
            self.assertEqual(missing, set(), f"{len(missing)} acknowledged messages not in the JSONL")
            # With a JSONL sink only, the dedup log is fsync'd now and then, not per batch: a power
            # loss may take its tail back to the snapshot written at start. Cut it so (kill -9
            # alone keeps the page cache): the messages must be recognised from the JSONL.
            seen = os.path.join(s.dir, "seen.log")
            with open(seen, "rb") as f:
                log = f.read()
            first_c = log.index(b"\nC ") + 1
            with open(seen, "r+b") as f:
                f.truncate(log.index(b"\n", first_c) + 1)
            # Restart: recovery leaves only whole lines, and resending everything acknowledged
            # records nothing new.
            s.start()
            before = s.records()
            for mid in list(acked)[:30]:
                c = RawLmtp("127.0.0.1", s.port)
                c.line()
                c.send(b"LHLO again\r\nMAIL FROM:<>\r\nRCPT TO:<k@kill.test>\r\nDATA\r\n")
                c.replies(4)
                c.send(messages[mid] + b".\r\nQUIT\r\n")
                self.assertTrue(c.reply()[0].startswith("250"))
                c.close()
            after = s.records()
            self.assertEqual(len(before), len(after))
            keys = [(r["file"], r["recipient"]) for r in after]
            self.assertEqual(len(keys), len(set(keys)), "a message was recorded twice")
        finally:
            stop.set()
            s.cleanup()


class SocketActivationTest(unittest.TestCase):
    def test_listen_fds(self):
        s = Server(maildir=False)
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(16)
        port = lsock.getsockname()[1]
        env = dict(os.environ, LISTEN_FDS="1")
        fd = lsock.fileno()

        def to_fd3():
            os.dup2(fd, 3)
            os.set_inheritable(3, True)

        log = open(os.path.join(s.dir, "act.log"), "wb")
        proc = subprocess.Popen(["/bin/sh", "-c", 'export LISTEN_PID=$$; exec "$0" serve --config "$1"', BIN, s.config],
                                env=env, preexec_fn=to_fd3, pass_fds=(3,) if fd == 3 else (), close_fds=False,
                                stdout=log, stderr=log)
        try:
            lsock.close()
            c = wait_for(lambda: _try_connect(port), timeout=10)
            self.assertTrue(c)
            c.close()
            self.assertEqual(send(port, ["sa@act.test"], unique(POSTFIX, "activation"))[0][0], 250)
        finally:
            proc.send_signal(signal.SIGTERM)
            rc = proc.wait(10)
            log.close()
            with open(os.path.join(s.dir, "act.log")) as f:
                text = f.read()
            self.assertIn("passed by systemd", text)
            self.assertEqual(rc, 0, text[-6000:])
            shutil.rmtree(s.dir, ignore_errors=True)


def _try_connect(port):
    try:
        return socket.create_connection(("127.0.0.1", port), timeout=1)
    except OSError:
        return None


if __name__ == "__main__":
    unittest.main(verbosity=2)
