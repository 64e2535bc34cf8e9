// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The analysis, driven with fixed event arrays. */
#include <stdint.h>
#include <stdlib.h>
#include "analysis.h"
#include "unit.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define T0 (100 * SEC)

static struct rw_event exit_ev(__u64 ts, __u32 pid, __u32 ppid, const char *comm,
			       const char *pcomm)
{
	struct rw_event e = { .type = RW_EV_EXIT, .ts_ns = ts, .pid = pid, .nspid = pid,
			      .pidns = 4026531836u, .start_ns = pid * 1000ull, .ppid = ppid };

	strncpy(e.comm, comm, RW_COMM_LEN - 1);
	strncpy(e.parent_comm, pcomm, RW_COMM_LEN - 1);
	return e;
}

static struct rw_event reap_ev(__u64 ts, __u32 pid, __u32 ppid, __u32 reaper, const char *rcomm,
			       __u64 latency, __u8 via)
{
	struct rw_event e = { .type = RW_EV_REAP, .ts_ns = ts, .pid = pid, .nspid = pid,
			      .pidns = 4026531836u, .start_ns = pid * 1000ull, .ppid = ppid,
			      .reaper_pid = reaper, .duration_ns = latency, .via = via };

	strncpy(e.reaper_comm, rcomm, RW_COMM_LEN - 1);
	return e;
}

static struct rw_event orphan_ev(__u64 ts, __u32 pid, __u32 old, const char *ocomm, __u32 reaper,
				 const char *rcomm, bool zombie)
{
	struct rw_event e = { .type = RW_EV_ORPHAN, .ts_ns = ts, .pid = pid, .nspid = pid,
			      .pidns = 4026531836u, .start_ns = pid * 1000ull, .ppid = old,
			      .reaper_pid = reaper, .reaper_kind = RW_REAPER_PIDNS_INIT,
			      .flags = zombie ? RW_F_ZOMBIE : 0 };

	strncpy(e.parent_comm, ocomm, RW_COMM_LEN - 1);
	strncpy(e.reaper_comm, rcomm, RW_COMM_LEN - 1);
	return e;
}

static struct rw_analysis *fresh(void)
{
	struct rw_analysis_opts o = { .leak_after_ns = SEC, .fine = true };

	return rw_analysis_new(&o);
}

static void feed(struct rw_analysis *a, const struct rw_event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rw_analysis_event(a, &ev[i]);
}

static const struct rw_reaper_sum *find_reaper(struct rw_analysis *a, __u32 pid)
{
	const struct rw_reaper_sum **r, *found = NULL;
	size_t n = rw_analysis_reapers(a, &r);

	for (size_t i = 0; i < n; i++)
		if (r[i]->pid == pid)
			found = r[i];
	free(r);
	return found;
}

/* The scenario of tests/test_analysis.sh, with exact times: a parent that
 * never waits for its 3 children, one that waits after 200 ms, and init. */
