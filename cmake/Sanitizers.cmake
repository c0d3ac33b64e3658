# ASan + UBSan for the whole build when STRATUM_SANITIZE=ON (CI builds the unit tests this way).
if(STRATUM_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
