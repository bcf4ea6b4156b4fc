# The Windows cross-build (cmake/mingw-w64.cmake toolchain): where Poco and Boost come from, how executables
# are linked, and how they run (Wine). Included by the root CMakeLists.txt before its find_package calls.

# Poco and Boost built for mingw by scripts/build-mingw-deps.sh, in a cache outside the clone. The script returns
# at once when the cache is complete and otherwise builds it (about 7 minutes), printing its progress.
set(REMEDIATOR_MINGW_DEPS "" CACHE PATH "Prefix of the mingw builds of Poco and Boost (empty: build or reuse the cache)")
# A prefix from before libsodium was added lacks libsodium/: the script then builds only that into it.
if(NOT REMEDIATOR_MINGW_DEPS OR NOT EXISTS "${REMEDIATOR_MINGW_DEPS}/libsodium/.complete")
  execute_process(COMMAND bash "${PROJECT_SOURCE_DIR}/scripts/build-mingw-deps.sh"
                  RESULT_VARIABLE deps_rc OUTPUT_VARIABLE deps_out OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT deps_rc EQUAL 0)
    message(FATAL_ERROR "scripts/build-mingw-deps.sh failed (exit ${deps_rc}); its messages are above")
  endif()
  string(REGEX REPLACE "^.*\n" "" deps_prefix "${deps_out}")  # the prefix is the last line
  set(REMEDIATOR_MINGW_DEPS "${deps_prefix}" CACHE PATH "Prefix of the mingw builds of Poco and Boost" FORCE)
endif()
if(NOT EXISTS "${REMEDIATOR_MINGW_DEPS}/.complete")
  message(FATAL_ERROR "REMEDIATOR_MINGW_DEPS=${REMEDIATOR_MINGW_DEPS} is not a complete dependency build "
                      "(no .complete stamp); clear it to let scripts/build-mingw-deps.sh build one")
endif()
message(STATUS "Windows build: Poco and Boost from ${REMEDIATOR_MINGW_DEPS}")
list(PREPEND CMAKE_PREFIX_PATH "${REMEDIATOR_MINGW_DEPS}" "${REMEDIATOR_MINGW_DEPS}/libsodium")
list(APPEND CMAKE_FIND_ROOT_PATH "${REMEDIATOR_MINGW_DEPS}" "${REMEDIATOR_MINGW_DEPS}/libsodium")
set(Boost_USE_STATIC_LIBS ON)
set(Boost_USE_STATIC_RUNTIME ON)
set(Boost_USE_MULTITHREADED ON)
set(Boost_NO_SYSTEM_PATHS ON)
# Poco's headers include <Winsock2.h> and <Iphlpapi.h>; mingw's are lower-case. The build script keeps links.
include_directories(SYSTEM "${REMEDIATOR_MINGW_DEPS}/include/mingw-case")

# Windows 10 API level (GetSystemTimePreciseAsFileTime, ...); no min/max macros from <windows.h>, and no
# <winsock.h> from it either (it clashes with the <winsock2.h> that Asio and Poco include).
add_compile_definitions(_WIN32_WINNT=0x0A00 WINVER=0x0A00 NOMINMAX WIN32_LEAN_AND_MEAN)
# The Win32 libraries the platform layer, Poco and Boost need, last on every link line.
string(APPEND CMAKE_CXX_STANDARD_LIBRARIES
       " -ladvapi32 -lsecur32 -lws2_32 -lmswsock -liphlpapi -lbcrypt -lole32 -loleaut32 -luuid -lpsapi")

# Tests and tools run under Wine, in a prefix private to this build folder.
set(REMEDIATOR_WINEPREFIX "${PROJECT_BINARY_DIR}/wineprefix")
set(CMAKE_CROSSCOMPILING_EMULATOR "${PROJECT_SOURCE_DIR}/cmake/wine-run.sh;${REMEDIATOR_WINEPREFIX}")
