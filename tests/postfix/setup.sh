#!/usr/bin/env bash
# setup.sh: makes the Debian package postfix available for the Postfix suite (tests/postfix), and
# nothing else: it is not part of scripts/install-deps.sh, so the normal build and unit tests never
# need an MTA. Installs with "No configuration" (no /etc/postfix/main.cf, so no system-wide Postfix
# starts; the suite runs its own private instance). Exit 0 = ready, 77 = cannot (the suite skips).
set -uo pipefail
have_postfix() { command -v postfix >/dev/null && command -v postmap >/dev/null && [[ -x /usr/sbin/sendmail ]] &&
                 [[ -x /usr/sbin/smtp-sink || -x /usr/lib/postfix/sbin/smtpd ]]; }
have_postfix && exit 0
if [[ $(id -u) -ne 0 ]]; then
  echo "SKIP: Postfix is not installed and installing it needs root (apt-get install postfix)"
  exit 77
fi
if ! command -v apt-get >/dev/null; then
  echo "SKIP: Postfix is not installed and this is not a Debian system (no apt-get)"
  exit 77
fi
# Installing postfix replaces any other MTA; never do that to a machine that has one.
other_mta=$(dpkg-query -W -f='${Package} ${Status}\n' exim4-daemon-light exim4-daemon-heavy opensmtpd sendmail-bin \
            msmtp-mta nullmailer 2>/dev/null | awk '/install ok installed/ {print $1}' | head -1)
if [[ -n $other_mta ]]; then
  echo "SKIP: another MTA ($other_mta) is installed; not replacing it with postfix"
  exit 77
fi
echo "setup: installing postfix (No configuration)"
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -qq --no-install-recommends postfix >/dev/null 2>&1; then
  apt-get update -qq >/dev/null 2>&1
  if ! apt-get install -y -qq --no-install-recommends postfix >/dev/null 2>&1; then
    echo "SKIP: apt-get install postfix failed (no network or package mirror?)"
    exit 77
  fi
fi
# "No configuration" leaves no main.cf, so nothing starts; stop a system instance all the same
# should a preconfigured one have been started by the package scripts.
if [[ -f /etc/postfix/main.cf ]] && postfix status >/dev/null 2>&1; then
  postfix stop >/dev/null 2>&1 || true
fi
have_postfix || { echo "SKIP: postfix installed but its programs are missing"; exit 77; }
echo "setup: $(postconf -d -h mail_version 2>/dev/null | sed 's/^/Postfix /')"
