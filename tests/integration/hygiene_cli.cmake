# hygiene_cli: VERP encode/decode, record with the policy, suppressions list/show/lift/export, stats.
add_test(NAME integration.hygiene_cli
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/hygiene_cli.sh ${BOUNCED_BIN})
set_tests_properties(integration.hygiene_cli PROPERTIES LABELS integration TIMEOUT 120)
