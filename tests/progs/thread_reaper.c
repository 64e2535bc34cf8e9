// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// thread_reaper: a process that reaps through a thread after its main
// thread, the thread group leader, has exited (the leader is then a zombie
// and the process lives on).
//
//   thread_reaper
//
// The main thread starts a thread and leaves (pthread_exit). The thread
// forks a child that exits at once, reaps it and prints "reaped <pid>";
// then it reads stdin to its end, forks and reaps a second child the same
// way, and the process exits 0. Exit 1: a fork, wait or thread failed.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void fork_and_reap(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		perror("thread_reaper");
		exit(1);
	}
	printf("reaped %d\n", (int)pid);
	fflush(stdout);
}

static void *reaper(void *arg)
{
	char buf[64];

	(void)arg;
	fork_and_reap();
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
	fork_and_reap();
	exit(0);
}

int main(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, reaper, NULL)) {
		fprintf(stderr, "thread_reaper: cannot start a thread\n");
		return 1;
	}
	pthread_exit(NULL);
}
