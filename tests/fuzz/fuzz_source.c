// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: any bytes as `reapwatch report` input (a recording or
 * JSON lines), read item by item into the analysis, then both summaries.
 * It must end in a result or a clean error: no crash, hang or unbounded
 * allocation.
 *
 * A recording's records carry a CRC, so nearly every mutation inside one is
 * a checksum error at that record, and the decoding of what follows would
 * only ever see the seeds. The custom mutator below therefore fixes the
 * CRCs of three mutated recordings in four (the fourth keeps its broken
 * ones, for the reader's error paths). JSON lines are mutated as they are.
 *
 *   make fuzz FUZZ_SECONDS=60      (clang, -fsanitize=fuzzer,address,undefined)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analysis.h"
#include "record.h"
#include "source.h"
#include "summary.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
size_t LLVMFuzzerMutate(unsigned char *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(unsigned char *data, size_t size, size_t max_size, unsigned seed);

static unsigned get16(const unsigned char *p)
{
	return p[0] | p[1] << 8;
}

static unsigned get32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (unsigned)p[3] << 24;
}

/* Rewrites the CRC of every whole record of a recording (see record.h). */
static void fix_crcs(unsigned char *data, size_t size)
{
	size_t off = get16(data + 10), len;
	unsigned crc;

	if (off < RW_REC_HEADER_LEN)
		return;
	while (off + 12 <= size) {
		len = get32(data + off);
		if (len > RW_REC_MAX_PAYLOAD || len > size - off - 12)
			return;
		crc = rw_crc32(rw_crc32(0, data + off, 8), data + off + 12, len);
		for (int i = 0; i < 4; i++)
			data[off + 8 + i] = (unsigned char)(crc >> (8 * i));
		off += 12 + len;
	}
}

size_t LLVMFuzzerCustomMutator(unsigned char *data, size_t size, size_t max_size, unsigned seed)
{
	size = LLVMFuzzerMutate(data, size, max_size);
	if (seed % 4 && size >= RW_REC_HEADER_LEN && !memcmp(data, RW_REC_MAGIC, 8))
		fix_crcs(data, size);
	return size;
}

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
