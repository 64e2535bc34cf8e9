// SPDX-License-Identifier: Apache-2.0
/*
 * pause: the first process of a pod sandbox. It holds the sandbox's
 * namespaces by simply living, reaps every zombie it inherits, and exits 0
 * on SIGINT or SIGTERM. It behaves like registry.k8s.io/pause, plus:
 *
 *   -l, --log-reaps      one stderr line per reaped process (env PAUSE_LOG_REAPS=1)
 *   -g, --grace SECONDS  on SIGINT/SIGTERM, SIGTERM every remaining process,
 *                        wait up to SECONDS for them, then SIGKILL the rest
 *                        (env PAUSE_GRACE=SECONDS; default 0: exit at once)
 *   -- CMD [ARG...]      init mode: run CMD, forward signals to it, reap
 *                        everything, exit with CMD's status
 *   -v                   print the version and exit (anywhere before "--")
 *
 * Unknown arguments are ignored, as the original does. When pause is not
 * PID 1 it says so and becomes a child subreaper instead.
 *
 * Exit codes:
 *   0      -v; or SIGINT/SIGTERM received (after the grace period, if any)
 *   1      signals could not be set up (sigprocmask or sigaction failed)
 *   2      init mode: the pipe or fork to start CMD failed
 *   N      init mode: CMD exited with N
 *   126    init mode: CMD was found but could not be executed
 *   127    init mode: CMD was not found
 *   128+n  init mode: CMD was killed by signal n
 *
 * All signals are blocked and taken synchronously with sigtimedwait(), so no
 * work happens in signal handlers and an idle pause never wakes up. It uses
 * no stdio and no malloc, so that a static musl build stays a few KiB.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "unknown"
#endif

#define MAX_GRACE 86400		/* seconds; longer is surely a typo */
#define KILL_ROUNDS 50		/* after the grace period: SIGKILL rounds, each */
#define KILL_ROUND_MS 100	/* waiting this long at most for an exit */
#define POLL_MS 100		/* grace period: how often to look for leftovers */

struct opts {
	bool log_reaps;
	unsigned grace;		/* seconds; 0 exits at once, like the original */
	char **cmd;		/* init mode: the argv after "--"; else NULL */
};

static bool am_init;		/* we are PID 1 of our PID namespace */
static pid_t child;		/* init mode: CMD's pid */
static int child_status = -1;	/* init mode: CMD's wait status once reaped */
static sigset_t old_mask;	/* restored for CMD */

/* --- output without stdio ----------------------------------------------- */

/* say("a", "b"...): one stderr line; one write(2) so lines never mix. */
#define say(...) say_strs(__VA_ARGS__, (const char *)NULL)
static void say_strs(const char *s, ...)
{
	char buf[256];
	size_t len = 0;
	int saved = errno;
	va_list ap;

	va_start(ap, s);
	for (; s; s = va_arg(ap, const char *))
		while (*s && len < sizeof(buf) - 1)
			buf[len++] = *s++;
	va_end(ap);
	buf[len++] = '\n';
	while (write(STDERR_FILENO, buf, len) < 0 && errno == EINTR)
		;
	errno = saved;
}

/* Decimal text of n in buf (at least 12 bytes); returns buf. */
static char *num(char *buf, int n)
{
	char tmp[12];
	int i = sizeof(tmp);
	unsigned u = n < 0 ? -(unsigned)n : (unsigned)n;

	tmp[--i] = '\0';
	do
		tmp[--i] = '0' + u % 10;
	while (u /= 10);
	if (n < 0)
		tmp[--i] = '-';
	return memcpy(buf, tmp + i, sizeof(tmp) - i);
}

/* "/proc/PID/NAME" in buf (at least 40 bytes); returns buf. */
static char *proc_path(char *buf, pid_t pid, const char *name)
{
	char n[12];

	/* NOLINTBEGIN(clang-analyzer-security.insecureAPI.strcpy): bounded, at
	 * most 6 + 11 + 1 + 4 ("stat", "comm") + 1 bytes */
	strcpy(buf, "/proc/");
	strcat(buf, num(n, pid));
	strcat(buf, "/");
	return strcat(buf, name);
	/* NOLINTEND(clang-analyzer-security.insecureAPI.strcpy) */
}

