// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Summary sinks: text tables (under 80 columns) and one JSON object. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "summary.h"

static void comm_str(const char *comm, char *out)
{
	size_t i;

	for (i = 0; i < RW_COMM_LEN - 1 && comm[i]; i++)
		out[i] = (unsigned char)comm[i] < 0x20 || (unsigned char)comm[i] >= 0x7f ? '?'
											: comm[i];
	if (!i)
		out[i++] = '-';
	out[i] = '\0';
}

static __u64 mean(const struct rw_hist *h)
{
	return h->count ? h->sum / h->count : 0;
}

static unsigned rows(const struct rw_summary_opts *o, size_t n)
{
	return o->top && n > o->top ? o->top : n;
}

/* --- text --------------------------------------------------------------------- */

static void lat_cols(FILE *f, const struct rw_hist *h)
{
	static const unsigned bps[] = { 5000, 9000, 9900 };
	char buf[32];

	for (size_t i = 0; i < 3; i++) {
		rw_human_ns(rw_hist_percentile(h, bps[i]), buf, sizeof(buf));
		fprintf(f, " %8s", h->count ? buf : "-");
	}
	rw_human_ns(h->max, buf, sizeof(buf));
	fprintf(f, " %8s\n", h->count ? buf : "-");
}

static void text_reapers(FILE *f, const struct rw_analysis *a, const struct rw_summary_opts *o)
{
	const struct rw_totals *t = rw_analysis_totals(a);
	const struct rw_reaper_sum **r;
	size_t n = rw_analysis_reapers(a, &r);
	char comm[RW_COMM_LEN];

	fprintf(f, "REAP LATENCY (%llu reaps", (unsigned long long)t->reaps);
	if (t->reaps_unknown)
		fprintf(f, ", %llu of zombies older than the trace", (unsigned long long)t->reaps_unknown);
	fprintf(f, ")\n%-7s %-15s %-10s %6s %5s %8s %8s %8s %8s\n", "PID", "COMM", "PIDNS", "REAPS",
		"ADOPT", "P50", "P90", "P99", "MAX");
	for (size_t i = 0; i < rows(o, n); i++) {
		comm_str(r[i]->comm, comm);
		fprintf(f, "%-7u %-15s %-10u %6llu %5llu", r[i]->pid, comm, r[i]->pidns,
			(unsigned long long)r[i]->reaps, (unsigned long long)r[i]->adopted);
		lat_cols(f, &r[i]->lat);
	}
	if (rows(o, n) < n)
		fprintf(f, "... %zu more (--top)\n", n - rows(o, n));
	fprintf(f, "%-7s %-15s %-10s %6llu %5llu", "all", "", "",
		(unsigned long long)rw_analysis_overall(a)->count,
		(unsigned long long)t->orphans);
	lat_cols(f, rw_analysis_overall(a));
	if (rw_analysis_overall(a)->count) {
		fputc('\n', f);
		rw_hist_print_log2(f, rw_analysis_overall(a), "");
	}
	if (o->per_reaper)
		for (size_t i = 0; i < rows(o, n); i++) {
			if (!r[i]->lat.count)
				continue;
			comm_str(r[i]->comm, comm);
			fprintf(f, "\nreaper = %u %s\n", r[i]->pid, comm);
			rw_hist_print_log2(f, &r[i]->lat, "");
		}
	free(r);
}

