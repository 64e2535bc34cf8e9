#!/bin/sh
# make lint (issue 8): cppcheck and clang-tidy report nothing on the C of user
# space, the tests and the BPF program, with the committed configuration
# (.cppcheck-suppressions, .clang-tidy), and every exclusion says why.
# Builds in its own directory ($B/lint-build) so that it never touches the
# skeleton header another build is using.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap '[ -n "$KEEP" ] || rm -rf "$tmp"' EXIT
cd "$TOP" || exit 1

for tool in cppcheck clang-tidy; do
	if ! command -v $tool >/dev/null; then
		fail "lint" "$tool is missing (sh scripts/deps.sh test)"
		exit 1
	fi
done
out=$B/lint-build
jobs=$(nproc 2>/dev/null || echo 2)

# verdict NAME WHAT: ok when WHAT is empty.
verdict() { if [ -z "$2" ]; then ok "$1"; else fail "$1" "$2"; fi; }

# lint_case NAME TARGET: make TARGET must succeed and print no finding.
lint_case() {
	if make --no-print-directory -k -j"$jobs" OUTPUT="$out" "$2" >"$tmp/$2" 2>&1; then
		ok "$1"
	else
		# the findings, then make's summary, for the log
		grep -v '^  [A-Z]' "$tmp/$2"
		fail "$1" "$(grep -cE '^[^ ]+:[0-9]+:([0-9]+:)? (error|warning|style|performance|portability)' \
			"$tmp/$2") findings, listed above"
	fi
}
lint_case "cppcheck reports nothing ($(cppcheck --version))" lint-cppcheck
lint_case "clang-tidy reports nothing ($(clang-tidy --version | sed -n 's/.*version /clang-tidy /p'))" lint-tidy

# Every suppression line of cppcheck's list comes after a comment that
# explains it (a blank line ends an explanation).
t="every cppcheck suppression is explained"
bad=$(awk '/^#/ { why = 1; next } /^$/ { why = 0; next } !why { print FILENAME ":" FNR ": " $0 }' \
	.cppcheck-suppressions)
verdict "$t" "$bad"

# Every check .clang-tidy turns off is named in its comments.
t="every check .clang-tidy turns off is explained"
bad=""
for c in $(sed -n 's/^ *-\([a-z][a-zA-Z0-9.-]*\),\{0,1\}$/\1/p' .clang-tidy | tr '\n' ' '); do
	grep -q "^#.* $c " .clang-tidy || bad="$bad $c"
done
verdict "$t" "${bad:+not explained:$bad}"

# An inline exclusion names its check and gives a reason after it.
t="every NOLINT and cppcheck-suppress names its check and a reason"
bad=$(grep -rnE 'NOLINT|cppcheck-suppress' user tests/unit tests/progs tests/bpf tests/fuzz bpf \
	--include='*.c' --include='*.h' |
	grep -vE 'NOLINT(NEXTLINE|BEGIN)?\([a-z][a-zA-Z0-9.,-]*\): [^ ]|NOLINTEND\(|cppcheck-suppress [a-zA-Z]+: [^ ]')
verdict "$t" "$bad"
