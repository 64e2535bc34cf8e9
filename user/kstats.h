/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The in-kernel aggregation, read back: the maps "reapers", "orphaners" and
 * "zombies" and the counters, into an analysis the summary sinks print.
 */
#ifndef RW_KSTATS_H
#define RW_KSTATS_H

#include <stddef.h>
#include "analysis.h"
#include "loader.h"

/* The zombies the kernel tracks now ("zombies"), restricted to @tgid (subject
 * or parent) when non-zero, each handed to @fn in a scratch record (which
 * @fn may change) without its parent's name. With @seeded_only, only those
 * that predate us. Ages of those are when they last ran, by the kernel's
 * scheduler clock. */
typedef void rw_kzombie_fn(void *ctx, struct rw_zombie *z);
int rw_kstats_each_zombie(const struct rw_loader *l, __u32 tgid, bool seeded_only, __u64 now_ns,
			  rw_kzombie_fn *fn, void *ctx);

/* The in-kernel mode of one analysis @a, restricted to @tgid as above: it
 * keeps the parents' names from one look at the zombies to the next. */
struct rw_kstats;
struct rw_kstats *rw_kstats_new(const struct rw_loader *l, struct rw_analysis *a, __u32 tgid);
void rw_kstats_free(struct rw_kstats *ks);
/* Replace the analysis' aggregates with the kernel's, and sync its zombies,
 * keeping the @keep oldest to print (see rw_analysis_sync_begin()). */
int rw_kstats_refresh(struct rw_kstats *ks, __u64 now_ns, size_t keep);
/* Only the zombies: called often (RW_KSTATS_SYNC_NS), so that leaks that end
 * between two prints are seen too, to that resolution. */
#define RW_KSTATS_SYNC_NS 250000000ull
int rw_kstats_sync_zombies(struct rw_kstats *ks, __u64 now_ns);
/* A parent's name is read when a zombie first names it, then again at the
 * first look this long after (it may change: exec, prctl). */
#define RW_KSTATS_COMM_REFRESH_NS 5000000000ull

/* /proc/PID/comm into comm; empty if gone. */
void rw_proc_comm(__u32 pid, char comm[RW_COMM_LEN]);

#endif
