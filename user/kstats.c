// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The in-kernel aggregation read back through the map fds of the loader. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "kstats.h"
#include "pcomm.h"

#define MAX_WALK (1u << 20) /* keys visited per map walk, whatever happens */

/* What the in-kernel mode keeps from one look at the zombies to the next. */
struct rw_kstats {
	const struct rw_loader *l;
	struct rw_analysis *a;
	__u32 tgid;
	__u64 now_ns;          /* of the look under way */
	struct rw_pcomm comms; /* the names of the parents the zombies name */
};

static const char *peek_comm(const void *ctx, __u32 pid)
{
	return rw_pcomm_peek(ctx, pid);
}

struct rw_kstats *rw_kstats_new(const struct rw_loader *l, struct rw_analysis *a, __u32 tgid)
{
	struct rw_kstats *ks = calloc(1, sizeof(*ks));

	if (!ks)
		return NULL;
	ks->l = l;
	ks->a = a;
	ks->tgid = tgid;
	rw_pcomm_init(&ks->comms, rw_proc_comm, RW_KSTATS_COMM_REFRESH_NS);
	/* The analysis keeps no names: it asks the cache, which knows every
	 * parent of the last look (the names of leaks charged as it ends). */
	rw_analysis_parent_comms(a, peek_comm, &ks->comms);
	return ks;
}

void rw_kstats_free(struct rw_kstats *ks)
{
	if (!ks)
		return;
	rw_pcomm_fini(&ks->comms);
	free(ks);
}

void rw_proc_comm(__u32 pid, char comm[RW_COMM_LEN])
{
	char path[32];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, comm, RW_COMM_LEN - 1);
		close(fd);
	}
	if (n < 0)
		n = 0;
	if (n > 0 && comm[n - 1] == '\n')
		n--;
	memset(comm + n, 0, RW_COMM_LEN - n);
}

int rw_kstats_each_zombie(const struct rw_loader *l, __u32 tgid, bool seeded_only, __u64 now_ns,
			  rw_kzombie_fn *fn, void *ctx)
{
	size_t nslots;
	/* Read in place through mmap(); the loader says how many slots can
	 * hold a zombie now (the recent part only, mostly). */
	const struct rw_proc_state *slots = rw_zombie_slots(l, &nslots);

	if (!slots)
		return -ENOENT;
	for (size_t i = 0; i < nslots; i++) {
		struct rw_proc_state st;
		struct rw_zombie z = {};

		/* The kernel fills and empties slots meanwhile: a copy, checked. */
		if (!__atomic_load_n(&slots[i].tgid, __ATOMIC_RELAXED))
			continue;
		memcpy(&st, (const void *)&slots[i], sizeof(st));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (st.tgid == 0 || st.tgid == RW_SLOT_BUSY || st.start_ns == 0 ||
		    st.tgid != __atomic_load_n(&slots[i].tgid, __ATOMIC_RELAXED))
			continue;
		if (seeded_only && !(st.flags & RW_F_PRESTART))
			continue;
		if (tgid && st.tgid != tgid && st.parent != tgid)
			continue;
		z.pid = (__u32)st.tgid;
		z.start_ns = st.start_ns;
		z.nspid = st.nspid;
		z.pidns = st.pidns;
		z.parent = st.parent;
		memcpy(z.comm, st.comm, RW_COMM_LEN);
		z.comm[RW_COMM_LEN - 1] = '\0';
		/* A zombie from before start carries its last run time: a
		 * scheduler-clock estimate, kept only when it is plausible. */
		z.since_ns = st.zombie_ns;
		z.age_known = st.zombie_ns >= st.start_ns && st.zombie_ns <= now_ns;
		z.approx = st.flags & RW_F_APPROX;
		if (!z.age_known)
			z.since_ns = now_ns;
		z.held_ns = z.since_ns;
		fn(ctx, &z);
	}
	return 0;
}

/* One zombie of a look, named and handed to the analysis. Reading
 * /proc/PARENT/comm at each look cost ~90 % of stats' CPU time with 1,000
 * parents: the cache reads it once. */
static void sync_one(void *ctx, struct rw_zombie *z)
{
	struct rw_kstats *ks = ctx;

	memcpy(z->parent_comm, rw_pcomm_get(&ks->comms, z->parent, ks->now_ns), RW_COMM_LEN);
	rw_analysis_sync_zombie(ks->a, z);
}

static int sync_zombies(struct rw_kstats *ks, __u64 now_ns, size_t keep)
{
	int err;

	/* Visited in place and handed over one by one: an array of them per
	 * look (80 bytes each) made ~0.8 MB of what stats grew by with 10,000
	 * zombies (malloc kept it between looks). */
	ks->now_ns = now_ns;
	rw_pcomm_begin(&ks->comms);
	rw_analysis_sync_begin(ks->a, now_ns, keep);
	err = rw_kstats_each_zombie(ks->l, ks->tgid, false, now_ns, sync_one, ks);
	if (err)
		return err;
	rw_analysis_sync_end(ks->a);
	/* The parents no zombie names any more: their pids may be reused. */
	rw_pcomm_sweep(&ks->comms);
	return 0;
}

int rw_kstats_sync_zombies(struct rw_kstats *ks, __u64 now_ns)
{
	return sync_zombies(ks, now_ns, 0);
}

int rw_kstats_refresh(struct rw_kstats *ks, __u64 now_ns, size_t keep)
{
	const struct rw_loader *l = ks->l;
	struct rw_analysis *a = ks->a;
	int rfd = rw_map_fd(l, "reapers"), ofd = rw_map_fd(l, "orphaners");
	struct rw_reaper_key key, next, *prev = NULL;
	struct rw_totals t = *rw_analysis_totals(a);

	if (rfd < 0 || ofd < 0)
		return -ENOENT;
	rw_analysis_clear_aggregates(a);
	/* The kernel applied the filters before aggregating, except to "zombies".
	 * Entries are never deleted: a plain walk sees each once. */
	for (unsigned i = 0; i < MAX_WALK && !bpf_map_get_next_key(rfd, prev, &next); i++) {
		struct rw_reaper_stats s;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(rfd, &key, &s))
			continue;
		rw_analysis_set_reaper(a, &key, &s);
	}
	prev = NULL;
	for (unsigned i = 0; i < MAX_WALK && !bpf_map_get_next_key(ofd, prev, &next); i++) {
		struct rw_orphaner_stats s;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(ofd, &key, &s))
			continue;
		rw_analysis_set_parent(a, &key, &s);
	}

	t.exits = rw_counter(l, RW_C_EXITS);
	t.reaps = rw_counter(l, RW_C_REAPS);
	t.orphans_subreaper = rw_counter(l, RW_C_ORPHANS_SUBREAPER);
	t.orphans_pidns_init = rw_counter(l, RW_C_ORPHANS_PIDNS_INIT);
	t.orphans = t.orphans_subreaper + t.orphans_pidns_init;
	t.lost = rw_counter(l, RW_C_LOST);
	t.untracked = rw_counter(l, RW_C_UNTRACKED);
	t.dropped = rw_counter(l, RW_C_AGG_OVERFLOW);
	rw_analysis_set_totals(a, &t);

	return sync_zombies(ks, now_ns, keep);
}
