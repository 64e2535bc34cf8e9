#!/bin/sh
# bench/run.sh: what reapwatch and pause cost, against their peers, in one
# run; rewrites docs/benchmarks.md with the figures and the commands.
#
#   make bench                       # everything, ~10 min; writes docs/benchmarks.md
#   BENCH_QUICK=1 make bench         # a smoke run, ~3 min; writes build/bench/benchmarks-quick.md
#   BENCH_ONLY="cost loss" make bench
#   BENCH_REPORT=1 sh bench/run.sh   # the document again from the last results
#
# As root, after `make all bench-progs`. Sections (BENCH_ONLY picks some):
#   cost       a pinned fork+exit+wait loop with nothing, reapwatch trace,
#              reapwatch stats, two bpftrace one-liners, empty programs at
#              reapwatch's hooks (and the same reading the clock where a
#              zombie's time needs it), one array slot per exit in tables of 256,
#              4096 and 65536 slots attached; BPF run time per program
#   loss       trace at the highest fork+exit rate of all CPUs; a tiny buffer
#   storm      pause, catatonit, tini, dumb-init as PID 1 under orphan storms
#   footprint  the inits idle; reapwatch's start-up and memory
#   scale      1,000 sandboxes and 10,000 zombies; the metrics' label sets;
#              the bounds of the maps, hit on purpose
# Knobs (environment): BENCH_CYCLES, BENCH_WARM, BENCH_ROUNDS, BENCH_FORK_CYCLES,
# BENCH_FORK_ROUNDS, BENCH_PAIR_ROUNDS, BENCH_LOSS_SECS, BENCH_STORM_BURSTS, BENCH_STORM_SIZE,
# BENCH_STORM_ROUNDS, BENCH_SANDBOXES, BENCH_ZOMBIES, BENCH_SCALE_ROUNDS,
# BENCH_STARTUPS, BENCH_IDLE_SECS, BENCH_BOUND_N, BENCH_CPU, BENCH_NICE,
# BENCH_DOC.
#
# Noise: configurations are interleaved (each round runs all of them, in a
# rotated order), figures are medians over rounds, and slowdowns are ratios
# taken within one round, then the median of those ratios.
#
# Nothing on the host changes for good: BPF statistics are on while we hold a
# BPF_ENABLE_STATS fd (kernel.bpf_stats_enabled is left alone), tracefs is
# mounted, when the host has none, in a private mount namespace only, and
# every process started here is stopped on exit.
set -u

cd "$(dirname "$0")/.." || exit 1
OUT=${OUTPUT:-build}
B=$OUT/bench
# The binaries under test are copied here first: a rebuild of $OUT during
# the run (the machine is shared) must not mix two builds in one document.
UT=$PWD/$B/under-test
RW=$UT/reapwatch
PAUSE=$UT/pause
R=$B/results
QUICK=${BENCH_QUICK:-0}
ONLY=${BENCH_ONLY:-cost loss storm footprint scale}
NCPU=$(nproc)
CPU=${BENCH_CPU:-$((NCPU - 1))}
# The timed loops run at nice -20: other people's work on the machine then
# takes less of the loop's CPU; a tracer's BPF programs run in the loop's own
# context (fork, exit, wait), so they are measured all the same. Where the
# loop's cost is measured, the tool runs at the same priority: a reader that
# other people's work starves falls behind, and from a quarter-full buffer
# on every event pays a wake-up (section 2 measures that on purpose).
NICE=${BENCH_NICE:--20}
TOOL_NICE=0

if [ "$QUICK" = 1 ]; then
	d_cycles=5000 d_warm=20000 d_rounds=3 d_fcycles=300 d_frounds=1 d_prounds=1 d_loss=3
	d_bursts=5 d_size=1000 d_srounds=1 d_sandboxes=100 d_zombies=1000
	d_scrounds=1 d_startups=3 d_idle=3 d_bound=4500
	DOC=${BENCH_DOC:-$B/benchmarks-quick.md}
else
	d_cycles=20000 d_warm=20000 d_rounds=15 d_fcycles=2000 d_frounds=3 d_prounds=5 d_loss=10
	d_bursts=100 d_size=1000 d_srounds=4 d_sandboxes=1000 d_zombies=10000
	d_scrounds=5 d_startups=10 d_idle=10 d_bound=5000
	DOC=${BENCH_DOC:-docs/benchmarks.md}
fi
CYCLES=${BENCH_CYCLES:-$d_cycles}
WARM=${BENCH_WARM:-$d_warm}
ROUNDS=${BENCH_ROUNDS:-$d_rounds}
FCYCLES=${BENCH_FORK_CYCLES:-$d_fcycles}
FROUNDS=${BENCH_FORK_ROUNDS:-$d_frounds}
PROUNDS=${BENCH_PAIR_ROUNDS:-$d_prounds}
OTHER_CPU=$(((CPU + 1) % NCPU))
LOSS_SECS=${BENCH_LOSS_SECS:-$d_loss}
BURSTS=${BENCH_STORM_BURSTS:-$d_bursts}
BSIZE=${BENCH_STORM_SIZE:-$d_size}
SROUNDS=${BENCH_STORM_ROUNDS:-$d_srounds}
SANDBOXES=${BENCH_SANDBOXES:-$d_sandboxes}
ZOMBIES=${BENCH_ZOMBIES:-$d_zombies}
SCROUNDS=${BENCH_SCALE_ROUNDS:-$d_scrounds}
STARTUPS=${BENCH_STARTUPS:-$d_startups}
IDLE=${BENCH_IDLE_SECS:-$d_idle}
BOUND_N=${BENCH_BOUND_N:-$d_bound}

