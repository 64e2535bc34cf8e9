#!/bin/sh
# reapwatch stats / record / report (issue 4) on a scripted scenario with
# known delays and a known leaker (tests/progs/leaker.c), in a pid namespace
# of its own: every tracer is limited to it with --pidns, so the assertions
# are exact. One scenario run is watched at once by stats in per-event mode
# (also recording), stats in in-kernel mode and trace --json; then report
# reads the recording and the trace. Then broken inputs and exit codes.
. "$(dirname "$0")/lib.sh"
RW=$B/reapwatch
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; [ -n "$KEEP" ] || rm -rf "$tmp"' EXIT

if ! need_root; then
	skip "analysis" "needs root to load BPF programs"
	exit 0
fi
for tool in jq rsvg-convert; do
	if ! command -v $tool >/dev/null; then
		fail "analysis" "$tool is missing (sh scripts/deps.sh test)"
		exit 1
	fi
done

MS=1000000
LINGER=1500 DELAY=200
# Latencies are at least the scenario's delays, and at most this much more:
# the scenario's own sleeps overshoot when the machine is loaded.
TOL=${RW_TEST_TOL_MS:-500}

# --- one scenario, three tracers ------------------------------------------------
mkfifo "$tmp/go"
"$B/tests/leaker" -n 3 -l $LINGER -w $DELAY <"$tmp/go" >"$tmp/scenario" 2>&1 &
scenario=$!
exec 3>"$tmp/go"
if ! wait_for 10 grep -q '^pidns ' "$tmp/scenario"; then
	fail "scenario starts" "$(cat "$tmp/scenario")"
	exit 1
fi
ns=$(sed -n 's/^pidns //p' "$tmp/scenario")

"$RW" stats -E --pidns "$ns" --json -o "$tmp/rec.rwr" >"$tmp/events.json" 2>"$tmp/events.err" &
ev=$!
"$RW" stats --pidns "$ns" --json >"$tmp/kernel.json" 2>"$tmp/kernel.err" &
kern=$!
"$RW" trace -v --pidns "$ns" --json >"$tmp/trace.jsonl" 2>"$tmp/trace.err" &
tr=$!
"$RW" record --pidns "$ns" -o "$tmp/killed.rwr" 2>"$tmp/killed.err" &
killed=$!
# Each says when it is attached (trace with -v).
tracing() { grep -q 'aggregating events' "$tmp/events.err" && grep -q 'reaps seen at' "$tmp/trace.err" &&
	grep -q 'aggregating in the kernel' "$tmp/kernel.err" && grep -q recording "$tmp/killed.err"; }
if ! wait_for 20 tracing; then
	fail "tracers start" "$(cat "$tmp/events.err" "$tmp/kernel.err")"
	exit 1
fi
echo go >&3
exec 3>&-
if ! wait "$scenario"; then
	fail "scenario runs" "$(cat "$tmp/scenario")"
	exit 1
fi
# A recorder killed at any moment has all but its last second on disk.
seven() { "$RW" report --json "$tmp/killed.rwr" 2>/dev/null | jq -e '.reaps == 7' >/dev/null; }
if wait_for 2 seven; then ok "record: events are on disk within a second"
else fail "record: events are on disk within a second" "$("$RW" report "$tmp/killed.rwr" 2>&1 | head -3)"; fi
kill -KILL $killed
kill -INT $ev $kern $tr
wait $ev; rc_ev=$?
wait $kern; rc_kern=$?
wait $tr
check "stats -E exits 0 on SIGINT" [ "$rc_ev" -eq 0 ]
check "stats (in-kernel) exits 0 on SIGINT" [ "$rc_kern" -eq 0 ]

pid_of() { sed -n "s/^$1 //p" "$tmp/scenario"; }
outer=$(pid_of leaker) init=$(pid_of rw-init) leaker=$(pid_of rw-leaker) waiter=$(pid_of rw-waiter)

