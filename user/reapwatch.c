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
#include "cgroup_filter.h"
#include "loader.h"
#include "output.h"

enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1,
	EXIT_USAGE = 2,
	EXIT_PRIV = 3,
	EXIT_NOBTF = 4,
	EXIT_ATTACH = 5,
};

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static const char usage_text[] =
	"Usage: reapwatch [trace] [OPTIONS]\n"
	"Report orphan reparenting and zombie reap latency, live, from the kernel.\n"
	"\n"
	"Commands:\n"
	"  trace                 stream exit, orphan and reap events (default)\n"
	"\n"
	"Options:\n"
	"  -j, --json            one JSON object per line instead of columns\n"
	"  -p, --pid PID         only events involving PID (as process, parent or reaper)\n"
	"      --pidns INODE     only processes of this pid namespace (ls -Li /proc/PID/ns/pid)\n"
	"      --cgroup PATH     only processes in this cgroup or below (v2, or a v1 controller)\n"
	"  -d, --duration SECS   stop after SECS seconds (default: until SIGINT/SIGTERM)\n"
	"  -b, --ringbuf BYTES   ring buffer size, a power of two (default 4194304)\n"
	"      --no-exact        do not try the fentry/release_task exact-reap hook\n"
	"  -v, --verbose         say which hooks were chosen; show libbpf messages\n"
	"  -h, --help            this help\n"
	"\n"
	"Exit codes: 0 ok, 1 runtime error, 2 bad arguments, 3 not enough privilege,\n"
	"            4 no kernel BTF, 5 a hook could not attach.\n"
	"\n"
	"EXAMPLES:\n"
	"  reapwatch                      # every exit, orphan and reap on this machine\n"
	"  reapwatch --json -d 10         # ten seconds of JSON lines\n"
	"  reapwatch -p 1234              # what process 1234 does, suffers and reaps\n"
	"  reapwatch --pidns 4026532201   # one sandbox\n"
	"  reapwatch --cgroup /sys/fs/cgroup/pids/mypod\n";

struct cli {
	struct rw_load_opts load;
	bool json;
	long duration_s; /* 0: until stopped */
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
		{},
	};
	unsigned long long v;
	int opt;

	while ((opt = getopt_long(argc, argv, "+jp:d:b:vh", longopts, NULL)) != -1) {
		switch (opt) {
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
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return EXIT_OK;
}

/* After attaching, reading the ring buffer needs no privilege: drop it all. */
static void drop_privileges(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (syscall(SYS_capset, &hdr, data))
		fprintf(stderr, "reapwatch: warning: cannot drop capabilities: %s\n",
			strerror(errno));
}

struct trace_ctx {
	struct cli *cli;
	struct rw_clock clock;
	__u64 events;
};

static int print_event(void *ctx, const struct rw_event *e)
{
	struct trace_ctx *t = ctx;

	t->events++;
	if (t->cli->json)
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
	drop_privileges();
	if (cli->load.verbose)
		fprintf(stderr, "reapwatch: reaps seen at %s\n",
			rw_exact(l) ? "fentry/release_task (exact)"
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
	fputc('\n', stderr);
	rw_unload(l);
	return err < 0 ? EXIT_RUNTIME : EXIT_OK;
}

int main(int argc, char **argv)
{
	struct cli cli = {};
	struct sigaction sa = { .sa_handler = on_stop };
	int rc;

	/* A subcommand is the first word, when it is not an option. */
	if (argc > 1 && argv[1][0] != '-') {
		if (strcmp(argv[1], "trace") != 0)
			return usage_error("unknown command '%s'", argv[1]);
		argc--;
		argv++;
	}
	rc = parse_args(argc, argv, &cli);
	if (rc != EXIT_OK)
		return rc;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return cmd_trace(&cli);
}
