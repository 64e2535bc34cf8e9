// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A saved source: sniff the first bytes, then hand over to its reader. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "jsonl.h"
#include "record.h"
#include "source.h"

struct rw_source {
	FILE *f;
	bool own;
	char name[128];
	struct rw_source_info info;
	const struct rw_reader_ops *ops;
	void *r;
	int err; /* sticky: once failed, always failed */
	char msg[RW_SRC_ERRLEN];
};

struct rw_source *rw_source_from(FILE *f, const char *name, char *err, size_t errlen)
{
	struct rw_source *s = calloc(1, sizeof(*s));
	char magic[8];
	size_t n;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->f = f;
	snprintf(s->name, sizeof(s->name), "%s", name);
	n = fread(magic, 1, sizeof(magic), f);
	if (n == sizeof(magic) && !memcmp(magic, RW_REC_MAGIC, sizeof(magic))) {
		s->ops = &rw_rec_ops;
		s->r = rw_rec_reader(f, &s->info, s->msg, sizeof(s->msg));
	} else if (n == 0) {
		snprintf(s->msg, sizeof(s->msg), "offset 0: empty file");
	} else if (magic[0] == '{' || magic[0] == ' ' || magic[0] == '\n') {
		s->ops = &rw_jsonl_ops;
		s->r = rw_jsonl_reader(f, magic, n, &s->info, s->msg, sizeof(s->msg));
	} else {
		snprintf(s->msg, sizeof(s->msg), "offset 0: neither a reapwatch recording nor "
			 "the JSON lines of `reapwatch trace --json`");
	}
	if (!s->r) {
		snprintf(err, errlen, "%s: %s", name, s->msg);
		free(s);
		return NULL;
	}
	return s;
}

struct rw_source *rw_source_open(const char *path, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rbe") : stdin;
	struct rw_source *s;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	s = rw_source_from(f, path, err, errlen);
	if (!s) {
		if (f != stdin)
			fclose(f);
		return NULL;
	}
	s->own = f != stdin;
	return s;
}

const struct rw_source_info *rw_source_info(const struct rw_source *s)
{
	return &s->info;
}

int rw_source_next(struct rw_source *s, struct rw_item *it)
{
	char msg[RW_SRC_ERRLEN] = "";
	int rc;

	if (s->err)
		return s->err;
	rc = s->ops->next(s->r, it, msg, sizeof(msg));
	if (rc < 0)
		s->err = rc;
	if (msg[0])
		snprintf(s->msg, sizeof(s->msg), "%s: %s", s->name, msg);
	return rc;
}

const char *rw_source_error(const struct rw_source *s)
{
	return s->msg;
}

void rw_source_close(struct rw_source *s)
{
	if (!s)
		return;
	if (s->r)
		s->ops->free(s->r);
	if (s->own)
		fclose(s->f);
	free(s);
}
