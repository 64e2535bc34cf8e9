// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The JSON-lines reader against the real writer (output.c), and bad lines. */
#include <errno.h>
#include <stdlib.h>
#include "output.h"
#include "source.h"
#include "unit.h"

/* Reads a JSON-lines text: the items' count or a negative error. */
static int read_text(const char *text, struct rw_item *out, size_t max, char *err, size_t errlen)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct rw_source *s;
	struct rw_item it;
	int n = 0, rc;

	if (!f)
		return -ENOMEM;
	s = rw_source_from(f, "t.jsonl", err, errlen);
	if (!s) {
		fclose(f);
		return -EBADMSG;
	}
	while ((rc = rw_source_next(s, &it)) > 0)
		if ((size_t)n < max)
			out[n++] = it;
	snprintf(err, errlen, "%s", rw_source_error(s));
	rw_source_close(s);
	fclose(f);
	return rc < 0 ? rc : n;
}

static bool round_trip_through_trace_writer(void)
{
	const struct rw_event ev[] = {
		{ .type = RW_EV_EXIT, .ts_ns = 1000, .start_ns = 10, .duration_ns = 990, .pid = 42,
		  .nspid = 2, .pidns = 4026532201u, .ppid = 41, .status = 3 << 8, .comm = "sh",
		  .parent_comm = "pa\"ren\\t" },
		{ .type = RW_EV_EXIT, .ts_ns = 1001, .start_ns = 11, .pid = 43, .ppid = 41,
		  .status = 9 | 0x80, .comm = "killed" },
		{ .type = RW_EV_ORPHAN, .ts_ns = 2000, .start_ns = 12, .pid = 44, .ppid = 42,
		  .reaper_pid = 1, .reaper_kind = RW_REAPER_SUBREAPER, .flags = RW_F_ZOMBIE,
		  .comm = "orphan", .parent_comm = "sh", .reaper_comm = "pause" },
		{ .type = RW_EV_REAP, .ts_ns = 3000, .start_ns = 12, .duration_ns = 1000, .pid = 44,
		  .ppid = 1, .reaper_pid = 1, .via = RW_VIA_WAITID, .flags = RW_F_APPROX,
		  .comm = "\x01weird\xff", .reaper_comm = "0123456789abcde" },
	};
	struct rw_clock clock = { .offset_ns = 1700000000LL * 1000000000LL };
	struct rw_item got[8];
	char *text = NULL, err[256];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int n;

	CHECK(f, "memstream");
	for (size_t i = 0; i < 4; i++)
		rw_json_event(f, &ev[i], &clock);
	rw_json_lost(f, 7, 4000, &clock);
	fclose(f);
	n = read_text(text, got, 8, err, sizeof(err));
	CHECK_EQ(n, 5);
	for (size_t i = 0; i < 4; i++) {
		const struct rw_event *a = &got[i].ev, *b = &ev[i];

		CHECK_EQ(got[i].kind, RW_ITEM_EVENT);
		CHECK_EQ(a->type, b->type);
		CHECK_EQ(a->ts_ns, b->ts_ns);
		CHECK_EQ(a->start_ns, b->start_ns);
		CHECK_EQ(a->duration_ns, b->duration_ns);
		CHECK_EQ(a->pid, b->pid);
		CHECK_EQ(a->nspid, b->nspid);
		CHECK_EQ(a->pidns, b->pidns);
		CHECK_EQ(a->ppid, b->ppid);
		CHECK_EQ(a->reaper_pid, b->reaper_pid);
		CHECK_EQ(a->status, b->status);
		CHECK_EQ(a->flags, b->flags);
		CHECK_EQ(a->reaper_kind, b->reaper_kind);
		CHECK_EQ(a->via, b->via);
		CHECK(!strcmp(a->parent_comm, b->parent_comm), "%zu: parent_comm '%s'", i,
		      a->parent_comm);
		CHECK(!strcmp(a->reaper_comm, b->reaper_comm), "%zu: reaper_comm", i);
		if (i < 3)
			CHECK(!strcmp(a->comm, b->comm), "%zu: comm '%s'", i, a->comm);
	}
	CHECK_EQ(got[4].kind, RW_ITEM_LOST);
	CHECK_EQ(got[4].lost, 7);
	CHECK_EQ(got[4].ts_ns, 4000);
	free(text);
	return true;
}

