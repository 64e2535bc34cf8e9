#!/bin/sh
# Faults (issue 8): pause under PID exhaustion; reapwatch killed, interrupted,
# and watching a reaper that dies mid-storm and a pid namespace whose init
# dies; reapwatch short of privilege, BTF or tracefs; pause with nothing at
# all (uid 65535, no capabilities, read-only root, no file descriptors).
# Needs root (namespaces, cgroups, BPF).
#
#   sh tests/run.sh faults        (make all test-progs first)
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

P=$B/pause
RW=$B/reapwatch
O=$B/tests/orphans
T=$(mktemp -d)
CG=""	# the pids cgroup of pid_exhaustion
BG=""	# pid:starttime of what to kill on exit, so a reused pid is left alone

starttime() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }
track() { for p in "$@"; do BG="$BG $p:$(starttime "$p")"; done; }
cleanup() {
	for e in $BG; do
		[ "$(starttime "${e%%:*}")" = "${e#*:}" ] && kill -KILL "${e%%:*}" 2>/dev/null
	done
	if [ -n "$CG" ] && [ -d "$CG" ]; then
		while read -r p; do kill -KILL "$p" 2>/dev/null; done <"$CG/cgroup.procs"
		wait_for 10 rmdir "$CG"
	fi
	[ -n "$KEEP" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if ! need_root; then
	skip faults "needs root (namespaces, cgroups, BPF)"
	exit 0
fi
for f in "$P" "$RW" "$O"; do
	if [ ! -x "$f" ]; then
		fail faults "$f is not built (make all test-progs)"
		exit 1
	fi
done
for tool in python3 bpftool nsenter unshare setpriv; do
	if ! command -v $tool >/dev/null; then
		fail faults "$tool is missing (sh scripts/deps.sh test)"
		exit 1
	fi
done

# --- helpers -----------------------------------------------------------------

state() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1; }
dead() { s=$(state "$1"); [ -z "$s" ] || [ "$s" = Z ]; }
idle() { grep -q sigtimedwait "/proc/$1/wchan" 2>/dev/null; }
first_child() {
	c=$(cat "/proc/$1/task/$1/children" 2>/dev/null)
	c=${c%% *}
	[ -n "$c" ] && echo "$c"
}
no_children() { [ -z "$(cat "/proc/$1/task/$1/children" 2>/dev/null)" ]; }
# exit_status PID SECONDS: wait for background PID (killing it after SECONDS); status in rc.
exit_status() {
	wait_for "$2" dead "$1" || kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null	# no "Killed" from the shell
	rc=$?
}
expect_eq() { [ "$2" = "$3" ] || { fail "$1" "expected '$3', got '$2'"; return 1; }; }

# start_ns NAME CMD...: CMD (pause) as PID 1 of a new pid and mount namespace,
# stderr in $T/NAME.err. Sets U (unshare's pid), NSP (pause's host pid) and
# NS (the namespace's inode).
start_ns() {
	name=$1; shift
	unshare --pid --fork --mount-proc --kill-child "$@" 2>"$T/$name.err" &
	U=$!; track $U; NSP="" NS=""
	wait_for 10 first_child "$U" && NSP=$(first_child "$U") && track "$NSP" &&
		wait_for 10 idle "$NSP" && NS=$(stat -L -c %i "/proc/$NSP/ns/pid")
}
# in_ns CMD...: CMD inside pause's namespaces (a child of nsenter).
in_ns() { nsenter -t "$NSP" -p -m -- "$@"; }
# Processes of the namespace as "nspid comm state" (but the lister's own).
ns_procs() {
	in_ns sh -c 'cat /proc/[0-9]*/stat 2>/dev/null' |
		awk '{ s = $0; sub(/.*\) /, "", s); c = $2; gsub(/[()]/, "", c);
			if (c != "cat" && c != "sh") print $1, c, substr(s, 1, 1) }'
}