/* --- arguments ---------------------------------------------------------- */

/* The original prints the version if any argument is -v, in any case. */
static bool wants_version(char **argv)
{
	for (int i = 1; argv[i] && strcmp(argv[i], "--"); i++)
		if (!strcasecmp(argv[i], "-v") || !strcmp(argv[i], "--version"))
			return true;
	return false;
}

/* A bad value is reported and ignored: a typo must not stop the sandbox. */
static void set_grace(struct opts *o, const char *s, const char *what)
{
	unsigned long v = 0;
	const char *p = s;

	if (!s)
		return;
	for (; *p >= '0' && *p <= '9' && v <= MAX_GRACE; p++)
		v = v * 10 + (*p - '0');
	if (p == s || *p || v > MAX_GRACE) {
		say("pause: ignoring ", what, " '", s, "': want 0 to 86400 seconds");
		return;
	}
	o->grace = v;
}

/* Environment first, so that arguments win. */
static void parse_args(char **argv, struct opts *o)
{
	const char *log = getenv("PAUSE_LOG_REAPS");

	o->log_reaps = log && *log && strcmp(log, "0");
	set_grace(o, getenv("PAUSE_GRACE"), "PAUSE_GRACE");
	for (int i = 1; argv[i]; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			o->cmd = argv[i + 1] ? argv + i + 1 : NULL;
			return;
		}
		if (!strcmp(a, "-l") || !strcmp(a, "--log-reaps"))
			o->log_reaps = true;
		else if ((!strcmp(a, "-g") || !strcmp(a, "--grace")) && argv[i + 1])
			set_grace(o, argv[++i], a);
		else if (!strncmp(a, "--grace=", 8))
			set_grace(o, a + 8, "--grace");
		/* Anything else is ignored, as the original does. */
	}
}

/* --- /proc, only for the reap log and killing descendants --------------- */

/*
 * /proc may be missing, or mounted for another PID namespace (unshare
 * --pid without --mount-proc): then its PIDs are not ours, and reading
 * them would name or kill the wrong processes. Checked once, when needed.
 */
static bool proc_is_ours(void)
{
	static int ours = -1;

	if (ours < 0) {
		char buf[16], me[12];
		ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);

		buf[n > 0 ? n : 0] = '\0';
		ours = !strcmp(buf, num(me, getpid()));
	}
	return ours;
}

/* Read up to size-1 bytes of /proc/PID/NAME as a string; false if none. */
static bool read_proc(pid_t pid, const char *name, char *buf, size_t size)
{
	char path[40];
	ssize_t n = -1;
	int fd;

	if (!proc_is_ours())
		return false;
	fd = open(proc_path(path, pid, name), O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, size - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
	return n > 0;
}

/* The parent of pid, from /proc/PID/stat; -1 if unknown. */
static pid_t parent_of(pid_t pid)
{
	char buf[128];	/* "pid (comm) state ppid" fits: comm is 15 bytes */
	char *p;

	if (!read_proc(pid, "stat", buf, sizeof(buf)))
		return -1;
	p = strrchr(buf, ')');	/* comm may itself contain ')' */
	if (!p || strlen(p) < 5)
		return -1;
	return atoi(p + 4);	/* skip ") S " */
}

static bool is_descendant(pid_t pid, pid_t self)
{
	for (int hops = 0; pid > 1 && hops < 4096; hops++) {
		pid = parent_of(pid);
		if (pid == self)
			return true;
	}
	return false;
}

/* Signal every descendant; false if /proc cannot list them. */
static bool kill_descendants(int sig)
{
	struct dirent64_ {	/* what getdents64 returns; libcs disagree on its name */
		uint64_t ino;
		int64_t off;
		unsigned short reclen;
		unsigned char type;
		char name[];
	} *d;
	char buf[4096];
	pid_t self = getpid();
	long n;
	int fd;

	if (!proc_is_ours())
		return false;
	fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < n; off += d->reclen) {
			pid_t pid;

			d = (struct dirent64_ *)(buf + off);
			pid = atoi(d->name);
			if (pid > 0 && pid != self && is_descendant(pid, self))
				kill(pid, sig);
		}
	close(fd);
	return true;
}

