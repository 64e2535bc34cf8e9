// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Histograms and percentiles on fixed inputs. */
#include <stdint.h>
#include <stdlib.h>
#include "hist.h"
#include "unit.h"

static bool fine_buckets_cover_values(void)
{
	unsigned prev = 0;

	for (__u64 v = 0; v < (1ull << 40); v = v < 4096 ? v + 1 : v + v / 97) {
		unsigned idx = rw_fine_index(v);
		__u64 lo, hi;

		CHECK(idx < RW_FINE_BUCKETS, "index %u of %llu out of range", idx,
		      (unsigned long long)v);
		CHECK(idx >= prev, "index not monotonic at %llu", (unsigned long long)v);
		rw_fine_bounds(idx, &lo, &hi);
		CHECK(lo <= v && v <= hi, "%llu outside its bucket [%llu, %llu]",
		      (unsigned long long)v, (unsigned long long)lo, (unsigned long long)hi);
		/* Within 1/128 of the value: the promised resolution. */
		CHECK((hi - lo) * RW_FINE_SUB <= (lo ? lo : 1), "bucket of %llu too wide",
		      (unsigned long long)v);
		prev = idx;
	}
	CHECK_EQ(rw_fine_index(UINT64_MAX), RW_FINE_BUCKETS - 1);
	return true;
}

static bool exact_percentiles_small_values(void)
{
	struct rw_hist h = {};

	/* 1..100, shuffled: nearest rank gives p50 = 50, p90 = 90, p99 = 99. */
	for (__u64 i = 0; i < 100; i++)
		rw_hist_add(&h, (i * 37) % 100 + 1, true);
	CHECK_EQ(h.count, 100);
	CHECK_EQ(h.min, 1);
	CHECK_EQ(h.max, 100);
	CHECK_EQ(h.sum, 5050);
	CHECK_EQ(rw_hist_percentile(&h, 5000), 50);
	CHECK_EQ(rw_hist_percentile(&h, 9000), 90);
	CHECK_EQ(rw_hist_percentile(&h, 9900), 99);
	CHECK_EQ(rw_hist_percentile(&h, 10000), 100);
	CHECK_EQ(rw_hist_percentile(&h, 0), 1);
	rw_hist_free(&h);
	return true;
}

static bool percentiles_within_resolution(void)
{
	struct rw_hist h = {};
	/* 1 ms .. 1000 ms in 1 ms steps: pN is N% of a second. */
	for (__u64 ms = 1; ms <= 1000; ms++)
		rw_hist_add(&h, ms * 1000000, true);
	for (unsigned bp = 100; bp <= 10000; bp += 100) {
		__u64 want = bp / 10 * 1000000ull, got = rw_hist_percentile(&h, bp);
		__u64 diff = got > want ? got - want : want - got;

		CHECK(diff * 256 <= want, "p%u: %llu, want %llu within 0.4%%", bp / 100,
		      (unsigned long long)got, (unsigned long long)want);
	}
	CHECK_EQ(rw_hist_percentile(&h, 10000), 1000000000);
	rw_hist_free(&h);
	return true;
}

static bool single_sample_is_exact(void)
{
	struct rw_hist h = {};
	__u64 slots[RW_LAT_SLOTS] = {};

	rw_hist_add(&h, 200123456, true);
	CHECK_EQ(rw_hist_percentile(&h, 5000), 200123456);
	CHECK_EQ(rw_hist_percentile(&h, 9900), 200123456);
	/* The kernel's form: log2 slots, clamped to [min, max]. */
	slots[rw_log2_slot(200123456)] = 1;
	rw_hist_set_log2(&h, 1, 200123456, 200123456, 200123456, slots);
	CHECK(!h.fine, "set_log2 keeps no fine histogram");
	CHECK_EQ(rw_hist_percentile(&h, 5000), 200123456);
	rw_hist_free(&h);
	CHECK_EQ(rw_hist_percentile(&h, 5000), 0);
	return true;
}

static bool exact_while_few_samples(void)
{
	struct rw_hist h = {};
	const __u64 v[] = { 1500654321, 90000, 1500987654, 1501234567, 120000 };

	for (size_t i = 0; i < 5; i++)
		rw_hist_add(&h, v[i], true);
	CHECK(h.exact, "samples kept");
	CHECK_EQ(rw_hist_percentile(&h, 5000), 1500654321); /* rank 3 of 5 */
	CHECK_EQ(rw_hist_percentile(&h, 4000), 120000);     /* rank 2 */
	CHECK_EQ(rw_hist_percentile(&h, 9000), 1501234567);
	/* Past RW_EXACT_MAX the fine histogram answers, within 0.4%. */
	for (int i = 0; i < RW_EXACT_MAX; i++)
		rw_hist_add(&h, 1500000000, true);
	CHECK(!h.exact, "samples dropped past RW_EXACT_MAX");
	CHECK(rw_hist_percentile(&h, 5000) / 1000000 >= 1494 &&
	      rw_hist_percentile(&h, 5000) / 1000000 <= 1506, "p50 %llu",
	      (unsigned long long)rw_hist_percentile(&h, 5000));
	rw_hist_free(&h);
	return true;
}

