// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The recording format (see record.h): writer and bounded, checking reader. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "record.h"

#define REC_HDR 12 /* u32 len | u16 kind | u16 0 | u32 crc */

enum { KIND_EVENT = 1, KIND_SEED = 2, KIND_LOST = 3, KIND_END = 4 };

/* --- little-endian fields ------------------------------------------------------ */

static void put16(__u8 *p, __u16 v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put32(__u8 *p, __u32 v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static void put64(__u8 *p, __u64 v)
{
	for (int i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

static __u16 get16(const __u8 *p)
{
	return p[0] | p[1] << 8;
}

static __u32 get32(const __u8 *p)
{
	return (__u32)p[0] | (__u32)p[1] << 8 | (__u32)p[2] << 16 | (__u32)p[3] << 24;
}

static __u64 get64(const __u8 *p)
{
	return (__u64)get32(p) | (__u64)get32(p + 4) << 32;
}

__u32 rw_crc32(__u32 crc, const void *buf, size_t len)
{
	static __u32 table[256];
	const __u8 *p = buf;

	if (!table[1])
		for (__u32 i = 0; i < 256; i++) {
			__u32 c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320 ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* --- payloads ------------------------------------------------------------------ */

static void enc_event(__u8 *p, const struct rw_event *e)
{
	memset(p, 0, RW_REC_EVENT_LEN);
	put64(p + 0, e->ts_ns);
	put64(p + 8, e->start_ns);
	put64(p + 16, e->duration_ns);
	put32(p + 24, e->type);
	put32(p + 28, e->pid);
	put32(p + 32, e->nspid);
	put32(p + 36, e->pidns);
	put32(p + 40, e->ppid);
	put32(p + 44, e->reaper_pid);
	put32(p + 48, e->status);
	put32(p + 52, e->flags);
	p[56] = e->reaper_kind;
	p[57] = e->via;
	memcpy(p + 64, e->comm, RW_COMM_LEN);
	memcpy(p + 80, e->parent_comm, RW_COMM_LEN);
	memcpy(p + 96, e->reaper_comm, RW_COMM_LEN);
}

static void dec_event(const __u8 *p, struct rw_event *e)
{
	memset(e, 0, sizeof(*e));
	e->ts_ns = get64(p + 0);
	e->start_ns = get64(p + 8);
	e->duration_ns = get64(p + 16);
	e->type = get32(p + 24);
	e->pid = get32(p + 28);
	e->nspid = get32(p + 32);
	e->pidns = get32(p + 36);
	e->ppid = get32(p + 40);
	e->reaper_pid = get32(p + 44);
	e->status = get32(p + 48);
	e->flags = get32(p + 52);
	e->reaper_kind = p[56];
	e->via = p[57];
	memcpy(e->comm, p + 64, RW_COMM_LEN);
	memcpy(e->parent_comm, p + 80, RW_COMM_LEN);
	memcpy(e->reaper_comm, p + 96, RW_COMM_LEN);
}

static void enc_seed(__u8 *p, const struct rw_seed *s, __u64 ts_ns)
{
	memset(p, 0, RW_REC_SEED_LEN);
	put64(p + 64, ts_ns);
	put64(p + 0, s->start_ns);
	put64(p + 8, s->zombie_ns);
	put32(p + 16, s->pid);
	put32(p + 20, s->nspid);
	put32(p + 24, s->pidns);
	put32(p + 28, s->parent);
	memcpy(p + 32, s->comm, RW_COMM_LEN);
	memcpy(p + 48, s->parent_comm, RW_COMM_LEN);
}

static void dec_seed(const __u8 *p, struct rw_seed *s)
{
	memset(s, 0, sizeof(*s));
	s->start_ns = get64(p + 0);
	s->zombie_ns = get64(p + 8);
	s->pid = get32(p + 16);
	s->nspid = get32(p + 20);
	s->pidns = get32(p + 24);
	s->parent = get32(p + 28);
	memcpy(s->comm, p + 32, RW_COMM_LEN);
	memcpy(s->parent_comm, p + 48, RW_COMM_LEN);
}

/* --- writer ------------------------------------------------------------------- */

/* Records are buffered here and written whole, so a recorder killed at any
 * moment leaves only whole records behind (at most the last flush lost). */
#define WBUF 65536

struct rw_rec_writer {
	int fd;
	int err;
	size_t used;
	__u8 buf[WBUF];
};

static int write_out(struct rw_rec_writer *w)
{
	size_t off = 0;

	while (!w->err && off < w->used) {
		ssize_t n = write(w->fd, w->buf + off, w->used - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			w->err = n < 0 ? -errno : -EIO;
		else
			off += n;
	}
	w->used = 0;
	return w->err;
}

static int write_all(struct rw_rec_writer *w, const void *buf, size_t len)
{
	if (w->used + len > WBUF)
		write_out(w);
	if (!w->err) {
		memcpy(w->buf + w->used, buf, len);
		w->used += len;
	}
	return w->err;
}

struct rw_rec_writer *rw_rec_create(const char *path, const struct rw_source_info *info,
				    char *err, size_t errlen)
{
	struct rw_rec_writer *w = calloc(1, sizeof(*w));
	__u8 h[RW_REC_HEADER_LEN] = {};

	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->fd = strcmp(path, "-") ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : 1;
	if (w->fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		free(w);
		return NULL;
	}
	memcpy(h, RW_REC_MAGIC, 8);
	put16(h + 8, RW_REC_VERSION);
	put16(h + 10, RW_REC_HEADER_LEN);
	put32(h + 12, info->flags);
	put64(h + 16, (__u64)info->boot_offset_ns);
	put64(h + 24, info->start_ns);
	memcpy(h + 32, info->release, strnlen(info->release, sizeof(info->release) - 1));
	if (write_all(w, h, sizeof(h)) || rw_rec_flush(w)) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-w->err));
		rw_rec_close(w);
		return NULL;
	}
	return w;
}

int rw_rec_write(struct rw_rec_writer *w, const struct rw_item *it)
{
	__u8 rec[REC_HDR + RW_REC_EVENT_LEN];
	__u8 *p = rec + REC_HDR;
	__u32 len, kind;

	switch (it->kind) {
	case RW_ITEM_EVENT:
		kind = KIND_EVENT;
		len = RW_REC_EVENT_LEN;
		enc_event(p, &it->ev);
		break;
	case RW_ITEM_SEED:
		kind = KIND_SEED;
		len = RW_REC_SEED_LEN;
		enc_seed(p, &it->seed, it->ts_ns);
		break;
	case RW_ITEM_LOST:
		kind = KIND_LOST;
		len = RW_REC_LOST_LEN;
		put64(p, it->ts_ns);
		put64(p + 8, it->lost);
		put64(p + 16, it->untracked);
		break;
	case RW_ITEM_END:
		kind = KIND_END;
		len = RW_REC_END_LEN;
		put64(p, it->ts_ns);
		break;
	default:
		return -EINVAL;
	}
	put32(rec, len);
	put16(rec + 4, kind);
	put16(rec + 6, 0);
	put32(rec + 8, rw_crc32(rw_crc32(0, rec, 8), p, len));
	return write_all(w, rec, REC_HDR + len);
}

int rw_rec_flush(struct rw_rec_writer *w)
{
	return write_out(w);
}

int rw_rec_close(struct rw_rec_writer *w)
{
	int err;

	if (!w)
		return 0;
	err = rw_rec_flush(w);
	if (w->fd != 1 && close(w->fd) && !err)
		err = -errno;
	free(w);
	return err;
}

/* --- reader ------------------------------------------------------------------- */

struct rec_reader {
	FILE *f;
	__u64 off; /* of the next unread byte */
	bool ended;
	__u8 buf[RW_REC_MAX_PAYLOAD];
};

/* Reads up to @len bytes; returns how many (short only at the end of input). */
static size_t take(struct rec_reader *r, void *buf, size_t len)
{
	size_t n = fread(buf, 1, len, r->f);

	r->off += n;
	return n;
}

static int bad(char *err, size_t errlen, __u64 off, const char *what)
{
	snprintf(err, errlen, "offset %llu: %s", (unsigned long long)off, what);
	return -EBADMSG;
}

void *rw_rec_reader(FILE *f, struct rw_source_info *info, char *err, size_t errlen)
{
	struct rec_reader *r = calloc(1, sizeof(*r));
	__u8 h[RW_REC_HEADER_LEN - 8];
	unsigned hlen;
	size_t n;

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->f = f;
	r->off = 8;
	n = take(r, h, sizeof(h));
	if (n < sizeof(h)) {
		snprintf(err, errlen, "offset %llu: truncated header (%zu of %d bytes)",
			 (unsigned long long)r->off, n + 8, RW_REC_HEADER_LEN);
		goto fail;
	}
	info->format = RW_FMT_RECORDING;
	info->version = get16(h);
	hlen = get16(h + 2);
	info->flags = get32(h + 4);
	info->boot_offset_ns = (__s64)get64(h + 8);
	info->start_ns = get64(h + 16);
	memcpy(info->release, h + 24, sizeof(info->release) - 1);
	info->release[sizeof(info->release) - 1] = '\0';
	if (info->version != RW_REC_VERSION) {
		snprintf(err, errlen, "offset 8: unsupported recording version %u (this reapwatch "
			 "reads version %d)", info->version, RW_REC_VERSION);
		goto fail;
	}
	if (hlen < RW_REC_HEADER_LEN || hlen > RW_REC_MAX_PAYLOAD) {
		snprintf(err, errlen, "offset 10: bad header length %u", hlen);
		goto fail;
	}
	n = take(r, r->buf, hlen - RW_REC_HEADER_LEN);
	if (n < hlen - RW_REC_HEADER_LEN) {
		snprintf(err, errlen, "offset %llu: truncated header (%llu of %u bytes)",
			 (unsigned long long)r->off, (unsigned long long)r->off, hlen);
		goto fail;
	}
	return r;
fail:
	free(r);
	return NULL;
}

static int rec_next(void *rp, struct rw_item *it, char *err, size_t errlen)
{
	static const __u32 need[] = { [KIND_EVENT] = RW_REC_EVENT_LEN, [KIND_SEED] = RW_REC_SEED_LEN,
				      [KIND_LOST] = RW_REC_LOST_LEN, [KIND_END] = RW_REC_END_LEN };
	struct rec_reader *r = rp;
	__u8 h[REC_HDR];
	__u64 at;
	__u32 len, kind;
	size_t n;
	char what[160];

	for (;;) {
		at = r->off;
		n = take(r, h, sizeof(h));
		if (n == 0 && !ferror(r->f)) {
			if (!r->ended)
				snprintf(err, errlen, "offset %llu: no end record: the recorder "
					 "did not stop cleanly; its last second may be missing",
					 (unsigned long long)at);
			return 0;
		}
		if (ferror(r->f)) {
			snprintf(err, errlen, "offset %llu: read error: %s", (unsigned long long)r->off,
				 strerror(errno));
			return -EIO;
		}
		if (n < sizeof(h)) {
			snprintf(what, sizeof(what), "truncated record header (%zu of %d bytes)", n,
				 REC_HDR);
			return bad(err, errlen, at, what);
		}
		len = get32(h);
		kind = get16(h + 4);
		if (r->ended)
			return bad(err, errlen, at, "data after the end record");
		if (len > RW_REC_MAX_PAYLOAD || get16(h + 6) != 0) {
			snprintf(what, sizeof(what), "corrupt record header (length %u, kind %u)",
				 len, kind);
			return bad(err, errlen, at, what);
		}
		n = take(r, r->buf, len);
		if (n < len) {
			snprintf(what, sizeof(what), "truncated record (kind %u: %zu of %u bytes)",
				 kind, n, len);
			return bad(err, errlen, at, what);
		}
		if (rw_crc32(rw_crc32(0, h, 8), r->buf, len) != get32(h + 8)) {
			snprintf(what, sizeof(what), "checksum mismatch (kind %u, %u bytes): "
				 "corrupt record", kind, len);
			return bad(err, errlen, at, what);
		}
		if (kind < 1 || kind > KIND_END)
			continue; /* a later version's record: skip it */
		if (len < need[kind]) {
			snprintf(what, sizeof(what), "record too short (kind %u: %u < %u bytes)",
				 kind, len, need[kind]);
			return bad(err, errlen, at, what);
		}
		break;
	}

	memset(it, 0, sizeof(*it));
	switch (kind) {
	case KIND_EVENT:
		it->kind = RW_ITEM_EVENT;
		dec_event(r->buf, &it->ev);
		if (it->ev.type < RW_EV_EXIT || it->ev.type > RW_EV_REAP) {
			snprintf(what, sizeof(what), "unknown event type %u", it->ev.type);
			return bad(err, errlen, at, what);
		}
		it->ts_ns = it->ev.ts_ns;
		break;
	case KIND_SEED:
		it->kind = RW_ITEM_SEED;
		dec_seed(r->buf, &it->seed);
		it->ts_ns = get64(r->buf + 64);
		break;
	case KIND_LOST:
		it->kind = RW_ITEM_LOST;
		it->ts_ns = get64(r->buf);
		it->lost = get64(r->buf + 8);
		it->untracked = get64(r->buf + 16);
		break;
	case KIND_END:
		it->kind = RW_ITEM_END;
		it->ts_ns = get64(r->buf);
		r->ended = true;
		break;
	}
	return 1;
}

static void rec_free(void *r)
{
	free(r);
}

const struct rw_reader_ops rw_rec_ops = { .next = rec_next, .free = rec_free };
