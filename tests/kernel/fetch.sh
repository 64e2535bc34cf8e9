#!/bin/sh
# Fetch Debian 12's stock 6.1 cloud kernel for the second-kernel tests and
# print the absolute path of its vmlinuz on stdout.
#
#   tests/kernel/fetch.sh [OUTDIR]     (default build/kernel)
#
# The newest linux-image-6.1.0-*-cloud-amd64-unsigned that apt can install is
# downloaded with `apt-get download` and only boot/ is unpacked: OUTDIR keeps
# vmlinuz-VERSION and config-VERSION, and a rerun uses them without asking
# apt again. KERNEL_REFRESH=1 looks for a newer package even when one is
# cached.
#
# Exit: 0 ok; 3 no such package reachable (the caller skips, saying why);
# 1 anything else.
set -u
cd "$(dirname "$0")/../.." || exit 1
out=${1:-build/kernel}
mkdir -p "$out" || exit 1
out=$(cd "$out" && pwd)
say() { echo "fetch: $*" >&2; }

cached() {
	for f in "$out"/vmlinuz-6.1.0-*-cloud-amd64; do
		[ -s "$f" ] && echo "$f"
	done | sort -V | tail -n 1
}

if [ -z "${KERNEL_REFRESH:-}" ] && [ -n "$(cached)" ]; then
	cached
	exit 0
fi

# Newest package of the series with an installable candidate (apt-cache
# search also lists names that are only mentioned, with no candidate).
newest() {
	apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned$' 2>/dev/null |
		cut -d' ' -f1 | sort -V -r | while read -r p; do
		if apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
			echo "$p"
			break
		fi
	done
}

pkg=$(newest)
if [ -z "$pkg" ] && [ "$(id -u)" -eq 0 ]; then
	say "no package in apt's lists: apt-get update"
	apt-get update -qq >/dev/null 2>&1
	pkg=$(newest)
fi
if [ -z "$pkg" ]; then
	say "no linux-image-6.1.0-*-cloud-amd64-unsigned package reachable through apt"
	exit 3
fi
ver=${pkg#linux-image-}
ver=${ver%-unsigned}
if [ -s "$out/vmlinuz-$ver" ]; then
	echo "$out/vmlinuz-$ver"
	exit 0
fi

dl=$(mktemp -d "$out/dl.XXXXXX") || exit 1
trap 'rm -rf "$dl"' EXIT
say "downloading $pkg"
# _apt cannot write into a root-owned mktemp directory: apt then warns and
# downloads as root, which is fine here.
if ! (cd "$dl" && apt-get download -qq "$pkg" >/dev/null 2>&1); then
	say "apt-get download $pkg failed"
	exit 3
fi
for deb in "$dl"/*.deb; do break; done
# Only boot/ (vmlinuz, config, System.map): the 90 MB of modules are not needed.
if ! dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dl" ./boot ||
	[ ! -s "$dl/boot/vmlinuz-$ver" ]; then
	say "cannot unpack boot/vmlinuz-$ver from $deb"
	exit 1
fi
mv "$dl/boot/config-$ver" "$out/config-$ver"
mv "$dl/boot/vmlinuz-$ver" "$out/vmlinuz-$ver" || exit 1
say "cached $out/vmlinuz-$ver"
echo "$out/vmlinuz-$ver"