# trace_ns NAME: reapwatch trace --json of namespace $NS into $T/NAME.json,
# stderr $T/NAME.rwerr; RWP is its pid. False if it did not attach.
trace_ns() {
	"$RW" trace --json -v --pidns "$NS" >"$T/$1.json" 2>"$T/$1.rwerr" &
	RWP=$!; track $RWP
	wait_for 60 grep -q 'reaps seen at' "$T/$1.rwerr"
}
# stop_trace NAME: SIGINT reapwatch, which must still be running, exit 0 and
# print its summary; the reason in why, empty if all is well.
stop_trace() {
	why=""
	if dead "$RWP"; then why="reapwatch is gone: $(tail -n 2 "$T/$1.rwerr")"; return; fi
	kill -INT "$RWP"
	exit_status "$RWP" 30
	[ "$rc" -eq 0 ] || why="reapwatch exited $rc"
	grep -q '^reapwatch: [0-9]* events, 0 lost' "$T/$1.rwerr" ||
		why="$why; summary: $(tail -n 1 "$T/$1.rwerr")"
}

# events NAME CHECK ARGS...: a check of $T/events.py (below) on $T/NAME.json.
events() {
	name=$1; shift
	python3 "$T/events.py" "$T/$name.json" "$@"
}
cat >"$T/events.py" <<'PY'
# Checks on reapwatch trace --json output. events.py FILE CHECK ARGS...
# Exits 0 if the check holds, else 1 with the reason on stdout.
import json, sys

def load(path):
    evs = []
    for line in open(path):
        try:
            evs.append(json.loads(line))
        except ValueError:
            pass  # a line being written
    return evs

def key(e):
    return (e["pid"], e["start_ns"])

def unreaped(evs):
    reaped = {key(e) for e in evs if e["type"] == "reap"}
    return [e for e in evs if e["type"] == "exit" and key(e) not in reaped]

def fail(why):
    print(why)
    sys.exit(1)

evs = load(sys.argv[1])
check, args = sys.argv[2], [int(a) for a in sys.argv[3:]]
exits = [e for e in evs if e["type"] == "exit"]
reaps = [e for e in evs if e["type"] == "reap"]
orphans = [e for e in evs if e["type"] == "orphan"]

if check == "orphans-to":  # REAPER N: at least N orphans adopted by REAPER
    n = sum(1 for o in orphans if o["reaper_pid"] == args[0])
    sys.exit(0 if n >= args[1] else 1)

if check == "settled":  # N: at least N exits, each one reaped
    if len(exits) < args[0] or unreaped(evs):
        fail("%d exits, %d unreaped: %s" % (len(exits), len(unreaped(evs)), " ".join(
            "%d/%s(ppid %d)" % (e["pid"], e["comm"], e["ppid"]) for e in unreaped(evs)[:5])))
    sys.exit(0)

lost = [e for e in evs if e["type"] == "lost"]
if [e["count"] for e in lost] != [0]:
    fail("lost events: %s" % lost)
if unreaped(evs):
    fail("exits without a reap: %s" % unreaped(evs)[:3])

def one(kind, **want):
    got = [e for e in evs if e["type"] == kind and all(e.get(k) == v for k, v in want.items())]
    if len(got) != 1:
        fail("%d %s events with %s, want 1" % (len(got), kind, want))
    return got[0]

def reap_of(e):
    return [r for r in reaps if key(r) == key(e)][0]

