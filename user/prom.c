// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Prometheus and OpenMetrics text from a snapshot of the aggregates. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "prom.h"

void rw_prom_seconds(char *buf, size_t len, __u64 ns)
{
	unsigned long long s = ns / 1000000000ull, frac = ns % 1000000000ull;
	int digits = 9;

	if (!frac) {
		snprintf(buf, len, "%llu", s);
		return;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(buf, len, "%llu.%0*llu", s, digits, frac);
}

/* A label value, escaped as both formats want: \\, \" and \n. */
static void put_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*v, f);
	}
}

struct labels {
	const char *name[10];
	const char *value[10];
	int n;
};

static void add(struct labels *l, const char *name, const char *value)
{
	/* An empty value is no label at all (as Prometheus sees it). */
	if (value && *value && l->n < 10) {
		l->name[l->n] = name;
		l->value[l->n++] = value;
	}
}

static void sandbox_labels(struct labels *l, const struct rw_prom_series *s)
{
	l->n = 0;
	add(l, "pidns", s->pidns);
	add(l, "pod_uid", s->pod_uid);
	add(l, "container_id", s->container_id);
}

static void sample(FILE *f, const char *name, const char *suffix, const struct labels *l,
		   const char *extra_name, const char *extra_value, const char *value)
{
	int n = 0;

	fputs(name, f);
	fputs(suffix, f);
	for (int i = 0; i < l->n; i++, n++) {
		fprintf(f, "%s%s=\"", n ? "," : "{", l->name[i]);
		put_value(f, l->value[i]);
		fputc('"', f);
	}
	if (extra_name && extra_value) {
		fprintf(f, "%s%s=\"", n ? "," : "{", extra_name);
		put_value(f, extra_value);
		fputc('"', f);
		n++;
	}
	if (n)
		fputc('}', f);
	fprintf(f, " %s\n", value);
}

static void sample_u64(FILE *f, const char *name, const char *suffix, const struct labels *l,
		       const char *en, const char *ev, __u64 v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	sample(f, name, suffix, l, en, ev, buf);
}

static void sample_secs(FILE *f, const char *name, const char *suffix, const struct labels *l,
			const char *en, const char *ev, __u64 ns)
{
	char buf[32];

	rw_prom_seconds(buf, sizeof(buf), ns);
	sample(f, name, suffix, l, en, ev, buf);
}

enum kind { COUNTER, GAUGE, HISTOGRAM, INFO };

/* HELP and TYPE of a family. @name is the sample name without the _total
 * of counters or the _info of info metrics: OpenMetrics names the family
 * so, the Prometheus text format names the samples. */
static void family(FILE *f, bool om, const char *name, enum kind k, const char *help)
{
	static const char *const types[] = { "counter", "gauge", "histogram", "info" };
	const char *suffix = "";

	if (!om && k == COUNTER)
		suffix = "_total";
	if (!om && k == INFO)
		suffix = "_info";
	fprintf(f, "# HELP %s%s %s\n", name, suffix, help);
	fprintf(f, "# TYPE %s%s %s\n", name, suffix, om || k != INFO ? types[k] : "gauge");
}

static __u64 slot_sum(const __u64 *slots, unsigned below)
{
	__u64 n = 0;

	for (unsigned i = 0; i < below && i < RW_LAT_SLOTS; i++)
		n += slots[i];
	return n;
}

