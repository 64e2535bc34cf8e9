// zombie_demo: leave orphans behind, like the demo in the pause articles.
//
// The parent forks N children, prints their pids and exits without waiting
// for them. Each child is now an orphan: the kernel reparents it to the
// nearest subreaper in its pid namespace or to the namespace's init (in a
// pod: pause, PID 1). The child lives a moment, then exits; until its new
// parent calls wait() it is a zombie.
//
//   zombie_demo [-n N] [-s MS] [-w] [-x CODE] [-p FILE]
//     -n N     children to orphan (default 1)
//     -s MS    each child lives MS milliseconds (default 5000)
//     -w       the child waits for SIGUSR1 (or SIGTERM) instead; -s bounds it
//     -x CODE  the child's exit status (default 0)
//     -p FILE  also write the children's pids to FILE, one a line
//
// Output (stdout, flushed before the parent exits):
//   zombie_demo: parent PID=<p> child PID=<c>      one line per child
// Children close stdio at once so a `podman exec` or pipe reading the
// parent's output sees EOF when the parent exits. A child names itself
// "orphan" (comm), so ps in the pod and the host shows which one it is.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr, "usage: zombie_demo [-n N] [-s MS] [-w] [-x CODE] [-p FILE]\n");
	exit(2);
}

static long num(const char *s, long lo, long hi)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		usage();
	return v;
}

static void child(long ms, int wait_sig, int code)
{
	int fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	prctl(PR_SET_NAME, "orphan", 0, 0, 0);
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	if (wait_sig) {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigaddset(&set, SIGTERM);
		// Blocked before fork by the parent, so no signal is lost.
		while (sigtimedwait(&set, NULL, &ts) < 0 && errno == EINTR)
			;
	} else {
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	_exit(code);
}

int main(int argc, char **argv)
{
	long n = 1, ms = 5000;
	int wait_sig = 0, code = 0, opt;
	const char *pidfile = NULL;

	while ((opt = getopt(argc, argv, "n:s:wx:p:h")) != -1) {
		switch (opt) {
		case 'n': n = num(optarg, 1, 10000); break;
		case 's': ms = num(optarg, 0, 86400000L); break;
		case 'w': wait_sig = 1; break;
		case 'x': code = (int)num(optarg, 0, 255); break;
		case 'p': pidfile = optarg; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();

	FILE *pf = NULL;
	if (pidfile && !(pf = fopen(pidfile, "w"))) {
		perror(pidfile);
		return 1;
	}
	if (wait_sig) {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigaddset(&set, SIGTERM);
		sigprocmask(SIG_BLOCK, &set, NULL);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0)
			child(ms, wait_sig, code); // _exit()s: inherited buffers stay unflushed

		printf("zombie_demo: parent PID=%d child PID=%d\n", (int)getpid(), (int)pid);
		if (pf)
			fprintf(pf, "%d\n", (int)pid);
	}
	if (pf && fclose(pf) != 0) {
		perror(pidfile);
		return 1;
	}
	// Exit without wait(): the children are orphans now.
	return 0;
}
