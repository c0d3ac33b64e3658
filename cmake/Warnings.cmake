# Warnings every Stratum target compiles with; -Werror in CI (STRATUM_WERROR=ON).
add_library(stratum_warnings INTERFACE)
target_compile_options(stratum_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor>
  $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<BOOL:${STRATUM_WERROR}>>:-Werror>)
add_library(stratum::warnings ALIAS stratum_warnings)
