// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * reapwatch, kernel side: who exits, who gets orphaned and adopted, and how
 * long each zombie waits to be reaped.
 *
 * Tracepoints only by default (see ../shared/KERNEL-HOOKS.md for the facts):
 *   sched_process_exit  exit of a thread group; predict the reaper of each
 *                       child that is about to be orphaned
 *   signal_generate     the SIGCHLD of do_notify_parent(): the exact moment a
 *                       process becomes a zombie
 *   sys_exit_wait4,     the reap itself; `current` is the reaper
 *   sys_{enter,exit}_waitid
 *   sched_process_free  backstop for reaps no syscall showed us
 * and fentry/release_task, the exact reap, where trampolines are allowed.
 *
 * A process is identified by (tgid, start time): pids are reused. A zombie
 * is kept in an array slot found by its global pid; a reaper in a nested pid
 * namespace names it by another pid, which "vpids" translates. Every hot path
 * touches as little map memory as it can, and memory that stays in cache: a
 * line fetched from memory costs more than all the instructions of a run
 * (docs/benchmarks.md), hence the "recent" slots (reapwatch.h).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "reapwatch.h"

#define SIGCHLD 17
#define CLD_EXITED 1
#define CLD_DUMPED 3
#define WNOWAIT 0x01000000
#define SA_NOCLDWAIT 2
#define SIG_IGN ((void *)1)
#define EXIT_ZOMBIE 0x20
#define PF_EXITING 0x4
#define SIGNAL_GROUP_EXIT 0x4
#define MAX_PID_NS_LEVEL 32
#define MAX_CHILDREN 4096   /* children reported per exiting task */
#define MAX_MORE_CHILDREN 65536 /* children past those, re-keyed and counted */
#define MAX_ANCESTORS 64    /* subreaper search depth */

/* Filters, set by the loader before load; 0 means "any". */
const volatile __u32 targ_tgid = 0;
const volatile __u32 targ_pidns = 0;
/* Cgroup filter: the kernfs id of a cgroup, its depth, and its hierarchy
 * (0: the cgroup v2 hierarchy; else a v1 hierarchy id from /proc/cgroups). */
const volatile __u64 targ_cgroup_id = 0;
const volatile __s32 targ_cgroup_level = 0;
const volatile __s32 targ_cgroup_hier = 0;
/* Per-event output; false in the in-kernel aggregation mode. */
const volatile bool emit_events = true;
/* Aggregate in maps (reapers, orphaners) for stats without events. */
const volatile bool aggregate = false;
/* The reap is taken at fentry/release_task instead of the wait syscalls. */
const volatile bool exact_reap = false;
/* Wake the reader only when this much is queued (bytes). */
const volatile __u64 wakeup_bytes = 0;

/* Casts a number to a read-only (untrusted) BTF pointer, whose fields are
 * plain loads that read 0 at a bad address. Kernels >= 6.2. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

/* Loss is never silent: user space reads and prints these (enum rw_counter),
 * summed over the rows. Atomic still: rows are shared past RW_COUNTER_ROWS
 * CPUs, and the backstop's RCU callback can interrupt a run on its CPU. */
__u64 counters[RW_COUNTER_ROWS][RW_C_MAX] __attribute__((aligned(64))) = {};
_Static_assert(sizeof(counters[0]) == 64, "a row of counters is one cache line");

#define count(c) \
	__sync_fetch_and_add(&counters[bpf_get_smp_processor_id() % RW_COUNTER_ROWS][c], 1)

/* Slots of the spill part in use: while 0, user space reads only the
 * recent part of "zombies". */
__u64 spill_used = 0;

/* The generation of aggregation sweeps (reapwatch serve): entries made now
 * start in it, and the mark_live iterator moves live processes' entries to
 * it. 1 before any sweep, so that 0 means "being made". */
__u64 sweep_gen = 1;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22); /* resized by the loader */
} events SEC(".maps");

#define proc_state rw_proc_state
#define RECENT_MASK (RW_RECENT_SLOTS - 1)
#define SPILL_MASK (RW_SPILL_SLOTS - 1)

/* The zombies, one cache line each (see reapwatch.h). An array, not a hash
 * map: a lookup is a few inlined instructions and one line, with no lock,
 * no allocation and no bucket to walk. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, RW_ZOMBIE_SLOTS);
	__type(key, __u32);
	__type(value, struct proc_state);
} zombies SEC(".maps");

/* A bit per global pid: set while the pid's zombie has a slot. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RW_PENDING_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} pending SEC(".maps");

/* Counts per hash of a task_struct's address. The release backstop runs in
 * an RCU callback long after the reap, when the freed task's lines are back
 * in memory (~130 ns to read one on the AMD VM): it reads the task only if
 * these say it may be one of ours. "freed" tells the reaper memo (below)
 * that a task it remembers may be gone, its task_struct free for another. */
struct watch_counts {
	__u32 zombies;   /* tracked zombies whose leader is here, young */
	__u32 freed;     /* tasks freed here, ever */
	__u64 fine_bits; /* old ones: bit b set while fine counter b counts some */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RW_WATCH_BUCKETS);
	__type(key, __u32);
	__type(value, struct watch_counts);
} watched SEC(".maps");

/* The old zombies (moved to the spill part, or there before we started)
 * counted again in 64 times as many buckets, one byte each, a line per
 * "watched" bucket, and a bit per byte in the bucket itself (fine_bits):
 * with 10,000 zombies outstanding every bucket counts one, but most bits
 * are still 0, and the release backstop reads only the bucket's line. Only
 * old ones: a young zombie is reaped within microseconds, and the line of
 * its byte, one of 1024, cost ~50 ns more per exit in the fork loop. Bytes
 * of 32-bit words, changed by 32-bit atomic adds; a byte's own increment
 * comes first (RW_F_FINE), so a decrement never borrows. A bit is set after
 * its byte's increment, and cleared only where the byte reads 0, then set
 * again if it no longer does: a promote() racing an unwatch() on another
 * CPU leaves it set. */
struct watch_fine {
	__u32 words[RW_WATCH_FINE / 4];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RW_WATCH_BUCKETS);
	__type(key, __u32);
	__type(value, struct watch_fine);
} watched_fine SEC(".maps");

/* (reaper, the pid it knows the zombie by) -> the zombie's global pid, for
 * the zombies whose reaper lives in a nested pid namespace. Open addressing
 * like "zombies", hashed. */
struct vpid_slot {
	__u64 key;       /* parent << 32 | vpid; 0: free */
	__u32 tgid;
	__u32 displaced;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RW_SPILL_SLOTS);
	__type(key, __u32);
	__type(value, struct vpid_slot);
} vpids SEC(".maps");

/* Arguments of a waitid() in flight, or the kind of wait in exact mode. */
struct wait_call {
	__u64 infop;
	__u32 options;
	__u32 via;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct wait_call);
} waits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct rw_reaper_key);
	__type(value, struct rw_reaper_stats);
} reapers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct rw_reaper_key);
	__type(value, struct rw_orphaner_stats);
} orphaners SEC(".maps");

/* Zeroed values to insert from: too big for the BPF stack. */
static const struct rw_reaper_stats empty_reaper;
static const struct rw_orphaner_stats empty_orphaner;

/* --- reading tasks --------------------------------------------------------- */

static __always_inline __u32 tgid_of(struct task_struct *t)
{
	return BPF_CORE_READ(t, tgid);
}

/* The pid of @pid as seen from pid-namespace level @level (0 = global). */
static __always_inline __u32 pid_nr_at(struct pid *pid, __u32 level)
{
	struct upid up = {};

	if (level >= MAX_PID_NS_LEVEL)
		return 0;
	bpf_core_read(&up, sizeof(up), &pid->numbers[level]);
	return up.nr;
}

