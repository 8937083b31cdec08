#!/usr/bin/env bash
# run.sh BOUNCED: the Postfix suite's ctest entry point: make sure Postfix is there (setup.sh; exit
# 77 = skip), then run the harness, which starts and always stops its own Postfix instance.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bounced=${1:?usage: run.sh path/to/bounced}
if [[ $(id -u) -ne 0 ]]; then
  echo "SKIP: the Postfix suite runs a private Postfix instance and needs root"
  exit 77
fi
bash "$here/setup.sh" || exit $?
exec python3 "$here/harness.py" "$bounced"