# Tracers find tracepoints through tracefs: `unshare -m --propagation private
# sh -c "$WITH_TRACEFS" sh CMD ARGS...` runs CMD with it mounted, in a private
# mount namespace when the host has none. bpftrace also asks for a higher
# RLIMIT_MEMLOCK, which this kernel does not need (memory cgroup accounting).
WITH_TRACEFS='ulimit -l unlimited 2>/dev/null;
{ [ -d /sys/kernel/tracing/events ] || mount -t tracefs tracefs /sys/kernel/tracing; } && exec "$@"'
# The bpftrace peers: count exits in a map, or print each exit (a perf
# buffer that wakes its reader for every event, like libbpf-tools'
# exitsnoop). BEGIN runs once the probes are attached and says so, with a
# word no error message contains; it costs nothing per exit.
BT_READY=bench-bpftrace-attached
BT_BEGIN="BEGIN { printf(\"$BT_READY\\n\"); }"
BT_PROG='tracepoint:sched:sched_process_exit { @ = count(); }'
BT_PRINT='tracepoint:sched:sched_process_exit { printf("%d %s\n", pid, comm); }'

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- cleanup: everything we started, by pid ---------------------------------
HOLD='' RUNNER='' SANDBOX_PID='' INIT_LIST=''
cleanup() {
	# first what holds the kernel's statistics on for the whole machine
	[ -n "$HOLD" ] && kill -TERM "$HOLD" 2>/dev/null
	[ -n "$RUNNER" ] && kill -TERM "$RUNNER" 2>/dev/null
	[ -n "$SANDBOX_PID" ] && kill -TERM "$SANDBOX_PID" 2>/dev/null
	for u in $INIT_LIST; do
		kill_init "${u%%:*}" "${u#*:}"
	done
	wait 2>/dev/null
}
trap 'cleanup' EXIT
trap 'exit 130' INT TERM

# --- small helpers ----------------------------------------------------------
# kv KEY "k=v k=v ...": the value of KEY.
kv() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }
# Numbers on stdin -> median / percentile P (0-100), nearest rank with
# interpolation. Empty input prints "-".
pct() {
	sort -g | awk -v p="$1" '{ a[NR] = $1 } END {
		if (!NR) { print "-"; exit }
		x = 1 + (NR - 1) * p / 100; i = int(x); f = x - i
		v = a[i] + (i < NR ? (a[i + 1] - a[i]) * f : 0)
		print v }'
}
median() { pct 50; }
# fmt N DECIMALS: a number for the tables ("-" stays "-").
fmt() { awk -v v="$1" -v d="$2" 'BEGIN { if (v == "-" || v == "") print "-"; else printf "%.*f\n", d, v }'; }
# Wait until FILE is not empty, or PID died, or SECS passed.
wait_file() {
	wf_i=0
	while [ ! -s "$1" ]; do
		alive "$2" || return 1
		wf_i=$((wf_i + 1))
		[ "$wf_i" -gt $(($3 * 50)) ] && return 1
		sleep 0.02
	done
}

# --- running a tracer ---------------------------------------------------------
# start_tool CONFIG [EXTRA ARGS...]: none, trace, stats, record, serve,
# bpftrace, bpftrace-print, floor, floor-clock, slots-N; starts it under bench/startup (at nice
# TOOL_NICE) and waits until it is attached. Sets TOOL_PID (the
# process that holds the BPF programs) and RUNNER. stop_tool stops it and
# sets TOOL_LINE (attach_ms, rss_kb, anon_kb, hwm_kb, cpu_ms, lines, status).
TOOL_PID='' TOOL_LINE=''
start_tool() {
	st_cfg=$1
	shift
	TOOL_PID='' RUNNER='' TOOL_LINE=''
	st_match=
	case $st_cfg in
	none) return 0 ;;
	trace) set -- "$RW" trace "$@" ;;
	stats) set -- "$RW" stats "$@" ;;
	record) set -- "$RW" record "$@" ;;
	serve) set -- "$RW" serve "$@" ;;
	bpftrace | bpftrace-print)
		st_p=$BT_PROG
		[ "$st_cfg" = bpftrace-print ] && st_p=$BT_PRINT
		set -- unshare -m --propagation private sh -c "$WITH_TRACEFS" sh bpftrace -e "$BT_BEGIN $st_p"
		st_match="-m $BT_READY"
		;;
	floor | floor-clock | slots-*)
		set -- unshare -m --propagation private sh -c "$WITH_TRACEFS" sh \
			"$B/bpfstats" floor "$B/$st_cfg.bpf.o"
		st_match="-m attached"
		;;
	*) die "unknown tool $st_cfg" ;;
	esac
	rm -f "$R/ready" "$R/runner.out"
	# shellcheck disable=SC2086 # $st_match is an option and its argument
	nice -n "${TOOL_NICE:-0}" "$B/startup" $st_match -w -c -r "$R/ready" \
		-o "${TOOL_STDOUT:-/dev/null}" -e "$R/tool.err" -- "$@" >"$R/runner.out" &
	RUNNER=$!
	if ! wait_file "$R/ready" "$RUNNER" 120; then
		kill -TERM "$RUNNER" 2>/dev/null
		wait "$RUNNER"
		RUNNER=
		log "$st_cfg did not attach: $(tail -n 3 "$R/tool.err" | tr '\n' ' ')"
		return 1
	fi
	TOOL_PID=$(sed -n 's/^pid=\([0-9]*\).*/\1/p' "$R/ready")
}
stop_tool() {
	[ -n "$RUNNER" ] || return 0
	kill -TERM "$RUNNER" 2>/dev/null
	wait "$RUNNER"
	RUNNER=
	TOOL_LINE=$(cat "$R/runner.out")
}

# BPF run-time statistics on (we hold them) or off (unless the sysctl holds
# them on too: machine_info records it). The loop's slowdown is timed with
# them off: they cost every program run two clock reads and an interrupt
# flag save and restore, which users do not pay (section 1 measures it).
stats_on() {
	[ -z "$HOLD" ] || return 0
	rm -f "$R/hold.out"
	"$B/bpfstats" hold >"$R/hold.out" &
	HOLD=$!
	wait_file "$R/hold.out" "$HOLD" 10 || { kill -TERM "$HOLD" 2>/dev/null; HOLD=; return 1; }
}
stats_off() {
	[ -n "$HOLD" ] || return 0
	kill -TERM "$HOLD" 2>/dev/null
	wait "$HOLD"
	HOLD=
}