if check == "storm":  # R S NSP SLEEPER-NSPIDS...: a subreaper R, running storm shell S, killed
    R, S, NSP, sleepers = args[0], args[1], args[2], args[3:]
    if len(sleepers) != 10:
        fail("%d sleepers" % len(sleepers))
    r = one("exit", pid=R)
    if r["signal"] != 9:
        fail("reaper %d: exit %s" % (R, r))
    for nsp in sleepers:
        # By identity (pid, start_ns), not comm: the first orphaning can come
        # before the forked shell has exec'd sleep, and reports comm "sh".
        e = one("exit", nspid=nsp, comm="sleep", signal=9)
        mine = sorted((o for o in orphans if key(o) == key(e)), key=lambda o: o["ts_ns"])
        got = [(o["reaper_pid"], o["reaper_kind"], o["old_ppid"] == R, o["zombie"]) for o in mine]
        if got != [(R, "subreaper", False, False), (NSP, "pidns_init", True, False)]:
            fail("sleeper %d: not adopted by %d then handed to %d: %s" % (nsp, R, NSP, mine))
        if reap_of(e)["reaper_pid"] != NSP:
            fail("sleeper %d reaped by %s" % (nsp, reap_of(e)))
    from_r = [o for o in orphans if o["old_ppid"] == R]
    if any(o["reaper_pid"] != NSP or o["reaper_kind"] != "pidns_init" for o in from_r):
        fail("orphans of the dead reaper: %s" % from_r)
    if [o["comm"] for o in from_r if o["pid"] == S] != ["sh"]:
        fail("the storm shell %d was not handed on: %s" % (S, from_r))
    if one("exit", pid=S)["exit_code"] != 0 or reap_of(one("exit", pid=S))["reaper_pid"] != NSP:
        fail("the storm shell: %s" % one("exit", pid=S))
    before = sum(1 for o in orphans if o["reaper_pid"] == R)
    after = sum(1 for o in orphans if o["reaper_pid"] == NSP and o["old_ppid"] != R)
    print("%d orphans adopted by the reaper, %d handed on at its death, %d adopted "
          "by pause after; %d exits, each reaped" % (before, len(from_r), after, len(exits)))
    sys.exit(0)

if check == "nsdeath":  # NSP U ZOMBIE-NSPID NSPIDS...: the namespace's init killed
    NSP, U, zombie, alive = args[0], args[1], args[2], args[3:]
    p = one("exit", pid=NSP)
    if p["signal"] != 9 or reap_of(p)["reaper_pid"] != U:
        fail("pause: exit %s, reap %s" % (p, reap_of(p)))
    for nsp in alive:
        e = one("exit", nspid=nsp, signal=9)
        reap_of(e)
    z = one("exit", nspid=zombie, comm="true")
    if z["signal"] != 0 or z["exit_code"] != 0:
        fail("the zombie: %s" % z)
    vias = sorted({reap_of(e)["via"] for e in exits if e["nspid"] in alive + [zombie]})
    print("%d killed by signal 9, the zombie, all reaped (via %s)" % (len(alive), ", ".join(vias)))
    sys.exit(0)

fail("unknown check " + check)
PY

# --- pause under PID exhaustion ------------------------------------------------

t=pid_exhaustion
# pause -l as PID 1 of a namespace in a pids cgroup limited to 40 tasks, and
# a flooder in the same cgroup and namespace, in 5 waves. In each, it forks
# as fast as it can, each child leaving an orphan (pause's) that waits on a
# pipe, until 20 forks in a row are refused: the cgroup is full. Then it
# closes the pipe: the wave's orphans exit at once, and the next wave starts
# when pids.current is back to its 3 (pause, nsenter, the flooder), which
# only pause's reaping can do. Nothing depends on speed: every wave makes
# exactly 36 orphans (40, less those 3, less a slot for the child that forks
# the orphan), 20 forks refused each, and pause's reap log names all 180.
cat >"$T/flood.py" <<'PY'
import os, sys, time
cg, waves, streak_max = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def current():
    with open(cg + "/pids.current") as f:
        return int(f.read())

