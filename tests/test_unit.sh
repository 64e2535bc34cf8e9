#!/bin/sh
# Unit tests (tests/unit/): histograms, percentiles, leak rules, the
# recording format and the JSON-lines reader, on fixed inputs. No BPF.
. "$(dirname "$0")/lib.sh"

if [ ! -x "$B/tests/unit" ]; then
	fail "unit tests" "$B/tests/unit is not built (make test-progs)"
	exit 1
fi
# The binary prints its own ok/not ok lines.
"$B/tests/unit"
