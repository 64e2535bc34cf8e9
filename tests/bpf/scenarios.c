// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The reapwatch BPF programs on the real kernel, scenario by scenario.
 *
 * Each scenario runs as PID 1 of a fresh pid namespace ("the scene") and
 * reapwatch is loaded filtered to that namespace, so nothing else on the
 * machine shows up. The scene tells the test, through a pipe, the facts it
 * knows (pids as it sees them); the test then drains the ring buffer and
 * asserts exact events. Every trigger is synchronous: fork, exit, wait.
 *
 *   scenarios [PAUSE_BINARY]     prints "ok - name" / "not ok - name: why"
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "loader.h"

#define MAX_EVENTS 32768
#define MS 1000000ull

static struct rw_event events[MAX_EVENTS];
static int nevents;
static int failures;
static const char *pause_bin = "build/pause";

static int collect(void *ctx, const struct rw_event *e)
{
	(void)ctx;
	if (nevents < MAX_EVENTS)
		events[nevents++] = *e;
	return 0;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* --- the scene: a process that is PID 1 of its own pid namespace ------------ */

struct scene {
	pid_t pid;       /* the scene's init, as the test sees it */
	__u32 pidns;     /* its namespace inode */
	int facts;       /* read end: what the scene reports */
	int go;          /* write end: tell the scene to start */
	struct rw_loader *rw;
};

static int facts_fd = -1; /* in the scene: write end */
static int go_fd = -1;    /* in the scene: read end of "go" */

/* In the scene: report a fact (a number) to the test. */
static void tell(long v)
{
	if (write(facts_fd, &v, sizeof(v)) != sizeof(v))
		_exit(90);
}

/* In the test: the next fact, or -1 if the scene ended without telling. */
static long heard(struct scene *s)
{
	long v;

	return read(s->facts, &v, sizeof(v)) == sizeof(v) ? v : -1;
}

/* Block until @pid is a zombie, without reaping it. */
static void await_zombie(pid_t pid)
{
	siginfo_t si;

	while (waitid(P_PID, pid, &si, WEXITED | WNOWAIT) && errno == EINTR)
		;
}

/* Fork a scene running @body as PID 1 of a new pid namespace, load
 * reapwatch filtered to that namespace, then let the scene run. */
static int start_scene(struct scene *s, void (*body)(void), __u64 ringbuf)
{
	int facts[2], go[2], child_pipe[2];
	struct rw_load_opts o = { .ringbuf_bytes = ringbuf, .no_exact = getenv("RW_NO_EXACT") != NULL };
	char path[64], err[256];
	struct stat st;
	pid_t helper;

	if (pipe(facts) || pipe(go) || pipe(child_pipe))
		return -1;
	helper = fork();
	if (helper == 0) {
		/* unshare(CLONE_NEWPID) affects children only: the next fork is PID 1. */
		if (unshare(CLONE_NEWPID))
			_exit(91);
		pid_t init = fork();
		if (init == 0) {
			char c;

			close(facts[0]);
			close(go[1]);
			facts_fd = facts[1];
			go_fd = go[0];
			if (read(go[0], &c, 1) != 1)
				_exit(92);
			body();
			_exit(0);
		}
		if (write(child_pipe[1], &init, sizeof(init)) != sizeof(init))
			_exit(93);
		_exit(0);
	}
	close(facts[1]);
	close(go[0]);
	close(child_pipe[1]);
	if (read(child_pipe[0], &s->pid, sizeof(s->pid)) != sizeof(s->pid))
		return -1;
	close(child_pipe[0]);
	waitpid(helper, NULL, 0);
	s->facts = facts[0];
	s->go = go[1];

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", s->pid);
	if (stat(path, &st))
		return -1;
	s->pidns = st.st_ino;
	o.filter.pidns = s->pidns;
	nevents = 0;
	if (rw_load(&o, collect, NULL, &s->rw, err, sizeof(err))) {
		fprintf(stderr, "load: %s\n", err);
		return -1;
	}
	return write(s->go, "g", 1) == 1 ? 0 : -1;
}

/* Wait for the scene's init to end and reap it (we are a subreaper, so it
 * was handed to us when its short-lived parent exited), then drain. */
static void end_scene(struct scene *s)
{
	waitpid(s->pid, NULL, 0);
	rw_consume(s->rw);
	close(s->facts);
	close(s->go);
}

static void stop_scene(struct scene *s)
{
	rw_unload(s->rw);
	s->rw = NULL;
}

/* --- assertions -------------------------------------------------------------- */

/* check(COND, NAME, FMT, ...): true when COND holds, else prints "not ok"
 * and is false. A macro, so that static analysis sees COND itself. */
#define check(cond, name, ...) ((cond) ? true : (check_failed(name, __VA_ARGS__), false))
static void check_failed(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void check_failed(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("not ok - %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failures++;
}

static int count_events(__u32 type, __u32 nspid)
{
	int n = 0;

	for (int i = 0; i < nevents; i++)
		n += events[i].type == type && (!nspid || events[i].nspid == nspid);
	return n;
}

static const struct rw_event *find(__u32 type, __u32 nspid)
{
	for (int i = 0; i < nevents; i++)
		if (events[i].type == type && events[i].nspid == nspid)
			return &events[i];
	return NULL;
}

static void dump_events(void)
{
	for (int i = 0; i < nevents; i++)
		fprintf(stderr, "  ev type=%u pid=%u nspid=%u ppid=%u reaper=%u via=%u dur=%llu "
			"flags=%x status=%x comm=%s\n", events[i].type, events[i].pid,
			events[i].nspid, events[i].ppid, events[i].reaper_pid, events[i].via,
			(unsigned long long)events[i].duration_ns, events[i].flags,
			events[i].status, events[i].comm);
}

/* A scene's init is nspid 1; its global pid is s->pid. */
static __u32 global_of(__u32 nspid)
{
	for (int i = 0; i < nevents; i++)
		if (events[i].nspid == nspid)
			return events[i].pid;
	return 0;
}

/* --- scenarios ---------------------------------------------------------------- */

#define DELAY_MS 50
/* A waiter already blocked in wait() is woken by the SIGCHLD; under load its
 * wake-up can take a few ms: latencies of such reaps stay under this.
 * RW_WAKEUP_MS widens it where wake-ups are slow for reasons not ours: the
 * emulated guest of tests/test_kernels.sh, whose one vCPU is a host thread. */
static unsigned long wakeup_ms = 10;

enum wait_kind { W_WAIT4, W_WAITID, W_WNOWAIT_THEN_WAITID };
static enum wait_kind wait_kind;

/* A child exits with 5; its parent (the scene init) reaps it DELAY_MS later.
 * It tells what bounds the true latency: from seeing the zombie to calling
 * wait (a lower bound), and from the child's last instant before _exit to
 * wait's return (an upper bound). */
static void scene_delayed_wait(void)
{
	__u64 *exiting = mmap(NULL, sizeof(__u64), PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t c = fork();
	siginfo_t si;
	__u64 seen, waited;

	if (c == 0) {
		*exiting = now_ns();
		_exit(5);
	}
	await_zombie(c);
	seen = now_ns();
	sleep_ms(DELAY_MS);
	waited = now_ns();
	if (wait_kind == W_WNOWAIT_THEN_WAITID) {
		waitid(P_PID, c, &si, WEXITED | WNOWAIT);
		waitid(P_PID, c, &si, WEXITED);
	} else if (wait_kind == W_WAITID) {
		waitid(P_PID, c, &si, WEXITED);
	} else {
		waitpid(c, NULL, 0);
	}
	tell(c);
	tell(waited - seen);
	tell(now_ns() - *exiting);
}

static void test_delayed_wait(const char *name, enum wait_kind kind, __u32 via)
{
	struct scene s = {};
	const struct rw_event *ex, *rp;
	long child, delay, most;

	wait_kind = kind;
	if (!check(start_scene(&s, scene_delayed_wait, 0) == 0, name, "cannot start the scene"))
		return;
	child = heard(&s);
	delay = heard(&s);
	most = heard(&s);
	end_scene(&s);
	ex = find(RW_EV_EXIT, child);
	rp = find(RW_EV_REAP, child);
	if (check(ex && rp, name, "missing exit or reap of child %ld", child) &&
	    check(count_events(RW_EV_EXIT, child) == 1 && count_events(RW_EV_REAP, child) == 1,
		  name, "want 1 exit and 1 reap, got %d and %d", count_events(RW_EV_EXIT, child),
		  count_events(RW_EV_REAP, child)) &&
	    check((ex->status >> 8) == 5 && ex->ppid == (__u32)s.pid, name,
		  "exit status %#x ppid %u, want code 5 ppid %d", ex->status, ex->ppid, s.pid) &&
	    check(rp->via == via && rp->reaper_pid == (__u32)s.pid, name,
		  "reap via %u by %u, want via %u by %d", rp->via, rp->reaper_pid, via, s.pid) &&
	    check(rp->duration_ns >= (__u64)delay && rp->duration_ns <= (__u64)most, name,
		  "latency %.3f ms outside [%.3f, %.3f] ms (waited .. exit to reaped)",
		  rp->duration_ns / 1e6, delay / 1e6, most / 1e6) &&
	    check(rp->duration_ns < (__u64)delay + wakeup_ms * MS, name,
		  "latency %.3f ms, more than %lu ms over the %.3f ms waited",
		  rp->duration_ns / 1e6, wakeup_ms, delay / 1e6) &&
	    check(!(rp->flags & RW_F_APPROX), name, "zombie time is approximate") &&
	    check(ex->pidns == s.pidns && rp->pid == ex->pid && rp->start_ns == ex->start_ns,
		  name, "pidns/pid/start mismatch"))
		printf("ok - %s (waited %.2f ms, latency %.2f ms)\n", name, delay / 1e6,
		       rp->duration_ns / 1e6);
	else
		dump_events();
	stop_scene(&s);
}

/* R (a subreaper) forks A, A forks B, A exits: B goes to R, not to init. */
static void scene_subreaper(void)
{
	int hold[2];
	pid_t r, a, b;

	if (pipe(hold))
		_exit(80);
	r = fork();
	if (r == 0) {
		int via[2];

		prctl(PR_SET_CHILD_SUBREAPER, 1);
		if (pipe(via))
			_exit(81);
		a = fork();
		if (a == 0) {
			b = fork();
			if (b == 0) {
				char c;

				close(hold[1]);
				if (read(hold[0], &c, 1) < 0)
					_exit(82);
				_exit(0);
			}
			if (write(via[1], &b, sizeof(b)) != sizeof(b))
				_exit(83);
			_exit(0);
		}
		if (read(via[0], &b, sizeof(b)) != sizeof(b))
			_exit(84);
		waitpid(a, NULL, 0);
		tell(getpid());
		tell(a);
		tell(b);
		close(hold[1]); /* B may go now; R reaps it */
		close(hold[0]);
		while (waitpid(-1, NULL, 0) > 0)
			;
		_exit(0);
	}
	close(hold[0]);
	close(hold[1]);
	waitpid(r, NULL, 0);
}

static void test_subreaper(void)
{
	const char *name = "orphan adopted by a subreaper";
	struct scene s = {};
	const struct rw_event *o, *rp;
	long r, a, b;

	if (!check(start_scene(&s, scene_subreaper, 0) == 0, name, "cannot start the scene"))
		return;
	r = heard(&s);
	a = heard(&s);
	b = heard(&s);
	end_scene(&s);
	o = find(RW_EV_ORPHAN, b);
	rp = find(RW_EV_REAP, b);
	if (check(o != NULL, name, "no orphan event for B (nspid %ld)", b) &&
	    check(count_events(RW_EV_ORPHAN, 0) == 1, name, "want exactly 1 orphan event, got %d",
		  count_events(RW_EV_ORPHAN, 0)) &&
	    check(o->ppid == global_of(a) && o->reaper_pid == global_of(r) &&
			  o->reaper_kind == RW_REAPER_SUBREAPER && !(o->flags & RW_F_ZOMBIE),
		  name, "orphan old_ppid %u reaper %u kind %u flags %#x; want %u %u subreaper",
		  o->ppid, o->reaper_pid, o->reaper_kind, o->flags, global_of(a), global_of(r)) &&
	    check(rp && rp->reaper_pid == global_of(r) && rp->via == RW_VIA_WAIT4, name,
		  "B not reaped by R via wait4"))
		printf("ok - %s\n", name);
	else
		dump_events();
	stop_scene(&s);
}

/* B exits and stays a zombie (A never waits); then A exits: B, already dead,
 * is handed to the scene init, which reaps it. */
static void scene_zombie_reparent(void)
{
	int via[2], done[2];
	pid_t a, b;

	if (pipe(via) || pipe(done))
		_exit(80);
	a = fork();
	if (a == 0) {
		b = fork();
		if (b == 0)
			_exit(9);
		await_zombie(b);
		if (write(via[1], &b, sizeof(b)) != sizeof(b))
			_exit(81);
		_exit(0);
	}
	if (read(via[0], &b, sizeof(b)) != sizeof(b))
		_exit(82);
	waitpid(a, NULL, 0);
	/* B is ours now, a zombie: reap it after a known delay. */
	sleep_ms(DELAY_MS);
	waitpid(b, NULL, 0);
	tell(a);
	tell(b);
}

static void test_zombie_reparent(void)
{
	const char *name = "already-zombie child reparented (zombie: true)";
	struct scene s = {};
	const struct rw_event *o, *rp;
	long a, b;

	if (!check(start_scene(&s, scene_zombie_reparent, 0) == 0, name, "cannot start"))
		return;
	a = heard(&s);
	b = heard(&s);
	end_scene(&s);
	o = find(RW_EV_ORPHAN, b);
	rp = find(RW_EV_REAP, b);
	if (check(o && rp, name, "missing orphan or reap of B") &&
	    check(o->flags & RW_F_ZOMBIE, name, "orphan not marked zombie") &&
	    check(o->ppid == global_of(a) && o->reaper_pid == (__u32)s.pid &&
			  o->reaper_kind == RW_REAPER_PIDNS_INIT,
		  name, "orphan %u -> %u kind %u", o->ppid, o->reaper_pid, o->reaper_kind) &&
	    check(rp->reaper_pid == (__u32)s.pid && rp->duration_ns >= DELAY_MS * MS, name,
		  "reap by %u after %.2f ms", rp->reaper_pid, rp->duration_ns / 1e6))
		printf("ok - %s\n", name);
	else
		dump_events();
	stop_scene(&s);
}

/* A thread forks C and exits while its process lives on: C passes to a
 * sibling thread, which is not an orphaning. */
static int thread_hold[2];
static pid_t thread_child;

static void *forking_thread(void *arg)
{
	(void)arg;
	thread_child = fork();
	if (thread_child == 0) {
		char c;

		close(thread_hold[1]);
		if (read(thread_hold[0], &c, 1) < 0)
			_exit(82);
		_exit(0);
	}
	return NULL;
}

static void scene_thread_fork(void)
{
	pthread_t t;

	if (pipe(thread_hold) || pthread_create(&t, NULL, forking_thread, NULL))
		_exit(80);
	pthread_join(t, NULL); /* the thread has exited; C is now the leader's */
	close(thread_hold[1]);
	waitpid(thread_child, NULL, 0);
	tell(thread_child);
}

static void test_thread_fork(void)
{
	const char *name = "thread forks and exits, process lives: no orphan";
	struct scene s = {};
	long c;

	if (!check(start_scene(&s, scene_thread_fork, 0) == 0, name, "cannot start"))
		return;
	c = heard(&s);
	end_scene(&s);
	if (check(c > 0, name, "scene failed") &&
	    check(count_events(RW_EV_ORPHAN, 0) == 0, name, "%d orphan events",
		  count_events(RW_EV_ORPHAN, 0)) &&
	    check(count_events(RW_EV_REAP, c) == 1 && find(RW_EV_REAP, c)->via == RW_VIA_WAIT4,
		  name, "C not reaped once via wait4"))
		printf("ok - %s\n", name);
	else
		dump_events();
	stop_scene(&s);
}

/* A parent that ignores SIGCHLD, or sets SA_NOCLDWAIT: the kernel reaps. */
static bool use_nocldwait;

static void scene_autoreap(void)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };
	pid_t c;

	if (use_nocldwait) {
		sa.sa_handler = SIG_DFL;
		sa.sa_flags = SA_NOCLDWAIT;
	}
	sigaction(SIGCHLD, &sa, NULL);
	c = fork();
	if (c == 0)
		_exit(0);
	/* Returns ECHILD once the kernel has released it. */
	while (waitpid(c, NULL, 0) > 0 || errno == EINTR)
		;
	tell(c);
}

static void test_autoreap(const char *name, bool nocldwait)
{
	struct scene s = {};
	const struct rw_event *rp;
	long c;

	use_nocldwait = nocldwait;
	if (!check(start_scene(&s, scene_autoreap, 0) == 0, name, "cannot start"))
		return;
	c = heard(&s);
	end_scene(&s);
	rp = find(RW_EV_REAP, c);
	if (check(rp != NULL, name, "no reap event") &&
	    check(count_events(RW_EV_REAP, c) == 1, name, "%d reaps",
		  count_events(RW_EV_REAP, c)) &&
	    check(rp->via == RW_VIA_AUTOREAP && rp->duration_ns == 0, name,
		  "via %u latency %llu, want autoreap and 0", rp->via,
		  (unsigned long long)rp->duration_ns))
		printf("ok - %s\n", name);
	else
		dump_events();
	stop_scene(&s);
}

/* The leader of a multi-threaded process exits first; a thread lives on,
 * then ends the process with exit code 7. */
static int leader_hold[2];

static void *late_thread(void *arg)
{
	char c;

	(void)arg;
	if (read(leader_hold[0], &c, 1) < 0)
		_exit(81);
	sleep_ms(DELAY_MS); /* the leader is a zombie-in-waiting meanwhile */
	_exit(7); /* exit_group(7) without atexit: LeakSanitizer cannot stop a zombie leader */
}

static void scene_leader_first(void)
{
	pid_t p = fork();

	if (p == 0) {
		pthread_t t;

		if (pipe(leader_hold) || pthread_create(&t, NULL, late_thread, NULL))
			_exit(80);
		close(leader_hold[1]);
		syscall(SYS_exit, 0); /* only the leader thread exits */
	}
	waitpid(p, NULL, 0);
	tell(p);
}

static void test_leader_first(void)
{
	const char *name = "multi-threaded process whose leader exits first";
	struct scene s = {};
	const struct rw_event *ex, *rp;
	long p;

	if (!check(start_scene(&s, scene_leader_first, 0) == 0, name, "cannot start"))
		return;
	p = heard(&s);
	end_scene(&s);
	ex = find(RW_EV_EXIT, p);
	rp = find(RW_EV_REAP, p);
	if (check(ex && rp, name, "missing exit or reap") &&
	    check(count_events(RW_EV_EXIT, p) == 1, name, "%d exit events",
		  count_events(RW_EV_EXIT, p)) &&
	    check((ex->status >> 8) == 7, name, "status %#x, want exit code 7", ex->status) &&
	    check(ex->duration_ns >= DELAY_MS * MS, name, "lifetime %.2f ms",
		  ex->duration_ns / 1e6) &&
	    check(rp->duration_ns < wakeup_ms * MS && rp->reaper_pid == (__u32)s.pid, name,
		  "reap latency %.2f ms by %u", rp->duration_ns / 1e6, rp->reaper_pid))
		printf("ok - %s\n", name);
	else
		dump_events();
	stop_scene(&s);
}

/* The same global pid twice in a row: A (code 1, reaped late) then B (code 2). */
static int reuse_ctl[2];

static void scene_pid_reuse(void)
{
	for (int attempt = 0; attempt < 20; attempt++) {
		pid_t a = fork(), b;
		long ok = 0;

		if (a == 0)
			_exit(1);
		await_zombie(a);
		sleep_ms(20);
		waitpid(a, NULL, 0);
		/* ns_last_pid of this namespace: the next fork gets a's pid */
		int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY);
		char buf[16];
		int n = snprintf(buf, sizeof(buf), "%d", a - 1);

		if (fd < 0 || write(fd, buf, n) != n)
			_exit(80);
		close(fd);
		b = fork();
		if (b == 0)
			_exit(2);
		waitpid(b, NULL, 0);
		ok = b == a;
		tell(a);
		tell(ok);
		if (ok)
			return;
	}
}

static void test_pid_reuse(void)
{
	const char *name = "a pid reused at once does not mix two processes";
	struct scene s = {};
	long a = -1, ok = 0;

	(void)reuse_ctl;
	if (!check(start_scene(&s, scene_pid_reuse, 0) == 0, name, "cannot start"))
		return;
	while (!ok) {
		a = heard(&s);
		ok = heard(&s);
		if (a < 0 || ok < 0)
			break;
	}
	end_scene(&s);
	/* The last attempt, in order: exit A(1), reap A (>= 20 ms), exit B(2), reap B. */
	const struct rw_event *seq[4] = {};
	int k = 0;

	for (int i = nevents - 1; i >= 0 && k < 4; i--)
		if (events[i].nspid == (__u32)a && events[i].type != RW_EV_ORPHAN)
			seq[3 - k++] = &events[i];
	if (check(ok == 1, name, "could not reuse the pid") &&
	    check(k == 4, name, "%d events for pid %ld, want 4", k, a) &&
	    check(seq[0]->type == RW_EV_EXIT && seq[1]->type == RW_EV_REAP &&
			  seq[2]->type == RW_EV_EXIT && seq[3]->type == RW_EV_REAP,
		  name, "wrong event order") &&
	    check((seq[0]->status >> 8) == 1 && (seq[2]->status >> 8) == 2, name, "exit codes") &&
	    check(seq[0]->start_ns == seq[1]->start_ns && seq[2]->start_ns == seq[3]->start_ns &&
			  seq[0]->start_ns != seq[2]->start_ns,
		  name, "start times mixed") &&
	    check(seq[1]->duration_ns >= 20 * MS && seq[3]->duration_ns < wakeup_ms * MS, name,
		  "latencies A %.2f ms, B %.2f ms", seq[1]->duration_ns / 1e6,
		  seq[3]->duration_ns / 1e6))
		printf("ok - %s\n", name);
	else
		dump_events();
	stop_scene(&s);
}

/* The calling process's global pid: this /proc is the initial namespace's. */
static long global_pid(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long g = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "NSpid: %ld", &g) == 1)
			break;
	if (f)
		fclose(f);
	return g;
}