static __always_inline __u32 pid_level(struct task_struct *t)
{
	return BPF_CORE_READ(t, thread_pid, level);
}

static __always_inline __u32 nspid_of(struct task_struct *t)
{
	struct pid *pid = BPF_CORE_READ(t, thread_pid);

	return pid_nr_at(pid, BPF_CORE_READ(pid, level));
}

static __always_inline struct pid_namespace *pidns_of(struct task_struct *t)
{
	struct pid *pid = BPF_CORE_READ(t, thread_pid);
	struct upid up = {};
	__u32 level = BPF_CORE_READ(pid, level);

	if (level >= MAX_PID_NS_LEVEL)
		return NULL;
	bpf_core_read(&up, sizeof(up), &pid->numbers[level]);
	return up.ns;
}

static __always_inline __u32 pidns_inum(struct task_struct *t)
{
	return BPF_CORE_READ(pidns_of(t), ns.inum);
}

/* @child's pid as seen by @parent (which lives in the same or an outer ns). */
static __always_inline __u32 vpid_for(struct task_struct *child, struct task_struct *parent)
{
	return pid_nr_at(BPF_CORE_READ(child, thread_pid), pid_level(parent));
}

static __always_inline void leader_comm(struct task_struct *t, char *comm)
{
	struct task_struct *leader = BPF_CORE_READ(t, group_leader);

	/* The kernel keeps it NUL-padded: one copy, no walk of a string. */
	bpf_probe_read_kernel(comm, RW_COMM_LEN, &leader->comm);
}

/* The address of @t's leader, as a number: the verifier lets no BTF
 * pointer be hashed. */
static __always_inline __u64 leader_addr(struct task_struct *t)
{
	__u64 addr = 0;

	bpf_probe_read_kernel(&addr, sizeof(addr), &t->group_leader);
	return addr;
}

/* The comm of a task we hold a BTF pointer to: two plain loads, no helper
 * call. (leader_comm() above is for pointers read from memory.) */
#define copy_comm(dst, t) __builtin_memcpy(dst, (t)->comm, RW_COMM_LEN)

/* With the tgid, which process @t belongs to: pids are reused. */
static __always_inline __u64 start_of(struct task_struct *t)
{
	return BPF_CORE_READ(t, group_leader, start_time);
}

/* &@pid->numbers[@level] as a BTF pointer, whose fields are plain loads:
 * a probe read is a helper call, which costs ~100 ns here. The verifier
 * checks constant indices only, and past [0] only where numbers[] is a
 * flexible array (not on 6.1, which declares numbers[1]). NULL: read it
 * with a probe (pid_nr_at()). */
static __always_inline struct upid *upid_at(struct pid *pid, __u32 level)
{
	if (level == 0)
		return &pid->numbers[0];
	if (level == 1 && bpf_core_field_size(pid->numbers) == 0)
		return &pid->numbers[1];
	return NULL;
}

/* pid_nr_at() for a BTF pointer. */
static __always_inline __u32 pid_nr_btf(struct pid *pid, __u32 level)
{
	struct upid *up = upid_at(pid, level);

	return up ? up->nr : pid_nr_at(pid, level);
}

/* What the hot paths need of a process, read once. @t must be a BTF pointer
 * (a tp_btf argument or the current task): its fields are plain loads, far
 * cheaper than one bpf_probe_read_kernel() call each. */
struct facts {
	__u64 start_ns;
	struct pid *pid;
	__u32 tgid;
	__u32 nspid;
	__u32 pidns;
};

static __always_inline void facts_of(struct task_struct *t, struct facts *f)
{
	struct task_struct *leader = t->group_leader;
	struct pid *pid = leader->thread_pid;
	struct upid *fast, up = {};
	__u32 level = pid->level;

	f->pid = pid;
	f->tgid = t->tgid;
	f->start_ns = leader->start_time;
	fast = upid_at(pid, level);
	if (fast) {
		f->nspid = fast->nr;
		f->pidns = fast->ns->ns.inum;
		return;
	}
	if (level < MAX_PID_NS_LEVEL)
		bpf_core_read(&up, sizeof(up), &pid->numbers[level]);
	f->nspid = up.nr;
	f->pidns = BPF_CORE_READ(up.ns, ns.inum);
}

/* Is @t in the target cgroup or below it, in the target hierarchy? */
static __always_inline bool in_target_cgroup(struct task_struct *t)
{
	struct css_set *cset = BPF_CORE_READ(t, cgroups);
	struct cgroup *cg = NULL;
	int level;

	if (targ_cgroup_hier == 0) {
		cg = BPF_CORE_READ(cset, dfl_cgrp);
	} else {
		for (int i = 0; i < 16; i++) {
			struct cgroup_subsys_state *css;

			if (i >= (int)bpf_core_enum_value(enum cgroup_subsys_id, CGROUP_SUBSYS_COUNT))
				break;
			css = BPF_CORE_READ(cset, subsys[i]);
			if (!css)
				continue;
			cg = BPF_CORE_READ(css, cgroup);
			if (BPF_CORE_READ(cg, root, hierarchy_id) == targ_cgroup_hier)
				break;
			cg = NULL;
		}
	}
	if (!cg)
		return false;
	level = BPF_CORE_READ(cg, level);
	for (int i = 0; i < 64 && level > targ_cgroup_level; i++, level--)
		cg = container_of(BPF_CORE_READ(cg, self.parent), struct cgroup, self);
	return level == targ_cgroup_level && BPF_CORE_READ(cg, kn, id) == targ_cgroup_id;
}

/* The sandbox filters: which processes we look at at all. */
static __always_inline bool in_scope_ns(struct task_struct *t, __u32 pidns)
{
	if (targ_pidns && pidns != targ_pidns)
		return false;
	if (targ_cgroup_id && !in_target_cgroup(t))
		return false;
	return true;
}

static __always_inline bool in_scope(struct task_struct *t)
{
	return in_scope_ns(t, targ_pidns ? pidns_inum(t) : 0);
}

static __always_inline bool wanted_ns(struct task_struct *subject, __u32 pidns, __u32 subject_tgid,
				      __u32 parent, __u32 reaper)
{
	if (!in_scope_ns(subject, pidns))
		return false;
	if (targ_tgid && subject_tgid != targ_tgid && parent != targ_tgid && reaper != targ_tgid)
		return false;
	return true;
}

static __always_inline bool wanted(struct task_struct *subject, __u32 parent, __u32 reaper)
{
	if (!in_scope(subject))
		return false;
	if (targ_tgid && tgid_of(subject) != targ_tgid && parent != targ_tgid &&
	    reaper != targ_tgid)
		return false;
	return true;
}

/* --- in-kernel aggregation ------------------------------------------------ */

static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xffffffffull) << 5; v >>= shift; r |= shift;
	shift = (v > 0xffff) << 4; v >>= shift; r |= shift;
	shift = (v > 0xff) << 3; v >>= shift; r |= shift;
	shift = (v > 0xf) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	return r | (v >> 1);
}

static __always_inline struct rw_reaper_key reaper_key(struct task_struct *t, __u32 tgid)
{
	struct rw_reaper_key k = { .tgid = tgid };

	if (t) {
		k.start_ns = BPF_CORE_READ(t, group_leader, start_time);
		k.pidns = pidns_inum(t);
	}
	return k;
}

/* Find or create the stats of @k; @t names it (NULL: unknown). */
static __always_inline void *agg_entry(void *map, struct rw_reaper_key *k, const void *empty,
				       struct task_struct *t, __u32 comm_off)
{
	void *v = bpf_map_lookup_elem(map, k);

