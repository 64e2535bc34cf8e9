// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The parents' names cache, with a fake /proc that counts its reads. */
#include "pcomm.h"
#include "unit.h"

#define SEC 1000000000ull

static unsigned reads;
static char names[8][RW_COMM_LEN]; /* pid -> name; "" reads as gone */

static void fake_read(__u32 pid, char comm[RW_COMM_LEN])
{
	reads++;
	memset(comm, 0, RW_COMM_LEN);
	if (pid < 8)
		memcpy(comm, names[pid], RW_COMM_LEN);
}

static void set_name(__u32 pid, const char *name)
{
	memset(names[pid], 0, RW_COMM_LEN);
	strncpy(names[pid], name, RW_COMM_LEN - 1);
}

/* One look naming @pid for each of @n zombies, as kstats does. */
static const char *look(struct rw_pcomm *c, __u32 pid, unsigned n, __u64 now)
{
	const char *name = "";

	rw_pcomm_begin(c);
	for (unsigned i = 0; i < n; i++)
		name = rw_pcomm_get(c, pid, now);
	return name;
}

static bool read_once_per_parent(void)
{
	struct rw_pcomm c;

	reads = 0;
	set_name(1, "leaker");
	set_name(2, "other");
	rw_pcomm_init(&c, fake_read, 5 * SEC);
	/* Ten zombies of parent 1, four looks a second: one read. */
	for (unsigned i = 0; i < 4; i++) {
		CHECK(!strcmp(look(&c, 1, 10, i * SEC / 4), "leaker"), "look %u", i);
		rw_pcomm_sweep(&c);
	}
	CHECK_EQ(reads, 1);
	/* A second parent: one more read, the first is not read again. */
	rw_pcomm_begin(&c);
	rw_pcomm_get(&c, 1, SEC);
	CHECK(!strcmp(rw_pcomm_get(&c, 2, SEC), "other"), "second parent");
	rw_pcomm_sweep(&c);
	CHECK_EQ(reads, 2);
	rw_pcomm_fini(&c);
	return true;
}

static bool refreshed_after_the_period(void)
{
	struct rw_pcomm c;

	reads = 0;
	set_name(1, "sh");
	rw_pcomm_init(&c, fake_read, 5 * SEC);
	look(&c, 1, 1, 0);
	rw_pcomm_sweep(&c);
	set_name(1, "leaker"); /* it exec'd */
	CHECK(!strcmp(look(&c, 1, 1, 4 * SEC), "sh"), "cached within the period");
	rw_pcomm_sweep(&c);
	CHECK(!strcmp(look(&c, 1, 1, 5 * SEC), "leaker"), "read again after it");
	rw_pcomm_sweep(&c);
	CHECK_EQ(reads, 2);
	/* It died: the read fails, the last name stays. */
	set_name(1, "");
	CHECK(!strcmp(look(&c, 1, 1, 11 * SEC), "leaker"), "a dead parent keeps its name");
	rw_pcomm_sweep(&c);
	CHECK_EQ(reads, 3);
	rw_pcomm_fini(&c);
	return true;
}

static bool dropped_when_no_zombie_names_it(void)
{
	struct rw_pcomm c;

	reads = 0;
	set_name(1, "leaker");
	set_name(2, "other");
	rw_pcomm_init(&c, fake_read, 5 * SEC);
	rw_pcomm_begin(&c);
	rw_pcomm_get(&c, 1, 0);
	rw_pcomm_get(&c, 2, 0);
	rw_pcomm_sweep(&c);
	/* The next look names only 2. Until its sweep, 1 is still known (its
	 * zombies moved on: a leak is charged to it by that name). */
	look(&c, 2, 1, SEC);
	CHECK(!strcmp(rw_pcomm_peek(&c, 1), "leaker"), "known until the sweep");
	rw_pcomm_sweep(&c);
	CHECK(!strcmp(rw_pcomm_peek(&c, 1), ""), "dropped by the sweep");
	CHECK(!strcmp(rw_pcomm_peek(&c, 2), "other"), "2 kept");
	/* Its pid reused by another process: read anew, not the old name. */
	set_name(1, "newcomer");
	CHECK(!strcmp(look(&c, 1, 1, 2 * SEC), "newcomer"), "a reused pid is read anew");
	rw_pcomm_sweep(&c);
	CHECK_EQ(reads, 3);
	rw_pcomm_fini(&c);
	return true;
}

UNIT_CASES(pcomm_cases) = {
	{ "pcomm: a parent's name is read once, not at every look", read_once_per_parent },
	{ "pcomm: read again after the refresh period; a dead parent keeps its name",
	  refreshed_after_the_period },
	{ "pcomm: dropped at the look that names it no more", dropped_when_no_zombie_names_it },
	{ NULL, NULL },
};
