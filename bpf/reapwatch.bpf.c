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
 * is kept under the key its reap will name, (reaper's tgid, pid as the reaper
 * sees it), with an index by global pid for the hooks that only have the task.
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

/* Loss is never silent: user space reads and prints these (enum rw_counter). */
__u64 counters[RW_C_MAX] = {};

#define count(c) __sync_fetch_and_add(&counters[c], 1)

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22); /* resized by the loader */
} events SEC(".maps");

#define proc_key rw_proc_key
#define proc_state rw_proc_state

#define MAX_ZOMBIES 65536

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ZOMBIES);
	__type(key, struct proc_key);
	__type(value, struct proc_state);
} procs SEC(".maps");

/* Where the zombie with global pid `tgid` is kept in procs: slot tgid %
 * MAX_ZOMBIES. For the hooks that have the task but not its reaper's view
 * (the release backstop, reparenting), and cheap to miss: an array read is
 * inlined, a hash lookup is not. Two zombies may share a slot; the later
 * wins, and the earlier loses only its backstop. */
struct where {
	__u32 tgid;
	struct proc_key key;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_ZOMBIES);
	__type(key, __u32);
	__type(value, struct where);
} wheres SEC(".maps");

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

	bpf_probe_read_kernel_str(comm, RW_COMM_LEN, &leader->comm);
}

/* The comm of a task we hold a BTF pointer to: two plain loads, no helper
 * call. (leader_comm() above is for pointers read from memory.) */
#define copy_comm(dst, t) __builtin_memcpy(dst, (t)->comm, RW_COMM_LEN)

/* With the tgid, which process @t belongs to: pids are reused. */
static __always_inline __u64 start_of(struct task_struct *t)
{
	return BPF_CORE_READ(t, group_leader, start_time);
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
	struct upid up = {};
	__u32 level = pid->level;

	f->pid = pid;
	f->tgid = t->tgid;
	f->start_ns = leader->start_time;
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
	if (v && t)
		leader_comm(t, v + comm_off);
	return v;
}