	if (v)
		return v;
	if (bpf_map_update_elem(map, k, empty, BPF_NOEXIST) && bpf_map_lookup_elem(map, k) == NULL) {
		count(RW_C_AGG_OVERFLOW);
		return NULL;
	}
	v = bpf_map_lookup_elem(map, k);
	if (!v)
		return NULL;
	*(__u64 *)v = sweep_gen; /* live_gen: first in both values */
	if (t)
		leader_comm(t, v + comm_off);
	return v;
}

/* A reap by @reaper (NULL: not known), or, with its @key known already, by
 * the current task. */
static __always_inline void agg_reap(struct task_struct *reaper, __u32 reaper_tgid,
				     const struct rw_reaper_key *key, __u64 ns)
{
	struct rw_reaper_key k;
	struct rw_reaper_stats *r;
	__u32 slot;

	count(RW_C_REAPS);
	if (!aggregate)
		return;
	k = key ? *key : reaper_key(reaper, reaper_tgid);
	r = bpf_map_lookup_elem(&reapers, &k);
	if (!r) {
		if (!reaper && key)
			reaper = bpf_get_current_task_btf();
		r = agg_entry(&reapers, &k, &empty_reaper, reaper,
			      offsetof(struct rw_reaper_stats, comm));
	}
	if (!r)
		return;
	slot = log2_u64(ns);
	if (slot >= RW_LAT_SLOTS)
		slot = RW_LAT_SLOTS - 1;
	__sync_fetch_and_add(&r->reaps, 1);
	__sync_fetch_and_add(&r->sum_ns, ns);
	__sync_fetch_and_add(&r->slots[slot], 1);
	/* Racy min/max updates are fine: a lost update is off by one sample. */
	if (ns > r->max_ns)
		r->max_ns = ns;
	if (ns < r->min_ns || r->reaps == 1)
		r->min_ns = ns;
}

static __always_inline void agg_orphan(struct task_struct *reaper, struct task_struct *father,
				       __u8 kind)
{
	struct rw_reaper_key k;
	struct rw_reaper_stats *r;
	struct rw_orphaner_stats *o;

	count(kind == RW_REAPER_SUBREAPER ? RW_C_ORPHANS_SUBREAPER : RW_C_ORPHANS_PIDNS_INIT);
	if (!aggregate)
		return;
	k = reaper_key(reaper, tgid_of(reaper));
	r = agg_entry(&reapers, &k, &empty_reaper, reaper, offsetof(struct rw_reaper_stats, comm));
	if (r)
		__sync_fetch_and_add(&r->adopted, 1);
	k = reaper_key(father, tgid_of(father));
	o = agg_entry(&orphaners, &k, &empty_orphaner, father,
		      offsetof(struct rw_orphaner_stats, comm));
	if (o)
		__sync_fetch_and_add(&o->orphaned, 1);
}

/* --- output ------------------------------------------------------------------ */

static __always_inline struct rw_event *reserve(__u32 type, __u64 now)
{
	struct rw_event *e;

	if (!emit_events)
		return NULL;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(RW_C_LOST);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->type = type;
	e->ts_ns = now;
	return e;
}

/* Batch: wake the reader once, as the queue crosses wakeup_bytes (this
 * record, with its 8-byte header, took it across); it also polls on a timer,
 * which covers a crossing two CPUs raced past. Waking on every event above
 * the mark instead made each one cost ~5 us while the reader was behind. */
#define RECORD_BYTES ((sizeof(struct rw_event) + 8 + 7) & ~7ull)

