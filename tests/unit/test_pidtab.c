// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The pid-keyed table, against a plain array doing the same by brute force. */
#include "pidtab.h"
#include "unit.h"

struct rec {
	struct rw_pidkey k;
	__u64 payload;
};

struct model {
	__u32 pid;
	__u64 start_ns;
	__u64 payload;
	bool marked, gone;
};

#define NMODEL 4000
static struct model models[NMODEL];

/* A fixed generator: the same run every time. */
static __u64 rnd_state = 88172645463325252ull;

static __u64 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

struct sweep_ctx {
	struct model *m;
	size_t nm, ngone;
	bool bad;
};

static void on_gone(void *ctx, void *rec)
{
	struct sweep_ctx *s = ctx;
	const struct rec *r = rec;

	s->ngone++;
	for (size_t i = 0; i < s->nm; i++) {
		struct model *m = &s->m[i];

		if (m->pid == r->k.pid && m->start_ns == r->k.start_ns && !m->gone) {
			/* Gone twice, or gone although marked: wrong. */
			if (m->marked || m->payload != r->payload)
				s->bad = true;
			m->gone = true;
			return;
		}
	}
	s->bad = true;
}

/* Many looks: each keeps a random part of what exists and adds some; pids
 * from a small range (long runs, runs that wrap past the end, one pid with
 * several start times), so that erase() moves records every which way. */
static bool looks_against_a_model(void)
{
	struct rw_pidtab t;
	size_t nm = 0, live = 0;

	rw_pidtab_init(&t, sizeof(struct rec), 1u << 20);
	for (int look = 0; look < 300; look++) {
		struct sweep_ctx s = { .m = models };
		unsigned keep = rnd() % 100, adds = rnd() % 10;
		size_t unmarked = 0;

		/* A burst, then most of it goes: the table grows, then shrinks. */
		if (look == 150)
			adds = 2000;
		if (look > 150 && look < 160)
			keep = 5;
		rw_pidtab_begin(&t);
		for (size_t i = 0; i < nm; i++) {
			struct rec *r;
			bool added;

			models[i].marked = false;
			if (models[i].gone)
				continue;
			if (rnd() % 100 >= keep) {
				unmarked++;
				continue;
			}
			r = rw_pidtab_mark(&t, models[i].pid, models[i].start_ns, &added);
			CHECK(r && !added, "look %d: record %zu lost", look, i);
			CHECK_EQ(r->payload, models[i].payload);
			models[i].marked = true;
		}
		for (unsigned a = 0; a < adds && nm < NMODEL; a++) {
			struct rec *r;
			bool added;

			models[nm].pid = 1 + rnd() % 512;
			models[nm].start_ns = nm + 1; /* unique, so pids repeat with other starts */
			models[nm].payload = rnd();
			models[nm].marked = true;
			r = rw_pidtab_mark(&t, models[nm].pid, models[nm].start_ns, &added);
			CHECK(r && added, "look %d: add %zu", look, nm);
			CHECK_EQ(r->k.pid, models[nm].pid);
			r->payload = models[nm].payload;
			nm++;
			live++;
		}
		s.nm = nm;
		rw_pidtab_sweep(&t, on_gone, &s);
		CHECK(!s.bad, "look %d: a wrong record swept", look);
		CHECK_EQ(s.ngone, unmarked);
		live = 0;
		for (size_t i = 0; i < nm; i++) {
			const struct rec *r = rw_pidtab_find(&t, models[i].pid, models[i].start_ns);

			if (models[i].marked && !models[i].gone) {
				CHECK(r, "look %d: %zu missing", look, i);
				CHECK_EQ(r->payload, models[i].payload);
				live++;
			} else {
				models[i].gone = true;
				CHECK(!r, "look %d: %zu still there", look, i);
			}
		}
		CHECK_EQ(rw_pidtab_count(&t), live);
		CHECK(t.cap == 0 || live * 8 <= t.cap * 7, "look %d: over 7/8 full", look);
		if (look == 150)
			CHECK(t.cap > 2048, "the burst grew it (%zu)", t.cap);
		if (look == 165)
			CHECK(t.cap < 2048, "not shrunk after the burst (%zu slots, %zu)", t.cap, live);
	}
	{
		size_t i = 0, n = 0;

		while (rw_pidtab_next(&t, &i))
			n++;
		CHECK_EQ(n, live);
	}
	rw_pidtab_fini(&t);
	return true;
}