# jq_check NAME FILE FILTER: FILTER (given the pids) must be true.
jq_check() {
	name=$1 file=$2 filter=$3
	if jq -e --argjson outer "$outer" --argjson init "$init" --argjson leaker "$leaker" \
		--argjson waiter "$waiter" --argjson ms $MS --argjson linger $LINGER \
		--argjson delay $DELAY --argjson tol "$TOL" "$filter" "$file" >/dev/null 2>"$tmp/jq.err"; then
		ok "$name"
	else
		fail "$name" "$(jq -c --argjson f 0 '{reapers: [.reapers[]? | {pid, comm, reaps, adopted, p50_ns, max_ns}], leakers, orphans: (.orphans | {total, per_reaper, per_parent}), zombies, exits, reaps, lost}' "$file" 2>&1 | head -c 900) $(cat "$tmp/jq.err")"
	fi
}

# The exact expectations, shared by stats -E and both reports.
exact_reapers='
	([.reapers[] | {pid, reaps, adopted}] | sort_by(.pid)) ==
	([{pid: $outer, reaps: 1, adopted: 0}, {pid: $init, reaps: 5, adopted: 3},
	  {pid: $waiter, reaps: 1, adopted: 0}] | sort_by(.pid))'
waiter_latency='
	(.reapers[] | select(.pid == $waiter)) as $w |
	$w.comm == "rw-waiter" and $w.p50_ns >= $delay * $ms and $w.p50_ns < ($delay + $tol) * $ms
	and $w.p99_ns == $w.p50_ns and $w.max_ns == $w.p50_ns'
init_latency='
	(.reapers[] | select(.pid == $init)) as $i |
	$i.comm == "rw-init" and $i.max_ns >= $linger * $ms and $i.max_ns < ($linger + $tol) * $ms
	and $i.p50_ns >= $linger * $ms and $i.p50_ns < ($linger + $tol) * $ms'
exact_leakers='
	(.leakers | length) == 1 and .leakers[0].pid == $leaker and
	.leakers[0].comm == "rw-leaker" and .leakers[0].zombies == 3 and
	.leakers[0].unreaped == 0 and .leakers[0].oldest_age_ns >= $linger * $ms and
	.leakers[0].oldest_age_ns < ($linger + $tol) * $ms'
exact_orphans='
	.orphans.total == 3 and .orphans.zombie == 3 and .orphans.to_pidns_init == 3 and
	.orphans.per_reaper == [{pid: $init, comm: "rw-init", adopted: 3}] and
	.orphans.per_parent == [{pid: $leaker, comm: "rw-leaker", orphaned: 3}]'
totals='.exits == 7 and .reaps == 7 and .zombies == [] and .lost == 0'

f=$tmp/events.json
jq_check "stats -E: one JSON summary" "$f" 'type == "object" and .mode == "events"'
jq_check "stats -E: reapers init 5 (adopted 3), waiter 1, outer 1" "$f" "$exact_reapers"
jq_check "stats -E: waiter reaps 200 ms after the exit" "$f" "$waiter_latency"
jq_check "stats -E: init reaps the orphans 1.5 s after their exit" "$f" "$init_latency"
jq_check "stats -E: the one leaker: 3 zombies for 1.5 s" "$f" "$exact_leakers"
jq_check "stats -E: 3 orphans, adopted by init, from the leaker" "$f" "$exact_orphans"
jq_check "stats -E: 7 exits, 7 reaps, no zombie left, none lost" "$f" "$totals"

# Record then report: the same analysis of the same events, byte for byte.
"$RW" report --json "$tmp/rec.rwr" >"$tmp/report.json" 2>"$tmp/report.err"
check "report of the recording exits 0" [ $? -eq 0 ]
if cmp -s "$tmp/events.json" "$tmp/report.json"; then
	ok "report --json of the recording equals the live stats"
else
	fail "report --json of the recording equals the live stats" \
		"$(diff "$tmp/events.json" "$tmp/report.json" | head -c 600)"
fi

