// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The analysis: per-reaper reap latency, orphans per reaper and per old
 * parent, outstanding zombies, and the parents that leave them unreaped.
 * See analysis.h for the timing rules.
 */
#include <search.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "analysis.h"
#include "pidtab.h"

/* Fine histograms cost 30 KiB each: only this many reapers get one, the
 * rest report percentiles from their log2 slots. */
#define RW_MAX_FINE 1024

/* A parent's leaks that are over: the zombie was reaped or moved on. */
struct leak_rec {
	__u32 pid;
	char comm[RW_COMM_LEN];
	__u64 zombies;
	__u64 oldest_ns;
};

/* In-kernel mode, per outstanding zombie: all a report shows of it is in
 * the kernel's table but who holds it since when. Only that is kept, 24
 * bytes (plus the table's slack): a copy of each zombie, an 80-byte record
 * in a 96-byte malloc() chunk plus a 32-byte tsearch() node, cost 128 bytes
 * a zombie, 1.25 MB with 10,000 of them. */
struct held {
	struct rw_pidkey z; /* the zombie; z.val: its parent at the last look */
	__u64 since_ns;     /* since when that parent holds it */
};

struct rw_analysis {
	struct rw_analysis_opts o;
	void *reapers, *parents, *zombies, *leaks; /* tsearch trees */
	size_t n_reapers, n_parents, n_zombies, n_leaks, n_fine;
	struct rw_hist overall;
	struct rw_totals t;
	/* in-kernel mode */
	struct rw_pidtab held; /* struct held, per zombie listed at the last look */
	__u64 last_sync_ns;    /* when the zombies were last listed */
	__u64 sync_ns;         /* and when the listing under way began */
	struct rw_zombie *rows; /* the oldest ones of the last look, kept to print */
	size_t nrows, cap_rows, keep;
	rw_comm_fn *comm;      /* names a parent of a zombie of the last look */
	const void *comm_ctx;
};