/* Fork a child that tells its global pid through the pipe @p and exits
 * with @code. */
static pid_t fork_reporting(const int p[2], int code, long *gpid)
{
	pid_t c = fork();

	if (c == 0) {
		long g = global_pid();

		_exit(write(p[1], &g, sizeof(g)) == sizeof(g) ? code : 70);
	}
	if (c < 0 || read(p[0], gpid, sizeof(*gpid)) != sizeof(*gpid))
		_exit(71);
	return c;
}

/* Zombie A waits while children come and go until one, B, gets a global
 * pid with A's recent slot (pid % RW_RECENT_SLOTS): B's exit moves A to the
 * spill part of the table. Both are reaped DELAY_MS later. */
static void make_slot_sharers(pid_t *a_out, pid_t *b_out)
{
	int p[2];
	long ga, g;
	pid_t a, b = -1;
	char go;

	if (pipe(p))
		_exit(72);
	a = fork_reporting(p, 3, &ga);
	await_zombie(a);
	for (int i = 0; i < 4 * 65536 && b < 0; i++) {
		pid_t x = fork_reporting(p, 4, &g);

		if (g % RW_RECENT_SLOTS == ga % RW_RECENT_SLOTS)
			b = x;
		else
			waitpid(x, NULL, 0);
	}
	if (b < 0)
		_exit(73);
	await_zombie(b);
	/* Both zombies now: the test looks at the table, then says go on. */
	tell(a);
	tell(b);
	if (read(go_fd, &go, 1) != 1)
		_exit(74);
	*a_out = a;
	*b_out = b;
}

