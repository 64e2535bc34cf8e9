#!/bin/sh
# A pod by hand, as in the articles (docs/pod.md): pause holds the pod's
# namespaces as PID 1, the other containers join them, and the orphans they
# leave behind are reparented to pause and reaped. First without a container
# runtime (unshare + nsenter: runs wherever we are root), then with Podman,
# our pause image as the pod's infra container.
#
# REAPWATCH_REQUIRE_PODMAN=1 turns "Podman cannot run here" skips into
# failures. Everything Podman keeps lives in a temp dir removed at the end.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/podman.sh"

POD=rwpod$$
# Deadline of every wait: generous, since the machine may be busy (only a
# failure waits this long).
D=${POD_TEST_DEADLINE:-30}

cleanup() {
	[ -n "${RW_PID:-}" ] && kill -INT "$RW_PID" 2>/dev/null
	if [ -n "${SB_UNSHARE:-}" ]; then
		kill -KILL "$SB_PAUSE" "$SB_UNSHARE" 2>/dev/null
		wait "$SB_UNSHARE" 2>/dev/null
	fi
	[ -n "${SB_LOG:-}" ] && rm -f "$SB_LOG"
	pm_cleanup
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT HUP

ns() { readlink "/proc/$1/ns/$2" 2>/dev/null; }
gone() { [ ! -e "/proc/$1" ]; }
no_zombies() { [ -z "$(pidns_zombies "$1" "$2")" ]; }
running() { [ "$(pm inspect --format '{{.State.Status}}' "$1" 2>/dev/null)" = running ]; }
parent_is() { [ "$(ppid_of "$1")" = "$2" ]; }
ns_gone() { ! ns_hostpid "$1" "$2" >/dev/null; }
logged() { pm logs "$POD-infra" 2>&1 | grep -q "^pause: reaped $1 (orphan): "; }
# Containers of a pod talk over localhost: one network namespace.
# (busybox-static's wget -T crashes; its timeout applet bounds it instead)
fetch() { [ "$(pm exec "$POD-app" timeout 5 wget -q -O - http://127.0.0.1:8080/)" = "hello from the pod" ]; }
flat() { printf '%s' "$1" | tr '\n' ' '; }
# field FILE-CONTENT KEY: the first value of "KEY:" in a /proc status text
field() { printf '%s\n' "$1" | awk -v k="$2:" '$1 == k { print $2; exit }'; }

if ! need_root; then
	skip "pod scenarios" "need root (namespaces, rootful Podman)"
	exit 0
fi
for f in "$B/pause" "$B/tests/zombie_demo"; do
	[ -x "$f" ] || make -C "$TOP" --no-print-directory -s "${f#"$TOP/"}" >&2 ||
		{ fail "build ${f#"$TOP/"}" "make failed"; exit 1; }
done

# --- without a container runtime: unshare + nsenter ------------------------

sb_start() {
	sb_up || no "pause did not come up as PID 1 under unshare: $(cat "$SB_LOG")" || return
	for n in pid ipc uts net; do
		[ "$(ns "$SB_PAUSE" $n)" != "$(ns $$ $n)" ] || no "pause shares our $n namespace" || return
	done
}

sb_orphan() {
	[ -n "${SB_PAUSE:-}" ] || no "no sandbox" || return
	# shellcheck disable=SC2046 # split into NSPID HOSTPID
	set -- $(sb_run_orphan)
	SB_O_NS=${1:-} SB_O_HOST=${2:--}
	[ "$SB_O_HOST" != - ] || no "no orphan found (zombie_demo printed no live child)" || return
	wait_for "$D" parent_is "$SB_O_HOST" "$SB_PAUSE" ||
		no "orphan $SB_O_HOST has parent $(ppid_of "$SB_O_HOST"), not pause $SB_PAUSE" || return
	p=$(field "$(sb_ns_cat "/proc/$SB_O_NS/status")" PPid)
	[ "$p" = 1 ] || no "inside the sandbox the orphan's PPid is '$p', not 1" || return
}

sb_reap() {
	[ -n "${SB_O_HOST:-}" ] && [ "$SB_O_HOST" != - ] || no "no orphan" || return
	kill -USR1 "$SB_O_HOST" || no "cannot signal the orphan" || return
	wait_for "$D" gone "$SB_O_HOST" || no "orphan $SB_O_HOST still there: $(grep State "/proc/$SB_O_HOST/status")" || return
	wait_for "$D" no_zombies "$SB_PIDNS" "$SB_PAUSE" || no "zombies in the sandbox: $(pidns_zombies "$SB_PIDNS" "$SB_PAUSE")" || return
	wait_for "$D" grep -q "^pause: reaped $SB_O_NS (orphan): exit 7\$" "$SB_LOG" ||
		no "pause logged no reap of $SB_O_NS: $(tr '\n' '|' <"$SB_LOG")" || return
}

sb_stop() {
	[ -n "${SB_UNSHARE:-}" ] || no "no sandbox" || return
	sb_down
	rc=$?
	[ "$rc" = 0 ] || no "pause exited $rc on SIGTERM" || return
}

t "sandbox: unshare runs pause as PID 1 of new pid, ipc, uts and net namespaces" sb_start
t "sandbox: an app joined with nsenter orphans a child; pause (PID 1) adopts it" sb_orphan
t "sandbox: the orphan exits and pause reaps it (logged, no zombie left)" sb_reap
t "sandbox: pause exits 0 on SIGTERM" sb_stop

# --- with Podman: our pause as the pod's infra container --------------------

pm_images() {
	pm_build_images pause app >&2 || no "images/build.sh failed" || return
	cfg=$(pm image inspect --format '{{.User}}|{{.Config.Entrypoint}}|{{len .RootFS.Layers}}' "$PM_IMG_PAUSE")
	[ "$cfg" = "65535:65535|[/pause]|1" ] || no "pause image config: $cfg" || return
	root=$(pm image mount "$PM_IMG_PAUSE") || no "cannot mount the pause image" || return
	files=$(cd "$root" && find . -mindepth 1 | tr '\n' ' ')
	pm image unmount "$PM_IMG_PAUSE" >/dev/null
	[ "$files" = "./pause " ] || no "pause image holds: $files" || return
}

pm_solo() {
	pm run -d --network none --name "$POD-solo" "$PM_IMG_PAUSE" >/dev/null || no "podman run of the pause image failed" || return
	wait_for "$D" running "$POD-solo" || no "the pause container is not running" || return
	pid=$(pm inspect --format '{{.State.Pid}}' "$POD-solo")
	uid=$(awk '/^Uid:/ { print $2 "/" $3 }' "/proc/$pid/status")
	[ "$uid" = 65535/65535 ] || no "pause runs as uid $uid" || return
	pm stop -t 10 "$POD-solo" >/dev/null || no "podman stop failed" || return
	rc=$(pm inspect --format '{{.State.ExitCode}}' "$POD-solo")
	pm rm -f "$POD-solo" >/dev/null
	[ "$rc" = 0 ] || no "pause exited $rc on podman stop" || return
}

pm_pod() {
	pod_up "$POD" || no "pod_up failed" || return
	wait_for "$D" running "$POD-app" || no "the app container is not running" || return
	POD_PAUSE=$(pod_pause_hostpid "$POD")
	POD_PIDNS=$(ns "$POD_PAUSE" pid)
	img=$(pm inspect --format '{{.ImageName}}' "$POD-infra")
	[ "$img" = "$PM_IMG_PAUSE" ] || no "infra image is $img" || return
	shared=$(pm pod inspect --format '{{.SharedNamespaces}}' "$POD")
	for n in pid ipc uts net; do
		case " $(echo "$shared" | tr -d '[]') " in *" $n "*) ;; *) no "pod shares only $shared" || return ;; esac
	done
	[ "$(cat "/proc/$POD_PAUSE/comm")" = pause ] || no "infra process $POD_PAUSE is $(cat "/proc/$POD_PAUSE/comm")" || return
	[ "$(awk '/^NSpid:/ { print $NF }' "/proc/$POD_PAUSE/status")" = 1 ] || no "pause is not PID 1 in the pod" || return
	app=$(pm inspect --format '{{.State.Pid}}' "$POD-app")
	for n in pid ipc uts net; do
		[ "$(ns "$app" $n)" = "$(ns "$POD_PAUSE" $n)" ] || no "app is not in pause's $n namespace" || return
		[ "$(ns "$app" $n)" != "$(ns $$ $n)" ] || no "the pod shares the host's $n namespace" || return
	done
}

