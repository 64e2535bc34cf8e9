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

#endif /* REAPWATCH_H */