/*
 * As PID 1, kill(-1) reaches every other process of the namespace. Anywhere
 * else kill(-1) would hit all of the user's processes, so only our own
 * descendants are signalled; without /proc, at least CMD in init mode.
 */
static void kill_all(int sig)
{
	if (am_init)
		kill(-1, sig);
	else if (!kill_descendants(sig) && child > 0)
		kill(child, sig);
}

/* --- reaping ------------------------------------------------------------ */

static void log_reap(pid_t pid, const char *comm, int status)
{
	char p[12], n[12];

	if (WIFSIGNALED(status))
		say("pause: reaped ", num(p, pid), " (", comm, "): signal ",
		    num(n, WTERMSIG(status)), WCOREDUMP(status) ? " (core dumped)" : "");
	else
		say("pause: reaped ", num(p, pid), " (", comm, "): exit ",
		    num(n, WEXITSTATUS(status)));
}

/* Like waitpid(-1, status, WNOHANG), but names the zombie in the log first. */
static pid_t reap_one_logged(int *status)
{
	siginfo_t si = { 0 };
	char comm[17];
	pid_t pid;

	/* WNOWAIT leaves the zombie in place, so its /proc entry can be read. */
	if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return -1;
	if (si.si_pid == 0)
		return 0;
	if (read_proc(si.si_pid, "comm", comm, sizeof(comm)))
		comm[strcspn(comm, "\n")] = '\0';
	else
		strcpy(comm, "?");
	pid = waitpid(si.si_pid, status, WNOHANG);
	if (pid > 0)
		log_reap(pid, comm, *status);
	return pid;
}

/*
 * Reap every child that has exited: one SIGCHLD may stand for many exits.
 * Returns true when no children are left at all.
 */
static bool reap_all(bool log)
{
	for (;;) {
		int status;
		pid_t pid = log ? reap_one_logged(&status) : waitpid(-1, &status, WNOHANG);

		if (pid == 0)
			return false;
		if (pid < 0)
			return errno != EINTR;	/* ECHILD: none left */
		if (pid == child)
			child_status = status;
	}
}

/* The shell's convention: the exit code, or 128 + the killing signal. */
static int exit_code(int status)
{
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* --- setup -------------------------------------------------------------- */

/*
 * Block every signal and take them with sigtimedwait(). The kernel still
 * kills us on a real fault, and blocked signals are queued even for PID 1.
 */
static int setup_signals(sigset_t *all)
{
	/* An inherited SIG_IGN would make the kernel reap our children unseen;
	 * SA_NOCLDSTOP: a child stopping is no reason to wake up. */
	struct sigaction chld = { .sa_handler = SIG_DFL, .sa_flags = SA_NOCLDSTOP };

	/* Every signal: sigfillset() and sigprocmask() leave out the ones libc
	 * keeps for itself (musl 32-34, glibc 32-33), and those would then
	 * kill a pause that is not PID 1 (34 is SIGRTMIN to glibc programs). */
	memset(all, 0xff, sizeof(*all));
	if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, all, &old_mask, _NSIG / 8) < 0)
		return -1;
	return sigaction(SIGCHLD, &chld, NULL);
}

/*
 * Init mode: start CMD with the signal mask we were given. An exec failure
 * comes back through a close-on-exec pipe (EOF means exec worked), so the
 * exit code says exactly why: 127 not found, 126 not executable. vfork:
 * the child only execs or reports, and musl's fork() costs 2 KiB of locks.
 * Returns 0, or the exit code to fail with.
 */
