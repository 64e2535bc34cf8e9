#!/bin/sh
# The test suite under AddressSanitizer (with LeakSanitizer) and
# UndefinedBehaviorSanitizer (issue 8). Builds everything into its own
# directory ($TOP/build/asan, or RW_ASAN_BUILD) with
#   EXTRA_CFLAGS='-fsanitize=address,undefined -fno-omit-frame-pointer
#                 -fno-sanitize-recover=all'
# (reapwatch and pause link dynamically there, see STATIC and PAUSE_CC in the
# Makefile; the scenario programs of tests/progs are built plain, as
# LeakSanitizer's exit-time check is a process of its own that the scenarios
# would count), then runs test files against that build (RW_BUILD) and repeats
# their lines as "asan: FILE: ...". Every sanitizer report is written to a
# file (log_path), so one is caught even where a test swallows stderr: each
# file also passes only when its run left no report.
#
#   RW_SANITIZE_SUITES="unit reapwatch ..."   the test files to run (without
#       test_ and .sh); default "all": every file whose binaries can be
#       sanitized, about 2.5 minutes on a quiet machine.
# Cases that measure the binary itself (static, size, memory, system calls)
# are reported as skipped under sanitizers: they hold for the real build.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap '[ -n "$KEEP" ] || rm -rf "$tmp"' EXIT
cd "$TOP" || exit 1

asan=${RW_ASAN_BUILD:-$TOP/build/asan}
suites=${RW_SANITIZE_SUITES:-all}
if [ "$suites" = all ]; then
	# Not: this file; lint and fuzz (sources, and fuzzers that are always
	# sanitized); pod and kernels (static binaries in images and guests).
	suites=$(for f in tests/test_*.sh; do basename "$f" .sh; done |
		sed 's/^test_//' | grep -vxE 'sanitize|lint|fuzz|pod|kernels')
fi
# not_applicable FILE "CASE: WHY": a failure that measures the binary or its
# speed, not its behaviour (ASan's exit-time leak check takes its time).
not_applicable() {
	case "$1:$2" in
	pause:static_and_small:* | pause:pid1_idle_budget:* | pause:syscalls_to_idle:*) return 0 ;;
	"pause:pid1_sigterm_immediate_by_default: took "*) return 0 ;;
	esac
	return 1
}
# tolerated FILE REPORT: a report that is no finding. pause's syscalls_to_idle
# runs pause under strace, where LeakSanitizer cannot stop the world.
tolerated() {
	[ "$1" = pause ] && ! grep -qv -e 'LeakSanitizer has encountered a fatal error' \
		-e 'HINT: For debugging' -e 'HINT: LeakSanitizer does not work under ptrace' "$2"
}

t="asan: build with -fsanitize=address,undefined"
if ! make --no-print-directory -j"$(nproc 2>/dev/null || echo 2)" OUTPUT="$asan" \
	EXTRA_CFLAGS='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
	all test-progs >"$tmp/build.log" 2>&1; then
	tail -n 30 "$tmp/build.log"
	fail "$t" "make failed (above)"
	exit 1
fi
missing=""
for bin in reapwatch pause tests/bpf_scenarios tests/unit; do
	nm -D "$asan/$bin" 2>/dev/null | grep -q ' U __asan_init' &&
		nm -D "$asan/$bin" | grep -q ' U __ubsan_handle_' || missing="$missing $bin"
done
# The scenario programs are built plain (see the Makefile): LeakSanitizer's
# exit-time check would add a process to each tree a scenario counts.
extra=""
for bin in "$asan"/tests/*; do
	case "$bin" in */bpf_scenarios | */unit | */fuzz_*) continue ;; esac
	nm -D "$bin" 2>/dev/null | grep -q ' U __asan_init' && extra="$extra ${bin#"$asan"/}"
done
if [ -n "$missing" ] || [ -n "$extra" ]; then
	fail "$t" "not instrumented:${missing:- none}; instrumented scenario programs:${extra:- none}"
	exit 1
fi
ok "$t"

reports=$asan/reports
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:log_path=$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
for s in $suites; do
	if [ ! -f "tests/test_$s.sh" ]; then
		fail "asan: $s" "no tests/test_$s.sh"
		continue
	fi
	rm -rf "$reports"
	# world-writable: tests run our binaries as other users too
	mkdir -p "$reports" && chmod 1777 "$reports"
	RW_BUILD=$asan FUZZ_SECONDS=2 sh "tests/test_$s.sh" >"$tmp/$s.log" 2>&1
	rc=$?
	cp "$tmp/$s.log" "$asan/test_$s.log"
	nfail=0
	while IFS= read -r line; do
		case "$line" in
		"ok - "*) echo "ok - asan: $s: ${line#ok - }" ;;
		"not ok - "*)
			name=${line#not ok - }
			if not_applicable "$s" "$name"; then
				skip "asan: $s: ${name%%:*}" "not meaningful under sanitizers: ${name#*: }"
			else
				echo "not ok - asan: $s: $name"
				nfail=$((nfail + 1))
			fi
			;;
		esac
	done <"$tmp/$s.log"
	if [ "$rc" -ne 0 ] && [ "$nfail" -eq 0 ] && ! grep -q '^not ok' "$tmp/$s.log"; then
		fail "asan: $s" "exited $rc (log: $asan/test_$s.log)"
	fi
	t="asan: $s: no sanitizer report"
	for r in "$reports"/*; do
		[ -f "$r" ] && tolerated "$s" "$r" && rm "$r"
	done
	if [ -n "$(ls -A "$reports")" ]; then
		mkdir -p "$asan/reports-$s" && cp "$reports"/* "$asan/reports-$s/"
		for r in "$reports"/*; do
			echo "--- $r"
			head -n 40 "$r"
		done
		fail "$t" "$(find "$reports" -type f | wc -l) reports (in $asan/reports-$s): $(grep -h -m1 -E 'SUMMARY|ERROR|runtime error' "$reports"/* | head -n 3 | tr '\n' ' ')"
	else
		ok "$t"
	fi
done
