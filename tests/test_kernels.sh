#!/bin/sh
# A second kernel (issue 8): Debian 12's stock 6.1 cloud kernel, booted under
# qemu (TCG) with an initramfs holding the static pause, reapwatch and
# scenario programs, runs the BPF scenario suite (with the exact-reap hook and
# with the tracepoint design), a fixed traced workload, and the pause suite.
# The guest's lines come back prefixed "[6.1 ...]" and count in the totals.
# Then: the guest picked fentry/release_task, the host the tracepoints, and
# host and guest agree on every scenario and on the workload's events.
#
#   sh tests/run.sh kernels     (make all test-progs first; or make test-kernels)
#   KERNEL_IMAGE=/path/vmlinuz  boot that kernel instead of fetching Debian's 6.1
#   KERNELS_HOST_HOOK=exact     on a host whose kernel allows fentry
#   KEEP=1                      keep the temporary files
# More knobs (timeout, suites, CPUs): tests/kernel/boot.sh; docs/kernels.md.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
K=$TOP/build/kernel
tmp=$(mktemp -d)
run=""	# this run's guest files: concurrent runs share only the kernel cache
cleanup() {
	[ -n "${KEEP:-}" ] && return
	rm -rf "$tmp"
	[ -n "$run" ] && rm -rf "$run/root" "$run/initramfs.cpio"
}
trap cleanup EXIT

if ! need_root; then
	skip "kernels" "needs root (BPF on the host)"
	exit 0
fi
missing=""
for t in qemu-system-x86_64 cpio busybox; do
	command -v "$t" >/dev/null || missing="$missing $t"
done
if [ -n "$missing" ]; then
	fail "kernels" "missing:$missing (make deps-test installs qemu-system-x86, cpio, busybox-static)"
	exit 1
fi
for f in pause reapwatch tests/bpf_scenarios tests/orphans; do
	[ -x "$B/$f" ] || { fail "kernels" "build/$f is not built: make all test-progs"; exit 1; }
done

# --- the kernel and the initramfs -------------------------------------------------
if [ -n "${KERNEL_IMAGE:-}" ]; then
	vmlinuz=$KERNEL_IMAGE
else
	vmlinuz=$(sh "$TOP/tests/kernel/fetch.sh" "$K" 2>"$tmp/fetch.err")
	rc=$?
	if [ "$rc" -eq 3 ]; then
		skip "kernels" "no Debian 6.1 kernel package reachable: $(tail -n 1 "$tmp/fetch.err")"
		exit 0
	elif [ "$rc" -ne 0 ] || [ ! -s "$vmlinuz" ]; then
		fail "kernels: fetch the 6.1 kernel" "exit $rc: $(tail -n 3 "$tmp/fetch.err" | tr '\n' ' ')"
		exit 1
	fi
fi
echo "# kernel image: $vmlinuz"
run=$(mktemp -d "$K/run.XXXXXX")
if ! sh "$TOP/tests/kernel/mkinitramfs.sh" "$run/initramfs.cpio" 2>"$tmp/mkinitramfs.err"; then
	fail "kernels: build the initramfs" "$(tail -n 3 "$tmp/mkinitramfs.err" | tr '\n' ' ')"
	exit 1
fi
cat "$tmp/mkinitramfs.err"

# --- the host's side, while nothing else runs -------------------------------------
"$B/reapwatch" -v -d 1 >/dev/null 2>"$tmp/host-hook.err"
host_line=$(grep 'reaps seen at' "$tmp/host-hook.err")
case $host_line in
*fentry/release_task*) host_hook=exact ;;
*tracepoints*) host_hook=tracepoints ;;
*) host_hook="none: $(tail -n 2 "$tmp/host-hook.err" | tr '\n' ' ')" ;;
esac
"$B/tests/bpf_scenarios" "$B/pause" >"$tmp/host-scenarios" 2>"$tmp/host-scenarios.err"
sh "$TOP/tests/kernel/workload.sh" "$B/reapwatch" >"$tmp/host-events" 2>"$tmp/host-events.err"

# --- the guest --------------------------------------------------------------------
t0=$(date +%s)
sh "$TOP/tests/kernel/boot.sh" "$vmlinuz" "$run/initramfs.cpio" "$run"
qrc=$?
secs=$(($(date +%s) - t0))
tr -d '\r' <"$run/results.txt" >"$tmp/guest"
# The logs of the latest run stay in build/kernel/last.
rm -rf "$run/root" "$run/initramfs.cpio" "$K/last"
mv "$run" "$K/last" && run=$K/last
release=$(sed -n 's/^# kernel //p' "$tmp/guest")
v=$(echo "${release:-guest}" | cut -d. -f1,2)
echo "# guest: $release, qemu exit $qrc after $secs s (logs: $run)"
grep -E '^# (boot-seconds|section|seconds|btf)' "$tmp/guest"

# The guest's own lines, tagged by section.
awk -v v="$v" '
	/^# section / { s = $3; tag = s == "scenarios-exact" ? "exact" : s == "scenarios-tracepoints" ? "tracepoints" : s; next }
	/^(not )?ok - / && tag != "" { i = index($0, " - "); print substr($0, 1, i + 2) "[" v " " tag "] " substr($0, i + 3) }
' "$tmp/guest"

t="$v guest: booted, ran every suite and powered off"
if [ "$qrc" -eq 0 ] && grep -q '^# guest done' "$tmp/guest"; then
	ok "$t ($secs s)"
else
	fail "$t" "qemu exit $qrc after $secs s (124: timeout), $(grep -c 'CPU Reset' "$run/qemu.log") CPU resets \
(2 at boot); console: $(tail -n 5 "$run/console.log" | tr -d '\r' | tr '\n' ' ')"
fi

