// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Runs every unit case, or those whose name contains argv[1]. */
#include <stdlib.h>
#include "unit.h"

char unit_why[512];

int main(int argc, char **argv)
{
	const struct unit_case *groups[] = { hist_cases, analysis_cases, record_cases,
					     jsonl_cases, attrib_cases, prom_cases, btf_cases,
					     pidtab_cases, pcomm_cases };
	int failed = 0;

	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		for (const struct unit_case *c = groups[g]; c->name; c++) {
			if (argc > 1 && !strstr(c->name, argv[1]))
				continue;
			unit_why[0] = '\0';
			if (c->fn()) {
				printf("ok - %s\n", c->name);
			} else {
				printf("not ok - %s: %s\n", c->name, unit_why);
				failed++;
			}
			fflush(stdout);
		}
	return failed ? 1 : 0;
}