# The saved trace: the same numbers (its start and end times differ).
"$RW" report --json "$tmp/trace.jsonl" >"$tmp/trace.json" 2>"$tmp/trace-report.err"
check "report of a trace --json file exits 0" [ $? -eq 0 ]
f=$tmp/trace.json
jq_check "report of the trace: the same reapers" "$f" "$exact_reapers"
jq_check "report of the trace: the same latencies" "$f" "$waiter_latency and ($init_latency)"
jq_check "report of the trace: the same leaker" "$f" "$exact_leakers"
jq_check "report of the trace: the same orphans and totals" "$f" "($exact_orphans) and ($totals)"

# In-kernel mode: the same reapers and orphans; latencies from log2 slots
# (clamped to min and max, so one-sample reapers are exact); the leaker seen
# by sampling the kernel's zombies every 250 ms.
f=$tmp/kernel.json
jq_check "stats (in-kernel): mode kernel" "$f" '.mode == "kernel"'
jq_check "stats (in-kernel): the same reapers" "$f" "$exact_reapers"
jq_check "stats (in-kernel): waiter latency" "$f" "$waiter_latency"
jq_check "stats (in-kernel): init's max latency" "$f" \
	'(.reapers[] | select(.pid == $init)) as $i | $i.max_ns >= $linger * $ms and $i.max_ns < ($linger + $tol) * $ms'
jq_check "stats (in-kernel): the leaker, 3 zombies, over a second" "$f" \
	'(.leakers | length) == 1 and .leakers[0].pid == $leaker and .leakers[0].zombies == 3 and .leakers[0].oldest_age_ns > 1000 * $ms and .leakers[0].oldest_age_ns < ($linger + $tol) * $ms'
jq_check "stats (in-kernel): orphans" "$f" \
	'.orphans.per_reaper == [{pid: $init, comm: "rw-init", adopted: 3}] and .orphans.per_parent == [{pid: $leaker, comm: "rw-leaker", orphaned: 3}]'
jq_check "stats (in-kernel): no zombie left, none lost" "$f" '.zombies == [] and .lost == 0 and .reaps == 7'

# The kernel keeps its counters in a row per CPU, which user space sums:
# processes pinned in turn to the first and the last CPU exit there, and
# all of them count (8, and the namespace's sh, reaped by unshare).
last_cpu=$(($(nproc) - 1))
mkfifo "$tmp/go-cpus"
unshare --pid --fork sh -c 'read -r _ <"$1"; for c in $2 $3 $2 $3 $2 $3 $2 $3; do taskset -c "$c" true; done' \
	sh "$tmp/go-cpus" 0 "$last_cpu" &
pinned=$!
pinned_sh() { psh=$(first_child $pinned) && [ -n "$psh" ]; }
if wait_for 10 pinned_sh; then
	"$RW" stats --pidns "$(stat -L -c %i "/proc/$psh/ns/pid")" --json >"$tmp/cpus.json" 2>"$tmp/cpus.err" &
	cpus_stats=$!
	wait_for 20 grep -q 'aggregating in the kernel' "$tmp/cpus.err"
	echo go >"$tmp/go-cpus"
	wait $pinned
	kill -INT $cpus_stats
	wait $cpus_stats
	jq_check "stats (in-kernel): exits and reaps on CPUs 0 and $last_cpu all counted" "$tmp/cpus.json" \
		'.exits == 9 and .reaps == 9 and .lost == 0'
else
	fail "stats (in-kernel): exits and reaps on CPUs 0 and $last_cpu all counted" "no namespace started"
fi

# Text: the tables, and the leaker's row.
"$RW" report "$tmp/rec.rwr" >"$tmp/report.txt" 2>&1
check "report (text): the leaker's row" \
	grep -Eq "^$leaker +rw-leaker +3 +0 +1[56][0-9][0-9]\.[0-9]ms\$" "$tmp/report.txt"
check "report (text): init's row: 5 reaps, 3 adopted" \
	grep -Eq "^$init +rw-init +$ns +5 +3 " "$tmp/report.txt"
