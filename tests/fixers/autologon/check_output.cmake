# Runs the autologon test suite and fails when its output contains the password the tests use. The password is
# read from the test source so that it never appears on a command line; on failure only the fact is reported.
file(STRINGS "${PASSWORD_SOURCE}" lines REGEX "kPassword = \"")
list(GET lines 0 line)
string(REGEX REPLACE ".*kPassword = \"([^\"]+)\".*" "\\1" password "${line}")
if(password STREQUAL "" OR password STREQUAL "${line}")
  message(FATAL_ERROR "could not find kPassword in ${PASSWORD_SOURCE}")
endif()
string(REPLACE "|" ";" emulator "${TEST_EMULATOR}")  # empty in a native build
execute_process(COMMAND ${emulator} "${TEST_EXE}" --gtest_color=no OUTPUT_VARIABLE out ERROR_VARIABLE err
                RESULT_VARIABLE rc)
string(FIND "${out}${err}" "${password}" at)
if(NOT at EQUAL -1)
  message(FATAL_ERROR "the autologon test output contains the password")
endif()
string(FIND "${out}" "[  PASSED  ]" passed)
if(passed EQUAL -1)
  message(FATAL_ERROR "the autologon test suite did not run to the end (exit code ${rc})")
endif()
message(STATUS "autologon test output checked: no password (suite exit code ${rc})")
