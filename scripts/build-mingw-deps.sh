#!/usr/bin/env bash
# Builds the Windows (mingw-w64) dependencies Debian does not ship: static Poco (Foundation, XML, JSON, Util, Net,
# Zip), static Boost (log, thread, filesystem, date_time) and static libsodium (policy signatures), from Debian's
# own source packages of the versions installed on this machine. The result goes to a cache folder outside the
# repository, keyed by those versions, and is reused when present, so only the first run on a machine pays the
# ~7 minutes. libsodium has its own stamp in the prefix's libsodium/ folder: a cache built before it was added
# stays valid and only libsodium (about a minute) is built into it.
#
#   scripts/build-mingw-deps.sh                 build if missing, then print the prefix on the last line
#   scripts/build-mingw-deps.sh --print-prefix  only print where the prefix is (or would be)
#
# Environment: REMEDIATOR_MINGW_CACHE (default ~/.cache/remediator-mingw), REMEDIATOR_MINGW_JOBS (default 2).
# Needs: g++-mingw-w64-x86-64-posix, dpkg-dev, cmake, ninja-build, libboost-tools-dev's b2 (Debian's /usr/bin/b2),
# libsodium-dev (for its version), and network access to the machine's own Debian mirror.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cache="${REMEDIATOR_MINGW_CACHE:-$HOME/.cache/remediator-mingw}"
jobs="${REMEDIATOR_MINGW_JOBS:-2}"
triple=x86_64-w64-mingw32
# Bump when the recipe below changes in a way that needs a rebuild of an existing cache entry (Poco and Boost).
recipe=1
# The same for libsodium alone.
sodium_recipe=1

say() { printf 'mingw-deps [%4ds]: %s\n' "$SECONDS" "$*" >&2; }
die() { say "error: $*"; exit 1; }

source_of() {  # binary package -> "source-package version"
  dpkg-query -W -f='${source:Package} ${source:Version}\n' "$1" 2>/dev/null \
    || die "package $1 is not installed (scripts/install-deps.sh installs it)"
}
read -r poco_src poco_ver < <(source_of libpoco-dev)
read -r boost_src boost_ver < <(source_of libboost1.74-dev)
read -r sodium_src sodium_ver < <(source_of libsodium-dev)
prefix="$cache/poco-${poco_ver}-boost-${boost_ver}"
stamp="$prefix/.complete"
sodium_prefix="$prefix/libsodium"
sodium_stamp="$sodium_prefix/.complete"

poco_boost_ready() { [ -f "$stamp" ] && [ "$(cat "$stamp")" = "recipe $recipe" ]; }
sodium_ready() { [ -f "$sodium_stamp" ] && [ "$(cat "$sodium_stamp")" = "libsodium $sodium_ver recipe $sodium_recipe" ]; }

if [ "${1:-}" = "--print-prefix" ]; then
  echo "$prefix"
  exit 0
fi
if poco_boost_ready && sodium_ready; then
  say "using cached $prefix"
  echo "$prefix"
  exit 0
fi

for tool in $triple-g++-posix $triple-gcc-posix $triple-windmc $triple-windres cmake ninja b2 dpkg-source make \
            autoreconf libtoolize; do
  command -v "$tool" >/dev/null || die "$tool not found (scripts/install-deps.sh installs it)"
done

mkdir -p "$cache"
# One builder per cache: a second caller waits, then finds the stamps.
exec 9>"$cache/.lock"
if ! flock -n 9; then
  say "another build of the mingw dependencies is running; waiting for it"
  flock 9
fi
if poco_boost_ready && sodium_ready; then
  say "using cached $prefix (built meanwhile)"
  echo "$prefix"
  exit 0
fi

work="$cache/work-$$"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
logs="$cache/logs"  # the source download's logs; each build keeps its own in its prefix
mkdir -p "$logs"

# Runs a long command with its output in a log file and a progress line every 20 s; on failure shows the tail.
run_logged() {
  local label="$1" log="$2" pattern="$3"; shift 3
  "$@" >"$log" 2>&1 &
  local pid=$! start=$SECONDS ticks=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 2
    ticks=$((ticks + 1))
    if (( ticks % 10 == 0 )); then
      local last
      last="$(grep -aEo "$pattern" "$log" | tail -n 1 || true)"
      say "$label: ${last:-working} ($((SECONDS - start))s)"
    fi
  done
  if ! wait "$pid"; then
    tail -n 40 "$log" >&2
    die "$label failed; full log: $log"
  fi
  say "$label: done in $((SECONDS - start))s"
}