static bool leaker_and_late_waiter(void)
{
	const struct rw_event ev[] = {
		exit_ev(T0, 301, 300, "child", "waiter"),
		exit_ev(T0 + 10 * MS, 201, 200, "child", "leaker"),
		exit_ev(T0 + 11 * MS, 202, 200, "child", "leaker"),
		exit_ev(T0 + 12 * MS, 203, 200, "child", "leaker"),
		reap_ev(T0 + 200 * MS, 301, 300, 300, "waiter", 200 * MS, RW_VIA_WAIT4),
		exit_ev(T0 + 201 * MS, 300, 1, "waiter", "init"),
		reap_ev(T0 + 202 * MS, 300, 1, 1, "init", 1 * MS, RW_VIA_WAIT4),
		exit_ev(T0 + 1500 * MS, 200, 1, "leaker", "init"),
		orphan_ev(T0 + 1500 * MS, 201, 200, "leaker", 1, "init", true),
		orphan_ev(T0 + 1500 * MS, 202, 200, "leaker", 1, "init", true),
		orphan_ev(T0 + 1500 * MS, 203, 200, "leaker", 1, "init", true),
		reap_ev(T0 + 1501 * MS, 200, 1, 1, "init", 1 * MS, RW_VIA_WAIT4),
		reap_ev(T0 + 1502 * MS, 201, 1, 1, "init", 1492 * MS, RW_VIA_WAIT4),
		reap_ev(T0 + 1503 * MS, 202, 1, 1, "init", 1492 * MS, RW_VIA_WAIT4),
		reap_ev(T0 + 1504 * MS, 203, 1, 1, "init", 1492 * MS, RW_VIA_WAIT4),
	};
	struct rw_analysis *a = fresh();
	const struct rw_reaper_sum *init, *waiter;
	const struct rw_parent_sum **p;
	const struct rw_totals *t;
	const struct rw_zombie **z;
	struct rw_leaker *l;
	size_t n;

	CHECK(a, "alloc");
	feed(a, ev, sizeof(ev) / sizeof(ev[0]));
	t = rw_analysis_totals(a);
	CHECK_EQ(t->exits, 6);
	CHECK_EQ(t->reaps, 6);
	CHECK_EQ(t->orphans, 3);
	CHECK_EQ(t->orphans_pidns_init, 3);
	CHECK_EQ(t->orphans_zombie, 3);
	CHECK_EQ(t->first_ns, T0);
	CHECK_EQ(t->last_ns, T0 + 1504 * MS);

	init = find_reaper(a, 1);
	waiter = find_reaper(a, 300);
	CHECK(init && waiter, "reapers 1 and 300 expected");
	CHECK(!find_reaper(a, 200), "the leaker reaped nothing");
	CHECK_EQ(init->reaps, 5);
	CHECK_EQ(init->adopted, 3);
	CHECK(!strcmp(init->comm, "init"), "comm %s", init->comm);
	CHECK_EQ(init->lat.max, 1492 * MS);
	CHECK_EQ(waiter->reaps, 1);
	CHECK_EQ(rw_hist_percentile(&waiter->lat, 5000), 200 * MS);
	CHECK_EQ(rw_hist_percentile(&waiter->lat, 9900), 200 * MS);
	CHECK_EQ(rw_analysis_overall(a)->count, 6);

	n = rw_analysis_parents(a, &p);
	CHECK_EQ(n, 1);
	CHECK_EQ(p[0]->pid, 200);
	CHECK_EQ(p[0]->orphaned, 3);
	free(p);

	n = rw_analysis_zombies(a, &z);
	free(z);
	CHECK_EQ(n, 0);

	/* The leaker answers for 1.49 s each; init adopted and reaped at once. */
	n = rw_analysis_leakers(a, T0 + 2 * SEC, &l);
	CHECK_EQ(n, 1);
	CHECK_EQ(l[0].pid, 200);
	CHECK(!strcmp(l[0].comm, "leaker"), "comm %s", l[0].comm);
	CHECK_EQ(l[0].zombies, 3);
	CHECK_EQ(l[0].outstanding, 0);
	CHECK_EQ(l[0].oldest_ns, 1490 * MS);
	free(l);
	rw_analysis_free(a);
	return true;
}

