// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The recording format: round trip, and every kind of damage. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "record.h"
#include "source.h"
#include "unit.h"

#define REC_LEN (12 + RW_REC_EVENT_LEN)

static char path[64];

static struct rw_item items[5];

static void make_items(void)
{
	memset(items, 0, sizeof(items));
	items[0].kind = RW_ITEM_SEED;
	items[0].ts_ns = 5;
	items[0].seed = (struct rw_seed){ .start_ns = 1, .zombie_ns = 2, .pid = 3, .nspid = 4,
					  .pidns = 5, .parent = 6, .comm = "zz",
					  .parent_comm = "pp" };
	items[1].kind = RW_ITEM_EVENT;
	items[1].ev = (struct rw_event){ .ts_ns = 10, .start_ns = 11, .duration_ns = 12,
					 .type = RW_EV_REAP, .pid = 13, .nspid = 14, .pidns = 15,
					 .ppid = 16, .reaper_pid = 17, .status = 18, .flags = 19,
					 .reaper_kind = 1, .via = 2, .comm = "c",
					 .parent_comm = "0123456789abcdef", .reaper_comm = "r" };
	items[1].ts_ns = 10;
	items[2].kind = RW_ITEM_EVENT;
	items[2].ev = (struct rw_event){ .ts_ns = 20, .type = RW_EV_EXIT, .pid = 99 };
	items[2].ts_ns = 20;
	items[3].kind = RW_ITEM_LOST;
	items[3].ts_ns = 30;
	items[3].lost = 7;
	items[3].untracked = 8;
	items[4].kind = RW_ITEM_END;
	items[4].ts_ns = 40;
}

/* Writes the items, returns the file's size. */
static long write_file(size_t n)
{
	struct rw_source_info info = { .boot_offset_ns = -42, .start_ns = 4, .flags = 1,
				       .release = "6.18.0-test" };
	char err[256];
	struct rw_rec_writer *w;
	FILE *f;
	long size;

	snprintf(path, sizeof(path), "/tmp/rw-unit-%d.rwr", getpid());
	w = rw_rec_create(path, &info, err, sizeof(err));
	if (!w)
		return -1;
	for (size_t i = 0; i < n; i++)
		rw_rec_write(w, &items[i]);
	if (rw_rec_close(w))
		return -1;
	f = fopen(path, "rb");
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	return size;
}

/* Reads it all: the items' count or a negative error, message in err. */
static int read_file(struct rw_item *out, size_t max, char *err, size_t errlen)
{
	struct rw_source *s = rw_source_open(path, err, errlen);
	struct rw_item it;
	int n = 0, rc;

	if (!s)
		return -EBADMSG;
	while ((rc = rw_source_next(s, &it)) > 0)
		if ((size_t)n < max)
			out[n++] = it;
	snprintf(err, errlen, "%s", rw_source_error(s));
	rw_source_close(s);
	return rc < 0 ? rc : n;
}

static bool round_trip(void)
{
	struct rw_item got[8];
	char err[256];
	int n;

	make_items();
	CHECK(write_file(5) > 0, "write");
	n = read_file(got, 8, err, sizeof(err));
	CHECK_EQ(n, 5);
	CHECK(!err[0], "no warning expected: %s", err);
	for (int i = 0; i < 5; i++) {
		CHECK_EQ(got[i].kind, items[i].kind);
		CHECK_EQ(got[i].ts_ns, items[i].ts_ns);
	}
	CHECK(!memcmp(&got[0].seed, &items[0].seed, sizeof(items[0].seed)), "seed differs");
	CHECK(!memcmp(&got[1].ev, &items[1].ev, sizeof(items[1].ev)), "event differs");
	CHECK(!memcmp(&got[2].ev, &items[2].ev, sizeof(items[2].ev)), "event differs");
	CHECK_EQ(got[3].lost, 7);
	CHECK_EQ(got[3].untracked, 8);
	unlink(path);
	return true;
}

static bool header_fields(void)
{
	const struct rw_source_info *info;
	struct rw_source *s;
	char err[256];

	make_items();
	CHECK(write_file(0) == RW_REC_HEADER_LEN, "an empty recording is its header");
	s = rw_source_open(path, err, sizeof(err));
	CHECK(s, "open: %s", err);
	info = rw_source_info(s);
	CHECK_EQ(info->format, RW_FMT_RECORDING);
	CHECK_EQ(info->version, 1);
	CHECK(info->boot_offset_ns == -42, "boot offset");
	CHECK_EQ(info->start_ns, 4);
	CHECK_EQ(info->flags, 1);
	CHECK(!strcmp(info->release, "6.18.0-test"), "release %s", info->release);
	rw_source_close(s);
	unlink(path);
	return true;
}