static __always_inline void submit(struct rw_event *e)
{
	__u64 queued = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (queued >= wakeup_bytes && queued < wakeup_bytes + RECORD_BYTES)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

static __always_inline void fill_subject(struct rw_event *e, struct task_struct *t)
{
	e->pid = tgid_of(t);
	e->start_ns = start_of(t);
	e->nspid = nspid_of(BPF_CORE_READ(t, group_leader));
	e->pidns = pidns_inum(t);
	leader_comm(t, e->comm);
}

/* --- the zombies we track -------------------------------------------------- */

/* *at for a slot in the recent part; in the spill part it is the distance
 * from the home. */
#define AT_RECENT 0xffu

/* The recent slot of pid % RW_RECENT_SLOTS. The CPU fetches cache lines in
 * aligned pairs (adjacent-line prefetch), so the slots of pids P and P + 2
 * share a pair, not P and P + 1: consecutive pids often exit at once on two
 * CPUs, which then took the pair from each other, while one CPU's exits
 * still find the next slot but one fetched with theirs (docs/benchmarks.md). */
static __always_inline struct proc_state *recent_slot(__u32 tgid)
{
	__u32 i = (tgid & RECENT_MASK & ~3u) | (tgid & 1) << 1 | (tgid >> 1 & 1);

	return bpf_map_lookup_elem(&zombies, &i);
}

static __always_inline struct proc_state *spill_slot(__u32 i)
{
	i = RW_RECENT_SLOTS + (i & SPILL_MASK);
	return bpf_map_lookup_elem(&zombies, &i);
}

/* pid % PENDING_WAYS picks the part of "pending" that holds a pid's bit,
 * so that the bits of consecutive pids are in different cache lines:
 * processes forked one after another often exit at once on different CPUs,
 * and one word for them all bounced between those CPUs (measured:
 * docs/benchmarks.md). Within a part the bits follow the pids, so the few
 * lines in use stay in cache. */
#define PENDING_WAYS 8
#define PENDING_WAY_WORDS (RW_PENDING_WORDS / PENDING_WAYS)

static __always_inline __u64 *pending_word(__u32 tgid)
{
	__u32 i = tgid % PENDING_WAYS * PENDING_WAY_WORDS +
		  tgid / PENDING_WAYS / 64 % PENDING_WAY_WORDS;

	return bpf_map_lookup_elem(&pending, &i);
}

static __always_inline __u64 pending_bit(__u32 tgid)
{
	return 1ull << (tgid / PENDING_WAYS % 64);
}

static __always_inline bool is_pending(__u32 tgid)
{
	__u64 *w = pending_word(tgid);

	return w && (*w & pending_bit(tgid));
}

static __always_inline void set_pending(__u32 tgid, bool on)
{
	__u64 *w = pending_word(tgid), bit = pending_bit(tgid);

	if (!w)
		return;
	if (on)
		__sync_fetch_and_or(w, bit);
	else
		__sync_fetch_and_and(w, ~bit);
}

/* The fine counter of the task at @addr (slab objects: the low bits say
 * little, so they are hashed away); its bucket in "watched" is this / 64. */
static __always_inline __u32 task_fine(__u64 addr)
{
	return (addr >> 6) * 0x9e3779b97f4a7c15ull >> 48;
}

static __always_inline __u32 task_bucket(__u64 addr)
{
	return task_fine(addr) / RW_WATCH_FINE;
}

/* The word of fine counter @f in @w, and the byte's unit in it. */
#define FINE_WORD(w, f) ((w)->words[((f) / 4) % (RW_WATCH_FINE / 4)])
#define FINE_UNIT(f) (1u << ((f) % 4 * 8))
#define FINE_FULL 192 /* leave headroom for CPUs that race past the check */

static __always_inline void watch(struct proc_state *z, __u64 task_addr)
{
	__u32 f = task_fine(task_addr), i = f / RW_WATCH_FINE;
	struct watch_counts *n = bpf_map_lookup_elem(&watched, &i);

	z->task_bucket = f;
	z->flags &= ~RW_F_FINE;
	if (n)
		__sync_fetch_and_add(&n->zombies, 1);
}

/* @z is an old zombie now: count it in its fine byte and bit too, then no
 * longer as young (in this order: a free in between finds it either way).
 * A full byte stays full and its zombies young: their tasks are always read. */
static __always_inline void promote(struct proc_state *z)
{
	__u32 f = z->task_bucket, i = f / RW_WATCH_FINE;
	struct watch_counts *n = bpf_map_lookup_elem(&watched, &i);
	struct watch_fine *w = bpf_map_lookup_elem(&watched_fine, &i);

	if (!n || !w || (z->flags & RW_F_FINE) ||
	    (FINE_WORD(w, f) / FINE_UNIT(f) & 0xff) >= FINE_FULL)
		return;
	__sync_fetch_and_add(&FINE_WORD(w, f), FINE_UNIT(f));
	__sync_fetch_and_or(&n->fine_bits, 1ull << (f % RW_WATCH_FINE));
	__sync_fetch_and_add(&n->zombies, -1); /* no 32-bit sub in BPF v1 */
	z->flags |= RW_F_FINE;
}

static __always_inline void unwatch(struct proc_state *z)
{
	__u32 f = z->task_bucket, i = f / RW_WATCH_FINE;
	struct watch_counts *n = bpf_map_lookup_elem(&watched, &i);
	__u64 bit = 1ull << (f % RW_WATCH_FINE);
	struct watch_fine *w;

	if (!n)
		return;
	if (!(z->flags & RW_F_FINE)) {
		__sync_fetch_and_add(&n->zombies, -1);
		return;
	}
	z->flags &= ~RW_F_FINE;
	w = bpf_map_lookup_elem(&watched_fine, &i);
	if (!w)
		return;
	__sync_fetch_and_add(&FINE_WORD(w, f), -FINE_UNIT(f));
	if (FINE_WORD(w, f) / FINE_UNIT(f) & 0xff)
		return;
	__sync_fetch_and_and(&n->fine_bits, ~bit);
	if (FINE_WORD(w, f) / FINE_UNIT(f) & 0xff)
		__sync_fetch_and_or(&n->fine_bits, bit);
}

/* May the freed task at @f (task_fine()) be one of our zombies? */
static __always_inline bool maybe_watched(const struct watch_counts *n, __u32 f)
{
	return n->zombies || (n->fine_bits >> (f % RW_WATCH_FINE) & 1);
}

/* Does @z hold process @tgid: started at @start_ns, or, with @start_ns 0,
 * to be reaped by @parent under the pid @vpid? */
static __always_inline bool holds(struct proc_state *z, __u32 tgid, __u64 start_ns, __u32 parent,
				  __u32 vpid)
{
	if (z->tgid != tgid)
		return false;
	if (start_ns)
		return z->start_ns == start_ns;
	return z->parent == parent && z->vpid == vpid;
}

static __always_inline struct proc_state *spill_find(__u32 tgid, __u64 start_ns, __u32 parent,
						     __u32 vpid, __u32 *at)
{
	struct proc_state *home = spill_slot(tgid), *z;

	if (!home)
		return NULL;
	*at = 0;
	if (holds(home, tgid, start_ns, parent, vpid))
		return home;
	if (!home->displaced)
		return NULL;
	for (__u32 i = 1; i < RW_ZOMBIE_PROBES; i++) {
		z = spill_slot(tgid + i);
		if (z && holds(z, tgid, start_ns, parent, vpid)) {
			*at = i;
			return z;
		}
	}
	return NULL;
}

/* The slot holding @tgid (see holds()); *at says where (AT_RECENT). */
static __always_inline struct proc_state *find(__u32 tgid, __u64 start_ns, __u32 parent,
					       __u32 vpid, __u32 *at)
{
	struct proc_state *z;

	/* Most lookups are of processes reaped already: the bit says so. */
	if (!is_pending(tgid))
		return NULL;
	z = recent_slot(tgid);
	if (!z)
		return NULL;
	*at = AT_RECENT;
	if (holds(z, tgid, start_ns, parent, vpid))
		return z;
	return spill_find(tgid, start_ns, parent, vpid, at);
}

#define find_task(tgid, start_ns, at) find(tgid, start_ns, 0, 0, at)

static __always_inline struct vpid_slot *vslot(__u32 i)
{
	i &= SPILL_MASK;
	return bpf_map_lookup_elem(&vpids, &i);
}

static __always_inline __u32 vpid_home(__u64 key)
{
	return (__u32)(key * 0x9e3779b97f4a7c15ull >> 32);
}

/* Note that @parent knows zombie @tgid as @vpid. */
static __always_inline void vpid_note(__u32 parent, __u32 vpid, __u32 tgid)
{
	__u64 key = (__u64)parent << 32 | vpid;
	__u32 h = vpid_home(key);
	struct vpid_slot *home = vslot(h), *v;

	for (__u32 i = 0; i < RW_ZOMBIE_PROBES; i++) {
		v = i ? vslot(h + i) : home;
		if (!v || !home)
			return;
		if (__sync_val_compare_and_swap(&v->key, 0, key) == 0) {
			v->tgid = tgid;
			if (i)
				__sync_fetch_and_add(&home->displaced, 1);
			return;
		}
	}
	/* Its reap by that parent goes unseen; the release backstop reports it. */
	count(RW_C_UNTRACKED);
}

/* The slot of (@parent, @vpid) in "vpids"; *at is its distance from home. */
static __always_inline struct vpid_slot *vpid_find(__u32 parent, __u32 vpid, __u32 *at)
{
	__u64 key = (__u64)parent << 32 | vpid;
	__u32 h = vpid_home(key);
	struct vpid_slot *home = vslot(h), *v;

	if (!home)
		return NULL;
	*at = 0;
	if (home->key == key)
		return home;
	if (!home->displaced)
		return NULL;
	for (__u32 i = 1; i < RW_ZOMBIE_PROBES; i++) {
		v = vslot(h + i);
		if (v && v->key == key) {
			*at = i;
			return v;
		}
	}
	return NULL;
}

static __always_inline void vpid_forget(__u32 parent, __u32 vpid)
{
	struct vpid_slot *v, *home;
	__u32 at;

	v = vpid_find(parent, vpid, &at);
	if (!v)
		return;
	if (at && (home = vslot(vpid_home((__u64)parent << 32 | vpid))))
		__sync_fetch_and_add(&home->displaced, -1); /* no 32-bit sub in BPF v1 */
	v->tgid = 0;
	v->key = 0;
}

/* Who is to reap @z, and by which pid; a reaper in a nested pid namespace
 * gets an entry in "vpids" (in the initial one, vpid is the global pid). */
static __always_inline void set_reaper(struct proc_state *z, __u32 tgid, __u32 parent,
				       __u32 vpid)
{
	z->parent = parent;
	z->vpid = vpid;
	if (vpid != tgid)
		vpid_note(parent, vpid, tgid);
}

/* Undo set_reaper(): its translation, if it has one, goes. */
static __always_inline void drop_reaper(struct proc_state *z, __u32 tgid)
{
	if (z->vpid != tgid)
		vpid_forget(z->parent, z->vpid);
}

/* Its reaper changed (reparenting, ptrace). */
static __always_inline void move(struct proc_state *z, __u32 tgid, __u32 parent, __u32 vpid)
{
	drop_reaper(z, tgid);
	set_reaper(z, tgid, parent, vpid);
}

/* @z holds @tgid already: the same process, whose other thread has just
 * claimed it (start 0 while it fills it in): *dup, false. Or an earlier
 * process with the same pid, whose reap was missed: stale, taken over with
 * its pid translation dropped: true. */
static __always_inline bool retake(struct proc_state *z, __u32 tgid, __u64 start_ns, bool *dup)
{
	if (z->start_ns == start_ns || z->start_ns == 0) {
		*dup = true;
		return false;
	}
	drop_reaper(z, tgid);
	unwatch(z);
	z->start_ns = start_ns;
	return true;
}

/* Take a spill slot for the process (@tgid, @start_ns): its home, else one
 * of the next. NULL when all are taken, or when the process is there
 * already: its threads may all see themselves last (*dup). A slot of an
 * earlier process with the same pid is stale (its reap was missed) and is
 * taken over, its pid translation dropped. */
static __always_inline struct proc_state *spill_claim(__u32 tgid, __u64 start_ns, bool *dup)
{
	struct proc_state *home = spill_slot(tgid), *z;
	__u64 old;

	for (__u32 i = 0; i < RW_ZOMBIE_PROBES; i++) {
		z = i ? spill_slot(tgid + i) : home;
		if (!z || !home)
			return NULL;
		old = __sync_val_compare_and_swap(&z->tgid, 0, tgid);
		if (old == 0) {
			z->start_ns = start_ns;
			if (i)
				__sync_fetch_and_add(&home->displaced, 1);
			__sync_fetch_and_add(&spill_used, 1);
			return z;
		}
		if (old == tgid)
			return retake(z, tgid, start_ns, dup) ? z : NULL;
	}
	return NULL;
}

/* Move the zombie @tgid out of its recent slot @z (ours: busy) to the spill
 * part. */
static __always_inline bool spill(struct proc_state *z, __u32 tgid)
{
	struct proc_state *s;
	bool dup = false;

	s = spill_claim(tgid, z->start_ns, &dup);
	if (!s)
		return false;
	s->zombie_ns = z->zombie_ns;
	s->parent = z->parent;
	s->vpid = z->vpid;
	s->flags = z->flags;
	s->task_bucket = z->task_bucket;
	s->pidns = z->pidns;
	s->nspid = z->nspid;
	__builtin_memcpy(s->comm, z->comm, RW_COMM_LEN);
	/* A newer zombie took its recent slot: this one is old. */
	promote(s);
	return true;
}

/* Take @tgid's recent slot @z: free, stale, or made free by moving its
 * zombie to the spill part. false: not to be had now, or *dup. */
static __always_inline bool take_recent(struct proc_state *z, __u32 tgid, __u64 start_ns,
					bool *dup)
{
	__u64 old = __sync_val_compare_and_swap(&z->tgid, 0, tgid);

	if (old == tgid)
		return retake(z, tgid, start_ns, dup);
	if (old != 0) {
		/* Busy: a reap or a move is emptying it. */
		if (old == RW_SLOT_BUSY ||
		    __sync_val_compare_and_swap(&z->tgid, old, RW_SLOT_BUSY) != old)
			return false;
		if (!spill(z, old)) {
			z->tgid = old;
			return false;
		}
		z->start_ns = 0; /* what a racing thread of ours takes for "just claimed" */
		z->tgid = tgid;
	}
	z->start_ns = start_ns;
	return true;
}

/* Take a slot for the process (@tgid, @start_ns), whose leader's
 * task_struct is at @task_addr: its recent one if it can, else one in the
 * spill part; the caller fills it in. NULL when none is to be had, or when
 * the process has one already (*dup: see spill_claim()). */
static __always_inline struct proc_state *claim(__u32 tgid, __u64 start_ns, __u64 task_addr,
						bool *dup)
{
	struct proc_state *z = recent_slot(tgid);
	bool was_pending = is_pending(tgid);

	*dup = false;
	if (!z)
		return NULL;
	/* Pending, yet not in its recent slot: its slot is in the spill part
	 * (stale, or its other thread's, moved meanwhile). */
	if (!(was_pending && z->tgid != tgid) && take_recent(z, tgid, start_ns, dup))
		goto got;
	if (*dup)
		return NULL;
	z = spill_claim(tgid, start_ns, dup);
	if (!z) {
		if (!*dup)
			count(RW_C_UNTRACKED);
		return NULL;
	}
got:
	/* Before the bit: whoever finds the slot may forget it. */
	watch(z, task_addr);
	if (!was_pending)
		set_pending(tgid, true);
	return z;
}

/* Give @z (@at: see find()) back. */
static __always_inline void forget(struct proc_state *z, __u32 tgid, __u32 at)
{
	struct proc_state *home;

	drop_reaper(z, tgid);
	unwatch(z);
	z->start_ns = 0;
	if (at != AT_RECENT) {
		if (at && (home = spill_slot(tgid)))
			__sync_fetch_and_add(&home->displaced, -1); /* no 32-bit sub in BPF v1 */
		__sync_fetch_and_add(&spill_used, -1);
	}
	z->tgid = 0;
	set_pending(tgid, false);
}

/* What a reap needs to know of the reaper, kept per CPU: the next reap is
 * usually by the same reaper, and a probe read costs ~100 ns here. It is
 * the same task if the address and ids match and no task at an address of
 * its bucket was freed since (a task_struct is reused only once freed).
 * Only the wait syscalls' tracepoint programs use it, and those run with
 * preemption off (trace_call_bpf(): cant_sleep()): no other run on this CPU
 * interleaves with an update. */
struct reaper_memo {
	__u64 task;
	__u64 pid_tgid;
	__u32 freed;  /* its bucket's "freed" count then */
	__u32 level;  /* of its pid namespace */
	__u64 leader; /* its leader's task_struct, for the comm */
	struct rw_reaper_key key;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct reaper_memo);
} memo SEC(".maps");

