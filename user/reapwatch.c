// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * reapwatch: the command line. It parses, then dispatches to a subcommand;
 * the work lives in loader.c (BPF), output.c (sinks) and friends.
 *
 * Exit codes:
 *   0  success (also when stopped by SIGINT/SIGTERM or the end of -d)
 *   1  runtime error (out of memory, I/O)
 *   2  bad arguments (usage printed)
 *   3  not enough privilege (needs root, or CAP_BPF + CAP_PERFMON)
 *   4  the kernel has no BTF
 *   5  a BPF program could not load or attach (or tracefs is missing)
 *   6  report: the input file is unreadable, truncated, corrupt or not ours
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include "attrib.h"
#include "cgroup_filter.h"
#include "live.h"
#include "loader.h"
#include "output.h"
#include "report.h"
#include "serve.h"

enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1,
	EXIT_USAGE = 2,
	EXIT_PRIV = 3,
	EXIT_NOBTF = 4,
	EXIT_ATTACH = 5,
	EXIT_INPUT = 6,
};

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static const char usage_text[] =
	"Usage: reapwatch [trace] [OPTIONS]\n"
	"       reapwatch stats [OPTIONS]\n"
	"       reapwatch record -o FILE [OPTIONS]\n"
	"       reapwatch report [OPTIONS] FILE\n"
	"       reapwatch serve [--listen ADDR:PORT] [OPTIONS]\n"
	"Report orphan reparenting and zombie reap latency, live, from the kernel.\n"
	"\n"
	"Commands:\n"
	"  trace                 stream exit, orphan and reap events (default)\n"
	"  stats                 reap latency per reaper, orphans, zombies and the\n"
	"                        parents that leak them: at -i intervals or at the end\n"
	"  record                write the events to a recording file (-o FILE)\n"
	"  report                the stats of a recording, or of `trace --json` output\n"
	"  serve                 Prometheus/OpenMetrics metrics by sandbox on\n"
	"                        http://127.0.0.1:9742/metrics, aggregated in the kernel\n"
	"\n"
	"Options:\n"
	"  -j, --json            one JSON object per line instead of columns\n"
	"  -p, --pid PID         only events involving PID (as process, parent or reaper)\n"
	"      --pidns INODE     only processes of this pid namespace (ls -Li /proc/PID/ns/pid)\n"
	"      --cgroup PATH     only processes in this cgroup or below (v2, or a v1 controller)\n"
	"      --pod UID         only processes of this pod: a Kubernetes pod UID or a Podman\n"
	"                        pod ID (its cgroup under /sys/fs/cgroup, as --cgroup)\n"
	"      --container ID    only processes of this container (ID, or 12+ digits of it)\n"
	"  -d, --duration SECS   stop after SECS seconds (default: until SIGINT/SIGTERM)\n"
	"  -a, --attribute       trace --json: add each event's sandbox (its pid namespace's\n"
	"                        init, cgroup, pod UID, container ID)\n"
	"  -b, --ringbuf BYTES   ring buffer size, a power of two (default 4194304)\n"
	"      --no-exact        do not try the fentry/release_task exact-reap hook\n"
	"  -v, --verbose         say which hooks were chosen; show libbpf messages\n"
	"  -h, --help            this help\n"
	"\n"
	"Options of stats and report:\n"
	"      --leak-after SECS a parent leaks when a zombie stays unreaped in its\n"
	"                        care longer than this (default 1; 0.25 is fine)\n"
	"  -P, --per-reaper      a latency histogram per reaper, not only overall\n"
	"  -t, --top N           rows per table (default 20; 0: all)\n"
	"Options of stats:\n"
	"  -i, --interval SECS   also print every SECS seconds (totals since the start)\n"
	"  -E, --per-event       aggregate the event stream in user space (exact\n"
	"                        percentiles, leak history) instead of in the kernel\n"
	"  -o, --output FILE     also record the events to FILE (implies -E)\n"
	"Options of record:\n"
	"  -o, --output FILE     the recording to write (\"-\": stdout); required\n"
	"Options of serve:\n"
	"      --listen ADDR:PORT  where to serve (default 127.0.0.1:9742; [::1]:PORT,\n"
	"                        :PORT for every address, port 0 for any free port)\n"
	"      --max-sandboxes N sandboxes with series of their own (default 256); the\n"
	"                        rest are summed into pidns=\"other\"\n"
	"      --forget-after SECONDS  drop a sandbox's series this long after its\n"
	"                        init died (default 300)\n"
	"      --bpf-stats       count the BPF programs' run time while serving\n"
	"                        (BPF_ENABLE_STATS: needs CAP_SYS_ADMIN)\n"
	"Options of report:\n"
	"      --svg FILE        also draw a reap-latency heatmap over a timeline of\n"
	"                        outstanding zombies, as one standalone SVG\n"
	"\n"
	"Exit codes: 0 ok, 1 runtime error, 2 bad arguments, 3 not enough privilege,\n"
	"            4 no kernel BTF, 5 a hook could not attach, 6 report: bad input\n"
	"            file (unreadable, truncated, corrupt; the message has the offset).\n"
	"\n"
	"EXAMPLES:\n"
	"  reapwatch                      # every exit, orphan and reap on this machine\n"
	"  reapwatch --json -d 10         # ten seconds of JSON lines\n"
	"  reapwatch -p 1234              # what process 1234 does, suffers and reaps\n"
	"  reapwatch --pidns 4026532201   # one sandbox\n"
	"  reapwatch --cgroup /sys/fs/cgroup/pids/mypod\n"
	"  reapwatch stats -i 10          # summaries every 10 s, aggregated in-kernel\n"
	"  reapwatch stats -E --leak-after 0.5 -d 60 --json\n"
	"  reapwatch record -o run.rwr -d 60 && reapwatch report run.rwr\n"
	"  reapwatch report --json --svg run.svg run.rwr\n"
	"  reapwatch trace --json > t.jsonl; reapwatch report t.jsonl\n"
	"  reapwatch serve --listen 0.0.0.0:9742   # metrics for Prometheus\n"
	"  reapwatch stats --pod 0b6b7e2c-95d4-4a43-b5a6-1b6f4c4c8f3e\n";

