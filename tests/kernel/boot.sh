#!/bin/sh
# Boot a kernel with the test initramfs under qemu (TCG: nested KVM is not
# usable on the project's machines) and collect what the guest reports.
#
#   tests/kernel/boot.sh VMLINUZ INITRAMFS OUTDIR
#
# OUTDIR/results.txt   the guest's second serial port: guest.sh's lines
# OUTDIR/console.log   the first one: kernel messages and the suites' stderr
# OUTDIR/qemu.log      qemu's own: CPU resets (a triple fault) and guest errors
#
# Environment:
#   KERNEL_TIMEOUT=S   kill qemu after S seconds (default 480)
#   RW_SUITES=LIST     sections to run in the guest (default: all)
#   KERNEL_SMP=N       guest CPUs (default 1: see docs/kernels.md)
#   KERNEL_MEM=SIZE    guest memory (default 2G)
#   KERNEL_APPEND=...  more kernel command line
# Exit: qemu's (124 on timeout).
set -u
[ $# -eq 3 ] || { echo "usage: $0 VMLINUZ INITRAMFS OUTDIR" >&2; exit 2; }
kernel=$1 initrd=$2 dir=$3
mkdir -p "$dir"
rm -f "$dir/results.txt" "$dir/console.log" "$dir/qemu.log"
# Timing matters: the scenarios allow a blocked waiter 10 ms to wake on the
# host, 50 ms here (RW_WAKEUP_MS, set by guest.sh); most latencies stay 1-2 ms
# over the injected delay.
# - One vCPU: with two, wake-ups across vCPUs took 5-20 ms under TCG.
# - clocksource=hpet: TCG's TSC is the host's raw TSC, which this host's own
#   kernel calls unstable; with it the guest's clock drifted from its timers
#   (a 2 s timer measured 1.7 s). The HPET follows the host's monotonic
#   clock, like qemu's timers.
# - mitigations=off: page-table isolation costs TCG a TLB flush per system
#   call; without it the guest boots in 3 s instead of 7 and runs ~1.5x faster.
# loglevel=5: warnings (OOM, hung tasks, BPF) reach the console log, the
# boot chatter does not.
append="console=ttyS0 rdinit=/init panic=-1 loglevel=5 mitigations=off clocksource=hpet RW_OUT=/dev/ttyS1"
[ -n "${RW_SUITES:-}" ] && append="$append RW_SUITES=$(echo "$RW_SUITES" | tr ' ' ,)"
[ -n "${KERNEL_APPEND:-}" ] && append="$append $KERNEL_APPEND"
exec timeout -k 5 "${KERNEL_TIMEOUT:-480}" qemu-system-x86_64 \
	-nodefaults -display none -no-reboot \
	-accel tcg -cpu max -smp "${KERNEL_SMP:-1}" -m "${KERNEL_MEM:-2G}" \
	-serial "file:$dir/console.log" -serial "file:$dir/results.txt" \
	-d guest_errors,cpu_reset -D "$dir/qemu.log" \
	-kernel "$kernel" -initrd "$initrd" -append "$append"
