// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The metrics text on fixed snapshots: numbers, buckets, labels, formats. */
#include <stdlib.h>
#include "prom.h"
#include "unit.h"

static bool seconds_exact(void)
{
	static const struct {
		__u64 ns;
		const char *s;
	} cases[] = {
		{ 0, "0" },
		{ 1, "0.000000001" },
		{ 1024, "0.000001024" },
		{ 1000000000, "1" },
		{ 1500000000, "1.5" },
		{ 1ull << 36, "68.719476736" },
		{ 18446744073709551615ull, "18446744073.709551615" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rw_prom_seconds(buf, sizeof(buf), cases[i].ns);
		CHECK(!strcmp(buf, cases[i].s), "%llu ns: '%s', want '%s'",
		      (unsigned long long)cases[i].ns, buf, cases[i].s);
	}
	return true;
}

static char *render(const struct rw_prom *p, bool om)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (rw_prom_write(f, p, om)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

static void fixture(struct rw_prom *p, struct rw_prom_series *s, struct rw_prom_prog *prog)
{
	memset(p, 0, sizeof(*p));
	memset(s, 0, 2 * sizeof(*s));
	p->version = "0.1.0";
	p->reap_hook = "release_task";
	p->exits = 7;
	p->lost_untracked = 2;
	p->max_sandboxes = 256;
	p->reapers = 41;
	p->reapers_retired = 5012;
	p->bpf_stats = 1;
	p->series = s;
	p->nseries = 2;
	p->progs = prog;
	p->nprogs = 1;
	snprintf(prog->name, sizeof(prog->name), "handle_exit");
	prog->run_ns = 1500;
	prog->run_cnt = 3;

	strcpy(s[0].pidns, "4026532251");
	strcpy(s[0].pod_uid, "c5238f6b");
	strcpy(s[0].container_id, "547a9de9");
	s[0].slots[5] = 2;   /* 32..63 ns: in every bucket */
	s[0].slots[10] = 1;  /* 1024..2047 ns: from le=2^11 ns on */
	s[0].slots[30] = 2;  /* ~1.07 s..2.1 s: from le=2^31 ns on */
	s[0].slots[39] = 1;  /* beyond the last bucket: +Inf only */
	s[0].sum_ns = 3000001024;
	s[0].orphans[1] = 5;
	s[0].zombies = 3;
	s[0].oldest_ns = 1250000000;
	s[0].info = true;
	s[0].init_pid = 23686;
	strcpy(s[0].init_comm, "pause");
	strcpy(s[0].cgroup, "/a\"b\\c\nd");
	s[0].runtime = "podman";
	s[0].qos = "";

	strcpy(s[1].pidns, "other");
	s[1].runtime = s[1].qos = "";
}

static bool has(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

#define L0 "{pidns=\"4026532251\",pod_uid=\"c5238f6b\",container_id=\"547a9de9\""

static bool text_format(void)
{
	struct rw_prom p;
	struct rw_prom_series s[2];
	struct rw_prom_prog prog;
	char *t;

	fixture(&p, s, &prog);
	t = render(&p, false);
	CHECK(t, "render failed");
	static const char *const want[] = {
		"# TYPE reapwatch_exits_total counter",
		"reapwatch_exits_total 7",
		"reapwatch_build_info{version=\"0.1.0\",reap_hook=\"release_task\"} 1",
		"# TYPE reapwatch_build_info gauge",
		"reapwatch_reaps_total" L0 "} 6",
		"reapwatch_reaps_total{pidns=\"other\"} 0",
		"reapwatch_orphans_total" L0 ",kind=\"subreaper\"} 0",
		"reapwatch_orphans_total" L0 ",kind=\"pidns_init\"} 5",
		"# TYPE reapwatch_reap_latency_seconds histogram",
		"reapwatch_reap_latency_seconds_bucket" L0 ",le=\"0.000001024\"} 2",
		"reapwatch_reap_latency_seconds_bucket" L0 ",le=\"0.000002048\"} 3",
		"reapwatch_reap_latency_seconds_bucket" L0 ",le=\"1.073741824\"} 3",
		"reapwatch_reap_latency_seconds_bucket" L0 ",le=\"2.147483648\"} 5",
		"reapwatch_reap_latency_seconds_bucket" L0 ",le=\"68.719476736\"} 5",
		"reapwatch_reap_latency_seconds_bucket" L0 ",le=\"+Inf\"} 6",
		"reapwatch_reap_latency_seconds_count" L0 "} 6",
		"reapwatch_reap_latency_seconds_sum" L0 "} 3.000001024",
		"reapwatch_zombies" L0 "} 3",
		"reapwatch_zombies{pidns=\"other\"} 0",
		"reapwatch_zombie_oldest_age_seconds" L0 "} 1.25",
		"reapwatch_lost_events_total{reason=\"untracked\"} 2",
		"reapwatch_lost_events_total{reason=\"ringbuf\"} 0",
		"reapwatch_sandbox_info" L0 ",init_pid=\"23686\",init_comm=\"pause\","
		"cgroup=\"/a\\\"b\\\\c\\nd\",runtime=\"podman\"} 1",
		"# TYPE reapwatch_reapers gauge",
		"reapwatch_reapers 41",
		"# TYPE reapwatch_reapers_retired_total counter",
		"reapwatch_reapers_retired_total 5012",
		"reapwatch_sandboxes_max 256",
		"reapwatch_bpf_stats_enabled 1",
		"reapwatch_bpf_prog_run_seconds_total{prog=\"handle_exit\"} 0.0000015",
		"reapwatch_bpf_prog_runs_total{prog=\"handle_exit\"} 3",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK(has(t, want[i]), "no line '%s' in:\n%s", want[i], t);
	/* 27 finite buckets and +Inf per series */
	size_t buckets = 0;
	for (const char *q = t; (q = strstr(q, "_bucket{pidns=\"other\"")); q++)
		buckets++;
	CHECK_EQ(buckets, RW_PROM_LE_LAST - RW_PROM_LE_FIRST + 2);
	CHECK(!strstr(t, "# EOF"), "EOF marker in the text format");
	CHECK(!strstr(t, "sandbox_info{pidns=\"other\""), "info for a sandbox without one");
	free(t);

	/* bpf_stats off: no run-time series at all */
	p.bpf_stats = 0;
	t = render(&p, false);
	CHECK(t && !strstr(t, "bpf_prog_run"), "run time series with stats off");
	CHECK(has(t, "reapwatch_bpf_stats_enabled 0"), "stats gauge");
	free(t);
	return true;
}

static bool openmetrics_format(void)
{
	struct rw_prom p;
	struct rw_prom_series s[2];
	struct rw_prom_prog prog;
	char *t;
	size_t len;

	fixture(&p, s, &prog);
	t = render(&p, true);
	CHECK(t, "render failed");
	len = strlen(t);
	CHECK(len > 6 && !strcmp(t + len - 6, "# EOF\n"), "does not end with # EOF");
	CHECK(has(t, "# TYPE reapwatch_exits counter"), "counter family name");
	CHECK(has(t, "reapwatch_exits_total 7"), "counter sample");
	CHECK(has(t, "# TYPE reapwatch_build info"), "info family");
	CHECK(has(t, "# TYPE reapwatch_sandbox info"), "info family");
	CHECK(has(t, "# TYPE reapwatch_reap_latency_seconds histogram"), "histogram");
	CHECK(!strstr(t, "# TYPE reapwatch_exits_total"), "_total in a family name");
	/* HELP texts need no escaping in either format */
	for (const char *q = t; (q = strstr(q, "# HELP ")); q++) {
		size_t l = strcspn(q, "\n");

		CHECK(!memchr(q, '"', l) && !memchr(q, '\\', l), "HELP with \" or \\: %.*s",
		      (int)l, q);
	}
	free(t);
	return true;
}

static bool accept_header(void)
{
	/* what Prometheus 2.42 sends */
	CHECK(rw_prom_wants_openmetrics(
		      "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
		      "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
	      "Prometheus's Accept");
	CHECK(!rw_prom_wants_openmetrics("text/plain;version=0.0.4"), "text/plain");
	CHECK(!rw_prom_wants_openmetrics(NULL), "no header");
	CHECK(!rw_prom_wants_openmetrics("*/*"), "*/*");
	CHECK(!rw_prom_wants_openmetrics("application/openmetrics-text;q=0"), "q=0");
	CHECK(!rw_prom_wants_openmetrics("application/openmetrics-text; version=1.0.0; q=0.5, "
					 "text/plain; q=0.9"), "text/plain preferred");
	CHECK(rw_prom_wants_openmetrics("Application/OpenMetrics-Text"), "case");
	CHECK(!rw_prom_wants_openmetrics("application/openmetrics-textual"), "a longer type");
	return true;
}

UNIT_CASES(prom_cases) = {
	{ "prom: nanoseconds as exact decimal seconds", seconds_exact },
	{ "prom: Prometheus text: counters, histogram buckets from log2 slots, labels",
	  text_format },
	{ "prom: OpenMetrics: family names, info, # EOF", openmetrics_format },
	{ "prom: content negotiation from the Accept header", accept_header },
	{},
};