static bool outstanding_zombies_leak_now(void)
{
	const struct rw_event ev[] = {
		exit_ev(T0, 201, 200, "child", "leaker"),
		exit_ev(T0 + 100 * MS, 202, 200, "child", "leaker"),
		exit_ev(T0 + 900 * MS, 203, 200, "child", "leaker"),
	};
	struct rw_analysis *a = fresh();
	const struct rw_zombie **z;
	struct rw_leaker *l;
	size_t n;

	CHECK(a, "alloc");
	feed(a, ev, 3);
	n = rw_analysis_zombies(a, &z);
	CHECK_EQ(n, 3);
	CHECK_EQ(z[0]->pid, 201); /* oldest first */
	CHECK_EQ(z[2]->pid, 203);
	CHECK_EQ(z[0]->parent, 200);
	free(z);
	/* At +1.05 s only the first one is over a second old. */
	n = rw_analysis_leakers(a, T0 + 1050 * MS, &l);
	CHECK_EQ(n, 1);
	CHECK_EQ(l[0].zombies, 1);
	CHECK_EQ(l[0].outstanding, 1);
	CHECK_EQ(l[0].oldest_ns, 1050 * MS);
	free(l);
	n = rw_analysis_leakers(a, T0 + 3 * SEC, &l);
	CHECK_EQ(n, 1);
	CHECK_EQ(l[0].zombies, 3);
	CHECK_EQ(l[0].outstanding, 3);
	CHECK_EQ(l[0].oldest_ns, 3 * SEC);
	free(l);
	rw_analysis_free(a);
	return true;
}

static bool threshold_is_strict(void)
{
	const struct rw_event ev[] = {
		exit_ev(T0, 201, 200, "a", "p"),
		reap_ev(T0 + SEC, 201, 200, 200, "p", SEC, RW_VIA_WAIT4),
		exit_ev(T0, 301, 300, "b", "q"),
		reap_ev(T0 + SEC + 1, 301, 300, 300, "q", SEC + 1, RW_VIA_WAITID),
	};
	struct rw_analysis *a = fresh();
	struct rw_leaker *l;
	size_t n;

	CHECK(a, "alloc");
	feed(a, ev, 4);
	n = rw_analysis_leakers(a, T0 + 5 * SEC, &l);
	CHECK_EQ(n, 1);
	CHECK_EQ(l[0].pid, 300);
	CHECK_EQ(l[0].oldest_ns, SEC + 1);
	free(l);
	rw_analysis_free(a);
	return true;
}

/* An old zombie adopted and reaped at once does not make its adopter a leaker. */
static bool adopter_not_blamed_for_old_zombies(void)
{
	const struct rw_event ev[] = {
		exit_ev(T0, 201, 200, "child", "sloppy"),
		orphan_ev(T0 + 5 * SEC, 201, 200, "sloppy", 1, "init", true),
		reap_ev(T0 + 5 * SEC + MS, 201, 1, 1, "init", 5 * SEC + MS, RW_VIA_WAIT4),
	};
	struct rw_analysis *a = fresh();
	struct rw_leaker *l;
	size_t n;

	CHECK(a, "alloc");
	feed(a, ev, 3);
	n = rw_analysis_leakers(a, T0 + 6 * SEC, &l);
	CHECK_EQ(n, 1);
	CHECK_EQ(l[0].pid, 200);
	CHECK_EQ(l[0].oldest_ns, 5 * SEC);
	free(l);
	CHECK_EQ(find_reaper(a, 1)->lat.max, 5 * SEC + MS);
	rw_analysis_free(a);
	return true;
}

static bool autoreap_and_unknown_age(void)
{
	const struct rw_event ev[] = {
		exit_ev(T0, 201, 200, "child", "ign"),
		reap_ev(T0, 201, 200, 200, "ign", 0, RW_VIA_AUTOREAP),
		/* A zombie from before the trace: latency unknown (0). */
		reap_ev(T0 + MS, 555, 1, 1, "init", 0, RW_VIA_WAIT4),
	};
	struct rw_analysis *a = fresh();
	const struct rw_zombie **z;

	CHECK(a, "alloc");
	feed(a, ev, 3);
	CHECK_EQ(rw_analysis_totals(a)->reaps, 2);
	CHECK_EQ(rw_analysis_totals(a)->reaps_unknown, 1);
	CHECK_EQ(find_reaper(a, 200)->reaps, 1);
	CHECK_EQ(find_reaper(a, 200)->lat.max, 0);
	CHECK(!find_reaper(a, 1), "an unknown latency is not a sample");
	CHECK_EQ(rw_analysis_zombies(a, &z), 0);
	free(z);
	rw_analysis_free(a);
	return true;
}