# progs_delta BEFORE AFTER CYCLES ROUND CFG: per-program lines for the TSV
# (round cfg prog ns runs cycles) and, on stdout, the total BPF ns.
progs_delta() {
	awk -v cyc="$3" -v round="$4" -v cfg="$5" -v tsv="$R/progs.tsv" '
		FNR == NR { t[$2] = $4; c[$2] = $5; next }
		($2 in t) { dt = $4 - t[$2]; dc = $5 - c[$2]; tot += dt
			if (dc > 0) printf "%s %s %s %d %d %d\n", round, cfg, $3, dt, dc, cyc >> tsv }
		END { print tot + 0 }' "$1" "$2"
}

# warm_up TAG ROUND: WARM cycles of the loop under a tool just started,
# not timed: the first pass through a fresh ring buffer costs several times
# more per event here than the next ones (its pages are touched for the first
# time), and a long-running tracer pays that once. The BPF time of the
# warm-up goes to progs.tsv as TAG-warmup.
warm_up() {
	[ -n "$TOOL_PID" ] && "$B/bpfstats" progs "$TOOL_PID" >"$R/pw"
	nice -n "$NICE" "$B/forkloop" -n "$WARM" -c "$CPU" >/dev/null || die "forkloop failed"
	if [ -n "$TOOL_PID" ]; then
		"$B/bpfstats" progs "$TOOL_PID" >"$R/p0"
		progs_delta "$R/pw" "$R/p0" "$WARM" "$2" "$1-warmup" >/dev/null
	fi
}

# one_cost ROUND CFG FLAG CYCLES: under one tracer, a loop timed with BPF
# statistics off, then one with them on for the BPF time -> cost.tsv.
# FLAG: empty; -f, fork() instead of vfork(); -2, a second loop on
# OTHER_CPU at the same time (consecutive pids exit at once on two CPUs),
# whose cycles count in the BPF time per cycle.
one_cost() {
	oc_round=$1 oc_cfg=$2 oc_flag=$3 oc_n=$4
	oc_tag=$oc_cfg oc_cycles=$oc_n oc_pair=
	case $oc_flag in
	-f) oc_tag=$oc_cfg-fork ;;
	-2) oc_tag=$oc_cfg-2cpu oc_cycles=$((2 * oc_n)) oc_pair=1 oc_flag= ;;
	esac
	TOOL_NICE=$NICE
	start_tool "$oc_cfg" || { TOOL_NICE=0; return 1; }
	TOOL_NICE=0
	warm_up "$oc_tag" "$oc_round"
	stats_off
	cost_loop "$oc_flag" "$oc_n" "$oc_pair"
	oc_off=$CL_LINE
	stats_on || die "cannot enable BPF statistics again"
	[ -n "$TOOL_PID" ] && "$B/bpfstats" progs "$TOOL_PID" >"$R/p0"
	cost_loop "$oc_flag" "$oc_n" "$oc_pair"
	oc_bpf=0
	if [ -n "$TOOL_PID" ]; then
		"$B/bpfstats" progs "$TOOL_PID" >"$R/p1"
		oc_bpf=$(progs_delta "$R/p0" "$R/p1" "$oc_cycles" "$oc_round" "$oc_tag")
	fi
	stop_tool
	oc_ms=$(kv cpu_ms "$TOOL_LINE")
	echo "$oc_round $oc_tag $oc_n $(kv ns_per_cycle "$oc_off") $oc_bpf $(kv cpu_ns_per_cycle "$oc_off") ${oc_ms:--} $(kv ns_per_cycle "$CL_LINE") $(kv cpu_ns_per_cycle "$CL_LINE")" >>"$R/cost.tsv"
}

# cost_loop FLAG CYCLES PAIR: one timed loop on CPU (and with PAIR, another
# on OTHER_CPU at once); its line in CL_LINE.
cost_loop() {
	cl_bg=
	if [ -n "$3" ]; then
		nice -n "$NICE" "$B/forkloop" -n "$2" -c "$OTHER_CPU" >/dev/null &
		cl_bg=$!
	fi
	# shellcheck disable=SC2086 # $1 is empty or -f
	CL_LINE=$(nice -n "$NICE" "$B/forkloop" $1 -n "$2" -c "$CPU") || die "forkloop failed"
	[ -z "$cl_bg" ] || wait "$cl_bg" || die "forkloop on CPU $OTHER_CPU failed"
}

# --- the machine ----------------------------------------------------------------
machine_info() {
	{
		echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "kernel=$(uname -r)"
		echo "cpus=$NCPU"
		echo "model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
		echo "mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
		echo "commit=$(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- bpf user 2>/dev/null || echo '+local changes')"
		for p in bpftrace catatonit tini dumb-init; do
			echo "v_$p=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo missing)"
		done
		echo "musl=$(dpkg-query -W -f='${Version}' musl-tools 2>/dev/null || echo none)"
		echo "pid_max=$(cat /proc/sys/kernel/pid_max)"
		echo "bpf_stats_sysctl=$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null)"
	} >"$R/machine"
}
# load: the load average and CPU pressure now, and other BPF programs.
load_now() {
	others=$(bpftool prog show 2>/dev/null | grep -c '^[0-9]')
	la=$(cut -d' ' -f1-3 /proc/loadavg)
	psi=$(sed -n 's/^some avg10=\([0-9.]*\) avg60=\([0-9.]*\).*/\2/p' /proc/pressure/cpu 2>/dev/null)
	echo "load $la, CPU pressure (some, avg60) ${psi:-?} %, $others BPF programs loaded"
}

