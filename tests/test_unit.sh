#!/bin/sh
# Unit tests (tests/unit/): histograms, percentiles, leak rules, the
# recording format and the JSON-lines reader, on fixed inputs. No BPF.
# Then the fuzz target of report's readers (tests/fuzz/): its seed corpus,
# and a short run.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap '[ -n "$KEEP" ] || rm -rf "$tmp"' EXIT

if [ ! -x "$B/tests/unit" ]; then
	fail "unit tests" "$B/tests/unit is not built (make test-progs)"
	exit 1
fi
# The binary prints its own ok/not ok lines.
"$B/tests/unit"

fz=$B/tests/fuzz_source
if [ ! -x "$fz" ]; then
	fail "fuzz target" "$fz is not built (make test-progs; needs clang's libFuzzer)"
	exit 1
fi
check "fuzz: the seed corpus reads without a finding" \
	"$fz" -runs=0 "$TOP/tests/fuzz/corpus"
# A finding is kept in $B/fuzz-findings/ (as tests/test_fuzz.sh does).
mkdir "$tmp/corpus" && mkdir -p "$B/fuzz-findings"
check "fuzz: ${FUZZ_SECONDS:-10} s from the seeds without a finding" \
	"$fz" -max_total_time="${FUZZ_SECONDS:-10}" -max_len=65536 -rss_limit_mb=1024 -timeout=10 \
	-artifact_prefix="$B/fuzz-findings/source-" "$tmp/corpus" "$TOP/tests/fuzz/corpus"