static void text_orphans(FILE *f, const struct rw_analysis *a, const struct rw_summary_opts *o)
{
	const struct rw_totals *t = rw_analysis_totals(a);
	const struct rw_reaper_sum **r;
	const struct rw_parent_sum **p;
	size_t nr = rw_analysis_reapers(a, &r), np = rw_analysis_parents(a, &p), shown = 0;
	char comm[RW_COMM_LEN];

	fprintf(f, "\nORPHANS: %llu (%llu to subreapers, %llu to pid-namespace init, "
		"%llu already zombies)\n", (unsigned long long)t->orphans,
		(unsigned long long)t->orphans_subreaper, (unsigned long long)t->orphans_pidns_init,
		(unsigned long long)t->orphans_zombie);
	if (t->orphans)
		fprintf(f, "%-7s %-15s %8s\n", "REAPER", "COMM", "ADOPTED");
	for (size_t i = 0; i < nr; i++) {
		if (!r[i]->adopted)
			continue;
		if (o->top && shown++ == o->top) {
			fprintf(f, "... more (--top)\n");
			break;
		}
		comm_str(r[i]->comm, comm);
		fprintf(f, "%-7u %-15s %8llu\n", r[i]->pid, comm, (unsigned long long)r[i]->adopted);
	}
	if (np)
		fprintf(f, "%-7s %-15s %8s\n", "PARENT", "COMM", "ORPHANED");
	for (size_t i = 0; i < rows(o, np); i++) {
		comm_str(p[i]->comm, comm);
		fprintf(f, "%-7u %-15s %8llu\n", p[i]->pid, comm, (unsigned long long)p[i]->orphaned);
	}
	if (rows(o, np) < np)
		fprintf(f, "... %zu more (--top)\n", np - rows(o, np));
	free(r);
	free(p);
}

static void text_zombies(FILE *f, const struct rw_analysis *a, const struct rw_summary_opts *o)
{
	const struct rw_zombie **z;
	struct rw_leaker *l;
	/* In-kernel mode the analysis keeps only the rows shown: the count
	 * is its own. */
	size_t nz = rw_analysis_nzombies(a), nrows = rw_analysis_zombies(a, &z);
	size_t nl = rw_analysis_leakers(a, o->now_ns, &l);
	char comm[RW_COMM_LEN], pcomm[RW_COMM_LEN], age[32], after[32];

	fprintf(f, "\nZOMBIES NOW: %zu\n", nz);
	if (nz)
		fprintf(f, "%-7s %-15s %-7s %-15s %9s\n", "PID", "COMM", "PARENT", "COMM", "AGE");
	for (size_t i = 0; i < rows(o, nz) && i < nrows; i++) {
		__u64 ns = o->now_ns > z[i]->since_ns ? o->now_ns - z[i]->since_ns : 0;

		comm_str(z[i]->comm, comm);
		comm_str(z[i]->parent_comm, pcomm);
		rw_human_ns(ns, age + 1, sizeof(age) - 1);
		age[0] = '>';
		fprintf(f, "%-7u %-15s %-7u %-15s %9s\n", z[i]->pid, comm, z[i]->parent, pcomm,
			z[i]->age_known ? age + 1 : age);
	}
	if (rows(o, nz) < nz)
		fprintf(f, "... %zu more (--top)\n", nz - rows(o, nz));

	rw_human_ns(rw_analysis_leak_after(a), after, sizeof(after));
	fprintf(f, "\nLEAKERS (zombies left unreaped over %s): %zu\n", after, nl);
	if (nl)
		fprintf(f, "%-7s %-15s %8s %8s %9s\n", "PID", "COMM", "ZOMBIES", "UNREAPED",
			"OLDEST");
	for (size_t i = 0; i < rows(o, nl); i++) {
		comm_str(l[i].comm, comm);
		rw_human_ns(l[i].oldest_ns, age, sizeof(age));
		fprintf(f, "%-7u %-15s %8llu %8llu %9s\n", l[i].pid, comm,
			(unsigned long long)l[i].zombies, (unsigned long long)l[i].outstanding, age);
	}
	if (rows(o, nl) < nl)
		fprintf(f, "... %zu more (--top)\n", nl - rows(o, nl));
	free(z);
	free(l);
}