/* A reap whose exit we never saw still tells the parent's leak. */
static bool reap_without_exit_judges_parent(void)
{
	const struct rw_event ev[] = {
		reap_ev(T0, 401, 400, 400, "lazy", 3 * SEC, RW_VIA_WAIT4),
	};
	struct rw_analysis *a = fresh();
	struct rw_leaker *l;

	CHECK(a, "alloc");
	feed(a, ev, 1);
	CHECK_EQ(rw_analysis_leakers(a, T0, &l), 1);
	CHECK_EQ(l[0].pid, 400);
	CHECK(!strcmp(l[0].comm, "lazy"), "comm %s", l[0].comm);
	CHECK_EQ(l[0].oldest_ns, 3 * SEC);
	free(l);
	rw_analysis_free(a);
	return true;
}

static bool seeds_of_known_and_unknown_age(void)
{
	struct rw_seed known = { .start_ns = 1, .zombie_ns = T0 - 5 * SEC, .pid = 701, .parent = 700,
				 .comm = "old", .parent_comm = "neglect" };
	struct rw_seed unknown = { .start_ns = 2, .pid = 702, .parent = 700, .comm = "older",
				   .parent_comm = "neglect" };
	struct rw_analysis *a = fresh();
	const struct rw_zombie **z;
	struct rw_leaker *l;

	CHECK(a, "alloc");
	rw_analysis_seed(a, &known, T0);
	rw_analysis_seed(a, &unknown, T0);
	CHECK_EQ(rw_analysis_zombies(a, &z), 2);
	CHECK_EQ(z[0]->pid, 701);
	CHECK(z[0]->age_known && !z[1]->age_known, "age_known flags");
	CHECK_EQ(z[1]->since_ns, T0);
	free(z);
	/* Visible at once: the known one is 5 s old. */
	CHECK_EQ(rw_analysis_leakers(a, T0, &l), 1);
	CHECK_EQ(l[0].pid, 700);
	CHECK_EQ(l[0].zombies, 1);
	CHECK_EQ(l[0].oldest_ns, 5 * SEC);
	free(l);
	CHECK_EQ(rw_analysis_leakers(a, T0 + 2 * SEC, &l), 1);
	CHECK_EQ(l[0].zombies, 2);
	free(l);
	rw_analysis_free(a);
	return true;
}

/* One look at the kernel's zombies, as kstats makes it, keeping them all. */
static void sync_look(struct rw_analysis *a, const struct rw_zombie *z, size_t n, __u64 now)
{
	rw_analysis_sync_begin(a, now, SIZE_MAX);
	for (size_t i = 0; i < n; i++)
		rw_analysis_sync_zombie(a, &z[i]);
	rw_analysis_sync_end(a);
}

/* The parents' names, as kstats' cache gives them. */
static const char *test_comm(const void *ctx, __u32 pid)
{
	(void)ctx;
	return pid == 200 ? "leaker" : pid == 1 ? "init" : "";
}

static struct rw_zombie kzombie(__u32 pid, __u32 parent, __u64 since, bool age_known)
{
	struct rw_zombie z = { .pid = pid, .start_ns = pid * 1000ull, .since_ns = since,
			       .held_ns = since, .parent = parent, .comm = "child",
			       .age_known = age_known };

	strncpy(z.parent_comm, test_comm(NULL, parent), RW_COMM_LEN - 1);
	return z;
}

