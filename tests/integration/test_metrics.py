#!/usr/bin/env python3
"""test_metrics.py: the /metrics endpoint of a real `bounced serve`: bounces fed over LMTP show up
as counters, every line passes the real `promtool check metrics`, other paths get 404, requests
are bounded, connections limited, and a burst of transient failures for one provider group
raises a transient-failure alert that resolves when permanent failures dilute it. With the sqlite
sink and a webhook action, both events reach a real HTTP receiver through the store's outbox, the
store gauges follow, and `bounced stats` reads the same store."""
import http.client
import json
import os
import shutil
import smtplib
import socket
import subprocess
import time
import unittest

from harness import BIN, Server, fixture, free_port, unique, wait_for
from test_hygiene import Receiver

POSTFIX = fixture("postfix-dsn.eml")


def delayed_dsn(tag, rcpt="someone@gmail.com", status="4.7.0"):
    """A Postfix delay warning for a Gmail recipient: a transient (4.x.x) failure."""
    return (
        "From: MAILER-DAEMON@mx1.example.net (Mail Delivery System)\r\n"
        "To: newsletter@lists.example.com\r\n"
        f"Subject: Delayed Mail (still being retried) {tag}\r\n"
        f"Message-Id: <delay-{tag}@mx1.example.net>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n"
        "\r\n"
        "--b1\r\nContent-Type: text/plain\r\n\r\n"
        "This is the mail system at host mx1.example.net.\r\n\r\n"
        "####################################################################\r\n"
        "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\r\n"
        "####################################################################\r\n\r\n"
        f"<{rcpt}>: host gmail-smtp-in.l.google.com[192.0.2.27] said: 421-4.7.0 "
        "This message is suspicious due to the very low reputation of the sending IP address. "
        "(in reply to end of DATA command)\r\n\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx1.example.net\r\n\r\n"
        f"Final-Recipient: rfc822; {rcpt}\r\n"
        "Action: delayed\r\n"
        f"Status: {status}\r\n"
        "Remote-MTA: dns; gmail-smtp-in.l.google.com\r\n"
        f"Diagnostic-Code: smtp; 421-{status} This message is suspicious due to the very low reputation of the "
        "sending IP address.\r\n\r\n"
        "--b1--\r\n"
    ).encode()


def failed_dsn(tag, rcpt):
    """A permanent failure (5.1.1) for `rcpt`."""
    return (
        "From: MAILER-DAEMON@mx1.example.net (Mail Delivery System)\r\n"
        "To: newsletter@lists.example.com\r\n"
        f"Subject: Undelivered Mail Returned to Sender {tag}\r\n"
        f"Message-Id: <fail-{tag}@mx1.example.net>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b2\"\r\n"
        "\r\n"
        "--b2\r\nContent-Type: text/plain\r\n\r\nThe mail system\r\n\r\n"
        "--b2\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx1.example.net\r\n\r\n"
        f"Final-Recipient: rfc822; {rcpt}\r\n"
        "Action: failed\r\n"
        "Status: 5.1.1\r\n"
        "Remote-MTA: dns; gmail-smtp-in.l.google.com\r\n"
        "Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does not exist.\r\n\r\n"
        "--b2--\r\n"
    ).encode()


PLAIN = b"From: a@example.net\r\nTo: b@example.org\r\nSubject: hello\r\nMessage-Id: <plain@x>\r\n\r\nJust mail.\r\n"


def deliver(port, data, rcpt="bounces@lists.example.com"):
    with smtplib.LMTP("127.0.0.1", port, timeout=10) as c:
        c.ehlo("client.test")
        c.mail("")
        c.rcpt(rcpt)
        code, msg = c.data(data)
        assert code == 250, (code, msg)


