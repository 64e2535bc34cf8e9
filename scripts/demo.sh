#!/bin/sh
# The live demo (`make demo`): a sandbox with our pause as PID 1, reapwatch
# watching it, and a scripted workload that orphans and leaks processes.
# Run as root from the project's top directory after `make`.
set -eu
B=$(cd "${B:-build}" && pwd)
RW=$B/reapwatch
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (BPF and namespaces need it)" >&2; exit 1; }
for f in "$B/pause" "$RW" "$B/tests/zombie_demo"; do
	[ -x "$f" ] || { echo "demo: $f is missing: run make first" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/reapwatch-demo.XXXXXX)
pause_pid="" trace_pid="" record_pid=""
cleanup() {
	for p in $trace_pid $record_pid; do kill -INT "$p" 2>/dev/null || true; done
	[ -n "$pause_pid" ] && kill -TERM "$pause_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

bold=$(printf '\033[1m') dim=$(printf '\033[2m') off=$(printf '\033[0m')
[ -t 1 ] || bold="" dim="" off=""
title() { printf '\n%s== %s ==%s\n' "$bold" "$1" "$off"; }
note() { printf '%s%s%s\n' "$dim" "$1" "$off"; }

# Poll a condition every 10 ms for up to $1 seconds.
wait_for() {
	n=$(($1 * 100)); shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1)); [ "$n" -gt 0 ] || return 1
		sleep 0.01
	done
}

title "1. A sandbox: our pause as PID 1 of new pid, uts and ipc namespaces"
unshare --pid --uts --ipc --mount --fork --mount-proc "$B/pause" 2>"$tmp/pause.err" &
unshare_pid=$!
wait_for 5 pgrep -P "$unshare_pid" -x pause
pause_pid=$(pgrep -P "$unshare_pid" -x pause)
pidns=$(stat -Lc %i "/proc/$pause_pid/ns/pid")
printf '   pause: host pid %s, PID 1 of pid namespace %s\n' "$pause_pid" "$pidns"
printf '   size:  %s bytes, static (%s)\n' "$(stat -c %s "$B/pause")" \
	"$(file -b "$B/pause" | grep -o 'statically linked' || echo '?')"

title "2. reapwatch, filtered to that namespace (--pidns $pidns)"
"$RW" record -o "$tmp/demo.rwr" --pidns "$pidns" 2>"$tmp/record.err" &
record_pid=$!
"$RW" trace --pidns "$pidns" -v 2>"$tmp/trace.err" &
trace_pid=$!
wait_for 10 grep -q "reaps seen at" "$tmp/trace.err" || { cat "$tmp/trace.err" >&2; exit 1; }
wait_for 10 sh -c "grep -q . '$tmp/demo.rwr'" || true
sed -n 's/^reapwatch: /   /p' "$tmp/trace.err"
sleep 0.3 # let the header through before the events start

in_sandbox() { nsenter -t "$pause_pid" -p -m -u -i "$@"; }

title "3. Live events"
note "   three orphans: their parent exits at once, pause adopts and reaps them"
in_sandbox "$B/tests/zombie_demo" -n 3 -s 300 >/dev/null
note "   a leaky app: three children exit, it never waits, then it exits itself"
cp /bin/sleep "$tmp/leaky-app"
in_sandbox sh -c "sleep 0.1 & sleep 0.1 & sleep 0.1 & exec $tmp/leaky-app 1.5"
note "   a shell that reaps its background job only after its foreground job"
in_sandbox sh -c 'sleep 0.05 & sleep 0.25; wait'
# every orphan is reaped (pause has no children left) before we stop watching
wait_for 5 sh -c "[ -z \"\$(pgrep -P $pause_pid)\" ]" || true
sleep 0.3
kill -INT "$trace_pid" "$record_pid"
wait "$trace_pid" "$record_pid" 2>/dev/null || true
trace_pid="" record_pid=""
sed -n 's/^reapwatch: /   /p' "$tmp/trace.err" | grep -v "reaps seen" || true

title "4. Reap latency and zombie leaks (reapwatch report --leak-after 0.5)"
"$RW" report --leak-after 0.5 "$tmp/demo.rwr"

title "5. Zombies left in the sandbox"
left=$(ps -e -o pid=,stat= | awk -v ns="$pidns" '$2 ~ /^Z/ { print $1 }' |
	while read -r p; do [ "$(stat -Lc %i /proc/$p/ns/pid 2>/dev/null)" = "$ns" ] && echo "$p"; done | wc -l)
printf '   %s\n' "$left zombies"
kill -TERM "$pause_pid"
wait "$unshare_pid" 2>/dev/null || true
pause_pid=""
printf '   pause said: %s\n' "$(cat "$tmp/pause.err" | tail -n 1)"