static int spawn(char **cmd)
{
	int fds[2], err = 0;
	ssize_t n;

	/* NOLINTNEXTLINE(clang-analyzer-security.insecureAPI.vfork): see above */
	if (pipe2(fds, O_CLOEXEC) < 0 || (child = vfork()) < 0) {
		say("pause: cannot start ", cmd[0], ": ", strerror(errno));
		return 2;
	}
	if (child == 0) {
		/* NOLINTNEXTLINE(clang-analyzer-unix.Vfork): the mask is the child's own */
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
		execvp(cmd[0], cmd);
		err = errno;
		(void)!write(fds[1], &err, sizeof(err));
		_exit(err == ENOENT ? 127 : 126);
	}
	close(fds[1]);
	while ((n = read(fds[0], &err, sizeof(err))) < 0 && errno == EINTR)
		;
	close(fds[0]);
	if (n != sizeof(err))
		return 0;
	say("pause: cannot run ", cmd[0], ": ", strerror(err));
	waitpid(child, NULL, 0);
	return err == ENOENT ? 127 : 126;
}

/* --- shutdown ----------------------------------------------------------- */

/*
 * The grace period is over: SIGKILL what is left and reap it. The kill is
 * repeated for anything forked meanwhile, but not forever: a process stuck
 * in the kernel cannot die, and a pause that never exits helps nobody.
 */
static int finish(bool log)
{
	const struct timespec round_time = { 0, KILL_ROUND_MS * 1000000L };
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (int round = 0; round < KILL_ROUNDS; round++) {
		kill_all(SIGKILL);
		if (reap_all(log))
			break;
		sigtimedwait(&chld, NULL, &round_time);
	}
	return child > 0 && child_status >= 0 ? exit_code(child_status) : 0;
}

/* The grace period's end is our own alarm(2), not a SIGALRM someone sent. */
static bool is_deadline(int sig, const siginfo_t *si)
{
	return sig == SIGALRM && si->si_code == SI_KERNEL;
}

/*
 * Pause mode, stopping: has everyone exited? Not PID 1, our descendants are
 * all our children by then (as a subreaper). As PID 1, containers sharing
 * the pod's PID namespace are children of their shim outside it: their exit
 * sends us no SIGCHLD, so kill(-1, 0) is what tells whether any are left.
 */
static bool all_gone(bool log)
{
	return reap_all(log) && !(am_init && kill(-1, 0) == 0);
}

static int serve(const struct opts *o, const sigset_t *all)
{
	const struct timespec poll_time = { 0, POLL_MS * 1000000L };
	bool stopping = false;

	for (;;) {
		siginfo_t si;
		/* Idle: no timeout, so no wake-ups. Stopping: poll for all_gone(). */
		int sig = sigtimedwait(all, &si, stopping ? &poll_time : NULL);

		if (stopping && is_deadline(sig, &si))
			return finish(o->log_reaps);
		if (sig == SIGCHLD) {
			reap_all(o->log_reaps);
			if (child > 0 && child_status >= 0)
				return exit_code(child_status);
		} else if (sig > 0 && child > 0) {
			kill(child, sig);	/* init mode: CMD decides */
		} else if ((sig == SIGINT || sig == SIGTERM) && !stopping) {
			say("Shutting down, got signal: ",
			    sig == SIGINT ? "Interrupt" : "Terminated");
			if (!o->grace)
				return 0;
			kill_all(SIGTERM);
		}		/* every other signal is ignored, like the original */

		/* The first SIGINT/SIGTERM starts the grace period, if any. */
		if ((sig == SIGINT || sig == SIGTERM) && o->grace && !stopping) {
			alarm(o->grace);
			stopping = true;
		}
		if (stopping && child == 0 && all_gone(o->log_reaps))
			return 0;
	}
}

int main(int argc, char **argv)
{
	static const char version[] = "pause.c " VERSION "\n";
	struct opts o = { 0 };
	sigset_t all;
	int err;

	(void)argc;
	if (wants_version(argv)) {
		(void)!write(STDOUT_FILENO, version, sizeof(version) - 1);
		return 0;
	}
	parse_args(argv, &o);
	if (setup_signals(&all) < 0) {
		say("pause: cannot set up signals: ", strerror(errno));
		return 1;
	}
	am_init = getpid() == 1;
	if (!am_init) {
		/* Not an error: pause sees use outside of infra containers. */
		say("Warning: pause should be the first process");
		/* Orphans of our descendants then come to us, not to init. */
		if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
			say("pause: cannot become a subreaper: ", strerror(errno));
	}
	if (o.cmd && (err = spawn(o.cmd)))
		return err;
	return serve(&o, &all);
}