def scrape(port, path="/metrics"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read().decode()
    conn.close()
    return r.status, r.getheader("Content-Type"), body


def samples(text):
    """{'name{labels}': value} of every sample line."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


class MetricsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mport = free_port()
        cls.server = Server(
            extra_yaml=(
                "metrics:\n"
                f"  listen: 127.0.0.1:{cls.mport}\n"
                "  max_connections: 3\n"
                "  read_timeout: 2s\n"
                "  transient_alerts:\n"
                "    window: 5m\n"
                "    threshold: 50%\n"
                "    min_volume: 3\n"
            ),
            maildir=True,
        ).start()
        port = cls.server.port
        deliver(port, POSTFIX)                       # permanent, example.org: "other"
        deliver(port, POSTFIX)                       # the same bytes again: duplicate
        deliver(port, PLAIN)                         # not a bounce
        deliver(port, b"\r\n")                       # nothing to parse: quarantined
        for i in range(3):
            deliver(port, delayed_dsn(i))            # transient, gmail.com: "google"
        cls.server.deliver_to_maildir("1.m1.test", unique(POSTFIX, "maildir"))
        assert wait_for(lambda: len(cls.server.records()) >= 5, timeout=10), cls.server.records()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def metrics(self):
        status, ctype, body = scrape(self.mport)
        self.assertEqual(status, 200)
        self.assertEqual(ctype, "text/plain; version=0.0.4; charset=utf-8")
        return body

    def test_counters_after_feeding_bounces(self):
        s = wait_for(lambda: (lambda m: m if m.get('bounced_messages_total{source="maildir",outcome="parsed"}') else None)(
            samples(self.metrics())), timeout=10)
        self.assertTrue(s, self.metrics())
        self.assertEqual(s['bounced_messages_total{source="lmtp",outcome="parsed"}'], 4)
        self.assertEqual(s['bounced_messages_total{source="lmtp",outcome="duplicate"}'], 1)
        self.assertEqual(s['bounced_messages_total{source="lmtp",outcome="not_bounce"}'], 1)
        self.assertEqual(s['bounced_messages_total{source="lmtp",outcome="quarantined"}'], 1)
        self.assertEqual(s['bounced_messages_total{source="maildir",outcome="parsed"}'], 1)
        self.assertEqual(
            s['bounced_recipients_total{status_class="permanent",status_subject="addressing",reason="userunknown",'
              'bounce="hard"}'], 2)
        transient = {k: v for k, v in s.items() if k.startswith('bounced_recipients_total{status_class="transient"')}
        self.assertEqual(sum(transient.values()), 3, transient)
        self.assertEqual(s['bounced_transient_failures_total{domain_group="google"}'], 3)
        self.assertEqual(s['bounced_transient_failures_total{domain_group="microsoft"}'], 0)
        self.assertEqual(s['bounced_domain_group_results_total{domain_group="other",status_class="permanent"}'], 2)
        self.assertEqual(s['bounced_lmtp_transactions_total{result="stored"}'], 7)
        self.assertGreaterEqual(s['bounced_lmtp_replies_total{class="2xx"}'], 7 * 5)
        self.assertEqual(s['bounced_lmtp_replies_total{class="5xx"}'], 0)
        self.assertGreaterEqual(s["bounced_lmtp_connections_total"], 7)
        self.assertEqual(s['bounced_sink_errors_total{sink="jsonl"}'], 0)
        self.assertEqual(s["bounced_maildir_backlog"], 0)
        self.assertEqual(s["bounced_processing_duration_seconds_count"], 8)  # 7 over LMTP, 1 from the Maildir
        self.assertGreaterEqual(s["bounced_commit_duration_seconds_count"], 1)
        self.assertEqual([v for k, v in s.items() if k.startswith("bounced_build_info{version=")], [1])
        body = self.metrics()
        self.assertNotIn("@", body)
        self.assertNotIn("example.org", body)
        self.assertNotIn("gmail.com", body)

    def test_promtool_check_metrics(self):
        promtool = shutil.which("promtool")
        if not promtool:
            self.skipTest("promtool not installed (Debian package prometheus; scripts/install-deps.sh installs it)")
        body = self.metrics()
        r = subprocess.run([promtool, "check", "metrics"], input=body.encode(), capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout.decode() + r.stderr.decode() + "\n" + body)

    def test_other_paths_and_methods(self):
        status, _, body = scrape(self.mport, "/")
        self.assertEqual(status, 404)
        status, _, _ = scrape(self.mport, "/metrics/../x")
        self.assertEqual(status, 404)
        conn = http.client.HTTPConnection("127.0.0.1", self.mport, timeout=10)
        conn.request("POST", "/metrics", body=b"x")
        self.assertEqual(conn.getresponse().status, 405)
        conn.close()
        # Keep-alive: several requests on one connection.
        conn = http.client.HTTPConnection("127.0.0.1", self.mport, timeout=10)
        for _ in range(3):
            conn.request("GET", "/metrics")
            r = conn.getresponse()
            r.read()
            self.assertEqual(r.status, 200)
        conn.close()

    def test_check_config_shows_the_endpoint_and_alerts(self):
        r = subprocess.run([BIN, "check-config", "--config", self.server.config], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"metrics: http://127.0.0.1:{self.mport}/metrics", r.stdout)
        self.assertIn("transient alerts: 13 domain groups + other, window 300s, threshold 50%, min volume 3", r.stdout)

    def test_oversized_request_is_refused(self):
        with socket.create_connection(("127.0.0.1", self.mport), timeout=10) as s:
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
            reply = b""
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    reply += chunk
            except ConnectionResetError:
                pass
        self.assertTrue(reply == b"" or reply.startswith(b"HTTP/1.1 413"), reply[:100])

    def test_idle_connections_time_out_and_are_limited(self):
        idle = [socket.create_connection(("127.0.0.1", self.mport), timeout=10) for _ in range(3)]
        time.sleep(0.3)
        # Over the limit: closed at once without an answer.
        extra = socket.create_connection(("127.0.0.1", self.mport), timeout=10)
        extra.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            self.assertEqual(extra.recv(100), b"")
        except ConnectionResetError:
            pass
        extra.close()
        # The idle ones are closed by the read deadline (2 s), after which scraping works again.
        t0 = time.time()
        for s in idle:
            try:
                self.assertEqual(s.recv(100), b"")
            except ConnectionResetError:
                pass
            s.close()
        self.assertLess(time.time() - t0, 8)
        self.assertTrue(wait_for(lambda: scrape(self.mport)[0] == 200, timeout=5))

    def test_transient_alert_fires_and_resolves(self):
        # 3 transient gmail failures of 3 results (threshold 50%, min volume 3): alert.
        log = wait_for(lambda: "domain group google" in self.server.read_log() and self.server.read_log(), timeout=10)
        self.assertIn("transient failures for domain group google: 3 of 3 results (100.0%)", log)
        self.assertIn(": alert", log)
        s = samples(self.metrics())
        self.assertEqual(s['bounced_domain_group_alerting{domain_group="google"}'], 1)
        self.assertEqual(s['bounced_transient_alerts_total{domain_group="google",event="alert"}'], 1)
        self.assertEqual(s['bounced_domain_group_alerting{domain_group="other"}'], 0)
        # Permanent failures for the same group bring the share to 3 of 7: resolved.
        for i in range(4):
            deliver(self.server.port, failed_dsn(i, f"user{i}@gmail.com"))
        log = wait_for(lambda: "resolved" in self.server.read_log() and self.server.read_log(), timeout=10)
        self.assertIn("transient failures for domain group google: 3 of 7 results (42.9%), below 50.0%: resolved", log)
        s = samples(self.metrics())
        self.assertEqual(s['bounced_domain_group_alerting{domain_group="google"}'], 0)
        self.assertEqual(s['bounced_transient_alerts_total{domain_group="google",event="resolved"}'], 1)


class StoreAlertTest(unittest.TestCase):
    """Alerts through the outbox to a webhook; store gauges; `bounced stats` on the daemon's store."""

    @classmethod
    def setUpClass(cls):
        cls.mport = free_port()
        cls.hook_port = free_port()
        cls.receiver = Receiver(cls.hook_port)
        cls.receiver.start()
        cls.server = Server(
            extra_yaml=(
                "metrics:\n"
                f"  listen: 127.0.0.1:{cls.mport}\n"
                "  transient_alerts: {window: 5m, threshold: 0.5, min_volume: 3}\n"
            ),
            maildir=False,
            extra_sinks="  - type: sqlite\n    path: bounced.db\n",
            top_yaml=(
                "hygiene:\n"
                "  actions:\n"
                "    - name: ops\n"
                "      type: webhook\n"
                f"      url: http://127.0.0.1:{cls.hook_port}/alerts\n"
                "      timeout: 2s\n"
                "      events: [alert, resolved]\n"
                "  outbox: {poll: 1s, retry_first: 1s, retry_max: 2s}\n"
            ),
        ).start()
        cls.db = os.path.join(cls.server.dir, "bounced.db")

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        cls.receiver.stop()

    def events(self):
        return [json.loads(body) for _, body in self.receiver.posts]

    def cli(self, *args):
        r = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_alert_and_resolved_reach_the_webhook_and_stats_reads_the_store(self):
        port = self.server.port
        for i in range(3):
            deliver(port, delayed_dsn(f"s{i}"))
        got = wait_for(lambda: [e for e in self.events() if e.get("event") == "alert"], timeout=15)
        self.assertTrue(got, self.server.read_log())
        alert = got[0]
        self.assertEqual(alert["domain_group"], "google")
        self.assertEqual((alert["transient"], alert["total"]), (3, 3))
        self.assertEqual(alert["threshold"], 0.5)
        self.assertEqual(alert["window_seconds"], 300)
        for i in range(4):
            deliver(port, failed_dsn(f"s{i}", f"user{i}@gmail.com"))
        got = wait_for(lambda: [e for e in self.events() if e.get("event") == "resolved"], timeout=15)
        self.assertTrue(got, self.server.read_log())
        self.assertEqual(got[0]["domain_group"], "google")
        self.assertEqual((got[0]["transient"], got[0]["total"]), (3, 7))
        self.assertIn("since", got[0])
        self.assertEqual(len(self.events()), 2, self.events())  # nothing else goes to this action

        # The store gauges: four hard bounces suppressed, nothing left in the outbox.
        s = wait_for(lambda: (lambda m: m if m.get("bounced_outbox_backlog") == 0 else None)(
            samples(scrape(self.mport)[2])), timeout=15)
        self.assertTrue(s, scrape(self.mport)[2])
        self.assertEqual(s['bounced_suppressions_total{kind="hard"}'], 4)
        self.assertEqual(s['bounced_suppressions_active{kind="hard"}'], 4)
        self.assertEqual(s["bounced_suppression_lifts_total"], 0)
        # A lift by another process is counted at a later scrape (store gauges refresh every 5 s at most).
        self.cli("suppressions", "lift", "user0@gmail.com", "--db", self.db, "--by", "test")
        s = wait_for(lambda: (lambda m: m if m.get("bounced_suppression_lifts_total") == 1 else None)(
            samples(scrape(self.mport)[2])), timeout=15)
        self.assertTrue(s, scrape(self.mport)[2])
        self.assertEqual(s["bounced_suppression_lifts_total"], 1)
        self.assertEqual(s['bounced_suppressions_active{kind="hard"}'], 3)
        self.assertEqual(s['bounced_suppressions_total{kind="hard"}'], 4)
        if shutil.which("promtool"):
            r = subprocess.run(["promtool", "check", "metrics"], input=scrape(self.mport)[2].encode(),
                               capture_output=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        # bounced stats on the store the daemon writes: by domain, reason and list, via --db and --config.
        out = self.cli("stats", "--db", self.db, "--window", "1h")
        row = [l.split() for l in out.splitlines() if l.startswith("gmail.com")]
        # The delay warnings are not counted as sender-side (the policy ignores them as delays).
        self.assertEqual(row, [["gmail.com", "7", "4", "3", "4", "0", "4"]], out)
        out = self.cli("stats", "--config", self.server.config, "--by", "reason")
        reasons = {l.split()[0]: l.split()[1] for l in out.splitlines()[1:] if l.strip()}
        self.assertEqual(reasons.get("badreputation"), "3", out)
        self.assertEqual(reasons.get("userunknown"), "4", out)
        out = self.cli("stats", "--db", self.db, "--by", "list", "--window", "5m")
        self.assertIn("total (shown rows)", out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
