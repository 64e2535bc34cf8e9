// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The JSON lines of `trace --json` (see output.c for the writer) back into
 * struct rw_event. One object per line; lines are bounded; blank lines are
 * skipped; objects of a type we do not know are skipped; anything else that
 * does not parse or lacks a field is an error naming its line and offset.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "jsonl.h"

struct jsonl_reader {
	FILE *f;
	struct rw_source_info *info;
	__u64 off;      /* of the next line */
	__u64 line;     /* its number, from 1 */
	char pre[16];   /* bytes the source sniffed */
	size_t pre_len, pre_pos;
	char buf[RW_JSONL_MAX_LINE + 1];
};

void *rw_jsonl_reader(FILE *f, const char *prefix, size_t prefix_len, struct rw_source_info *info,
		      char *err, size_t errlen)
{
	struct jsonl_reader *r = calloc(1, sizeof(*r));

	if (!r || prefix_len > sizeof(r->pre)) {
		snprintf(err, errlen, "out of memory");
		free(r);
		return NULL;
	}
	r->f = f;
	r->info = info;
	memcpy(r->pre, prefix, prefix_len);
	r->pre_len = prefix_len;
	info->format = RW_FMT_JSONL;
	return r;
}

static int getch(struct jsonl_reader *r)
{
	if (r->pre_pos < r->pre_len)
		return (unsigned char)r->pre[r->pre_pos++];
	return getc(r->f);
}

/* One line without its newline; 1 a line, 0 the end, -1 too long. */
static int read_line(struct jsonl_reader *r, size_t *len)
{
	size_t n = 0;
	int c;

	while ((c = getch(r)) != EOF) {
		if (c == '\n') {
			r->buf[n] = '\0';
			*len = n;
			return 1;
		}
		if (n == RW_JSONL_MAX_LINE)
			return -1;
		r->buf[n++] = c;
	}
	r->buf[n] = '\0';
	*len = n;
	return n ? 1 : 0;
}

struct ctx {
	json_object *o;
	const char *missing; /* the first field missing or out of range */
};

static __u64 num(struct ctx *c, const char *key, __u64 max, bool required)
{
	json_object *v;
	__u64 x;

	if (!json_object_object_get_ex(c->o, key, &v)) {
		if (required && !c->missing)
			c->missing = key;
		return 0;
	}
	if (!json_object_is_type(v, json_type_int) ||
	    (json_object_get_int64(v) < 0 && json_object_get_uint64(v) == 0)) {
		if (!c->missing)
			c->missing = key;
		return 0;
	}
	x = json_object_get_uint64(v);
	if (x > max) {
		if (!c->missing)
			c->missing = key;
		return 0;
	}
	return x;
}

static bool flag(struct ctx *c, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(c->o, key, &v))
		return false;
	if (!json_object_is_type(v, json_type_boolean)) {
		if (!c->missing)
			c->missing = key;
		return false;
	}
	return json_object_get_boolean(v);
}

static const char *str(struct ctx *c, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(c->o, key, &v))
		return "";
	if (!json_object_is_type(v, json_type_string)) {
		if (!c->missing)
			c->missing = key;
		return "";
	}
	return json_object_get_string(v);
}

static void comm(struct ctx *c, const char *key, char *out)
{
	const char *s = str(c, key);

	strncpy(out, s, RW_COMM_LEN - 1);
	out[RW_COMM_LEN - 1] = '\0';
}

static __u32 named(const char *s, const char *const *names, __u32 n)
{
	for (__u32 i = 1; i < n; i++)
		if (names[i] && !strcmp(s, names[i]))
			return i;
	return 0;
}

