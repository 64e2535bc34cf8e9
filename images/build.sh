#!/bin/sh
# Build reapwatch's OCI images offline with Podman: no registry, no base
# image, no Containerfile. Each image is one directory, tarred into
# `podman import` (a single layer: FROM scratch), its config set with
# --change.
#
#   images/build.sh [IMAGE...]        default: pause reapwatch
#
#   pause      /pause only (build/pause, static). USER 65535:65535,
#              ENTRYPOINT ["/pause"], like registry.k8s.io/pause.
#   reapwatch  /reapwatch (build/reapwatch) plus, if it is dynamically
#              linked, the libraries ldd names. ENTRYPOINT ["/reapwatch"],
#              runs as root (it loads BPF). Skipped with a note while
#              build/reapwatch does not exist.
#   app        the pod tests' app: busybox-static, /zombie_demo
#              (build/tests/zombie_demo) and a page for httpd in /srv.
#
# Each is tagged localhost/reapwatch/NAME:VERSION and :latest (pod-app for
# app). Storage: the caller's private Podman if PM_DIR is set (the tests),
# else build/images/store, which stays. Unless IMAGES_SAVE=0 each image is
# also written as an OCI archive, build/images/NAME.oci.tar, for
# `podman load -i` or `skopeo copy oci-archive:...` elsewhere.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${OUTPUT:-$TOP/build}
case $B in /*) ;; *) B=$TOP/$B ;; esac
. "$TOP/tests/podman.sh"
VERSION=${VERSION:-$(sed -n 's/^VERSION *:= *//p' "$TOP/Makefile")}
OUT=$B/images

die() { echo "images: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (rootful Podman with a private store)"
command -v podman >/dev/null 2>&1 || die "podman is not installed (apt-get install podman)"
pm_init "${PM_DIR:-$OUT/store}"
mkdir -p "$OUT"
stage=$(mktemp -d "$PM_DIR/imgtmp/stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT

# import NAME DIR CHANGE...: DIR's tree, owned by root, as image NAME.
import() {
	name=$1 dir=$2; shift 2
	chmod 0755 "$dir" # the image's "/": mktemp made it 0700
	set -- --change "LABEL org.opencontainers.image.title=$name" \
		--change "LABEL org.opencontainers.image.version=$VERSION" "$@"
	tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$dir" -c . |
		pm import --quiet "$@" --message "reapwatch images/build.sh" - \
			"localhost/reapwatch/$name:$VERSION" >/dev/null
	pm tag "localhost/reapwatch/$name:$VERSION" "localhost/reapwatch/$name:latest"
	if [ "${IMAGES_SAVE:-1}" != 0 ]; then
		rm -f "$OUT/$name.oci.tar"
		pm save --quiet --format oci-archive -o "$OUT/$name.oci.tar" \
			"localhost/reapwatch/$name:$VERSION"
		echo "images: localhost/reapwatch/$name:$VERSION ($OUT/$name.oci.tar)"
	else
		echo "images: localhost/reapwatch/$name:$VERSION"
	fi
}

need() { [ -f "$1" ] || die "$1 is missing: run make ${1#"$TOP/"} first"; }

# static FILE: true unless `file` says it is dynamically linked.
static() { ! command -v file >/dev/null 2>&1 || file -L "$1" | grep -q 'statically linked'; }

build_pause() {
	need "$B/pause"
	static "$B/pause" || die "$B/pause is not static (built with SANITIZE=?): FROM scratch needs a static pause"
	d=$stage/pause && mkdir "$d"
	install -m 0755 "$B/pause" "$d/pause"
	import pause "$d" --change 'ENTRYPOINT ["/pause"]' \
		--change 'USER 65535:65535' --change 'STOPSIGNAL SIGTERM'
}

build_reapwatch() {
	if [ ! -f "$B/reapwatch" ]; then
		echo "images: skipping reapwatch: $B/reapwatch does not exist yet (make build/reapwatch)" >&2
		return 0
	fi
	d=$stage/reapwatch && mkdir "$d"
	install -m 0755 "$B/reapwatch" "$d/reapwatch"
	# A dynamic binary brings its libraries and loader, at their own paths.
	for lib in $(ldd "$B/reapwatch" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		mkdir -p "$d$(dirname "$lib")"
		cp -L "$lib" "$d$lib"
	done
	import reapwatch "$d" --change 'ENTRYPOINT ["/reapwatch"]' \
		--change 'USER 0:0' --change 'STOPSIGNAL SIGINT'
}

build_app() {
	need "$B/tests/zombie_demo"
	bb=$(command -v busybox) || die "busybox is not installed (apt-get install busybox-static)"
	static "$bb" || die "$bb is not static (apt-get install busybox-static)"
	d=$stage/app && mkdir -p "$d/bin" "$d/srv" "$d/tmp"
	chmod 1777 "$d/tmp"
	install -m 0755 "$bb" "$d/bin/busybox"
	for a in $("$bb" --list); do
		[ "$a" = busybox ] || ln -s busybox "$d/bin/$a"
	done
	install -m 0755 "$B/tests/zombie_demo" "$d/zombie_demo"
	echo "hello from the pod" >"$d/srv/index.html"
	import pod-app "$d" --change 'ENV PATH=/bin' --change 'CMD ["/bin/sh"]'
}

[ $# -gt 0 ] || set -- pause reapwatch
for img; do
	case $img in
	pause | reapwatch | app) "build_$img" ;;
	*) die "unknown image '$img' (pause, reapwatch, app)" ;;
	esac
done