static __always_inline struct reaper_memo *current_reaper(void)
{
	__u64 task = bpf_get_current_task(), id = bpf_get_current_pid_tgid();
	__u32 zero = 0, i = task_bucket(task);
	struct reaper_memo *m = bpf_map_lookup_elem(&memo, &zero);
	struct watch_counts *n = bpf_map_lookup_elem(&watched, &i);
	struct task_struct *cur;

	if (!m || !n)
		return NULL;
	if (m->task == task && m->pid_tgid == id && m->freed == n->freed)
		return m;
	cur = bpf_get_current_task_btf();
	m->task = task;
	m->pid_tgid = id;
	m->freed = n->freed;
	m->leader = leader_addr(cur);
	m->level = pid_level(cur);
	m->key = reaper_key(cur, id >> 32);
	return m;
}

/* The reap of the zombie in @z by @reaper (NULL: not known), or by the
 * current task that @m remembers: report, forget. Whoever gets the
 * slot first reports it: the syscall and the backstop may race. (Read with
 * probes: 6.1 refuses plain loads through the current task in syscall
 * tracepoints.) */
static __always_inline void reaped(struct proc_state *z, __u32 at, struct task_struct *reaper,
				   const struct reaper_memo *m, __u32 via)
{
	__u32 tgid = z->tgid;
	__u32 reaper_tgid = m ? m->key.tgid : reaper ? tgid_of(reaper) : z->parent;
	__u64 now = bpf_ktime_get_ns();
	struct rw_event *e;

	if (__sync_val_compare_and_swap(&z->tgid, tgid, RW_SLOT_BUSY) != tgid)
		return;
	/* A process whose exit was shown has its reap shown too, whoever reaps. */
	if (targ_tgid && !(z->flags & RW_F_SEEN) && tgid != targ_tgid &&
	    z->parent != targ_tgid && reaper_tgid != targ_tgid)
		goto out;
	if (z->zombie_ns)
		agg_reap(reaper, reaper_tgid, m ? &m->key : NULL, now - z->zombie_ns);
	else
		count(RW_C_REAPS); /* untimed: its SIGCHLD was not seen */
	e = reserve(RW_EV_REAP, now);
	if (!e)
		goto out;
	e->pid = tgid;
	e->start_ns = z->start_ns;
	e->nspid = z->nspid;
	e->pidns = z->pidns;
	e->ppid = z->parent;
	e->reaper_pid = reaper_tgid;
	e->via = via;
	e->flags = z->flags & (RW_F_APPROX | RW_F_EXACT_REAP | RW_F_PRESTART);
	e->duration_ns = now > z->zombie_ns ? now - z->zombie_ns : 0;
	__builtin_memcpy(e->comm, z->comm, RW_COMM_LEN);
	if (m && m->pid_tgid >> 32 == (__u32)m->pid_tgid) /* current is the leader */
		bpf_get_current_comm(e->reaper_comm, RW_COMM_LEN);
	else if (m)
		bpf_probe_read_kernel(e->reaper_comm, RW_COMM_LEN,
				      (void *)m->leader + bpf_core_field_offset(struct task_struct, comm));
	else if (reaper)
		leader_comm(reaper, e->reaper_comm);
	submit(e);
out:
	forget(z, tgid, at);
}

