#!/bin/sh
# reapwatch core (issue 3): the BPF scenario suite on the real kernel, then
# the command line: output formats, filters, exit codes, privilege drop.
. "$(dirname "$0")/lib.sh"
RW=$B/reapwatch
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; [ -n "$KEEP" ] || rm -rf "$tmp"' EXIT

if ! need_root; then
	skip "reapwatch" "needs root to load BPF programs"
	exit 0
fi

# The scenarios print their own ok/not ok lines.
"$B/tests/bpf_scenarios" "$B/pause" 2>"$tmp/scenarios.err" || cat "$tmp/scenarios.err" >&2

# --- command line -------------------------------------------------------------
expect_rc() { # NAME WANT_RC PATTERN CMD...
	name=$1 want=$2 pat=$3; shift 3
	"$@" >"$tmp/out" 2>&1; rc=$?
	if [ "$rc" -ne "$want" ]; then fail "$name" "exit $rc, want $want: $(head -c 300 "$tmp/out")"
	elif ! grep -q -- "$pat" "$tmp/out"; then fail "$name" "no '$pat' in: $(head -c 300 "$tmp/out")"
	else ok "$name"; fi
}
expect_rc "unknown option: usage, exit 2" 2 "Usage:" "$RW" --bogus
expect_rc "bad pid: exit 2" 2 "invalid PID 'abc'" "$RW" -p abc
expect_rc "ring buffer not a power of two: exit 2" 2 "power of two" "$RW" -b 5000
expect_rc "unknown command: exit 2" 2 "unknown command 'frobnicate'" "$RW" frobnicate
expect_rc "named v1 cgroup hierarchy refused: exit 2" 2 "without a controller" \
	"$RW" --cgroup /sys/fs/cgroup/systemd
expect_rc "--help: exit 0" 0 "EXAMPLES:" "$RW" --help
expect_rc "unprivileged: exit 3 naming the capabilities" 3 "CAP_BPF and CAP_PERFMON" \
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all "$RW" -d 1
expect_rc "no kernel BTF: exit 4" 4 "no BTF" \
	unshare -m sh -c "mount -t tmpfs none /sys/kernel/btf && exec $RW -d 1"
expect_rc "tracefs unmounted: mounted privately, runs" 0 "events, 0 lost" \
	unshare -m sh -c "umount -l /sys/kernel/tracing 2>/dev/null; umount -l /sys/kernel/debug 2>/dev/null; exec $RW -d 1"

# --- a live trace, filtered to one shell, as JSON ------------------------------
mkfifo "$tmp/fifo"
sh -c 'read go <"$0"; sh -c "exit 3"; sh -c "kill -9 \$\$"; sh -c "sleep 0.05 & exit 0"' "$tmp/fifo" &
target=$!
"$RW" --json -v -p "$target" >"$tmp/trace.json" 2>"$tmp/trace.err" &
rw=$!
if wait_for 10 grep -q "reaps seen at" "$tmp/trace.err"; then
	ok "attaches and says which reap hook it chose (-v)"
else
	fail "attaches and says which reap hook it chose (-v)" "$(cat "$tmp/trace.err")"
fi
capeff=$(awk '/^CapEff/ {print $2}' /proc/$rw/status)
[ "$capeff" = "0000000000000000" ] && ok "drops every capability after attaching" ||
	fail "drops every capability after attaching" "CapEff=$capeff"
echo go >"$tmp/fifo"
wait "$target"
# three children: an exit and a reap each; then the target's own exit and reap
wait_for 5 sh -c "[ \$(grep -c '\"pid\":$target,' '$tmp/trace.json') -ge 2 ]"
kill -INT "$rw"; wait "$rw"; rc=$?
[ "$rc" -eq 0 ] && ok "SIGINT: clean exit 0" || fail "SIGINT: clean exit 0" "exit $rc"

python3 - "$tmp/trace.json" "$target" <<'PY' && ok "JSON events: fields, exit codes, signals, -p filter, lost" || fail "JSON events" "see log"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
t = int(sys.argv[2])
common = {"type", "ts_ns", "time", "pid", "nspid", "comm", "pidns"}
for e in lines:
    missing = common - e.keys()
    assert not missing or e["type"] == "lost", (e, missing)
exits = [e for e in lines if e["type"] == "exit" and e["ppid"] == t]
codes = sorted((e["exit_code"], e["signal"]) for e in exits)
assert (3, 0) in codes and (0, 9) in codes, codes
for e in exits:
    assert {"exit_code", "signal", "core_dumped", "lifetime_ns"} <= e.keys(), e
reaps = [e for e in lines if e["type"] == "reap" and e["reaper_pid"] == t]
assert len(reaps) == len(exits) and all(r["via"] == "wait4" for r in reaps), (reaps, exits)
assert len(exits) == 3, exits
# the orphaned grandchild involves neither the target nor its reaper: filtered out
assert not [e for e in lines if e["type"] == "orphan"], lines
assert all(t in (e["pid"], e.get("ppid"), e.get("reaper_pid")) for e in lines[:-1]), lines
assert lines[-1]["type"] == "lost" and lines[-1]["count"] == 0, lines[-1]
assert lines[0]["time"].endswith("Z") and "T" in lines[0]["time"]
PY

# --- duration, and text columns ------------------------------------------------
"$RW" -d 1 >"$tmp/text" 2>&1; rc=$?
[ "$rc" -eq 0 ] && head -n1 "$tmp/text" | grep -q "^TIME *EVENT *PID *COMM *PPID *DETAILS" &&
	ok "-d 1: stops by itself, exit 0, column header" ||
	fail "-d 1: stops by itself, exit 0, column header" "exit $rc: $(head -n 2 "$tmp/text")"

# --- a parent with more children than one walk reports ---------------------------
# tests/progs/orphans 4200 leaves 4201 children (4200 and a keeper) to be
# reparented at once: the first 4096 are reported, the other 105 counted.
t="a parent with over 4096 children: 4096 orphan events, 105 counted unreported"
mkfifo "$tmp/fifo2"
sh -c 'read go <"$0"; exec "$1" 4200' "$tmp/fifo2" "$B/tests/orphans" &
big=$!
"$RW" --json -v -p "$big" >"$tmp/big.json" 2>"$tmp/big.err" &
rw=$!
if ! wait_for 10 grep -q "reaps seen at" "$tmp/big.err"; then
	fail "$t" "did not attach: $(cat "$tmp/big.err")"
	echo x >"$tmp/fifo2"
	kill -INT "$rw"
else
	echo go >"$tmp/fifo2"
	wait "$big"
	wait_for 20 sh -c "[ \$(grep -c '\"type\":\"orphan\"' '$tmp/big.json') -ge 4096 ]"
	kill -INT "$rw"
	wait "$rw"
	n=$(grep '"type":"orphan"' "$tmp/big.json" | grep -c "\"old_ppid\":$big,")
	if [ "$n" -eq 4096 ] && grep -q ", 105 orphans unreported" "$tmp/big.err"; then
		ok "$t"
	else
		fail "$t" "$n orphan events; $(tail -n 1 "$tmp/big.err")"
	fi
fi
