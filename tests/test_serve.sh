#!/bin/sh
# reapwatch serve (issue 5) with the real components: a real Prometheus
# (Debian's) on loopback scrapes `reapwatch serve --pidns` every second while
# a scripted scenario runs in a sandbox of our own (unshare + build/pause);
# its HTTP API must then show exactly what the scenario did. Then garbage,
# oversized and many concurrent requests; then a Podman pod, whose
# processes must be attributed to its pause container.
#
# REAPWATCH_REQUIRE_PODMAN=1 turns "Podman cannot run here" skips into
# failures. Everything runs on 127.0.0.1; every process and file is removed
# on exit (trap).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/podman.sh"

RW=$B/reapwatch
T=$(mktemp -d "${TMPDIR:-/tmp}/reapwatch-serve.XXXXXX")
POD=rwserve$$
RW_PIDS='' PROM_PID='' HOLD_PID='' SB2_UNSHARE='' RW_WRAP='' DYING_INIT='' FORGET_CG=''

cleanup() {
	for p in $RW_PIDS $PROM_PID; do kill -TERM "$p" 2>/dev/null; done
	[ -n "$HOLD_PID" ] && kill -KILL "$HOLD_PID" 2>/dev/null
	[ -n "$DYING_INIT" ] && kill -KILL "$DYING_INIT" 2>/dev/null
	if [ -n "${SB_UNSHARE:-}" ]; then
		kill -KILL "${SB_PAUSE:-$SB_UNSHARE}" "$SB_UNSHARE" 2>/dev/null
		wait "$SB_UNSHARE" 2>/dev/null
	fi
	if [ -n "$SB2_UNSHARE" ]; then
		kill -KILL "$SB2_UNSHARE" "${SB2_PAUSE:-$SB2_UNSHARE}" 2>/dev/null
		wait "$SB2_UNSHARE" 2>/dev/null
	fi
	for p in $RW_PIDS $PROM_PID; do wait "$p" 2>/dev/null; done
	if [ -n "$FORGET_CG" ]; then
		kill -KILL $(cat "$FORGET_CG/cgroup.procs" 2>/dev/null) 2>/dev/null
		wait_for 10 rmdir "$FORGET_CG"
	fi
	pm_cleanup
	[ -n "${KEEP:-}" ] || rm -rf "$T"
	[ -n "${SB_LOG:-}" ] && rm -f "$SB_LOG"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT HUP

if ! need_root; then
	skip "serve" "needs root to load BPF programs and make namespaces"
	exit 0
fi
for f in "$RW" "$B/pause" "$B/tests/zombie_demo" "$B/tests/thread_reaper"; do
	[ -x "$f" ] || make -C "$TOP" --no-print-directory -s "${f#"$TOP/"}" >&2 ||
		{ fail "build ${f#"$TOP/"}" "make failed"; exit 1; }
done
for c in prometheus promtool curl python3; do
	command -v $c >/dev/null 2>&1 ||
		{ fail "serve" "$c is not installed (scripts/deps.sh test installs it)"; exit 1; }
done

# --- helpers ------------------------------------------------------------------

inode() { readlink "/proc/$1/ns/pid" | tr -dc 0-9; }
started() { grep -q '^reapwatch: serving http://' "$1" || ! kill -0 "$2" 2>/dev/null; }

# rw_start NAME ARGS...: reapwatch serve on a free loopback port; sets
# RW_PORT and RW_PID, log in $T/NAME.err.
rw_start() {
	name=$1; shift
	# shellcheck disable=SC2086 # RW_WRAP: words (setpriv ...)
	$RW_WRAP "$RW" serve --listen 127.0.0.1:0 "$@" 2>"$T/$name.err" &
	RW_PID=$!
	RW_PIDS="$RW_PIDS $RW_PID"
	wait_for 30 started "$T/$name.err" "$RW_PID"
	grep -q '^reapwatch: serving http://' "$T/$name.err" ||
		no "$name did not start: $(tail -n 3 "$T/$name.err")" || return
	RW_PORT=$(sed -n 's|^reapwatch: serving http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$T/$name.err")
}

scrape() { curl -sf --max-time 5 "http://127.0.0.1:$1/metrics"; }
# has PORT LINE: /metrics of PORT has exactly this line
has() { scrape "$1" | grep -qFx -- "$2"; }
# val PORT SERIES: its value, or "none"
val() { scrape "$1" | awk -v s="$2" 'index($0, s " ") == 1 { print substr($0, length(s) + 2); f = 1 } END { if (!f) print "none" }'; }

# Prometheus HTTP API. prom_true EXPR: the query returns a sample.
prom_get() {
	curl -sf --max-time 5 "http://127.0.0.1:$PP/api/v1/query" --data-urlencode "query=$1"
}
prom_true() { prom_get "$1" | grep -q '"result":\[{'; }
# prom_val EXPR: the value of its single sample (for messages)
prom_val() {
	prom_get "$1" | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(",".join(x["value"][1] for x in r) or "none")'
}
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- the command line ---------------------------------------------------------

expect_rc() { # WANT_RC PATTERN CMD...
	want=$1 pat=$2; shift 2
	"$@" >"$T/out" 2>&1; rc=$?
	[ "$rc" -eq "$want" ] || no "$*: exit $rc, want $want: $(head -c 300 "$T/out")" || return
	grep -q -- "$pat" "$T/out" || no "$*: no '$pat' in: $(head -c 300 "$T/out")" || return
}

cli() {
	expect_rc 2 "invalid --listen" "$RW" serve --listen 127.0.0.1 || return
	expect_rc 2 "invalid --listen" "$RW" serve --listen 127.0.0.1:65536 || return
	expect_rc 2 "invalid --listen" "$RW" serve --listen '[::1:9742' || return
	expect_rc 2 "invalid --max-sandboxes" "$RW" serve --max-sandboxes 0 || return
	expect_rc 2 "invalid --forget-after" "$RW" serve --forget-after -1 || return
	expect_rc 2 "invalid --forget-after" "$RW" serve --forget-after 604801 || return
	expect_rc 2 "does not apply" "$RW" stats --forget-after 1 || return
	expect_rc 2 "does not apply" "$RW" serve --json || return
	expect_rc 2 "does not apply" "$RW" stats --listen 127.0.0.1:1 || return
	expect_rc 2 "no cgroup of pod '0b6b7e2c-95d4-4a43-b5a6-1b6f4c4c8f3e'" \
		"$RW" serve --pod 0b6b7e2c_95d4_4a43_b5a6_1b6f4c4c8f3e || return
	expect_rc 2 "invalid pod UID" "$RW" serve --pod nope || return
	expect_rc 2 "invalid container ID" "$RW" trace --container abc || return
	expect_rc 2 "use one of --cgroup, --pod and --container" \
		"$RW" serve --pod 0b6b7e2c-95d4-4a43-b5a6-1b6f4c4c8f3e --cgroup /sys/fs/cgroup/pids || return
	expect_rc 0 "reapwatch serve" "$RW" --help || return
}

# --- a sandbox, reapwatch and Prometheus ----------------------------------------

start() {
	sb_up || no "pause did not come up under unshare: $(cat "$SB_LOG")" || return
	SB=$(inode "$SB_PAUSE")
	HOST=$(inode $$)
	rw_start serve --pidns "$SB" --bpf-stats || return
	A=$RW_PORT A_PID=$RW_PID
	# the same with room for one sandbox: the second one goes to "other"
	rw_start bound --pidns "$SB" --max-sandboxes 1 || return
	M=$RW_PORT
	# a busy port: refused before loading anything
	expect_rc 1 "cannot listen on 127.0.0.1:$A" "$RW" serve --listen "127.0.0.1:$A" || return
	capeff=$(awk '/^CapEff/ { print $2 }' "/proc/$A_PID/status")
	# CAP_BPF (39) and CAP_SYS_PTRACE (19) only
	[ "$capeff" = 0000008000080000 ] || no "serving with CapEff $capeff" || return
}

formats() {
	[ -n "${A:-}" ] || no "no reapwatch" || return
	scrape "$A" >"$T/m.txt" || no "GET /metrics failed" || return
	promtool check metrics <"$T/m.txt" >"$T/lint" 2>&1 || no "promtool: $(head -c 400 "$T/lint")" || return
	grep -qFx 'reapwatch_exits_total 0' "$T/m.txt" || no "exits in a fresh sandbox: $(grep exits_total "$T/m.txt")" || return
	h=$(curl -sf --max-time 5 -D - -o "$T/om.txt" -H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' "http://127.0.0.1:$A/metrics") ||
		no "OpenMetrics GET failed" || return
	printf '%s' "$h" | grep -qi '^Content-Type: application/openmetrics-text; version=1.0.0' || no "OpenMetrics content type: $h" || return
	[ "$(tail -n 1 "$T/om.txt")" = "# EOF" ] || no "OpenMetrics text does not end in # EOF" || return
	grep -qFx '# TYPE reapwatch_exits counter' "$T/om.txt" || no "OpenMetrics counter family" || return
	h=$(curl -sf --max-time 5 -I "http://127.0.0.1:$A/metrics") || no "HEAD failed" || return
	printf '%s' "$h" | grep -qi '^Content-Type: text/plain; version=0.0.4' || no "text content type: $h" || return
}

prom_up() {
	[ -n "${A:-}" ] || no "no reapwatch" || return
	cat >"$T/prometheus.yml" <<-EOF
	global:
	  scrape_interval: 1s
	  scrape_timeout: 1s
	  evaluation_interval: 1s
	scrape_configs:
	  - job_name: reapwatch
	    static_configs:
	      - targets: ['127.0.0.1:$A']
	EOF
	# A free port can be taken between our look and Prometheus's bind: retry.
	for try in 1 2 3; do
		PP=$(free_port)
		prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb" \
			--web.listen-address="127.0.0.1:$PP" --log.level=warn >"$T/prometheus.log" 2>&1 &
		PROM_PID=$!
		wait_for 30 prom_true 'up{job="reapwatch"} == 1' && return 0
		kill "$PROM_PID" 2>/dev/null
		wait "$PROM_PID" 2>/dev/null
		PROM_PID=''
		echo "# prometheus try $try: $(tail -n 3 "$T/prometheus.log")"
	done
	no "Prometheus never scraped reapwatch: $(tail -n 5 "$T/prometheus.log")"
}

have_prom() { [ -n "$PROM_PID" ] || no "no Prometheus (it did not start above)"; }

# prom_wait SECONDS EXPR: until Prometheus has it; else say what it has
# (the value of EXPR without its comparison).
prom_wait() {
	wait_for "$1" prom_true "$2" || no "Prometheus: '$2' never held; it has ${2%% [=>]*} = $(prom_val "${2%% [=>]*}")"
}

# Two orphans of an app joined with nsenter: pause adopts them; released,
# they exit 7 and pause reaps them at once. The app itself is reaped by
# nsenter, in our (host) pid namespace.
orphans() {
	have_prom || return
	# shellcheck disable=SC2046 # "NSPID HOSTPID" lines
	set -- $(sb_run_orphan -n 2 -w -s 60000 -x 7)
	[ $# -eq 4 ] && [ "$2" != - ] && [ "$4" != - ] || no "zombie_demo made no two orphans: $*" || return
	for p in "$2" "$4"; do
		wait_for 5 sh -c "[ \"\$(awk '/^PPid:/ { print \$2 }' /proc/$p/status)\" = $SB_PAUSE ]" ||
			no "orphan $p not adopted by pause" || return
	done
	kill -USR1 "$2" "$4"
	s="pidns=\"$SB\""
	prom_wait 20 "reapwatch_reaps_total{$s} == 2" || return
	prom_wait 10 "reapwatch_orphans_total{$s,kind=\"pidns_init\"} == 2" || return
	prom_wait 10 "reapwatch_exits_total == 3" || return
	prom_wait 10 "reapwatch_reaps_total{pidns=\"$HOST\"} == 1" || return
}

# Three children exit under a parent that never waits (a shell that exec'd
# sleep): three zombies. Killing the parent hands them to pause, which
# reaps them. The children spin on builtins until their parent is sleep,
# so none is reaped by the shell and no other process is made.
zombies_rise() {
	have_prom || return
	# shellcheck disable=SC2016 # for the sandbox's shell to expand
	nsenter -t "$SB_PAUSE" -p -m -- /bin/sh -c '
		for i in 1 2 3; do
			{ until read c </proc/$$/comm && [ "$c" = sleep ]; do :; done; } &
		done
		exec sleep 600' &
	HOLD_PID=$!
	s="pidns=\"$SB\""
	prom_wait 20 "reapwatch_zombies{$s} == 3" || return
	prom_wait 10 "reapwatch_zombie_oldest_age_seconds{$s} > 0" || return
	# Held at least 0.6 s, so their latencies are told apart from pause's at-once reaps.
	wait_for 10 sh -c "[ \"\$(curl -sf http://127.0.0.1:$A/metrics | awk '/^reapwatch_zombie_oldest_age_seconds\{$s\}/ { print (\$2 >= 0.6) }')\" = 1 ]" ||
		no "zombie age never reached 0.6 s" || return
}

zombies_fall() {
	have_prom && [ -n "$HOLD_PID" ] || no "no zombies" || return
	sleeper=$(tr -d ' ' <"/proc/$HOLD_PID/task/$HOLD_PID/children" 2>/dev/null)
	[ -n "$sleeper" ] && [ "$(cat "/proc/$sleeper/comm")" = sleep ] || no "no sleep under nsenter" || return
	kill -KILL "$sleeper"
	wait "$HOLD_PID" 2>/dev/null
	HOLD_PID=''
	s="pidns=\"$SB\""
	prom_wait 20 "reapwatch_zombies{$s} == 0" || return
	prom_wait 10 "reapwatch_zombie_oldest_age_seconds{$s} == 0" || return
	prom_wait 10 "reapwatch_reaps_total{$s} == 5" || return
}

# What the whole scenario did: 7 exits in the sandbox (2 + 3 children,
# zombie_demo, the shell); pause adopted 5 orphans and reaped them; nsenter
# reaped 2 (host); 2 latencies are short, 3 at least 0.6 s.
totals() {
	have_prom || return
	s="pidns=\"$SB\""
	# first: the two nsenter are gone, so their counts below are the
	# series' retired ones (pause, alive, is the only entry left)
	prom_wait 10 "reapwatch_reapers_retired_total == 2" || return
	prom_wait 10 "reapwatch_reapers == 1" || return
	for q in "reapwatch_exits_total == 7" \
		"reapwatch_orphans_total{$s,kind=\"pidns_init\"} == 5" \
		"reapwatch_orphans_total{$s,kind=\"subreaper\"} == 0" \
		"reapwatch_reaps_total{pidns=\"$HOST\"} == 2" \
		"reapwatch_reap_latency_seconds_count{$s} == 5" \
		"reapwatch_reap_latency_seconds_bucket{$s,le=\"+Inf\"} == 5" \
		"reapwatch_reap_latency_seconds_bucket{$s,le=\"0.268435456\"} == 2" \
		"reapwatch_reap_latency_seconds_bucket{$s,le=\"0.536870912\"} == 2" \
		"reapwatch_reap_latency_seconds_sum{$s} >= 1.8" \
		"sum(reapwatch_lost_events_total) == 0" \
		"reapwatch_sandboxes_overflowed_total == 0" \
		"reapwatch_sandbox_info{$s,init_comm=\"pause\",init_pid=\"$SB_PAUSE\"} == 1"; do
		prom_wait 10 "$q" || return
	done
	# --max-sandboxes 1: the sandbox and the host (nsenter's reaps) share
	# one own series and "other", whichever came first; totals are the same.
	scrape "$M" >"$T/bound.txt" || no "no metrics from the bounded reapwatch" || return
	grep -qFx 'reapwatch_sandboxes_max 1' "$T/bound.txt" || no "sandboxes_max" || return
	grep -qFx 'reapwatch_sandboxes_overflowed_total 1' "$T/bound.txt" ||
		no "$(grep overflowed "$T/bound.txt")" || return
	n=$(awk '/^reapwatch_reaps_total\{/ { n++; s += $2 } END { print n, s }' "$T/bound.txt")
	[ "$n" = "2 7" ] || no "bounded: reaps series and sum '$n', want '2 7'" || return
	grep -q '^reapwatch_reaps_total{pidns="other"} [25]$' "$T/bound.txt" ||
		no "bounded: $(grep '^reapwatch_reaps_total' "$T/bound.txt" | tr '\n' ' ')" || return
	# histogram_quantile works on it: the median is one of the long ones
	prom_true "histogram_quantile(0.5, reapwatch_reap_latency_seconds_bucket{$s}) > 0.5" ||
		no "median $(prom_val "histogram_quantile(0.5, reapwatch_reap_latency_seconds_bucket{$s})")" || return
}

# Reapers come and go: 5000 processes in the sandbox each reap one child
# and exit, in batches of 1000, more than the map holds (4096). Each batch:
# 1000 sh reap a background child, one sh reaps those 1000, nsenter (host)
# reaps that sh. A reaper's entry is freed two sweeps (1 s apart) after it
# exited, its counts kept by its sandbox's series: the map never fills, and
# the totals stay exact.
reaper_churn() {
	have_prom || return
	s="pidns=\"$SB\""
	for b in 1 2 3 4 5; do
		# shellcheck disable=SC2016 # for the sandbox's shell to expand
		nsenter -t "$SB_PAUSE" -p -m -- /bin/sh -c '
			i=0
			while [ $i -lt 1000 ]; do /bin/sh -c "true & wait"; i=$((i + 1)); done' ||
			no "batch $b failed" || return
		wait_for 20 has "$A" "reapwatch_reapers 1" ||
			no "batch $b: $(scrape "$A" | grep '^reapwatch_reapers' | tr '\n' ' ')" || return
	done
	for line in "reapwatch_reapers_retired_total $((2 + 5 * 1002))" \
		"reapwatch_reaps_total{$s} $((5 + 5 * 2000))" \
		"reapwatch_reaps_total{pidns=\"$HOST\"} $((2 + 5))" \
		"reapwatch_reap_latency_seconds_count{$s} $((5 + 5 * 2000))" \
		'reapwatch_lost_events_total{reason="aggregation"} 0'; do
		has "$A" "$line" || no "want '$line': $(scrape "$A" | grep -F "${line%% *}" | tr '\n' ' ')" || return
	done
}

# A process whose main thread (the group leader) has exited reaps on
# through another thread: its entry must stay. A one-shot reaper (sh, and
# nsenter reaping sh) retired after it shows that two sweeps have passed
# since the leader exited; then the thread reaps again and the process
# exits: four retired in all, every reap counted.
threaded_reaper() {
	have_prom || return
	s="pidns=\"$SB\""
	r0=$(val "$A" reapwatch_reapers_retired_total)
	n0=$(val "$A" "reapwatch_reaps_total{$s}")
	h0=$(val "$A" "reapwatch_reaps_total{pidns=\"$HOST\"}")
	rm -f "$T/tr.in"
	mkfifo "$T/tr.in" || no "mkfifo" || return
	nsenter -t "$SB_PAUSE" -p -m -- "$B/tests/thread_reaper" <"$T/tr.in" >"$T/tr.out" &
	tr_pid=$!
	exec 7>"$T/tr.in"
	wait_for 10 grep -q '^reaped' "$T/tr.out" || no "thread_reaper reaped nothing" || { exec 7>&-; return 1; }
	nsenter -t "$SB_PAUSE" -p -m -- /bin/sh -c 'true & wait'
	wait_for 20 has "$A" "reapwatch_reapers_retired_total $((r0 + 2))" ||
		no "the one-shot reapers: $(scrape "$A" | grep '^reapwatch_reapers' | tr '\n' ' ')" || { exec 7>&-; return 1; }
	has "$A" "reapwatch_reapers 2" ||
		no "with its leader gone: $(scrape "$A" | grep '^reapwatch_reapers' | tr '\n' ' ')" || { exec 7>&-; return 1; }
	exec 7>&-
	wait "$tr_pid" || no "thread_reaper exited $?" || return
	[ "$(grep -c '^reaped' "$T/tr.out")" = 2 ] || no "thread_reaper: $(cat "$T/tr.out")" || return
	for line in "reapwatch_reapers_retired_total $((r0 + 4))" "reapwatch_reapers 1" \
		"reapwatch_reaps_total{$s} $((n0 + 3))" \
		"reapwatch_reaps_total{pidns=\"$HOST\"} $((h0 + 2))"; do
		wait_for 20 has "$A" "$line" ||
			no "want '$line': $(scrape "$A" | grep -F "${line%% *}" | tr '\n' ' ')" || return
	done
}

# A namespace whose init dies with a zombie it never reaped: the kernel
# reaps it as the init exits (zap_pid_ns_processes()), where no wait
# syscall shows the reaper, so the release backstop counts it to
# pidns="unknown", in an entry keyed by the init's pid. Once that pid has
# had no live process for 22 sweeps (1 s apart at least) the entry is
# freed and its count kept: dead inits do not fill the map. unshare, which
# reaps the init, is retired too.
unknown_reaper() {
	unshare --pid --fork --mount-proc /bin/sh -c 'true & exec sleep 600' &
	ur_unshare=$!
	wait_for 10 dying_init_ready "$ur_unshare" || no "no init holding a zombie" || return
	ns=$(inode "$DYING_INIT")
	rw_start unknown --pidns "$ns" || return
	U=$RW_PORT
	wait_for 10 has "$U" "reapwatch_zombies{pidns=\"$ns\"} 1" ||
		no "the zombie is not seen: $(scrape "$U" | grep '^reapwatch_zombies' | tr '\n' ' ')" || return
	kill -KILL "$DYING_INIT"
	wait "$ur_unshare"
	DYING_INIT=''
	for line in 'reapwatch_reaps_total{pidns="unknown"} 1' "reapwatch_reaps_total{pidns=\"$HOST\"} 1" \
		'reapwatch_reapers_retired_total 2' 'reapwatch_reapers 0' \
		'reapwatch_reaps_total{pidns="unknown"} 1' \
		'reapwatch_lost_events_total{reason="aggregation"} 0'; do
		wait_for 60 has "$U" "$line" ||
			no "want '$line': $(scrape "$U" | grep -F "${line%% *}" | tr '\n' ' ')" || return
	done
}
# dying_init_ready UNSHARE: its child (the namespace's init, sleep) holds a zombie
dying_init_ready() {
	DYING_INIT=$(first_child "$1")
	[ -n "$DYING_INIT" ] && [ "$(cat "/proc/$DYING_INIT/comm" 2>/dev/null)" = sleep ] || return 1
	z=$(first_child "$DYING_INIT")
	[ -n "$z" ] && [ "$(awk '{ print $3 }' "/proc/$z/stat" 2>/dev/null)" = Z ]
}

# Sandboxes come and go, with room for two label sets: the host's (unshare
# reaps each sandbox's pause) and one more. A sandbox whose init died is
# forgotten --forget-after (1 s here) after it was seen dead: its series
# leave /metrics and the next sandbox gets series of its own, not "other".
# Everything runs in a cgroup of its own, the filter: no other process's
# namespace takes the room.
forget_dead() {
	FORGET_CG=/sys/fs/cgroup/pids/rwtest-forget-$$
	mkdir "$FORGET_CG" || no "cannot make $FORGET_CG" || return
	rw_start forget --cgroup "$FORGET_CG" --max-sandboxes 2 --forget-after 1 || return
	F=$RW_PORT
	for round in 1 2; do
		in_forget_cg unshare --pid --fork --mount-proc "$B/pause" -l 2>/dev/null &
		fd_unshare=$!
		wait_for 10 forget_pause_up "$fd_unshare" || no "round $round: pause did not come up" || return
		ns=$(inode "$FORGET_PAUSE")
		(in_forget_cg nsenter -t "$FORGET_PAUSE" -p -m -- /bin/sh -c 'true & wait') ||
			no "round $round: nsenter failed" || return
		wait_for 10 has "$F" "reapwatch_reaps_total{pidns=\"$ns\"} 1" ||
			no "round $round: $(scrape "$F" | grep '^reapwatch_reaps_total' | tr '\n' ' ')" || return
		kill -TERM "$FORGET_PAUSE"
		wait "$fd_unshare" || no "round $round: pause exited $?" || return
		wait_for 30 forgotten "$F" "$ns" ||
			no "round $round: still $(scrape "$F" | grep -F "pidns=\"$ns\"" | head -n 3 | tr '\n' ' ')" || return
	done
	# the host reaped, each round: pause (unshare), sh (nsenter), unshare
	# and nsenter (this shell)
	for line in 'reapwatch_sandboxes_forgotten_total 2' 'reapwatch_sandboxes_overflowed_total 0' \
		"reapwatch_reaps_total{pidns=\"$HOST\"} 8"; do
		has "$F" "$line" || no "want '$line': $(scrape "$F" | grep -F "${line%% *}" | tr '\n' ' ')" || return
	done
}
# in_forget_cg CMD...: become CMD, in the test's cgroup (in a subshell, or
# in the background: $! is then CMD's pid)
in_forget_cg() { exec sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$FORGET_CG" "$@"; }
forget_pause_up() {
	FORGET_PAUSE=$(first_child "$1")
	[ -n "$FORGET_PAUSE" ] && [ "$(cat "/proc/$FORGET_PAUSE/comm" 2>/dev/null)" = pause ]
}
# forgotten PORT PIDNS: /metrics has no series of PIDNS
forgotten() { scrape "$1" >"$T/forget.txt" && ! grep -qF "pidns=\"$2\"" "$T/forget.txt"; }

bpf_cost() {
	have_prom || return
	prom_wait 10 'reapwatch_bpf_stats_enabled == 1' || return
	prom_wait 10 'reapwatch_bpf_prog_runs_total{prog="handle_exit"} >= 7' || return
	prom_wait 10 'reapwatch_bpf_prog_run_seconds_total{prog="handle_exit"} > 0' || return
	# full names, not the kernel's 15 characters
	prom_true 'reapwatch_bpf_prog_runs_total{prog="handle_waitid_enter"}' ||
		no "programs: $(scrape "$A" | grep -o 'prog="[a-z_0-9]*"' | sort -u | tr '\n' ' ')" || return
}

# --- HTTP abuse ------------------------------------------------------------------

cat >"$T/abuse.py" <<'PY'
import socket, sys, threading, time
port, mode = int(sys.argv[1]), sys.argv[2]
A = ("127.0.0.1", port)

def exchange(data, timeout=10):
    s = socket.create_connection(A, timeout=timeout)
    try:
        s.sendall(data)
    except OSError:
        pass  # the server may close while we still send
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except OSError:
        pass
    s.close()
    return out

def code(out):
    return int(out.split(b" ", 2)[1]) if out.startswith(b"HTTP/1.") else 0

def get(path, extra=b""):
    return exchange(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + extra + b"\r\n")

fails = []
def want(name, out, codes):
    if code(out) not in codes:
        fails.append("%s: got %r" % (name, out[:80]))

if mode == "garbage":
    import random
    random.seed(5)
    for i in range(20):
        want("random bytes", exchange(bytes(random.randrange(256) for _ in range(4096))), (0, 400, 505))
    want("huge header", exchange(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200000 + b"\r\n\r\n"), (0, 400, 413, 431))
    want("huge URL", exchange(b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"), (0, 400, 414))
    want("10000 headers", exchange(b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 10000 + b"\r\n"), (0, 400, 413, 431))
    want("unknown method", exchange(b"FROB /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), (405, 501))
    want("POST with a 1 GB body", exchange(b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\nabc"), (405,))
    want("bad chunked body", exchange(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), (0, 400, 405))
    want("HTTP/0.9", exchange(b"GET /metrics\r\n\r\n"), (0, 400, 505))
    want("HTTP/9.9", exchange(b"GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n"), (0, 400, 505))
    want("header without colon", exchange(b"GET /metrics HTTP/1.1\r\nHost x\r\n\r\n"), (0, 400))
    want("NUL bytes", exchange(b"GET /metrics HTTP/1.1\r\nHost: x\x00y\r\nConnection: close\r\n\r\n"), (0, 200, 400))
    want("no Host (HTTP/1.1)", exchange(b"GET /metrics HTTP/1.1\r\n\r\n"), (400,))
    want("not found", get(b"/nope"), (404,))
    want("index", get(b"/"), (200,))
    out = get(b"/healthz")
    want("healthz", out, (200,))
    if not out.endswith(b"\r\n\r\nok\n"):
        fails.append("healthz body: %r" % out[-20:])
    out = exchange(b"HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    want("HEAD", out, (200,))
    if not out.endswith(b"\r\n\r\n"):
        fails.append("HEAD with a body: %r" % out[-40:])
    out = exchange(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    if out.count(b"HTTP/1.1 200") != 2 or b"reapwatch_exits_total" not in out:
        fails.append("pipelined: %r" % out[:80])
    # the connection a client drops mid-request
    s = socket.create_connection(A, timeout=5)
    s.sendall(b"GET /metrics HTTP/1.1\r\nHo")
    s.close()
    want("afterwards", get(b"/metrics"), (200,))

elif mode == "concurrent":
    # 150 clients that never finish their request, and meanwhile 50 real
    # scrapes at once: all answered.
    idle = []
    for i in range(150):
        s = socket.create_connection(A, timeout=10)
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        idle.append(s)
    results = []
    def scrape():
        try:
            out = get(b"/metrics")
            results.append(code(out) == 200 and b"reapwatch_exits_total" in out)
        except OSError as e:
            results.append(False)
    threads = [threading.Thread(target=scrape) for _ in range(50)]
    for t in threads: t.start()
    for t in threads: t.join()
    if results.count(True) != 50:
        fails.append("%d of 50 concurrent scrapes answered while 150 idle" % results.count(True))
    for s in idle: s.close()

elif mode == "overflow":
    # More than the connection limit (256): the server stops accepting, the
    # rest wait in the kernel's backlog (then SYNs are dropped); its own
    # sockets stay bounded. Closing them frees it (checked by the caller).
    import os
    pid = int(sys.argv[3])
    held, failed = [], 0
    while len(held) < 400 and failed < 20:
        try:
            # a full backlog drops SYNs: the first retry comes after 1 s
            held.append(socket.create_connection(A, timeout=2.5))
        except OSError:
            failed += 1
            if len(held) > 256:
                break
    def sockets():
        n = 0
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                n += os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("socket:")
            except OSError:
                pass
        return n
    # the server accepts what it will: wait until that stops changing
    last, t0 = -1, time.time()
    while time.time() - t0 < 5:
        n = sockets()
        if n == last and n >= 200:
            break
        last = n
        time.sleep(0.2)
    print("# overflow: %d connected, reapwatch holds %d sockets" % (len(held), n))
    if len(held) <= 256:
        fails.append("only %d connections made: no overflow" % len(held))
    if n > 256 + 2:
        fails.append("reapwatch holds %d sockets, more than the limit" % n)
    for s in held: s.close()

for f in fails:
    print("# " + f)
sys.exit(1 if fails else 0)
PY

garbage() {
	[ -n "${A:-}" ] || no "no reapwatch" || return
	python3 "$T/abuse.py" "$A" garbage >"$T/garbage.out" 2>&1 || no "$(tr '\n' ' ' <"$T/garbage.out")" || return
	kill -0 "$A_PID" || no "reapwatch died" || return
}

concurrent() {
	[ -n "${A:-}" ] || no "no reapwatch" || return
	python3 "$T/abuse.py" "$A" concurrent >"$T/conc.out" 2>&1 || no "$(tr '\n' ' ' <"$T/conc.out")" || return
	python3 "$T/abuse.py" "$A" overflow "$A_PID" >"$T/over.out" 2>&1 || no "$(tr '\n' ' ' <"$T/over.out")" || return
	cat "$T/over.out"
	wait_for 15 scrape "$A" || no "not serving after the connections closed" || return
	kill -0 "$A_PID" || no "reapwatch died" || return
	# and Prometheus scrapes it again
	t_end=$(date +%s)
	prom_wait 20 "timestamp(up{job=\"reapwatch\"}) > $t_end and up{job=\"reapwatch\"} == 1" || return
}

stop_serve() {
	[ -n "${A_PID:-}" ] || no "no reapwatch" || return
	kill -TERM "$A_PID"
	wait "$A_PID"
	rc=$?
	RW_PIDS=$(echo "$RW_PIDS" | tr ' ' '\n' | grep -vx "$A_PID" | tr '\n' ' ')
	[ "$rc" = 0 ] || no "exit $rc on SIGTERM: $(tail -n 3 "$T/serve.err")" || return
	sb_down || no "pause exited $? on SIGTERM" || return
}

# --- deploy/: the manifests, and the DaemonSet's capabilities for real ---------

# Checks the manifests; prints the DaemonSet's added capabilities as
# setpriv wants them ("+bpf,+perfmon,...").
cat >"$T/deploy.py" <<'PY'
import sys, tomllib, yaml, glob, os
d = sys.argv[1]
kinds = {}
for f in sorted(glob.glob(os.path.join(d, "*.yaml"))):
    for doc in yaml.safe_load_all(open(f)):
        if doc and "kind" in doc:
            kinds[doc["kind"]] = doc
for k in ("Namespace", "DaemonSet", "Service", "NetworkPolicy", "ServiceMonitor", "Kustomization"):
    assert k in kinds, "no %s in deploy/" % k
ds = kinds["DaemonSet"]
spec = ds["spec"]["template"]["spec"]
c = spec["containers"][0]
sc = c["securityContext"]
assert spec["hostPID"] is True, "hostPID"
assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
assert sc["privileged"] is False and sc["capabilities"]["drop"] == ["ALL"], sc
mounts = {m["mountPath"]: m.get("readOnly") for m in c["volumeMounts"]}
assert mounts == {"/sys/kernel/btf": True, "/sys/kernel/tracing": True, "/sys/fs/cgroup": True}, mounts
assert c["args"][0] == "serve" and c["ports"][0]["containerPort"] == 9742
svc = kinds["Service"]
assert svc["spec"]["clusterIP"] == "None" and svc["metadata"]["annotations"]["prometheus.io/port"] == "9742"
prom = yaml.safe_load(open(os.path.join(d, "prometheus-scrape.yaml")))
assert prom["scrape_configs"][0]["job_name"] == "reapwatch"
ctd = tomllib.load(open(os.path.join(d, "containerd-config.toml"), "rb"))
assert ctd["plugins"]["io.containerd.grpc.v1.cri"]["sandbox_image"].endswith("/reapwatch/pause:0.1.0")
crio = tomllib.load(open(os.path.join(d, "crio-pause.conf"), "rb"))
assert crio["crio"]["image"]["pause_image"].endswith("/reapwatch/pause:0.1.0")
assert crio["crio"]["image"]["pause_command"] == "/pause"
print(",".join("+" + x.lower() for x in sc["capabilities"]["add"]))
PY

sb2_found() {
	SB2_PAUSE=$(first_child "$SB2_UNSHARE")
	[ -n "$SB2_PAUSE" ] && [ "$(cat "/proc/$SB2_PAUSE/comm" 2>/dev/null)" = pause ] &&
		[ "$(awk '/^Uid:/ { print $2 }' "/proc/$SB2_PAUSE/status")" = 65534 ]
}

deploy_caps() {
	caps=$(/usr/bin/python3 "$T/deploy.py" "$TOP/deploy" 2>&1) || no "deploy/: $(echo "$caps" | tail -n 2)" || return
	[ "$caps" = "+bpf,+perfmon,+sys_ptrace" ] || no "DaemonSet capabilities: $caps" || return
	# A sandbox whose init runs as another user, as a pod's pause does (65535).
	unshare --pid --fork --mount-proc setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$B/pause" 2>"$T/sb2.log" &
	SB2_UNSHARE=$!
	wait_for 10 sb2_found || no "no pause as uid 65534: $(cat "$T/sb2.log")" || return
	SB2=$(inode "$SB2_PAUSE")
	# The DaemonSet's view: its own mount namespace with the host's tracefs
	# (a hostPath there, mounted here), and only the capabilities it adds.
	for c in "$caps" +bpf,+perfmon; do
		cat >"$T/wrap$c.sh" <<-EOF
		mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing || exit 1
		exec setpriv --inh-caps=-all --bounding-set=-all,$c "\$@"
		EOF
	done
	RW_WRAP="unshare -m --propagation private sh $T/wrap$caps.sh"
	rw_start caps --pidns "$SB2"
	RW_WRAP="unshare -m --propagation private sh $T/wrap+bpf,+perfmon.sh"
	rw_start noptrace --pidns "$SB2"
	RW_WRAP=''
	[ -n "${RW_PORT:-}" ] && [ "$(grep -c '^reapwatch: serving' "$T/caps.err" "$T/noptrace.err" | grep -c ':1$')" = 2 ] ||
		no "did not start with only $caps: $(tail -n 2 "$T/caps.err" "$T/noptrace.err")" || return
	K1=$(sed -n 's|^reapwatch: serving http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$T/caps.err")
	K2=$RW_PORT
	nsenter -t "$SB2_PAUSE" -p -m "$B/tests/zombie_demo" -n 1 -s 50 >/dev/null ||
		no "zombie_demo in the sandbox failed" || return
	for port in "$K1" "$K2"; do
		wait_for 10 has "$port" "reapwatch_reaps_total{pidns=\"$SB2\"} 1" ||
			no "no reap by pause ($port): $(scrape "$port" | grep '^reapwatch_reaps_total' | tr '\n' ' ')" || return
	done
	scrape "$K1" | grep -qF "reapwatch_sandbox_info{pidns=\"$SB2\",init_pid=\"$SB2_PAUSE\",init_comm=\"pause\"," ||
		no "with $caps: pause (uid 65534) not found: $(scrape "$K1" | grep '^reapwatch_sandbox_info' | tr '\n' ' ')" || return
	! scrape "$K2" | grep -qF "reapwatch_sandbox_info{pidns=\"$SB2\"" ||
		no "without SYS_PTRACE another user's pause was found: CAP_SYS_PTRACE is not needed?" || return
}

# --- a Podman pod: attribution to its pause container ------------------------------

pm_pod() {
	pm_build_images pause app >&2 || no "images/build.sh failed" || return
	pod_up "$POD" || no "pod_up failed" || return
	POD_PAUSE=$(pod_pause_hostpid "$POD")
	POD_NS=$(inode "$POD_PAUSE")
	POD_ID=$(pm pod inspect --format '{{.Id}}' "$POD")
	INFRA_ID=$(pm inspect --format '{{.Id}}' "$POD-infra")
	APP_ID=$(pm inspect --format '{{.Id}}' "$POD-app")
	[ -n "$POD_NS" ] && [ -n "$POD_ID" ] && [ -n "$INFRA_ID" ] || no "pod facts: '$POD_NS' '$POD_ID' '$INFRA_ID'" || return
	# by the pod's ID (a cgroup under libpod_parent), and by a container's short ID
	rw_start pod --pod "$POD_ID" || return
	P=$RW_PORT
	rw_start ctr --container "$(echo "$APP_ID" | cut -c1-12)" || return
	C=$RW_PORT
}

have_pod() { { [ -n "${P:-}" ] && [ -n "${C:-}" ]; } || no "no pod (its setup failed above)"; }

pm_attrib() {
	have_pod || return
	# shellcheck disable=SC2046 # "PODPID HOSTPID"
	set -- $(pod_run_orphan_app "$POD")
	[ "${2:--}" != - ] || no "no orphan in the pod" || return
	pod_release_orphans "$POD"
	cg="/libpod_parent/$POD_ID/libpod-$INFRA_ID"
	l="pidns=\"$POD_NS\",pod_uid=\"$POD_ID\",container_id=\"$INFRA_ID\""
	for port in "$P" "$C"; do
		wait_for 20 has "$port" "reapwatch_reaps_total{$l} 1" ||
			no "reaps by pause ($port): $(scrape "$port" | grep '^reapwatch_reaps_total' | tr '\n' ' ')" || return
		has "$port" "reapwatch_orphans_total{$l,kind=\"pidns_init\"} 1" ||
			no "orphans: $(scrape "$port" | grep '^reapwatch_orphans_total' | tr '\n' ' ')" || return
		has "$port" "reapwatch_sandbox_info{$l,init_pid=\"$POD_PAUSE\",init_comm=\"pause\",cgroup=\"$cg\",runtime=\"podman\"} 1" ||
			no "sandbox_info: $(scrape "$port" | grep '^reapwatch_sandbox_info' | tr '\n' ' ')" || return
		# the pod's filter keeps the other sandboxes out
		! scrape "$port" | grep -q "pidns=\"${SB:-none}\"" || no "the first sandbox shows in $port" || return
	done
	e=$(val "$C" reapwatch_exits_total)
	[ "$e" = 2 ] || no "--container: $e exits, want 2 (zombie_demo and its orphan)" || return
	e=$(val "$P" reapwatch_exits_total)
	[ "$e" != none ] && [ "$e" -ge 2 ] || no "--pod: $e exits" || return
}

pm_down() {
	have_pod || return
	pod_down "$POD" || no "pod rm failed" || return
	# the gauge has no zombie left; its pause is gone, its series stay
	wait_for 10 has "$P" "reapwatch_zombies{pidns=\"$POD_NS\",pod_uid=\"$POD_ID\",container_id=\"$INFRA_ID\"} 0" ||
		no "$(scrape "$P" | grep '^reapwatch_zombies' | tr '\n' ' ')" || return
}

t "serve: command line: --listen, --max-sandboxes, --forget-after, --pod/--container errors, exit 2" cli
t "serve: loads on a sandbox's pid namespace, keeps only CAP_BPF and CAP_SYS_PTRACE; busy port: exit 1" start
t "serve: text passes promtool; OpenMetrics on request (# EOF); HEAD" formats
t "serve: a real Prometheus scrapes it every second" prom_up
t "serve: orphans adopted and reaped by pause, counted by sandbox (Prometheus API)" orphans
t "serve: the zombie gauge rises while a parent does not reap" zombies_rise
t "serve: ... and falls when pause reaps them" zombies_fall
t "serve: totals and histogram buckets match the scenario exactly" totals
t "serve: 5000 reapers come and go: their entries freed, their counts kept exactly" reaper_churn
t "serve: a reaper whose main thread exited keeps its entry while it reaps on" threaded_reaper
t "serve: a dead init's zombie, reaped by the kernel: counted to unknown, its entry freed" unknown_reaper
t "serve: a dead sandbox's series are dropped --forget-after later, its room reused" forget_dead
t "serve: BPF run time and count per program (--bpf-stats)" bpf_cost
t "serve: garbage, oversized and malformed requests: 4xx or closed, keeps serving" garbage
t "serve: 50 scrapes with 150 idle connections; 400 over the limit; recovers" concurrent
t "serve: SIGTERM: clean exit 0" stop_serve
t "deploy: manifests parse; the DaemonSet's caps (BPF, PERFMON, SYS_PTRACE) suffice, SYS_PTRACE is needed" deploy_caps

# shellcheck disable=SC2119 # no DIR: a temp dir
if ! pm_init; then
	PM_WHY="cannot create a private Podman directory"
elif pm_check; then
	PM_WHY=
fi
if [ -n "$PM_WHY" ] && [ "${REAPWATCH_REQUIRE_PODMAN:-0}" = 0 ]; then
	t() { skip "$1" "Podman cannot run here: $PM_WHY"; }
elif [ -n "$PM_WHY" ]; then
	t() { fail "$1" "Podman cannot run here: $PM_WHY"; }
fi
t "podman: serve --pod POD_ID and --container SHORT_ID load" pm_pod
t "podman: the pod's orphan is attributed to pause: pidns, pod ID, infra container, cgroup" pm_attrib
t "podman: pod removed: no zombies left in its series" pm_down