void rw_summary_text(FILE *f, const struct rw_analysis *a, const struct rw_summary_opts *o)
{
	const struct rw_totals *t = rw_analysis_totals(a);
	__u64 span = o->now_ns > t->first_ns && t->first_ns ? o->now_ns - t->first_ns : 0;

	fprintf(f, "reapwatch: %.1f s, %llu exits, %llu reaps, %llu orphans, %llu lost",
		span / 1e9, (unsigned long long)t->exits, (unsigned long long)t->reaps,
		(unsigned long long)t->orphans, (unsigned long long)t->lost);
	if (t->untracked)
		fprintf(f, ", %llu untracked", (unsigned long long)t->untracked);
	if (t->dropped)
		fprintf(f, ", %llu not analysed (limits)", (unsigned long long)t->dropped);
	fprintf(f, " [%s]\n\n", o->mode);
	text_reapers(f, a, o);
	text_orphans(f, a, o);
	text_zombies(f, a, o);
}

/* --- JSON --------------------------------------------------------------------- */

static int put(json_object *o, const char *key, json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, key, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static int put_u64(json_object *o, const char *key, __u64 v)
{
	return put(o, key, json_object_new_uint64(v));
}

static int put_comm(json_object *o, const char *key, const char *comm)
{
	char buf[RW_COMM_LEN];

	memcpy(buf, comm, RW_COMM_LEN - 1);
	buf[RW_COMM_LEN - 1] = '\0';
	return put(o, key, json_object_new_string(buf));
}

static int append(json_object *arr, json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_array_add(arr, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static int put_lat(json_object *o, const struct rw_hist *h)
{
	json_object *hist = json_object_new_array();
	int err = 0;

	err |= put_u64(o, "p50_ns", rw_hist_percentile(h, 5000));
	err |= put_u64(o, "p90_ns", rw_hist_percentile(h, 9000));
	err |= put_u64(o, "p99_ns", rw_hist_percentile(h, 9900));
	err |= put_u64(o, "max_ns", h->max);
	err |= put_u64(o, "min_ns", h->count ? h->min : 0);
	err |= put_u64(o, "mean_ns", mean(h));
	for (unsigned i = 0; hist && i < RW_LAT_SLOTS; i++) {
		json_object *row;

		if (!h->log2[i])
			continue;
		row = json_object_new_object();
		if (!row || append(hist, row))
			return -ENOMEM;
		err |= put_u64(row, "low_ns", i ? 1ull << i : 0);
		err |= put_u64(row, "high_ns", i == RW_LAT_SLOTS - 1 ? UINT64_MAX : (2ull << i) - 1);
		err |= put_u64(row, "count", h->log2[i]);
	}
	err |= put(o, "hist", hist);
	return err ? -ENOMEM : 0;
}

static json_object *json_reapers(const struct rw_analysis *a, bool adopters)
{
	json_object *arr = json_object_new_array();
	const struct rw_reaper_sum **r;
	size_t n = rw_analysis_reapers(a, &r);
	int err = !arr || !r;

	for (size_t i = 0; !err && i < n; i++) {
		json_object *o;

		if (adopters && !r[i]->adopted)
			continue;
		o = json_object_new_object();
		err |= append(arr, o);
		if (err)
			break;
		err |= put_u64(o, "pid", r[i]->pid);
		err |= put_comm(o, "comm", r[i]->comm);
		if (adopters) {
			err |= put_u64(o, "adopted", r[i]->adopted);
			continue;
		}
		err |= put_u64(o, "pidns", r[i]->pidns);
		err |= put_u64(o, "reaps", r[i]->reaps);
		err |= put_u64(o, "adopted", r[i]->adopted);
		err |= put_lat(o, &r[i]->lat);
	}
	free(r);
	if (err) {
		json_object_put(arr);
		return NULL;
	}
	return arr;
}

static json_object *json_orphans(const struct rw_analysis *a)
{
	const struct rw_totals *t = rw_analysis_totals(a);
	json_object *o = json_object_new_object(), *parents = json_object_new_array();
	const struct rw_parent_sum **p;
	size_t n = rw_analysis_parents(a, &p);
	int err = !o || !parents || !p;

	for (size_t i = 0; !err && i < n; i++) {
		json_object *row = json_object_new_object();

		err |= append(parents, row);
		if (err)
			break;
		err |= put_u64(row, "pid", p[i]->pid);
		err |= put_comm(row, "comm", p[i]->comm);
		err |= put_u64(row, "orphaned", p[i]->orphaned);
	}
	free(p);
	if (!err) {
		err |= put_u64(o, "total", t->orphans);
		err |= put_u64(o, "to_subreaper", t->orphans_subreaper);
		err |= put_u64(o, "to_pidns_init", t->orphans_pidns_init);
		err |= put_u64(o, "zombie", t->orphans_zombie);
		err |= put(o, "per_reaper", json_reapers(a, true));
		err |= put(o, "per_parent", parents);
		parents = NULL;
	}
	json_object_put(parents);
	if (err) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static json_object *json_zombies(const struct rw_analysis *a, __u64 now)
{
	json_object *arr = json_object_new_array();
	const struct rw_zombie **z;
	size_t n = rw_analysis_zombies(a, &z);
	int err = !arr || !z;

	for (size_t i = 0; !err && i < n; i++) {
		json_object *o = json_object_new_object();

		err |= append(arr, o);
		if (err)
			break;
		err |= put_u64(o, "pid", z[i]->pid);
		err |= put_u64(o, "nspid", z[i]->nspid);
		err |= put_u64(o, "pidns", z[i]->pidns);
		err |= put_comm(o, "comm", z[i]->comm);
		err |= put_u64(o, "parent", z[i]->parent);
		err |= put_comm(o, "parent_comm", z[i]->parent_comm);
		err |= put_u64(o, "age_ns", now > z[i]->since_ns ? now - z[i]->since_ns : 0);
		err |= put(o, "age_known", json_object_new_boolean(z[i]->age_known));
	}
	free(z);
	if (err) {
		json_object_put(arr);
		return NULL;
	}
	return arr;
}

static json_object *json_leakers(const struct rw_analysis *a, __u64 now)
{
	json_object *arr = json_object_new_array();
	struct rw_leaker *l;
	size_t n = rw_analysis_leakers(a, now, &l);
	int err = !arr || !l;

	for (size_t i = 0; !err && i < n; i++) {
		json_object *o = json_object_new_object();

		err |= append(arr, o);
		if (err)
			break;
		err |= put_u64(o, "pid", l[i].pid);
		err |= put_comm(o, "comm", l[i].comm);
		err |= put_u64(o, "zombies", l[i].zombies);
		err |= put_u64(o, "unreaped", l[i].outstanding);
		err |= put_u64(o, "oldest_age_ns", l[i].oldest_ns);
	}
	free(l);
	if (err) {
		json_object_put(arr);
		return NULL;
	}
	return arr;
}

int rw_summary_json(FILE *f, const struct rw_analysis *a, const struct rw_summary_opts *o)
{
	const struct rw_totals *t = rw_analysis_totals(a);
	json_object *root = json_object_new_object(), *all = json_object_new_object();
	int err = !root || !all;

	if (!err) {
		err |= put(root, "mode", json_object_new_string(o->mode));
		err |= put_u64(root, "start_ns", t->first_ns);
		err |= put_u64(root, "end_ns", o->now_ns);
		err |= put_u64(root, "leak_after_ns", rw_analysis_leak_after(a));
		err |= put_u64(root, "exits", t->exits);
		err |= put_u64(root, "reaps", t->reaps);
		err |= put_u64(root, "reaps_unknown_age", t->reaps_unknown);
		err |= put_u64(all, "reaps", rw_analysis_overall(a)->count);
		err |= put_lat(all, rw_analysis_overall(a));
		err |= put(root, "overall", all);
		all = NULL;
		err |= put(root, "reapers", json_reapers(a, false));
		err |= put(root, "orphans", json_orphans(a));
		err |= put(root, "zombies", json_zombies(a, o->now_ns));
		err |= put(root, "leakers", json_leakers(a, o->now_ns));
		err |= put_u64(root, "lost", t->lost);
		err |= put_u64(root, "untracked", t->untracked);
		err |= put_u64(root, "dropped", t->dropped);
	}
	if (!err) {
		fputs(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN), f);
		fputc('\n', f);
	}
	json_object_put(all);
	json_object_put(root);
	return err ? -ENOMEM : 0;
}