# Ask before each Podman case that needs the pod, so one failure is one line.
have_pod() { [ -n "${POD_PAUSE:-}" ] || no "no pod (pod creation failed above)"; }

pm_ps() {
	have_pod || return
	pm run -d --pod "$POD" --name "$POD-side" "$PM_IMG_APP" httpd -f -p 127.0.0.1:8080 -h /srv >/dev/null ||
		no "cannot start a second container in the pod" || return
	wait_for "$D" running "$POD-side" || no "second container not running" || return
	a=$(pm exec "$POD-app" ps -o pid,comm) || no "ps in the app failed" || return
	s=$(pm exec "$POD-side" ps -o pid,comm) || no "ps in the second container failed" || return
	for out in "$a" "$s"; do
		printf '%s\n' "$out" | grep -Eq '^ *1 +pause$' || no "PID 1 is not pause: $(flat "$out")" || return
	done
	printf '%s\n' "$a" | grep -Eq ' httpd$' || no "app does not see the second container's httpd: $(flat "$a")" || return
	printf '%s\n' "$s" | grep -Eq ' sleep$' || no "second container does not see the app's sleep: $(flat "$s")" || return
}

pm_net() {
	have_pod || return
	wait_for "$D" fetch || no "app cannot reach the second container's httpd on 127.0.0.1:8080" || return
	addr=$(pm exec "$POD-app" ip -o -4 addr show | grep -v ' lo ')
	[ -n "$addr" ] || no "the pod has no network interface besides lo ($(pm_network))" || return
	for c in app side; do
		h=$(pm exec "$POD-$c" hostname)
		[ "$h" = "$POD" ] || no "hostname in $POD-$c is $h, not $POD" || return
	done
}

