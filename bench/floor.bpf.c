// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The floor of tracing cost on this kernel: an empty program at each hook
 * reapwatch uses once per fork+exit+wait cycle. Its BPF run time is what the
 * hooks and the run-time accounting cost before any program does anything;
 * reapwatch's own cost is what it adds on top. Loaded by `bpfstats floor`.
 *
 * Built with -DCLOCK_READS (floor-clock.bpf.o), the programs at the SIGCHLD
 * and at the wait's return read the clock and keep it, as any exact zombie
 * time must: when the zombie is made, and when it is reaped.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#ifdef CLOCK_READS
__u64 zombie_ns, reap_ns;
#define stamp(t) ((t) = bpf_ktime_get_ns())
#else
#define stamp(t) ((void)0)
#endif

SEC("tp_btf/sched_process_exit")
int floor_exit(void *ctx)
{
	return 0;
}

SEC("tp_btf/signal_generate")
int floor_signal(void *ctx)
{
	stamp(zombie_ns);
	return 0;
}

SEC("tp/syscalls/sys_exit_wait4")
int floor_wait4_exit(void *ctx)
{
	stamp(reap_ns);
	return 0;
}

SEC("tp_btf/sched_process_free")
int floor_free(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
