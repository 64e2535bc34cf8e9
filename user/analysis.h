/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The analysis: events in, summaries out. Pure code with no I/O, so the
 * live stream, a recording and a saved JSON trace give the same summaries,
 * and unit tests drive it with fixed events.
 *
 * Timing rules:
 *  - an exit's ts is (about) when the zombie appeared; a reap's
 *    ts - latency is exactly when it did;
 *  - an orphan event with RW_F_ZOMBIE hands a zombie to a new parent;
 *  - a parent is charged with a leak when a zombie stays unreaped in its
 *    care longer than leak_after_ns: measured from when the zombie became
 *    its responsibility (exit, or adoption), so init is not blamed for the
 *    old zombies it adopts and reaps at once.
 */
#ifndef RW_ANALYSIS_H
#define RW_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "reapwatch.h"
#include "hist.h"

/* Bounds on what one analysis tracks; beyond them it counts "dropped". */
#define RW_MAX_PROCS 65536   /* reapers, old parents and leakers, each */
#define RW_MAX_ZOMBIES 262144

/* A zombie that existed before the tool started (BPF task iterator). */
struct rw_seed {
	__u64 start_ns;  /* with pid, its identity */
	__u64 zombie_ns; /* when it became a zombie, estimated; 0: unknown */
	__u32 pid;
	__u32 nspid;
	__u32 pidns;
	__u32 parent;
	char comm[RW_COMM_LEN];
	char parent_comm[RW_COMM_LEN];
};

struct rw_analysis_opts {
	__u64 leak_after_ns;
	bool fine;           /* exact percentiles (fine histograms) */
};

/* --- the summaries a sink prints ------------------------------------------- */

struct rw_reaper_sum {
	__u32 pid;
	__u32 pidns;         /* of the processes it reaped or adopted (first seen) */
	char comm[RW_COMM_LEN];
	__u64 reaps;         /* with a known latency; == lat.count */
	__u64 adopted;       /* orphans handed to it */
	struct rw_hist lat;
};

struct rw_parent_sum {   /* a parent that lost children to a reaper */
	__u32 pid;
	char comm[RW_COMM_LEN];
	__u64 orphaned;
};

struct rw_zombie {
	__u64 start_ns;
	__u64 since_ns;      /* became a zombie (estimate when !age_known) */
	__u64 held_ns;       /* became the current parent's responsibility */
	__u32 pid;
	__u32 nspid;
	__u32 pidns;
	__u32 parent;
	char comm[RW_COMM_LEN];
	char parent_comm[RW_COMM_LEN];
	bool age_known;      /* false: it predates the tool; since_ns is a bound */
	bool approx;         /* since_ns taken at exit, not at the SIGCHLD */
};

struct rw_leaker {
	__u32 pid;
	char comm[RW_COMM_LEN];
	__u64 zombies;       /* distinct zombies it left unreaped too long */
	__u64 outstanding;   /* of which still unreaped now */
	__u64 oldest_ns;     /* the longest one waited in its care */
};

struct rw_totals {
	__u64 exits;
	__u64 reaps;             /* every reap event */
	__u64 reaps_unknown;     /* reaps of zombies of unknown age (predating us) */
	__u64 orphans;
	__u64 orphans_subreaper;
	__u64 orphans_pidns_init;
	__u64 orphans_zombie;    /* adopted already dead */
	__u64 lost;              /* events the kernel could not queue */
	__u64 untracked;         /* zombies the kernel could not time */
	__u64 dropped;           /* entries beyond the RW_MAX_* bounds */
	__u64 first_ns;          /* first and last event or end time */
	__u64 last_ns;
};

struct rw_analysis;

struct rw_analysis *rw_analysis_new(const struct rw_analysis_opts *opts);
void rw_analysis_free(struct rw_analysis *a);

/* Feeding. Events are expected in time order (small reorderings are fine). */
void rw_analysis_event(struct rw_analysis *a, const struct rw_event *e);
void rw_analysis_seed(struct rw_analysis *a, const struct rw_seed *s, __u64 now_ns);
void rw_analysis_lost(struct rw_analysis *a, __u64 total, __u64 ts_ns);
void rw_analysis_untracked(struct rw_analysis *a, __u64 total);
/* The end of the observed interval (a recording's end, or now). */
void rw_analysis_time(struct rw_analysis *a, __u64 now_ns);

/* In-kernel mode: replace the aggregates wholesale with the kernel's. */
void rw_analysis_set_reaper(struct rw_analysis *a, const struct rw_reaper_key *k,
			    const struct rw_reaper_stats *s);
void rw_analysis_set_parent(struct rw_analysis *a, const struct rw_reaper_key *k,
			    const struct rw_orphaner_stats *s);
void rw_analysis_clear_aggregates(struct rw_analysis *a);
/* In-kernel mode: the zombies outstanding now, listed at @now_ns one by one
 * between begin and end; leaks are judged from them. Of each, only its
 * parent and since when that parent holds it are kept from one look to the
 * next (the kernel's table has the rest): rw_analysis_zombies() then gives
 * the @keep oldest of the last look (0: none, SIZE_MAX: all), what a print
 * shows, and rw_analysis_nzombies() how many there were. */
void rw_analysis_sync_begin(struct rw_analysis *a, __u64 now_ns, size_t keep);
void rw_analysis_sync_zombie(struct rw_analysis *a, const struct rw_zombie *z);
void rw_analysis_sync_end(struct rw_analysis *a);
/* In-kernel mode: the names of the parents, looked up as a leak is charged
 * or printed (for pids that a zombie named at the last look or this one);
 * NULL or "" when unknown. */
typedef const char *rw_comm_fn(const void *ctx, __u32 pid);
void rw_analysis_parent_comms(struct rw_analysis *a, rw_comm_fn *fn, const void *ctx);
void rw_analysis_set_totals(struct rw_analysis *a, const struct rw_totals *t);

/* --- reading the summaries (arrays owned by the caller: free()) -------------- */

const struct rw_totals *rw_analysis_totals(const struct rw_analysis *a);
const struct rw_hist *rw_analysis_overall(const struct rw_analysis *a);
__u64 rw_analysis_leak_after(const struct rw_analysis *a);
size_t rw_analysis_nzombies(const struct rw_analysis *a);
/* Sorted by reaps then adoptions, descending, then pid. */
size_t rw_analysis_reapers(const struct rw_analysis *a, const struct rw_reaper_sum ***out);
size_t rw_analysis_parents(const struct rw_analysis *a, const struct rw_parent_sum ***out);
/* Sorted oldest first. In-kernel mode: those of the last look kept (see
 * rw_analysis_sync_begin()), maybe fewer than rw_analysis_nzombies(). */
size_t rw_analysis_zombies(const struct rw_analysis *a, const struct rw_zombie ***out);
/* As of @now_ns: closed leaks plus zombies outstanding too long. Sorted by
 * zombies, then oldest, descending. */
size_t rw_analysis_leakers(const struct rw_analysis *a, __u64 now_ns, struct rw_leaker **out);

#endif
