/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `report`: a recording or a saved JSON trace -> the same summaries as stats. */
#ifndef RW_REPORT_H
#define RW_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct rw_report_opts {
	const char *path;     /* "-": stdin */
	bool json;
	bool per_reaper;
	unsigned top;
	__u64 leak_after_ns;
	const char *svg;      /* also draw the heatmap here, or NULL */
};

/* 0; -EBADMSG when the input is bad (message in err); another -errno else. */
int rw_report(const struct rw_report_opts *o, char *err, size_t errlen);

#endif
