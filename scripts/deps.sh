#!/bin/sh
# Install what reapwatch needs from Debian's packages, only what is missing.
#
#   scripts/deps.sh build   compilers and libraries for `make`
#   scripts/deps.sh test    build + what the test suite runs
#   scripts/deps.sh demo    build + what `make demo` runs
#   scripts/deps.sh bench   test + the peers the benchmarks compare against
#
# As root it runs apt-get; otherwise it prints the exact command and exits 1.
set -eu

build="make clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev musl-tools
       libjson-c-dev libmicrohttpd-dev pkg-config file"
demo="util-linux procps"
test="$demo strace podman runc slirp4netns catatonit tini dumb-init busybox-static
      librsvg2-bin jq prometheus curl cpio qemu-system-x86 cppcheck clang-tidy"
bench="$test bpftrace"

case "${1:-build}" in
build) want=$build ;;
demo) want="$build $demo" ;;
test) want="$build $test" ;;
bench) want="$build $bench" ;;
*) echo "usage: $0 build|demo|test|bench" >&2; exit 2 ;;
esac

missing=""
for pkg in $want; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "reapwatch: missing Debian packages:$missing" >&2
	echo "install them as root with: apt-get install -y$missing" >&2
	exit 1
fi
echo "reapwatch: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y -qq $missing >/dev/null
