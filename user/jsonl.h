/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Reads the JSON lines of `reapwatch trace --json` back into events (json-c). */
#ifndef RW_JSONL_H
#define RW_JSONL_H

#include <stdio.h>
#include "source.h"

#define RW_JSONL_MAX_LINE 8192 /* the longest line accepted, newline included */

/* The reader behind rw_source_open(); @prefix holds bytes already read. */
void *rw_jsonl_reader(FILE *f, const char *prefix, size_t prefix_len, struct rw_source_info *info,
		      char *err, size_t errlen);
extern const struct rw_reader_ops rw_jsonl_ops;

#endif
