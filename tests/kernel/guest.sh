#!/bin/sh
# Runs inside the test guest (started by /init, from /rw): the suites, one
# section each. Lines on stdout, which /init sends to the results port:
#
#   # kernel RELEASE            uname -r
#   # hook MODE                 exact | tracepoints: what `reapwatch -v` chose
#   # section NAME              the lines up to the next section are NAME's
#   ok - ... / not ok - ...     a suite's own lines, unchanged
#   ev {...}                    a reapwatch JSON event (events-* sections)
#   # seconds N                 how long the section took
#   # guest done
#
# RW_SUITES (from the kernel command line) picks sections, comma-separated:
# any of scenarios,events,pause (default: all three).
cd /rw || exit 1
suites=$(echo "${RW_SUITES:-scenarios,events,pause}" | tr , " ")
uptime() { cut -d' ' -f1 /proc/uptime; }
section() {
	echo "# section $1"
	t0=$(uptime)
}
took() { echo "# seconds $(awk -v a="$t0" -v b="$(uptime)" 'BEGIN { printf "%.1f", b - a }')"; }

echo "# kernel $(uname -r)"
echo "# boot-seconds $(uptime)"
echo "# btf $(stat -c %s /sys/kernel/btf/vmlinux 2>/dev/null || echo none)"

# Which reap hook reapwatch picks by itself, and that --no-exact is obeyed.
for mode in default no-exact; do
	opt=""
	[ "$mode" = no-exact ] && opt=--no-exact
	build/reapwatch -v -d 1 $opt >/dev/null 2>/tmp/hook.$mode
	rc=$?
	line=$(grep 'reaps seen at' /tmp/hook.$mode)
	case $line in
	*fentry/release_task*) hook=exact ;;
	*tracepoints*) hook=tracepoints ;;
	*) hook="none (exit $rc)" ;;
	esac
	echo "# hook${opt:+-$mode} $hook"
	echo "# hook${opt:+-$mode}-line $line"
	# libbpf's complaints, if any, for the console log (6.1's verifier, attach)
	grep -iE 'fail|error|warn|refus|invalid' /tmp/hook.$mode | sed "s/^/reapwatch -v $opt: /" >&2
	[ "$hook" = exact ] || [ "$hook" = tracepoints ] || {
		echo "--- reapwatch -v $opt:" >&2
		cat /tmp/hook.$mode >&2
	}
done

# The scenarios allow 10 ms for a blocked waiter's wake-up on the host. Here the
# one vCPU is a host thread that the host may deschedule: a wake-up took 11.4 ms
# once in CI. The events and reapers are checked exactly all the same.
export RW_WAKEUP_MS=50

for s in $suites; do
	case $s in
	scenarios)
		section scenarios-exact
		build/tests/bpf_scenarios build/pause
		took
		section scenarios-tracepoints
		RW_NO_EXACT=1 build/tests/bpf_scenarios build/pause
		took
		;;
	events)
		section events-exact
		sh tests/kernel/workload.sh build/reapwatch | sed 's/^/ev /'
		took
		section events-tracepoints
		sh tests/kernel/workload.sh build/reapwatch --no-exact | sed 's/^/ev /'
		took
		;;
	pause)
		section pause
		if [ -f tests/test_pause.sh ]; then
			timeout -k 5 300 sh tests/test_pause.sh
		else
			echo "ok - pause suite # SKIP tests/test_pause.sh not in the initramfs"
		fi
		took
		;;
	esac
done
echo "# guest done"
