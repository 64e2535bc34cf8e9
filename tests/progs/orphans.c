// SPDX-License-Identifier: Apache-2.0
// orphans: leave N orphans that all exit at the same moment, to test that
// pause reaps a burst whose SIGCHLDs coalesce into one.
//
//   orphans N [CODE]
//
// The parent forks N children ("orphan") that block reading a pipe, and a
// keeper ("orphans-keeper") that holds the pipe's only write end, then
// exits. The kernel reparents all N+1 to the nearest subreaper or to the
// namespace's init. The keeper waits until it sees its new parent (so its
// siblings have been reparented too: the kernel moves them in one go), then
// exits 0; closing the write end wakes every child, each exits CODE
// (default 0). So the reaper gets exactly N exits with CODE plus one exit 0.
//
// Exit: 0 once everything is forked; 1 on a fork or pipe failure (the
// children already forked then exit at once); 2 on usage errors.
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static void child(int in, int code)
{
	char c;

	prctl(PR_SET_NAME, "orphan");
	while (read(in, &c, 1) > 0)
		;
	_exit(code);
}

static void keeper(int parent_gone, int release, pid_t parent)
{
	const struct timespec ms = { 0, 1000000 };
	char c;

	prctl(PR_SET_NAME, "orphans-keeper");
	/* EOF: the parent has closed its files, i.e. it is exiting... */
	while (read(parent_gone, &c, 1) > 0)
		;
	/* ... and once getppid() changes, every sibling is reparented. */
	while (getppid() == parent)
		nanosleep(&ms, NULL);
	close(release);
	_exit(0);
}

int main(int argc, char **argv)
{
	int release[2], gone[2];
	pid_t me = getpid();
	long n, code;
	char *end;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: orphans N [CODE]\n");
		return 2;
	}
	n = strtol(argv[1], &end, 10);
	code = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
	if (*end || n < 0 || n > 1000000 || code < 0 || code > 255) {
		fprintf(stderr, "orphans: N must be 0..1000000, CODE 0..255\n");
		return 2;
	}
	if (pipe(release) < 0 || pipe(gone) < 0) {
		perror("orphans: pipe");
		return 1;
	}
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("orphans: fork");
			return 1;
		}
		if (pid == 0) {
			close(release[1]);
			close(gone[0]);
			close(gone[1]);
			child(release[0], code);
		}
	}
	switch (fork()) {
	case -1:
		perror("orphans: fork");
		return 1;
	case 0:
		close(release[0]);
		close(gone[1]);
		keeper(gone[0], release[1], me);
	}
	return 0;	/* exiting closes gone[1]: the keeper's cue */
}