static void scene_shared_slot(void)
{
	pid_t a, b;
	__u64 seen, waited;

	make_slot_sharers(&a, &b);
	seen = now_ns();
	sleep_ms(DELAY_MS);
	waited = now_ns();
	waitpid(a, NULL, 0);
	waitpid(b, NULL, 0);
	tell(waited - seen);
}

/* Where zombie @nspid of @pidns is in the table user space reads: its slot
 * index, or -1 (*n: the slots it reads now). */
static long table_slot(struct rw_loader *rw, __u32 pidns, __u32 nspid, size_t *n)
{
	const struct rw_proc_state *t = rw_zombie_slots(rw, n);

	for (size_t i = 0; t && i < *n; i++)
		if (t[i].tgid && t[i].tgid != RW_SLOT_BUSY && t[i].pidns == pidns &&
		    t[i].nspid == nspid)
			return (long)i;
	return -1;
}

static void test_shared_slot(void)
{
	const char *name = "two zombies with one recent slot: both timed, one reap each";
	struct scene s = {};
	const struct rw_event *ra, *rb;
	long a, b, delay, at_a, at_b;
	size_t n = 0;

	if (!check(start_scene(&s, scene_shared_slot, 0) == 0, name, "cannot start"))
		return;
	a = heard(&s);
	b = heard(&s);
	at_a = table_slot(s.rw, s.pidns, a, &n);
	at_b = table_slot(s.rw, s.pidns, b, &n);
	if (write(s.go, "g", 1) != 1)
		a = -1;
	delay = heard(&s);
	end_scene(&s);
	ra = find(RW_EV_REAP, a);
	rb = find(RW_EV_REAP, b);
	if (check(a > 0 && b > 0 && delay > 0, name, "the scene found no pid sharing a slot") &&
	    check(n == RW_ZOMBIE_SLOTS && at_a >= RW_RECENT_SLOTS && at_b >= 0 &&
			  at_b < RW_RECENT_SLOTS,
		  name, "user space reads %zu slots and finds A at %ld, B at %ld: want A in the "
		  "spill part, B in the recent one", n, at_a, at_b) &&
	    check(ra && rb && count_events(RW_EV_REAP, a) == 1 &&
			  count_events(RW_EV_REAP, b) == 1 && count_events(RW_EV_EXIT, a) == 1 &&
			  count_events(RW_EV_EXIT, b) == 1,
		  name, "want 1 exit and 1 reap of %ld and of %ld", a, b) &&
	    check(ra->pid % RW_RECENT_SLOTS == rb->pid % RW_RECENT_SLOTS && ra->pid != rb->pid,
		  name, "pids %u and %u do not share a slot", ra->pid, rb->pid) &&
	    check(ra->via == RW_VIA_WAIT4 && rb->via == RW_VIA_WAIT4 &&
			  ra->reaper_pid == (__u32)s.pid && rb->reaper_pid == (__u32)s.pid,
		  name, "reaps via %u/%u by %u/%u, want wait4 by %d", ra->via, rb->via,
		  ra->reaper_pid, rb->reaper_pid, s.pid) &&
	    check(ra->duration_ns > rb->duration_ns && rb->duration_ns >= (__u64)delay &&
			  rb->duration_ns < (__u64)delay + wakeup_ms * MS,
		  name, "latencies A %.3f ms, B %.3f ms; B waited %.3f ms",
		  ra->duration_ns / 1e6, rb->duration_ns / 1e6, delay / 1e6) &&
	    check(!(ra->flags & RW_F_APPROX) && !(rb->flags & RW_F_APPROX), name,
		  "a zombie time is approximate") &&
	    check((find(RW_EV_EXIT, a)->status >> 8) == 3 && (find(RW_EV_EXIT, b)->status >> 8) == 4,
		  name, "exit codes"))
		printf("ok - %s (pids %u and %u)\n", name, ra->pid, rb->pid);
	else
		dump_events();
	stop_scene(&s);
}

