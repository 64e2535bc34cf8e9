/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Saved sources: a recording (record.c) or a JSON-lines trace (jsonl.c),
 * read one item at a time. Both give the same items, so report does not care
 * which it reads. Input is untrusted: every error names the byte offset.
 */
#ifndef RW_SOURCE_H
#define RW_SOURCE_H

#include <stdio.h>
#include <linux/types.h>
#include "reapwatch.h"
#include "analysis.h"

enum rw_item_kind {
	RW_ITEM_EVENT = 1, /* ev */
	RW_ITEM_SEED = 2,  /* seed: a zombie that existed at start; ts_ns: when seen */
	RW_ITEM_LOST = 3,  /* ts_ns; lost, untracked: running totals */
	RW_ITEM_END = 4,   /* ts_ns: the recording stopped */
};

struct rw_item {
	enum rw_item_kind kind;
	__u64 ts_ns;
	__u64 lost;
	__u64 untracked;
	struct rw_event ev;
	struct rw_seed seed;
};

enum rw_source_format {
	RW_FMT_RECORDING = 1,
	RW_FMT_JSONL = 2,
};

struct rw_source_info {
	enum rw_source_format format;
	unsigned version;
	__s64 boot_offset_ns; /* realtime = monotonic + this; 0 if unknown */
	__u64 start_ns;       /* monotonic, when recording started; 0 if unknown */
	__u32 flags;
	char release[65];     /* uname -r of the recording machine */
};

/* Errors: a negative errno and a message with the offset in err. */
#define RW_SRC_ERRLEN 256

struct rw_source;

/* Opens @path ("-": stdin), telling a recording from JSON lines by its first bytes. */
struct rw_source *rw_source_open(const char *path, char *err, size_t errlen);
/* Reads an already open stream (the fuzz target uses fmemopen). */
struct rw_source *rw_source_from(FILE *f, const char *name, char *err, size_t errlen);
const struct rw_source_info *rw_source_info(const struct rw_source *s);
/* 1: an item; 0: the end; < 0: an error described by rw_source_error(). */
int rw_source_next(struct rw_source *s, struct rw_item *it);
const char *rw_source_error(const struct rw_source *s);
void rw_source_close(struct rw_source *s);

/* Each reader, as the source drives it. */
struct rw_reader_ops {
	int (*next)(void *r, struct rw_item *it, char *err, size_t errlen);
	void (*free)(void *r);
};

#endif