# =============================================================================
# 1. Tracing cost
# =============================================================================
# rotate ROUND WORD...: the words, rotated by ROUND - 1, so that in a series
# of rounds no configuration always runs first or after the same other.
rotate() {
	ro_k=$((($1 - 1) % ($# - 1)))
	shift
	ro_i=0
	while [ "$ro_i" -lt $# ]; do
		eval "printf '%s\n' \"\${$(((ro_k + ro_i) % $# + 1))}\""
		ro_i=$((ro_i + 1))
	done
}

COST_CFGS="none trace stats bpftrace bpftrace-print floor floor-clock slots-256 slots-4096 slots-65536"
sec_cost() {
	log "cost: $ROUNDS rounds x $CYCLES cycles (vfork), $FROUNDS x $FCYCLES (fork), CPU $CPU;" \
		"$PROUNDS x $CYCLES with a second loop on CPU $OTHER_CPU"
	: >"$R/cost.tsv"
	: >"$R/progs.tsv"
	r=1
	while [ "$r" -le "$ROUNDS" ]; do
		# shellcheck disable=SC2086 # the list of configurations
		for cfg in $(rotate "$r" $COST_CFGS); do
			one_cost "$r" "$cfg" "" "$CYCLES" || log "cost: round $r $cfg failed"
		done
		log "cost: round $r/$ROUNDS done"
		r=$((r + 1))
	done
	r=1
	while [ "$r" -le "$FROUNDS" ]; do
		for cfg in none trace stats; do
			one_cost "$r" "$cfg" -f "$FCYCLES" || log "cost: fork round $r $cfg failed"
		done
		r=$((r + 1))
	done
	[ "$NCPU" -gt 1 ] || return 0
	r=1
	while [ "$r" -le "$PROUNDS" ]; do
		for cfg in $(rotate "$r" none trace stats floor); do
			one_cost "$r" "$cfg" -2 "$CYCLES" || log "cost: two-CPU round $r $cfg failed"
		done
		r=$((r + 1))
	done
}

# cost_stat TAG COLUMN P: percentile P of a cost.tsv column for one config.
cost_stat() { awk -v t="$1" -v c="$2" '$2 == t { print $c }' "$R/cost.tsv" | pct "$3"; }
# cost.tsv: round, config, cycles, loop ns/cycle (wall), BPF ns during the
# second loop, loop CPU ns/cycle, tracer CPU ms (none: -), and the
# second loop's (BPF statistics on) wall and CPU ns/cycle.
# ratio_stat TAG P [COLUMN]: percentile P over rounds of TAG's figure over
# the same round's figure with nothing attached (column 4, wall time, or 6,
# CPU time).
# base_of TAG: the configuration with nothing attached of TAG's kind of round.
base_of() {
	case $1 in *-fork) echo none-fork ;; *-2cpu) echo none-2cpu ;; *) echo none ;; esac
}
ratio_stat() {
	base=$(base_of "$1")
	awk -v t="$1" -v b="$base" -v c="${3:-4}" '$2 == b { n[$1] = $c } $2 == t { v[$1] = $c }
		END { for (r in v) if (n[r] > 0) print v[r] / n[r] }' "$R/cost.tsv" | pct "$2"
}
# cycle_bpf TAG P: percentile P over rounds of the BPF time of one cycle: the
# sum of each program's mean ns per run, over the programs that ran at least
# once every other cycle (each runs once per cycle). Unlike the run time
# during the loop over its cycles, other processes' events on a shared
# machine do not add to it (they only move the means).
cycle_bpf() {
	awk -v t="$1" '$2 == t && 2 * $5 >= $6 { s[$1] += $4 / $5 } END { for (r in s) print s[r] }' \
		"$R/progs.tsv" | pct "$2"
}
# diff_stat TAG P [COLUMN]: the same for TAG's figure minus nothing's.
diff_stat() {
	awk -v t="$1" -v c="${3:-4}" '$2 == "none" { n[$1] = $c } $2 == t { v[$1] = $c }
		END { for (r in v) if (r in n) print v[r] - n[r] }' "$R/cost.tsv" | pct "$2"
}
# stats_cost TAG P: percentile P over rounds of what BPF statistics added
# to TAG's loop (CPU ns/cycle, on - off), less what they added to the same
# round's loop with nothing attached (the order of the two loops).
stats_cost() {
	base=$(base_of "$1")
	awk -v t="$1" -v b="$base" 'NF >= 9 && $2 == b { n[$1] = $9 - $6 } NF >= 9 && $2 == t { v[$1] = $9 - $6 }
		END { for (r in v) if (r in n) print v[r] - n[r] }' "$R/cost.tsv" | pct "$2"
}
# prog_stat TAG PROG: median ns/run, median runs/cycle, median ns/cycle.
prog_stat() {
	a=$(awk -v t="$1" -v p="$2" '$2 == t && $3 == p { print $4 / $5 }' "$R/progs.tsv" | median)
	b=$(awk -v t="$1" -v p="$2" '$2 == t && $3 == p { print $5 / $6 }' "$R/progs.tsv" | median)
	c=$(awk -v t="$1" -v p="$2" '$2 == t && $3 == p { print $4 / $6 }' "$R/progs.tsv" | median)
	echo "$a $b $c"
}

# =============================================================================
# 2. Event loss
# =============================================================================
# loss_exact BUFFER_ARGS...: trace -p on a forkloop of all CPUs; checks that
# received + lost = 2 events per cycle + 2 (the loop's own exit and reap).
loss_exact() {
	le_fifo=$R/go.fifo
	rm -f "$le_fifo"
	mkfifo "$le_fifo" || die "mkfifo"
	"$B/forkloop" -j "$NCPU" -c 0 -t "$LOSS_SECS" -W "$le_fifo" >"$R/loop.out" &
	le_fl=$!
	if ! start_tool trace -p "$le_fl" "$@"; then
		echo x >"$le_fifo"
		wait "$le_fl"
		return 1
	fi
	echo go >"$le_fifo"
	wait "$le_fl"
	sleep 0.5
	stop_tool
	le_line=$(cat "$R/loop.out")
	le_cycles=$(kv cycles "$le_line")
	le_ev=$(sed -n 's/^reapwatch: \([0-9]*\) events, \([0-9]*\) lost.*/\1/p' "$R/tool.err")
	le_lost=$(sed -n 's/^reapwatch: \([0-9]*\) events, \([0-9]*\) lost.*/\2/p' "$R/tool.err")
	le_lines=$(kv lines "$TOOL_LINE")
	echo "cycles=$le_cycles rate=$(kv rate "$le_line") expected=$((2 * le_cycles + 2)) events=$le_ev lines=$((le_lines - 1)) lost=$le_lost"
}

sec_loss() {
	log "loss: $LOSS_SECS s of forkloop -j $NCPU, trace with the default buffer"
	fl_cmd="$B/forkloop -j $NCPU -c 0 -t $LOSS_SECS"
	start_tool trace || die "trace did not start"
	line=$($fl_cmd)
	sleep 0.5
	stop_tool
	ev=$(sed -n 's/^reapwatch: \([0-9]*\) events, \([0-9]*\) lost.*/\1/p' "$R/tool.err")
	lost=$(sed -n 's/^reapwatch: \([0-9]*\) events, \([0-9]*\) lost.*/\2/p' "$R/tool.err")
	echo "cycles=$(kv cycles "$line") rate=$(kv rate "$line") events=$ev lost=$lost cpu_ms=$(kv cpu_ms "$TOOL_LINE")" >"$R/loss-all"
	log "loss: $(cat "$R/loss-all")"
	log "loss: the same, filtered to the loop (-p): exact counts"
	loss_exact >"$R/loss-default" || log "loss: -p run failed"
	log "loss: $(cat "$R/loss-default")"
	log "loss: a 4 KiB ring buffer (-b 4096)"
	loss_exact -b 4096 >"$R/loss-tiny" || log "loss: tiny run failed"
	log "loss: $(cat "$R/loss-tiny")"
	loss_stalled
}

# stall_step TAG CYCLES: the loop under the stopped reader; BPF time to
# progs.tsv as TAG.
stall_step() {
	"$B/bpfstats" progs "$TOOL_PID" >"$R/p0"
	nice -n "$NICE" "$B/forkloop" -n "$2" -c "$CPU" >/dev/null || die "forkloop failed"
	"$B/bpfstats" progs "$TOOL_PID" >"$R/p1"
	progs_delta "$R/p0" "$R/p1" "$2" 1 "$1" >/dev/null
}
# loss_stalled: the reader stops (SIGSTOP) while the loop goes on: what each
# event costs before and after the buffer is a quarter full, the point from
# which the kernel side asks for a wake-up. 240 bytes per cycle (an exit and
# a reap), 1 MiB is a quarter of the default buffer: 3,000 cycles stay below
# it, 1,500 more cross it, 4,000 more stay above it and below full.
loss_stalled() {
	log "loss: trace with its reader stopped, before and after a quarter full"
	TOOL_NICE=$NICE
	start_tool trace || { TOOL_NICE=0; return 1; }
	TOOL_NICE=0
	warm_up stall-warm 1
	# the reader drains every 100 ms: let it empty the buffer first
	sleep 0.5
	kill -STOP "$TOOL_PID"
	stall_step stall-below 3000
	nice -n "$NICE" "$B/forkloop" -n 1500 -c "$CPU" >/dev/null
	stall_step stall-above 4000
	kill -CONT "$TOOL_PID"
	sleep 0.5
	stop_tool
	log "loss: stalled reader: $(cycle_bpf stall-below 50) ns per cycle below, $(cycle_bpf stall-above 50) above"
}

# =============================================================================
# 3. Reap storms
# =============================================================================
INITS="pause catatonit tini dumb-init"
SLEEP_BIN=$(command -v sleep)
init_cmd() {
	case $1 in
	pause) echo "$PAUSE" ;;
	catatonit) echo "$(command -v catatonit) -P" ;;
	tini) echo "$(command -v tini) -- $SLEEP_BIN infinity" ;;
	dumb-init) echo "$(command -v dumb-init) $SLEEP_BIN infinity" ;;
	esac
}
# start_init NAME [WRAPPER...]: NAME as PID 1 of a new PID namespace (with its
# own /proc), under WRAPPER (strace) if given. Sets INIT_U (the pid we
# started: unshare or the wrapper) and INIT_P (the init's global pid: the
# first descendant running the init's binary).
start_init() {
	si_name=$1
	shift
	si_bin=$(init_cmd "$si_name")
	si_bin=$(readlink -f "${si_bin%% *}")
	# shellcheck disable=SC2046 # the init's command line, split on purpose
	"$@" unshare --pid --fork --mount-proc $(init_cmd "$si_name") >/dev/null 2>&1 &
	INIT_U=$!
	INIT_P=
	si_i=0
	while [ -z "$INIT_P" ] && [ "$si_i" -lt 1000 ]; do
		sleep 0.01
		si_p=$INIT_U
		for _ in 1 2 3; do
			si_p=$(cat "/proc/$si_p/task/$si_p/children" 2>/dev/null)
			si_p=${si_p%% *}
			[ -n "$si_p" ] || break
			if [ "$(readlink -f "/proc/$si_p/exe" 2>/dev/null)" = "$si_bin" ]; then
				INIT_P=$si_p
				break
			fi
		done
		si_i=$((si_i + 1))
	done
	INIT_LIST="$INIT_LIST $INIT_U:$INIT_P"
	[ -n "$INIT_P" ]
}
# alive PID: PID runs and is not a zombie (for our own children, whose pids
# cannot be reused before we reap them).
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
# kill_init U P: SIGTERM to the init P (all four exit on it; tini and
# dumb-init pass it to their command first), SIGKILL after 2 s; reap U. P is
# not our child: it is signalled only while U, which outlives it, runs.
kill_init() {
	alive "$1" && [ -n "$2" ] && kill -TERM "$2" 2>/dev/null
	ki_i=0
	while alive "$1" && [ "$ki_i" -lt 100 ]; do
		sleep 0.02
		ki_i=$((ki_i + 1))
	done
	alive "$1" && [ -n "$2" ] && kill -KILL "$2" 2>/dev/null
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	INIT_LIST=$(echo "$INIT_LIST" | tr ' ' '\n' | grep -vx "$1:$2" | tr '\n' ' ')
}

