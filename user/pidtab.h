/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A flat hash table of fixed-size records keyed by a process's identity
 * (pid, start time), for what user space keeps per zombie or per parent
 * while `stats` watches the kernel's zombie table. Pure code, no I/O.
 *
 * Why not tsearch() or a malloc() per record: with 10,000 zombies those cost
 * a node of 32 bytes and a chunk of malloc's overhead each, on top of the
 * record. Here a record costs its size plus one byte, over a load factor
 * kept between 7/16 and 7/8 (the capacity is a power of two).
 *
 * "Looks": the owner lists what exists now, begin() then mark() for each,
 * and sweep() removes whatever was not marked since begin(). Records may
 * move on mark() (the table grows) and sweep(): pointers into the table
 * hold until the next call that changes it.
 */
#ifndef RW_PIDTAB_H
#define RW_PIDTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* Every record starts with this. */
struct rw_pidkey {
	__u64 start_ns; /* with pid, the key; 0 where the pid alone is */
	__u32 pid;
	__u32 val;      /* not part of the key: the record's own (what would
			 * otherwise be padding) */
};

struct rw_pidtab {
	unsigned char *recs; /* cap records of size bytes, then look, in one mapping */
	__u8 *look;          /* per slot: 0 empty, else the look that last marked it */
	size_t size, cap, n, max;
	unsigned bits;       /* cap == 1 << bits, or 0 before the first record */
	__u8 cur;            /* the current look, 1..255 */
};

/* Records of @size bytes (at least a struct rw_pidkey), at most @max. */
void rw_pidtab_init(struct rw_pidtab *t, size_t size, size_t max);
void rw_pidtab_fini(struct rw_pidtab *t);

/* The record of (pid, start_ns), or NULL. */
void *rw_pidtab_find(const struct rw_pidtab *t, __u32 pid, __u64 start_ns);
/* The record of (pid, start_ns), added zeroed (but its key) if it was not
 * there (*added), and marked as seen in this look. NULL: out of memory or
 * at max records. */
void *rw_pidtab_mark(struct rw_pidtab *t, __u32 pid, __u64 start_ns, bool *added);

/* A new look: every record is unmarked. */
void rw_pidtab_begin(struct rw_pidtab *t);
/* Remove every record not marked since rw_pidtab_begin(), each handed to
 * @gone first (if not NULL); then give memory back if most is unused. */
void rw_pidtab_sweep(struct rw_pidtab *t, void (*gone)(void *ctx, void *rec), void *ctx);

/* Iteration: for (size_t i = 0; (r = rw_pidtab_next(t, &i));) ... */
void *rw_pidtab_next(const struct rw_pidtab *t, size_t *i);

static inline size_t rw_pidtab_count(const struct rw_pidtab *t)
{
	return t->n;
}

#endif
