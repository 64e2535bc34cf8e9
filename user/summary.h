/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Summary sinks: an analysis printed as text tables or as one JSON object. */
#ifndef RW_SUMMARY_H
#define RW_SUMMARY_H

#include <stdbool.h>
#include <stdio.h>
#include "analysis.h"

struct rw_summary_opts {
	__u64 now_ns;        /* CLOCK_MONOTONIC "now": zombie ages, leaks */
	unsigned top;        /* text: rows per table (0: all) */
	bool per_reaper;     /* text: a histogram per reaper too */
	const char *mode;    /* "events" or "kernel" */
};

void rw_summary_text(FILE *f, const struct rw_analysis *a, const struct rw_summary_opts *o);
/* One line of JSON. Returns 0 or -ENOMEM. */
int rw_summary_json(FILE *f, const struct rw_analysis *a, const struct rw_summary_opts *o);

#endif