sec_storm() {
	log "storm: $SROUNDS rounds x $BURSTS bursts of $BSIZE orphans, for $INITS"
	: >"$R/storm.tsv"
	r=1
	while [ "$r" -le "$SROUNDS" ]; do
		# shellcheck disable=SC2086 # the list of inits
		for name in $(rotate "$r" $INITS); do
			start_init "$name" || { log "storm: $name did not start"; continue; }
			ns=$(stat -L -c %i "/proc/$INIT_P/ns/pid")
			rec=$R/storm-$name-$r.rwr
			if ! start_tool record -o "$rec" --pidns "$ns"; then
				kill_init "$INIT_U" "$INIT_P"
				continue
			fi
			line=$(nsenter -t "$INIT_P" -p -m "$PWD/$B/storm" -b "$BURSTS" -s "$BSIZE")
			sleep 0.3
			stop_tool
			kill_init "$INIT_U" "$INIT_P"
			"$RW" report --json -P "$rec" >"$R/storm-$name-$r.json" 2>/dev/null
			"$RW" report --svg "$R/storm-$name-$r.svg" "$rec" >/dev/null 2>&1
			peak=$(sed -n 's/.*data-max-zombies="\([0-9]*\)".*/\1/p' "$R/storm-$name-$r.svg" | head -n 1)
			# the init's row in the per-reaper table
			row=$(tr '{' '\n' <"$R/storm-$name-$r.json" | grep "^\"pid\":$INIT_P,")
			p50=$(echo "$row" | sed -n 's/.*"p50_ns":\([0-9]*\).*/\1/p')
			p99=$(echo "$row" | sed -n 's/.*"p99_ns":\([0-9]*\).*/\1/p')
			maxl=$(echo "$row" | sed -n 's/.*"max_ns":\([0-9]*\).*/\1/p')
			reaps=$(echo "$row" | sed -n 's/.*"reaps":\([0-9]*\).*/\1/p')
			lost=$(sed -n 's/.*"lost":\([0-9]*\).*/\1/p' "$R/storm-$name-$r.json" | head -n 1)
			echo "$r $name $(kv ms "$line") $(kv drain_ms "$line") ${peak:--} ${p50:--} ${p99:--} ${maxl:--} ${reaps:--} $(kv zombies_left "$line") $(kv drained "$line") ${lost:--} $(kv orphans "$line")" >>"$R/storm.tsv"
			log "storm: $name round $r: $line peak=$peak p50=$p50 p99=$p99 reaps=$reaps lost=$lost"
			rm -f "$rec"
		done
		r=$((r + 1))
	done
}
storm_stat() { awk -v n="$1" -v c="$2" '$2 == n && $c != "-" { print $c }' "$R/storm.tsv" | pct "$3"; }
# storm_ratio NAME COLUMN: median over rounds of NAME's figure / pause's.
storm_ratio() {
	awk -v n="$1" -v c="$2" '$c == "-" { next } $2 == "pause" { b[$1] = $c } $2 == n { v[$1] = $c }
		END { for (r in v) if (b[r] > 0) print v[r] / b[r] }' "$R/storm.tsv" | median
}