int rw_prom_write(FILE *f, const struct rw_prom *p, bool om)
{
	static const char *const kinds[2] = { "subreaper", "pidns_init" };
	/* no array, no entries (whatever the counts say) */
	const size_t nseries = p->series ? p->nseries : 0, nprogs = p->progs ? p->nprogs : 0;
	struct labels none = {}, l;
	char le[32];

	family(f, om, "reapwatch_build", INFO, "reapwatch's version and how it sees reaps.");
	l.n = 0;
	add(&l, "version", p->version);
	add(&l, "reap_hook", p->reap_hook);
	sample(f, "reapwatch_build", "_info", &l, NULL, NULL, "1");

	family(f, om, "reapwatch_exits", COUNTER,
	       "Processes (thread groups) that exited, within the filters.");
	sample_u64(f, "reapwatch_exits", "_total", &none, NULL, NULL, p->exits);

	family(f, om, "reapwatch_reaps", COUNTER,
	       "Zombies reaped by the processes of a sandbox, of those seen dying.");
	for (size_t i = 0; i < nseries; i++) {
		sandbox_labels(&l, &p->series[i]);
		sample_u64(f, "reapwatch_reaps", "_total", &l, NULL, NULL,
			   slot_sum(p->series[i].slots, RW_LAT_SLOTS));
	}

	family(f, om, "reapwatch_orphans", COUNTER,
	       "Orphans adopted by the processes of a sandbox, by the kind of reaper.");
	for (size_t i = 0; i < nseries; i++) {
		sandbox_labels(&l, &p->series[i]);
		for (int k = 0; k < 2; k++)
			sample_u64(f, "reapwatch_orphans", "_total", &l, "kind", kinds[k],
				   p->series[i].orphans[k]);
	}

	family(f, om, "reapwatch_reap_latency_seconds", HISTOGRAM,
	       "Time from exit (the SIGCHLD) to reap, by the sandbox of the reaper.");
	for (size_t i = 0; i < nseries; i++) {
		const struct rw_prom_series *s = &p->series[i];

		sandbox_labels(&l, s);
		for (unsigned k = RW_PROM_LE_FIRST; k <= RW_PROM_LE_LAST; k++) {
			rw_prom_seconds(le, sizeof(le), 1ull << k);
			sample_u64(f, "reapwatch_reap_latency_seconds", "_bucket", &l, "le", le,
				   slot_sum(s->slots, k));
		}
		sample_u64(f, "reapwatch_reap_latency_seconds", "_bucket", &l, "le", "+Inf",
			   slot_sum(s->slots, RW_LAT_SLOTS));
		sample_u64(f, "reapwatch_reap_latency_seconds", "_count", &l, NULL, NULL,
			   slot_sum(s->slots, RW_LAT_SLOTS));
		sample_secs(f, "reapwatch_reap_latency_seconds", "_sum", &l, NULL, NULL, s->sum_ns);
	}

	family(f, om, "reapwatch_zombies", GAUGE,
	       "Processes of a sandbox that exited and are not reaped yet.");
	for (size_t i = 0; i < nseries; i++) {
		sandbox_labels(&l, &p->series[i]);
		sample_u64(f, "reapwatch_zombies", "", &l, NULL, NULL, p->series[i].zombies);
	}

	family(f, om, "reapwatch_zombie_oldest_age_seconds", GAUGE,
	       "Age of the oldest unreaped zombie of a sandbox (0: none).");
	for (size_t i = 0; i < nseries; i++) {
		sandbox_labels(&l, &p->series[i]);
		sample_secs(f, "reapwatch_zombie_oldest_age_seconds", "", &l, NULL, NULL,
			    p->series[i].oldest_ns);
	}

	family(f, om, "reapwatch_lost_events", COUNTER,
	       "What the kernel side could not record: ringbuf (events), untracked "
	       "(zombies not timed, state map full), aggregation (aggregation map full), "
	       "orphans (children past 4096 of one exiting parent).");
	sample_u64(f, "reapwatch_lost_events", "_total", &none, "reason", "ringbuf",
		   p->lost_ringbuf);
	sample_u64(f, "reapwatch_lost_events", "_total", &none, "reason", "untracked",
		   p->lost_untracked);
	sample_u64(f, "reapwatch_lost_events", "_total", &none, "reason", "aggregation",
		   p->lost_aggregation);
	sample_u64(f, "reapwatch_lost_events", "_total", &none, "reason", "orphans",
		   p->lost_orphans);

	family(f, om, "reapwatch_reapers", GAUGE,
	       "Reapers (processes that reaped or adopted) with counts of their own "
	       "in the kernel's map, of at most 4096.");
	sample_u64(f, "reapwatch_reapers", "", &none, NULL, NULL, p->reapers);
	family(f, om, "reapwatch_reapers_retired", COUNTER,
	       "Reapers that exited: their counts stay in their sandbox's series, "
	       "their map entries were freed.");
	sample_u64(f, "reapwatch_reapers_retired", "_total", &none, NULL, NULL,
		   p->reapers_retired);

	family(f, om, "reapwatch_sandbox", INFO,
	       "A sandbox: its pid namespace, its init (PID 1) and the init's cgroup.");
	for (size_t i = 0; i < nseries; i++) {
		const struct rw_prom_series *s = &p->series[i];
		char pid[16];

		if (!s->info)
			continue;
		sandbox_labels(&l, s);
		snprintf(pid, sizeof(pid), "%u", s->init_pid);
		add(&l, "init_pid", pid);
		add(&l, "init_comm", s->init_comm);
		add(&l, "cgroup", s->cgroup);
		add(&l, "runtime", s->runtime);
		add(&l, "qos", s->qos);
		sample(f, "reapwatch_sandbox", "_info", &l, NULL, NULL, "1");
	}

	family(f, om, "reapwatch_sandboxes_max", GAUGE,
	       "Sandboxes with series of their own; more are summed into pidns other.");
	sample_u64(f, "reapwatch_sandboxes_max", "", &none, NULL, NULL, p->max_sandboxes);
	family(f, om, "reapwatch_sandboxes_overflowed", COUNTER,
	       "Sandboxes (pid namespaces) summed into pidns other, over the bound.");
	sample_u64(f, "reapwatch_sandboxes_overflowed", "_total", &none, NULL, NULL,
		   p->sandboxes_overflowed);
	family(f, om, "reapwatch_sandboxes_forgotten", COUNTER,
	       "Sandboxes whose init died --forget-after ago: their series were dropped.");
	sample_u64(f, "reapwatch_sandboxes_forgotten", "_total", &none, NULL, NULL,
		   p->sandboxes_forgotten);

	family(f, om, "reapwatch_bpf_stats_enabled", GAUGE,
	       "1 when BPF run time is counted (kernel.bpf_stats_enabled, or --bpf-stats).");
	sample(f, "reapwatch_bpf_stats_enabled", "", &none, NULL, NULL,
	       p->bpf_stats < 0 ? "NaN" : p->bpf_stats ? "1" : "0");
	if (p->bpf_stats == 1) {
		family(f, om, "reapwatch_bpf_prog_run_seconds", COUNTER,
		       "CPU time spent in each of reapwatch's BPF programs.");
		for (size_t i = 0; i < nprogs; i++)
			sample_secs(f, "reapwatch_bpf_prog_run_seconds", "_total", &none, "prog",
				    p->progs[i].name, p->progs[i].run_ns);
		family(f, om, "reapwatch_bpf_prog_runs", COUNTER,
		       "Runs of each of reapwatch's BPF programs.");
		for (size_t i = 0; i < nprogs; i++)
			sample_u64(f, "reapwatch_bpf_prog_runs", "_total", &none, "prog",
				   p->progs[i].name, p->progs[i].run_cnt);
	}
	if (om)
		fputs("# EOF\n", f);
	return fflush(f) || ferror(f) ? -EIO : 0;
}

