// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * storm: hit the init of our PID namespace with orphans, in bursts, and time
 * how long it takes to reap them all.
 *
 *   storm [-z] [-b BURSTS] [-s SIZE] [-T TIMEOUT_S]
 *
 * Run it inside the namespace with that namespace's /proc (nsenter -t INIT
 * -p -m storm ...). Each burst: a middle process starts SIZE children that
 * block on a pipe, then exits; when we have reaped the middle, the kernel
 * has handed all SIZE children to the namespace's PID 1 (there is no
 * subreaper in between). Then we close the pipe: the SIZE orphans exit at
 * once, and PID 1 gets SIZE zombies. Bursts follow each other without a
 * pause: the init reaps one burst while the next is being started.
 *
 * With -z the SIZE children exit at once and the middle waits until they
 * are all zombies before it exits: the init inherits SIZE zombies from one
 * exiting parent (the kernel re-notifies it of each).
 *
 * When the last burst is released we poll /proc/1/task/1/children (zombies
 * stay on that list until reaped) every millisecond until it is back to
 * what it was before the storm (tini and dumb-init keep their command
 * there), then count the zombies left anywhere in the namespace.
 *
 * Prints one line of key=value: orphans, ms (first fork to drained),
 * fork_ms (first fork to last release), drain_ms (last release to drained),
 * drained (1/0), zombies_left.
 *
 * Exit: 0 drained with no zombie left; 1 not drained or zombies left, or a
 * fork failed; 2 usage.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Children of the namespace's init, zombies included; -1 on error. */
static long init_children(void)
{
	static char buf[1 << 20];
	long n = 0;
	ssize_t len, got = 0;
	int fd = open("/proc/1/task/1/children", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((len = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += len;
	close(fd);
	if (len < 0)
		return -1;
	for (ssize_t i = 0; i < got; i++)
		n += buf[i] == ' ';
	return n;
}

/* Zombies anywhere in this /proc (our namespace's). */
static long zombies(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	long n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char path[300], buf[512], *p;
		ssize_t len;
		int fd;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'Z')
			n++;
	}
	closedir(d);
	return n;
}

/* -z: have all @size children of ours exited? (/proc/self: our namespace's) */
static bool zombies_of_self(long size)
{
	static char buf[1 << 20];
	char path[64];
	long n = 0;
	ssize_t len, got = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", getpid(), getpid());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	while ((len = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += len;
	close(fd);
	buf[got] = '\0';
	/* Children still listed are alive or zombies: count the zombies. */
	for (char *p = buf, *end; *p; p = end) {
		long pid = strtol(p, &end, 10);
		char st[64], sbuf[512], *q;
		ssize_t k;

		if (end == p)
			break;
		snprintf(st, sizeof(st), "/proc/%ld/stat", pid);
		fd = open(st, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		k = read(fd, sbuf, sizeof(sbuf) - 1);
		close(fd);
		if (k <= 0)
			continue;
		sbuf[k] = '\0';
		q = strrchr(sbuf, ')');
		n += q && q[1] == ' ' && q[2] == 'Z';
	}
	return n >= size;
}

#define STACK_SIZE (16 * 1024)

/* The read end of the burst's pipe, in the middle process's memory. */
static int release_fd = -1;

/* An orphan to be: blocks until the pipe's last writer is gone, then exits.
 * It runs on its own stack in its parent's memory (CLONE_VM) and only reads
 * release_fd there. */
static int orphan(void *arg)
{
	char c;

	(void)arg;
	while (read(release_fd, &c, 1) > 0)
		;
	_exit(0);
}

static int exit_now(void *arg)
{
	(void)arg;
	_exit(0);
}

/* One burst; returns 0 once the SIZE orphans are released. */
static int burst(long size, bool zombie)
{
	int p[2], st;
	pid_t mid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	mid = fork();
	if (mid < 0)
		return -errno;
	if (mid == 0) {
		/* Processes (not threads: their own thread group, SIGCHLD to
		 * the parent) sharing the middle's memory: no page tables to
		 * copy, which costs ~0.5 ms per fork on the project's VMs and
		 * would make the storm a fork benchmark. The memory lives on
		 * after the middle exits, as long as one of them uses it. */
		char *stacks = mmap(NULL, size * STACK_SIZE, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (stacks == MAP_FAILED)
			_exit(1);
		close(p[1]);
		release_fd = p[0];
		for (long i = 0; i < size; i++) {
			char *top = stacks + (i + 1) * STACK_SIZE;

			if (clone(zombie ? exit_now : orphan, top, CLONE_VM | SIGCHLD, NULL) < 0)
				_exit(1);
		}
		/* -z: leave the init SIZE zombies, not SIZE orphans to be. */
		while (zombie && !zombies_of_self(size))
			usleep(1000);
		_exit(0);
	}
	close(p[0]);
	while (waitpid(mid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	/* The kernel reparented the orphans before the middle became a zombie:
	 * closing the last write end lets them all exit at once. */
	close(p[1]);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EAGAIN;
}

static long arg(const char *s, long min, long max)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s && !*end && v >= min && v <= max ? v : -1;
}

int main(int argc, char **argv)
{
	long bursts = 100, size = 1000, timeout_s = 120, base, left, n = -1;
	unsigned long long t0, t_rel, t_end, deadline;
	int opt, err = 0;
	bool zombie = false;
	long b;

	while ((opt = getopt(argc, argv, "zb:s:T:")) != -1) {
		switch (opt) {
		case 'z':
			zombie = true;
			break;
		case 'b':
			bursts = arg(optarg, 1, 1000000);
			break;
		case 's':
			size = arg(optarg, 1, 100000);
			break;
		case 'T':
			timeout_s = arg(optarg, 1, 86400);
			break;
		default:
			bursts = -1;
		}
		if (bursts < 0 || size < 0 || timeout_s < 0)
			goto usage;
	}
	if (optind != argc)
		goto usage;
	base = init_children();
	if (base < 0) {
		fprintf(stderr, "storm: cannot read /proc/1/task/1/children: run inside the "
				"namespace with its /proc (nsenter -p -m)\n");
		return 1;
	}
	t0 = now_ns();
	for (b = 0; b < bursts && !err; b++)
		err = burst(size, zombie);
	t_rel = now_ns();
	if (err)
		fprintf(stderr, "storm: burst %ld: %s\n", b, strerror(-err));
	deadline = t_rel + timeout_s * 1000000000ull;
	for (;;) {
		const struct timespec ms = { 0, 1000000 };

		t_end = now_ns();
		n = init_children();
		if (n <= base || t_end >= deadline)
			break;
		nanosleep(&ms, NULL);
	}
	left = zombies();
	printf("orphans=%ld ms=%.1f fork_ms=%.1f drain_ms=%.1f drained=%d zombies_left=%ld\n",
	       b * size, (t_end - t0) / 1e6, (t_rel - t0) / 1e6, (t_end - t_rel) / 1e6,
	       n <= base, left);
	return err || n > base || left != 0;
usage:
	fprintf(stderr, "usage: storm [-z] [-b BURSTS] [-s SIZE] [-T TIMEOUT_S]\n");
	return 2;
}