base, made, refused = current(), [], 0
for wave in range(waves):
    r, w = os.pipe()
    n = streak = 0
    while streak < streak_max:
        try:
            pid = os.fork()
        except BlockingIOError:
            refused += 1
            streak += 1
            time.sleep(0.005)
            continue
        if pid == 0:
            os.close(w)
            try:
                if os.fork() == 0:  # the orphan: until the wave's pipe closes
                    os.read(r, 1)
                    os._exit(0)
            except BlockingIOError:
                os._exit(1)
            os._exit(0)
        _, st = os.waitpid(pid, 0)
        if st == 0:
            n, streak = n + 1, 0
        else:
            refused, streak = refused + 1, streak + 1
    made.append(n)
    os.close(w)
    os.close(r)
    end = time.monotonic() + 30
    while current() != base:
        if time.monotonic() > end:
            sys.exit("wave %d: pids.current %d, not back to %d in 30 s" % (wave, current(), base))
        time.sleep(0.01)
print(" ".join(map(str, made)), refused)
PY
# pids_cgroup: make $CG, a new cgroup where the pids controller is (a v1
# hierarchy of its own, or cgroup v2 with pids enabled below its root).
pids_cgroup() {
	root=$(awk '$3 == "cgroup" && $4 ~ /(^|,)pids(,|$)/ { print $2; exit }' /proc/self/mounts)
	if [ -z "$root" ]; then
		root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
		[ -n "$root" ] && grep -qw pids "$root/cgroup.controllers" 2>/dev/null || return 2
		grep -qw pids "$root/cgroup.subtree_control" ||
			echo +pids >"$root/cgroup.subtree_control" || return 1
	fi
	CG=$root/rw-faults-$$
	mkdir "$CG" && echo 40 >"$CG/pids.max"
}
pids_cgroup; rc=$?
if [ $rc -eq 2 ]; then
	skip $t "no pids cgroup controller on this kernel (v1 or v2)"
elif [ $rc -ne 0 ]; then
	fail $t "cannot make a pids cgroup limited to 40 (${CG:-no cgroup})"
elif ! start_ns $t sh -c "echo \$\$ >$CG/cgroup.procs && exec $P -l"; then
	fail $t "pause did not start: $(cat "$T/$t.err")"
else
	base=$(cat "$CG/pids.current")
	max0=$(awk '$1 == "max" { print $2 }' "$CG/pids.events")
	pstart=$(starttime "$NSP")
	out=$(timeout 120 sh -c "echo \$\$ >$CG/cgroup.procs && exec nsenter -t $NSP -p -m -- \
		python3 $T/flood.py $CG 5 20" 2>&1)
	max1=$(awk '$1 == "max" { print $2 }' "$CG/pids.events")
	refused=${out##* }
	# reaps_of COMM STATUS: pause's reap-log lines for COMM ending with STATUS
	reaps_of() { grep -c "^pause: reaped [0-9]* ($1): $2\$" "$T/$t.err"; }
	if [ "$base" -ne 1 ]; then fail $t "$base tasks in the cgroup before the flood, want 1 (pause)"
	elif [ "$out" != "36 36 36 36 36 100" ]; then
		fail $t "flood: '$out' (orphans per wave, refused forks), want '36 36 36 36 36 100'"
	elif [ "$((max1 - max0))" -ne "$refused" ]; then
		fail $t "pids.events max went from $max0 to $max1, want $refused more"
	elif [ "$(starttime "$NSP")" != "$pstart" ] || dead "$NSP"; then fail $t "pause is gone"
	elif ! wait_for 30 sh -c "[ \$(cat $CG/pids.current) -eq $base ]"; then
		fail $t "$(cat "$CG/pids.current") tasks left after the flood, want $base"
	elif [ "$(reaps_of python3 'exit 0')" -ne 180 ]; then
		fail $t "pause logged $(reaps_of python3 'exit 0') reaps of the flood's 180 orphans"
	elif ! in_ns "$O" 20 42 >/dev/null || ! wait_for 30 no_children "$NSP"; then
		fail $t "after the flood, 20 orphans not reaped: $(cat "/proc/$NSP/task/$NSP/children")"
	else
		kill -TERM "$NSP"; exit_status "$U" 10
		expect_eq $t "$rc|$(reaps_of orphan 'exit 42')|$(reaps_of orphans-keeper 'exit 0')|$(
			grep -vc '^pause: reaped ' "$T/$t.err")|$(tail -n 1 "$T/$t.err")" \
			"0|20|1|1|Shutting down, got signal: Terminated" &&
			ok "$t (5 waves of 36 orphans filling pids.max 40, 100 forks refused, all 180 reaped; then 21 orphans reaped)"
	fi
