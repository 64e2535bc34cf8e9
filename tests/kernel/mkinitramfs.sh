#!/bin/sh
# Build the test guest's initramfs: busybox-static for a base system, the
# host's own dash, coreutils, util-linux, strace and file (with the shared
# libraries they load) so the shell suites behave as on the host, and the
# project's static binaries and test scripts under /rw, laid out as in the
# work tree (/rw/build/pause, /rw/tests/test_pause.sh...).
#
#   tests/kernel/mkinitramfs.sh [OUT]    (default build/kernel/initramfs.cpio)
#
# Needs build/pause, build/reapwatch and build/tests/bpf_scenarios
# (make all test-progs); RW_BUILD=DIR takes them from another build directory
# (a dynamically linked one gets its libraries copied along). The archive is
# not compressed: the kernel reads it straight from the guest's memory, and
# gunzip under TCG costs seconds.
set -eu
cd "$(dirname "$0")/../.."
out=${1:-build/kernel/initramfs.cpio}
B=${RW_BUILD:-build}
root=$(dirname "$out")/root
say() { echo "mkinitramfs: $*" >&2; }

for f in "$B/pause" "$B/reapwatch" "$B/tests/bpf_scenarios"; do
	[ -x "$f" ] || { say "$f is not built: make all test-progs"; exit 1; }
done
bb=$(command -v busybox) || { say "no busybox (apt-get install busybox-static)"; exit 1; }
file -L "$bb" | grep -q 'statically linked' || { say "$bb is not static: install busybox-static"; exit 1; }

rm -rf "$root"
mkdir -p "$root"/bin "$root"/usr/bin "$root"/lib64 "$root"/lib/x86_64-linux-gnu \
	"$root"/proc "$root"/sys "$root"/dev "$root"/tmp "$root"/run "$root"/etc \
	"$root"/rw/build/tests "$root"/rw/tests/kernel
chmod 1777 "$root/tmp"

# busybox first, one link per applet: whatever the host does not provide below.
cp "$bb" "$root/bin/busybox"
for a in $("$bb" --list); do
	[ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
done

# copy_bin FILE [DEST]: FILE (following links) and every library it loads,
# at the same paths as on the host. /lib and /lib64 are real directories in
# the guest (the host's may be usrmerge links).
copy_lib() {
	real=$(readlink -f "$1")
	case $1 in
	/usr/lib/*) dst=/lib/${1#/usr/lib/} ;;
	/usr/lib64/*) dst=/lib64/${1#/usr/lib64/} ;;
	*) dst=$1 ;;
	esac
	[ -e "$root$dst" ] && return 0
	mkdir -p "$root$(dirname "$dst")"
	cp "$real" "$root$dst"
}
copy_bin() {
	src=$1 dst=${2:-/usr/bin/$(basename "$1")}
	mkdir -p "$root$(dirname "$dst")"
	cp -L "$src" "$root$dst"
	ldd "$src" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
		while read -r lib; do copy_lib "$lib"; done
}

# The host's tools the suites use, where busybox differs: date +%s%N,
# unshare --kill-child, setpriv --inh-caps, nsenter, strace, file.
tools="dash date stat sleep file unshare nsenter setpriv strace grep sed mawk cut tr sort
	head tail seq mkfifo mktemp touch chmod cat env id timeout ls readlink wc uniq
	mount umount"
missing=""
for t in $tools; do
	p=$(command -v "$t" 2>/dev/null) || { missing="$missing $t"; continue; }
	case $p in /*) ;; *) missing="$missing $t"; continue ;; esac
	copy_bin "$p"
done
[ -z "$missing" ] || say "not on the host, busybox's used instead:$missing"
[ -e "$root/usr/bin/mawk" ] && ln -sf mawk "$root/usr/bin/awk"
[ -e "$root/usr/bin/dash" ] && ln -sf dash "$root/usr/bin/sh" && ln -sf /usr/bin/dash "$root/bin/sh"
# file's compiled database
for m in /usr/lib/file/magic.mgc /usr/share/misc/magic.mgc; do
	if [ -e "$m" ]; then
		mkdir -p "$root/usr/lib/file" "$root/usr/share/misc"
		cp -L "$m" "$root/usr/lib/file/magic.mgc"
		ln -sf ../../lib/file/magic.mgc "$root/usr/share/misc/magic.mgc"
		break
	fi
done

printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

# The project: binaries, scenario programs, the suites and their helpers.
copy_bin "$B/pause" /rw/build/pause
copy_bin "$B/reapwatch" /rw/build/reapwatch
# The scenario programs; the unit tests and fuzzers stay on the host.
for f in "$B"/tests/*; do
	case ${f##*/} in unit | fuzz_*) continue ;; esac
	[ -f "$f" ] && [ -x "$f" ] && copy_bin "$f" "/rw/build/tests/${f##*/}"
done
cp Makefile "$root/rw/"	# test_pause.sh reads VERSION from it
cp tests/lib.sh "$root/rw/tests/"
[ -f tests/test_pause.sh ] && cp tests/test_pause.sh "$root/rw/tests/"
cp tests/kernel/guest.sh tests/kernel/workload.sh "$root/rw/tests/kernel/"
cp tests/kernel/init "$root/init"
chmod 755 "$root/init"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
say "$out: $(($(stat -c %s "$out") / 1024)) KiB"