/* The in-kernel mode: aggregates set, zombies synced from snapshots. */
static bool kernel_snapshots(void)
{
	struct rw_reaper_key k = { .start_ns = 9, .tgid = 1, .pidns = 4026531836u };
	struct rw_reaper_stats s = { .reaps = 2, .adopted = 1, .sum_ns = 3 * MS, .min_ns = MS,
				     .max_ns = 2 * MS, .comm = "init" };
	struct rw_zombie z = { .pid = 201, .start_ns = 5, .since_ns = T0 - SEC / 2,
			       .held_ns = T0 - SEC / 2, .parent = 200, .comm = "child",
			       .parent_comm = "leaker", .age_known = true };
	struct rw_analysis *a = fresh();
	const struct rw_reaper_sum *r;
	struct rw_leaker *l;

	CHECK(a, "alloc");
	rw_analysis_parent_comms(a, test_comm, NULL);
	s.slots[rw_log2_slot(MS)] = 1;
	s.slots[rw_log2_slot(2 * MS)] = 1;
	for (int round = 0; round < 2; round++) {
		rw_analysis_clear_aggregates(a);
		rw_analysis_set_reaper(a, &k, &s);
	}
	r = find_reaper(a, 1);
	CHECK(r, "reaper 1");
	CHECK_EQ(r->reaps, 2); /* replaced, not added up */
	CHECK_EQ(r->adopted, 1);
	CHECK_EQ(rw_hist_percentile(&r->lat, 10000), 2 * MS);
	CHECK_EQ(rw_hist_percentile(&r->lat, 100), MS);
	CHECK_EQ(rw_analysis_overall(a)->count, 2);

	sync_look(a, &z, 1, T0);
	sync_look(a, &z, 1, T0 + SEC);
	CHECK_EQ(rw_analysis_leakers(a, T0 + SEC, &l), 1);
	CHECK_EQ(l[0].outstanding, 1);
	free(l);
	/* Gone at the third look: judged up to when it was last seen. */
	sync_look(a, NULL, 0, T0 + 2 * SEC);
	CHECK_EQ(rw_analysis_nzombies(a), 0);
	CHECK_EQ(rw_analysis_leakers(a, T0 + 2 * SEC, &l), 1);
	CHECK_EQ(l[0].pid, 200);
	CHECK(!strcmp(l[0].comm, "leaker"), "named by the parents' names: %s", l[0].comm);
	CHECK_EQ(l[0].zombies, 1);
	CHECK_EQ(l[0].outstanding, 0);
	CHECK_EQ(l[0].oldest_ns, SEC + SEC / 2);
	free(l);
	rw_analysis_free(a);
	return true;
}

/* In-kernel mode: a zombie whose parent changed between two looks (the
 * parent died): the old parent answers for its time, the new one from then. */
static bool kernel_parent_changes(void)
{
	struct rw_zombie z = kzombie(201, 200, T0 - SEC / 2, true);
	struct rw_analysis *a = fresh();
	struct rw_leaker *l;

	CHECK(a, "alloc");
	rw_analysis_parent_comms(a, test_comm, NULL);
	sync_look(a, &z, 1, T0);
	z.parent = 1;
	strcpy(z.parent_comm, "init");
	sync_look(a, &z, 1, T0 + SEC);
	sync_look(a, &z, 1, T0 + 2 * SEC + SEC / 2);
	CHECK_EQ(rw_analysis_leakers(a, T0 + 2 * SEC + SEC / 2, &l), 2);
	/* The leaker held it 1.5 s until init got it; init has held it 1.5 s. */
	for (int i = 0; i < 2; i++) {
		if (l[i].pid == 200) {
			CHECK(!strcmp(l[i].comm, "leaker"), "old parent: %s", l[i].comm);
			CHECK_EQ(l[i].zombies, 1);
			CHECK_EQ(l[i].outstanding, 0);
			CHECK_EQ(l[i].oldest_ns, SEC + SEC / 2);
		} else {
			CHECK_EQ(l[i].pid, 1);
			CHECK(!strcmp(l[i].comm, "init"), "new parent: %s", l[i].comm);
			CHECK_EQ(l[i].outstanding, 1);
			CHECK_EQ(l[i].oldest_ns, SEC + SEC / 2);
		}
	}
	free(l);
	rw_analysis_free(a);
	return true;
}

