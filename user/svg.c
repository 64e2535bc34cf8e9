// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* report --svg: reap-latency heatmaps above a timeline of outstanding zombies. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hist.h"
#include "svg.h"

#define W 960
#define LEFT 80
#define RIGHT 20
#define PLOT_W (W - LEFT - RIGHT)
#define COLS 120          /* heatmap time columns */
#define ROW_H 12          /* one log2 bucket */
#define TIMELINE_H 110
#define MAX_PANELS 4      /* overall + the three busiest reapers */

struct reap_pt {
	__u64 ts;
	__u32 reaper;
	__u32 slot;
};

struct zombie_pt {
	__u64 ts;
	__u64 count;
};

struct rw_svg {
	struct reap_pt *reaps;
	size_t n_reaps, cap_reaps;
	struct zombie_pt *zs;
	size_t n_zs, cap_zs;
	__u64 skipped; /* beyond RW_SVG_MAX_POINTS */
};

struct rw_svg *rw_svg_new(void)
{
	return calloc(1, sizeof(struct rw_svg));
}

void rw_svg_free(struct rw_svg *s)
{
	if (!s)
		return;
	free(s->reaps);
	free(s->zs);
	free(s);
}

static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return v;
	ncap = *cap ? 2 * *cap : 1024;
	nv = realloc(v, ncap * size);
	if (nv)
		*cap = ncap;
	return nv;
}

void rw_svg_item(struct rw_svg *s, const struct rw_item *it, size_t zombies)
{
	if (it->kind == RW_ITEM_EVENT && it->ev.type == RW_EV_REAP &&
	    (it->ev.duration_ns || it->ev.via == RW_VIA_AUTOREAP)) {
		struct reap_pt *v;

		if (s->n_reaps >= RW_SVG_MAX_POINTS ||
		    !(v = grow(s->reaps, &s->cap_reaps, s->n_reaps, sizeof(*v)))) {
			s->skipped++;
		} else {
			s->reaps = v;
			v[s->n_reaps++] = (struct reap_pt){ .ts = it->ev.ts_ns,
							    .reaper = it->ev.reaper_pid,
							    .slot = rw_log2_slot(it->ev.duration_ns) };
		}
	}
	if ((it->kind == RW_ITEM_EVENT || it->kind == RW_ITEM_SEED) &&
	    (!s->n_zs || s->zs[s->n_zs - 1].count != zombies)) {
		struct zombie_pt *v;

		if (s->n_zs >= RW_SVG_MAX_POINTS ||
		    !(v = grow(s->zs, &s->cap_zs, s->n_zs, sizeof(*v)))) {
			s->skipped++;
		} else {
			s->zs = v;
			v[s->n_zs++] = (struct zombie_pt){ .ts = it->ts_ns, .count = zombies };
		}
	}
}

static void esc(FILE *f, const char *s, size_t max)
{
	for (size_t i = 0; i < max && s[i]; i++) {
		unsigned char c = s[i];

		if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '&')
			fputs("&amp;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c < 0x20 || c >= 0x7f)
			fputc('?', f);
		else
			fputc(c, f);
	}
}

/* Yellow to red by log2(count): light for one reap, dark for the most. */
static void color(char *buf, size_t len, __u64 n, __u64 max)
{
	double t = max > 1 ? (double)(64 - __builtin_clzll(n)) / (64 - __builtin_clzll(max)) : 1.0;
	unsigned r = 254 - (unsigned)(75 * t) % 76, g = 224 - (unsigned)(200 * t) % 201,
		 b = 144 - (unsigned)(144 * t) % 145;

	snprintf(buf, len, "#%02x%02x%02x", r & 0xff, g & 0xff, b & 0xff);
}

static void time_axis(FILE *f, int y, __u64 span)
{
	char buf[32];

	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>\n", LEFT, y,
		LEFT + PLOT_W, y);
	for (int i = 0; i <= 8; i++) {
		double x = LEFT + PLOT_W * i / 8.0;

		rw_human_ns(span * i / 8, buf, sizeof(buf));
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#888\"/>"
			"<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"%s\">+%s</text>\n",
			x, y, x, y + 4, x, y + 15, i == 8 ? "end" : i ? "middle" : "start", buf);
	}
}

