/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The only header shared by the kernel side (bpf/reapwatch.bpf.c) and user
 * space: the event record and the map layouts. Fixed-size fields, widest
 * first, no pointers, so both sides agree on the layout.
 */
#ifndef REAPWATCH_H
#define REAPWATCH_H

#define RW_COMM_LEN 16

enum rw_event_type {
	RW_EV_EXIT = 1,   /* a thread group died */
	RW_EV_ORPHAN = 2, /* a process lost its parent and got a reaper */
	RW_EV_REAP = 3,   /* a zombie was reaped */
	RW_EV_LOST = 4,   /* user space only: events the kernel could not queue */
};

enum rw_reaper_kind {
	RW_REAPER_SUBREAPER = 1,  /* nearest PR_SET_CHILD_SUBREAPER ancestor */
	RW_REAPER_PIDNS_INIT = 2, /* PID 1 of the process's pid namespace */
};

enum rw_reap_via {
	RW_VIA_WAIT4 = 1,
	RW_VIA_WAITID = 2,
	RW_VIA_AUTOREAP = 3, /* parent ignores SIGCHLD or set SA_NOCLDWAIT */
	RW_VIA_RELEASE = 4,  /* seen only by the sched_process_free backstop */
};

enum rw_event_flags {
	RW_F_ZOMBIE = 1 << 0,      /* orphan: it had already exited */
	RW_F_APPROX = 1 << 1,      /* reap: zombie time taken at exit, not at notify */
	RW_F_EXACT_REAP = 1 << 2,  /* reap: seen by fentry/release_task */
	RW_F_SEEN = 1 << 3,        /* state only: its exit passed the filters, so
				    * its reap is reported whoever reaps it */
	RW_F_PRESTART = 1 << 4,    /* it was a zombie before reapwatch started;
				    * zombie_ns is when it last ran */
	RW_F_FINE = 1 << 5,        /* state only: counted in "watched_fine" */
};

struct rw_event {
	__u64 ts_ns;       /* CLOCK_MONOTONIC, when it happened */
	__u64 start_ns;    /* the subject's start time: with pid, its identity */
	__u64 duration_ns; /* exit: lifetime; reap: zombie -> reaped latency */
	__u32 type;        /* enum rw_event_type */
	__u32 pid;         /* the subject, global tgid */
	__u32 nspid;       /* its pid inside its own pid namespace */
	__u32 pidns;       /* inode of its pid namespace */
	__u32 ppid;        /* exit/reap: its parent; orphan: the parent it lost */
	__u32 reaper_pid;  /* orphan: the new parent; reap: who reaped it */
	__u32 status;      /* exit: wait status (code << 8 | core 0x80 | signal) */
	__u32 flags;       /* enum rw_event_flags */
	__u8 reaper_kind;  /* orphan: enum rw_reaper_kind */
	__u8 via;          /* reap: enum rw_reap_via */
	__u8 pad[6];
	char comm[RW_COMM_LEN];        /* the subject */
	char parent_comm[RW_COMM_LEN]; /* exit: parent; orphan: old parent */
	char reaper_comm[RW_COMM_LEN]; /* orphan/reap: the reaper */
};

/* --- in-kernel aggregation (no per-event output) --------------------------- */

#define RW_LAT_SLOTS 40 /* log2(ns) slots: slot i counts [2^i, 2^(i+1)) ns */

/* One reaper (a process that reaped or adopted something). */
struct rw_reaper_key {
	__u64 start_ns;
	__u32 tgid;
	__u32 pidns;
};

/* live_gen comes first in both values: the sweep generation (reapwatch
 * serve) at which the process was last seen alive, 0 for a moment while
 * the entry is made. */
struct rw_reaper_stats {
	__u64 live_gen;
	__u64 reaps;
	__u64 adopted;    /* orphans handed to it */
	__u64 sum_ns;     /* reap latencies */
	__u64 min_ns;
	__u64 max_ns;
	__u64 slots[RW_LAT_SLOTS];
	char comm[RW_COMM_LEN];
};

/* One parent that lost children to a reaper, keyed like a reaper. */
struct rw_orphaner_stats {
	__u64 live_gen;
	__u64 orphaned;
	char comm[RW_COMM_LEN];
};

/* Machine-wide counters, indexed by enum rw_counter. */
enum rw_counter {
	RW_C_EXITS,
	RW_C_REAPS,
	RW_C_ORPHANS_SUBREAPER,
	RW_C_ORPHANS_PIDNS_INIT,
	RW_C_LOST,          /* ring buffer full */
	RW_C_UNTRACKED,     /* state map full: a zombie we cannot time */
	RW_C_AGG_OVERFLOW,  /* aggregation map full */
	RW_C_ORPHANS_UNREPORTED, /* children past the walk's bound (MAX_CHILDREN) */
	RW_C_MAX,
};

/* The counters are kept in a row (one cache line) per CPU, CPU % this, and
 * user space adds the rows up: one line written by every CPU's exits and
 * reaps bounced between them (measured: docs/benchmarks.md). */
#define RW_COUNTER_ROWS 64

/* A process between its exit and its reap: one slot (one cache line) of the
 * array map "zombies", found by its global pid. The table has two parts:
 *  - the first RW_RECENT_SLOTS slots, one per pid % RW_RECENT_SLOTS: the
 *    zombie that died last of that class. Pids are handed out in order, so
 *    the few lines that come next stay in cache, where a table as large as
 *    the second part would cost every exit a line from memory.
 *  - then RW_SPILL_SLOTS slots for the zombies a later exit moved out of
 *    their recent slot: home pid % RW_SPILL_SLOTS, else one of the next
 *    RW_ZOMBIE_PROBES - 1, which the home counts (displaced).
 * The map "pending" has a bit per pid, set while it has a slot: a process
 * that was reaped as usual is known gone without a look at the table.
 * User space reads the table through mmap(). */
#define RW_RECENT_SLOTS 4096
#define RW_SPILL_SLOTS 65536
#define RW_ZOMBIE_SLOTS (RW_RECENT_SLOTS + RW_SPILL_SLOTS)
#define RW_ZOMBIE_PROBES 8
#define RW_PENDING_WORDS 65536 /* 64 pids a word: every pid below 2^22 */
#define RW_WATCH_BUCKETS 1024 /* counters of tracked zombies' tasks, by address */
#define RW_WATCH_FINE 64      /* finer counters per bucket: one byte each */
#define RW_SLOT_BUSY 0xffffffffull /* tgid while a reap empties the slot */

struct rw_proc_state {
	__u64 tgid;       /* global pid; 0: free (64 bits: claimed by compare-and-swap) */
	__u64 start_ns;   /* with tgid: which process this is (pids are reused) */
	__u64 zombie_ns;  /* when it became a zombie (exit time if APPROX; its
			   * last run (se.exec_start) if PRESTART) */
	__u32 parent;     /* tgid of whoever is to reap it */
	__u32 vpid;       /* its pid as that parent sees it (wait4's answer) */
	__u16 flags;      /* RW_F_APPROX, RW_F_SEEN, RW_F_PRESTART, ... */
	__u16 task_bucket; /* its task's fine counter (kernel side only): "watched"
			    * bucket * RW_WATCH_FINE + byte in "watched_fine" */
	__u32 pidns;
	__u32 nspid;
	__u32 displaced;  /* of a spill slot as a home: entries kept further on */
	char comm[RW_COMM_LEN];
};

#endif /* REAPWATCH_H */