static bool log2_percentiles_interpolate(void)
{
	struct rw_hist h = {};
	__u64 slots[RW_LAT_SLOTS] = {};

	/* 10 samples in [1024, 2047], 10 in [1M, 2M): p50 stays in the low slot. */
	slots[10] = 10;
	slots[20] = 10;
	rw_hist_set_log2(&h, 20, 0, 1100, 1500000, slots);
	CHECK_EQ(rw_hist_percentile(&h, 5000), 2047);
	CHECK(rw_hist_percentile(&h, 2500) >= 1100 && rw_hist_percentile(&h, 2500) <= 2047,
	      "p25 %llu", (unsigned long long)rw_hist_percentile(&h, 2500));
	CHECK(rw_hist_percentile(&h, 9000) >= 1 << 20 && rw_hist_percentile(&h, 9000) <= 1500000,
	      "p90 %llu", (unsigned long long)rw_hist_percentile(&h, 9000));
	CHECK_EQ(rw_hist_percentile(&h, 10000), 1500000);
	CHECK_EQ(rw_hist_percentile(&h, 100), 1100);
	return true;
}

static bool merge_fine_and_log2(void)
{
	struct rw_hist a = {}, b = {}, all = {}, k = {};
	__u64 slots[RW_LAT_SLOTS] = {};

	for (__u64 i = 1; i <= 50; i++) {
		rw_hist_add(&a, i * 1000, true);
		rw_hist_add(&all, i * 1000, true);
	}
	for (__u64 i = 51; i <= 100; i++) {
		rw_hist_add(&b, i * 1000, true);
		rw_hist_add(&all, i * 1000, true);
	}
	CHECK_EQ(rw_hist_merge(&a, &b), 0);
	CHECK_EQ(a.count, 100);
	CHECK_EQ(a.min, 1000);
	CHECK_EQ(a.max, 100000);
	for (unsigned bp = 1000; bp <= 10000; bp += 1000)
		CHECK_EQ(rw_hist_percentile(&a, bp), rw_hist_percentile(&all, bp));
	/* Merging log2-only data makes the result log2-only, not wrong. */
	slots[5] = 1;
	rw_hist_set_log2(&k, 1, 40, 40, 40, slots);
	CHECK_EQ(rw_hist_merge(&a, &k), 0);
	CHECK(!a.fine, "a log2-only merge must drop the fine histogram");
	CHECK_EQ(a.count, 101);
	CHECK_EQ(a.min, 40);
	rw_hist_free(&a);
	rw_hist_free(&b);
	rw_hist_free(&all);
	return true;
}

static bool log2_printout(void)
{
	static const char want[] =
		"          nsecs                : count    distribution\n"
		"         1024 -> 2047          : 4        |******************************|\n"
		"         2048 -> 4095          : 0        |                              |\n"
		"         4096 -> 8191          : 1        |********                      |\n";
	struct rw_hist h = {};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CHECK(f, "open_memstream");
	for (int i = 0; i < 4; i++)
		rw_hist_add(&h, 1500, false);
	rw_hist_add(&h, 5000, false);
	rw_hist_print_log2(f, &h, "");
	fclose(f);
	CHECK(!strcmp(buf, want), "got:\n%s", buf);
	free(buf);
	return true;
}

static bool human_durations(void)
{
	char buf[32];

	rw_human_ns(999, buf, sizeof(buf));
	CHECK(!strcmp(buf, "999ns"), "%s", buf);
	rw_human_ns(200000000, buf, sizeof(buf));
	CHECK(!strcmp(buf, "200.0ms"), "%s", buf);
	rw_human_ns(12500000000ull, buf, sizeof(buf));
	CHECK(!strcmp(buf, "12.50s"), "%s", buf);
	return true;
}

UNIT_CASES(hist_cases) = {
	{ "hist: fine buckets cover every value within 1/128", fine_buckets_cover_values },
	{ "hist: exact nearest-rank percentiles of 1..100", exact_percentiles_small_values },
	{ "hist: percentiles of 1..1000 ms within 0.4%", percentiles_within_resolution },
	{ "hist: one sample is its own percentile (fine and log2)", single_sample_is_exact },
	{ "hist: exact percentiles while there are few samples", exact_while_few_samples },
	{ "hist: log2-only percentiles interpolate and clamp", log2_percentiles_interpolate },
	{ "hist: merge equals adding; log2 merge drops fine", merge_fine_and_log2 },
	{ "hist: log2 printout in the libbpf-tools form", log2_printout },
	{ "hist: human durations", human_durations },
	{},
};