/* One heatmap panel; returns its height. @reaper 0: every reaper. */
static int panel(FILE *f, int y, const struct rw_svg *s, __u32 reaper, const char *title,
		 unsigned lo, unsigned hi, __u64 t0, __u64 span, __u64 *counts)
{
	unsigned rows = hi - lo + 1;
	__u64 max = 0, total = 0;
	char buf[32], fill[24];

	memset(counts, 0, sizeof(*counts) * COLS * RW_LAT_SLOTS);
	for (size_t i = 0; i < s->n_reaps; i++) {
		const struct reap_pt *p = &s->reaps[i];
		__u64 c;

		if (reaper && p->reaper != reaper)
			continue;
		if (p->ts < t0)
			continue;
		c = (p->ts - t0) * COLS / span;
		if (c >= COLS)
			c = COLS - 1;
		counts[c * RW_LAT_SLOTS + p->slot]++;
		total++;
	}
	for (size_t i = 0; i < COLS * RW_LAT_SLOTS; i++)
		if (counts[i] > max)
			max = counts[i];

	fprintf(f, "<g class=\"heatmap\" data-reaper=\"%u\" data-reaps=\"%llu\">\n", reaper,
		(unsigned long long)total);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"12\" font-weight=\"bold\">", LEFT, y + 12);
	esc(f, title, 200);
	fprintf(f, " (%llu reaps)</text>\n", (unsigned long long)total);
	y += 18;
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%u\" fill=\"#f6f6f6\"/>\n", LEFT, y,
		PLOT_W, rows * ROW_H);
	for (unsigned r = 0; r < rows; r++) {
		unsigned slot = hi - r;

		rw_human_ns(slot ? 1ull << slot : 0, buf, sizeof(buf));
		fprintf(f, "<text x=\"%d\" y=\"%u\" font-size=\"9\" text-anchor=\"end\">%s</text>\n",
			LEFT - 4, y + r * ROW_H + 9, buf);
		for (unsigned c = 0; c < COLS; c++) {
			__u64 n = counts[c * RW_LAT_SLOTS + slot];

			if (!n)
				continue;
			color(fill, sizeof(fill), n, max);
			fprintf(f, "<rect x=\"%.2f\" y=\"%u\" width=\"%.2f\" height=\"%d\" fill=\"%s\">"
				"<title>%llu reaps, latency %s+</title></rect>\n",
				LEFT + (double)PLOT_W * c / COLS, y + r * ROW_H, (double)PLOT_W / COLS,
				ROW_H - 1, fill, (unsigned long long)n, buf);
		}
	}
	fprintf(f, "</g>\n");
	return 18 + rows * ROW_H + 6;
}

static int timeline(FILE *f, int y, const struct rw_svg *s, __u64 t0, __u64 end, __u64 span)
{
	__u64 top = 1, cur = 0, peak = 0;
	size_t i = 0;
	static __u64 colmax[PLOT_W];

	for (size_t k = 0; k < s->n_zs; k++)
		if (s->zs[k].count > peak)
			peak = s->zs[k].count;
	top = peak ? peak : 1;
	/* Per pixel column: the most zombies outstanding at any moment in it. */
	for (int c = 0; c < PLOT_W; c++) {
		__u64 col_end = t0 + span * (c + 1) / PLOT_W, m = cur;

		while (i < s->n_zs && (s->zs[i].ts < col_end || c == PLOT_W - 1)) {
			cur = s->zs[i++].count;
			if (cur > m)
				m = cur;
		}
		colmax[c] = m;
	}
	(void)end;
	fprintf(f, "<g class=\"zombies\" data-max-zombies=\"%llu\">\n", (unsigned long long)peak);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"12\" font-weight=\"bold\">outstanding "
		"zombies (peak %llu)</text>\n", LEFT, y + 12, (unsigned long long)peak);
	y += 18;
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f6f6f6\"/>\n", LEFT, y,
		PLOT_W, TIMELINE_H);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"9\" text-anchor=\"end\">%llu</text>\n"
		"<text x=\"%d\" y=\"%d\" font-size=\"9\" text-anchor=\"end\">0</text>\n", LEFT - 4,
		y + 9, (unsigned long long)top, LEFT - 4, y + TIMELINE_H);
	fprintf(f, "<path fill=\"#6a51a3\" fill-opacity=\"0.6\" stroke=\"#3f007d\" "
		"stroke-width=\"0.5\" d=\"M%d %d", LEFT, y + TIMELINE_H);
	for (int c = 0; c < PLOT_W; c++) {
		double h = (double)TIMELINE_H * colmax[c] / top;

		fprintf(f, " L%d %.1f L%d %.1f", LEFT + c, y + TIMELINE_H - h, LEFT + c + 1,
			y + TIMELINE_H - h);
	}
	fprintf(f, " L%d %d Z\"/>\n</g>\n", LEFT + PLOT_W, y + TIMELINE_H);
	return 18 + TIMELINE_H;
}

