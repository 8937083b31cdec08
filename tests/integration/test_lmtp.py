#!/usr/bin/env python3
"""test_lmtp.py: the LMTP server over real sockets, with Python's smtplib.LMTP, swaks and a raw
client: per-recipient replies, pipelining, RSET, limits, disconnects, concurrency, the Unix
socket, idempotency, quarantine, timeouts and the connection limit."""
import os
import smtplib
import socket
import subprocess
import threading
import time
import unittest

from harness import BIN, FIXTURES, RawLmtp, Server, fixture, unique, wait_for

POSTFIX = fixture("postfix-dsn.eml")
TWO = fixture("mailboxfull-two-recipients.eml")


def crlf(data):
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def lmtp_send(client, rcpts, data, sender=""):
    """One transaction with smtplib's low-level calls; returns the per-recipient replies after DATA
    (smtplib's sendmail reads only one)."""
    code, _ = client.mail(sender)
    assert code == 250, code
    for r in rcpts:
        code, msg = client.rcpt(r)
        assert code == 250, (code, msg)
    code, _ = client.docmd("data")
    assert code == 354, code
    body = crlf(data)
    body = b"\r\n".join((b"." + l if l.startswith(b".") else l) for l in body.split(b"\r\n"))
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    client.send(body + b".\r\n")
    return [client.getreply() for _ in rcpts]


class LmtpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Three shards whatever the core count: connections land on different threads.
        cls.server = Server(extra_yaml="  max_message_size: 64K\n  max_line_length: 1024\n  max_errors: 3\n",
                            maildir=False, top_yaml="workers: 3\n").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def client(self):
        c = smtplib.LMTP("127.0.0.1", self.server.port, timeout=10)
        code, _ = c.ehlo("client.test")  # smtplib.LMTP sends LHLO here
        self.assertEqual(code, 250)
        self.assertIn("pipelining", c.esmtp_features)
        self.assertIn("enhancedstatuscodes", c.esmtp_features)
        self.assertIn("8bitmime", c.esmtp_features)
        self.assertEqual(c.esmtp_features["size"], str(64 * 1024))
        return c

    def records_for(self, marker):
        return [r for r in self.server.records() if marker in r["file"]]

    def test_multi_recipient_replies_in_order_with_duplicates(self):
        c = self.client()
        replies = lmtp_send(c, ["a@rcpt.test", "b@rcpt.test", "a@rcpt.test"], unique(POSTFIX, "multi"))
        self.assertEqual([code for code, _ in replies], [250, 250, 250])
        self.assertIn(b"<a@rcpt.test>", replies[0][1])
        self.assertIn(b"<b@rcpt.test>", replies[1][1])
        self.assertIn(b"<a@rcpt.test>", replies[2][1])
        c.quit()
        recs = [r for r in self.server.records() if r["recipient"] == "nobody@example.org"]
        self.assertGreaterEqual(len(recs), 1)

    def test_pipelined_by_hand(self):
        c = RawLmtp("127.0.0.1", self.server.port)
        self.assertTrue(c.line().startswith("220 "))
        c.send(b"LHLO raw.test\r\nMAIL FROM:<>\r\nRCPT TO:<x@r.test>\r\nRCPT TO:<y@r.test>\r\nDATA\r\n")
        self.assertEqual(c.reply()[-1], "250 SIZE 65536")
        self.assertEqual(c.replies(4), ["250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.1.5 Ok",
                                        "354 End data with <CR><LF>.<CR><LF>"])
        # Message, then a second pipelined transaction in the same write.
        c.send(crlf(unique(TWO, "pipe1")) + b".\r\nMAIL FROM:<>\r\nRCPT TO:<z@r.test>\r\nDATA\r\n")
        r = c.replies(5)
        self.assertTrue(r[0].startswith("250 2.0.0 <x@r.test>"), r)
        self.assertTrue(r[1].startswith("250 2.0.0 <y@r.test>"), r)
        self.assertEqual(r[2:], ["250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>"])
        c.send(crlf(unique(TWO, "pipe2")) + b".\r\nQUIT\r\n")
        self.assertTrue(c.reply()[0].startswith("250 2.0.0 <z@r.test>"))
        self.assertTrue(c.reply()[0].startswith("221 "))
        self.assertTrue(c.closed())

    def test_rset_midway_and_sequence_errors(self):
        c = RawLmtp("127.0.0.1", self.server.port)
        c.line()
        c.send(b"HELO x\r\n")
        self.assertTrue(c.reply()[0].startswith("500 5.5.1"))
        c.send(b"LHLO x\r\nMAIL FROM:<>\r\nRCPT TO:<a@r.test>\r\nRSET\r\nDATA\r\nVRFY a\r\nNOOP\r\n")
        r = c.replies(7)
        self.assertEqual(r[1:], ["250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.0.0 Ok", "503 5.5.1 Need MAIL command",
                                 "252 2.5.2 Cannot VRFY user, but will accept message", "250 2.0.0 Ok"])
        c.send(b"MAIL FROM:<>\r\nDATA\r\n")
        self.assertEqual(c.replies(2), ["250 2.1.0 Ok", "503 5.5.1 No valid recipients"])
        c.close()

    def test_size_limit(self):
        c = self.client()
        code, msg = c.docmd("MAIL FROM:<> SIZE=1000000")
        self.assertEqual(code, 552)
        self.assertTrue(msg.startswith(b"5.3.4"))
        big = POSTFIX + b"X" * 200 + b"\r\n"
        big = big + (b"Y" * 900 + b"\r\n") * 100  # ~90 KiB > 64 KiB
        replies = lmtp_send(c, ["a@big.test", "b@big.test"], big)
        self.assertEqual([code for code, _ in replies], [552, 552])
        self.assertTrue(replies[0][1].startswith(b"5.3.4"))
        code, _ = c.noop()
        self.assertEqual(code, 250)
        c.quit()

    def test_line_limit_then_close_on_abuse(self):
        c = RawLmtp("127.0.0.1", self.server.port)
        c.line()
        c.send(b"LHLO x\r\n")
        c.reply()
        c.send(b"NOOP " + b"a" * 3000 + b"\r\n")
        self.assertEqual(c.reply(), ["500 5.5.2 Line too long"])
        c.send(b"NOOP\r\n")
        self.assertEqual(c.reply(), ["250 2.0.0 Ok"])
        # An endless line: the server stops reading and closes.
        try:
            for _ in range(200):
                c.send(b"b" * 16384)
        except (BrokenPipeError, ConnectionResetError):
            pass
        lines = []
        try:
            while True:
                lines.append(c.line())
        except (EOFError, ConnectionResetError):
            pass
        self.assertTrue(any(l.startswith("421 4.7.0") for l in lines), lines)

    def test_client_disconnects_mid_data(self):
        before = len(self.server.records())
        c = RawLmtp("127.0.0.1", self.server.port)
        c.line()
        c.send(b"LHLO x\r\nMAIL FROM:<>\r\nRCPT TO:<a@cut.test>\r\nDATA\r\n")
        c.replies(4)
        c.send(crlf(unique(POSTFIX, "cut"))[:500])
        c.close()
        time.sleep(0.2)
        self.assertEqual(len(self.server.records()), before)
        self.assertIsNone(self.server.proc.poll())
        c2 = self.client()  # the server still serves
        self.assertEqual(c2.noop()[0], 250)
        c2.quit()

    def test_many_concurrent_sessions(self):
        n = 40
        results = [None] * n

        def one(i):
            try:
                c = smtplib.LMTP("127.0.0.1", self.server.port, timeout=20)
                c.ehlo("c")
                results[i] = lmtp_send(c, [f"r{i}@conc.test"], unique(TWO, f"conc-{i}"))
                c.quit()
            except Exception as e:  # reported below
                results[i] = e

        threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for r in results:
            self.assertIsInstance(r, list, r)
            self.assertEqual(r[0][0], 250, r)
        # Each one recorded exactly once, whichever shard served it.
        def conc():  # one message each, first RCPT r{i}@conc.test; its records share one "file"
            return {(r["envelope_recipient"], r["file"]) for r in self.server.records()
                    if r.get("envelope_recipient", "").endswith("@conc.test")}
        wait_for(lambda: len(conc()) >= n, timeout=10)
        seen = conc()
        self.assertEqual(sorted(e for e, _ in seen), sorted(f"r{i}@conc.test" for i in range(n)))
        with open(self.server.log_path) as f:
            self.assertIn("on 3 threads", f.read())

    def test_unix_socket(self):
        c = smtplib.LMTP(self.server.sock_path, timeout=10)
        self.assertEqual(c.ehlo("unix.test")[0], 250)
        replies = lmtp_send(c, ["u@unix.test"], unique(POSTFIX, "unix"))
        self.assertEqual(replies[0][0], 250)
        c.quit()
        mode = os.stat(self.server.sock_path).st_mode & 0o777
        self.assertEqual(mode, 0o660)

    def test_swaks(self):
        path = os.path.join(self.server.dir, "swaks.eml")
        with open(path, "wb") as f:
            f.write(unique(POSTFIX, "swaks"))
        out = subprocess.run(["swaks", "--protocol", "LMTP", "--server", f"127.0.0.1:{self.server.port}",
                              "--from", "", "--to", "s1@swaks.test,s2@swaks.test", "--data", path,
                              "--pipeline", "--timeout", "10"],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("250 2.0.0 <s1@swaks.test>", out.stdout)
        self.assertIn("250 2.0.0 <s2@swaks.test>", out.stdout)

    def test_same_message_twice_records_once(self):
        msg = unique(TWO, "twice")
        for _ in range(2):
            c = self.client()
            self.assertEqual(lmtp_send(c, ["t@twice.test"], msg)[0][0], 250)
            c.quit()
        recs = self.server.records()
        seen = {}
        for r in recs:
            key = (r["file"], r["recipient"])
            seen[key] = seen.get(key, 0) + 1
        self.assertTrue(all(v == 1 for v in seen.values()), seen)

    def test_records_are_what_parse_prints(self):
        msg = crlf(unique(POSTFIX, "parse-equal"))
        c = self.client()
        reply = lmtp_send(c, ["p@parse.test"], msg)[0]
        c.quit()
        self.assertEqual(reply[0], 250)
        msg_id = reply[1].split()[2].decode()
        path = os.path.join(self.server.dir, "parse-equal.eml")
        with open(path, "wb") as f:
            f.write(msg)
        out = subprocess.run([BIN, "parse", path], capture_output=True, timeout=30)
        expected = [l for l in out.stdout.decode().splitlines() if l]
        got = [r for r in self.server.records() if r["file"].startswith("lmtp:" + msg_id)]
        self.assertEqual(len(got), len(expected))
        import json
        for g, e in zip(got, expected):
            e = json.loads(e)
            e.pop("file")
            g = dict(g)
            g.pop("file")
            # The sink adds where the bounce was delivered and who it is about (VERP decoding).
            self.assertEqual(g.pop("envelope_recipient"), "p@parse.test")
            self.assertEqual(g.pop("subscriber"), e["recipient"])
            self.assertEqual(g.pop("list"), "")
            # ... and which message each record belongs to, and its place among that message's.
            self.assertTrue(g.pop("message_hash").startswith(msg_id))
            self.assertEqual(g.pop("recipient_count"), len(expected))
            self.assertIn(g.pop("recipient_index"), range(1, len(expected) + 1))
            self.assertEqual(len(g.pop("line_check")), 16)
            self.assertEqual(g, e)

    def test_unparseable_goes_to_quarantine_and_gets_250(self):
        c = RawLmtp("127.0.0.1", self.server.port)
        c.line()
        c.send(b"LHLO x\r\nMAIL FROM:<>\r\nRCPT TO:<q@q.test>\r\nDATA\r\n")
        c.replies(4)
        c.send(b".\r\n")  # an empty message: nothing to parse
        r = c.reply()[0]
        self.assertTrue(r.startswith("250 2.0.0 <q@q.test>"), r)
        msg_id = r.split()[3]
        files = os.listdir(os.path.join(self.server.quarantine, "new"))
        self.assertTrue(any(f.startswith(msg_id) for f in files), files)
        self.assertFalse(any(msg_id in rec["file"] for rec in self.server.records()))
        c.close()


class LimitsTest(unittest.TestCase):
    def test_idle_timeout(self):
        s = Server(extra_yaml="  idle_timeout: 1s\n", maildir=False).start()
        try:
            c = RawLmtp("127.0.0.1", s.port)
            c.line()
            start = time.time()
            self.assertTrue(c.line().startswith("421 4.4.2"))
            self.assertLess(time.time() - start, 5)
            self.assertTrue(c.closed())
        finally:
            s.cleanup()

    def test_max_connections(self):
        s = Server(extra_yaml="  max_connections: 2\n", maildir=False).start()
        try:
            a = RawLmtp("127.0.0.1", s.port)
            b = RawLmtp("127.0.0.1", s.port)
            self.assertTrue(a.line().startswith("220"))
            self.assertTrue(b.line().startswith("220"))
            c = RawLmtp("127.0.0.1", s.port)
            self.assertTrue(c.line().startswith("421 4.3.2"))
            a.close()
            time.sleep(0.1)
            d = RawLmtp("127.0.0.1", s.port)
            self.assertTrue(d.line().startswith("220"))
        finally:
            s.cleanup()

    def test_null_mode(self):
        s = Server(null_mode=True, maildir=False).start()
        try:
            c = smtplib.LMTP("127.0.0.1", s.port, timeout=10)
            c.ehlo("n")
            self.assertEqual(lmtp_send(c, ["n@null.test"], POSTFIX)[0][0], 250)
            c.quit()
            self.assertFalse(os.path.exists(s.jsonl))
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
