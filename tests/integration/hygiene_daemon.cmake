# hygiene_daemon.cmake: list hygiene inside `bounced serve` — the sqlite sink, a webhook receiver
# (Python http.server) down then up across a daemon restart, a command action, multi-RCPT attribution.
find_program(BOUNCED_PYTHON3 NAMES python3 REQUIRED)
add_test(NAME integration.daemon_hygiene
         COMMAND ${BOUNCED_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/test_hygiene.py)
set_tests_properties(integration.daemon_hygiene PROPERTIES
  LABELS integration
  TIMEOUT 180
  ENVIRONMENT "BOUNCED_BIN=${BOUNCED_BIN};BOUNCED_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures/lmtp")
