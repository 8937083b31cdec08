#!/usr/bin/env python3
"""test_hygiene.py: list hygiene inside `bounced serve`. A bounce over LMTP lands in the sqlite
sink and suppresses its VERP-decoded subscriber; the outbox worker runs a command action at once
and keeps retrying a webhook whose receiver (Python's http.server, started by this test) is down,
across a daemon restart, until the receiver is up: then exactly one signed POST arrives. Also: one
LMTP transaction with several VERP RCPTs attributes each RCPT, and `bounced record` of the same
bytes is a duplicate (one message identity, SHA-256, on both paths)."""
import hashlib
import hmac
import http.server
import json
import os
import smtplib
import sqlite3
import subprocess
import sys
import threading
import unittest

from harness import BIN, Server, fixture, free_port, wait_for

SECRET = "test-webhook-secret"


def crlf(data):
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


class Receiver:
    """A webhook receiver: records every POST (headers, body) and answers 204."""

    def __init__(self, port):
        self.port = port
        self.posts = []
        self.httpd = None

    def start(self):
        posts = self.posts

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                posts.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None


def send(port, rcpts, data):
    c = smtplib.LMTP("127.0.0.1", port, timeout=10)
    c.ehlo("client.test")
    c.mail("")
    for r in rcpts:
        code, msg = c.rcpt(r)
        assert code == 250, (code, msg)
    code, _ = c.docmd("data")
    assert code == 354
    body = crlf(data)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    c.send(body + b".\r\n")
    replies = [c.getreply() for _ in rcpts]
    c.quit()
    return replies