enum command { CMD_TRACE, CMD_STATS, CMD_RECORD, CMD_REPORT, CMD_SERVE };

struct cli {
	struct rw_load_opts load;
	bool json;
	long duration_s; /* 0: until stopped */
	enum command cmd;
	struct rw_live_opts live;     /* stats, record */
	struct rw_report_opts report; /* report */
	struct rw_serve_opts serve;   /* serve */
	const char *pod, *container;  /* --pod, --container: resolved to a cgroup */
	bool per_event;
	bool attribute;               /* trace --json: each event's sandbox */
};

/* The options each command takes (getopt codes, long-only ones included). */
static const char *const cmd_opts[] = {
	[CMD_TRACE] = "jpNCUKdbXvha",
	[CMD_STATS] = "jpNCUKdbXvhLPtiEo",
	[CMD_RECORD] = "pNCUKdbXvho",
	[CMD_REPORT] = "jLPtSh",
	[CMD_SERVE] = "pNCUKdXvhlMBF",
};

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "reapwatch: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n\n%s", usage_text);
	return EXIT_USAGE;
}

/* Strict unsigned parse: digits only, within [min, max]. */
static bool parse_ulong(const char *s, unsigned long long min, unsigned long long max,
			unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Seconds with up to 9 decimals ("1", "0.25") into nanoseconds, <= max_s. */
static bool parse_secs(const char *s, unsigned long long max_s, unsigned long long *ns)
{
	unsigned long long sec, frac = 0;
	const char *dot = strchr(s, '.');
	char whole[24];
	size_t n = dot ? (size_t)(dot - s) : strlen(s);

	if (n == 0 || n >= sizeof(whole))
		return false;
	memcpy(whole, s, n);
	whole[n] = '\0';
	if (!parse_ulong(whole, 0, max_s, &sec))
		return false;
	if (dot) {
		size_t digits = strlen(dot + 1);

		if (digits == 0 || digits > 9 || !parse_ulong(dot + 1, 0, 999999999, &frac))
			return false;
		while (digits++ < 9)
			frac *= 10;
	}
	*ns = sec * 1000000000ull + frac;
	return *ns <= max_s * 1000000000ull;
}

static const char *opt_name(const struct option *longopts, int opt)
{
	static char buf[3] = "-?";

	for (const struct option *o = longopts; o->name; o++)
		if (o->val == opt)
			return o->name;
	buf[1] = opt;
	return buf;
}

static int parse_args(int argc, char **argv, struct cli *cli)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pid", required_argument, NULL, 'p' },
		{ "pidns", required_argument, NULL, 'N' },
		{ "cgroup", required_argument, NULL, 'C' },
		{ "duration", required_argument, NULL, 'd' },
		{ "ringbuf", required_argument, NULL, 'b' },
		{ "no-exact", no_argument, NULL, 'X' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "leak-after", required_argument, NULL, 'L' },
		{ "per-reaper", no_argument, NULL, 'P' },
		{ "top", required_argument, NULL, 't' },
		{ "interval", required_argument, NULL, 'i' },
		{ "per-event", no_argument, NULL, 'E' },
		{ "output", required_argument, NULL, 'o' },
		{ "svg", required_argument, NULL, 'S' },
		{ "pod", required_argument, NULL, 'U' },
		{ "container", required_argument, NULL, 'K' },
		{ "listen", required_argument, NULL, 'l' },
		{ "max-sandboxes", required_argument, NULL, 'M' },
		{ "forget-after", required_argument, NULL, 'F' },
		{ "bpf-stats", no_argument, NULL, 'B' },
		{ "attribute", no_argument, NULL, 'a' },
		{},
	};
	unsigned long long v;
	int opt;

	cli->live.leak_after_ns = 1000000000ull;
	cli->live.top = 20;
	cli->serve.forget_after_ns = RW_SERVE_DEFAULT_FORGET_S * 1000000000ull;
	while ((opt = getopt_long(argc, argv, "+jp:d:b:vhPt:i:Eo:a", longopts, NULL)) != -1) {
		if (opt != '?' && !strchr(cmd_opts[cli->cmd], opt))
			return usage_error("option '%s' does not apply to this command",
					   opt_name(longopts, opt));
		switch (opt) {
		case 'L':
			if (!parse_secs(optarg, 365 * 24 * 3600, &v))
				return usage_error("invalid --leak-after '%s' (seconds, e.g. 1 or 0.25)",
						   optarg);
			cli->live.leak_after_ns = v;
			break;
		case 'P':
			cli->live.per_reaper = true;
			break;
		case 't':
			if (!parse_ulong(optarg, 0, 1000000, &v))
				return usage_error("invalid --top '%s'", optarg);
			cli->live.top = v;
			break;
		case 'i':
			if (!parse_ulong(optarg, 1, 365 * 24 * 3600, &v))
				return usage_error("invalid interval '%s' (whole seconds, >= 1)", optarg);
			cli->live.interval_s = v;
			break;
		case 'E':
			cli->per_event = true;
			break;
		case 'o':
			cli->live.output = optarg;
			break;
		case 'S':
			cli->report.svg = optarg;
			break;
		case 'U':
			cli->pod = optarg;
			break;
		case 'K':
			cli->container = optarg;
			break;
		case 'l': {
			struct sockaddr_storage ss;
			socklen_t len;

			if (rw_serve_parse_listen(optarg, &ss, &len))
				return usage_error("invalid --listen '%s' (ADDR:PORT, e.g. "
						   "127.0.0.1:9742 or [::1]:9742)", optarg);
			cli->serve.listen = optarg;
			break;
		}
		case 'M':
			if (!parse_ulong(optarg, 1, 65536, &v))
				return usage_error("invalid --max-sandboxes '%s' (1 to 65536)", optarg);
			cli->serve.max_sandboxes = v;
			break;
		case 'F':
			if (!parse_secs(optarg, 7 * 24 * 3600, &v))
				return usage_error("invalid --forget-after '%s' (seconds, 0 to 604800)",
						   optarg);
			cli->serve.forget_after_ns = v;
			break;
		case 'B':
			cli->serve.bpf_stats = true;
			break;
		case 'a':
			cli->attribute = true;
			break;
		case 'j':
			cli->json = true;
			break;
		case 'p':
			if (!parse_ulong(optarg, 1, INT_MAX, &v))
				return usage_error("invalid PID '%s'", optarg);
			cli->load.filter.tgid = v;
			break;
		case 'N':
			if (!parse_ulong(optarg, 1, UINT_MAX, &v))
				return usage_error("invalid pid namespace inode '%s'", optarg);
			cli->load.filter.pidns = v;
			break;
		case 'C': {
			char err[512];

			if (rw_cgroup_filter(optarg, &cli->load.filter, err, sizeof(err)))
				return usage_error("%s", err);
			break;
		}
		case 'd':
			if (!parse_ulong(optarg, 1, 365 * 24 * 3600, &v))
				return usage_error("invalid duration '%s' (whole seconds, >= 1)", optarg);
			cli->duration_s = v;
			break;
		case 'b':
			if (!parse_ulong(optarg, 4096, 1ull << 30, &v) || (v & (v - 1)))
				return usage_error("invalid ring buffer size '%s' (a power of two, "
						   "4096 to 1073741824)", optarg);
			cli->load.ringbuf_bytes = v;
			break;
		case 'X':
			cli->load.no_exact = true;
			break;
		case 'v':
			cli->load.verbose = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(EXIT_OK);
		default:
			fprintf(stderr, "\n%s", usage_text);
			return EXIT_USAGE;
		}
	}
	if (cli->cmd == CMD_REPORT) {
		if (optind >= argc)
			return usage_error("%s", "report needs a FILE (a recording or trace --json output)");
		cli->report.path = argv[optind++];
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (cli->cmd == CMD_RECORD && !cli->live.output)
		return usage_error("%s", "record needs -o FILE");
	if (cli->pod || cli->container) {
		char dir[4096], err[4096 + 256];

		if (cli->load.filter.cgroup_id || (cli->pod && cli->container))
			return usage_error("%s", "use one of --cgroup, --pod and --container");
		if (rw_cgroup_find("/sys/fs/cgroup", cli->pod, cli->container, dir, sizeof(dir),
				   err, sizeof(err)) ||
		    rw_cgroup_filter(dir, &cli->load.filter, err, sizeof(err)))
			return usage_error("%s", err);
		if (cli->load.verbose)
			fprintf(stderr, "reapwatch: %s %s: cgroup %s\n", cli->pod ? "pod" : "container",
				cli->pod ? cli->pod : cli->container, dir);
	}
	cli->live.json = cli->json;
	cli->live.duration_s = cli->duration_s;
	cli->report.json = cli->json;
	cli->report.per_reaper = cli->live.per_reaper;
	cli->report.top = cli->live.top;
	cli->report.leak_after_ns = cli->live.leak_after_ns;
	return EXIT_OK;
}