static bool bounded_and_empty(void)
{
	struct rw_pidtab t;
	struct rec *r;
	bool added;
	size_t i = 0;

	rw_pidtab_init(&t, sizeof(struct rec), 2);
	CHECK(!rw_pidtab_find(&t, 1, 0), "empty table finds nothing");
	CHECK(!rw_pidtab_next(&t, &i), "empty table iterates nothing");
	CHECK(rw_pidtab_mark(&t, 1, 0, &added) && added, "first");
	CHECK(rw_pidtab_mark(&t, 2, 0, &added) && added, "second");
	CHECK(!rw_pidtab_mark(&t, 3, 0, &added) && !added, "over max");
	r = rw_pidtab_mark(&t, 2, 0, &added);
	CHECK(r && !added && r->k.pid == 2, "a known one still found at max");
	/* Unmarked in the next look: swept, then nothing is left. */
	rw_pidtab_begin(&t);
	rw_pidtab_sweep(&t, NULL, NULL);
	CHECK_EQ(rw_pidtab_count(&t), 0);
	CHECK(!rw_pidtab_find(&t, 2, 0), "swept");
	rw_pidtab_fini(&t);
	return true;
}

/* A run of records that wraps past the last slot (pids 60 to 63 have the
 * last home slots of the smallest table today; were the hash to change,
 * this still checks the same answers), emptied from its middle. */
static bool a_run_across_the_end(void)
{
	struct rw_pidtab t;
	struct rec *r;
	bool added;

	rw_pidtab_init(&t, sizeof(struct rec), 1000);
	for (__u32 pid = 60; pid < 64; pid++)
		for (__u64 start = 1; start <= 8; start++) {
			r = rw_pidtab_mark(&t, pid, start, &added);
			CHECK(r && added, "add %u/%llu", pid, (unsigned long long)start);
			r->payload = pid * 100 + start;
		}
	for (__u32 pid = 0; pid < 8; pid++) { /* their homes are taken by the run */
		r = rw_pidtab_mark(&t, pid, 1, &added);
		CHECK(r && added, "add %u", pid);
		r->payload = pid * 100 + 1;
	}
	CHECK_EQ(t.cap, 64);
	/* Keep every other record. */
	rw_pidtab_begin(&t);
	for (__u32 pid = 60; pid < 64; pid++)
		for (__u64 start = 2; start <= 8; start += 2)
			CHECK(rw_pidtab_mark(&t, pid, start, &added) && !added, "keep %u", pid);
	for (__u32 pid = 0; pid < 8; pid += 2)
		CHECK(rw_pidtab_mark(&t, pid, 1, &added) && !added, "keep %u", pid);
	rw_pidtab_sweep(&t, NULL, NULL);
	CHECK_EQ(rw_pidtab_count(&t), 20);
	for (__u32 pid = 60; pid < 64; pid++)
		for (__u64 start = 1; start <= 8; start++) {
			r = rw_pidtab_find(&t, pid, start);
			CHECK((r == NULL) == (start % 2 == 1), "%u/%llu", pid, (unsigned long long)start);
			CHECK(!r || r->payload == pid * 100 + start, "payload %u", pid);
		}
	for (__u32 pid = 0; pid < 8; pid++) {
		r = rw_pidtab_find(&t, pid, 1);
		CHECK((r == NULL) == (pid % 2 == 1), "%u", pid);
		CHECK(!r || r->payload == pid * 100 + 1, "payload %u", pid);
	}
	rw_pidtab_fini(&t);
	return true;
}

UNIT_CASES(pidtab_cases) = {
	{ "pidtab: 300 looks agree with a brute-force model", looks_against_a_model },
	{ "pidtab: at most max records; a look that marks nothing empties it", bounded_and_empty },
	{ "pidtab: a run of records across the last slot, emptied from within", a_run_across_the_end },
	{ NULL, NULL },
};