# reapwatch on the host, filtered to the pod's pid namespace, from before the
# orphan is made until it is reaped.
rw_start() {
	RW_OUT=$(mktemp) RW_ERR=$(mktemp)
	"$B/reapwatch" --json -a -v --pidns "$(printf '%s' "$POD_PIDNS" | tr -dc 0-9)" \
		>"$RW_OUT" 2>"$RW_ERR" &
	RW_PID=$!
	wait_for "$D" grep -q "reaps seen at" "$RW_ERR"
}

pm_orphan() {
	have_pod || return
	rw_start || no "reapwatch did not attach: $(cat "$RW_ERR")" || return
	# shellcheck disable=SC2046 # split into PODPID HOSTPID
	set -- $(pod_run_orphan_app "$POD")
	POD_O_NS=${1:-} POD_O_HOST=${2:--}
	[ "$POD_O_HOST" != - ] || no "no orphan found (zombie_demo printed no live child)" || return
	p=$(ppid_of "$POD_O_HOST")
	[ "$p" = "$POD_PAUSE" ] || no "orphan $POD_O_HOST has parent $p, not pause $POD_PAUSE" || return
	p=$(field "$(pm exec "$POD-app" cat "/proc/$POD_O_NS/status")" PPid)
	[ "$p" = 1 ] || no "inside the pod the orphan's PPid is '$p', not 1" || return
}

pm_reap() {
	have_pod && [ "${POD_O_HOST:--}" != - ] || no "no orphan" || return
	pod_release_orphans "$POD"
	wait_for "$D" gone "$POD_O_HOST" || no "orphan $POD_O_HOST still there: $(grep State "/proc/$POD_O_HOST/status")" || return
	wait_for "$D" no_zombies "$POD_PIDNS" "$POD_PAUSE" || no "zombies in the pod: $(pidns_zombies "$POD_PIDNS" "$POD_PAUSE")" || return
	wait_for "$D" logged "$POD_O_NS" || no "pause logged no reap of $POD_O_NS: $(pm logs "$POD-infra" 2>&1 | tr '\n' '|')" || return
}