/* "2026-11-23T10:46:58.387391Z" - ts_ns: the wall-clock offset, once. */
static void learn_offset(struct jsonl_reader *r, struct ctx *c, __u64 ts_ns)
{
	const char *t = str(c, "time");
	struct tm tm = {};
	const char *rest;
	long usec = 0;
	time_t sec;

	if (r->info->boot_offset_ns || !*t)
		return;
	rest = strptime(t, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		return;
	if (*rest == '.') {
		char *end;

		usec = strtol(rest + 1, &end, 10);
		if (end - rest != 7)
			return;
	}
	sec = timegm(&tm);
	/* 1970 to 2100, or not a time we believe. */
	if (sec < 0 || sec > 4102444800 || usec < 0)
		return;
	r->info->boot_offset_ns = (__s64)((__u64)sec * 1000000000 + (__u64)usec * 1000 - ts_ns);
}

static int parse(struct jsonl_reader *r, json_object *o, struct rw_item *it, const char **bad)
{
	static const char *const kinds[] = { NULL, "subreaper", "pidns_init" };
	static const char *const vias[] = { NULL, "wait4", "waitid", "autoreap", "release" };
	struct ctx c = { .o = o };
	struct rw_event *e = &it->ev;
	const char *type = str(&c, "type");

	memset(it, 0, sizeof(*it));
	*bad = "type";
	if (c.missing)
		return -1;
	it->ts_ns = num(&c, "ts_ns", UINT64_MAX, true);
	if (!strcmp(type, "lost")) {
		it->kind = RW_ITEM_LOST;
		it->lost = num(&c, "count", UINT64_MAX, true);
		*bad = c.missing;
		return c.missing ? -1 : 1;
	}
	if (!strcmp(type, "exit"))
		e->type = RW_EV_EXIT;
	else if (!strcmp(type, "orphan"))
		e->type = RW_EV_ORPHAN;
	else if (!strcmp(type, "reap"))
		e->type = RW_EV_REAP;
	else if (*type)
		return 0; /* a kind of line this version does not know */
	else
		c.missing = "type";

	it->kind = RW_ITEM_EVENT;
	e->ts_ns = it->ts_ns;
	e->pid = num(&c, "pid", UINT32_MAX, true);
	e->nspid = num(&c, "nspid", UINT32_MAX, false);
	e->pidns = num(&c, "pidns", UINT32_MAX, false);
	e->start_ns = num(&c, "start_ns", UINT64_MAX, true);
	comm(&c, "comm", e->comm);
	switch (e->type) {
	case RW_EV_EXIT: {
		__u64 code = num(&c, "exit_code", 255, false);
		__u64 sig = num(&c, "signal", 127, false);

		e->ppid = num(&c, "ppid", UINT32_MAX, true);
		comm(&c, "parent_comm", e->parent_comm);
		e->status = sig ? sig | (flag(&c, "core_dumped") ? 0x80 : 0) : code << 8;
		e->duration_ns = num(&c, "lifetime_ns", UINT64_MAX, false);
		break;
	}
	case RW_EV_ORPHAN:
		e->ppid = num(&c, "old_ppid", UINT32_MAX, true);
		comm(&c, "old_parent_comm", e->parent_comm);
		e->reaper_pid = num(&c, "reaper_pid", UINT32_MAX, true);
		comm(&c, "reaper_comm", e->reaper_comm);
		e->reaper_kind = named(str(&c, "reaper_kind"), kinds, 3);
		e->flags = flag(&c, "zombie") ? RW_F_ZOMBIE : 0;
		break;
	case RW_EV_REAP:
		e->ppid = num(&c, "ppid", UINT32_MAX, true);
		e->reaper_pid = num(&c, "reaper_pid", UINT32_MAX, true);
		comm(&c, "reaper_comm", e->reaper_comm);
		e->duration_ns = num(&c, "latency_ns", UINT64_MAX, true);
		e->via = named(str(&c, "via"), vias, 5);
		e->flags = flag(&c, "approximate") ? RW_F_APPROX : 0;
		break;
	}
	*bad = c.missing;
	if (c.missing)
		return -1;
	learn_offset(r, &c, e->ts_ns);
	return 1;
}

static int jsonl_next(void *rp, struct rw_item *it, char *err, size_t errlen)
{
	struct jsonl_reader *r = rp;

	for (;;) {
		__u64 at = r->off, line = ++r->line;
		const char *bad = NULL;
		json_tokener *tok;
		json_object *o;
		size_t len;
		int rc = read_line(r, &len), pr;

		if (rc == 0) {
			if (ferror(r->f)) {
				snprintf(err, errlen, "offset %llu: read error", (unsigned long long)at);
				return -EIO;
			}
			return 0;
		}
		if (rc < 0) {
			snprintf(err, errlen, "offset %llu (line %llu): line longer than %d bytes",
				 (unsigned long long)at, (unsigned long long)line, RW_JSONL_MAX_LINE);
			return -EBADMSG;
		}
		r->off += len + 1;
		if (strspn(r->buf, " \t\r") == len)
			continue;
		if (memchr(r->buf, '\0', len)) {
			snprintf(err, errlen, "offset %llu (line %llu): a NUL byte: not JSON lines",
				 (unsigned long long)at, (unsigned long long)line);
			return -EBADMSG;
		}
		tok = json_tokener_new_ex(32);
		if (!tok) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		o = json_tokener_parse_ex(tok, r->buf, len);
		if (!o || strspn(r->buf + tok->char_offset, " \t\r") != len - tok->char_offset ||
		    !json_object_is_type(o, json_type_object)) {
			const char *why = !o ? json_tokener_error_desc(json_tokener_get_error(tok))
					     : "not one JSON object";

			snprintf(err, errlen, "offset %llu (line %llu): %s", (unsigned long long)at,
				 (unsigned long long)line, why);
			json_object_put(o);
			json_tokener_free(tok);
			return -EBADMSG;
		}
		json_tokener_free(tok);
		pr = parse(r, o, it, &bad);
		if (pr < 0)
			snprintf(err, errlen, "offset %llu (line %llu): field \"%s\" is missing, "
				 "of the wrong type or out of range", (unsigned long long)at,
				 (unsigned long long)line, bad);
		json_object_put(o);
		if (pr < 0)
			return -EBADMSG;
		if (pr > 0)
			return 1;
	}
}

static void jsonl_free(void *r)
{
	free(r);
}

const struct rw_reader_ops rw_jsonl_ops = { .next = jsonl_next, .free = jsonl_free };
