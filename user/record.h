/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The recording format, version 1. All integers little-endian.
 *
 *   header   magic "REAPWREC" | u16 version | u16 header_len | u32 flags |
 *            s64 boot_offset_ns | u64 start_ns | char release[65] | pad to
 *            header_len (>= 112; readers skip what they do not know)
 *            boot_offset_ns: the wall-clock time (ns since the epoch) of
 *            CLOCK_MONOTONIC 0, i.e. the boot time: every ts_ns + it is UTC.
 *            start_ns: CLOCK_MONOTONIC when the recording started.
 *   records  u32 len | u16 kind | u16 0 | u32 crc32 | payload[len]
 *            crc32 (IEEE) covers the first 8 bytes of the record header and
 *            the payload. len <= RW_REC_MAX_PAYLOAD. Payloads may grow in
 *            later versions; readers use the fields they know. Unknown kinds
 *            are skipped.
 *   kinds    1 event  (112 bytes: struct rw_event, field by field)
 *            2 seed   (72 bytes: a zombie that existed at start, when seen)
 *            3 lost   (24 bytes: u64 ts_ns, u64 lost, u64 untracked)
 *            4 end    (8 bytes: u64 ts_ns; absent if the recorder was killed)
 *
 * The writer flushes at least once a second, so a killed recorder loses at
 * most the last second.
 */
#ifndef RW_RECORD_H
#define RW_RECORD_H

#include <stdio.h>
#include "source.h"

#define RW_REC_MAGIC "REAPWREC"
#define RW_REC_VERSION 1
#define RW_REC_HEADER_LEN 112
#define RW_REC_MAX_PAYLOAD 4096
#define RW_REC_EVENT_LEN 112
#define RW_REC_SEED_LEN 72
#define RW_REC_LOST_LEN 24
#define RW_REC_END_LEN 8

#define RW_REC_F_EXACT 1 /* reaps were taken at fentry/release_task */

struct rw_rec_writer;

/* @path "-": stdout. */
struct rw_rec_writer *rw_rec_create(const char *path, const struct rw_source_info *info,
				    char *err, size_t errlen);
int rw_rec_write(struct rw_rec_writer *w, const struct rw_item *it);
int rw_rec_flush(struct rw_rec_writer *w);
/* Flushes and closes; returns the first write error, if any. */
int rw_rec_close(struct rw_rec_writer *w);

/* The reader behind rw_source_open(), for a stream whose first 8 bytes
 * (already consumed) were the magic. */
void *rw_rec_reader(FILE *f, struct rw_source_info *info, char *err, size_t errlen);
extern const struct rw_reader_ops rw_rec_ops;

__u32 rw_crc32(__u32 crc, const void *buf, size_t len);

#endif
