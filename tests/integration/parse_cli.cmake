# parse_cli: `bounced parse` over directories, mbox files and stdin; --jobs N prints exactly what one job does.
add_test(NAME integration.parse_cli
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/parse_cli.sh ${BOUNCED_BIN} ${CMAKE_SOURCE_DIR}/tests/fixtures)
set_tests_properties(integration.parse_cli PROPERTIES LABELS integration TIMEOUT 120)