/* In-kernel mode: a print shows the --top oldest, so only those are kept;
 * the count is of all. Unknown ages count from the first look. */
static bool kernel_keeps_the_rows_shown(void)
{
	struct rw_zombie z[50];
	struct rw_analysis *a = fresh();
	const struct rw_zombie **rows;

	CHECK(a, "alloc");
	/* Ages in a scrambled order; pid 249's is unknown (it predates us). */
	for (unsigned i = 0; i < 50; i++)
		z[i] = kzombie(200 + i, 1, T0 - ((i * 37) % 50) * MS, i != 49);
	z[49].since_ns = z[49].held_ns = T0 + SEC; /* kstats: "now" when unknown */
	sync_look(a, z, 50, T0 + SEC);
	z[49].since_ns = z[49].held_ns = T0 + 2 * SEC;
	rw_analysis_sync_begin(a, T0 + 2 * SEC, 5);
	for (unsigned i = 0; i < 50; i++)
		rw_analysis_sync_zombie(a, &z[i]);
	rw_analysis_sync_end(a);
	CHECK_EQ(rw_analysis_nzombies(a), 50);
	CHECK_EQ(rw_analysis_zombies(a, &rows), 5);
	for (unsigned i = 0; i < 5; i++)
		CHECK_EQ(rows[i]->since_ns, T0 - (49 - i) * MS);
	free(rows);
	/* All kept: the unknown one is the youngest, aged from the first look. */
	sync_look(a, z, 50, T0 + 3 * SEC);
	CHECK_EQ(rw_analysis_zombies(a, &rows), 50);
	CHECK_EQ(rows[49]->pid, 249);
	CHECK_EQ(rows[49]->since_ns, T0 + SEC);
	CHECK(!rows[49]->age_known, "unknown age");
	free(rows);
	/* The looks between prints keep none. */
	rw_analysis_sync_begin(a, T0 + 4 * SEC, 0);
	for (unsigned i = 0; i < 50; i++)
		rw_analysis_sync_zombie(a, &z[i]);
	rw_analysis_sync_end(a);
	CHECK_EQ(rw_analysis_zombies(a, &rows), 0);
	free(rows);
	CHECK_EQ(rw_analysis_nzombies(a), 50);
	rw_analysis_free(a);
	return true;
}

static bool lost_is_a_running_total(void)
{
	struct rw_analysis *a = fresh();

	CHECK(a, "alloc");
	rw_analysis_lost(a, 5, 0);
	rw_analysis_lost(a, 3, 0);
	CHECK_EQ(rw_analysis_totals(a)->lost, 5);
	CHECK_EQ(rw_analysis_totals(a)->first_ns, 0);
	rw_analysis_free(a);
	return true;
}

UNIT_CASES(analysis_cases) = {
	{ "analysis: a leaker of 3 and a 200 ms waiter", leaker_and_late_waiter },
	{ "analysis: outstanding zombies leak as time passes", outstanding_zombies_leak_now },
	{ "analysis: a leak is strictly longer than --leak-after", threshold_is_strict },
	{ "analysis: init is not blamed for old zombies it adopts", adopter_not_blamed_for_old_zombies },
	{ "analysis: autoreap counts 0 ns, unknown ages are not samples", autoreap_and_unknown_age },
	{ "analysis: a reap whose exit was not seen judges the parent", reap_without_exit_judges_parent },
	{ "analysis: zombies that predate the tool leak at once", seeds_of_known_and_unknown_age },
	{ "analysis: in-kernel snapshots replace aggregates, sync zombies", kernel_snapshots },
	{ "analysis: in-kernel, a zombie's new parent: the old one is charged",
	  kernel_parent_changes },
	{ "analysis: in-kernel, only the rows a print shows are kept", kernel_keeps_the_rows_shown },
	{ "analysis: lost is a running total", lost_is_a_running_total },
	{},
};
