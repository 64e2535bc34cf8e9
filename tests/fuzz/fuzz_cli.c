// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: the reapwatch command line. Any bytes, split at NUL
 * bytes into the words after "reapwatch" (at most 64), are given to
 * reapwatch's own main(), compiled into this file, which runs up to the
 * point where it would act:
 *
 *   - exit() (--help) and the first sigaction() (arguments accepted, the
 *     command about to start) jump back here instead;
 *   - --pod and --container look for cgroups under a directory that does
 *     not exist, so the parsers and checks run but no file system is walked;
 *   - reapwatch's stdout and stderr go to /dev/null.
 *
 * It must end in a usage error or an accepted command line: no crash,
 * overread, leak or undefined behaviour, and never an exit code other than
 * 0 (accepted, or --help) or 2 (usage error).
 *
 *   make fuzz FUZZ=cli FUZZ_SECONDS=60   (clang, -fsanitize=fuzzer,address,undefined)
 */
#include <getopt.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "attrib.h"

#define FZ_MAX_WORDS 64

static jmp_buf fz_back;
static FILE *fz_null;

/* exit() and the first sigaction() of main(): back to the fuzz loop. */
static void fz_exit(int code) __attribute__((noreturn));
static void fz_exit(int code)
{
	longjmp(fz_back, 0x100 | (code & 0xff));
}

static int fz_sigaction(const void *act)
{
	(void)act;
	longjmp(fz_back, 0x100);
}

#define main reapwatch_main
#define exit(code) fz_exit(code)
#define sigaction(sig, act, old) fz_sigaction(act)
#define rw_cgroup_find(fs, ...) rw_cgroup_find("/nonexistent/cgroup", __VA_ARGS__)
#undef stdout
#undef stderr
#define stdout fz_null
#define stderr fz_null
#include "../../user/reapwatch.c" /* NOLINT(bugprone-suspicious-include): on purpose */
#undef stdout
#undef stderr
#define stdout stdout
#define stderr stderr
#undef rw_cgroup_find
#undef sigaction
#undef exit
#undef main

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *argv[FZ_MAX_WORDS + 2], *words;
	volatile int rc;
	int argc = 0;
	size_t i = 0;

	if (!fz_null && !(fz_null = fopen("/dev/null", "w")))
		abort();
	/* The words, each a NUL-terminated copy of its own: ASan sees overreads. */
	words = malloc(size + 1);
	if (!words)
		return 0;
	memcpy(words, data, size);
	words[size] = '\0';
	argv[argc++] = "reapwatch";
	while (i <= size && argc <= FZ_MAX_WORDS) {
		size_t n = strlen(words + i);

		argv[argc] = malloc(n + 1);
		if (!argv[argc])
			break;
		memcpy(argv[argc++], words + i, n + 1);
		i += n + 1;
	}
	argv[argc] = NULL;

	optind = 0; /* getopt_long() starts afresh */
	opterr = 0; /* and says nothing */
	rc = setjmp(fz_back);
	if (rc == 0)
		rc = reapwatch_main(argc, argv);
	else
		rc &= 0xff;
	if (rc != EXIT_OK && rc != EXIT_USAGE)
		abort(); /* parsing alone ends in 0 or 2 */

	for (int k = 1; k < argc; k++)
		free(argv[k]);
	free(words);
	return 0;
}