/* The scene's init leaves a zombie it never waits for, then exits: the
 * kernel reaps the zombie in zap_pid_ns_processes(), by kernel_wait4(), no
 * system call to see. Only the release backstop can report it. */
static void scene_kernel_reap(void)
{
	pid_t c = fork();
	char go;

	if (c == 0)
		_exit(3);
	await_zombie(c);
	tell(c);
	if (read(go_fd, &go, 1) != 1)
		_exit(94);
}

static void test_kernel_reap(void)
{
	const char *name = "a zombie reaped by its dying namespace: once, via release";
	struct scene s = {};
	const struct rw_event *rp;
	long c, before, after = 0;
	size_t n = 0;

	if (!check(start_scene(&s, scene_kernel_reap, 0) == 0, name, "cannot start"))
		return;
	c = heard(&s);
	before = table_slot(s.rw, s.pidns, c, &n);
	if (write(s.go, "g", 1) != 1)
		c = -1;
	end_scene(&s);
	/* Its task is freed an RCU grace period after the reap: seconds, at
	 * worst, on a VM whose vCPUs the host holds back. */
	for (__u64 deadline = now_ns() + 20000 * MS; now_ns() < deadline; sleep_ms(1)) {
		rw_consume(s.rw);
		if (find(RW_EV_REAP, c))
			break;
	}
	rp = find(RW_EV_REAP, c);
	if (rp)
		after = table_slot(s.rw, s.pidns, c, &n);
	if (check(c > 0 && before >= 0, name, "zombie %ld not in the table", c) &&
	    check(rp != NULL, name, "no reap event for %ld", c) &&
	    check(count_events(RW_EV_REAP, c) == 1 && count_events(RW_EV_EXIT, c) == 1, name,
		  "%d exits and %d reaps, want 1 and 1", count_events(RW_EV_EXIT, c),
		  count_events(RW_EV_REAP, c)) &&
	    check(rp->via == RW_VIA_RELEASE && rp->reaper_pid == (__u32)s.pid, name,
		  "reap via %u by %u, want release by %d", rp->via, rp->reaper_pid, s.pid) &&
	    check(after == -1, name, "its slot %ld is still taken", after))
		printf("ok - %s\n", name);
	else
		dump_events();
	stop_scene(&s);
}

