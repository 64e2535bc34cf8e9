// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The pid-keyed table: open addressing with linear probing, a power-of-two
 * capacity, and deletion by backward shift (no tombstones, so a long run of
 * looks never degrades it). See pidtab.h.
 */
#include <string.h>
#include <sys/mman.h>
#include "pidtab.h"

#define MIN_BITS 6 /* 64 slots */

/* The slots live in a mapping of their own, not in malloc()'s heap: when
 * the table grows or shrinks, the old slots go back to the kernel. From the
 * heap they would not: after libbpf's large frees at load, malloc serves
 * even megabytes from the heap and keeps what is freed (a table grown to
 * 10,000 zombies left ~0.3 MB of its smaller selves resident). */
static size_t map_len(size_t cap, size_t size)
{
	return cap * (size + 1);
}

static bool map_slots(struct rw_pidtab *t, size_t cap)
{
	void *p = mmap(NULL, map_len(cap, t->size), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return false;
	t->recs = p;
	t->look = t->recs + cap * t->size;
	t->cap = cap;
	return true;
}

static void unmap_slots(unsigned char *recs, size_t cap, size_t size)
{
	if (recs)
		munmap(recs, map_len(cap, size));
}

void rw_pidtab_init(struct rw_pidtab *t, size_t size, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->size = size < sizeof(struct rw_pidkey) ? sizeof(struct rw_pidkey) : size;
	t->max = max;
	t->cur = 1;
}

void rw_pidtab_fini(struct rw_pidtab *t)
{
	unmap_slots(t->recs, t->cap, t->size);
	memset(t, 0, sizeof(*t));
}

static struct rw_pidkey *key_at(const struct rw_pidtab *t, size_t i)
{
	return (struct rw_pidkey *)(t->recs + i * t->size);
}

/* Neighbouring pids get neighbouring home slots: the kernel's table is
 * laid out by pid too (today pid % 65536), so a look walks this one nearly
 * in order instead of missing the cache at each zombie (with 10,000
 * zombies, probe() took 37 % of stats' CPU time under Fibonacci hashing,
 * 5 % with this). The high bits are folded in, so that pids a multiple of
 * the capacity apart do not all share a home. */
static size_t home(const struct rw_pidtab *t, __u32 pid)
{
	return (size_t)(pid ^ (pid >> t->bits)) & (t->cap - 1);
}

/* The slot of (pid, start_ns), or the empty slot where it would go. */
static bool probe(const struct rw_pidtab *t, __u32 pid, __u64 start_ns, size_t *slot)
{
	size_t mask = t->cap - 1, i = home(t, pid);

	for (; t->look[i]; i = (i + 1) & mask) {
		const struct rw_pidkey *k = key_at(t, i);

		if (k->pid == pid && k->start_ns == start_ns) {
			*slot = i;
			return true;
		}
	}
	*slot = i;
	return false;
}

/* Rehash into 1 << bits slots; false (and unchanged) when out of memory. */
static bool resize(struct rw_pidtab *t, unsigned bits)
{
	unsigned char *old_recs = t->recs;
	const __u8 *old_look = t->look;
	size_t old_cap = t->cap;

	if (!map_slots(t, (size_t)1 << bits))
		return false;
	t->bits = bits;
	for (size_t i = 0; i < old_cap; i++) {
		const struct rw_pidkey *k = (const void *)(old_recs + i * t->size);
		size_t j;

		if (!old_look[i])
			continue;
		probe(t, k->pid, k->start_ns, &j);
		memcpy(key_at(t, j), k, t->size);
		t->look[j] = old_look[i];
	}
	unmap_slots(old_recs, old_cap, t->size);
	return true;
}

void *rw_pidtab_find(const struct rw_pidtab *t, __u32 pid, __u64 start_ns)
{
	size_t i;

	if (!t->n || !probe(t, pid, start_ns, &i))
		return NULL;
	return key_at(t, i);
}

void *rw_pidtab_mark(struct rw_pidtab *t, __u32 pid, __u64 start_ns, bool *added)
{
	struct rw_pidkey *k;
	size_t i;

	*added = false;
	if (t->cap && probe(t, pid, start_ns, &i)) {
		t->look[i] = t->cur;
		return key_at(t, i);
	}
	if (t->n >= t->max)
		return NULL;
	/* Over 7/8 full: twice the size (probes stay short). If that fails,
	 * carry on while a slot is left: the probe loop needs one empty. */
	if ((t->n + 1) * 8 > t->cap * 7 &&
	    !resize(t, t->bits ? t->bits + 1 : MIN_BITS) && t->n + 1 >= t->cap)
		return NULL;
	probe(t, pid, start_ns, &i);
	k = key_at(t, i);
	memset(k, 0, t->size);
	k->pid = pid;
	k->start_ns = start_ns;
	t->look[i] = t->cur;
	t->n++;
	*added = true;
	return k;
}

void rw_pidtab_begin(struct rw_pidtab *t)
{
	/* Survivors of the last sweep all carry cur: a new value unmarks them
	 * all without a pass over the table. */
	t->cur = t->cur == 255 ? 1 : t->cur + 1;
}

/* Empty slot @i and close the gap: each record after it in the run moves
 * back into the hole unless that would put it before its home slot. */
static void erase(struct rw_pidtab *t, size_t i)
{
	size_t mask = t->cap - 1, hole = i;

	for (size_t j = (i + 1) & mask; t->look[j]; j = (j + 1) & mask) {
		size_t h = home(t, key_at(t, j)->pid);

		if (((j - h) & mask) >= ((j - hole) & mask)) {
			memcpy(key_at(t, hole), key_at(t, j), t->size);
			t->look[hole] = t->look[j];
			hole = j;
		}
	}
	t->look[hole] = 0;
	t->n--;
}

void rw_pidtab_sweep(struct rw_pidtab *t, void (*gone)(void *ctx, void *rec), void *ctx)
{
	unsigned bits = MIN_BITS;

	/* A record moved into slot i by erase() comes from further on (not
	 * yet looked at) or from a run that wrapped past the end (looked at,
	 * and kept): slot i is looked at again. */
	for (size_t i = 0; i < t->cap;) {
		if (!t->look[i] || t->look[i] == t->cur) {
			i++;
			continue;
		}
		if (gone)
			gone(ctx, key_at(t, i));
		erase(t, i);
	}
	/* Under 1/8 full after a burst: half full or less, at most 1/4. */
	if (t->bits <= MIN_BITS || t->n * 8 >= t->cap)
		return;
	while (((size_t)1 << bits) < 2 * t->n)
		bits++;
	resize(t, bits);
}

void *rw_pidtab_next(const struct rw_pidtab *t, size_t *i)
{
	for (; *i < t->cap; (*i)++)
		if (t->look[*i])
			return key_at(t, (*i)++);
	return NULL;
}
