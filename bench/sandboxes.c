// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sandboxes: a node's worth of pod sandboxes, with zombies, for the scale
 * benchmark.
 *
 *   sandboxes [-n SANDBOXES] [-z ZOMBIES] [-p PAUSE]
 *
 * Makes SANDBOXES pid namespaces (default 1000), each with PAUSE (default
 * build/pause) as its PID 1 and one "leaker" process that has forked
 * ZOMBIES / SANDBOXES children (default 10,000 in all) and never reaps them.
 * Prints "ready sandboxes=N zombies=Z" once every zombie exists, then:
 *
 *   SIGUSR1  each leaker makes one orphan that its sandbox's pause adopts
 *            and reaps (and one more zombie: the orphan's dead parent),
 *            so that a tracer sees N distinct reapers at work;
 *            prints "poked N" when done
 *   SIGTERM, SIGINT
 *            tear down: SIGTERM to every pause; the kernel kills the rest of
 *            each namespace and the dying init reaps it. Prints "done".
 *
 * Exit: 0 after a clean teardown; 1 a clone, fork or pipe failed (what was
 * made is torn down); 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct sandbox {
	pid_t init;   /* global pid of the namespace's PID 1 (pause) */
	pid_t leaker; /* global pid of its leaker, from /proc/INIT/task/INIT/children */
};

/* A child that exits at once, left unreaped. vfork: page tables are costly
 * to copy here; its own frame, so that no variable of the caller's can be
 * clobbered while the child borrows the stack. */
static __attribute__((noinline)) int zombie(void)
{
	siginfo_t si;
	pid_t pid = vfork(); // NOLINT(clang-analyzer-security.insecureAPI.vfork): the child only exits

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(0);
	/* Wait until it is a zombie, and leave it one. */
	return waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
}

/* The leaker: ZPER zombies, then one orphan per SIGUSR1, until killed. */
static void leaker(long zper, int ready)
{
	sigset_t set;
	int sig;

	prctl(PR_SET_NAME, "leaker");
	for (long i = 0; i < zper; i++)
		if (zombie() < 0)
			_exit(1);
	if (write(ready, "z", 1) != 1)
		_exit(1);
	close(ready);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	for (;;) {
		int p[2];
		pid_t mid;

		if (sigwait(&set, &sig))
			continue;
		/* mid forks an orphan that exits once mid is gone; mid is never
		 * reaped (one more zombie), the orphan goes to pause. */
		if (pipe(p) < 0)
			continue;
		mid = fork();
		if (mid == 0) {
			if (fork() == 0) {
				char c;

				close(p[1]);
				while (read(p[0], &c, 1) > 0)
					;
				_exit(0);
			}
			_exit(0);
		}
		close(p[0]);
		close(p[1]);
	}
}

/* PID 1 of a new namespace: start the leaker, then become pause. */
static void sandbox_init(const char *pause, long zper, int ready)
{
	char *argv[] = { (char *)pause, NULL };
	pid_t pid = fork();

	if (pid < 0)
		_exit(1);
	if (pid == 0)
		leaker(zper, ready);
	close(ready);
	/* pause blocks every signal itself; the mask we pass it is irrelevant. */
	execv(pause, argv);
	_exit(127);
}

static pid_t first_child(pid_t pid)
{
	char path[64], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return atoi(buf);
}

static long arg(const char *s, long min, long max)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s && !*end && v >= min && v <= max ? v : -1;
}

int main(int argc, char **argv)
{
	long n = 1000, zombies = 10000, made = 0, got = 0;
	const char *pause = "build/pause";
	struct sandbox *sb;
	sigset_t set;
	int ready[2], sfd, opt, err = 0, devnull;

	while ((opt = getopt(argc, argv, "n:z:p:")) != -1) {
		switch (opt) {
		case 'n':
			n = arg(optarg, 1, 100000);
			break;
		case 'z':
			zombies = arg(optarg, 0, 1000000);
			break;
		case 'p':
			pause = optarg;
			break;
		default:
			n = -1;
		}
		if (n < 0 || zombies < 0)
			goto usage;
	}
	if (optind != argc)
		goto usage;
	if (access(pause, X_OK)) {
		fprintf(stderr, "sandboxes: %s: %s\n", pause, strerror(errno));
		return 1;
	}
	sb = calloc(n, sizeof(*sb));
	if (!sb || pipe2(ready, O_CLOEXEC) < 0) {
		free(sb);
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	for (made = 0; made < n; made++) {
		long zper = zombies / n + (made < zombies % n);
		/* fork-like clone into a new pid namespace: we are its parent. */
		pid_t pid = syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);

		if (pid < 0) {
			fprintf(stderr, "sandboxes: clone: %s\n", strerror(errno));
			err = 1;
			break;
		}
		if (pid == 0) {
			close(ready[0]);
			/* keep pause's stderr quiet; its stdin is ours */
			dup2(devnull, 2);
			/* the leaker writes to fd 3 */
			if (dup2(ready[1], 3) < 0)
				_exit(1);
			close(ready[1]);
			close(sfd);
			sandbox_init(pause, zper, 3);
		}
		sb[made].init = pid;
	}
	close(ready[1]);
	/* One byte per leaker once its zombies exist; EOF if all died. */
	while (!err && got < made) {
		char buf[256];
		ssize_t r = read(ready[0], buf, sizeof(buf));

		if (r <= 0) {
			err = 1;
			break;
		}
		got += r;
	}
	for (long i = 0; i < made; i++)
		sb[i].leaker = first_child(sb[i].init);
	if (!err) {
		printf("ready sandboxes=%ld zombies=%ld\n", made, zombies);
		fflush(stdout);
	}
	while (!err) {
		struct signalfd_siginfo si;

		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			break;
		if (si.ssi_signo == SIGUSR1) {
			long poked = 0;

			for (long i = 0; i < made; i++)
				poked += sb[i].leaker && !kill(sb[i].leaker, SIGUSR1);
			printf("poked %ld\n", poked);
			fflush(stdout);
		}
		/* SIGCHLD: a pause died early; the teardown will count it. */
	}
	for (long i = 0; i < made; i++)
		kill(sb[i].init, SIGTERM);
	for (long i = 0; i < made; i++)
		while (waitpid(sb[i].init, NULL, 0) < 0 && errno == EINTR)
			;
	printf("done\n");
	free(sb);
	return err;
usage:
	fprintf(stderr, "usage: sandboxes [-n SANDBOXES] [-z ZOMBIES] [-p PAUSE]\n");
	return 2;
}
