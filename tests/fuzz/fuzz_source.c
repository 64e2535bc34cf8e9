// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: any bytes as `reapwatch report` input (a recording or
 * JSON lines), read item by item into the analysis, then both summaries.
 * It must end in a result or a clean error: no crash, hang or unbounded
 * allocation.
 *
 *   make fuzz FUZZ_SECONDS=60      (clang, -fsanitize=fuzzer,address,undefined)
 */
#include <stdio.h>
#include <stdlib.h>
#include "analysis.h"
#include "source.h"
#include "summary.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct rw_analysis_opts ao = { .leak_after_ns = 1000000000, .fine = true };
	struct rw_summary_opts so = { .top = 5, .per_reaper = true, .mode = "events" };
	static FILE *null;
	struct rw_analysis *a;
	struct rw_source *s;
	struct rw_item it;
	char err[RW_SRC_ERRLEN];
	FILE *f;

	if (!null)
		null = fopen("/dev/null", "w");
	if (!size || !(f = fmemopen((void *)data, size, "r")))
		return 0;
	s = rw_source_from(f, "fuzz", err, sizeof(err));
	a = rw_analysis_new(&ao);
	if (s && a) {
		rw_analysis_time(a, rw_source_info(s)->start_ns);
		while (rw_source_next(s, &it) > 0) {
			if (it.kind == RW_ITEM_EVENT)
				rw_analysis_event(a, &it.ev);
			else if (it.kind == RW_ITEM_SEED)
				rw_analysis_seed(a, &it.seed, it.ts_ns);
			else if (it.kind == RW_ITEM_LOST)
				rw_analysis_lost(a, it.lost, 0);
			else
				so.now_ns = it.ts_ns;
		}
		if (!so.now_ns)
			so.now_ns = rw_analysis_totals(a)->last_ns;
		rw_summary_json(null, a, &so);
		rw_summary_text(null, a, &so);
	}
	rw_analysis_free(a);
	rw_source_close(s);
	fclose(f);
	return 0;
}
