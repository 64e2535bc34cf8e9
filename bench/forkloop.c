// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * forkloop: the benchmark's unit of work, fork + exit + wait, in a loop,
 * pinned so that the parent and its children share one CPU.
 *
 *   forkloop [-f] [-g] [-c CPU] [-j THREADS] [-n CYCLES | -t SECONDS] [-W FIFO]
 *
 *   -f          fork() the child instead of vfork(): see below
 *   -g          the child forks and reaps a grandchild before it exits, so
 *               that every cycle has a new reaper (fills per-reaper tables)
 *   -c CPU      pin to this CPU (default: the last one); with -j, thread i
 *               is pinned to CPU (CPU + i) % ncpus
 *   -j THREADS  run THREADS loops in parallel, as threads of one process, so
 *               that every child has this process as its parent (reapwatch
 *               -p PID then sees exactly 2 events per cycle)
 *   -n CYCLES   cycles per thread (default 20000)
 *   -t SECONDS  run for SECONDS instead (whole cycles, checked every 64)
 *   -W FIFO     open FIFO and wait for one byte (or EOF) before starting:
 *               the caller attaches its tracer to our pid meanwhile
 *
 * Prints one line: "cycles=N ns=T ns_per_cycle=X cpu_ns_per_cycle=C rate=R"
 * (R in cycles/s, all threads together). C is the CPU time of the loop and
 * its reaped children: on a shared machine it leaves out the time the loop
 * waited for a CPU, and it still holds every BPF program that runs in the
 * loop's or a child's context. The child is a bare _exit(0): the cycle is
 * the kernel's clone, exit, SIGCHLD and reap, and nothing else.
 *
 * vfork by default: the kernel path a tracer sees (clone, the exit
 * tracepoint, SIGCHLD, wait4, the release) is the same as fork's, without
 * copying page tables, which costs ~1 ms per fork on the project's VMs
 * (shadow paging) and would drown the tracers' cost. A cheaper cycle makes
 * a tracer's relative slowdown larger: the stricter test. -f measures the
 * real fork too.
 *
 * Exit: 0 done; 1 a fork, wait or pin failed; 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct worker {
	pthread_t th;
	int cpu;
	unsigned long long cycles;
	int err;
};

static unsigned long long max_cycles = 20000;
static bool use_fork, grandchild;
static unsigned long long deadline_ns;

/* CPU time of this process and of its reaped children, in ns. */
static unsigned long long cpu_ns(void)
{
	struct rusage self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	return (self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec +
		kids.ru_stime.tv_sec) * 1000000000ull +
	       (self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec +
		kids.ru_stime.tv_usec) * 1000ull;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	/* 0: the calling thread; the children inherit it. */
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/* The child exits at once, inside this frame: vfork's child must not return. */
static __attribute__((noinline)) pid_t spawn(void)
{
	pid_t pid;

	if (!use_fork && !grandchild) {
		pid = vfork(); // NOLINT(clang-analyzer-security.insecureAPI.vfork): the child only exits
		if (pid == 0)
			_exit(0);
		return pid;
	}
	pid = fork();
	if (pid == 0) {
		if (grandchild) {
			pid_t g = fork();
			int st;

			if (g == 0)
				_exit(0);
			if (g < 0 || waitpid(g, &st, 0) < 0)
				_exit(1);
		}
		_exit(0);
	}
	return pid;
}

static void *loop(void *arg)
{
	struct worker *w = arg;
	unsigned long long n;

	w->err = pin(w->cpu);
	if (w->err)
		return NULL;
	for (n = 0; deadline_ns || n < max_cycles; n++) {
		pid_t pid;
		int st;

		if (deadline_ns && !(n & 63) && now_ns() >= deadline_ns)
			break;
		pid = spawn();
		if (pid < 0) {
			w->err = -errno;
			break;
		}
		while (waitpid(pid, &st, 0) < 0) {
			if (errno != EINTR) {
				w->err = -errno;
				goto out;
			}
		}
		if (st) {
			w->err = -ECHILD;
			break;
		}
	}
out:
	w->cycles = n;
	return NULL;
}

static bool parse(const char *s, unsigned long long max, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	return *s >= '0' && *s <= '9' && !*end && !errno && *v <= max;
}

int main(int argc, char **argv)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned long long v, secs = 0, threads = 1, total = 0, t0, t1, c0, c1;
	int cpu = ncpu > 0 ? (int)ncpu - 1 : 0, opt, err = 0;
	const char *fifo = NULL;
	struct worker *w;

	while ((opt = getopt(argc, argv, "fgc:j:n:t:W:")) != -1) {
		switch (opt) {
		case 'f':
			use_fork = true;
			break;
		case 'g':
			grandchild = true;
			break;
		case 'c':
			if (!parse(optarg, 4095, &v))
				goto usage;
			cpu = v;
			break;
		case 'j':
			if (!parse(optarg, 256, &threads) || !threads)
				goto usage;
			break;
		case 'n':
			if (!parse(optarg, 1ull << 40, &max_cycles) || !max_cycles)
				goto usage;
			break;
		case 't':
			if (!parse(optarg, 86400, &secs) || !secs)
				goto usage;
			break;
		case 'W':
			fifo = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc)
		goto usage;
	if (ncpu < 1)
		ncpu = 1;
	w = calloc(threads, sizeof(*w));
	if (!w)
		return 1;
	if (fifo) {
		char c;
		int fd = open(fifo, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || read(fd, &c, 1) < 0) {
			fprintf(stderr, "forkloop: %s: %s\n", fifo, strerror(errno));
			free(w);
			return 1;
		}
		close(fd);
	}
	c0 = cpu_ns();
	t0 = now_ns();
	if (secs)
		deadline_ns = t0 + secs * 1000000000ull;
	for (unsigned long long i = 0; i < threads; i++) {
		w[i].cpu = (cpu + i) % ncpu;
		if (threads == 1) {
			loop(&w[i]);
		} else if (pthread_create(&w[i].th, NULL, loop, &w[i])) {
			fprintf(stderr, "forkloop: cannot start a thread\n");
			free(w);
			return 1;
		}
	}
	for (unsigned long long i = 0; i < threads; i++) {
		if (threads > 1)
			pthread_join(w[i].th, NULL);
		total += w[i].cycles;
		if (w[i].err && !err)
			err = w[i].err;
	}
	t1 = now_ns();
	c1 = cpu_ns();
	free(w);
	if (err) {
		fprintf(stderr, "forkloop: %s\n", strerror(-err));
		return 1;
	}
	printf("cycles=%llu ns=%llu ns_per_cycle=%.1f cpu_ns_per_cycle=%.1f rate=%.0f\n", total,
	       t1 - t0, total ? (double)(t1 - t0) * threads / total : 0.0,
	       total ? (double)(c1 - c0) / total : 0.0, (double)total * 1e9 / (t1 - t0));
	return 0;
usage:
	fprintf(stderr, "usage: forkloop [-f] [-g] [-c CPU] [-j THREADS] [-n CYCLES | -t SECONDS] [-W FIFO]\n");
	return 2;
}