fi
kill -KILL "$U" 2>/dev/null
if [ -n "$CG" ] && [ -d "$CG" ]; then
	wait_for 10 rmdir "$CG" || fail "$t: cleanup" "cannot remove $CG: $(cat "$CG/cgroup.procs" 2>/dev/null)"
fi

# --- reapwatch killed or interrupted: nothing left behind --------------------------

# bpf_ids PID: "prog ID", "map ID" and "link ID" lines for the BPF objects PID holds.
bpf_ids() {
	for f in /proc/"$1"/fdinfo/*; do
		sed -n 's/^\(prog\|map\|link\)_id:[[:space:]]*\([0-9]*\)$/\1 \2/p' "$f" 2>/dev/null
	done | sort -u
}
# alive_ids FILE: those of FILE's objects the kernel still has, with their names.
alive_ids() {
	for kind in prog map link; do
		bpftool -j "$kind" show 2>/dev/null |
			python3 -c 'import json, sys
for o in json.load(sys.stdin):
    print(sys.argv[1], o["id"], o.get("name", o.get("type", "")))' "$kind"
	done | awk 'NR == FNR { want[$1 " " $2] = 1; next } want[$1 " " $2]' "$1" -
}
# the names of our programs and maps (bpf/reapwatch.bpf.c)
OURS='handle_exit|handle_signal|handle_signal_direct|handle_wait4_enter|handle_wait4_exit|handle_waitid_enter|handle_waitid_exit|handle_free|handle_free_probe|handle_release|seed_zombies|mark_live|events|zombies|pending|watched|watched_fine|memo|vpids|waits|reapers|orphaners|reapwatc\.(rodata|bss|data)|\.rodata\.cst16'

none_alive() { [ -z "$(alive_ids "$1")" ]; }

# leaves_nothing NAME SIGNAL MARKER SUMMARY ARGS...: reapwatch ARGS, once
# attached (MARKER on stderr), gets SIGNAL. Every program, link and map it
# held must then be gone; on SIGINT it exits 0 with SUMMARY (a regular
# expression) on stdout or stderr, on SIGKILL with 137.
leaves_nothing() {
	t=$1 sig=$2 marker=$3 summary=$4; shift 4
	"$RW" "$@" -v -p $$ >"$T/$t.out" 2>"$T/$t.err" &
	p=$!; track $p
	if ! wait_for 60 grep -q "$marker" "$T/$t.err"; then
		fail "$t" "never attached: $(tail -n 2 "$T/$t.err")"; kill -KILL "$p"; return
	fi
	bpf_ids "$p" >"$T/$t.ids"
	alive_ids "$T/$t.ids" >"$T/$t.names"
	np=$(grep -c '^prog' "$T/$t.names") nm=$(grep -c '^map' "$T/$t.names")
	nl=$(grep -c '^link' "$T/$t.names")
	if [ "$np" -lt 5 ] || [ "$nm" -lt 6 ] || [ "$nl" -lt 5 ] ||
		grep -vqE " ($OURS)\$|^link [0-9]+ (raw_tracepoint|perf_event|tracing)\$" "$T/$t.names"; then
		fail "$t" "not what reapwatch holds: $np progs, $nm maps, $nl links: $(tr '\n' ' ' <"$T/$t.names")"
		kill -KILL "$p"; return
	fi
	# Only serve runs the sweep iterator; the others need not load it.
	if grep -q ' mark_live$' "$T/$t.names"; then
		fail "$t" "holds serve's sweep iterator (mark_live)"; kill -KILL "$p"; return
	fi
	kill -"$sig" "$p"
	exit_status "$p" 30
	want=0; [ "$sig" = KILL ] && want=137
	if ! wait_for 30 none_alive "$T/$t.ids"; then
		fail "$t" "left behind: $(alive_ids "$T/$t.ids" | tr '\n' ' ')"
	elif [ "$rc" -ne "$want" ]; then
		fail "$t" "exit status $rc, want $want: $(tail -n 2 "$T/$t.err")"
	elif [ "$sig" = INT ] && ! cat "$T/$t.out" "$T/$t.err" | grep -qE "$summary"; then
		fail "$t" "no summary /$summary/: $(tail -n 2 "$T/$t.out") $(tail -n 2 "$T/$t.err")"
	else
		ok "$t ($np programs, $nm maps, $nl links, all gone)"
	fi
}

leaves_nothing "trace, SIGKILL: no program, link or map left" KILL 'reaps seen at' '' trace
leaves_nothing "stats in the kernel, SIGKILL: no program, link or map left" KILL \
	'aggregating in the kernel' '' stats
leaves_nothing "record, SIGKILL: no program, link or map left" KILL 'recording to' '' \
	record -o "$T/killed.rwr"
leaves_nothing "trace, SIGINT: detaches, exit 0, summary" INT 'reaps seen at' \
	'^reapwatch: [0-9]+ events, 0 lost$' trace
leaves_nothing "stats in the kernel, SIGINT: detaches, exit 0, summary" INT \
	'aggregating in the kernel' '^reapwatch: [0-9.]+ s, [0-9]+ exits, [0-9]+ reaps, .*\[kernel\]$' stats
leaves_nothing "record, SIGINT: detaches, exit 0, summary" INT 'recording to' \
	"^reapwatch: [0-9]+ events, 0 lost, recorded to $T/int.rwr\$" record -o "$T/int.rwr"

# --- a reaper that dies mid-storm --------------------------------------------------

t=reaper_dies_mid_storm
# In a namespace with pause as PID 1, a second pause (not PID 1: a subreaper)
# runs a storm: 10 long-lived orphans, then orphans that live 50 ms, made as
# fast as a shell can. The subreaper is killed (SIGKILL) mid-storm: its
# children, the storm among them, go to pause, which reaps the rest of the
# storm. reapwatch, filtered to the namespace, must report all of it and go on.
mkdir "$T/storm"
cat >"$T/storm.sh" <<'SH'
d=$1 i=0
while [ $i -lt 10 ]; do sh -c 'sleep 1000 >/dev/null 2>&1 & echo $! >>"$0/sleepers"' "$d"; i=$((i + 1)); done
: >"$d/ready"
n=0
while [ ! -e "$d/stop" ] && [ $n -lt 20000 ]; do sh -c 'sleep 0.05 & exit 0'; n=$((n + 1)); done
echo $n >"$d/made"
SH
if ! start_ns $t "$P"; then
	fail $t "pause did not start: $(cat "$T/$t.err")"
elif ! trace_ns $t; then
	fail $t "reapwatch did not attach: $(tail -n 3 "$T/$t.rwerr")"
else
	nsenter -t "$NSP" -p -m -- "$P" -- sh "$T/storm.sh" "$T/storm" 2>"$T/$t.r.err" &
	N=$!; track $N
	R="" S=""
	wait_for 10 first_child $N && R=$(first_child $N) &&
		wait_for 10 first_child "$R" && S=$(first_child "$R")
	if [ -z "$S" ] || ! wait_for 60 test -e "$T/storm/ready" ||
		! wait_for 60 events $t orphans-to "$R" 40; then
		fail $t "the storm did not start: reaper '$R', shell '$S', $(cat "$T/$t.r.err")"
	else
		kill -KILL "$R"
		if ! wait_for 60 events $t orphans-to "$NSP" 40; then
			fail $t "pause adopted no storm: $(grep -c orphan "$T/$t.json") orphan events"
		fi
		: >"$T/storm/stop"
		wait_for 60 test -e "$T/storm/made"
		# shellcheck disable=SC2046 # one pid per word
		in_ns kill -KILL $(cat "$T/storm/sleepers")
		exit_status $N 10
		if ! wait_for 60 no_children "$NSP"; then
			fail $t "left in the namespace: $(ns_procs | tr '\n' ' ')"
		elif ! wait_for 30 events $t settled 60; then
			fail $t "reapwatch did not see it all: $(events $t settled 60)"
		else
			stop_trace $t
			# shellcheck disable=SC2046
			if [ -n "$why" ]; then fail $t "$why"
			elif out=$(events $t storm "$R" "$S" "$NSP" $(cat "$T/storm/sleepers")); then
				ok "$t ($out)"
			else fail $t "$out"; fi
		fi
	fi
fi
kill -TERM "$NSP" 2>/dev/null; exit_status "$U" 10; kill -INT "$RWP" 2>/dev/null

# --- the init of a pid namespace dies ----------------------------------------------

t=pidns_init_dies
# pause is PID 1 of a namespace holding 5 orphans it adopted, a process whose
# parent is outside (nsenter), and a zombie whose parent never waits. pause is
# killed: the kernel kills everything in the namespace. reapwatch, filtered to
# it, must report each death (signal 9), the zombie's, and every reap.
if ! start_ns $t "$P"; then
	fail $t "pause did not start: $(cat "$T/$t.err")"
elif ! trace_ns $t; then
	fail $t "reapwatch did not attach: $(tail -n 3 "$T/$t.rwerr")"
else
	# shellcheck disable=SC2016 # the inner shell's
	in_ns sh -c 'i=0; while [ $i -lt 5 ]; do sleep 1000 >/dev/null 2>&1 & i=$((i + 1)); done'
	in_ns sh -c 'sh -c "/bin/true & exec sleep 1000" >/dev/null 2>&1 &'
	nsenter -t "$NSP" -p -m -- sleep 1000 &	# not in_ns: its subshell would say "Killed"
	N=$!; track $N
	if ! wait_for 30 sh -c "[ \$(nsenter -t $NSP -p -m -- sh -c 'cat /proc/[0-9]*/stat' 2>/dev/null |
		grep -c '(sleep) S') -eq 7 ] && nsenter -t $NSP -p -m -- sh -c 'cat /proc/[0-9]*/stat' |
		grep -q '(true) Z'"; then
		fail $t "setup: $(ns_procs | tr '\n' ' ')"
	else
		alive=$(ns_procs | awk '$2 == "sleep" { print $1 }' | tr '\n' ' ')
		zombie=$(ns_procs | awk '$2 == "true" { print $1 }')
		kill -KILL "$NSP"
		exit_status "$U" 30
		exit_status "$N" 30
		if ! wait_for 30 events $t settled 9; then
			fail $t "reapwatch did not see it all: $(events $t settled 9)"
		else
			stop_trace $t
			# shellcheck disable=SC2086 # one pid per word
			if [ -n "$why" ]; then fail $t "$why"
			elif out=$(events $t nsdeath "$NSP" "$U" "$zombie" $alive); then ok "$t ($out)"
			else fail $t "$out"; fi
		fi
	fi