class HygieneTest(unittest.TestCase):
    def setUp(self):
        self.hook_port = free_port()
        self.receiver = Receiver(self.hook_port)
        self.server = None

    def tearDown(self):
        self.receiver.stop()
        if self.server:
            self.server.cleanup()

    def make_server(self):
        # The Server's directory is created in its constructor: write the secret file afterwards,
        # before the first start (the config reads it at load time).
        self.cmd_out = None
        top = (
            "hygiene:\n"
            "  actions:\n"
            "    - name: hook\n"
            "      type: webhook\n"
            f"      url: http://127.0.0.1:{self.hook_port}/bounced\n"
            "      secret_file: hook.key\n"
            "      timeout: 2s\n"
            "    - name: unsubscribe\n"
            "      type: command\n"
            f"      argv: ['{sys.executable}', '-c', 'import sys; open(sys.argv[1], \"a\").write(\" \".join(sys.argv[2:]) + chr(10))', CMDOUT, '{{event}}', '{{address}}', '{{list}}', '{{reason}}']\n"
            "      timeout: 10s\n"
            "  outbox: {poll: 1s, retry_first: 1s, retry_max: 2s}\n"
        )
        server = Server(maildir=False, extra_sinks="  - type: sqlite\n    path: bounced.db\n", top_yaml=top)
        self.cmd_out = os.path.join(server.dir, "command.out")
        with open(server.config) as f:
            text = f.read().replace("CMDOUT", self.cmd_out)
        with open(server.config, "w") as f:
            f.write(text)
        with open(os.path.join(server.dir, "hook.key"), "w") as f:
            f.write(SECRET + "\n")
        self.db = os.path.join(server.dir, "bounced.db")
        return server

    def query(self, sql):
        with sqlite3.connect(self.db) as db:
            return db.execute(sql).fetchall()

    def cli(self, *args):
        r = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=30)
        return r.returncode, r.stdout, r.stderr

    def test_suppress_then_deliver_across_restart(self):
        self.server = s = self.make_server()
        s.start()
        verp = "news-bounces+nobody=example.org@lists.example.com"
        replies = send(s.port, [verp], fixture("postfix-dsn.eml"))
        self.assertEqual(replies[0][0], 250)

        # Recorded and suppressed before the 250: the store is a durable sink.
        rc, out, err = self.cli("suppressions", "list", "--db", self.db)
        self.assertEqual(rc, 0, err)
        self.assertIn("nobody@example.org", out)
        self.assertIn("news", out)
        # The command action ran at once (woken by the batch), argv from the template.
        self.assertTrue(wait_for(lambda: os.path.exists(self.cmd_out), 10), s.read_log())
        with open(self.cmd_out) as f:
            self.assertEqual(f.read().split(), ["suppressed", "nobody@example.org", "news", "userunknown"])
        # The webhook receiver is down: the row stays pending and is retried with backoff.
        self.assertTrue(wait_for(lambda: self.query(
            "SELECT attempts FROM outbox WHERE target = 'hook' AND done_at IS NULL AND attempts >= 2"), 15),
            s.read_log())
        err_text = self.query("SELECT last_error FROM outbox WHERE target = 'hook'")[0][0]
        self.assertTrue(err_text, "last_error is recorded")

        # Restart the daemon while the receiver is still down; then bring the receiver up.
        self.assertEqual(s.stop(), 0)
        s.start()
        self.receiver.start()
        self.assertTrue(wait_for(lambda: self.receiver.posts, 15), s.read_log())
        self.assertTrue(wait_for(lambda: not self.query("SELECT id FROM outbox WHERE done_at IS NULL"), 10))
        self.assertEqual(len(self.receiver.posts), 1, "delivered exactly once")
        headers, body = self.receiver.posts[0]
        event = json.loads(body)
        self.assertEqual(event["event"], "suppressed")
        self.assertEqual(event["address"], "nobody@example.org")
        self.assertEqual(event["list"], "news")
        self.assertEqual(event["kind"], "hard")
        self.assertEqual(headers.get("X-Bounced-Event"), "suppressed")
        sig = dict(p.split("=", 1) for p in headers["X-Bounced-Signature"].split(","))
        want = hmac.new(SECRET.encode(), sig["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
        self.assertEqual(sig["v1"], want, "HMAC-SHA256 signature checks out")

        # A lift by the operator (with the daemon's config) is delivered as a "lifted" event.
        rc, out, err = self.cli("suppressions", "lift", "nobody@example.org", "--config", s.config, "--by", "test")
        self.assertEqual(rc, 0, err)
        self.assertTrue(wait_for(lambda: len(self.receiver.posts) == 2, 10), s.read_log())
        self.assertEqual(json.loads(self.receiver.posts[1][1])["event"], "lifted")
        with open(self.cmd_out) as f:
            self.assertEqual(len(f.read().splitlines()), 1, "the command action only hears of suppressions")

    def test_each_rcpt_and_one_identity(self):
        self.receiver.start()
        self.server = s = self.make_server()
        s.start()
        msg = fixture("postfix-dsn.eml")
        rcpts = ["bounces+a=example.org@lists.example.com", "bounces+b=example.org@lists.example.com",
                 "bounces+c=example.org@lists.example.com"]
        self.assertEqual([r[0] for r in send(s.port, rcpts, msg)], [250, 250, 250])
        rows = self.query("SELECT address FROM recipient_results ORDER BY address")
        self.assertEqual([r[0] for r in rows], ["a@example.org", "b@example.org", "c@example.org"])
        self.assertEqual(self.query("SELECT COUNT(*) FROM messages")[0][0], 1)
        # `bounced record` of the same bytes (as LMTP delivered them): a duplicate.
        path = os.path.join(s.dir, "same.eml")
        with open(path, "wb") as f:
            f.write(crlf(msg) if crlf(msg).endswith(b"\r\n") else crlf(msg) + b"\r\n")
        rc, out, err = self.cli("record", "--db", self.db, path)
        self.assertEqual(rc, 0, err)
        self.assertIn("already recorded", out)
        self.assertEqual(self.query("SELECT COUNT(*) FROM messages")[0][0], 1)
        self.assertTrue(wait_for(lambda: len(self.receiver.posts) == 3, 10), s.read_log())


if __name__ == "__main__":
    unittest.main(verbosity=2)
