/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `report --svg`: a reap-latency heatmap over time (columns of time, rows of
 * log2 latency buckets; overall, then the busiest reapers) above a timeline
 * of outstanding zombies. One standalone SVG file, no scripts, no fonts
 * beyond the generic families.
 */
#ifndef RW_SVG_H
#define RW_SVG_H

#include <stddef.h>
#include "analysis.h"
#include "source.h"

#define RW_SVG_MAX_POINTS (1u << 22) /* reaps and zombie-count changes drawn */

struct rw_svg;

struct rw_svg *rw_svg_new(void);
/* After the analysis took the item: @zombies is its outstanding count. */
void rw_svg_item(struct rw_svg *s, const struct rw_item *it, size_t zombies);
int rw_svg_write(struct rw_svg *s, const char *path, const struct rw_analysis *a, __u64 end_ns,
		 const struct rw_source_info *info, char *err, size_t errlen);
void rw_svg_free(struct rw_svg *s);

#endif