static bool bad_lines(void)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "{\"type\":\"exit\"", "offset 0 (line 1): " },
		{ "\n\n{\"type\":\"exit\",\"ts_ns\":1,\"pid\":2,\"start_ns\":3}\n",
		  "offset 2 (line 3): field \"ppid\" is missing" },
		{ "{\"type\":\"reap\",\"ts_ns\":-1,\"pid\":2,\"start_ns\":3}\n",
		  "line 1): field \"ts_ns\"" },
		{ "{\"type\":\"exit\",\"ts_ns\":1,\"pid\":4294967296,\"start_ns\":3,\"ppid\":1}\n",
		  "field \"pid\"" },
		{ "{\"type\":\"exit\",\"ts_ns\":1.5,\"pid\":2,\"start_ns\":3,\"ppid\":1}\n",
		  "field \"ts_ns\"" },
		{ "{\"type\":7}\n", "field \"type\"" },
		{ "[1,2]\n", "neither a reapwatch recording nor" },
		{ "{\"type\":\"exit\"}\n[1]\n", "line 1): field \"ts_ns\"" },
		{ " [1]\n", "offset 0 (line 1): not one JSON object" },
		{ "{} {}\n", "not one JSON object" },
		{ "{\"type\":\"lost\"}\n", "field \"ts_ns\"" },
		{ "\x7f" "ELF", "offset 0: neither a reapwatch recording" },
		{ "", "offset 0: empty file" },
	};
	struct rw_item got[4];
	char err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = read_text(cases[i].text, got, 4, err, sizeof(err));

		CHECK(n < 0, "case %zu: read %d items", i, n);
		CHECK(strstr(err, cases[i].want), "case %zu: '%s'", i, err);
	}
	return true;
}

static bool long_line_is_refused(void)
{
	size_t len = 100000;
	char *text = malloc(len + 1), err[256];
	struct rw_item got[1];
	int rc;

	CHECK(text, "alloc");
	memset(text, ' ', len);
	text[0] = '{';
	text[len] = '\0';
	rc = read_text(text, got, 1, err, sizeof(err));
	free(text); /* before the checks: a failing one returns */
	CHECK_EQ(rc, -EBADMSG);
	CHECK(strstr(err, "offset 0 (line 1): line longer than 8192 bytes"), "'%s'", err);
	return true;
}

static bool unknown_types_and_blanks_skipped(void)
{
	const char *text =
		"{\"type\":\"hello\",\"whatever\":[1,2,3]}\n"
		"   \n"
		"{\"type\":\"exit\",\"ts_ns\":5,\"pid\":2,\"start_ns\":3,\"ppid\":1,"
		"\"time\":\"2026-11-23T10:00:00.000001Z\"}";
	struct rw_item got[4];
	char err[256];
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct rw_source *s = rw_source_from(f, "t", err, sizeof(err));

	CHECK(s, "open: %s", err);
	CHECK_EQ(rw_source_next(s, &got[0]), 1);
	CHECK_EQ(got[0].ev.pid, 2);
	CHECK_EQ(rw_source_next(s, &got[1]), 0);
	/* The wall clock learnt from "time": 2026-11-23T10:00:00.000001Z - 5 ns. */
	CHECK(rw_source_info(s)->boot_offset_ns == 1795428000000001000LL - 5, "offset %lld",
	      (long long)rw_source_info(s)->boot_offset_ns);
	rw_source_close(s);
	fclose(f);
	return true;
}

UNIT_CASES(jsonl_cases) = {
	{ "jsonl: trace --json output reads back field for field", round_trip_through_trace_writer },
	{ "jsonl: bad lines: error with line and offset", bad_lines },
	{ "jsonl: an endless line is refused, bounded", long_line_is_refused },
	{ "jsonl: unknown types and blank lines are skipped", unknown_types_and_blanks_skipped },
	{},
};
