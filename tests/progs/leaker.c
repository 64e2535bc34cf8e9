// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// leaker: the scenario of tests/test_analysis.sh, with known delays and a
// known leaker, in a pid namespace of its own so a tracer can be limited to
// it (reapwatch --pidns).
//
//   leaker [-n N] [-l MS] [-w MS]
//
// It creates the namespace, prints "pidns <inode>", and waits for a line on
// stdin (the tracer is ready). Then, inside:
//   rw-init     pid 1: forks the two below, reaps everything, exits 0
//   rw-leaker   forks N children (rw-lchild), lets them all exit at once,
//               never waits for them, and exits MS (-l, default 1500) ms
//               after they are all zombies: init adopts and reaps them
//   rw-waiter   forks one child (rw-wchild) that exits at once, and reaps
//               it MS (-w, default 200) ms after it became a zombie
// Every process prints "<role> <global pid>"; the outer process exits 0
// after it reaped rw-init, so everything is over when it has exited.
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr, "usage: leaker [-n N] [-l MS] [-w MS]\n");
	exit(2);
}

static long num(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		usage();
	return v;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Our pid in the host's namespace: /proc is the host's proc. */
static long global_pid(void)
{
	char buf[32];
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

static void announce(const char *role)
{
	prctl(PR_SET_NAME, role);
	/* One write, shorter than PIPE_BUF: lines never interleave. */
	dprintf(1, "%s %ld\n", role, global_pid());
}

/* Wait until @pid is a zombie, without reaping it. */
static void until_zombie(pid_t pid)
{
	siginfo_t si;

	while (waitid(P_PID, pid, &si, WEXITED | WNOWAIT) && errno == EINTR)
		;
}

static pid_t spawn_exiting(const char *role)
{
	pid_t pid = fork();

	if (pid == 0) {
		announce(role);
		_exit(0);
	}
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	return pid;
}

static void leaker(int n, long linger_ms)
{
	pid_t kids[64];
	int release[2];
	char c;

	announce("rw-leaker");
	if (pipe(release))
		_exit(1);
	/* The children wait for the pipe's end, so all die at the same moment. */
	for (int i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			close(release[1]);
			announce("rw-lchild");
			while (read(release[0], &c, 1) > 0)
				;
			_exit(0);
		}
		if (kids[i] < 0)
			_exit(1);
	}
	close(release[0]);
	close(release[1]);
	for (int i = 0; i < n; i++)
		until_zombie(kids[i]);
	sleep_ms(linger_ms);
	_exit(0);
}

static void waiter(long delay_ms)
{
	pid_t kid;

	announce("rw-waiter");
	kid = spawn_exiting("rw-wchild");
	until_zombie(kid);
	sleep_ms(delay_ms);
	waitpid(kid, NULL, 0);
	_exit(0);
}

static void init(int go, int n, long linger_ms, long delay_ms)
{
	char c;

	/* Start only once the tracer is ready. */
	if (read(go, &c, 1) != 1)
		_exit(1);
	close(go);
	announce("rw-init");
	if (fork() == 0)
		leaker(n, linger_ms);
	if (fork() == 0)
		waiter(delay_ms);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	_exit(0);
}

int main(int argc, char **argv)
{
	long linger_ms = 1500, delay_ms = 200;
	int n = 3, opt, status, go[2];
	struct stat st;
	char line[16];
	pid_t pid;

	while ((opt = getopt(argc, argv, "n:l:w:")) != -1) {
		switch (opt) {
		case 'n': n = num(optarg, 1, 64); break;
		case 'l': linger_ms = num(optarg, 0, 600000); break;
		case 'w': delay_ms = num(optarg, 0, 600000); break;
		default: usage();
		}
	}
	if (pipe(go) || unshare(CLONE_NEWPID)) {
		perror("leaker: a new pid namespace");
		return 1;
	}
	/* From here on _exit(): after unshare(CLONE_NEWPID) our forks go into the
	 * namespace, whose init is gone at the end, and the exit-time leak check
	 * of LeakSanitizer (make sanitize) cannot fork its helper there. */
	/* The namespace exists for /proc once its init does. */
	pid = fork();
	if (pid == 0) {
		close(go[1]);
		init(go[0], n, linger_ms, delay_ms);
	}
	if (pid < 0 || stat("/proc/self/ns/pid_for_children", &st)) {
		perror("leaker: a new pid namespace");
		_exit(1);
	}
	close(go[0]);
	printf("pidns %lu\n", (unsigned long)st.st_ino);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin) || write(go[1], "g", 1) != 1)
		_exit(1);
	close(go[1]);
	announce("leaker");
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "leaker: rw-init failed\n");
		_exit(1);
	}
	_exit(0);
}
