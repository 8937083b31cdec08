#!/usr/bin/env python3
"""test_maildir.py: the Maildir watcher: files present at start, the tmp/ -> new/ rename, a plain
write into new/, unparseable mail to the quarantine, the same content twice, and a file that comes
back after it was recorded (a crash between recording and moving) recorded only once, a writer that
ignores the Maildir protocol (never read half-written), a link(2) delivery."""
import os
import time
import unittest

from harness import Server, fixture, unique, wait_for

POSTFIX = fixture("postfix-dsn.eml")
TWO = fixture("mailboxfull-two-recipients.eml")
EXIM = fixture("exim-plain.eml")


def listing(server, sub):
    return sorted(os.listdir(os.path.join(server.maildir, sub)))


class MaildirTest(unittest.TestCase):
    def setUp(self):
        self.s = Server()
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(self.s.maildir, sub))

    def tearDown(self):
        self.s.cleanup()

    def test_files_present_at_start_then_live_deliveries(self):
        self.s.deliver_to_maildir("1700000000.A1.host", unique(POSTFIX, "md-start-1"))
        self.s.deliver_to_maildir("1700000001.A2.host", unique(TWO, "md-start-2"))
        self.s.start()
        self.assertTrue(wait_for(lambda: len(listing(self.s, "cur")) == 2), listing(self.s, "new"))
        self.assertEqual(listing(self.s, "new"), [])
        self.assertEqual(listing(self.s, "cur"), ["1700000000.A1.host:2,S", "1700000001.A2.host:2,S"])
        # The Maildir way (tmp/ then rename) and a plain write into new/.
        self.s.deliver_to_maildir("1700000002.A3.host", unique(EXIM, "md-live-1"), via_tmp=True)
        self.s.deliver_to_maildir("1700000003.A4.host", unique(POSTFIX, "md-live-2"), via_tmp=False)
        self.assertTrue(wait_for(lambda: len(listing(self.s, "cur")) == 4), listing(self.s, "new"))
        self.assertEqual(listing(self.s, "new"), [])
        files = {r["file"] for r in self.s.records()}
        for name in ("1700000000.A1.host:2,S", "1700000003.A4.host:2,S"):
            self.assertIn(os.path.join(self.s.maildir, "cur", name), files)

    def test_unparseable_goes_to_quarantine(self):
        self.s.start()
        self.s.deliver_to_maildir("1700000010.B1.host", b"")
        self.assertTrue(wait_for(lambda: listing(self.s, "new") == [] and
                                 os.path.isdir(os.path.join(self.s.quarantine, "new")) and
                                 len(os.listdir(os.path.join(self.s.quarantine, "new"))) == 1))
        q = os.listdir(os.path.join(self.s.quarantine, "new"))[0]
        with open(os.path.join(self.s.quarantine, "new", q), "rb") as f:
            self.assertEqual(f.read(), b"")
        self.assertEqual(listing(self.s, "cur"), [])
        self.assertEqual(self.s.records(), [])

    def test_same_message_twice_and_after_a_crash_recorded_once(self):
        self.s.start()
        msg = unique(TWO, "md-twice")
        self.s.deliver_to_maildir("1700000020.C1.host", msg)
        self.assertTrue(wait_for(lambda: len(listing(self.s, "cur")) == 1))
        n = len(self.s.records())
        self.assertGreaterEqual(n, 1)
        # The same content again (a resend, or the file put back as after a crash before the move).
        self.s.deliver_to_maildir("1700000021.C2.host", msg)
        self.assertTrue(wait_for(lambda: len(listing(self.s, "cur")) == 2))
        self.assertEqual(len(self.s.records()), n)
        # And across a restart.
        self.s.stop()
        self.s.deliver_to_maildir("1700000022.C3.host", msg)
        self.s.start()
        self.assertTrue(wait_for(lambda: len(listing(self.s, "cur")) == 3))
        self.assertEqual(len(self.s.records()), n)

    def test_plain_writer_is_not_read_half_written(self):
        # A writer that ignores the Maildir protocol: creates the file right in new/, under a
        # non-Maildir name, and pauses mid-way for longer than the settle time. Nothing may be read
        # (or recorded) before it closes the file; then the whole message is recorded once.
        self.s.start()
        data = unique(TWO, "md-slow-writer")
        path = os.path.join(self.s.maildir, "new", "bounce copy.eml")
        with open(path, "wb") as f:
            f.write(data[: len(data) // 2])
            f.flush()
            time.sleep(2.5)
            self.assertEqual(listing(self.s, "cur"), [])
            self.assertEqual(self.s.records(), [])
            self.assertEqual(os.listdir(os.path.join(self.s.quarantine, "new")) if
                             os.path.isdir(os.path.join(self.s.quarantine, "new")) else [], [])
            f.write(data[len(data) // 2:])
        self.assertTrue(wait_for(lambda: listing(self.s, "cur") == ["bounce copy.eml:2,S"]), listing(self.s, "new"))
        recs = self.s.records()
        self.assertEqual(len(recs), 2, recs)  # the fixture's two recipients, once each
        self.assertEqual(len({r["recipient"] for r in recs}), 2)

    def test_link_delivery_and_late_appearance(self):
        # Postfix local(8)/virtual(8) and qmail: link(2) tmp/ -> new/, then unlink tmp/ (no
        # IN_MOVED_TO, no IN_CLOSE_WRITE in new/).
        self.s.start()
        tmp = os.path.join(self.s.maildir, "tmp", "1700000040.E1.host")
        with open(tmp, "wb") as f:
            f.write(unique(POSTFIX, "md-link"))
        os.link(tmp, os.path.join(self.s.maildir, "new", "1700000040.E1.host"))
        os.unlink(tmp)
        self.assertTrue(wait_for(lambda: listing(self.s, "cur") == ["1700000040.E1.host:2,S"], timeout=10))
        self.assertEqual(len(self.s.records()), 1)


class MaildirAfterTest(unittest.TestCase):
    def test_delete_and_move(self):
        for after, extra in (("delete", ""), ("move", "    folder: Done\n")):
            s = Server(maildir=False)
            with open(s.config, "a") as f:
                f.write("")
            text = open(s.config).read().replace("maildirs: []\n", f"maildirs:\n  - path: Maildir\n    after: {after}\n{extra}")
            with open(s.config, "w") as f:
                f.write(text)
            try:
                s.start()
                s.deliver_to_maildir("1700000030.D1.host", unique(POSTFIX, "after-" + after))
                self.assertTrue(wait_for(lambda: listing(s, "new") == []))
                self.assertEqual(listing(s, "cur"), [])
                if after == "move":
                    self.assertTrue(wait_for(lambda: os.listdir(os.path.join(s.dir, "Done", "cur")) ==
                                             ["1700000030.D1.host:2,S"]))
            finally:
                s.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