# --- sources: a private apt state with deb-src entries derived from the machine's own Debian sources ----------
# Nothing under /etc/apt or /var/lib/apt is touched, and no host name is written here: the URIs are the ones
# this machine already uses. The downloaded source packages stay in the cache, so a rebuild needs no network.
sources="$cache/sources"
mkdir -p "$sources"
dsc_of() { echo "$sources/${1}_${2#*:}.dsc"; }  # source package, version -> its .dsc in the cache
poco_dsc="$(dsc_of "$poco_src" "$poco_ver")"
boost_dsc="$(dsc_of "$boost_src" "$boost_ver")"
sodium_dsc="$(dsc_of "$sodium_src" "$sodium_ver")"
complete_source() {  # the .dsc and every file it lists are present
  [ -f "$1" ] || return 1
  local f
  for f in $(awk '/^Files:/ { on = 1; next } /^[^ ]/ { on = 0 } on { print $3 }' "$1"); do
    [ -f "$(dirname "$1")/$f" ] || return 1
  done
}
wanted=()  # "package=version" of every source package this run builds and lacks
if ! poco_boost_ready; then
  complete_source "$poco_dsc" || wanted+=("$poco_src=$poco_ver")
  complete_source "$boost_dsc" || wanted+=("$boost_src=$boost_ver")
