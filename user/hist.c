// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Latency distributions: add, merge, percentiles, and the log2 printout. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "hist.h"

unsigned rw_log2_slot(__u64 ns)
{
	unsigned slot = ns ? 63 - __builtin_clzll(ns) : 0;

	return slot < RW_LAT_SLOTS ? slot : RW_LAT_SLOTS - 1;
}

unsigned rw_fine_index(__u64 ns)
{
	unsigned e;

	if (ns < RW_FINE_SUB)
		return ns;
	e = 63 - __builtin_clzll(ns);
	return (e - RW_FINE_SUB_BITS) * RW_FINE_SUB + (ns >> (e - RW_FINE_SUB_BITS));
}

void rw_fine_bounds(unsigned idx, __u64 *low, __u64 *high)
{
	unsigned e, shift;
	__u64 m;

	if (idx < RW_FINE_SUB) {
		*low = *high = idx;
		return;
	}
	e = idx / RW_FINE_SUB + RW_FINE_SUB_BITS - 1;
	m = idx % RW_FINE_SUB + RW_FINE_SUB;
	shift = e - RW_FINE_SUB_BITS;
	*low = m << shift;
	*high = *low + ((1ull << shift) - 1);
}

/* For an empty histogram: fine buckets and room for exact samples. */
static int ensure_fine(struct rw_hist *h)
{
	if (!h->fine)
		h->fine = calloc(RW_FINE_BUCKETS, sizeof(*h->fine));
	if (h->fine && !h->exact)
		h->exact = calloc(RW_EXACT_MAX, sizeof(*h->exact));
	return h->fine && h->exact ? 0 : -ENOMEM;
}

static void drop_exact(struct rw_hist *h)
{
	free(h->exact);
	h->exact = NULL;
}

/* Insert into the sorted samples (count is the number before). */
static void exact_insert(__u64 *v, __u64 count, __u64 ns)
{
	__u64 i = count;

	while (i > 0 && v[i - 1] > ns) {
		v[i] = v[i - 1];
		i--;
	}
	v[i] = ns;
}