# The events of that orphan, as reapwatch saw them from the host.
pm_reapwatch() {
	[ -n "${RW_PID:-}" ] && [ "${POD_O_HOST:--}" != - ] || no "no reapwatch or no orphan" || return
	wait_for "$D" grep -q "\"type\":\"reap\",[^}]*\"pid\":$POD_O_HOST," "$RW_OUT"
	kill -INT "$RW_PID"; wait "$RW_PID"
	ev=$(grep "\"pid\":$POD_O_HOST," "$RW_OUT")
	rm -f "$RW_OUT" "$RW_ERR"; RW_PID=
	ns=$(printf '%s' "$POD_PIDNS" | tr -dc 0-9)
	o=$(printf '%s\n' "$ev" | grep '"type":"orphan"')
	r=$(printf '%s\n' "$ev" | grep '"type":"reap"')
	x=$(printf '%s\n' "$ev" | grep '"type":"exit"')
	[ "$(printf '%s\n' "$o" | grep -c .)" = 1 ] || no "want one orphan event: $(flat "$ev")" || return
	for want in "\"nspid\":$POD_O_NS," "\"pidns\":$ns," "\"reaper_pid\":$POD_PAUSE," \
		'"reaper_comm":"pause"' '"reaper_kind":"pidns_init"' '"zombie":false'; do
		case $o in *"$want"*) ;; *) no "orphan event lacks $want: $o"; return ;; esac
	done
	case $x in *"\"ppid\":$POD_PAUSE,"*'"exit_code":7,'*) ;;
	*) no "exit event wants ppid $POD_PAUSE and exit code 7: $x"; return ;; esac
	for want in "\"reaper_pid\":$POD_PAUSE," '"reaper_comm":"pause"' '"via":"wait4"'; do
		case $r in *"$want"*) ;; *) no "reap event lacks $want: $r"; return ;; esac
	done
	# -a: the sandbox is the pod: its init is pause, its cgroup names the pod
	for want in "\"sandbox\":{\"init_pid\":$POD_PAUSE," '"init_comm":"pause"' \
		'"runtime":"podman"' '"pod_uid":"'"$(pm pod inspect --format '{{.Id}}' "$POD")"'"'; do
		case $o in *"$want"*) ;; *) no "orphan event lacks $want: $o"; return ;; esac
	done
}

# The articles' exact move: a container whose main process is zombie_demo.
# When that process exits the container is over, and the runtime kills
# what is left in its cgroup: the orphan dies early, still reaped by pause.
pm_exited() {
	have_pod || return
	out=$(pm run --pod "$POD" --name "$POD-once" "$PM_IMG_APP" /zombie_demo -w -s 60000 -x 7) ||
		no "zombie_demo container failed" || return
	o=$(printf '%s\n' "$out" | sed -n 's/.*child PID=\([0-9][0-9]*\).*/\1/p')
	[ -n "$o" ] || no "zombie_demo printed no child" || return
	wait_for "$D" ns_gone "$POD_PIDNS" "$o" || no "orphan $o is still in the pod" || return
	wait_for "$D" logged "$o" || no "pause logged no reap of $o: $(pm logs "$POD-infra" 2>&1 | tr '\n' '|')" || return
	wait_for "$D" no_zombies "$POD_PIDNS" "$POD_PAUSE" || no "zombies in the pod: $(pidns_zombies "$POD_PIDNS" "$POD_PAUSE")" || return
	pm rm -f "$POD-once" >/dev/null
}