hist_total() { # the counts of the log2 rows add up to the 7 reaps
	[ "$(grep -E '^ +[0-9]+ -> [0-9]+ +: [0-9]+ +[|][*]* *[|]$' "$tmp/report.txt" |
		awk '{ n += $5 } END { print n }')" -eq 7 ]
}
check "report (text): the log2 histogram" hist_total
check "report -P: a histogram per reaper" \
	sh -c "'$RW' report -P '$tmp/rec.rwr' | grep -q '^reaper = $waiter rw-waiter'"

# SVG: valid (rsvg-convert renders it) and showing the scenario.
"$RW" report --svg "$tmp/r.svg" "$tmp/rec.rwr" >/dev/null 2>"$tmp/svg.err"
check "report --svg exits 0" [ $? -eq 0 ]
check "report --svg: rsvg-convert renders it" rsvg-convert -o "$tmp/r.png" "$tmp/r.svg"
check "report --svg: a PNG came out" sh -c "file '$tmp/r.png' 2>/dev/null | grep -q PNG || head -c 4 '$tmp/r.png' | grep -q PNG"
check "report --svg: 7 reaps drawn, 5 of them init's" sh -c \
	"grep -q 'data-reaps=\"7\"' '$tmp/r.svg' && grep -q 'data-reaper=\"$init\" data-reaps=\"5\"' '$tmp/r.svg'"
# 3 orphans-to-be and the waiter's child, then the leaker itself.
check "report --svg: the timeline peaks at 4 zombies" grep -q 'data-max-zombies="4"' "$tmp/r.svg"

"$RW" report --json "$tmp/killed.rwr" >"$tmp/killed.json" 2>"$tmp/killed-report.err"
check "report of a killed recorder's file exits 0" [ $? -eq 0 ]
check "report of a killed recorder's file: a warning" grep -q "no end record" "$tmp/killed-report.err"
jq_check "report of a killed recorder's file: the whole scenario" "$tmp/killed.json" \
	"$exact_reapers and ($exact_leakers) and ($exact_orphans)"

# --- zombies from before the start: found at once, leak at once ----------------
mkfifo "$tmp/go2"
"$B/tests/leaker" -n 3 -l 60000 -w 0 <"$tmp/go2" >"$tmp/scenario2" 2>&1 &
scenario2=$!
exec 3>"$tmp/go2"
wait_for 10 grep -q '^pidns ' "$tmp/scenario2"
ns2=$(sed -n 's/^pidns //p' "$tmp/scenario2")
echo go >&3
exec 3>&-
three() { [ "$(grep -c '^rw-lchild ' "$tmp/scenario2")" -eq 3 ]; }
zombies() {
	for p in $(sed -n 's/^rw-lchild //p' "$tmp/scenario2"); do
		[ "$(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null)" = Z ] || return 1
	done
}
if ! wait_for 10 three || ! wait_for 10 zombies; then
	fail "pre-existing zombies: scenario" "$(cat "$tmp/scenario2")"
else
	leaker=$(sed -n 's/^rw-leaker //p' "$tmp/scenario2")
	init2=$(sed -n 's/^rw-init //p' "$tmp/scenario2")
	kids=$(sed -n 's/^rw-lchild //p' "$tmp/scenario2" | sort -n | tr '\n' ',' | sed 's/,$//')
	"$RW" stats -E --pidns "$ns2" --json -d 1 >"$tmp/pre-events.json" 2>"$tmp/pre-events.err" &
	a=$!
	"$RW" stats --pidns "$ns2" --json -d 1 >"$tmp/pre-kernel.json" 2>"$tmp/pre-kernel.err" &
	b=$!
	"$RW" stats --pidns "$ns2" --json -i 1 -d 2 >"$tmp/pre-interval.json" 2>"$tmp/pre-int.err" &
	c=$!
	wait $a $b $c
	# Each zombie is as old as it really is, older than the tool's whole run.
	pre='(.zombies | map(.pid) | sort) == ['"$kids"'] and
		(.zombies | all(.parent == $leaker and .comm == "rw-lchild" and
			.parent_comm == "rw-leaker" and .age_known and .age_ns > 1000 * $ms)) and
		(. as $s | .zombies | all(.age_ns > ($s.end_ns - $s.start_ns))) and
		(.leakers | length) == 1 and .leakers[0].pid == $leaker and
		.leakers[0].zombies == 3 and .leakers[0].unreaped == 3'
	jq_check "pre-existing zombies found at start, aged, their parent leaks (-E)" \
		"$tmp/pre-events.json" "$pre"
	jq_check "pre-existing zombies found at start, aged, their parent leaks (in-kernel)" \
		"$tmp/pre-kernel.json" "$pre"
	check "stats -i 1 -d 2: one summary a second, then the end" \
		[ "$(jq -c '.zombies | length' "$tmp/pre-interval.json" | tr '\n' ' ')" = "3 3 " ]
	kill -KILL "$init2"