/* Every tree element starts with its key. */
static int cmp_pid(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static int cmp_zombie(const void *a, const void *b)
{
	const struct rw_zombie *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns;
}

static void copy_comm(char *dst, const char *src)
{
	size_t i;

	for (i = 0; i < RW_COMM_LEN - 1 && src[i]; i++)
		dst[i] = src[i];
	memset(dst + i, 0, RW_COMM_LEN - i);
}

/* Find the element keyed @pid in @tree, or add a zeroed one of @size. */
static void *find_or_add(struct rw_analysis *a, void **tree, size_t *n, __u32 pid, size_t size)
{
	void **node = tfind(&pid, tree, cmp_pid);
	void *el;

	if (node)
		return *node;
	if (*n >= RW_MAX_PROCS) {
		a->t.dropped++;
		return NULL;
	}
	el = calloc(1, size);
	if (!el) {
		a->t.dropped++;
		return NULL;
	}
	*(__u32 *)el = pid;
	node = tsearch(el, tree, cmp_pid);
	if (!node) {
		free(el);
		a->t.dropped++;
		return NULL;
	}
	(*n)++;
	return el;
}

static struct rw_reaper_sum *reaper(struct rw_analysis *a, __u32 pid, __u32 pidns,
				    const char *comm)
{
	struct rw_reaper_sum *r = find_or_add(a, &a->reapers, &a->n_reapers, pid, sizeof(*r));

	if (!r)
		return NULL;
	if (!r->pidns)
		r->pidns = pidns;
	if (comm && comm[0])
		copy_comm(r->comm, comm);
	return r;
}

static void charge(struct rw_analysis *a, __u32 parent, const char *comm, __u64 held)
{
	struct leak_rec *l;

	if (held <= a->o.leak_after_ns)
		return;
	l = find_or_add(a, &a->leaks, &a->n_leaks, parent, sizeof(*l));
	if (!l)
		return;
	if (comm && comm[0])
		copy_comm(l->comm, comm);
	l->zombies++;
	if (held > l->oldest_ns)
		l->oldest_ns = held;
}

static void seen(struct rw_analysis *a, __u64 ts)
{
	if (!ts)
		return;
	if (!a->t.first_ns || ts < a->t.first_ns)
		a->t.first_ns = ts;
	if (ts > a->t.last_ns)
		a->t.last_ns = ts;
}

struct rw_analysis *rw_analysis_new(const struct rw_analysis_opts *opts)
{
	struct rw_analysis *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->o = *opts;
	rw_pidtab_init(&a->held, sizeof(struct held), RW_MAX_ZOMBIES);
	return a;
}

static void free_reaper(void *p)
{
	struct rw_reaper_sum *r = p;

	rw_hist_free(&r->lat);
	free(r);
}

void rw_analysis_free(struct rw_analysis *a)
{
	if (!a)
		return;
	tdestroy(a->reapers, free_reaper);
	tdestroy(a->parents, free);
	tdestroy(a->zombies, free);
	tdestroy(a->leaks, free);
	rw_pidtab_fini(&a->held);
	free(a->rows);
	rw_hist_free(&a->overall);
	free(a);
}

/* --- zombies ---------------------------------------------------------------- */

static struct rw_zombie *zombie_find(struct rw_analysis *a, __u32 pid, __u64 start_ns)
{
	struct rw_zombie key = { .pid = pid, .start_ns = start_ns };
	void **node = tfind(&key, &a->zombies, cmp_zombie);

	return node ? *node : NULL;
}

static struct rw_zombie *zombie_add(struct rw_analysis *a, const struct rw_zombie *z)
{
	struct rw_zombie *el = zombie_find(a, z->pid, z->start_ns);
	void **node;

	if (el) {
		*el = *z;
		return el;
	}
	if (a->n_zombies >= RW_MAX_ZOMBIES || !(el = malloc(sizeof(*el)))) {
		a->t.dropped++;
		return NULL;
	}
	*el = *z;
	node = tsearch(el, &a->zombies, cmp_zombie);
	if (!node) {
		free(el);
		a->t.dropped++;
		return NULL;
	}
	a->n_zombies++;
	return el;
}

static void zombie_del(struct rw_analysis *a, struct rw_zombie *z)
{
	tdelete(z, &a->zombies, cmp_zombie);
	a->n_zombies--;
	free(z);
}

/* --- events ----------------------------------------------------------------- */

static void on_exit_ev(struct rw_analysis *a, const struct rw_event *e)
{
	struct rw_zombie z = {
		.start_ns = e->start_ns,
		.since_ns = e->ts_ns,
		.held_ns = e->ts_ns,
		.pid = e->pid,
		.nspid = e->nspid,
		.pidns = e->pidns,
		.parent = e->ppid,
		.age_known = true,
		.approx = true,
	};

	a->t.exits++;
	copy_comm(z.comm, e->comm);
	copy_comm(z.parent_comm, e->parent_comm);
	zombie_add(a, &z);
}

static void on_orphan(struct rw_analysis *a, const struct rw_event *e)
{
	struct rw_reaper_sum *r;
	struct rw_parent_sum *p;
	struct rw_zombie *z;

	a->t.orphans++;
	if (e->reaper_kind == RW_REAPER_SUBREAPER)
		a->t.orphans_subreaper++;
	else if (e->reaper_kind == RW_REAPER_PIDNS_INIT)
		a->t.orphans_pidns_init++;
	r = reaper(a, e->reaper_pid, e->pidns, e->reaper_comm);
	if (r)
		r->adopted++;
	p = find_or_add(a, &a->parents, &a->n_parents, e->ppid, sizeof(*p));
	if (p) {
		p->orphaned++;
		if (e->parent_comm[0])
			copy_comm(p->comm, e->parent_comm);
	}
	if (!(e->flags & RW_F_ZOMBIE))
		return;

	a->t.orphans_zombie++;
	z = zombie_find(a, e->pid, e->start_ns);
	if (z) {
		/* The old parent answers for the time it had it. */
		charge(a, z->parent, z->parent_comm, e->ts_ns > z->held_ns ? e->ts_ns - z->held_ns : 0);
	} else {
		/* Dead before we started: its age is unknown. */
		struct rw_zombie nz = {
			.start_ns = e->start_ns,
			.since_ns = e->ts_ns,
			.pid = e->pid,
			.nspid = e->nspid,
			.pidns = e->pidns,
		};

		copy_comm(nz.comm, e->comm);
		z = zombie_add(a, &nz);
		if (!z)
			return;
	}
	z->parent = e->reaper_pid;
	copy_comm(z->parent_comm, e->reaper_comm);
	z->held_ns = e->ts_ns;
}

static void on_reap(struct rw_analysis *a, const struct rw_event *e)
{
	bool known = e->duration_ns || e->via == RW_VIA_AUTOREAP;
	struct rw_zombie *z = zombie_find(a, e->pid, e->start_ns);
	__u64 born = e->ts_ns - (e->duration_ns <= e->ts_ns ? e->duration_ns : e->ts_ns);

	a->t.reaps++;
	if (known) {
		struct rw_reaper_sum *r = reaper(a, e->reaper_pid, e->pidns, e->reaper_comm);

		if (r) {
			bool fine = a->o.fine && (r->lat.fine || (!r->lat.count && a->n_fine < RW_MAX_FINE));

			if (fine && !r->lat.count)
				a->n_fine++;
			rw_hist_add(&r->lat, e->duration_ns, fine);
			r->reaps++;
		}
		rw_hist_add(&a->overall, e->duration_ns, a->o.fine);
	} else {
		a->t.reaps_unknown++;
	}

	if (z) {
		/* Never moved: the reap's latency tells exactly when it died. */
		__u64 from = known && z->held_ns == z->since_ns ? born : z->held_ns;

		charge(a, z->parent, z->parent_comm, e->ts_ns > from ? e->ts_ns - from : 0);
		zombie_del(a, z);
	} else if (known) {
		charge(a, e->ppid, e->reaper_pid == e->ppid ? e->reaper_comm : "", e->duration_ns);
	}
}

void rw_analysis_event(struct rw_analysis *a, const struct rw_event *e)
{
	switch (e->type) {
	case RW_EV_EXIT:
		on_exit_ev(a, e);
		break;
	case RW_EV_ORPHAN:
		on_orphan(a, e);
		break;
	case RW_EV_REAP:
		on_reap(a, e);
		break;
	case RW_EV_LOST:
		rw_analysis_lost(a, e->duration_ns, e->ts_ns);
		return;
	default:
		return;
	}
	seen(a, e->ts_ns);
}

void rw_analysis_seed(struct rw_analysis *a, const struct rw_seed *s, __u64 now_ns)
{
	struct rw_zombie z = {
		.start_ns = s->start_ns,
		.since_ns = s->zombie_ns ? s->zombie_ns : now_ns,
		.pid = s->pid,
		.nspid = s->nspid,
		.pidns = s->pidns,
		.parent = s->parent,
		.age_known = s->zombie_ns != 0,
		.approx = true,
	};

	z.held_ns = z.since_ns;
	copy_comm(z.comm, s->comm);
	copy_comm(z.parent_comm, s->parent_comm);
	zombie_add(a, &z);
	seen(a, now_ns);
}

void rw_analysis_lost(struct rw_analysis *a, __u64 total, __u64 ts_ns)
{
	if (total > a->t.lost)
		a->t.lost = total;
	seen(a, ts_ns);
}

void rw_analysis_untracked(struct rw_analysis *a, __u64 total)
{
	if (total > a->t.untracked)
		a->t.untracked = total;
}

void rw_analysis_time(struct rw_analysis *a, __u64 now_ns)
{
	seen(a, now_ns);
}

/* --- in-kernel mode ------------------------------------------------------------ */

void rw_analysis_clear_aggregates(struct rw_analysis *a)
{
	tdestroy(a->reapers, free_reaper);
	tdestroy(a->parents, free);
	a->reapers = a->parents = NULL;
	a->n_reapers = a->n_parents = a->n_fine = 0;
	rw_hist_free(&a->overall);
}

void rw_analysis_set_reaper(struct rw_analysis *a, const struct rw_reaper_key *k,
			    const struct rw_reaper_stats *s)
{
	struct rw_reaper_sum *r = reaper(a, k->tgid, k->pidns, s->comm);
	struct rw_hist h = {};

	if (!r)
		return;
	/* Two entries with one pid: a pid reused. Merge them. */
	rw_hist_set_log2(&h, s->reaps, s->sum_ns, s->min_ns, s->max_ns, s->slots);
	rw_hist_merge(&r->lat, &h);
	rw_hist_merge(&a->overall, &h);
	r->reaps += s->reaps;
	r->adopted += s->adopted;
}

void rw_analysis_set_parent(struct rw_analysis *a, const struct rw_reaper_key *k,
			    const struct rw_orphaner_stats *s)
{
	struct rw_parent_sum *p = find_or_add(a, &a->parents, &a->n_parents, k->tgid, sizeof(*p));

	if (!p)
		return;
	p->orphaned += s->orphaned;
	if (s->comm[0])
		copy_comm(p->comm, s->comm);
}

void rw_analysis_parent_comms(struct rw_analysis *a, rw_comm_fn *fn, const void *ctx)
{
	a->comm = fn;
	a->comm_ctx = ctx;
}

static const char *parent_comm(const struct rw_analysis *a, __u32 pid)
{
	const char *comm = a->comm ? a->comm(a->comm_ctx, pid) : NULL;

	return comm ? comm : "";
}

static int age_order(const struct rw_zombie *a, const struct rw_zombie *b)
{
	if (a->since_ns != b->since_ns)
		return a->since_ns < b->since_ns ? -1 : 1;
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

static int by_age_row(const void *x, const void *y)
{
	return age_order(x, y);
}

static void trim_rows(struct rw_analysis *a)
{
	qsort(a->rows, a->nrows, sizeof(*a->rows), by_age_row);
	a->nrows = a->keep;
}

/* Keep only the rows a print shows, the --top oldest (all for --json):
 * when twice that many are kept, the younger half goes. */
static void keep_row(struct rw_analysis *a, const struct rw_zombie *z)
{
	if (a->keep <= SIZE_MAX / 2 && a->nrows >= 2 * a->keep)
		trim_rows(a);
	if (a->nrows == a->cap_rows) {
		size_t cap = a->cap_rows ? 2 * a->cap_rows : 64;
		struct rw_zombie *v = realloc(a->rows, cap * sizeof(*v));

		if (!v)
			return; /* out of memory: a row less to print */
		a->rows = v;
		a->cap_rows = cap;
	}
	a->rows[a->nrows++] = *z;
}

void rw_analysis_sync_begin(struct rw_analysis *a, __u64 now_ns, size_t keep)
{
	a->sync_ns = now_ns;
	a->keep = keep;
	a->nrows = 0;
	if (!keep) {
		free(a->rows);
		a->rows = NULL;
		a->cap_rows = 0;
	}
	rw_pidtab_begin(&a->held);
}

void rw_analysis_sync_zombie(struct rw_analysis *a, const struct rw_zombie *z)
{
	__u64 now_ns = a->sync_ns;
	bool added;
	struct held *h = rw_pidtab_mark(&a->held, z->pid, z->start_ns, &added);

	if (!h) {
		a->t.dropped++;
		return;
	}
	if (added) {
		h->z.val = z->parent;
		h->since_ns = z->held_ns;
	} else if (h->z.val != z->parent) {
		/* Moved on (its parent died): the old one answers for its time. */
		charge(a, h->z.val, parent_comm(a, h->z.val),
		       now_ns > h->since_ns ? now_ns - h->since_ns : 0);
		h->z.val = z->parent;
		h->since_ns = now_ns;
	}
	if (a->keep) {
		struct rw_zombie row = *z;

		/* Of unknown age (it predates us): counted from when it was
		 * first listed, or from when its parent changed since. */
		if (!row.age_known)
			row.since_ns = h->since_ns;
		row.held_ns = h->since_ns;
		keep_row(a, &row);
	}
}

/* Reaped since the last look: judged by when we last saw it. */
static void gone(void *ctx, void *rec)
{
	struct rw_analysis *a = ctx;
	const struct held *h = rec;
	__u64 last = a->last_sync_ns > h->since_ns ? a->last_sync_ns : h->since_ns;

	charge(a, h->z.val, parent_comm(a, h->z.val), last - h->since_ns);
}

void rw_analysis_sync_end(struct rw_analysis *a)
{
	rw_pidtab_sweep(&a->held, gone, a);
	if (a->nrows > a->keep)
		trim_rows(a);
	a->last_sync_ns = a->sync_ns;
	seen(a, a->sync_ns);
}

void rw_analysis_set_totals(struct rw_analysis *a, const struct rw_totals *t)
{
	__u64 first = a->t.first_ns, last = a->t.last_ns;

	a->t = *t;
	a->t.first_ns = first;
	a->t.last_ns = last;
}

/* --- reading ---------------------------------------------------------------- */

const struct rw_totals *rw_analysis_totals(const struct rw_analysis *a)
{
	return &a->t;
}

const struct rw_hist *rw_analysis_overall(const struct rw_analysis *a)
{
	return &a->overall;
}

__u64 rw_analysis_leak_after(const struct rw_analysis *a)
{
	return a->o.leak_after_ns;
}

size_t rw_analysis_nzombies(const struct rw_analysis *a)
{
	return a->n_zombies + rw_pidtab_count(&a->held);
}

struct collect {
	const void **out;
	size_t n;
};

static void collect(const void *node, VISIT v, void *ctx)
{
	struct collect *c = ctx;

	if (v == postorder || v == leaf)
		c->out[c->n++] = *(const void *const *)node;
}

static size_t collect_tree(const void *tree, size_t n, const void ***out)
{
	struct collect c = { .out = malloc((n + 1) * sizeof(void *)) };

	*out = c.out;
	if (!c.out)
		return 0;
	twalk_r(tree, collect, &c);
	return c.n;
}

static int by_reaps(const void *x, const void *y)
{
	const struct rw_reaper_sum *a = *(const struct rw_reaper_sum *const *)x;
	const struct rw_reaper_sum *b = *(const struct rw_reaper_sum *const *)y;

	if (a->reaps != b->reaps)
		return a->reaps > b->reaps ? -1 : 1;
	if (a->adopted != b->adopted)
		return a->adopted > b->adopted ? -1 : 1;
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

static int by_orphaned(const void *x, const void *y)
{
	const struct rw_parent_sum *a = *(const struct rw_parent_sum *const *)x;
	const struct rw_parent_sum *b = *(const struct rw_parent_sum *const *)y;

	if (a->orphaned != b->orphaned)
		return a->orphaned > b->orphaned ? -1 : 1;
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

static int by_age(const void *x, const void *y)
{
	return age_order(*(const struct rw_zombie *const *)x, *(const struct rw_zombie *const *)y);
}

size_t rw_analysis_reapers(const struct rw_analysis *a, const struct rw_reaper_sum ***out)
{
	size_t n = collect_tree(a->reapers, a->n_reapers, (const void ***)out);

	if (n > 1) /* *out is NULL when out of memory */
		qsort(*out, n, sizeof(**out), by_reaps);
	return n;
}

size_t rw_analysis_parents(const struct rw_analysis *a, const struct rw_parent_sum ***out)
{
	size_t n = collect_tree(a->parents, a->n_parents, (const void ***)out);

	if (n > 1) /* *out is NULL when out of memory */
		qsort(*out, n, sizeof(**out), by_orphaned);
	return n;
}

size_t rw_analysis_zombies(const struct rw_analysis *a, const struct rw_zombie ***out)
{
	struct collect c = { .out = malloc((a->n_zombies + a->nrows + 1) * sizeof(void *)) };

	*out = (const struct rw_zombie **)c.out;
	if (!c.out)
		return 0;
	twalk_r(a->zombies, collect, &c);
	for (size_t i = 0; i < a->nrows; i++)
		c.out[c.n++] = &a->rows[i];
	if (c.n > 1)
		qsort(*out, c.n, sizeof(**out), by_age);
	return c.n;
}

static int by_pid_leaker(const void *x, const void *y)
{
	const struct rw_leaker *a = x, *b = y;

	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

static int by_leaks(const void *x, const void *y)
{
	const struct rw_leaker *a = x, *b = y;

	if (a->zombies != b->zombies)
		return a->zombies > b->zombies ? -1 : 1;
	if (a->oldest_ns != b->oldest_ns)
		return a->oldest_ns > b->oldest_ns ? -1 : 1;
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

/* In-kernel mode: the zombies outstanding too long, summed per parent
 * (not a row each: 10,000 of them are 1,000 parents). */
struct parent_leak {
	struct rw_pidkey p; /* the parent */
	__u64 zombies;
	__u64 oldest_ns;
};

static void held_leaks(const struct rw_analysis *a, __u64 now_ns, struct rw_pidtab *by_parent)
{
	const struct held *h;

	rw_pidtab_init(by_parent, sizeof(struct parent_leak), RW_MAX_PROCS);
	for (size_t i = 0; (h = rw_pidtab_next(&a->held, &i));) {
		__u64 held = now_ns > h->since_ns ? now_ns - h->since_ns : 0;
		struct parent_leak *p;
		bool added;

		if (held <= a->o.leak_after_ns ||
		    !(p = rw_pidtab_mark(by_parent, h->z.val, 0, &added)))
			continue;
		p->zombies++;
		if (held > p->oldest_ns)
			p->oldest_ns = held;
	}
}

size_t rw_analysis_leakers(const struct rw_analysis *a, __u64 now_ns, struct rw_leaker **out)
{
	const void **leaks = NULL, **zombies = NULL;
	const struct parent_leak *p;
	struct rw_pidtab by_parent;
	struct rw_leaker *v;
	size_t nl, nz, n = 0, m = 0;

	*out = NULL;
	held_leaks(a, now_ns, &by_parent);
	nl = collect_tree(a->leaks, a->n_leaks, &leaks);
	nz = collect_tree(a->zombies, a->n_zombies, &zombies);
	v = calloc(nl + nz + rw_pidtab_count(&by_parent) + 1, sizeof(*v));
	if (!v || !leaks || !zombies)
		goto out;
	/* One row per closed leak record and per zombie outstanding too long... */
	for (size_t i = 0; i < nl; i++) {
		const struct leak_rec *l = leaks[i];

		v[n].pid = l->pid;
		memcpy(v[n].comm, l->comm, RW_COMM_LEN);
		v[n].zombies = l->zombies;
		v[n++].oldest_ns = l->oldest_ns;
	}
	for (size_t i = 0; i < nz; i++) {
		const struct rw_zombie *z = zombies[i];
		__u64 held = now_ns > z->held_ns ? now_ns - z->held_ns : 0;

		if (held <= a->o.leak_after_ns)
			continue;
		v[n].pid = z->parent;
		memcpy(v[n].comm, z->parent_comm, RW_COMM_LEN);
		v[n].zombies = v[n].outstanding = 1;
		v[n++].oldest_ns = held;
	}
	for (size_t i = 0; (p = rw_pidtab_next(&by_parent, &i));) {
		v[n].pid = p->p.pid;
		copy_comm(v[n].comm, parent_comm(a, p->p.pid));
		v[n].zombies = v[n].outstanding = p->zombies;
		v[n++].oldest_ns = p->oldest_ns;
	}
	/* ... then merged per parent. */
	qsort(v, n, sizeof(*v), by_pid_leaker);
	for (size_t i = 0; i < n; i++) {
		if (m && v[m - 1].pid == v[i].pid) {
			struct rw_leaker *r = &v[m - 1];

			if (!r->comm[0])
				memcpy(r->comm, v[i].comm, RW_COMM_LEN);
			r->zombies += v[i].zombies;
			r->outstanding += v[i].outstanding;
			if (v[i].oldest_ns > r->oldest_ns)
				r->oldest_ns = v[i].oldest_ns;
		} else {
			v[m++] = v[i];
		}
	}
	qsort(v, m, sizeof(*v), by_leaks);
	*out = v;
	v = NULL;
out:
	free(v);
	free(leaks);
	free(zombies);
	rw_pidtab_fini(&by_parent);
	return m;
}