fi
kill -INT "$RWP" 2>/dev/null

# --- reapwatch short of privilege, BTF or tracefs ----------------------------------
# (tests/test_reapwatch.sh has trace: unprivileged, no BTF, tracefs unmounted.)

expect_rc() { # NAME WANT_RC PATTERN CMD...
	t=$1 want=$2 pat=$3; shift 3
	"$@" >"$T/rc.out" 2>&1; rc=$?
	if [ "$rc" -ne "$want" ]; then fail "$t" "exit $rc, want $want: $(head -c 300 "$T/rc.out")"
	elif ! grep -q -- "$pat" "$T/rc.out"; then fail "$t" "no '$pat' in: $(head -c 300 "$T/rc.out")"
	else ok "$t"; fi
}
unpriv="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all"
for cmd in stats record serve; do
	args=""; [ $cmd = record ] && args="-o /dev/null"
	# shellcheck disable=SC2086 # the words of the command lines
	expect_rc "$cmd unprivileged: exit 3 naming the capabilities" 3 "CAP_BPF and CAP_PERFMON" \
		$unpriv "$RW" $cmd $args -d 1
	# shellcheck disable=SC2086
	expect_rc "$cmd without kernel BTF: exit 4" 4 "no BTF" \
		unshare -m sh -c "mount -t tmpfs none /sys/kernel/btf && exec $RW $cmd $args -d 1"
