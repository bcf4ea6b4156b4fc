# Cross-compiling for 64-bit Windows with Debian's mingw-w64 (posix thread model, so std::thread and
# std::mutex work). Used by the `windows` preset and by scripts/build-mingw-deps.sh for Poco, so our code and
# its dependencies are built by the same compiler with the same settings.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(REMEDIATOR_MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${REMEDIATOR_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${REMEDIATOR_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${REMEDIATOR_MINGW_TRIPLE}-windres)
# The message compiler is run from the build folder: it needs its full path.
find_program(CMAKE_MC_COMPILER ${REMEDIATOR_MINGW_TRIPLE}-windmc REQUIRED)
set(CMAKE_AR ${REMEDIATOR_MINGW_TRIPLE}-ar CACHE FILEPATH "mingw archiver")
set(CMAKE_RANLIB ${REMEDIATOR_MINGW_TRIPLE}-ranlib CACHE FILEPATH "mingw ranlib")

# Headers and libraries come from the mingw sysroot (plus the dependency prefix the project adds); programs
# (code generators, wine) from the host. Package configs may live anywhere: the dependency cache is outside
# the sysroot.
set(CMAKE_FIND_ROOT_PATH /usr/${REMEDIATOR_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# Executables must run on a Windows machine (or under Wine) without any mingw DLL beside them.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")
