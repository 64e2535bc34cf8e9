#!/bin/sh
# The libFuzzer targets of untrusted input (issue 8), briefly: each replays
# its committed seed corpus, then fuzzes FUZZ_SECONDS (default 10) from it.
#   fuzz_cgroup  the cgroup-path parsers (attrib.c, cgroup_filter.c)
#   fuzz_cli     reapwatch's command line
# fuzz_source (report's readers: recordings and JSON lines) runs the same way
# in tests/test_unit.sh. A finding leaves its input in $B/fuzz-findings/;
# replay it with `$B/tests/fuzz_NAME FILE`. Longer runs: docs/hardening.md.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap '[ -n "$KEEP" ] || rm -rf "$tmp"' EXIT
secs=${FUZZ_SECONDS:-10}
findings=$B/fuzz-findings

for name in cgroup cli; do
	fz=$B/tests/fuzz_$name
	corpus=$TOP/tests/fuzz/corpus-$name
	if [ ! -x "$fz" ]; then
		fail "fuzz_$name" "$fz is not built (make test-progs; needs clang's libFuzzer)"
		continue
	fi
	seeds=$(find "$corpus" -type f | wc -l)
	if [ "$seeds" -lt 10 ]; then
		fail "fuzz_$name: seed corpus" "$seeds seeds in $corpus"
		continue
	fi
	mkdir -p "$findings"
	dict=""
	[ -f "$TOP/tests/fuzz/$name.dict" ] && dict="-dict=$TOP/tests/fuzz/$name.dict"

	# run NAME ARGS...: the target with ARGS; ok with its run count, or the finding.
	run() {
		t=$1; shift
		# shellcheck disable=SC2086 # $dict is one word or none
		if "$fz" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$findings/$name-" $dict \
			"$@" >"$tmp/$name.log" 2>&1; then
			ok "$t ($(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$tmp/$name.log") runs)"
		else
			tail -n 40 "$tmp/$name.log"
			fail "$t" "$(grep -m1 -E 'ERROR|runtime error|deadly signal|Test unit written' \
				"$tmp/$name.log")"
		fi
	}
	run "fuzz_$name: the $seeds seeds read without a finding" -runs=0 "$corpus"
	mkdir -p "$tmp/new-$name"
	run "fuzz_$name: $secs s from the seeds without a finding" -max_total_time="$secs" \
		-max_len=8192 "$tmp/new-$name" "$corpus"
done
