/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The live commands, `stats` and `record`: the loader's events (or the
 * kernel's aggregates) into an analysis, a recording, or both.
 */
#ifndef RW_LIVE_H
#define RW_LIVE_H

#include <signal.h>
#include <stdbool.h>
#include "loader.h"

struct rw_live_opts {
	bool summaries;       /* stats: print summaries (record: only record) */
	bool kernel;          /* read the in-kernel aggregates, no events */
	bool json;            /* summaries as JSON objects, one a line */
	bool per_reaper;      /* text: a histogram per reaper */
	unsigned top;         /* text: rows per table, 0: all */
	__u64 leak_after_ns;
	long duration_s;      /* 0: until stopped */
	long interval_s;      /* 0: print only at the end */
	const char *output;   /* a recording to write, or NULL */
	__u32 tgid;           /* the -p filter (zombies read from the kernel) */
};

struct rw_live;

struct rw_live *rw_live_new(const struct rw_live_opts *o, char *err, size_t errlen);
/* The loader's event callback; ctx is the rw_live. */
int rw_live_event(void *ctx, const struct rw_event *e);
/* Right after rw_load, still privileged: find the zombies that predate us,
 * create the recording. Returns 0 or -errno with a message. */
int rw_live_start(struct rw_live *lv, struct rw_loader *l, char *err, size_t errlen);
/* Until *stop or the duration ends; prints the summaries. 0 or -errno. */
int rw_live_run(struct rw_live *lv, struct rw_loader *l, const volatile sig_atomic_t *stop);
void rw_live_free(struct rw_live *lv);

#endif
