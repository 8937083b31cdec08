# corpus_eval: parse the shared Sisimai corpus (eml/, not/, err/) and score it with bounce-eval;
# fails below the accuracy floors, skips when ../shared is absent.
add_test(NAME integration.corpus_eval
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/corpus_eval.sh ${BOUNCED_BIN} ${CMAKE_SOURCE_DIR}/../shared)
set_tests_properties(integration.corpus_eval PROPERTIES LABELS integration TIMEOUT 300 SKIP_RETURN_CODE 77)
