#!/bin/sh
# Run every test file (tests/test_*.sh) and print one summary line.
#
# A test file prints one line per case, TAP style:
#   ok - name            passed
#   not ok - name: why   failed
#   ok - name # SKIP why skipped (only where it truly cannot run)
# A file that exits non-zero without printing a failure counts as one failure.
#
#   tests/run.sh [PATTERN]   only files whose name contains PATTERN
#   TEST_TIMEOUT=SECONDS     per file (default 900)
cd "$(dirname "$0")/.." || exit 2
pattern=${1:-}
timeout_s=${TEST_TIMEOUT:-900}
logdir=build/test-logs
mkdir -p "$logdir"

passed=0 failed=0 skipped=0
for t in tests/test_*.sh; do
	case "$t" in *"$pattern"*) ;; *) continue ;; esac
	name=$(basename "$t" .sh)
	log="$logdir/$name.log"
	echo "# $name"
	timeout -k 10 "$timeout_s" sh "$t" >"$log" 2>&1
	rc=$?
	grep -E '^(not )?ok ' "$log" | sed 's/^/  /'
	p=$(grep -E '^ok ' "$log" | grep -vc '# SKIP')
	s=$(grep -E '^ok .*# SKIP' "$log" | grep -c .)
	f=$(grep -cE '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "  not ok - $name exited $rc (log: $log)"
		f=1
	fi
	[ "$f" -gt 0 ] && { echo "  --- last lines of $log:"; tail -n 15 "$log" | sed 's/^/  | /'; }
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