/* The same two zombies, left to the dying namespace: A, moved to the spill
 * part, is counted in "watched_fine" too (RW_F_FINE), which is what the
 * release backstop then reads first. */
static void scene_spilled_kernel_reap(void)
{
	pid_t a, b;

	make_slot_sharers(&a, &b);
}

static void test_spilled_kernel_reap(void)
{
	const char *name = "a moved zombie reaped by its dying namespace: once, via release";
	const struct rw_proc_state *t;
	const struct rw_event *ra, *rb;
	struct scene s = {};
	long a, b, at_a, at_b, left_a = 0, left_b = 0;
	__u16 flags_a = 0, flags_b = 0;
	size_t n = 0;

	if (!check(start_scene(&s, scene_spilled_kernel_reap, 0) == 0, name, "cannot start"))
		return;
	a = heard(&s);
	b = heard(&s);
	at_a = table_slot(s.rw, s.pidns, a, &n);
	at_b = table_slot(s.rw, s.pidns, b, &n);
	t = rw_zombie_slots(s.rw, &n);
	if (t && at_a >= 0 && at_b >= 0) {
		flags_a = t[at_a].flags;
		flags_b = t[at_b].flags;
	}
	if (write(s.go, "g", 1) != 1)
		a = -1;
	end_scene(&s);
	/* Their tasks are freed an RCU grace period after the reaps. */
	for (__u64 deadline = now_ns() + 20000 * MS; now_ns() < deadline; sleep_ms(1)) {
		rw_consume(s.rw);
		if (find(RW_EV_REAP, a) && find(RW_EV_REAP, b))
			break;
	}
	ra = find(RW_EV_REAP, a);
	rb = find(RW_EV_REAP, b);
	if (ra && rb) {
		left_a = table_slot(s.rw, s.pidns, a, &n);
		left_b = table_slot(s.rw, s.pidns, b, &n);
	}
	if (check(a > 0 && b > 0 && at_a >= RW_RECENT_SLOTS && at_b >= 0 && at_b < RW_RECENT_SLOTS,
		  name, "A %ld at %ld, B %ld at %ld: want A in the spill part, B in the recent one",
		  a, at_a, b, at_b) &&
	    check((flags_a & RW_F_FINE) && !(flags_b & RW_F_FINE), name,
		  "flags A %#x, B %#x: want only A counted in watched_fine", flags_a, flags_b) &&
	    check(ra && rb && count_events(RW_EV_REAP, a) == 1 && count_events(RW_EV_REAP, b) == 1,
		  name, "%d reaps of A, %d of B, want 1 each", count_events(RW_EV_REAP, a),
		  count_events(RW_EV_REAP, b)) &&
	    check(ra->via == RW_VIA_RELEASE && rb->via == RW_VIA_RELEASE &&
			  ra->reaper_pid == (__u32)s.pid && rb->reaper_pid == (__u32)s.pid,
		  name, "reaps via %u/%u by %u/%u, want release by %d", ra->via, rb->via,
		  ra->reaper_pid, rb->reaper_pid, s.pid) &&
	    check(left_a == -1 && left_b == -1, name, "slots still taken: A %ld, B %ld", left_a,
		  left_b))
		printf("ok - %s\n", name);
	else
		dump_events();
	stop_scene(&s);
}

