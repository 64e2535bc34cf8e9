# Helpers for shell test files: source this, then call ok/fail/skip per case.
# shellcheck shell=sh
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${RW_BUILD:-$TOP/build}	# RW_BUILD: test another build (e.g. build/asan)

ok() { echo "ok - $1"; }
fail() { echo "not ok - $1: $2"; }
skip() { echo "ok - $1 # SKIP $2"; }

# check NAME CMD...: one case that passes when CMD succeeds.
check() {
	name=$1; shift
	if out=$("$@" 2>&1); then ok "$name"; else fail "$name" "$(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"; fi
}

# t NAME FN: one case whose steps are a shell function; FN runs in this
# shell and says why it failed with `no WHY...`. The log gets each case's time.
t() {
	WHY=''
	t0=$(date +%s%N)
	if "$2"; then ok "$1"; else fail "$1" "${WHY:-$2 failed}"; fi
	echo "# $2: $((($(date +%s%N) - t0) / 1000000)) ms"
}
no() { WHY=$*; return 1; }

# wait_for SECONDS CMD...: poll CMD every 10 ms until it succeeds or the deadline passes.
wait_for() {
	deadline=$(($(date +%s%N) + $1 * 1000000000)); shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -ge "$deadline" ] && return 1
		sleep 0.01
	done
}

need_root() { [ "$(id -u)" -eq 0 ]; }

# first_child PID: the pid of PID's first child, if any
first_child() { awk '{ print $1 }' "/proc/$1/task/$1/children" 2>/dev/null; }