int rw_hist_add(struct rw_hist *h, __u64 ns, bool fine)
{
	int err = 0;

	/* A fine histogram is only exact if it saw every sample. */
	if (fine && h->count == 0)
		err = ensure_fine(h);
	if (h->count == 0 || ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
	if (h->exact && h->count < RW_EXACT_MAX)
		exact_insert(h->exact, h->count, ns);
	else
		drop_exact(h);
	h->count++;
	h->sum += ns;
	h->log2[rw_log2_slot(ns)]++;
	if (h->fine) {
		__u32 *b = &h->fine[rw_fine_index(ns)];

		if (*b != UINT32_MAX)
			(*b)++;
	}
	return err;
}

int rw_hist_merge(struct rw_hist *dst, const struct rw_hist *src)
{
	int err = 0;

	if (!src->count)
		return 0;
	if (dst->count == 0 && src->fine)
		err = ensure_fine(dst);
	if (dst->count == 0 || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	if (dst->fine && !src->fine) {
		/* No longer exact: fall back to the log2 slots. */
		free(dst->fine);
		dst->fine = NULL;
	}
	if (dst->exact && src->exact && dst->count + src->count <= RW_EXACT_MAX)
		for (__u64 i = 0; i < src->count; i++)
			exact_insert(dst->exact, dst->count + i, src->exact[i]);
	else
		drop_exact(dst);
	dst->count += src->count;
	dst->sum += src->sum;
	for (unsigned i = 0; i < RW_LAT_SLOTS; i++)
		dst->log2[i] += src->log2[i];
	if (dst->fine)
		for (unsigned i = 0; i < RW_FINE_BUCKETS; i++) {
			__u64 n = (__u64)dst->fine[i] + src->fine[i];

			dst->fine[i] = n > UINT32_MAX ? UINT32_MAX : n;
		}
	return err;
}

void rw_hist_set_log2(struct rw_hist *h, __u64 count, __u64 sum, __u64 min, __u64 max,
		      const __u64 slots[RW_LAT_SLOTS])
{
	rw_hist_free(h);
	h->count = count;
	h->sum = sum;
	h->min = min;
	h->max = max;
	memcpy(h->log2, slots, sizeof(h->log2));
}

void rw_hist_free(struct rw_hist *h)
{
	free(h->fine);
	free(h->exact);
	memset(h, 0, sizeof(*h));
}

static __u64 clamp(const struct rw_hist *h, __u64 v)
{
	return v < h->min ? h->min : v > h->max ? h->max : v;
}

__u64 rw_hist_percentile(const struct rw_hist *h, unsigned bp)
{
	__u64 total = 0, rank, cum = 0;

	if (bp > 10000)
		bp = 10000;
	if (h->fine) {
		/* A saturated bucket makes the fine counts disagree with count. */
		for (unsigned i = 0; i < RW_FINE_BUCKETS; i++)
			total += h->fine[i];
	} else {
		for (unsigned i = 0; i < RW_LAT_SLOTS; i++)
			total += h->log2[i];
	}
	if (!total)
		return 0;
	rank = (total * bp + 9999) / 10000;
	/* The ends are known exactly. */
	if (rank <= 1)
		return h->min;
	if (rank >= total)
		return h->max;
	if (h->exact && total == h->count)
		return h->exact[rank - 1];

	if (h->fine) {
		for (unsigned i = 0; i < RW_FINE_BUCKETS; i++) {
			cum += h->fine[i];
			if (cum >= rank) {
				__u64 lo, hi;

				rw_fine_bounds(i, &lo, &hi);
				return clamp(h, lo + (hi - lo) / 2);
			}
		}
	} else {
		int first = -1, last = -1;

		for (int i = 0; i < RW_LAT_SLOTS; i++)
			if (h->log2[i]) {
				if (first < 0)
					first = i;
				last = i;
			}
		for (int i = first; i >= 0 && i <= last; i++) {
			__u64 n = h->log2[i];

			if (n && cum + n >= rank) {
				/* The first sample of the first slot is min, the last of
				 * the last is max; spread the others evenly between. */
				double lo = i == first ? (double)h->min : i ? (double)(1ull << i) : 0;
				double hi = i == last ? (double)h->max : (double)(2ull << i) - 1;
				double v;

				if (n > 1)
					v = lo + (hi - lo) * (double)(rank - cum - 1) / (double)(n - 1);
				else
					v = i == first ? lo : i == last ? hi : lo + (hi - lo) / 2;
				return clamp(h, (__u64)v);
			}
			cum += n;
		}
	}
	return h->max;
}

void rw_hist_print_log2(FILE *f, const struct rw_hist *h, const char *indent)
{
	const int stars = 30;
	int first = -1, last = -1;
	__u64 top = 0;

	for (int i = 0; i < RW_LAT_SLOTS; i++) {
		if (!h->log2[i])
			continue;
		if (first < 0)
			first = i;
		last = i;
		if (h->log2[i] > top)
			top = h->log2[i];
	}
	if (first < 0)
		return;
	fprintf(f, "%s%*s%-*s : count    distribution\n", indent, 10, "", 20, "nsecs");
	for (int i = first; i <= last; i++) {
		__u64 low = i ? 1ull << i : 0, high = (2ull << i) - 1, n = h->log2[i];
		int k = (int)((n * stars + top - 1) / top);
		char bar[64];

		if (i == RW_LAT_SLOTS - 1)
			high = UINT64_MAX;
		memset(bar, '*', k);
		bar[k] = '\0';
		if (i == RW_LAT_SLOTS - 1)
			fprintf(f, "%s%13llu -> %-13s : %-8llu |%-*s|\n", indent,
				(unsigned long long)low, "inf", (unsigned long long)n, stars, bar);
		else
			fprintf(f, "%s%13llu -> %-13llu : %-8llu |%-*s|\n", indent,
				(unsigned long long)low, (unsigned long long)high,
				(unsigned long long)n, stars, bar);
	}
}

void rw_human_ns(__u64 ns, char *buf, size_t len)
{
	if (ns < 10000)
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	else if (ns < 10000000)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 10000000000ull)
		snprintf(buf, len, "%.1fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
}
