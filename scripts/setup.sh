#!/bin/sh
# Installs the Debian packages Osprey's build and tests need, when any is missing.
# Idempotent and quick when everything is present (one dpkg-query). Runs apt-get as root,
# through sudo otherwise. Called by `make`, `make run` and `make check`.
set -eu

# Build: compiler, CMake + Ninja, host libraries. Tests: GoogleTest, QEMU, and the
# programs run inside Osprey (busybox-static, musl-tools) and their tools (cpio, e2fsprogs);
# the apps tier's Debian programs and toolchains (coreutils, bash, python3, sqlite3, lua5.4, perl,
# openjdk-17-jdk-headless (java, and the compiler its source launcher uses), cargo with rustc, golang-go with cgo,
# and make with gcc, binutils and libc6-dev, which also build a C project inside Osprey).
# The networking tests' servers and clients (tests/netapps): redis-server with redis-tools,
# nginx-light, memcached, iperf3, curl, wrk, nodejs.
# The interop tier (tests/interop): iproute2 (ip netns, ip tuntap, tc, nstat) with curl and python3.
# Benchmarks: xz-utils unpacks Debian's kernel for the Linux guest (bench/lib/linux_guest.sh);
# libsqlite3-dev's static libsqlite3.a goes into the storage benchmark (bench/programs/storage.c).
# Fuzzing: clang with its libFuzzer and sanitizer runtimes (tests/fuzz); trinity, run inside
# Osprey (tests/fuzz/trinity).
PACKAGES="g++ cmake ninja-build binutils libgtest-dev libgmock-dev libcli11-dev \
nlohmann-json3-dev libtoml11-dev qemu-system-x86 qemu-utils cpio e2fsprogs busybox-static musl-tools \
golang-go xz-utils coreutils bash make gcc libc6-dev python3 sqlite3 lua5.4 perl cargo openjdk-17-jdk-headless \
clang-14 libclang-rt-14-dev redis-server redis-tools nginx-light memcached iperf3 curl wrk nodejs iproute2 trinity libsqlite3-dev"

missing=""
for package in $PACKAGES; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$package" 2>/dev/null || true)
    case "$status" in
        ii*) ;;
        *) missing="$missing $package" ;;
    esac
done
[ -z "$missing" ] && exit 0

echo "setup: installing:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "setup: these packages are missing and neither root nor sudo is available:$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# The package lists may be missing or stale on a fresh machine: refresh once, then retry.
if ! $SUDO apt-get install -y -q --no-install-recommends $missing; then
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends $missing
fi
