/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The metrics sink: a snapshot of the in-kernel aggregates, by sandbox, as
 * Prometheus text (0.0.4) or OpenMetrics 1.0 text. Pure code: serve.c fills
 * the snapshot, unit tests render fixed ones. Names and labels are in
 * docs/serve.md.
 */
#ifndef RW_PROM_H
#define RW_PROM_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "reapwatch.h"
#include "attrib.h"

/* Histogram buckets: le = 2^k ns for k in [FIRST, LAST] (1.024 us to
 * 68.7 s), each the sum of the kernel's log2 slots below it, then +Inf. */
#define RW_PROM_LE_FIRST 10
#define RW_PROM_LE_LAST 36

/* One sandbox label set: what its pid namespace's processes did. */
struct rw_prom_series {
	char pidns[16];               /* the inode, "other" (over the bound) or "unknown" */
	char pod_uid[RW_ID_LEN];      /* "" if none: the label is left out */
	char container_id[RW_ID_LEN];
	__u64 slots[RW_LAT_SLOTS];    /* reap latencies (reaps by its processes) */
	__u64 sum_ns;
	__u64 orphans[2];             /* adopted by [0] a subreaper, [1] its init */
	__u64 zombies;                /* outstanding now */
	__u64 oldest_ns;              /* age of the oldest of them */
	/* reapwatch_sandbox_info, when the init was found */
	bool info;
	__u32 init_pid;
	char init_comm[RW_COMM_LEN];
	char cgroup[RW_CG_PATH_LEN];
	const char *runtime;
	const char *qos;
};

struct rw_prom_prog {
	char name[64];
	__u64 run_ns;
	__u64 run_cnt;
};

struct rw_prom {
	const char *version;
	const char *reap_hook;        /* "release_task" or "wait_syscalls" */
	__u64 exits;
	__u64 lost_ringbuf;           /* RW_C_LOST */
	__u64 lost_untracked;         /* RW_C_UNTRACKED */
	__u64 lost_aggregation;       /* RW_C_AGG_OVERFLOW */
	__u64 lost_orphans;           /* RW_C_ORPHANS_UNREPORTED */
	__u64 reapers;                /* aggregation entries of live reapers */
	__u64 reapers_retired;        /* entries of exited reapers, folded and freed */
	unsigned max_sandboxes;
	__u64 sandboxes_overflowed;
	__u64 sandboxes_forgotten;    /* dead ones whose series were dropped */
	int bpf_stats;                /* kernel.bpf_stats_enabled: 1, 0, -1 unknown */
	const struct rw_prom_series *series;
	size_t nseries;
	const struct rw_prom_prog *progs; /* written only when bpf_stats is 1 */
	size_t nprogs;
};

#define RW_PROM_CTYPE_TEXT "text/plain; version=0.0.4; charset=utf-8"
#define RW_PROM_CTYPE_OPENMETRICS "application/openmetrics-text; version=1.0.0; charset=utf-8"

/* Writes the whole exposition; OpenMetrics ends with "# EOF". Returns 0 or
 * -EIO if the stream failed. */
int rw_prom_write(FILE *f, const struct rw_prom *p, bool openmetrics);

/* Nanoseconds as an exact decimal number of seconds ("0.000001024"). */
void rw_prom_seconds(char *buf, size_t len, __u64 ns);

/* Does an HTTP Accept header ask for OpenMetrics? */
bool rw_prom_wants_openmetrics(const char *accept);

#endif
