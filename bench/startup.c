// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * startup: run a tracer for a benchmark; time it from exec to attached, and
 * read its memory and CPU time once the work is done.
 *
 *   startup [-m TEXT] [-i SECONDS | -w] [-o FILE] [-e FILE] [-r FILE] [-c]
 *           -- CMD [ARG...]
 *
 * CMD's stdout and stderr are read through pipes. "Attached" is the first
 * byte CMD writes on either (reapwatch writes nothing before its hooks are
 * attached: trace prints its header, stats and record a line on stderr), or
 * with -m the first time TEXT appears (bpftrace prints "Attaching N
 * probes..." before it attaches: give it a BEGIN probe that prints TEXT).
 *
 *   -i SECONDS  once attached, let CMD run this long (default 1), then stop it
 *   -w          once attached, let CMD run until we get SIGTERM or SIGINT
 *   -o FILE     CMD's stdout goes there (default /dev/null)
 *   -e FILE     CMD's stderr goes there (default: with stdout)
 *   -r FILE     written once attached: "pid=PID attach_ms=MS"
 *   -c          count the lines of CMD's stdout
 *
 * Stopping: memory and CPU time are read from /proc, CMD gets SIGINT, we
 * drain its output and wait for it (SIGKILL after 30 s). Prints one line:
 * attach_ms, rss_kb (VmRSS), anon_kb (RssAnon), hwm_kb (VmHWM), cpu_ms
 * (user + system), lines (with -c), status (CMD's exit status, 128+signal).
 *
 * Exit: 0 attached and CMD exited 0; 1 otherwise; 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* /proc/PID/NAME into @buf, NUL-terminated; false if it cannot be read. */
static bool read_proc(pid_t pid, const char *name, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return true;
}

static long status_kb(pid_t pid, const char *key)
{
	char buf[4096], *p;

	if (!read_proc(pid, "status", buf, sizeof(buf)))
		return -1;
	p = strstr(buf, key);
	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

/* utime + stime in ms. */
static long cpu_ms(pid_t pid)
{
	char buf[1024], *p;
	unsigned long ut, st;

	if (!read_proc(pid, "stat", buf, sizeof(buf)))
		return -1;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (ut + st) * 1000 / sysconf(_SC_CLK_TCK);
}

struct stream {
	int fd;    /* pipe from CMD, -1 once at EOF */
	int out;   /* where it goes */
	bool count;
};

static char seen[8192];
static size_t seen_len;
static unsigned long long lines;

/* Copy what is there; true if TEXT (or, without -m, anything) was seen. */
static bool pump(struct stream *s, const char *match)
{
	char buf[65536];
	ssize_t n = read(s->fd, buf, sizeof(buf));
	bool hit = false;

	if (n <= 0) {
		close(s->fd);
		s->fd = -1;
		return false;
	}
	if (s->count)
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	if (!match) {
		hit = true;
	} else {
		for (ssize_t i = 0; i < n && !hit; i++) {
			if (seen_len == sizeof(seen) - 1) {
				memmove(seen, seen + sizeof(seen) / 2, sizeof(seen) / 2 - 1);
				seen_len = sizeof(seen) / 2 - 1;
			}
			seen[seen_len++] = buf[i];
			seen[seen_len] = '\0';
			hit = buf[i] == match[strlen(match) - 1] && strstr(seen, match);
		}
	}
	if (write(s->out, buf, n) < 0) {
		/* a full disk must not block CMD: keep draining */
	}
	return hit;
}

static int open_out(const char *path)
{
	int fd = path ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;

	if (fd < 0)
		fprintf(stderr, "startup: %s: %s\n", path, strerror(errno));
	return fd;
}

int main(int argc, char **argv)
{
	const char *match = NULL, *outpath = "/dev/null", *errpath = NULL, *ready = NULL;
	unsigned long long t0, t_att = 0, idle_ns = 1000000000ull, until = 0, kill_at = 0;
	struct stream s[2];
	bool attached = false, wait_signal = false, count = false, stopping = false;
	long rss = -1, anon = -1, hwm = -1, cpu = -1;
	int po[2], pe[2], opt, st = 0, sfd;
	sigset_t set;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+m:i:wo:e:r:c")) != -1) {
		switch (opt) {
		case 'm':
			match = optarg;
			break;
		case 'i':
			idle_ns = strtod(optarg, NULL) * 1e9;
			break;
		case 'w':
			wait_signal = true;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'e':
			errpath = optarg;
			break;
		case 'r':
			ready = optarg;
			break;
		case 'c':
			count = true;
			break;
		default:
			goto usage;
		}
	}
	if (optind >= argc || (match && (!*match || strlen(match) >= sizeof(seen) / 4)))
		goto usage;
	s[0] = (struct stream){ .out = open_out(outpath), .count = count };
	s[1] = (struct stream){ .out = errpath ? open_out(errpath) : s[0].out };
	if (s[0].out < 0 || s[1].out < 0 || pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC))
		return 1;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	t0 = now_ns();
	pid = fork();
	if (pid < 0) {
		perror("startup: fork");
		return 1;
	}
	if (pid == 0) {
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execvp(argv[optind], argv + optind);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	s[0].fd = po[0];
	s[1].fd = pe[0];

	while (s[0].fd >= 0 || s[1].fd >= 0) {
		struct pollfd pfd[3] = {
			{ .fd = s[0].fd, .events = POLLIN },
			{ .fd = s[1].fd, .events = POLLIN },
			{ .fd = stopping ? -1 : sfd, .events = POLLIN },
		};
		unsigned long long now = now_ns(), wake = 0;
		int timeout = -1;

		if (!stopping && attached && !wait_signal)
			wake = until;
		if (stopping)
			wake = kill_at;
		if (wake)
			timeout = wake > now ? (wake - now) / 1000000 + 1 : 0;
		if (poll(pfd, 3, timeout) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++)
			if (pfd[i].revents && pump(&s[i], match) && !attached) {
				attached = true;
				t_att = now_ns();
				until = t_att + idle_ns;
				if (ready) {
					FILE *f = fopen(ready, "w");

					if (f) {
						fprintf(f, "pid=%d attach_ms=%.1f\n", pid,
							(t_att - t0) / 1e6);
						fclose(f);
					}
				}
			}
		now = now_ns();
		if (!stopping && (pfd[2].revents || (attached && !wait_signal && now >= until))) {
			struct signalfd_siginfo si;

			if (pfd[2].revents && read(sfd, &si, sizeof(si)) < 0)
				continue;
			rss = status_kb(pid, "VmRSS:");
			anon = status_kb(pid, "RssAnon:");
			hwm = status_kb(pid, "VmHWM:");
			cpu = cpu_ms(pid);
			kill(pid, SIGINT);
			stopping = true;
			kill_at = now + 30000000000ull;
		} else if (stopping && now >= kill_at) {
			kill(pid, SIGKILL);
			kill_at = now + 3600000000000ull;
		}
	}
	waitpid(pid, &st, 0);
	printf("attach_ms=%.1f rss_kb=%ld anon_kb=%ld hwm_kb=%ld cpu_ms=%ld",
	       attached ? (t_att - t0) / 1e6 : -1.0, rss, anon, hwm, cpu);
	if (count)
		printf(" lines=%llu", lines);
	printf(" status=%d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return attached && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
usage:
	fprintf(stderr, "usage: startup [-m TEXT] [-i SECONDS | -w] [-o FILE] [-e FILE] [-r FILE] "
			"[-c] -- CMD [ARG...]\n");
	return 2;
}
