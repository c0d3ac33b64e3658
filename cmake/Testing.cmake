# stratum_add_test(<name> SOURCES <files...> LIBS <targets...> [LABEL <label>])
# LABEL defaults to "unit" (the tests CI also runs under ASan + UBSan); whole-program tests that
# run the CLI use "system".
# One GoogleTest binary; each test runs in its own process under ctest (gtest_discover_tests),
# which SimGrid needs: one engine per process (DESIGN.md section 4).
function(stratum_add_test name)
  cmake_parse_arguments(ARG "" "LABEL" "SOURCES;LIBS" ${ARGN})
  if(NOT ARG_LABEL)
    set(ARG_LABEL unit)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main stratum::warnings)
  target_compile_definitions(${name} PRIVATE
    STRATUM_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    STRATUM_BINARY_DIR="${PROJECT_BINARY_DIR}")
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST
    PROPERTIES LABELS ${ARG_LABEL} ENVIRONMENT "QT_QPA_PLATFORM=offscreen")
endfunction()
