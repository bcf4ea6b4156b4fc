# Test support for the Windows build: GoogleTest compiled by mingw from Debian's sources, one Wine prefix per
# build folder kept up for the whole ctest run, and test registration that works without running Wine at
# build time.

# Debian's googletest package ships the sources; build them with the toolchain of this build.
set(REMEDIATOR_GOOGLETEST_SOURCE /usr/src/googletest CACHE PATH "GoogleTest sources (Debian package googletest)")
if(NOT EXISTS ${REMEDIATOR_GOOGLETEST_SOURCE}/CMakeLists.txt)
  message(FATAL_ERROR "no GoogleTest sources at ${REMEDIATOR_GOOGLETEST_SOURCE} (install the googletest package)")
endif()
set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
set(BUILD_GMOCK ON CACHE BOOL "" FORCE)
add_subdirectory(${REMEDIATOR_GOOGLETEST_SOURCE} ${PROJECT_BINARY_DIR}/googletest EXCLUDE_FROM_ALL)
foreach(lib gtest gtest_main gmock gmock_main)
  if(NOT TARGET GTest::${lib})  # GoogleTest 1.11+ defines these itself
    add_library(GTest::${lib} ALIAS ${lib})
  endif()
endforeach()

# A fixture every Windows test requires: the prefix is created once (about 10 s the first time) and its
# wineserver kept running through the run, so each test pays a process start, not a Wine start.
set(wine_run ${PROJECT_SOURCE_DIR}/cmake/wine-run.sh)
add_test(NAME WinePrefix.Start COMMAND ${wine_run} --start ${REMEDIATOR_WINEPREFIX})
set_tests_properties(WinePrefix.Start PROPERTIES FIXTURES_SETUP wine_prefix TIMEOUT 600 LABELS wine)
add_test(NAME WinePrefix.Stop COMMAND ${wine_run} --stop ${REMEDIATOR_WINEPREFIX})
set_tests_properties(WinePrefix.Stop PROPERTIES FIXTURES_CLEANUP wine_prefix LABELS wine)

# Registers every TEST/TEST_F/TEST_P of suite `name` found in its sources (gtest_add_tests scans them, so no
# Windows program runs at build time), each run through the emulator (cmake/wine-run.sh) in the prefix.
function(remediator_add_wine_tests name)
  gtest_add_tests(TARGET ${name} TEST_LIST tests)
  if(tests)
    # A test whose filter selects nothing (a stale or failed build of the suite) must not count as passed.
    set_tests_properties(${tests} PROPERTIES LABELS ${name} FIXTURES_REQUIRED wine_prefix
                                             SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]"
                                             FAIL_REGULAR_EXPRESSION "\\[==========\\] 0 tests from 0 test suites ran")
  endif()
endfunction()
