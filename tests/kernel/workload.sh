#!/bin/sh
# A fixed workload, traced: build/pause idles as PID 1 of a fresh pid
# namespace; reapwatch --json attaches, filtered to that namespace; then a
# shell entered into it makes an exit with a code, a death by signal, a live
# orphan and an already-zombie orphan, both adopted and reaped by pause.
# Prints reapwatch's JSON lines. The second-kernel test runs it on the host
# and in the guest and compares the events.
#
#   tests/kernel/workload.sh REAPWATCH [REAPWATCH_OPTION...]   (as root)
#
# Every process whose reap is traced starts waiting after reapwatch attached
# (the exact design learns "wait4" at sys_enter_wait4: a wait already blocked
# at attach time is reported via "release"), and nothing depends on timing:
# each step ends before the next, and the orphans' states are awaited.
set -u
rw=$1
shift
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT

# deadline SECONDS CMD...: poll CMD every 10 ms until it succeeds.
deadline() {
	n=$(($1 * 100))
	shift
	until "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.01
	done
}
# pause is unshare's child, and idle once it waits for signals.
pause_pid() { c=$(cat "/proc/$u/task/$u/children" 2>/dev/null) && [ -n "$c" ] && echo "${c%% *}"; }
idle() { grep -q sigtimedwait "/proc/$1/wchan"; }

unshare --pid --fork --mount-proc --kill-child "$top/build/pause" 2>"$tmp/pause.err" &
u=$!
if ! deadline 10 pause_pid || ! deadline 10 idle "$(pause_pid)"; then
	echo "workload: pause did not start: $(cat "$tmp/pause.err")" >&2
	exit 1
fi
p=$(pause_pid)
"$rw" --json -v --pidns "$(stat -Lc %i "/proc/$p/ns/pid")" "$@" >"$tmp/events" 2>"$tmp/rw.err" &
r=$!
if ! deadline 60 grep -q "reaps seen at" "$tmp/rw.err"; then
	echo "workload: reapwatch did not attach: $(tail -n 5 "$tmp/rw.err")" >&2
	exit 1
fi
# The steps, run by a shell entered into the namespace: nspid 2 (a child of
# nsenter, outside), its children 3, 4... It sees the namespace's /proc.
cat >"$tmp/steps.sh" <<'EOF'
# An exit with a code; a death by a signal.
sh -c 'exit 3'
sh -c 'kill -9 $$'
# A live orphan: its parent leaves once it runs sleep (so its comm is "sleep").
sh -c 'n=0; sleep 0.2 & until read -r c </proc/$!/comm && [ "$c" = sleep ] || [ $((n += 1)) -gt 100000 ]; do :; done'
# An orphan already dead: M forks Z and execs sleep, which never waits. Z
# exits 4 only once M runs sleep (a shell M could reap it before its exec);
# once Z is a zombie, M is killed and Z passes to pause.
sh -c 'sh -c "read -r x <\"\$0\"; exit 4" "$2" & echo $! >"$1"; exec sleep 10' m "$1" "$2" &
m=$!
# wait_until CMD...: a busy wait (each sleep would be a process more), bounded.
wait_until() {
	n=0
	until "$@"; do
		n=$((n + 1))
		[ "$n" -lt 100000 ] || { echo "workload: timed out: $*" >&2; return 1; }
	done
}
runs_sleep() { read -r c 2>/dev/null <"/proc/$m/comm" && [ "$c" = sleep ]; }
is_zombie() {
	read -r z 2>/dev/null <"$1" && [ -n "$z" ] &&
		read -r s 2>/dev/null <"/proc/$z/stat" && case ${s##*) } in Z*) true ;; *) false ;; esac
}
wait_until runs_sleep
echo go >"$2"
wait_until is_zombie "$1"
kill "$m"
wait "$m"
# The end: pause (1) and this shell are the namespace's only processes.
alone() { set -- /proc/[0-9]*; [ $# -le 2 ]; }
wait_until alone
EOF
mkfifo "$tmp/go"
nsenter -t "$p" -p -m -- sh "$tmp/steps.sh" "$tmp/zombie" "$tmp/go"
# The last event is the steps shell's reap by nsenter (outside the namespace).
reaped_by_nsenter() { grep -q '"type":"reap".*"reaper_comm":"nsenter"' "$tmp/events"; }
deadline 10 reaped_by_nsenter || echo "workload: the last reap was not reported" >&2
kill -INT "$r"
wait "$r"
kill -TERM "$p"
wait "$u"
grep 'reaps seen at' "$tmp/rw.err" >&2
cat "$tmp/events"