# =============================================================================
# 4. Footprint
# =============================================================================
# syscalls_to_idle NAME: system calls of the init from its execve to the first
# call that blocks (>= 0.1 s: the idle wait), both included, under strace -f.
syscalls_to_idle() {
	sy_bin=$(init_cmd "$1")
	sy_bin=${sy_bin%% *}
	sy_st=$R/strace-$1
	start_init "$1" strace -f -T -o "$sy_st" || { echo "-"; return 0; }
	sleep 1.5
	kill_init "$INIT_U" "$INIT_P"
	sy_pid=$(grep "execve(\"$sy_bin\"" "$sy_st" | grep ' = 0 <' | head -n 1 | cut -d' ' -f1)
	[ -n "$sy_pid" ] || { echo "-"; return 0; }
	awk -v p="$sy_pid" -v bin="$sy_bin" '
		$1 != p { next }
		!on { if (index($0, "execve(\"" bin "\"") && / = 0 </) { on = 1; n = 1 }; next }
		/^[0-9]+ +(\+\+\+|---)/ { next }
		{ d = -1; if (match($0, /<[0-9.]+>$/)) d = substr($0, RSTART + 1, RLENGTH - 2) + 0 }
		/ resumed>/ { if (d >= 0.1) { print n; found = 1; exit } next }
		{ n++ }
		/<unfinished \.\.\.>$/ { next }
		d >= 0.1 { print n; found = 1; exit }
		END { if (!found) print n }' "$sy_st"
}

# ctx PID: the context switches of PID so far (voluntary + involuntary).
ctx() { awk '/ctxt_switches/ { n += $2 } END { print n + 0 }' "/proc/$1/status"; }

sec_footprint() {
	log "footprint: the four inits idle for $IDLE s, together"
	: >"$R/footprint.tsv"
	: >"$R/idle.list"
	for name in $INITS; do
		start_init "$name" || { log "footprint: $name did not start"; continue; }
		echo "$name $INIT_U $INIT_P" >>"$R/idle.list"
	done
	sleep 1
	# name, unshare's pid, the init's pid, its context switches now
	while read -r name u p; do
		echo "$name $u $p $(ctx "$p")"
	done <"$R/idle.list" >"$R/idle.c0"
	sleep "$IDLE"
	while read -r name u p c0; do
		bin=$(init_cmd "$name")
		bin=${bin%% *}
		echo "$name $(stat -L -c %s "$bin") $(awk '/^RssAnon:/ { print $2 }' "/proc/$p/status") \
$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup") $(($(ctx "$p") - c0)) \
$(wc -w <"/proc/$p/task/$p/children")" >>"$R/footprint.tsv"
	done <"$R/idle.c0"
	while read -r _ u p; do
		kill_init "$u" "$p"
	done <"$R/idle.list"
	: >"$R/syscalls.tsv"
	for name in $INITS; do
		printf '%s ' "$name" >>"$R/syscalls.tsv"
		syscalls_to_idle "$name" >>"$R/syscalls.tsv"
	done
	log "footprint: $(tr '\n' ';' <"$R/footprint.tsv") syscalls: $(tr '\n' ';' <"$R/syscalls.tsv")"

	log "footprint: reapwatch start-up, $STARTUPS times each"
	: >"$R/startup.tsv"
	i=1
	while [ "$i" -le "$STARTUPS" ]; do
		for cfg in "trace" "stats" "trace --no-exact" "stats --no-exact"; do
			# shellcheck disable=SC2086 # the command and its options
			line=$("$B/startup" -i 1 -- "$RW" $cfg)
			echo "$i $(echo "$cfg" | tr ' ' _) $(kv attach_ms "$line") $(kv rss_kb "$line") $(kv anon_kb "$line") $(kv hwm_kb "$line") $(kv cpu_ms "$line")" >>"$R/startup.tsv"
		done
		if [ "$i" -le 3 ]; then
			line=$("$B/startup" -m "$BT_READY" -i 1 -- unshare -m --propagation private \
				sh -c "$WITH_TRACEFS" sh bpftrace -e "$BT_BEGIN $BT_PROG")
			echo "$i bpftrace $(kv attach_ms "$line") $(kv rss_kb "$line") $(kv anon_kb "$line") $(kv hwm_kb "$line") $(kv cpu_ms "$line")" >>"$R/startup.tsv"
		fi
		i=$((i + 1))
	done
}
startup_stat() { awk -v n="$1" -v c="$2" '$2 == n { print $c }' "$R/startup.tsv" | pct "$3"; }