done
expect_rc "tracefs unmounted and no CAP_SYS_ADMIN to mount it: exit 5, says so" 5 \
	"tracefs is not mounted and could not be (Operation not permitted)" \
	unshare -m sh -c "umount -l /sys/kernel/tracing 2>/dev/null; umount -l /sys/kernel/debug 2>/dev/null
		exec setpriv --inh-caps=-all --bounding-set=-sys_admin $RW -d 1"
expect_rc "root with only CAP_BPF and CAP_PERFMON (tracefs mounted): runs" 0 \
	'^reapwatch: [0-9]* events, 0 lost' \
	unshare -m sh -c "{ mountpoint -q /sys/kernel/tracing ||
			mount -t tracefs tracefs /sys/kernel/tracing; } &&
		exec setpriv --inh-caps=-all --bounding-set=-all,+bpf,+perfmon $RW -d 1"
# shellcheck disable=SC2086 # the words of $unpriv
expect_rc "report needs no privilege" 0 "REAP LATENCY" \
	$unpriv "$RW" report "$TOP/tests/fuzz/corpus/scenario.rwr"

# --- pause with nothing at all ------------------------------------------------------

t=pause_with_nothing
# uid and gid 65535, no groups, no capability in any set (bounding and
# ambient too), no new privileges, a read-only root, and not one file
# descriptor open, not even 0, 1 and 2: still reaps, still stops on SIGTERM.
# The shell cannot close what it does not know of (descriptors that whoever
# started the tests left open, such as 10 and 251 in one CI run): Python
# closes every descriptor, then execs setpriv, which keeps none open
# (asserted below).
if ! start_ns $t sh -c "mount -o remount,bind,ro / && ! touch $T/rw 2>/dev/null &&
	exec python3 -c '