fi
sodium_ready || complete_source "$sodium_dsc" || wanted+=("$sodium_src=$sodium_ver")
if [ ${#wanted[@]} -gt 0 ]; then
  apt_dir="$work/apt"
  mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # Keep only stanzas signed by the Debian archive key, turned into deb-src stanzas.
    awk 'BEGIN { RS=""; ORS="\n\n" }
         /debian-archive-keyring/ { sub(/Types:[^\n]*/, "Types: deb-src"); print }' "$f" \
      >"$apt_dir/sources.list.d/$(basename "$f")"
  done
  : >"$apt_dir/sources.list"
  if [ -f /etc/apt/sources.list ]; then
    grep -E '^deb[[:space:]]' /etc/apt/sources.list | grep -E '/debian(-security)?/?[[:space:]]' \
      | sed -E 's/^deb([[:space:]])/deb-src\1/' >"$apt_dir/sources.list" || true
  fi
  if ! grep -rqs . "$apt_dir/sources.list" "$apt_dir/sources.list.d"; then
    die "no Debian entry in /etc/apt/sources.list or /etc/apt/sources.list.d/*.sources to derive deb-src from"
  fi
  apt_opts=(
    -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o "APT::Sandbox::User=root"
  )
  run_logged "apt source index" "$logs/apt-update.log" '.*' apt-get "${apt_opts[@]}" update
  cd "$sources"
  run_logged "download ${wanted[*]}" "$logs/apt-source.log" 'Get.*' \
    apt-get "${apt_opts[@]}" source --download-only "${wanted[@]}"
fi

# Poco and Boost, built together into a fresh prefix (the body is the recipe as it was before libsodium joined).
build_poco_boost() {
say "building Poco $poco_ver and Boost $boost_ver for $triple into $prefix (first run only, ~7 min with -j$jobs)"
staging="$prefix.partial"
rm -rf "$staging"
mkdir -p "$staging/logs"
cp "$logs"/* "$staging/logs/" 2>/dev/null || true
run_logged "unpack sources" "$staging/logs/unpack.log" '.*' \
  sh -c "dpkg-source --no-check -x '$poco_dsc' '$work/poco' && dpkg-source --no-check -x '$boost_dsc' '$work/boost'"
poco_dir="$work/poco"
boost_dir="$work/boost"

# --- Poco -------------------------------------------------------------------------------------------------------
# Snag 1: Poco includes some Windows headers with capitals (Winsock2.h, Iphlpapi.h); mingw ships them lower-case.
# A folder of correctly-cased links to the real headers fixes that without editing Poco.
case_dir="$staging/include-case"
mkdir -p "$case_dir"
sysinc="/usr/$triple/include"
grep -rhoE '#[[:space:]]*include[[:space:]]*<[A-Za-z0-9_]+\.h>' "$poco_dir" --include='*.h' --include='*.cpp' \
  | sed -E 's/.*<([^>]+)>/\1/' | sort -u | while read -r h; do
    lower="$(printf '%s' "$h" | tr 'A-Z' 'a-z')"
    if [ "$h" != "$lower" ] && [ ! -e "$sysinc/$h" ] && [ -e "$sysinc/$lower" ]; then
      ln -sf "$sysinc/$lower" "$case_dir/$h"
    fi
  done
# Snag 2: wincrypt.h defines TIMESTAMP_REQUEST as a macro, which breaks an enumerator of the same name.
icmp_header="$poco_dir/Net/include/Poco/Net/ICMPv4PacketImpl.h"
if ! grep -q 'undef TIMESTAMP_REQUEST' "$icmp_header"; then
  sed -i '0,/^namespace Poco/s//#ifdef TIMESTAMP_REQUEST\n#undef TIMESTAMP_REQUEST\n#endif\n\nnamespace Poco/' \
    "$icmp_header"
fi
poco_off=()
for m in ENCODINGS ENCODINGS_COMPILER MONGODB REDIS PDF NETSSL NETSSL_WIN CRYPTO JWT DATA DATA_SQLITE DATA_MYSQL \
         DATA_POSTGRESQL DATA_ODBC SEVENZIP APACHECONNECTOR CPPPARSER PAGECOMPILER PAGECOMPILER_FILE2PAGE POCODOC \
         TESTS LONG_RUNNING_TESTS ACTIVERECORD ACTIVERECORD_COMPILER PROMETHEUS; do
  poco_off+=("-DENABLE_$m=OFF")
done
# Snag 3: the message compiler must be mingw's windmc (Poco's Foundation has a message table).
run_logged "poco configure" "$staging/logs/poco-configure.log" '.*' \
  cmake -S "$poco_dir" -B "$work/poco-build" -G Ninja \
    -DCMAKE_TOOLCHAIN_FILE="$repo/cmake/mingw-w64.cmake" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_MC_COMPILER="$(command -v $triple-windmc)" -DBUILD_SHARED_LIBS=OFF \
    -DCMAKE_CXX_FLAGS="-isystem $case_dir" -DCMAKE_C_FLAGS="-isystem $case_dir" \
    -DENABLE_FOUNDATION=ON -DENABLE_XML=ON -DENABLE_JSON=ON -DENABLE_UTIL=ON -DENABLE_NET=ON -DENABLE_ZIP=ON \
    "${poco_off[@]}" -DCMAKE_INSTALL_PREFIX="$staging"
run_logged "poco build" "$staging/logs/poco-build.log" '\[[0-9]+/[0-9]+\]' \
  nice -n 10 cmake --build "$work/poco-build" -j "$jobs"
run_logged "poco install" "$staging/logs/poco-install.log" '.*' cmake --install "$work/poco-build"
# Poco's installed headers still include the capitalised names: keep the links next to them.
mkdir -p "$staging/include/mingw-case"
cp -a "$case_dir/." "$staging/include/mingw-case/"
rm -rf "$case_dir"

# --- Boost ------------------------------------------------------------------------------------------------------
# The source package's bootstrap.sh does not build here; Debian's own b2 does the job. A shim named `mc` first in
# PATH makes Boost.Log build its Event Log sink with mingw's message compiler.
shim="$work/shim"
mkdir -p "$shim"
printf '#!/bin/sh\nexec %s "$@"\n' "$triple-windmc" >"$shim/mc"
chmod +x "$shim/mc"
cat >"$work/user-config.jam" <<EOF
using gcc : mingw : $triple-g++-posix : <rc>$triple-windres <archiver>$triple-ar <ranlib>$triple-ranlib ;
EOF
cd "$boost_dir"
run_logged "boost build" "$staging/logs/boost-build.log" '(gcc\.compile\.c\+\+|gcc\.archive|common\.copy)[^ ]* [^ ]+' \
  env PATH="$shim:$PATH" nice -n 10 b2 -j"$jobs" --user-config="$work/user-config.jam" \
    --build-dir="$work/boost-build" --layout=system \
    toolset=gcc-mingw target-os=windows threadapi=win32 link=static runtime-link=static variant=release \
    address-model=64 --with-log --with-thread --with-filesystem --with-date_time \
    --prefix="$staging" install

# Relocatable: both packages' CMake files find their libraries relative to themselves.
echo "recipe $recipe" >"$staging/.complete"
rm -rf "$prefix"
mv "$staging" "$prefix"
say "Poco and Boost done: $prefix ($(du -sh "$prefix" | cut -f1))"
}

# --- libsodium ----------------------------------------------------------------------------------------------------
# Its own autotools build: static only, into the prefix's libsodium/ folder,
# which windows.cmake searches. SODIUM_STATIC is defined by the project for its users.
build_sodium() {
  say "building libsodium $sodium_ver for $triple into $sodium_prefix"
  local staging="$sodium_prefix.partial" dir="$work/libsodium"
  rm -rf "$staging"
  mkdir -p "$staging/logs"
  run_logged "libsodium unpack" "$staging/logs/unpack.log" '.*' dpkg-source --no-check -x "$sodium_dsc" "$dir"
  cd "$dir"
  # Debian's source is the git tree without a generated configure (its rules run autoreconf, as we do).
  run_logged "libsodium autoreconf" "$staging/logs/autoreconf.log" '.*' autoreconf -fi
  run_logged "libsodium configure" "$staging/logs/configure.log" 'checking [^.]*' \
    env CC="$triple-gcc-posix" ./configure --host="$triple" --disable-shared --enable-static --prefix="$staging" \
      --disable-dependency-tracking
  run_logged "libsodium build" "$staging/logs/build.log" '[A-Za-z0-9_]+\.(lo|la)' nice -n 10 make -j"$jobs"
  run_logged "libsodium install" "$staging/logs/install.log" '.*' make install
  [ -f "$staging/lib/libsodium.a" ] && [ -f "$staging/include/sodium.h" ] || die "libsodium did not install into $staging"
  echo "libsodium $sodium_ver recipe $sodium_recipe" >"$staging/.complete"
  rm -rf "$sodium_prefix"
  mv "$staging" "$sodium_prefix"
  say "libsodium done: $sodium_prefix ($(du -sh "$sodium_prefix" | cut -f1))"
}

poco_boost_ready || build_poco_boost
sodium_ready || build_sodium
say "done: $prefix"
echo "$prefix"
