// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * stats and record, live. Per-event mode: ring buffer -> analysis (and/or a
 * recording). In-kernel mode: the maps are read at each print instead.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>
#include "kstats.h"
#include "live.h"
#include "output.h"
#include "record.h"
#include "summary.h"

struct rw_live {
	struct rw_live_opts o;
	struct rw_analysis *a;
	struct rw_kstats *ks; /* in-kernel mode */
	struct rw_rec_writer *w;
	struct rw_clock clock;
	__u64 start_ns;
	__u64 events;
	__u64 lost, untracked;
	int werr; /* the first recording error */
};

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct rw_live *rw_live_new(const struct rw_live_opts *o, char *err, size_t errlen)
{
	struct rw_analysis_opts ao = { .leak_after_ns = o->leak_after_ns, .fine = !o->kernel };
	struct rw_live *lv = calloc(1, sizeof(*lv));

	if (!lv || (o->summaries && !(lv->a = rw_analysis_new(&ao)))) {
		snprintf(err, errlen, "out of memory");
		free(lv);
		return NULL;
	}
	lv->o = *o;
	return lv;
}

void rw_live_free(struct rw_live *lv)
{
	if (!lv)
		return;
	rw_kstats_free(lv->ks);
	rw_analysis_free(lv->a);
	free(lv);
}

static void put(struct rw_live *lv, const struct rw_item *it)
{
	if (lv->w && !lv->werr)
		lv->werr = rw_rec_write(lv->w, it);
}

int rw_live_event(void *ctx, const struct rw_event *e)
{
	struct rw_live *lv = ctx;
	struct rw_item it = { .kind = RW_ITEM_EVENT, .ts_ns = e->ts_ns, .ev = *e };

	lv->events++;
	if (lv->a)
		rw_analysis_event(lv->a, e);
	put(lv, &it);
	return 0;
}

struct seeding {
	struct rw_live *lv;
	__u64 now_ns;
	__u32 parent; /* the last parent named, and its name */
	char parent_comm[RW_COMM_LEN];
};

static void seed_one(void *ctx, struct rw_zombie *z)
{
	struct seeding *sd = ctx;
	struct rw_item it = { .kind = RW_ITEM_SEED, .ts_ns = sd->now_ns };
	struct rw_seed *s = &it.seed;

	/* Once, at start: neighbouring slots often share a parent. */
	if (z->parent != sd->parent) {
		rw_proc_comm(z->parent, sd->parent_comm);
		sd->parent = z->parent;
	}
	s->start_ns = z->start_ns;
	s->zombie_ns = z->age_known ? z->since_ns : 0;
	s->pid = z->pid;
	s->nspid = z->nspid;
	s->pidns = z->pidns;
	s->parent = z->parent;
	memcpy(s->comm, z->comm, RW_COMM_LEN);
	memcpy(s->parent_comm, sd->parent_comm, RW_COMM_LEN);
	if (sd->lv->a)
		rw_analysis_seed(sd->lv->a, s, sd->now_ns);
	put(sd->lv, &it);
}

/* Zombies from before we started, into the analysis and the recording. */
static void seed_events(struct rw_live *lv, struct rw_loader *l)
{
	struct seeding sd = { .lv = lv, .now_ns = mono_ns() };

	rw_kstats_each_zombie(l, lv->o.tgid, true, sd.now_ns, seed_one, &sd);
}

int rw_live_start(struct rw_live *lv, struct rw_loader *l, char *err, size_t errlen)
{
	int seeded = rw_seed_zombies(l);

	rw_clock_now(&lv->clock);
	lv->start_ns = mono_ns();
	/* The report of a recording starts at the same moment. */
	if (lv->a)
		rw_analysis_time(lv->a, lv->start_ns);
	if (seeded < 0)
		fprintf(stderr, "reapwatch: warning: cannot list the zombies that predate us: %s\n",
			strerror(-seeded));
	if (lv->o.kernel && lv->a && !(lv->ks = rw_kstats_new(l, lv->a, lv->o.tgid))) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (lv->o.output) {
		struct rw_source_info info = {
			.version = RW_REC_VERSION,
			.boot_offset_ns = lv->clock.offset_ns,
			.start_ns = lv->start_ns,
			.flags = rw_exact(l) ? RW_REC_F_EXACT : 0,
		};
		struct utsname u;

		if (!uname(&u))
			snprintf(info.release, sizeof(info.release), "%s", u.release);
		lv->w = rw_rec_create(lv->o.output, &info, err, errlen);
		if (!lv->w)
			return -EIO;
	}
	if (!lv->o.kernel && seeded > 0)
		seed_events(lv, l);
	return 0;
}

