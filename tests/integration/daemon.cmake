# daemon.cmake: the daemon's integration tests, Python scripts that start a real `bounced serve`
# and talk to it over real sockets and files (smtplib.LMTP, swaks). One ctest test per script.
find_program(BOUNCED_PYTHON3 NAMES python3 REQUIRED)
foreach(name lmtp maildir process)
  add_test(NAME integration.daemon_${name}
           COMMAND ${BOUNCED_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/test_${name}.py)
  set_tests_properties(integration.daemon_${name} PROPERTIES
    LABELS integration
    TIMEOUT 120
    ENVIRONMENT "BOUNCED_BIN=${BOUNCED_BIN};BOUNCED_FIXTURES=${CMAKE_SOURCE_DIR}/tests/fixtures/lmtp")
endforeach()