/* --- orphan prediction (kernel/exit.c: find_new_reaper) ----------------------- */

struct reaper_guess {
	struct task_struct *reaper;
	__u8 kind;
};

struct ancestor_walk {
	struct task_struct *t; /* the ancestor reached */
	struct task_struct *found;
	__u32 level;           /* of the father's pid namespace */
};

/* One step up from a->t: stop at a live subreaper, or where the pid
 * namespace ends. A callback, not a loop inline: each way out of an inline
 * loop is a state of its own, and the verifier then checked the children's
 * walk that follows once per state (most of handle_exit's start-up). */
static long ancestor_step(__u32 i, void *data)
{
	struct ancestor_walk *a = data;
	struct task_struct *from = a->t, *t = BPF_CORE_READ(from, real_parent);
	struct signal_struct *sig;

	if (!t || pid_level(t) != a->level || BPF_CORE_READ(t, pid) == 0)
		return 1;
	a->t = t;
	sig = BPF_CORE_READ(t, signal);
	if (BPF_CORE_READ_BITFIELD_PROBED(sig, is_child_subreaper) &&
	    BPF_CORE_READ(sig, live.counter) > 0) {
		a->found = t;
		return 1;
	}
	return 0;
}

/* Called when the whole thread group of @father is dead: no live thread to
 * inherit the children, so the nearest live subreaper ancestor in the same
 * pid namespace gets them, else the namespace's init. */
static __always_inline struct reaper_guess guess_reaper(struct task_struct *father)
{
	struct ancestor_walk a = { .t = father, .level = pid_level(father) };
	struct signal_struct *fsig = BPF_CORE_READ(father, signal);
	struct reaper_guess g = {};

	if (BPF_CORE_READ_BITFIELD_PROBED(fsig, has_child_subreaper)) {
		bpf_loop(MAX_ANCESTORS, ancestor_step, &a, 0);
		if (a.found) {
			g.reaper = a.found;
			g.kind = RW_REAPER_SUBREAPER;
			return g;
		}
	}
	g.reaper = BPF_CORE_READ(pidns_of(father), child_reaper);
	g.kind = RW_REAPER_PIDNS_INIT;
	return g;
}

struct walk_ctx {
	struct task_struct *father;
	struct list_head *head;
	struct list_head *pos;
	struct task_struct *reaper;
	__u8 kind;
};

/* The next child of the walk, or NULL at the end of the list. */
static __always_inline struct task_struct *next_child(struct walk_ctx *w)
{
	struct list_head *pos = w->pos;

	if (!pos || pos == w->head)
		return NULL;
	w->pos = BPF_CORE_READ(pos, next);
	return (void *)pos - bpf_core_field_offset(struct task_struct, sibling);
}

/* A child already dead, or dying, changes reaper: follow it (unless a
 * tracer, not the father, is to reap it). */
static __always_inline void rekey_child(struct walk_ctx *w, struct task_struct *child)
{
	struct proc_state *z;
	__u32 tgid, at;

	if (!(BPF_CORE_READ(child, flags) & PF_EXITING))
		return;
	tgid = tgid_of(child);
	z = find_task(tgid, start_of(child), &at);
	if (z && z->parent == tgid_of(w->father))
		move(z, tgid, tgid_of(w->reaper), vpid_for(child, w->reaper));
}

/* One child of the walk: its pending reap follows it to the new parent,
 * and it is reported, unless it is past the first MAX_CHILDREN: events for
 * all would hold the exit path too long, so those are only counted. (One
 * callback for both: the verifier checks each callback's code apart, and
 * this one's rekey_child() was most of handle_exit's.) */
static long orphan_step(__u32 i, void *data)
{
	struct walk_ctx *w = data;
	struct task_struct *child = next_child(w);
	struct rw_event *e;
	__u32 father_tgid, reaper_tgid;
	bool zombie;

	if (!child)
		return 1;
	rekey_child(w, child);
	if (i >= MAX_CHILDREN) {
		count(RW_C_ORPHANS_UNREPORTED);
		return 0;
	}
	father_tgid = tgid_of(w->father);
	reaper_tgid = tgid_of(w->reaper);
	zombie = BPF_CORE_READ(child, exit_state) & EXIT_ZOMBIE;
	if (!wanted(child, father_tgid, reaper_tgid))
		return 0;
	agg_orphan(w->reaper, w->father, w->kind);
	e = reserve(RW_EV_ORPHAN, bpf_ktime_get_ns());
	if (!e)
		return 0;
	fill_subject(e, child);
	e->ppid = father_tgid;
	e->reaper_pid = reaper_tgid;
	e->reaper_kind = w->kind;
	e->flags = zombie ? RW_F_ZOMBIE : 0;
	leader_comm(w->father, e->parent_comm);
	leader_comm(w->reaper, e->reaper_comm);
	submit(e);
	return 0;
}

static __always_inline void report_orphans(struct task_struct *father)
{
	struct walk_ctx w = { .father = father };
	struct reaper_guess g;

	w.head = &father->children;
	w.pos = BPF_CORE_READ(father, children.next);
	if (!w.pos || w.pos == w.head)
		return;
	g = guess_reaper(father);
	/* A dying namespace init keeps its children until they are killed. */
	if (!g.reaper || tgid_of(g.reaper) == tgid_of(father))
		return;
	w.reaper = g.reaper;
	w.kind = g.kind;
	bpf_loop(MAX_CHILDREN + MAX_MORE_CHILDREN, orphan_step, &w, 0);
}

/* --- exit --------------------------------------------------------------------- */