pm_restart() {
	have_pod || return
	old=$(pm inspect --format '{{.State.Pid}}' "$POD-app")
	before="$(ns "$old" net) $(ns "$old" ipc) $(ns "$old" uts) $(pm exec "$POD-app" hostname)"
	pm stop -t 10 "$POD-app" >/dev/null || no "podman stop of the app failed" || return
	running "$POD-infra" || no "the infra container stopped with the app" || return
	held="$(ns "$POD_PAUSE" net) $(ns "$POD_PAUSE" ipc) $(ns "$POD_PAUSE" uts)"
	pm start "$POD-app" >/dev/null || no "podman start of the app failed" || return
	wait_for "$D" running "$POD-app" || no "app did not restart" || return
	new=$(pm inspect --format '{{.State.Pid}}' "$POD-app")
	[ "$new" != "$old" ] || no "the app was not restarted (same pid $new)" || return
	after="$(ns "$new" net) $(ns "$new" ipc) $(ns "$new" uts) $(pm exec "$POD-app" hostname)"
	[ "$after" = "$before" ] || no "namespaces/hostname changed: '$before' -> '$after'" || return
	[ "$held $POD" = "$before" ] || no "pause holds '$held', the app had '$before'" || return
}

pm_stop() {
	have_pod || return
	# One more app, which needs a moment to stop: it traps SIGTERM.
	GRACE=
	pm run -d --pod "$POD" --name "$POD-grace" "$PM_IMG_APP" sh -c \
		'trap "usleep 300000; exit 3" TERM; touch /tmp/ready; while :; do usleep 50000; done' >/dev/null &&
		wait_for "$D" pm exec "$POD-grace" test -e /tmp/ready && GRACE=1
	rc=$(pod_stop "$POD") || no "podman pod stop failed" || return
	[ "$rc" = 0 ] || no "pause exited $rc" || return
	wait_for "$D" gone "$POD_PAUSE" || no "pause $POD_PAUSE still running" || return
}

# podman pod stop signals pause and the apps at once; with -g pause waits
# for them instead of exiting, which would make the kernel SIGKILL them.
pm_grace() {
	have_pod || return
	[ -n "$GRACE" ] || no "the container trapping SIGTERM did not start" || return
	rc=$(pm inspect --format '{{.State.ExitCode}}' "$POD-grace")
	[ "$rc" = 3 ] || no "it exited $rc, not 3 from its SIGTERM handler (137: SIGKILLed when pause left)" || return
}

pm_down() {
	have_pod || return
	pod_down "$POD" || no "podman pod rm failed" || return
	left=$(pm ps -a --format '{{.Names}}')
	[ -z "$left" ] || no "containers left: $left" || return
}

# shellcheck disable=SC2119 # no DIR: a temp dir
if ! pm_init; then
	PM_WHY="cannot create a private Podman directory"
elif pm_check; then
	PM_WHY=
fi
if [ -n "$PM_WHY" ] && [ "${REAPWATCH_REQUIRE_PODMAN:-0}" = 0 ]; then
	echo "# Podman cannot run here: $PM_WHY"
	t() { skip "$1" "Podman cannot run here: $PM_WHY"; }
elif [ -n "$PM_WHY" ]; then
	t() { fail "$1" "Podman cannot run here: $PM_WHY"; }
else
	echo "# podman $(pm version --format '{{.Client.Version}}'), runc, cgroupfs, network $(pm_network), storage $PM_DIR"
fi

t "podman: pause and app images built offline (pause: FROM scratch, only /pause, USER 65535:65535)" pm_images
t "podman: the pause image runs as uid 65535 and exits 0 on podman stop" pm_solo
t "podman: pod with our pause as infra (PID 1), sharing pid, ipc, uts and net" pm_pod
t "podman: containers in the pod see pause as PID 1 and each other's processes" pm_ps
t "podman: containers in the pod share localhost and the hostname" pm_net
t "podman: an app's orphan is reparented to pause (PID 1 of the pod)" pm_orphan
t "podman: the orphan exits and pause reaps it (logged, no zombie left)" pm_reap
t "podman: reapwatch on the host reports the orphan and its reap by the pod's pause, attributed to the pod" pm_reapwatch
t "podman: an orphan of a container that exits is killed with it and reaped by pause" pm_exited
t "podman: the sandbox keeps net, ipc, uts and hostname across an app restart" pm_restart
t "podman: stopping the pod ends pause with exit 0" pm_stop
t "podman: pause -g lets the pod's apps finish their SIGTERM handlers on pod stop" pm_grace
t "podman: removing the pod leaves no container" pm_down
