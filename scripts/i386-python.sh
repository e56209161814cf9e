#!/bin/sh
# A real 32-bit CPython for the tests: Debian's i386 packages, unpacked into a private cache folder
# and run through their own loader (ld-linux.so.2). Nothing is installed on the system: apt runs
# with its own package lists, cache and an empty dpkg status, with i386 as its only architecture,
# so neither `dpkg --add-architecture` nor the system's lists are touched.
#
# Prints the path of the wrapper (a `python3` that runs the i386 interpreter) on success.
# Idempotent: when the wrapper already works it is printed at once, without a download.
# Exit status 1 (with one line on stderr) when it cannot be made: not x86-64 Linux, no apt-get or
# dpkg-deb, or the packages cannot be downloaded.
set -eu

CACHE="${HEAP_INSPECTOR_I386_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/heap-inspector/i386-python}"
WRAPPER="$CACHE/python3"
# The interpreter and what it loads: the agent needs _ctypes (libffi) and zlib; libexpat and
# libgcc_s are loaded by the standard library and by thread cancellation.
PACKAGES="python3.11-minimal libpython3.11-minimal libpython3.11-stdlib libc6 libffi8 zlib1g libexpat1 libgcc-s1"

works() {
  [ -x "$WRAPPER" ] && "$WRAPPER" -c 'import sys, _ctypes, zlib; assert sys.maxsize == 2**31 - 1' >/dev/null 2>&1
}

if works; then
  echo "$WRAPPER"
  exit 0
fi

fail() {
  echo "i386-python: $1" >&2
  exit 1
}

[ "$(uname -s)" = Linux ] || fail "needs Linux (this is $(uname -s))"
[ "$(uname -m)" = x86_64 ] || fail "needs an x86-64 machine that can run i386 code (this is $(uname -m))"
command -v apt-get >/dev/null 2>&1 || fail "needs apt-get (Debian or Ubuntu)"
command -v dpkg-deb >/dev/null 2>&1 || fail "needs dpkg-deb"

APT="$CACHE/apt"
rm -rf "$CACHE"
mkdir -p "$APT/lists/partial" "$APT/archives/partial" "$APT/debs" "$CACHE/root"
: >"$APT/status"
set -- \
  -o APT::Architecture=i386 \
  -o APT::Architectures::=i386 \
  -o "Dir::State::Lists=$APT/lists" \
  -o "Dir::State::status=$APT/status" \
  -o "Dir::Cache=$APT" \
  -o "Dir::Cache::archives=$APT/archives" \
  -o APT::Sandbox::User=root \
  -o Debug::NoLocking=1 \
  -qq
apt-get "$@" update >"$APT/update.log" 2>&1 || fail "apt-get update for i386 failed (see $APT/update.log)"
(cd "$APT/debs" && apt-get "$@" download $PACKAGES) >"$APT/download.log" 2>&1 ||
  fail "apt-get download of the i386 packages failed (see $APT/download.log)"
for deb in "$APT/debs"/*.deb; do
  dpkg-deb -x "$deb" "$CACHE/root"
done
rm -rf "$APT"

ROOT="$CACHE/root"
cat >"$WRAPPER" <<EOF
#!/bin/sh
# Debian's i386 CPython 3.11, unpacked by scripts/i386-python.sh; run through its own loader.
PYTHONHOME="$ROOT/usr" exec "$ROOT/lib/i386-linux-gnu/ld-linux.so.2" \\
  --library-path "$ROOT/lib/i386-linux-gnu:$ROOT/usr/lib/i386-linux-gnu" \\
  "$ROOT/usr/bin/python3.11" "\$@"
EOF
chmod 755 "$WRAPPER"
works || fail "the unpacked i386 interpreter does not run ($WRAPPER)"
echo "$WRAPPER"