static __always_inline void report_exit(struct task_struct *p)
{
	struct task_struct *leader = p->group_leader;
	struct task_struct *parent = leader->parent; /* the one told: tracer or real */
	struct task_struct *real_parent = leader->real_parent;
	struct signal_struct *sig = p->signal;
	struct proc_state *z = NULL;
	struct rw_event *e;
	struct facts f;
	__u32 ppid = real_parent->tgid;
	bool autoreap, timed_by_signal;
	__u64 now;

	facts_of(p, &f);
	if (!in_scope_ns(p, f.pidns))
		return;
	count(RW_C_EXITS);

	/* The kernel releases it in exit_notify(): no zombie ever exists. */
	autoreap = !p->ptrace && leader->exit_signal == SIGCHLD &&
		   (parent->sighand->action[SIGCHLD - 1].sa.sa_handler == SIG_IGN ||
		    (parent->sighand->action[SIGCHLD - 1].sa.sa_flags & SA_NOCLDWAIT));
	/* Its SIGCHLD, moments from now, times the zombie (handle_signal). Then
	 * only an event needs the time now: a clock read costs ~130 ns here. */
	timed_by_signal = !autoreap && !p->ptrace && leader->exit_signal == SIGCHLD;
	now = emit_events || !timed_by_signal ? bpf_ktime_get_ns() : 0;
	if (!autoreap) {
		bool dup;

		/* sched_process_exit runs in the exiting task. */
		z = claim(f.tgid, f.start_ns,
			  leader == p ? bpf_get_current_task() : leader_addr(p), &dup);
		if (dup)
			return; /* its other thread, dying too, reports it */
	}
	if (z) {
		/* Kept as the parent's wait will name it. */
		set_reaper(z, f.tgid, parent->tgid, pid_nr_btf(f.pid, parent->thread_pid->level));
		z->zombie_ns = now;
		z->flags = RW_F_APPROX;
		if (wanted_ns(p, f.pidns, f.tgid, ppid, 0))
			z->flags |= RW_F_SEEN;
		z->pidns = f.pidns;
		z->nspid = f.nspid;
		copy_comm(z->comm, leader);
	}

	if (!wanted_ns(p, f.pidns, f.tgid, ppid, autoreap ? ppid : 0))
		return;
	e = reserve(RW_EV_EXIT, now);
	if (e) {
		e->pid = f.tgid;
		e->start_ns = f.start_ns;
		e->nspid = f.nspid;
		e->pidns = f.pidns;
		e->ppid = ppid;
		e->status = sig->flags & SIGNAL_GROUP_EXIT ? sig->group_exit_code : p->exit_code;
		e->duration_ns = now - f.start_ns;
		copy_comm(e->comm, leader);
		copy_comm(e->parent_comm, real_parent->group_leader);
		submit(e);
	}
	if (autoreap) {
		agg_reap(real_parent, ppid, NULL, 0);
		e = reserve(RW_EV_REAP, now);
		if (e) {
			e->pid = f.tgid;
			e->start_ns = f.start_ns;
			e->nspid = f.nspid;
			e->pidns = f.pidns;
			e->ppid = ppid;
			e->reaper_pid = ppid;
			e->via = RW_VIA_AUTOREAP;
			copy_comm(e->comm, leader);
			copy_comm(e->reaper_comm, real_parent->group_leader);
			submit(e);
		}
	}
}

/* One argument only: on 6.1 the tracepoint has no group_dead. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *p)
{
	/* Every thread decremented live before the tracepoint: 0 = group dead. */
	if (p->signal->live.counter != 0)
		return 0;
	report_exit(p);
	/* Cheap test first: most processes die childless. */
	if (p->children.next != &p->children)
		report_orphans(p);
	return 0;
}

/* --- zombie time: the SIGCHLD of do_notify_parent() --------------------------- */

/* The SIGCHLD @info tells @target a child died: mark the zombie's time. */
static __always_inline void on_sigchld(struct kernel_siginfo *info, struct task_struct *target)
{
	struct task_struct *child;
	struct proc_state *z;
	__u32 si_pid, at;
	int code;

	code = info->si_code;
	if (code < CLD_EXITED || code > CLD_DUMPED)
		return;
	/* The dying process notifies its parent itself (or its last thread
	 * does, for a leader that died first). Re-notifications of already
	 * dead children during reparenting carry another pid: skip them. */
	child = bpf_get_current_task_btf()->group_leader;
	if (!(child->exit_state & EXIT_ZOMBIE))
		return;
	si_pid = info->_sifields._sigchld._pid;
	if (si_pid != pid_nr_btf(child->thread_pid, target->thread_pid->level))
		return;

	z = find_task(child->tgid, child->start_time, &at);
	if (!z)
		return;
	/* The parent changed since the exit (ptrace, or a parent dying meanwhile). */
	if (z->parent != (__u32)target->tgid || z->vpid != si_pid)
		move(z, child->tgid, target->tgid, si_pid);
	z->zombie_ns = bpf_ktime_get_ns();
	z->flags &= ~RW_F_APPROX;
}

/* @info may be SEND_SIG_NOINFO or SEND_SIG_PRIV (0 or 1), so recent
 * verifiers (the 6.18.44 kernel here) take it for a number and refuse loads
 * from it. A read-only cast makes its fields plain loads again, which read 0
 * at a bad address; a probe read is a helper call (10-100 ns on these VMs). */
SEC("tp_btf/signal_generate")
int BPF_PROG(handle_signal, int sig, struct kernel_siginfo *info, struct task_struct *target)
{
	if (sig == SIGCHLD)
		on_sigchld(bpf_rdonly_cast(info, bpf_core_type_id_kernel(struct kernel_siginfo)),
			   target);
	return 0;
}

/* The same for kernels without bpf_rdonly_cast (< 6.2), whose verifiers
 * take @info for a pointer. The loader loads one of the two. */
SEC("tp_btf/signal_generate")
int BPF_PROG(handle_signal_direct, int sig, struct kernel_siginfo *info,
	     struct task_struct *target)
{
	if (sig == SIGCHLD)
		on_sigchld(info, target);
	return 0;
}

/* --- reap: wait4 / waitid return in the reaper -------------------------------- */

static __always_inline void reap_by_vpid(__u32 vpid, __u32 via)
{
	struct reaper_memo *m = current_reaper();
	__u32 parent, tgid = vpid, at;
	struct proc_state *z;

	if (!m)
		return;
	parent = m->key.tgid;
	/* In the initial pid namespace the pid the reaper got is the global one. */
	if (m->level != 0) {
		struct vpid_slot *v = vpid_find(parent, vpid, &at);

		if (v)
			tgid = v->tgid;
	}
	z = find(tgid, 0, parent, vpid, &at);
	if (z)
		reaped(z, at, NULL, m, via);
}

/* The wait call `current` is in, read from its saved user registers: for a
 * waiter that was already blocked when we attached, whose entry we missed. */
static __always_inline bool wait_from_regs(struct wait_call *w)
{
#if defined(__TARGET_ARCH_x86)
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	long nr = BPF_CORE_READ(regs, orig_ax);

	if (nr == 61 /* __NR_wait4 */) {
		w->via = RW_VIA_WAIT4;
		return true;
	}
	if (nr == 247 /* __NR_waitid(which, pid, infop, options, ru) */) {
		w->via = RW_VIA_WAITID;
		w->infop = BPF_CORE_READ(regs, dx);
		w->options = BPF_CORE_READ(regs, r10);
		return !(w->options & WNOWAIT);
	}
#endif
	return false;
}

SEC("tp/syscalls/sys_enter_wait4")
int handle_wait4_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct wait_call w = { .via = RW_VIA_WAIT4 };
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (exact_reap)
		bpf_map_update_elem(&waits, &tid, &w, BPF_ANY);
	return 0;
}

SEC("tp/syscalls/sys_exit_wait4")
int handle_wait4_exit(struct trace_event_raw_sys_exit *ctx)
{
	if (exact_reap) {
		__u32 tid = (__u32)bpf_get_current_pid_tgid();

		bpf_map_delete_elem(&waits, &tid);
		return 0;
	}
	if (ctx->ret > 0)
		reap_by_vpid(ctx->ret, RW_VIA_WAIT4);
	return 0;
}

SEC("tp/syscalls/sys_enter_waitid")
int handle_waitid_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct wait_call w = {
		.infop = ctx->args[2],
		.options = ctx->args[3],
		.via = RW_VIA_WAITID,
	};
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	/* WNOWAIT only peeks: the zombie stays. */
	if (!(w.options & WNOWAIT))
		bpf_map_update_elem(&waits, &tid, &w, BPF_ANY);
	return 0;
}

