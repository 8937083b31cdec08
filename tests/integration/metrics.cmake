# metrics.cmake: the /metrics endpoint and transient-failure alerts of a real `bounced serve`
# (test_metrics.py; runs promtool when the Debian package prometheus is installed).
find_program(BOUNCED_PYTHON3 NAMES python3 REQUIRED)
add_test(NAME integration.daemon_metrics COMMAND ${BOUNCED_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/test_metrics.py)
set_tests_properties(integration.daemon_metrics PROPERTIES
  LABELS integration
  TIMEOUT 120
  ENVIRONMENT "BOUNCED_BIN=${BOUNCED_BIN};BOUNCED_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures/lmtp")