# =============================================================================
# 5. Scale
# =============================================================================
# scale_run ROUND STATE MODE: one forkloop under MODE (trace, stats) with the
# node EMPTY or LOADED (sandboxes running) -> scale.tsv
scale_run() {
	sr_round=$1 sr_state=$2 sr_mode=$3
	TOOL_NICE=$NICE
	if [ "$sr_mode" = stats ]; then
		# the summary at the end: reapers, parents, dropped, untracked
		TOOL_STDOUT=$R/scale-out
		start_tool stats --json || { TOOL_STDOUT='' TOOL_NICE=0; return 1; }
	else
		start_tool trace || { TOOL_NICE=0; return 1; }
	fi
	TOOL_STDOUT='' TOOL_NICE=0
	sr_attach=$(sed -n 's/.*attach_ms=\([0-9.]*\).*/\1/p' "$R/ready")
	# loaded: each sandbox's pause adopts and reaps one orphan, N reapers at
	# work; the same pause in both states, so that the runs last as long
	[ "$sr_state" = loaded ] && kill -USR1 "$SANDBOX_PID"
	sleep 2
	warm_up "scale-$sr_state-$sr_mode" "$sr_round"
	"$B/bpfstats" maps "$TOOL_PID" >"$R/maps-$sr_state-$sr_mode"
	sr_line=$(nice -n "$NICE" "$B/forkloop" -n "$CYCLES" -c "$CPU")
	"$B/bpfstats" progs "$TOOL_PID" >"$R/p1"
	sr_bpf=$(progs_delta "$R/p0" "$R/p1" "$CYCLES" "$sr_round" "scale-$sr_state-$sr_mode")
	stop_tool
	sr_mem=$(awk '{ s += $6 } END { print s }' "$R/maps-$sr_state-$sr_mode")
	sr_extra="- - - -"
	if [ "$sr_mode" = stats ]; then
		sr_j=$R/scale-out
		sr_extra="$(sed -n 's/.*"dropped":\([0-9]*\).*/\1/p' "$sr_j" | tail -n 1) $(sed -n 's/.*"untracked":\([0-9]*\).*/\1/p' "$sr_j" | tail -n 1) $(tr '{' '\n' <"$sr_j" | grep -c '^"pid":.*"reaps":') $(tr '{' '\n' <"$sr_j" | grep -c '^"pid":.*"orphaned":')"
	fi
	echo "$sr_round $sr_state $sr_mode $(kv ns_per_cycle "$sr_line") $sr_bpf $CYCLES $sr_attach $(kv rss_kb "$TOOL_LINE") $(kv anon_kb "$TOOL_LINE") $(kv hwm_kb "$TOOL_LINE") $(kv cpu_ms "$TOOL_LINE") $sr_mem $sr_extra" >>"$R/scale.tsv"
}

start_sandboxes() {
	"$B/sandboxes" -n "$SANDBOXES" -z "$ZOMBIES" -p "$PAUSE" >"$R/sandboxes.out" 2>&1 &
	SANDBOX_PID=$!
	ss_i=0
	while ! grep -q '^ready' "$R/sandboxes.out"; do
		alive "$SANDBOX_PID" || return 1
		ss_i=$((ss_i + 1))
		[ "$ss_i" -gt 30000 ] && return 1
		sleep 0.02
	done
}
stop_sandboxes() {
	kill -TERM "$SANDBOX_PID" 2>/dev/null
	wait "$SANDBOX_PID"
	SANDBOX_PID=
}

# The bounds, hit on purpose: what is counted when they are.
sec_bounds() {
	log "bounds: $BOUND_N new reapers (reapers map: $(awk '$3 == "reapers" { print $5 }' "$R/maps-empty-stats" 2>/dev/null) entries)"
	TOOL_STDOUT=$R/bound-reapers.json
	if start_tool stats --json; then
		line=$("$B/forkloop" -g -n "$BOUND_N" -c "$CPU")
		stop_tool
		j=$R/bound-reapers.json
		echo "cycles=$(kv cycles "$line") reapers=$(tr '{' '\n' <"$j" | grep -c '^"pid":.*"reaps":') dropped=$(sed -n 's/.*"dropped":\([0-9]*\).*/\1/p' "$j" | tail -n 1) reaps=$(sed -n 's/^{"mode":"kernel".*"reaps":\([0-9]*\),"reaps_unknown_age".*/\1/p' "$j" | tail -n 1)" >"$R/bound-reapers"
		log "bounds: $(cat "$R/bound-reapers")"
	fi
	TOOL_STDOUT=
	for kind in live zombie; do
		flag=
		[ "$kind" = zombie ] && flag=-z
		log "bounds: one parent leaves $BOUND_N $kind children to pause"
		start_init pause || continue
		ns=$(stat -L -c %i "/proc/$INIT_P/ns/pid")
		TOOL_STDOUT=$R/bound-$kind.txt
		# text: trace --json prints nothing before its first event
		if start_tool trace --pidns "$ns"; then
			# shellcheck disable=SC2086 # $flag is empty or -z
			line=$(nsenter -t "$INIT_P" -p -m "$PWD/$B/storm" $flag -b 1 -s "$BOUND_N")
			sleep 1
			stop_tool
			j=$R/bound-$kind.txt
			echo "children=$BOUND_N orphan_events=$(awk '$2 == "orphan"' "$j" | grep -c .) reaps_by_init=$(awk -v p="$INIT_P" '$2 == "reap" && index($0, " by " p " ")' "$j" | grep -c .) reaps_via_release=$(awk '$2 == "reap" && / via release /' "$j" | grep -c .) drained=$(kv drained "$line")" >"$R/bound-$kind"
			log "bounds: $(cat "$R/bound-$kind")"
		fi
		TOOL_STDOUT=
		kill_init "$INIT_U" "$INIT_P"
	done
}