/* After attaching, reading the ring buffer needs no privilege: drop it all.
 * Reading maps by fd needs none either since Linux 6.5, but older kernels
 * check CAP_BPF on every bpf() call: the map readers keep that one only. */
static void drop_privileges(bool keep_bpf, bool keep_ptrace)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (keep_bpf)
		data[1].effective = data[1].permitted = 1u << (39 /* CAP_BPF */ - 32);
	if (keep_ptrace)
		data[0].effective = data[0].permitted = 1u << CAP_SYS_PTRACE;
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (syscall(SYS_capset, &hdr, data))
		fprintf(stderr, "reapwatch: warning: cannot drop capabilities: %s\n",
			strerror(errno));
}

struct trace_ctx {
	struct cli *cli;
	struct rw_clock clock;
	__u64 events;
	struct rw_sandbox_cache *sandboxes; /* --attribute */
};

static __u64 mono_ns(void);

static int print_event(void *ctx, const struct rw_event *e)
{
	struct trace_ctx *t = ctx;

	t->events++;
	if (t->cli->json && t->sandboxes)
		rw_json_event_in(stdout, e, &t->clock,
				 rw_sandbox_lookup(t->sandboxes, e->pidns, mono_ns()));
	else if (t->cli->json)
		rw_json_event(stdout, e, &t->clock);
	else
		rw_text_event(stdout, e, &t->clock);
	return 0;
}

