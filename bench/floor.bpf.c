// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The floor of tracing cost on this kernel: an empty program at each hook
 * reapwatch uses once per fork+exit+wait cycle. Its BPF run time is what the
 * hooks and the run-time accounting cost before any program does anything;
 * reapwatch's own cost is what it adds on top. Loaded by `bpfstats floor`.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tp_btf/sched_process_exit")
int floor_exit(void *ctx)
{
	return 0;
}

SEC("tp_btf/signal_generate")
int floor_signal(void *ctx)
{
	return 0;
}

SEC("tp/syscalls/sys_exit_wait4")
int floor_wait4_exit(void *ctx)
{
	return 0;
}

SEC("tp_btf/sched_process_free")
int floor_free(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