# The metrics' label sets with $SANDBOXES sandboxes, each with zombies and a
# reap of its own: at most --max-sandboxes (default 256) get series, the rest
# are summed into pidns="other" and counted.
serve_cardinality() {
	# fewer sandboxes than the default bound (a smoke run): halve the bound
	sc_max=256
	[ "$SANDBOXES" -le "$sc_max" ] && sc_max=$((SANDBOXES / 2))
	start_tool serve --listen 127.0.0.1:0 --max-sandboxes "$sc_max" || return 1
	sc_port=$(sed -n 's|.*serving http://127\.0\.0\.1:\([0-9]*\)/metrics.*|\1|p' "$R/tool.err")
	kill -USR1 "$SANDBOX_PID"
	sleep 2
	curl -fsS "http://127.0.0.1:$sc_port/metrics" >"$R/metrics.txt" || log "scale: scraping port $sc_port failed"
	stop_tool
	sc_m=$R/metrics.txt
	echo "sandboxes=$SANDBOXES series=$(grep -c '^reapwatch_' "$sc_m") \
label_sets=$(sed -n 's/.*pidns="\([^"]*\)".*/\1/p' "$sc_m" | sort -u | grep -c .) \
other=$(grep -c 'pidns="other"' "$sc_m") \
max=$(sed -n 's/^reapwatch_sandboxes_max \([0-9]*\).*/\1/p' "$sc_m") \
overflowed=$(sed -n 's/^reapwatch_sandboxes_overflowed_total \([0-9]*\).*/\1/p' "$sc_m") \
bytes=$(wc -c <"$sc_m")" >"$R/cardinality"
	log "scale: metrics: $(cat "$R/cardinality")"
}

sec_scale() {
	log "scale: $SCROUNDS rounds, empty vs $SANDBOXES sandboxes + $ZOMBIES zombies"
	: >"$R/scale.tsv"
	r=1
	while [ "$r" -le "$SCROUNDS" ]; do
		for mode in trace stats; do
			scale_run "$r" empty "$mode" || log "scale: empty $mode failed"
		done
		t0=$(date +%s.%N)
		start_sandboxes || die "sandboxes: $(cat "$R/sandboxes.out")"
		t1=$(date +%s.%N)
		echo "$r $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')" >>"$R/sandbox-setup"
		for mode in trace stats; do
			scale_run "$r" loaded "$mode" || log "scale: loaded $mode failed"
		done
		if [ "$r" -eq 1 ]; then
			serve_cardinality || log "scale: serve failed"
		fi
		stop_sandboxes
		log "scale: round $r/$SCROUNDS done"
		r=$((r + 1))
	done
	sec_bounds
}
scale_stat() { awk -v s="$1" -v m="$2" -v c="$3" '$2 == s && $3 == m && $c != "-" { print $c }' "$R/scale.tsv" | median; }

# =============================================================================
# The document
# =============================================================================
# shellcheck source=bench/report.sh
. "$(dirname "$0")/report.sh"

# --- main -----------------------------------------------------------------------
# What the document needs of a run besides $R's files, to write it again.
RUN_VARS="ONLY QUICK DOC NCPU CPU OTHER_CPU NICE CYCLES WARM ROUNDS FCYCLES FROUNDS PROUNDS LOSS_SECS BURSTS BSIZE
SROUNDS SANDBOXES ZOMBIES SCROUNDS STARTUPS IDLE BOUND_N LOAD_START LOAD_END T_TOTAL"
if [ "${BENCH_REPORT:-0}" = 1 ]; then
	# the document again from the last run's results, measuring nothing
	[ -f "$R/run.env" ] || die "no results in $R: run the benchmarks first"
	# shellcheck source=/dev/null # written below by the last run
	. "$R/run.env"
	write_report >"$DOC.tmp" && mv "$DOC.tmp" "$DOC"
	log "wrote $DOC from $R"
	exit 0
fi

[ "$(id -u)" -eq 0 ] || die "run as root (BPF, namespaces, sysctl)"
for f in "$OUT/reapwatch" "$OUT/pause" "$B/forkloop" "$B/storm" "$B/bpfstats" "$B/startup" \
	"$B/sandboxes"; do
	[ -x "$f" ] || die "$f is missing: make all bench-progs"
done
mkdir -p "$R" "$UT" || die "cannot create $R"
rm -f "$R"/*
cp "$OUT/reapwatch" "$OUT/pause" "$UT/" || die "cannot copy the binaries to $UT"

T_START=$(date +%s)
machine_info
LOAD_START=$(load_now)
log "start: $LOAD_START"
stats_on || die "cannot enable BPF statistics (BPF_ENABLE_STATS)"

for s in $ONLY; do
	case $s in
	cost | loss | storm | footprint | scale) ;;
	*) die "unknown section '$s' (cost loss storm footprint scale)" ;;
	esac
	t=$(date +%s)
	"sec_$s"
	echo "$s $(($(date +%s) - t))" >>"$R/durations"
done
LOAD_END=$(load_now)
T_TOTAL=$(($(date +%s) - T_START))
log "end: $LOAD_END; $T_TOTAL s"
for v in $RUN_VARS; do
	val=
	eval "val=\$$v"
	printf "%s='%s'\n" "$v" "$val"
done >"$R/run.env"
write_report >"$DOC.tmp" && mv "$DOC.tmp" "$DOC"
log "wrote $DOC"