import os, sys
os.closerange(0, os.sysconf(\"SC_OPEN_MAX\"))
os.execvp(sys.argv[1], sys.argv[1:])' setpriv --reuid=65535 --regid=65535 --clear-groups \
		--inh-caps=-all --bounding-set=-all --no-new-privs $P"; then
	fail $t "did not start: $(cat "$T/$t.err")"
else
	st=$(awk '/^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):/ {
		printf "%s%s ", $1, $2 }' "/proc/$NSP/status")
	fds=$(find "/proc/$NSP/fd" -mindepth 1 -printf '%f ')
	ro=$(awk '$2 == "/" { o = $4 } END { print o }' "/proc/$NSP/mounts" | cut -d, -f1)
	if ! in_ns "$O" 20 42 >/dev/null; then
		fail $t "$O 20 42 failed in the namespace"
	elif ! wait_for 30 no_children "$NSP"; then
		fail $t "not reaped: $(ns_procs | tr '\n' ' ')"
	else
		kill -TERM "$NSP"; exit_status "$U" 10
		expect_eq $t "$st|$fds|$ro|$rc" "Uid:65535 Gid:65535 Groups: CapInh:0000000000000000 \
CapPrm:0000000000000000 CapEff:0000000000000000 CapBnd:0000000000000000 \
CapAmb:0000000000000000 NoNewPrivs:1 ||ro|0" && ok "$t (21 orphans reaped)"
	fi
fi