fi
wait "$scenario2"

# --- broken inputs: a clear error with the offset, exit 6 -----------------------
expect_rc() { # NAME WANT_RC PATTERN CMD...
	name=$1 want=$2 pat=$3; shift 3
	"$@" >"$tmp/out" 2>&1; rc=$?
	if [ "$rc" -ne "$want" ]; then fail "$name" "exit $rc, want $want: $(head -c 300 "$tmp/out")"
	elif ! grep -q -- "$pat" "$tmp/out"; then fail "$name" "no '$pat' in: $(head -c 300 "$tmp/out")"
	else ok "$name"; fi
}
size=$(wc -c <"$tmp/rec.rwr")
# The recording ends with a loss record (12 + 24 bytes) and the end (12 + 8).
head -c $((size - 20 - 4)) "$tmp/rec.rwr" >"$tmp/cut.rwr"
expect_rc "report: a truncated recording: exit 6, offset" 6 \
	"cut.rwr: offset $((size - 20 - 36)): truncated record (kind 3: 20 of 24 bytes)" \
	"$RW" report "$tmp/cut.rwr"
head -c $((size - 20)) "$tmp/rec.rwr" >"$tmp/killed.rwr"
expect_rc "report: a killed recorder's file (no end): a warning, exit 0" 0 \
	"no end record: the recorder did not stop cleanly" "$RW" report "$tmp/killed.rwr"
cp "$tmp/rec.rwr" "$tmp/bad.rwr"
printf 'X' | dd of="$tmp/bad.rwr" bs=1 seek=200 conv=notrunc 2>/dev/null
expect_rc "report: a corrupted byte: exit 6, checksum and offset" 6 \
	"bad.rwr: offset [0-9]*: checksum mismatch" "$RW" report "$tmp/bad.rwr"
head -c 50 "$tmp/rec.rwr" >"$tmp/hdr.rwr"
expect_rc "report: a truncated header: exit 6" 6 "offset 50: truncated header" \
	"$RW" report "$tmp/hdr.rwr"
head -c 4000 /dev/urandom | tr '{' x >"$tmp/noise"
expect_rc "report: not a recording: exit 6" 6 "neither a reapwatch recording" "$RW" report "$tmp/noise"
printf '{"type":"exit","ts_ns":1}\n' >"$tmp/bad.jsonl"
expect_rc "report: a bad trace line: exit 6, line and field" 6 \
	'offset 0 (line 1): field "pid"' "$RW" report "$tmp/bad.jsonl"
expect_rc "report: a missing file: exit 6" 6 "No such file" "$RW" report "$tmp/nonexistent"
expect_rc "report without a file: usage, exit 2" 2 "report needs a FILE" "$RW" report
expect_rc "record without -o: usage, exit 2" 2 "record needs -o FILE" "$RW" record -d 1
expect_rc "stats --svg: usage, exit 2" 2 "'svg' does not apply" "$RW" stats --svg x.svg
expect_rc "bad --leak-after: usage, exit 2" 2 "invalid --leak-after" "$RW" stats --leak-after 1.2.3
expect_rc "--help documents exit code 6" 0 "6 report: bad input" "$RW" --help