/* pause as PID 1 of the namespace: an orphan made inside is adopted and
 * reaped by it. The scene execs pause; orphans are made by joining it. */
static void scene_pause(void)
{
	execl(pause_bin, "pause", (char *)NULL);
	_exit(127);
}

static void test_pause(void)
{
	const char *name = "orphan adopted and reaped by build/pause as PID 1";
	struct scene s = {};
	const struct rw_event *o, *rp;
	char path[64];
	int nsfd, via[2];
	pid_t a, b = 0, a_ns = 0;

	if (access(pause_bin, X_OK)) {
		printf("ok - %s # SKIP %s not built\n", name, pause_bin);
		return;
	}
	if (!check(start_scene(&s, scene_pause, 0) == 0, name, "cannot start"))
		return;
	/* wait until pause runs (its comm changes from ours) */
	snprintf(path, sizeof(path), "/proc/%d/exe", s.pid);
	for (__u64 deadline = now_ns() + 5000 * MS; now_ns() < deadline; sleep_ms(1)) {
		char exe[256] = "";

		if (readlink(path, exe, sizeof(exe) - 1) > 0 && strstr(exe, "pause"))
			break;
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", s.pid);
	nsfd = open(path, O_RDONLY);
	if (!check(nsfd >= 0 && pipe(via) == 0, name, "cannot open the namespace"))
		return;
	a = fork();
	if (a == 0) {
		/* A joins the namespace through its children: B is inside. */
		if (setns(nsfd, CLONE_NEWPID))
			_exit(80);
		pid_t in = fork();
		if (in == 0) {
			pid_t bb = fork();
			if (bb == 0) {
				sleep_ms(DELAY_MS);
				_exit(0);
			}
			if (write(via[1], &bb, sizeof(bb)) != sizeof(bb))
				_exit(81);
			_exit(0); /* B is orphaned to pause */
		}
		waitpid(in, NULL, 0);
		_exit(0);
	}
	close(via[1]);
	if (read(via[0], &b, sizeof(b)) != sizeof(b))
		b = 0;
	waitpid(a, NULL, 0);
	(void)a_ns;
	/* B exits DELAY_MS after birth; pause reaps it. Wait for the reap event. */
	for (__u64 deadline = now_ns() + 5000 * MS; now_ns() < deadline; sleep_ms(1)) {
		rw_consume(s.rw);
		if (find(RW_EV_REAP, b))
			break;
	}
	kill(s.pid, SIGTERM);
	end_scene(&s);
	o = find(RW_EV_ORPHAN, b);
	rp = find(RW_EV_REAP, b);
	if (check(b > 0 && o && rp, name, "missing orphan or reap of B (nspid %d)", b) &&
	    check(o->reaper_pid == (__u32)s.pid && o->reaper_kind == RW_REAPER_PIDNS_INIT &&
			  !strcmp(o->reaper_comm, "pause"),
		  name, "orphan reaper %u (%s) kind %u", o->reaper_pid, o->reaper_comm,
		  o->reaper_kind) &&
	    check(rp->reaper_pid == (__u32)s.pid && rp->via == RW_VIA_WAIT4 &&
			  rp->duration_ns < wakeup_ms * MS,
		  name, "reap by %u via %u after %.2f ms (want wait4 within %lu ms)",
		  rp->reaper_pid, rp->via, rp->duration_ns / 1e6, wakeup_ms))
		printf("ok - %s\n", name);
	else
		dump_events();
	close(nsfd);
	stop_scene(&s);
}

/* A 4 KiB ring buffer and a burst: what is missing is exactly what is counted. */
#define BURST 300

static void scene_burst(void)
{
	pid_t kids[BURST];

	for (int i = 0; i < BURST; i++) {
		kids[i] = fork();
		if (kids[i] == 0)
			_exit(0);
	}
	for (int i = 0; i < BURST; i++)
		waitpid(kids[i], NULL, 0);
	tell(BURST);
}

static void test_tiny_ringbuf(void)
{
	const char *name = "tiny ring buffer under a burst: lost count is exact";
	struct scene s = {};
	__u64 lost;
	int exits, reaps;

	if (!check(start_scene(&s, scene_burst, 4096) == 0, name, "cannot start"))
		return;
	heard(&s);
	end_scene(&s);
	lost = rw_counter(s.rw, RW_C_LOST);
	exits = count_events(RW_EV_EXIT, 0);
	reaps = count_events(RW_EV_REAP, 0);
	/* an exit and a reap for every child and for the scene init */
	__u64 expected = 2 * BURST + 2, seen = (__u64)nevents + lost;

	if (check(lost > 0, name, "nothing was lost: the buffer is not tiny") &&
	    check(seen == expected, name, "received %d + lost %llu = %llu, want %llu", nevents,
		  (unsigned long long)lost, (unsigned long long)seen,
		  (unsigned long long)expected))
		printf("ok - %s (%d received, %llu lost, %d exits, %d reaps)\n", name, nevents,
		       (unsigned long long)lost, exits, reaps);
	stop_scene(&s);
}

/* A parent already blocked in waitid() when reapwatch attaches: its entry
 * was missed, the reap must still be seen, as waitid. */
static void test_blocked_waiter(void)
{
	const char *name = "a waitid blocked before reapwatch attached is still seen";
	struct rw_load_opts o = { .no_exact = getenv("RW_NO_EXACT") != NULL };
	struct rw_loader *rw = NULL;
	const struct rw_event *rp = NULL;
	char path[64], buf[64] = "", err[256];
	int hold[2], fd;
	pid_t p;

	if (!check(pipe(hold) == 0, name, "pipe"))
		return;
	p = fork();
	if (p == 0) {
		siginfo_t si;
		pid_t c = fork();

		if (c == 0) {
			char x;

			close(hold[1]);
			_exit(read(hold[0], &x, 1) == 0 ? 4 : 80);
		}
		close(hold[0]);
		close(hold[1]);
		waitid(P_PID, c, &si, WEXITED);
		_exit(0);
	}
	close(hold[0]);
	/* Blocked in waitid (syscall 247 on x86_64) before we load. */
	snprintf(path, sizeof(path), "/proc/%d/syscall", p);
	for (__u64 deadline = now_ns() + 5000 * MS; now_ns() < deadline; sleep_ms(1)) {
		fd = open(path, O_RDONLY);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

		if (fd >= 0)
			close(fd);
		buf[n > 0 ? n : 0] = '\0';
		if (!strncmp(buf, "247 ", 4))
			break;
	}
	o.filter.tgid = p;
	nevents = 0;
	if (check(!strncmp(buf, "247 ", 4), name, "parent never blocked in waitid: '%s'", buf) &&
	    check(rw_load(&o, collect, NULL, &rw, err, sizeof(err)) == 0, name, "load: %s", err)) {
		close(hold[1]);
		waitpid(p, NULL, 0);
		rw_consume(rw);
		for (int i = 0; i < nevents; i++)
			if (events[i].type == RW_EV_REAP && events[i].reaper_pid == (__u32)p)
				rp = &events[i];
		if (check(rp && rp->via == RW_VIA_WAITID, name, "reap by %d: %s", p,
			  rp ? "not via waitid" : "none"))
			printf("ok - %s\n", name);
		else
			dump_events();
	} else {
		close(hold[1]);
		waitpid(p, NULL, 0);
	}
	rw_unload(rw);
}

int main(int argc, char **argv)
{
	const char *wakeup = getenv("RW_WAKEUP_MS");

	if (argc > 1)
		pause_bin = argv[1];
	if (wakeup) {
		char *end;

		errno = 0;
		wakeup_ms = strtoul(wakeup, &end, 10);
		if (errno || end == wakeup || *end || wakeup_ms == 0 || wakeup_ms > 10000) {
			fprintf(stderr, "bpf_scenarios: RW_WAKEUP_MS='%s': want 1..10000 ms\n", wakeup);
			return 2;
		}
	}
	if (geteuid() != 0) {
		printf("ok - reapwatch scenarios # SKIP need root to load BPF\n");
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Scene inits outlive their parent: have them handed to us. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	test_delayed_wait("child reaped with wait4 after a known delay", W_WAIT4, RW_VIA_WAIT4);
	test_delayed_wait("child reaped with waitid after a known delay", W_WAITID, RW_VIA_WAITID);
	test_delayed_wait("waitid WNOWAIT then a real waitid: one reap", W_WNOWAIT_THEN_WAITID,
			  RW_VIA_WAITID);
	test_subreaper();
	test_zombie_reparent();
	test_pause();
	test_thread_fork();
	test_autoreap("parent ignores SIGCHLD: via autoreap, no latency", false);
	test_autoreap("parent sets SA_NOCLDWAIT: via autoreap, no latency", true);
	test_leader_first();
	test_pid_reuse();
	test_shared_slot();
	test_kernel_reap();
	test_spilled_kernel_reap();
	test_tiny_ringbuf();
	test_blocked_waiter();
	return failures ? 1 : 0;
}