static __always_inline void agg_reap(struct task_struct *reaper, __u32 reaper_tgid, __u64 ns)
{
	struct rw_reaper_key k;
	struct rw_reaper_stats *r;
	__u32 slot;

	count(RW_C_REAPS);
	if (!aggregate)
		return;
	k = reaper_key(reaper, reaper_tgid);
	r = agg_entry(&reapers, &k, &empty_reaper, reaper, offsetof(struct rw_reaper_stats, comm));
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

static __always_inline struct where *where_of(__u32 tgid)
{
	__u32 slot = tgid % MAX_ZOMBIES;

	return bpf_map_lookup_elem(&wheres, &slot);
}

/* Keep @st under @k, and note where. */
static __always_inline long track(struct proc_key *k, struct proc_state *st, __u64 flags)
{
	long err = bpf_map_update_elem(&procs, k, st, flags);
	struct where *w = where_of(st->tgid);

	if (!err && w) {
		w->tgid = st->tgid;
		w->key = *k;
	}
	return err;
}

/* The tracked zombie (@tgid, @start_ns), found by its pid; its key in @k. */
/* The state slot @w (which names a tgid) points at, if it is the process
 * started at @start_ns; its key in @k. */
static __always_inline struct proc_state *state_at(struct where *w, __u64 start_ns,
						   struct proc_key *k)
{
	struct proc_state *st;

	*k = w->key;
	st = bpf_map_lookup_elem(&procs, k);
	if (!st || st->tgid != w->tgid || st->start_ns != start_ns)
		return NULL;
	return st;
}

static __always_inline struct proc_state *find(__u32 tgid, __u64 start_ns, struct proc_key *k)
{
	struct where *w = where_of(tgid);

	if (!w || w->tgid != tgid)
		return NULL;
	return state_at(w, start_ns, k);
}

/* Its reaper changed: keep @moved (a copy) under @to instead of @from. */
static __always_inline void rekey(struct proc_key *from, struct proc_state *moved,
				  struct proc_key *to)
{
	bpf_map_delete_elem(&procs, from);
	if (track(to, moved, BPF_ANY))
		count(RW_C_UNTRACKED);
}

static __always_inline void forget(struct proc_key *k, __u32 tgid)
{
	struct where *w = where_of(tgid);

	if (w && w->tgid == tgid && w->key.parent == k->parent && w->key.vpid == k->vpid)
		w->tgid = 0;
	bpf_map_delete_elem(&procs, k);
}

/* The reap of a tracked zombie by @reaper (NULL: not known): report, forget.
 * (Read with probes: 6.1 refuses plain loads through the current task in
 * syscall tracepoints.) */
static __always_inline void reaped(struct proc_key *k, struct proc_state *st,
				   struct task_struct *reaper, __u32 via)
{
	__u32 reaper_tgid = reaper ? tgid_of(reaper) : k->parent;
	__u64 now = bpf_ktime_get_ns();
	struct rw_event *e;

	/* A process whose exit was shown has its reap shown too, whoever reaps. */
	if (targ_tgid && !(st->flags & RW_F_SEEN) && st->tgid != targ_tgid &&
	    k->parent != targ_tgid && reaper_tgid != targ_tgid)
		goto out;
	if (st->zombie_ns)
		agg_reap(reaper, reaper_tgid, now - st->zombie_ns);
	e = reserve(RW_EV_REAP, now);
	if (!e)
		goto out;
	e->pid = st->tgid;
	e->start_ns = st->start_ns;
	e->nspid = st->nspid;
	e->pidns = st->pidns;
	e->ppid = k->parent;
	e->reaper_pid = reaper_tgid;
	e->via = via;
	e->flags = st->flags & (RW_F_APPROX | RW_F_EXACT_REAP | RW_F_PRESTART);
	e->duration_ns = now > st->zombie_ns ? now - st->zombie_ns : 0;
	__builtin_memcpy(e->comm, st->comm, RW_COMM_LEN);
	if (reaper)
		leader_comm(reaper, e->reaper_comm);
	submit(e);
out:
	forget(k, st->tgid);
}

/* --- orphan prediction (kernel/exit.c: find_new_reaper) ----------------------- */

struct reaper_guess {
	struct task_struct *reaper;
	__u8 kind;
};

/* Called when the whole thread group of @father is dead: no live thread to
 * inherit the children, so the nearest live subreaper ancestor in the same
 * pid namespace gets them, else the namespace's init. */
static __always_inline struct reaper_guess guess_reaper(struct task_struct *father)
{
	struct reaper_guess g = {};
	struct task_struct *t = father;
	__u32 level = pid_level(father);

	struct signal_struct *fsig = BPF_CORE_READ(father, signal);

	if (BPF_CORE_READ_BITFIELD_PROBED(fsig, has_child_subreaper)) {
		for (int i = 0; i < MAX_ANCESTORS; i++) {
			t = BPF_CORE_READ(t, real_parent);
			if (!t || pid_level(t) != level || BPF_CORE_READ(t, pid) == 0)
				break;
			struct signal_struct *sig = BPF_CORE_READ(t, signal);
			if (!BPF_CORE_READ_BITFIELD_PROBED(sig, is_child_subreaper))
				continue;
			if (BPF_CORE_READ(sig, live.counter) > 0) {
				g.reaper = t;
				g.kind = RW_REAPER_SUBREAPER;
				return g;
			}
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

/* A child already dead, or dying, changes reaper: re-key its state (unless
 * a tracer, not the father, is to reap it). */
static __always_inline void rekey_child(struct walk_ctx *w, struct task_struct *child)
{
	struct proc_key old, new;
	struct proc_state *st;

	if (!(BPF_CORE_READ(child, flags) & PF_EXITING))
		return;
	st = find(tgid_of(child), start_of(child), &old);
	if (st && old.parent == tgid_of(w->father)) {
		struct proc_state moved = *st;

		new.parent = tgid_of(w->reaper);
		new.vpid = vpid_for(child, w->reaper);
		rekey(&old, &moved, &new);
	}
}

static long orphan_one(__u32 i, void *data)
{
	struct walk_ctx *w = data;
	struct task_struct *child = next_child(w);
	struct rw_event *e;
	__u32 father_tgid, reaper_tgid;
	bool zombie;

	if (!child)
		return 1;
	rekey_child(w, child);
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

/* Past the bound: no events (that would hold the exit path too long), but
 * the pending reaps still follow their zombies, and each child is counted. */
static long orphan_unreported(__u32 i, void *data)
{
	struct walk_ctx *w = data;
	struct task_struct *child = next_child(w);

	if (!child)
		return 1;
	rekey_child(w, child);
	count(RW_C_ORPHANS_UNREPORTED);
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
	bpf_loop(MAX_CHILDREN, orphan_one, &w, 0);
	if (w.pos && w.pos != w.head)
		bpf_loop(MAX_MORE_CHILDREN, orphan_unreported, &w, 0);
}

/* --- exit --------------------------------------------------------------------- */

static __always_inline void report_exit(struct task_struct *p)
{
	struct task_struct *leader = p->group_leader;
	struct task_struct *parent = leader->parent; /* the one told: tracer or real */
	struct task_struct *real_parent = leader->real_parent;
	struct signal_struct *sig = p->signal;
	struct proc_state st = {};
	struct rw_event *e;
	struct facts f;
	__u32 ppid = real_parent->tgid;
	__u64 now = bpf_ktime_get_ns();
	bool autoreap;

	facts_of(p, &f);
	if (!in_scope_ns(p, f.pidns))
		return;
	count(RW_C_EXITS);

	/* The kernel releases it in exit_notify(): no zombie ever exists. */
	autoreap = !p->ptrace && leader->exit_signal == SIGCHLD &&
		   (parent->sighand->action[SIGCHLD - 1].sa.sa_handler == SIG_IGN ||
		    (parent->sighand->action[SIGCHLD - 1].sa.sa_flags & SA_NOCLDWAIT));
	if (!autoreap) {
		/* Keyed as the parent's wait will name it. */
		struct proc_key k = {
			.parent = parent->tgid,
			.vpid = pid_nr_at(f.pid, parent->thread_pid->level),
		};

		st.start_ns = f.start_ns;
		st.tgid = f.tgid;
		st.zombie_ns = now;
		st.flags = RW_F_APPROX;
		if (wanted_ns(p, f.pidns, f.tgid, ppid, 0))
			st.flags |= RW_F_SEEN;
		st.pidns = f.pidns;
		st.nspid = f.nspid;
		st.ppid_at_exit = ppid;
		copy_comm(st.comm, leader);

		long err = track(&k, &st, BPF_NOEXIST);

		if (err == -17 /* EEXIST */) {
			struct proc_state *cur = bpf_map_lookup_elem(&procs, &k);

			/* Threads dying together may all see live == 0: only one reports. */
			if (cur && cur->tgid == f.tgid && cur->start_ns == f.start_ns)
				return;
			/* Else a process whose reap we missed: this one takes its place. */
			err = track(&k, &st, BPF_ANY);
		}
		if (err)
			count(RW_C_UNTRACKED);
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
		if (autoreap)
			copy_comm(e->comm, leader);
		else
			__builtin_memcpy(e->comm, st.comm, sizeof(e->comm));
		copy_comm(e->parent_comm, real_parent->group_leader);
		submit(e);
	}
	if (autoreap) {
		agg_reap(real_parent, ppid, 0);
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

SEC("tp_btf/signal_generate")
int BPF_PROG(handle_signal, int sig, struct kernel_siginfo *info, struct task_struct *target)
{
	struct task_struct *child;
	struct proc_state *st;
	struct proc_key k;
	int code;
	__u32 si_pid;

	if (sig != SIGCHLD)
		return 0;
	code = info->si_code;
	if (code < CLD_EXITED || code > CLD_DUMPED)
		return 0;
	/* The dying process notifies its parent itself (or its last thread
	 * does, for a leader that died first). Re-notifications of already
	 * dead children during reparenting carry another pid: skip them. */
	child = bpf_get_current_task_btf()->group_leader;
	if (!(child->exit_state & EXIT_ZOMBIE))
		return 0;
	si_pid = info->_sifields._sigchld._pid;
	if (si_pid != pid_nr_at(child->thread_pid, target->thread_pid->level))
		return 0;

	/* Kept under the key the notified parent's wait will give, unless the
	 * parent changed since the exit (ptrace, or a parent dying meanwhile). */
	k.parent = target->tgid;
	k.vpid = si_pid;
	st = bpf_map_lookup_elem(&procs, &k);
	if (!st || st->tgid != (__u32)child->tgid || st->start_ns != child->start_time) {
		struct proc_state moved;
		struct proc_key old;

		st = find(child->tgid, child->start_time, &old);
		if (!st)
			return 0;
		moved = *st;
		moved.zombie_ns = bpf_ktime_get_ns();
		moved.flags &= ~RW_F_APPROX;
		rekey(&old, &moved, &k);
		return 0;
	}
	st->zombie_ns = bpf_ktime_get_ns();
	st->flags &= ~RW_F_APPROX;
	return 0;
}

/* --- reap: wait4 / waitid return in the reaper -------------------------------- */

static __always_inline void reap_by_vpid(__u32 vpid, __u32 via)
{
	struct proc_key k = { .parent = bpf_get_current_pid_tgid() >> 32, .vpid = vpid };
	struct proc_state *st = bpf_map_lookup_elem(&procs, &k);

	if (st)
		reaped(&k, st, bpf_get_current_task_btf(), via);
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
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (exact_reap) {
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
 * a namespace teardown): reported late, via "release". */
SEC("tp_btf/sched_process_free")
int BPF_PROG(handle_free, struct task_struct *p)
{
	struct proc_state *st;
	struct where *w;
	struct proc_key k;

	if (p->pid != p->tgid)
		return 0;
	/* Usually reaped already: a slot read, no hash lookup, no other field
	 * of a task that is cold by now. */
	w = where_of(p->tgid);
	if (!w || w->tgid != (__u32)p->tgid)
		return 0;
	st = state_at(w, p->start_time, &k);
	/* Runs in an RCU callback: `current` is not the reaper. */
	if (st)
		reaped(&k, st, NULL, RW_VIA_RELEASE);
	return 0;
}

/* Loaded only where trampolines are allowed: the reap, exactly, in the
 * reaper's context (or the kernel's, for internal reaps). */
SEC("fentry/release_task")
int BPF_PROG(handle_release, struct task_struct *p)
{
	struct task_struct *cur = (void *)bpf_get_current_task_btf();
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct wait_call *w;
	struct proc_state *st;
	struct proc_key k;
	__u32 via = RW_VIA_RELEASE;

	if (BPF_CORE_READ(p, pid) != BPF_CORE_READ(p, tgid))
		return 0;
	st = find(tgid_of(p), start_of(p), &k);
	if (!st)
		return 0;
	w = bpf_map_lookup_elem(&waits, &tid);
	if (tgid_of(cur) == k.parent) {
		struct wait_call regs_call = {};

		if (w)
			via = w->via;
		else if (wait_from_regs(&regs_call))
			via = regs_call.via;
	}
	st->flags |= RW_F_EXACT_REAP;
	reaped(&k, st, cur, via);
	return 0;
}

/* --- zombies from before we started ----------------------------------------- */

/* Run once by the loader: every zombie that already exists is tracked, with
 * zombie_ns 0 (its age is unknown), so leaks show up at start-up. */
SEC("iter/task")
int seed_zombies(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	struct task_struct *parent;
	struct proc_state st = {};
	struct proc_key k;

	if (!t || t->pid != t->tgid || !(t->exit_state & EXIT_ZOMBIE) || !in_scope(t))
		return 0;
	parent = t->parent;
	k.parent = parent->tgid;
	k.vpid = vpid_for(t, parent);
	st.tgid = t->tgid;
	st.start_ns = t->start_time;
	/* When it last ran, on the scheduler's clock: close to when it died. */
	st.zombie_ns = t->se.exec_start;
	st.flags = RW_F_APPROX | RW_F_PRESTART;
	st.pidns = pidns_inum(t);
	st.nspid = nspid_of(t);
	st.ppid_at_exit = t->real_parent->tgid;
	copy_comm(st.comm, t);
	if (track(&k, &st, BPF_NOEXIST) == 0)
		BPF_SEQ_PRINTF(ctx->meta->seq, "%u\n", st.tgid);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