# --- which reap hook where ----------------------------------------------------------
hook() { sed -n "s/^# $1 //p" "$tmp/guest"; }
t="$v guest: reapwatch picks fentry/release_task (exact)"
if [ "$(hook hook)" = exact ]; then ok "$t"; else fail "$t" "got '$(hook hook)': $(hook hook-line)"; fi
t="$v guest: --no-exact picks the wait4/waitid tracepoints"
if [ "$(hook hook-no-exact)" = tracepoints ]; then ok "$t"; else fail "$t" "got '$(hook hook-no-exact)'"; fi
want=${KERNELS_HOST_HOOK:-tracepoints}
t="host $(uname -r): reapwatch picks the $want"
if [ "$host_hook" = "$want" ]; then
	ok "$t"
elif [ "$host_hook" = exact ]; then
	fail "$t" "this host accepts fentry/release_task (the project's machines refuse it): KERNELS_HOST_HOOK=exact"
else
	fail "$t" "got $host_hook"
fi

# --- the same scenarios pass everywhere ----------------------------------------------
# passing NAME-FILE: the names of the passing scenarios, details removed.
names() { sed -n 's/^ok - //p' | grep -v '# SKIP' | sed 's/ (.*)$//' | sort; }
failing() { grep '^not ok - ' | sed 's/^not ok - //; s/:.*//' | sort -u | tr '\n' ';'; }
section() { awk -v s="$1" '/^# section / { on = $3 == s; next } on' "$tmp/guest"; }
section scenarios-exact >"$tmp/g-exact"
section scenarios-tracepoints >"$tmp/g-tp"
names <"$tmp/host-scenarios" >"$tmp/n-host"
names <"$tmp/g-exact" >"$tmp/n-exact"
names <"$tmp/g-tp" >"$tmp/n-tp"
n=$(grep -c . "$tmp/n-host")
t="scenarios agree: host $host_hook, $v exact, $v tracepoints"
if [ "$n" -lt 10 ]; then
	fail "$t" "only $n scenarios passed on the host; failing: $(failing <"$tmp/host-scenarios")"
elif ! cmp -s "$tmp/n-host" "$tmp/n-exact" || ! cmp -s "$tmp/n-host" "$tmp/n-tp"; then
	# The failures' reasons and event dumps, for the log (the verdict keeps names only).
	for f in host-scenarios g-exact g-tp; do
		grep -A 12 '^not ok - ' "$tmp/$f" | sed "s/^/# $f: /"
	done
	fail "$t" "host fails: $(failing <"$tmp/host-scenarios") $v exact fails: $(failing <"$tmp/g-exact") \
$v tracepoints fails: $(failing <"$tmp/g-tp") missing: $(cat "$tmp/n-host" "$tmp/n-exact" "$tmp/n-tp" |
		sort | uniq -c | awk '$1 < 3 { $1 = ""; print }' | tr '\n' ';')"
else
	ok "$t ($n scenarios pass on all three)"
fi

# --- the same events for the same workload -------------------------------------------
# One line per event, without times and global pids: processes are named by
# their pid in the workload's namespace (the same on every kernel), a parent
# or reaper outside it by its comm.
normalize() {
	sed -n 's/^ev //; /^{/p' | awk '
	function get(k,   m) {
		if (!match($0, "\"" k "\":(\"[^\"]*\"|[^,}]*)")) return ""
		m = substr($0, RSTART + length(k) + 3, RLENGTH - length(k) - 3)
		gsub(/"/, "", m)
		return m
	}
	function who(pid, comm) { return (pid in ns ? ns[pid] : "out") "/" comm }
	{ n++; line[n] = $0; ns[get("pid")] = get("nspid") }
	END {
		for (i = 1; i <= n; i++) {
			$0 = line[i]
			t = get("type"); me = get("nspid") "/" get("comm")
			if (t == "exit")
				print "exit", me, "parent=" who(get("ppid"), get("parent_comm")), "code=" get("exit_code"), "signal=" get("signal"), "core=" get("core_dumped")
			else if (t == "orphan")
				print "orphan", me, "from=" who(get("old_ppid"), get("old_parent_comm")), "to=" who(get("reaper_pid"), get("reaper_comm")), get("reaper_kind"), "zombie=" get("zombie")
			else if (t == "reap")
				print "reap", me, "by=" who(get("reaper_pid"), get("reaper_comm")), "via=" get("via"), "approximate=" get("approximate")
			else
				print t, "count=" get("count")
		}
	}' | sort
}
normalize <"$tmp/host-events" >"$tmp/e-host"
section events-exact | normalize >"$tmp/e-exact"
section events-tracepoints | normalize >"$tmp/e-tp"
n=$(grep -c . "$tmp/e-host")
t="workload events agree: host $host_hook, $v exact, $v tracepoints"
if [ "$n" -lt 10 ]; then
	fail "$t" "only $n events on the host: $(tail -n 3 "$tmp/host-events.err" | tr '\n' ' ')"
elif ! cmp -s "$tmp/e-host" "$tmp/e-exact" || ! cmp -s "$tmp/e-host" "$tmp/e-tp"; then
	fail "$t" "host vs $v exact: $(diff "$tmp/e-host" "$tmp/e-exact" | grep '^[<>]' | head -n 4 | tr '\n' ';') \
host vs $v tracepoints: $(diff "$tmp/e-host" "$tmp/e-tp" | grep '^[<>]' | head -n 4 | tr '\n' ';')"
else
	ok "$t ($n events)"
fi
