// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* report: source -> analysis (-> svg) -> summary, the same analysis as stats. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "analysis.h"
#include "output.h"
#include "report.h"
#include "source.h"
#include "summary.h"
#include "svg.h"

/* Where the data comes from, in wall-clock time when the source says. */
static void print_source(const struct rw_source *s, __u64 first, __u64 end)
{
	const struct rw_source_info *info = rw_source_info(s);
	struct rw_clock c = { .offset_ns = info->boot_offset_ns };
	char from[40], to[40];

	printf("%s", info->format == RW_FMT_RECORDING ? "recording" : "trace");
	if (info->release[0])
		printf(" of kernel %s", info->release);
	if (info->boot_offset_ns && first && end) {
		rw_format_time(&c, first, from, sizeof(from));
		rw_format_time(&c, end, to, sizeof(to));
		printf(", %s to %s", from, to);
	}
	putchar('\n');
}

int rw_report(const struct rw_report_opts *o, char *err, size_t errlen)
{
	struct rw_analysis_opts ao = { .leak_after_ns = o->leak_after_ns, .fine = true };
	struct rw_summary_opts so = { .top = o->top, .per_reaper = o->per_reaper, .mode = "events" };
	struct rw_analysis *a = NULL;
	struct rw_svg *svg = NULL;
	struct rw_source *s;
	struct rw_item it;
	__u64 end = 0, last = 0;
	int rc;

	s = rw_source_open(o->path, err, errlen);
	if (!s)
		return -EBADMSG;
	a = rw_analysis_new(&ao);
	if (o->svg)
		svg = rw_svg_new();
	if (!a || (o->svg && !svg)) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	/* A recording starts when the recorder did, as live stats do. */
	rw_analysis_time(a, rw_source_info(s)->start_ns);
	while ((rc = rw_source_next(s, &it)) > 0) {
		switch (it.kind) {
		case RW_ITEM_EVENT:
			rw_analysis_event(a, &it.ev);
			break;
		case RW_ITEM_SEED:
			rw_analysis_seed(a, &it.seed, it.ts_ns);
			break;
		case RW_ITEM_LOST:
			/* Not a time the analysis sees: live stats feed it so too. */
			rw_analysis_lost(a, it.lost, 0);
			rw_analysis_untracked(a, it.untracked);
			if (it.ts_ns > last)
				last = it.ts_ns;
			break;
		case RW_ITEM_END:
			end = it.ts_ns;
			break;
		}
		if (svg)
			rw_svg_item(svg, &it, rw_analysis_nzombies(a));
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s", rw_source_error(s));
		goto out;
	}
	/* A killed recorder left no end record: say so, report what is there. */
	if (rw_source_error(s)[0])
		fprintf(stderr, "reapwatch: warning: %s\n", rw_source_error(s));
	if (rw_analysis_totals(a)->last_ns > last)
		last = rw_analysis_totals(a)->last_ns;
	so.now_ns = end ? end : last;
	rw_analysis_time(a, so.now_ns);
	if (o->json) {
		rc = rw_summary_json(stdout, a, &so);
	} else {
		print_source(s, rw_analysis_totals(a)->first_ns, so.now_ns);
		rw_summary_text(stdout, a, &so);
	}
	if (!rc && svg) {
		rc = rw_svg_write(svg, o->svg, a, so.now_ns, rw_source_info(s), err, errlen);
		if (rc == -ENOMEM)
			snprintf(err, errlen, "out of memory");
	}
	if (fflush(stdout) && !rc) {
		rc = -errno;
		snprintf(err, errlen, "writing the report: %s", strerror(errno));
	}
out:
	rw_svg_free(svg);
	rw_analysis_free(a);
	rw_source_close(s);
	return rc;
}
