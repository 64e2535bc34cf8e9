/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Latency distributions: count, sum, min, max, the log2 slots the kernel
 * also keeps (enough to print), and optionally the samples themselves while
 * there are at most RW_EXACT_MAX (exact percentiles), then a fine histogram
 * (128 linear sub-buckets per power of two: percentiles within 0.4%).
 */
#ifndef RW_HIST_H
#define RW_HIST_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "reapwatch.h"

#define RW_FINE_SUB_BITS 7
#define RW_FINE_SUB (1u << RW_FINE_SUB_BITS)
/* Values below RW_FINE_SUB are exact; then 57 octaves of RW_FINE_SUB buckets. */
#define RW_FINE_BUCKETS (RW_FINE_SUB + (64 - RW_FINE_SUB_BITS) * RW_FINE_SUB)
#define RW_EXACT_MAX 64

struct rw_hist {
	__u64 count;
	__u64 sum;
	__u64 min;
	__u64 max;
	__u64 log2[RW_LAT_SLOTS]; /* slot i: [2^i, 2^(i+1)); slot 0 also holds 0 */
	__u32 *fine;              /* RW_FINE_BUCKETS counts, or NULL: log2 only */
	__u64 *exact;             /* with fine: the samples, sorted, while count
				   * <= RW_EXACT_MAX; then NULL */
};

/* Add one sample; keeps a fine histogram when @fine. -ENOMEM leaves h valid
 * (the sample is counted, only the fine histogram is dropped). */
int rw_hist_add(struct rw_hist *h, __u64 ns, bool fine);
/* dst += src; -ENOMEM as above. */
int rw_hist_merge(struct rw_hist *dst, const struct rw_hist *src);
/* Set from the kernel's aggregate (no fine histogram). */
void rw_hist_set_log2(struct rw_hist *h, __u64 count, __u64 sum, __u64 min, __u64 max,
		      const __u64 slots[RW_LAT_SLOTS]);
void rw_hist_free(struct rw_hist *h);

/* Nearest-rank percentile; @bp in basis points (5000 = p50, 9900 = p99).
 * From the samples: exact; from the fine histogram: the bucket's midpoint
 * (within 0.4%); from log2 slots: linear
 * within the slot. Always clamped to [min, max]; 0 when empty. */
__u64 rw_hist_percentile(const struct rw_hist *h, unsigned bp);

/* The log2 slot of a value, as the kernel computes it. */
unsigned rw_log2_slot(__u64 ns);
/* Index of the fine bucket holding @ns, and the bucket's bounds. */
unsigned rw_fine_index(__u64 ns);
void rw_fine_bounds(unsigned idx, __u64 *low, __u64 *high);

/* The libbpf-tools/bcc form, empty leading and trailing slots omitted:
 *          nsecs               : count    distribution
 *     131072 -> 262143         : 3        |*****                         |
 */
void rw_hist_print_log2(FILE *f, const struct rw_hist *h, const char *indent);

/* 1.5ms, 230us, 2.01s */
void rw_human_ns(__u64 ns, char *buf, size_t len);

#endif