static void print_summary(struct rw_live *lv, __u64 now)
{
	struct rw_summary_opts so = {
		.now_ns = now,
		.top = lv->o.top,
		.per_reaper = lv->o.per_reaper,
		.mode = lv->o.kernel ? "kernel" : "events",
	};
	int err;

	if (!lv->a)
		return;
	if (lv->ks) {
		/* The zombie rows the print shows, no more. */
		err = rw_kstats_refresh(lv->ks, now, lv->o.json || !lv->o.top ? SIZE_MAX : lv->o.top);
		if (err)
			fprintf(stderr, "reapwatch: reading the kernel's aggregates: %s\n",
				strerror(-err));
	}
	rw_analysis_time(lv->a, now);
	if (lv->o.json) {
		rw_summary_json(stdout, lv->a, &so);
	} else {
		if (lv->o.interval_s) {
			char when[40];

			rw_format_time(&lv->clock, now, when, sizeof(when));
			printf("--- %s\n", when);
		}
		rw_summary_text(stdout, lv->a, &so);
		if (lv->o.interval_s)
			putchar('\n');
	}
	fflush(stdout);
}

/* The kernel's loss counters, when they move: into the analysis and recording. */
static void check_lost(struct rw_live *lv, struct rw_loader *l, bool force)
{
	__u64 lost = rw_counter(l, RW_C_LOST), untracked = rw_counter(l, RW_C_UNTRACKED);
	struct rw_item it = { .kind = RW_ITEM_LOST, .lost = lost, .untracked = untracked };

	if (!force && lost == lv->lost && untracked == lv->untracked)
		return;
	lv->lost = lost;
	lv->untracked = untracked;
	it.ts_ns = mono_ns();
	if (lv->a && !lv->o.kernel) {
		rw_analysis_lost(lv->a, lost, 0);
		rw_analysis_untracked(lv->a, untracked);
	}
	put(lv, &it);
}

int rw_live_run(struct rw_live *lv, struct rw_loader *l, const volatile sig_atomic_t *stop)
{
	__u64 start = mono_ns(), deadline = 0, next_print = 0, next_sync = 0, now;
	struct rw_item end = { .kind = RW_ITEM_END };
	int err = 0;

	if (lv->o.duration_s)
		deadline = start + lv->o.duration_s * 1000000000ull;
	if (lv->o.interval_s && lv->o.summaries)
		next_print = start + lv->o.interval_s * 1000000000ull;
	fprintf(stderr, "reapwatch: %s%s%s; Ctrl-C to stop\n",
		lv->o.summaries ? (lv->o.kernel ? "aggregating in the kernel"
						: "aggregating events")
				: "recording",
		lv->o.output ? " to " : "", lv->o.output ? lv->o.output : "");

	while (!*stop) {
		__u64 wake = start + 100000000ull * ((mono_ns() - start) / 100000000ull + 1);
		int timeout;

		now = mono_ns();
		if (deadline && now >= deadline)
			break;
		if (lv->ks && now >= next_sync) {
			rw_kstats_sync_zombies(lv->ks, now);
			next_sync = now + RW_KSTATS_SYNC_NS;
		}
		if (next_print && now >= next_print) {
			print_summary(lv, now);
			while (next_print <= now)
				next_print += lv->o.interval_s * 1000000000ull;
		}
		if (deadline && deadline < wake)
			wake = deadline;
		if (next_print && next_print < wake)
			wake = next_print;
		timeout = wake > now ? (wake - now + 999999) / 1000000 : 0;
		if (lv->o.kernel)
			err = poll(NULL, 0, timeout) < 0 ? -errno : 0;
		else
			err = rw_poll(l, timeout);
		if (err == -EINTR)
			err = 0;
		if (err < 0) {
			fprintf(stderr, "reapwatch: reading events: %s\n", strerror(-err));
			break;
		}
		err = 0;
		check_lost(lv, l, false);
		if (lv->w && !lv->werr)
			lv->werr = rw_rec_flush(lv->w);
		if (lv->werr)
			break;
	}
	rw_consume(l);
	check_lost(lv, l, lv->w != NULL);
	now = mono_ns();
	end.ts_ns = now;
	put(lv, &end);
	if (lv->w) {
		int cerr = rw_rec_close(lv->w);

		if (!lv->werr)
			lv->werr = cerr;
		lv->w = NULL;
	}
	if (lv->werr) {
		fprintf(stderr, "reapwatch: writing %s: %s\n", lv->o.output, strerror(-lv->werr));
		err = lv->werr;
	}
	print_summary(lv, now);
	if (!lv->o.summaries || lv->o.output)
		fprintf(stderr, "reapwatch: %llu events, %llu lost%s%s\n",
			(unsigned long long)lv->events, (unsigned long long)lv->lost,
			lv->o.output ? ", recorded to " : "", lv->o.output ? lv->o.output : "");
	return err;
}