SEC("tp/syscalls/sys_exit_waitid")
int handle_waitid_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct wait_call *w = bpf_map_lookup_elem(&waits, &tid), regs_call = {};
	siginfo_t *infop;
	int si_pid = 0, si_code = 0;

	if (w) {
		infop = (siginfo_t *)w->infop;
		bpf_map_delete_elem(&waits, &tid);
	} else if (!exact_reap && ctx->ret == 0 && wait_from_regs(&regs_call)) {
		infop = (siginfo_t *)regs_call.infop;
	} else {
		return 0;
	}
	if (exact_reap || ctx->ret != 0 || !infop)
		return 0;
	bpf_probe_read_user(&si_pid, sizeof(si_pid), &infop->_sifields._sigchld._pid);
	bpf_probe_read_user(&si_code, sizeof(si_code), &infop->si_code);
	if (si_pid > 0 && si_code >= CLD_EXITED && si_code <= CLD_DUMPED)
		reap_by_vpid(si_pid, RW_VIA_WAITID);
	return 0;
}

/* --- backstop and exact reap -------------------------------------------------- */

/* A zombie released without a wait we saw (io_uring waitid, ptrace detach,
 * a namespace teardown): reported late, via "release". A raw tracepoint:
 * its argument is a number, which can be hashed (see "watched"). The task
 * is read through a read-only cast where the kernel has the kfunc (plain
 * loads), else (6.1) by probe reads, one helper call each: @cast is a
 * constant, so each program holds one of the two. */
static __always_inline int on_free(__u64 addr, bool cast)
{
	__u32 f = task_fine(addr), i = f / RW_WATCH_FINE, tgid, pid, at;
	struct watch_counts *n = bpf_map_lookup_elem(&watched, &i);
	struct proc_state *z;
	__u64 start_ns;

	if (!n)
		return 0;
	__sync_fetch_and_add(&n->freed, 1);
	/* Usually no zombie of ours: nothing of the task is read. */
	if (!maybe_watched(n, f))
		return 0;
	if (cast) {
		struct task_struct *p = bpf_rdonly_cast((void *)addr,
							bpf_core_type_id_kernel(struct task_struct));

		tgid = p->tgid;
		pid = p->pid;
		start_ns = p->start_time;
	} else {
		struct task_struct *p = (void *)addr;

		tgid = BPF_CORE_READ(p, tgid);
		pid = BPF_CORE_READ(p, pid);
		start_ns = BPF_CORE_READ(p, start_time);
	}
	if (pid != tgid || !is_pending(tgid))
		return 0;
	z = find_task(tgid, start_ns, &at);
	/* Runs in an RCU callback: `current` is not the reaper. */
	if (z)
		reaped(z, at, NULL, NULL, RW_VIA_RELEASE);
	return 0;
}

SEC("raw_tp/sched_process_free")
int handle_free(struct bpf_raw_tracepoint_args *ctx)
{
	return on_free(ctx->args[0], true);
}

/* The same for kernels without bpf_rdonly_cast; the loader loads one. */
SEC("raw_tp/sched_process_free")
int handle_free_probe(struct bpf_raw_tracepoint_args *ctx)
{
	return on_free(ctx->args[0], false);
}

/* Loaded only where trampolines are allowed: the reap, exactly, in the
 * reaper's context (or the kernel's, for internal reaps). */
SEC("fentry/release_task")
int BPF_PROG(handle_release, struct task_struct *p)
{
	struct task_struct *cur = (void *)bpf_get_current_task_btf();
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct wait_call *w;
	struct proc_state *z;
	__u32 via = RW_VIA_RELEASE, at;

	if (BPF_CORE_READ(p, pid) != BPF_CORE_READ(p, tgid))
		return 0;
	z = find_task(tgid_of(p), start_of(p), &at);
	if (!z)
		return 0;
	w = bpf_map_lookup_elem(&waits, &tid);
	if (tgid_of(cur) == z->parent) {
		struct wait_call regs_call = {};

		if (w)
			via = w->via;
		else if (wait_from_regs(&regs_call))
			via = regs_call.via;
	}
	z->flags |= RW_F_EXACT_REAP;
	reaped(z, at, cur, NULL, via);
	return 0;
}

/* --- zombies from before we started ----------------------------------------- */

/* When @t last ran, close to when it died, as CLOCK_MONOTONIC time. Its
 * se.exec_start is on its CPU's task clock, which leaves out the time the
 * hypervisor stole (seconds, after an hour on a busy host); that run
 * queue's current gap to its own clock brings it back, short only of what
 * was stolen since. The run queue's clock is not CLOCK_MONOTONIC either
 * (here up to a few ms behind), so the result is kept between the task's
 * start and now: a zombie that died at once is aged from its start.
 * (Through its cfs_rq: the per-CPU "runqueues" is not in kallsyms here.) */
static __always_inline __u64 last_ran_ns(struct task_struct *t)
{
	__u64 ran = t->se.exec_start, now = bpf_ktime_get_ns();
	struct rq *rq = NULL;

	if (bpf_core_field_exists(t->se.cfs_rq) && bpf_core_field_exists(struct cfs_rq, rq))
		rq = t->se.cfs_rq->rq;
	if (rq && rq->clock >= rq->clock_task)
		ran += rq->clock - rq->clock_task;
	if (ran < t->start_time)
		ran = t->start_time;
	return ran < now ? ran : now;
}

/* Run once by the loader: every zombie that already exists is tracked, with
 * zombie_ns 0 (its age is unknown), so leaks show up at start-up. */
SEC("iter/task")
int seed_zombies(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	struct task_struct *parent;
	struct proc_state *z;
	bool dup;

	if (!t || t->pid != t->tgid || !(t->exit_state & EXIT_ZOMBIE) || !in_scope(t))
		return 0;
	z = claim(t->tgid, t->start_time, leader_addr(t), &dup);
	if (!z)
		return 0;
	parent = t->parent;
	set_reaper(z, t->tgid, parent->tgid, vpid_for(t, parent));
	z->zombie_ns = last_ran_ns(t);
	z->flags = RW_F_APPROX | RW_F_PRESTART;
	promote(z);
	z->pidns = pidns_inum(t);
	z->nspid = nspid_of(t);
	copy_comm(z->comm, t);
	BPF_SEQ_PRINTF(ctx->meta->seq, "%u\n", t->tgid);
	return 0;
}

/* Run by reapwatch serve before each sweep: every aggregation entry of a
 * live process is moved to the current generation. An entry left behind
 * for two sweeps is a process gone for good, whose counts user space then
 * folds into its series and frees. Threads count: a thread group whose
 * leader has exited still reaps through its other threads. So does the
 * entry of the release backstop's reaps by this pid, whose reaper was not
 * known (start 0, pidns 0): a namespace torn down with zombies leaves one
 * per dead init. */
SEC("iter/task")
int mark_live(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	struct rw_reaper_key k, unknown = {};
	__u64 *gen;

	if (!t || t->exit_state)
		return 0;
	k = reaper_key(t, t->tgid);
	gen = bpf_map_lookup_elem(&reapers, &k);
	if (gen)
		*gen = sweep_gen;
	unknown.tgid = t->tgid;
	gen = bpf_map_lookup_elem(&reapers, &unknown);
	if (gen)
		*gen = sweep_gen;
	gen = bpf_map_lookup_elem(&orphaners, &k);
	if (gen)
		*gen = sweep_gen;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
