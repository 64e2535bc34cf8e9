#!/bin/sh
# Tests for build/pause: reaping as PID 1 and as a subreaper, signals,
# arguments, init mode, the grace period, an unprivileged read-only run,
# and the size, memory and wake-up budget. Needs root (namespaces).
#
#   sh tests/run.sh pause        (make test-progs first: build/tests/orphans)
#   PAUSE_BIN=/path/to/pause     test another build (e.g. a sanitizer one)
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

P=${PAUSE_BIN:-$B/pause}
O=$B/tests/orphans
VERSION=$(sed -n 's/^VERSION *:= *//p' "$TOP/Makefile")
T=$(mktemp -d)
BG=""	# pid:starttime of what to kill on exit, so a reused pid is left alone

starttime() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }
track() { for _p in "$@"; do BG="$BG $_p:$(starttime "$_p")"; done; }
cleanup() {
	for e in $BG; do
		[ "$(starttime "${e%%:*}")" = "${e#*:}" ] && kill -KILL "${e%%:*}" 2>/dev/null
	done
	# Reap our own children: this VM's init is slow to reap what we leave.
	for e in $BG; do wait "${e%%:*}" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if ! need_root; then
	skip pause "needs root (PID namespaces, setpriv)"
	exit 0
fi
if [ ! -x "$P" ] || [ ! -x "$O" ]; then
	fail pause "build first: make all test-progs"
	exit 1
fi

# --- helpers ---------------------------------------------------------------

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# The process state letter of PID (R, S, Z...), empty if it is gone.
state() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1; }
dead() { s=$(state "$1"); [ -z "$s" ] || [ "$s" = Z ]; }

# Idle: blocked in sigtimedwait with nothing pending.
idle() {
	grep -q sigtimedwait "/proc/$1/wchan" 2>/dev/null &&
		! grep -Eq '^(ShdPnd|SigPnd):[[:space:]]*0*[1-9a-f]' "/proc/$1/status"
}

first_child() {
	c=$(cat "/proc/$1/task/$1/children" 2>/dev/null)
	c=${c%% *}
	[ -n "$c" ] && echo "$c"
}

# exit_status PID SECONDS: wait for background PID to end (killing it after
# SECONDS); its exit status in rc. Not in $(...): a subshell cannot wait.
exit_status() {
	wait_for "$2" dead "$1" || kill -KILL "$1" 2>/dev/null
	wait "$1"
	rc=$?
}

# start_ns NAME ARGS...: pause as PID 1 of a new PID and mount namespace,
# stderr in $T/NAME.err. Sets U (unshare's pid) and NSP (pause's host pid).
start_ns() {
	name=$1; shift
	unshare --pid --fork --mount-proc --kill-child "$@" 2>"$T/$name.err" &
	U=$!; track "$U"; NSP=""
	wait_for 20 first_child "$U" && NSP=$(first_child "$U") &&
		wait_for 20 idle "$NSP"
}

# in_ns CMD...: run CMD inside pause's namespaces (a child of nsenter, so
# whatever it leaves behind is orphaned to pause).
in_ns() { nsenter -t "$NSP" -p -m -- "$@"; }