/* Cut the file at every length: a clear error with an offset, or (exactly
 * at a record boundary) the records before it and a warning. */
static bool truncated_everywhere(void)
{
	long size;
	char err[256];
	struct rw_item got[8];

	make_items();
	size = write_file(5);
	CHECK(size > 0, "write");
	for (long cut = 0; cut < size; cut++) {
		int n;

		CHECK(!truncate(path, cut), "truncate");
		n = read_file(got, 8, err, sizeof(err));
		CHECK(strstr(err, "offset "), "cut at %ld: no offset in '%s'", cut, err);
		if (n >= 0)
			CHECK(strstr(err, "no end record"), "cut at %ld: '%s'", cut, err);
		make_items();
		CHECK(write_file(5) == size, "rewrite");
	}
	/* Mid-record: the exact message and offset of that record. */
	CHECK(!truncate(path, RW_REC_HEADER_LEN + 84 + 12 + 50), "truncate");
	CHECK_EQ(read_file(got, 8, err, sizeof(err)), -EBADMSG);
	CHECK(strstr(err, "offset 196: truncated record (kind 1: 50 of 112 bytes)"), "%s", err);
	unlink(path);
	return true;
}

static bool corrupt_byte_is_caught(void)
{
	char err[256];
	struct rw_item got[8];
	long size;
	FILE *f;

	make_items();
	size = write_file(5);
	/* Flip one bit in the first event's payload (after header + seed record). */
	f = fopen(path, "r+b");
	CHECK(f, "open");
	fseek(f, RW_REC_HEADER_LEN + 84 + 12 + 30, SEEK_SET);
	fputc(0x40, f);
	fclose(f);
	CHECK_EQ(read_file(got, 8, err, sizeof(err)), -EBADMSG);
	CHECK(strstr(err, "offset 196: checksum mismatch"), "%s", err);
	(void)size;
	unlink(path);
	return true;
}

static bool hostile_headers(void)
{
	static const struct {
		size_t off;
		unsigned char byte;
		const char *want;
	} cases[] = {
		{ 0, 'X', "offset 0: neither a reapwatch recording" },
		{ 8, 2, "offset 8: unsupported recording version 2" },
		{ 10, 0, "offset 10: bad header length" },
		/* A record length of 0xff000054: refused before any allocation. */
		{ RW_REC_HEADER_LEN + 3, 0xff, "offset 112: corrupt record header (length" },
		/* Kind 1 with an unknown event type: checksum first, so fix it up. */
	};
	char err[256];
	struct rw_item got[8];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *f;

		make_items();
		CHECK(write_file(5) > 0, "write");
		f = fopen(path, "r+b");
		fseek(f, cases[i].off, SEEK_SET);
		fputc(cases[i].byte, f);
		fclose(f);
		CHECK(read_file(got, 8, err, sizeof(err)) < 0, "case %zu read", i);
		CHECK(strstr(err, cases[i].want), "case %zu: '%s'", i, err);
	}
	unlink(path);
	return true;
}

static bool data_after_end(void)
{
	char err[256], rec[REC_LEN];
	struct rw_item got[8];
	long size;
	FILE *f;

	make_items();
	size = write_file(5);
	CHECK(size > 0, "write");
	/* Copy the first event record (header + seed record in) past the end. */
	f = fopen(path, "r+b");
	CHECK(f, "open");
	fseek(f, RW_REC_HEADER_LEN + 12 + RW_REC_SEED_LEN, SEEK_SET);
	CHECK(fread(rec, 1, REC_LEN, f) == REC_LEN, "read");
	fseek(f, 0, SEEK_END);
	fwrite(rec, 1, REC_LEN, f);
	fclose(f);
	CHECK_EQ(read_file(got, 8, err, sizeof(err)), -EBADMSG);
	CHECK(strstr(err, "data after the end record"), "%s", err);
	unlink(path);
	return true;
}

UNIT_CASES(record_cases) = {
	{ "record: write then read gives the same items", round_trip },
	{ "record: header fields", header_fields },
	{ "record: truncated at every byte: an error with its offset", truncated_everywhere },
	{ "record: a flipped bit fails the checksum at its record", corrupt_byte_is_caught },
	{ "record: hostile magic, version, header and record lengths", hostile_headers },
	{ "record: data after the end record", data_after_end },
	{},
};