int rw_svg_write(struct rw_svg *s, const char *path, const struct rw_analysis *a, __u64 end_ns,
		 const struct rw_source_info *info, char *err, size_t errlen)
{
	const struct rw_reaper_sum **r = NULL;
	size_t nr = rw_analysis_reapers(a, &r);
	__u64 t0 = rw_analysis_totals(a)->first_ns, span, *counts;
	unsigned lo = RW_LAT_SLOTS, hi = 0, panels = 1;
	char title[96], comm[RW_COMM_LEN];
	int y, height, rc = 0;
	FILE *f;

	counts = calloc(COLS * RW_LAT_SLOTS, sizeof(*counts));
	if (!counts || !r) {
		free(counts);
		free(r);
		return -ENOMEM;
	}
	if (!t0 || end_ns < t0)
		t0 = end_ns;
	span = end_ns > t0 ? end_ns - t0 : 1;
	for (size_t i = 0; i < s->n_reaps; i++) {
		if (s->reaps[i].slot < lo)
			lo = s->reaps[i].slot;
		if (s->reaps[i].slot > hi)
			hi = s->reaps[i].slot;
	}
	if (lo > hi)
		lo = hi = 0;
	for (size_t i = 0; i < nr && panels < MAX_PANELS; i++)
		if (r[i]->reaps)
			panels++;
	height = 50 + panels * (18 + (hi - lo + 1) * ROW_H + 6) + 30 + 18 + TIMELINE_H + 30;

	f = fopen(path, "we");
	if (!f) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		free(counts);
		free(r);
		return -errno;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" data-reaps=\"%llu\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", W, height, W, height,
		(unsigned long long)s->n_reaps);
	fprintf(f, "<text x=\"%d\" y=\"20\" font-size=\"15\" font-weight=\"bold\">reapwatch: "
		"reap latency over time (log2 buckets) and outstanding zombies</text>\n", LEFT);
	fprintf(f, "<text x=\"%d\" y=\"36\" font-size=\"10\" fill=\"#555\">", LEFT);
	if (info->boot_offset_ns) {
		__s64 wall = (__s64)t0 + info->boot_offset_ns;
		time_t sec = wall / 1000000000;
		struct tm tm;
		char when[40];

		gmtime_r(&sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		fprintf(f, "from %s, ", when);
	}
	rw_human_ns(span, title, sizeof(title));
	fprintf(f, "%s, %llu reaps", title, (unsigned long long)s->n_reaps);
	if (info->release[0]) {
		fprintf(f, ", kernel ");
		esc(f, info->release, sizeof(info->release));
	}
	if (s->skipped)
		fprintf(f, " (%llu points not drawn)", (unsigned long long)s->skipped);
	fprintf(f, "</text>\n");

	y = 50;
	y += panel(f, y, s, 0, "all reapers", lo, hi, t0, span, counts);
	for (size_t i = 0, p = 1; i < nr && p < panels; i++) {
		if (!r[i]->reaps)
			continue;
		memcpy(comm, r[i]->comm, RW_COMM_LEN);
		comm[RW_COMM_LEN - 1] = '\0';
		snprintf(title, sizeof(title), "reaper %u %s", r[i]->pid, comm);
		y += panel(f, y, s, r[i]->pid, title, lo, hi, t0, span, counts);
		p++;
	}
	time_axis(f, y, span);
	y += 30;
	y += timeline(f, y, s, t0, end_ns, span);
	time_axis(f, y, span);
	fprintf(f, "</svg>\n");
	if (ferror(f) | fclose(f)) {
		snprintf(err, errlen, "writing %s: %s", path, strerror(errno));
		rc = -EIO;
	}
	free(counts);
	free(r);
	return rc;
}