# count PATTERN FILE: lines of FILE matching the extended regex PATTERN.
count() { grep -Ec -- "$1" "$2" || true; }
# Conditions for wait_for, evaluated on each poll.
counted() { [ "$(count "$2" "$3")" -eq "$1" ]; }
no_children() { [ -z "$(cat "/proc/$1/task/$1/children" 2>/dev/null)" ]; }
ns_comm_is() { [ "$(in_ns cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; }

# Zombies in pause's PID namespace, as "pid comm" lines.
ns_zombies() {
	in_ns sh -c 'cat /proc/[0-9]*/stat 2>/dev/null' |
		awk '{ s = $0; sub(/.*\) /, "", s); if (s ~ /^Z/) print $1, $2 }'
}

expect_eq() { [ "$2" = "$3" ] || { fail "$1" "expected '$3', got '$2'"; return 1; }; }

# --- the binary ----------------------------------------------------------

t=static_and_small
size=$(stat -c %s "$P")
if ! file "$P" | grep -q 'statically linked'; then
	fail $t "not static: $(file "$P")"
elif [ "$size" -gt 16384 ]; then
	fail $t "$size bytes > 16384"
else
	ok "$t ($size bytes)"
fi

# A pause built before musl-gcc was there (glibc's fallback) is rebuilt
# once it is: the Makefile keeps the command line, not only the file date.
t=rebuilt_when_compiler_changes
mk() { make -s -C "$TOP" OUTPUT="$T/out" "$T/out/pause" "$@" >"$T/$t.out" 2>&1; }
if [ -n "${PAUSE_BIN:-}${RW_BUILD:-}" ]; then
	skip $t "about the tree's default build, not another one"
elif ! command -v musl-gcc >/dev/null; then
	skip $t "needs musl-gcc"
elif ! mk PAUSE_CC=cc; then
	fail $t "glibc build: $(tail -n 3 "$T/$t.out")"
elif s1=$(stat -c %s "$T/out/pause") && ! mk; then
	fail $t "musl build: $(tail -n 3 "$T/$t.out")"
elif s2=$(stat -c %s "$T/out/pause") && [ "$s2" -gt 16384 ]; then
	fail $t "$s2 bytes after the switch (glibc: $s1)"
else
	ok "$t ($s1 -> $s2 bytes)"
fi

t=version_anywhere
out1=$("$P" -v 2>&1); rc1=$?
out2=$("$P" --bogus -l -V -g 3 2>&1); rc2=$?
out3=$("$P" -- sh -c 'echo cmd' -v 2>/dev/null)	# after --: CMD's argument
expect_eq $t "$rc1 $out1|$rc2 $out2|$out3" "0 pause.c $VERSION|0 pause.c $VERSION|cmd" && ok $t

# --- not PID 1: warning, signals, subreaper ------------------------------

t=not_pid1_sigterm
"$P" --unknown -x 42 2>"$T/term.err" & p=$!; track "$p"
if ! wait_for 20 idle "$p"; then
	fail $t "never became idle"
else
	kill -TERM "$p"; exit_status "$p" 20
	expect_eq $t "$rc|$(cat "$T/term.err")" \
		"0|Warning: pause should be the first process
Shutting down, got signal: Terminated" && ok $t
fi

t=not_pid1_sigint
# An async command of a script starts with SIGINT ignored: pause must still take it.
"$P" 2>"$T/int.err" & p=$!; track "$p"
if ! wait_for 20 idle "$p"; then
	fail $t "never became idle"
else
	kill -INT "$p"; exit_status "$p" 20
	expect_eq $t "$rc|$(tail -n 1 "$T/int.err")" "0|Shutting down, got signal: Interrupt" && ok $t
fi

# Every catchable signal but SIGINT/SIGTERM, standard and real-time.
barrage() {
	for s in $(seq 1 64); do
		case $s in 2 | 9 | 15 | 19) continue ;; esac
		kill -s "$s" "$1" 2>/dev/null || kill -"$s" "$1"
	done
}

t=not_pid1_signal_barrage
"$P" 2>"$T/barrage.err" & p=$!; track "$p"
if ! wait_for 20 idle "$p"; then
	fail $t "never became idle"
else
	barrage "$p"
	if ! wait_for 20 idle "$p"; then
		fail $t "signals left pending or it died: state '$(state "$p")'"
	else
		kill -TERM "$p"; exit_status "$p" 20
		expect_eq $t "$rc|$(count 'Shutting down' "$T/barrage.err")" "0|1" && ok $t
	fi
fi

t=not_pid1_subreaper
# A child of pause forks a grandchild and exits: the orphan must come to
# pause, not to init. The child is there before exec (an exec keeps children).
mkfifo "$T/go"
sh -c "sh -c 'sleep 1000 & echo \$! >$T/gc; read x <$T/go' & echo \$! >$T/c; exec $P -l" \
	2>"$T/sub.err" & p=$!; track "$p"
if ! wait_for 20 idle "$p" || ! wait_for 20 test -s "$T/gc"; then
	fail $t "setup failed: $(cat "$T/sub.err")"
else
	gc=$(cat "$T/gc") c=$(cat "$T/c"); track "$gc"
	echo >"$T/go"
	if ! wait_for 20 grep -q "^PPid:[[:space:]]*$p\$" "/proc/$gc/status"; then
		fail $t "orphan $gc has $(grep PPid "/proc/$gc/status"), want $p"
	else
		kill -TERM "$gc"
		wait_for 20 grep -q "reaped $gc " "$T/sub.err"
		kill -TERM "$p"; exit_status "$p" 20
		expect_eq $t "$rc|$(state "$gc")|$(grep reaped "$T/sub.err")" \
			"0||pause: reaped $c (sh): exit 0
pause: reaped $gc (sleep): signal 15" && ok $t
	fi
fi

# --- PID 1 of a PID namespace ------------------------------------------------

# orphan_burst TEST N ARGS...: N orphans exit at once inside a fresh
# namespace; pause -l must log exactly N+1 reaps and leave no zombie.
orphan_burst() {
	t=$1 n=$2; shift 2
	if ! start_ns "$t" "$P" "$@"; then
		fail "$t" "pause did not start: $(cat "$T/$t.err")"; return
	fi
	if ! in_ns "$O" "$n" 42 >/dev/null; then
		fail "$t" "orphans $n failed"; return
	fi
	if ! wait_for 60 counted "$n" ': exit 42$' "$T/$t.err"; then
		fail "$t" "reaped $(count ': exit 42$' "$T/$t.err") of $n"; return
	fi
	wait_for 10 no_children "$NSP"
	z=$(ns_zombies)
	expect_eq "$t" "$(count '^pause: reaped [0-9]+ \(orphan\): exit 42$' "$T/$t.err") \
$(count '^pause: reaped [0-9]+ \(orphans-keeper\): exit 0$' "$T/$t.err") \
$(count reaped "$T/$t.err")|$z|$(cat "/proc/$NSP/task/$NSP/children")" "$n 1 $((n + 1))||" &&
		{ kill -TERM "$NSP"; exit_status "$U" 20; expect_eq "$t" "$rc" 0 && ok "$t ($n)"; }
}

orphan_burst pid1_reaps_orphans 100 -l
orphan_burst pid1_reaps_burst 10000 --log-reaps

t=pid1_reaps_without_log
if ! start_ns $t "$P"; then
	fail $t "pause did not start: $(cat "$T/$t.err")"
else
	in_ns "$O" 2000 >/dev/null
	# Zombies stay listed as children until reaped: an empty list means all were.
	if wait_for 30 no_children "$NSP" && [ -z "$(ns_zombies)" ]; then
		kill -TERM "$NSP"; exit_status "$U" 20
		expect_eq $t "$rc|$(cat "$T/$t.err")" "0|Shutting down, got signal: Terminated" && ok $t
	else
		fail $t "left: $(ns_zombies | head -n 3)"
	fi
fi

t=pid1_signal_barrage
if ! start_ns $t env PAUSE_LOG_REAPS=1 "$P"; then
	fail $t "pause did not start: $(cat "$T/$t.err")"
else
	barrage "$NSP"
	if ! wait_for 20 idle "$NSP"; then
		fail $t "signals left pending or it died"
	else
		in_ns "$O" 50 42 >/dev/null
		if wait_for 10 counted 50 'exit 42$' "$T/$t.err"; then
			kill -TERM "$NSP"; exit_status "$U" 20
			expect_eq $t "$rc|$(count reaped "$T/$t.err")|$(count 'Shutting down' "$T/$t.err")" \
				"0|51|1" && ok $t
		else
			fail $t "reaped $(count 'exit 42$' "$T/$t.err") of 50"
		fi
	fi
fi

t=pid1_reap_log_format
if ! start_ns $t "$P" -l; then
	fail $t "pause did not start: $(cat "$T/$t.err")"
else
	k=$(in_ns sh -c 'sleep 1000 >/dev/null 2>&1 & echo $!')
	wait_for 20 ns_comm_is "$k" sleep
	in_ns kill -KILL "$k"
	in_ns "$O" 1 9 >/dev/null
	wait_for 20 counted 3 reaped "$T/$t.err"
	kill -TERM "$NSP"; exit_status "$U" 20
	expect_eq $t "$(grep "reaped $k " "$T/$t.err")|$(count '^pause: reaped [0-9]+ \(orphan\): exit 9$' "$T/$t.err")" \
		"pause: reaped $k (sleep): signal 9|1" && ok $t
fi

t=pid1_reap_log_foreign_proc
# Without --mount-proc, /proc belongs to the parent namespace: its PIDs are
# not pause's, so the log must not name the wrong process.
unshare --pid --fork --kill-child "$P" -l 2>"$T/$t.err" & U=$!; track "$U"
if ! wait_for 20 first_child "$U" || ! NSP=$(first_child "$U") || ! wait_for 20 idle "$NSP"; then
	fail $t "pause did not start"
else
	nsenter -t "$NSP" -p -- "$O" 3 5 >/dev/null
	wait_for 10 counted 4 reaped "$T/$t.err"
	kill -TERM "$NSP"; exit_status "$U" 20
	expect_eq $t "$(count '^pause: reaped [0-9]+ \(\?\): exit 5$' "$T/$t.err") $(count reaped "$T/$t.err")" "3 4" &&
		ok $t
fi

t=pid1_sigterm_immediate_by_default
if ! start_ns $t "$P"; then
	fail $t "pause did not start"
else
	in_ns sh -c 'trap "" TERM; sleep 1000 >/dev/null 2>&1 & :'
	t0=$(now_ms); kill -TERM "$NSP"; exit_status "$U" 20; ms=$(($(now_ms) - t0))
	if [ "$ms" -ge 1500 ]; then fail $t "took ${ms} ms"; else
		expect_eq $t "$rc|$(cat "$T/$t.err")" "0|Shutting down, got signal: Terminated" && ok "$t (${ms} ms)"
	fi
fi

t=pid1_sigterm_from_inside
if ! start_ns $t "$P"; then
	fail $t "pause did not start"
else
	in_ns kill -TERM 1; exit_status "$U" 20
	expect_eq $t "$rc|$(cat "$T/$t.err")" "0|Shutting down, got signal: Terminated" && ok $t
fi

t=pid1_idle_budget
if ! start_ns $t "$P"; then
	fail $t "pause did not start"
else
	ctx() { grep ctxt_switches "/proc/$NSP/status" | awk '{ n += $2 } END { print n }'; }
	c0=$(ctx); sleep 2; c1=$(ctx)	# measuring idleness: the sleep is the point
	rss=$(awk '/^RssAnon:/ { print $2 }' "/proc/$NSP/status")
	kill -TERM "$NSP"; exit_status "$U" 20
	if [ "$c1" -ne "$c0" ]; then fail $t "$((c1 - c0)) wake-ups in 2 s"
	elif [ "$rss" -gt 16 ]; then fail $t "RssAnon $rss kB > 16 kB"
	else ok "$t (0 wake-ups in 2 s, RssAnon $rss kB)"; fi
fi

t=syscalls_to_idle
if ! command -v strace >/dev/null; then
	skip $t "no strace"
else
	strace -o "$T/strace" "$P" 2>/dev/null & p=$!; track "$p"
	# strace's first child can be one of the short-lived ones it forks to
	# probe ptrace at start-up: wait for the one that runs pause.
	traced_pause() {
		for c in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
			[ "$(cat "/proc/$c/comm" 2>/dev/null)" = pause ] && echo "$c" && return 0
		done
		return 1
	}
	pp=""; wait_for 20 traced_pause "$p" && pp=$(traced_pause "$p")
	if [ -z "$pp" ] || ! wait_for 20 idle "$pp"; then
		fail $t "never became idle: pid '$pp' wchan '$(cat "/proc/$pp/wchan" 2>/dev/null)' $(tail -n 2 "$T/strace" | tr '\n' ' ')"
	else
		n=$(grep -c . "$T/strace")	# the last line is the unfinished wait
		kill -TERM "$pp"; exit_status "$p" 20
		if [ "$n" -gt 10 ]; then fail $t "$n system calls: $(cut -d'(' -f1 "$T/strace" | tr '\n' ' ')"
		else ok "$t ($n)"; fi
	fi
fi

# --- unprivileged, read-only root --------------------------------------------

t=uid65535_readonly_root
# A new mount namespace whose / is read-only; pause runs as 65535:65535
# with no groups, as PID 1, and must reap root's orphans and stop cleanly.
if ! start_ns $t sh -c "mount -o remount,bind,ro / && ! touch $T/rw 2>/dev/null &&
	exec setpriv --reuid=65535 --regid=65535 --clear-groups $P -l"; then
	fail $t "did not start: $(cat "$T/$t.err")"
else
	ids=$(awk '/^(Uid|Gid):/ { printf "%s %s ", $2, $5 } /^Groups:/ { printf "[%s]", $2 }' "/proc/$NSP/status")
	in_ns "$O" 20 42 >/dev/null
	wait_for 10 counted 20 'exit 42$' "$T/$t.err"
	kill -TERM "$NSP"; exit_status "$U" 20
	expect_eq $t "$ids|$rc|$(count reaped "$T/$t.err")|$(tail -n 1 "$T/$t.err")" \
		"65535 65535 65535 65535 []|0|21|Shutting down, got signal: Terminated" && ok $t
fi

# --- init mode -----------------------------------------------------------------

# init_rc ARGS...: pause's exit status in init mode, not PID 1.
init_rc() { "$P" -- "$@" >/dev/null 2>"$T/init.err"; echo $?; }

t=init_mode_exit_codes
printf 'echo hi\n' >"$T/noexec"; chmod 644 "$T/noexec"
got="$(init_rc true) $(init_rc sh -c 'exit 3') $(init_rc sh -c 'kill -TERM $$') \
$(init_rc sh -c 'exit 127') $(count 'cannot run' "$T/init.err") \
$(init_rc "$T/missing") $(count "^pause: cannot run $T/missing: No such file or directory\$" "$T/init.err") \
$(init_rc no-such-command-here) $(init_rc "$T/noexec") $(count "^pause: cannot run $T/noexec: Permission denied\$" "$T/init.err") \
$(init_rc /)"
expect_eq $t "$got" "0 3 143 127 0 127 1 127 126 1 126" && ok $t

t=init_mode_pid1
# shellcheck disable=SC2016 # $$, $0, $1 are CMD's
unshare --pid --fork --mount-proc "$P" -- sh -c 'echo "$$ $0 $1"; exit 3' a b >"$T/$t.out" 2>&1
expect_eq $t "$?|$(cat "$T/$t.out")" "3|2 a b" && ok $t	# pause is 1, CMD 2

t=init_mode_forwards_signals
"$P" -- sleep 1000 2>/dev/null & p=$!; track "$p"
wait_for 20 sh -c "c=\$(cat /proc/$p/task/$p/children) && grep -qx sleep /proc/\${c% }/comm"
kill -TERM "$p"; exit_status "$p" 20; r1=$rc
"$P" -- sh -c "trap 'kill \$!; wait \$!; exit 10' USR1; echo >$T/ready; sleep 1000 & wait" 2>/dev/null & p=$!; track "$p"
wait_for 20 test -e "$T/ready"
kill -USR1 "$p"; exit_status "$p" 20; r2=$rc
expect_eq $t "$r1 $r2" "143 10" && ok $t

# --- grace period --------------------------------------------------------------

t=grace_waits_for_slow_exit
# One orphan traps SIGTERM and needs a second to exit, one dies at once:
# pause waits for both, well within the grace period, then exits 0.
if ! start_ns $t "$P" -g 10 -l; then
	fail $t "pause did not start"
else
	rm -f "$T/ready"
	ids=$(in_ns sh -c "sh -c 'trap \"sleep 1; exit 5\" TERM; echo >$T/ready; sleep 1000 & wait' >/dev/null 2>&1 &
		echo \$!; sleep 1000 >/dev/null 2>&1 & echo \$!")
	slow=${ids%%[!0-9]*} fast=${ids##*[!0-9]}
	wait_for 20 test -e "$T/ready"
	wait_for 20 ns_comm_is "$fast" sleep
	t0=$(now_ms); kill -TERM "$NSP"; exit_status "$U" 15; ms=$(($(now_ms) - t0))
	if [ "$ms" -lt 900 ] || [ "$ms" -gt 6000 ]; then fail $t "took ${ms} ms, want 1 s"; else
		expect_eq $t "$rc|$(grep -E "reaped ($slow|$fast) " "$T/$t.err" | sort)" "0|$(printf '%s\n' \
			"pause: reaped $fast (sleep): signal 15" "pause: reaped $slow (sh): exit 5" | sort)" &&
			ok "$t (${ms} ms)"
	fi
fi

t=grace_waits_for_non_children
# As in a pod sharing its PID namespace: the process's parent (here nsenter,
# for a container its shim) is outside the namespace, so its exit sends pause
# no SIGCHLD. pause must still wait for it instead of killing it by exiting.
if ! start_ns $t "$P" -g 10; then
	fail $t "pause did not start"
else
	rm -f "$T/ready"
	in_ns sh -c "trap 'sleep 1; exit 5' TERM; echo >$T/ready; sleep 1000 & wait" >/dev/null 2>&1 &
	n=$!; track "$n"
	wait_for 20 test -e "$T/ready"
	t0=$(now_ms); kill -TERM "$NSP"; exit_status "$U" 15; ms=$(($(now_ms) - t0)); prc=$rc
	exit_status "$n" 20
	if [ "$ms" -lt 900 ] || [ "$ms" -gt 6000 ]; then fail $t "took ${ms} ms, want 1 s"; else
		expect_eq $t "$prc $rc" "0 5" && ok "$t (${ms} ms)"
	fi
fi

t=grace_kills_at_deadline
if ! start_ns $t env PAUSE_GRACE=2 PAUSE_LOG_REAPS=1 "$P"; then
	fail $t "pause did not start"
else
	k=$(in_ns sh -c 'trap "" TERM; sleep 1000 >/dev/null 2>&1 & echo $!')
	wait_for 20 ns_comm_is "$k" sleep
	t0=$(now_ms); kill -TERM "$NSP"; exit_status "$U" 15; ms=$(($(now_ms) - t0))
	if [ "$ms" -lt 1900 ] || [ "$ms" -gt 7000 ]; then fail $t "took ${ms} ms, want 2 s"; else
		expect_eq $t "$rc|$(grep reaped "$T/$t.err")" "0|pause: reaped $k (sleep): signal 9" && ok "$t (${ms} ms)"
	fi
fi

t=grace_not_pid1_descendants_only
# Not PID 1: SIGTERM goes to pause's descendants (a child, a grandchild
# that gets orphaned on the way), SIGKILL at the deadline; a process outside
# its tree is left alone.
sleep 1000 & bystander=$!; track "$bystander"
rm -f "$T/a" "$T/b" "$T/c"
sh -c "sh -c 'trap \"\" TERM; exec sleep 1000' & echo \$! >$T/a
	sh -c '(trap \"\" TERM; exec sleep 1001) & echo \$! >$T/b; wait' & echo \$! >$T/c
	exec $P -g 2 -l" 2>"$T/$t.err" & p=$!; track "$p"
if ! wait_for 20 test -s "$T/b" || ! wait_for 20 idle "$p"; then
	fail $t "did not start"
else
	a=$(cat "$T/a") b=$(cat "$T/b") c=$(cat "$T/c"); track "$a" "$b" "$c"
	wait_for 20 grep -qx sleep "/proc/$a/comm"
	wait_for 20 grep -qx sleep "/proc/$b/comm"
	t0=$(now_ms); kill -TERM "$p"; exit_status "$p" 15; ms=$(($(now_ms) - t0))
	if [ "$ms" -lt 1900 ] || [ "$ms" -gt 7000 ]; then fail $t "took ${ms} ms, want 2 s"; else
		expect_eq $t "$rc|$(state "$a")$(state "$b")|$(state "$bystander")|$(grep reaped "$T/$t.err" | sort)" \
			"0||S|$(printf 'pause: reaped %s (sleep): signal 9\npause: reaped %s (sleep): signal 9\npause: reaped %s (sh): signal 15' "$a" "$b" "$c" | sort)" &&
			ok "$t (${ms} ms)"
	fi
fi
kill "$bystander" 2>/dev/null; wait "$bystander"

t=grace_bad_value_ignored
"$P" -g 3O 2>"$T/$t.err" & p=$!; track "$p"
if wait_for 20 idle "$p"; then
	t0=$(now_ms); kill -TERM "$p"; exit_status "$p" 20; ms=$(($(now_ms) - t0))
	expect_eq $t "$rc|$(grep -c . "$T/$t.err")|$(head -n 1 "$T/$t.err")" \
		"0|3|pause: ignoring -g '3O': want 0 to 86400 seconds" && ok $t
else
	fail $t "exited: $(cat "$T/$t.err")"
fi
