/*
 * bench_related.c: the latency of "You might also like", for bench/run.
 * On a store filled by bench_store, first brings the related index up to
 * date (store_related_update until no work is left, timed as a whole),
 * then times store_related_story for each story named, and prints the
 * latency percentiles and how many stories got at least one related story.
 *
 * usage: bench_related [-k NRELATED] DB STORY-ID...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storage.h"
#include "bench_util.h"

#define BENCH_NOW	1793491200LL	/* gencorpus.py's EPOCH */

static int
bench_cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* bench_pct gives the p-th percentile (nearest rank) of sorted v. */
static double
bench_pct(const double *v, int n, double p)
{
	int	 i = (int)(p / 100 * n + 0.999999) - 1;

	if (i < 0)
		i = 0;
	if (i >= n)
		i = n - 1;
	return (v[i]);
}

int
main(int argc, char **argv)
{
	struct store	*s;
	struct item	*it;
	char		*cause = NULL;
	double		*ms, t0, index_s;
	int		 ch, k = 5, i, n, calls = 0, covered = 0, r;
	long long	 nrel = 0;

	while ((ch = getopt(argc, argv, "k:")) != -1) {
		switch (ch) {
		case 'k':
			k = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: bench_related [-k NRELATED] DB "
			    "STORY-ID...\n");
			return (64);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		errx(64, "usage: bench_related [-k NRELATED] DB STORY-ID...");
	if ((s = store_open(argv[0], &cause)) == NULL)
		errx(1, "%s", cause);
	t0 = bench_now();
	while ((r = store_related_update(s, BENCH_NOW, 50, k, 0, &cause)) == 1)
		calls++;
	if (r == -1)
		errx(1, "store_related_update: %s", cause);
	index_s = bench_now() - t0;
	n = argc - 1;
	ms = xcalloc(n, sizeof *ms);
	for (i = 0; i < n; i++) {
		t0 = bench_now();
		if (store_related_story(s, atoll(argv[i + 1]), BENCH_NOW, k,
		    &cause) == -1)
			errx(1, "store_related_story %s: %s", argv[i + 1],
			    cause);
		ms[i] = (bench_now() - t0) * 1000;
		if ((it = store_related_item(s, atoll(argv[i + 1]), k,
		    &cause)) == NULL)
			errx(1, "store_related_item %s: %s", argv[i + 1],
			    cause);
		covered += it->nrelated > 0;
		nrel += it->nrelated;
		item_clear(it);
		free(it);
	}
	qsort(ms, n, sizeof *ms, bench_cmp);
	printf("stories %d covered %d related %lld index_seconds %.6f "
	    "index_calls %d p50 %.4f p95 %.4f p99 %.4f max %.4f\n", n, covered,
	    nrel, index_s, calls, bench_pct(ms, n, 50), bench_pct(ms, n, 95),
	    bench_pct(ms, n, 99), ms[n - 1]);
	free(ms);
	store_close(s);
	return (0);
}