/* The q of one media range ("type/sub;a=b;q=0.5"): 1 if not given. */
static double quality(const char *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t j = i + 1;

		if (r[i] != ';')
			continue;
		while (j < n && r[j] == ' ')
			j++;
		if (j + 2 < n && (r[j] == 'q' || r[j] == 'Q') && r[j + 1] == '=')
			return strtod(r + j + 2, NULL);
	}
	return 1;
}

bool rw_prom_wants_openmetrics(const char *accept)
{
	double om = 0, other = 0;

	if (!accept)
		return false;
	while (*accept) {
		size_t n = strcspn(accept, ","), t;
		double q = quality(accept, n);

		while (n && *accept == ' ') {
			accept++;
			n--;
		}
		t = strcspn(accept, ";, ");
		if (t > n)
			t = n;
		if (t == 28 && !strncasecmp(accept, "application/openmetrics-text", 28)) {
			if (q > om)
				om = q;
		} else if ((t == 10 && !strncasecmp(accept, "text/plain", 10)) ||
			   (t == 3 && !strncmp(accept, "*/*", 3)) ||
			   (t == 6 && !strncasecmp(accept, "text/*", 6))) {
			if (q > other)
				other = q;
		}
		accept += n;
		if (*accept == ',')
			accept++;
	}
	return om > 0 && om >= other;
}
