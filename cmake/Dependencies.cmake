# Finds the Debian packages Stratum builds on (scripts/install-deps.sh installs them).
find_package(PkgConfig REQUIRED)
pkg_check_modules(SimGrid REQUIRED IMPORTED_TARGET simgrid>=3.32)
find_package(Boost 1.74 REQUIRED COMPONENTS graph)
find_package(Protobuf 3.21 REQUIRED)
# nlohmann/json (Debian nlohmann-json3-dev): JSON results and the Mooncake JSONL trace reader.
find_package(nlohmann_json 3.11 REQUIRED)
find_package(Threads REQUIRED)

# CUDA: on when nvcc is found. There is no GPU to detect, so name the architectures.
include(CheckLanguage)
check_language(CUDA)
if(CMAKE_CUDA_COMPILER)
  set(_stratum_cuda_default ON)
else()
  set(_stratum_cuda_default OFF)
endif()
option(STRATUM_CUDA "Build the CUDA kernels and stratum-calibrate" ${_stratum_cuda_default})

# Qt6 GUI: on when Qt6 Widgets and Charts are found.
find_package(Qt6 6.4 QUIET COMPONENTS Widgets Charts)
if(Qt6_FOUND)
  set(_stratum_gui_default ON)
else()
  set(_stratum_gui_default OFF)
endif()
option(STRATUM_GUI "Build the Qt6 desktop app stratum-gui" ${_stratum_gui_default})

if(STRATUM_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
if(STRATUM_TESTS AND STRATUM_BENCH)
  find_package(benchmark REQUIRED)
endif()