static int exit_code_of(enum rw_load_error err)
{
	switch (err) {
	case RW_LOAD_OK: return EXIT_OK;
	case RW_LOAD_EPRIV: return EXIT_PRIV;
	case RW_LOAD_ENOBTF: return EXIT_NOBTF;
	case RW_LOAD_EATTACH: return EXIT_ATTACH;
	case RW_LOAD_ENOMEM: return EXIT_RUNTIME;
	}
	return EXIT_RUNTIME;
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmd_trace(struct cli *cli)
{
	struct trace_ctx t = { .cli = cli };
	struct rw_loader *l = NULL;
	enum rw_load_error lerr;
	char errbuf[256];
	__u64 deadline = 0, lost;
	int err = 0;

	lerr = rw_load(&cli->load, print_event, &t, &l, errbuf, sizeof(errbuf));
	if (lerr) {
		fprintf(stderr, "reapwatch: %s\n", errbuf);
		return exit_code_of(lerr);
	}
	/* Attribution reads other users' /proc/PID/ns/pid: CAP_SYS_PTRACE. */
	drop_privileges(false, cli->attribute);
	if (cli->attribute && !(t.sandboxes = rw_sandbox_cache_new())) {
		rw_unload(l);
		return EXIT_RUNTIME;
	}
	if (cli->load.verbose)
		fprintf(stderr, "reapwatch: reaps seen at %s\n",
			rw_exact(l)	       ? "fentry/release_task (exact)"
			: cli->load.no_exact ? "wait4/waitid tracepoints (--no-exact)"
					     : "wait4/waitid tracepoints (fentry not allowed here)");
	rw_clock_now(&t.clock);
	if (cli->duration_s)
		deadline = mono_ns() + cli->duration_s * 1000000000ull;
	if (!cli->json)
		rw_text_header(stdout);
	fflush(stdout);

	while (!stop) {
		int timeout = 100;

		if (deadline) {
			__u64 now = mono_ns();

			if (now >= deadline)
				break;
			if (deadline - now < 100000000ull)
				timeout = (deadline - now) / 1000000 + 1;
		}
		err = rw_poll(l, timeout);
		if (err == -EINTR) {
			err = 0;
			continue;
		}
		if (err < 0) {
			fprintf(stderr, "reapwatch: reading events: %s\n", strerror(-err));
			break;
		}
		fflush(stdout);
	}
	rw_consume(l);
	lost = rw_counter(l, RW_C_LOST);
	if (cli->json)
		rw_json_lost(stdout, lost, mono_ns(), &t.clock);
	fflush(stdout);
	fprintf(stderr, "reapwatch: %llu events, %llu lost", (unsigned long long)t.events,
		(unsigned long long)lost);
	if (rw_counter(l, RW_C_UNTRACKED))
		fprintf(stderr, ", %llu zombies untracked (state map full)",
			(unsigned long long)rw_counter(l, RW_C_UNTRACKED));
	if (rw_counter(l, RW_C_ORPHANS_UNREPORTED))
		fprintf(stderr, ", %llu orphans unreported (a parent had over 4096 children)",
			(unsigned long long)rw_counter(l, RW_C_ORPHANS_UNREPORTED));
	fputc('\n', stderr);
	rw_sandbox_cache_free(t.sandboxes);
	rw_unload(l);
	return err < 0 ? EXIT_RUNTIME : EXIT_OK;
}

/* stats and record: events (or the kernel's aggregates) into summaries or a file. */
static int cmd_live(struct cli *cli)
{
	struct rw_loader *l = NULL;
	enum rw_load_error lerr;
	struct rw_live *lv;
	char errbuf[512];
	int err;

	cli->live.summaries = cli->cmd == CMD_STATS;
	cli->live.kernel = cli->cmd == CMD_STATS && !cli->per_event && !cli->live.output;
	cli->live.tgid = cli->load.filter.tgid;
	cli->load.aggregate_only = cli->live.kernel;
	lv = rw_live_new(&cli->live, errbuf, sizeof(errbuf));
	if (!lv) {
		fprintf(stderr, "reapwatch: %s\n", errbuf);
		return EXIT_RUNTIME;
	}
	lerr = rw_load(&cli->load, rw_live_event, lv, &l, errbuf, sizeof(errbuf));
	if (lerr) {
		fprintf(stderr, "reapwatch: %s\n", errbuf);
		rw_live_free(lv);
		return exit_code_of(lerr);
	}
	err = rw_live_start(lv, l, errbuf, sizeof(errbuf));
	if (err) {
		fprintf(stderr, "reapwatch: %s\n", errbuf);
	} else {
		/* The in-kernel mode reads maps until the end: it keeps CAP_BPF. */
		drop_privileges(cli->live.kernel, false);
		err = rw_live_run(lv, l, &stop);
	}
	rw_unload(l);
	rw_live_free(lv);
	return err ? EXIT_RUNTIME : EXIT_OK;
}

static int no_event(void *ctx, const struct rw_event *e)
{
	(void)ctx;
	(void)e;
	return 0;
}

/* serve: the kernel's aggregates on /metrics; no events at all. */
static int cmd_serve(struct cli *cli)
{
	struct rw_loader *l = NULL;
	struct rw_server *srv;
	enum rw_load_error lerr;
	char errbuf[512];
	int err;

	cli->serve.tgid = cli->load.filter.tgid;
	cli->serve.duration_s = cli->duration_s;
	cli->serve.verbose = cli->load.verbose;
	cli->load.aggregate_only = true;
	cli->load.sweeps = true;
	srv = rw_serve_new(&cli->serve, errbuf, sizeof(errbuf));
	if (!srv) {
		fprintf(stderr, "reapwatch: %s\n", errbuf);
		return EXIT_RUNTIME;
	}
	lerr = rw_load(&cli->load, no_event, NULL, &l, errbuf, sizeof(errbuf));
	if (lerr) {
		fprintf(stderr, "reapwatch: %s\n", errbuf);
		rw_serve_free(srv);
		return exit_code_of(lerr);
	}
	err = rw_serve_run(srv, l, &stop, errbuf, sizeof(errbuf));
	if (err)
		fprintf(stderr, "reapwatch: %s\n", errbuf);
	rw_serve_free(srv);
	rw_unload(l);
	return err ? EXIT_RUNTIME : EXIT_OK;
}

static int cmd_report(struct cli *cli)
{
	char err[512];
	int rc = rw_report(&cli->report, err, sizeof(err));

	if (rc)
		fprintf(stderr, "reapwatch: %s\n", err);
	return rc == -EBADMSG ? EXIT_INPUT : rc ? EXIT_RUNTIME : EXIT_OK;
}

int main(int argc, char **argv)
{
	struct cli cli = {};
	struct sigaction sa = { .sa_handler = on_stop };
	int rc;

	/* A subcommand is the first word, when it is not an option. */
	if (argc > 1 && argv[1][0] != '-') {
		static const char *const names[] = {
			[CMD_TRACE] = "trace", [CMD_STATS] = "stats",
			[CMD_RECORD] = "record", [CMD_REPORT] = "report",
			[CMD_SERVE] = "serve",
		};
		size_t i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(argv[1], names[i]))
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			return usage_error("unknown command '%s'", argv[1]);
		cli.cmd = i;
		argc--;
		argv++;
	}
	rc = parse_args(argc, argv, &cli);
	if (rc != EXIT_OK)
		return rc;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	switch (cli.cmd) {
	case CMD_STATS:
	case CMD_RECORD:
		return cmd_live(&cli);
	case CMD_REPORT:
		return cmd_report(&cli);
	case CMD_SERVE:
		return cmd_serve(&cli);
	default:
		return cmd_trace(&cli);
	}
}
