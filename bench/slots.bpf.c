// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What a cache line costs at a hook: one program at sched_process_exit that
 * writes one word of the array slot (64 bytes) of the exiting pid, in a
 * table of SLOTS slots. The loop's pids come back to a slot every SLOTS
 * exits, so a small table is still in cache and a large one is not.
 * Built as slots-256, slots-4096 and slots-65536; loaded by `bpfstats floor`.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct slot {
	__u64 word[8];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SLOTS);
	__type(key, __u32);
	__type(value, struct slot);
} slots SEC(".maps");

SEC("tp_btf/sched_process_exit")
int BPF_PROG(slots_exit, struct task_struct *p)
{
	__u32 i = p->pid & (SLOTS - 1);
	struct slot *s = bpf_map_lookup_elem(&slots, &i);

	if (s)
		s->word[0] = i;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
