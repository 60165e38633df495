/*
 * bench_store.c: the store's ingest rate, for bench/run.  Reads documents
 * from a dump that bench.py extracts from the generated corpus (entries as
 * the parser would hand them over: canonical URL set, HTML not sanitized)
 * and times store_ingest of each, one transaction per feed update, with
 * story folding on, then the filling of the full-text index (which the
 * daemon does apart, in the background: fts_seconds).  Prints one line of
 * totals; cpu_seconds is the CPU time of the ingest calls (on a shared
 * machine, wall time says more about the neighbours).
 *
 * Dump: per document a line "D\tNENTRIES\tFORMAT\tFEED-URL\n" then, per
 * entry, 8 fields (id, link, canonical URL, title, author, published,
 * summary, content), each "LENGTH\n" and the bytes (-1: NULL).
 *
 * usage: bench_store DB DUMP
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage.h"
#include "bench_util.h"

#define BENCH_NOW	1793491200LL	/* gencorpus.py's EPOCH */

/* dump_field reads one length-prefixed field; NULL for -1. */
static char *
dump_field(FILE *fp)
{
	char	*s;
	long	 len;

	if (fscanf(fp, "%ld", &len) != 1 || fgetc(fp) != '\n')
		errx(1, "dump: bad field");
	if (len < 0)
		return (NULL);
	s = xmalloc(len + 1);
	if (fread(s, 1, len, fp) != (size_t)len)
		errx(1, "dump: truncated");
	s[len] = '\0';
	return (s);
}

/* dump_doc reads the next document, or NULL at the end. */
static struct doc *
dump_doc(FILE *fp, char *url, size_t urlsize)
{
	struct doc	*d;
	struct entry	*e;
	char		 fmt[32], *pub;
	int		 n, i;

	if (fscanf(fp, "D\t%d\t%31s\t", &n, fmt) != 2)
		return (NULL);
	if (fgets(url, urlsize, fp) == NULL)
		errx(1, "dump: no url");
	url[strcspn(url, "\n")] = '\0';
	d = doc_new();
	d->format = strcmp(fmt, "atom1.0") == 0 ? FORMAT_ATOM10 :
	    FORMAT_RSS20;
	d->entries = xcalloc(n, sizeof *d->entries);
	d->nentries = n;
	for (i = 0; i < n; i++) {
		e = &d->entries[i];
		e->id = dump_field(fp);
		e->link = dump_field(fp);
		e->canonical_url = dump_field(fp);
		e->title = dump_field(fp);
		e->author = dump_field(fp);
		pub = dump_field(fp);
		e->published = e->updated = pub ? atoll(pub) : TIME_UNKNOWN;
		free(pub);
		e->summary = dump_field(fp);
		e->content = dump_field(fp);
	}
	return (d);
}

int
main(int argc, char **argv)
{
	struct store		*s;
	struct store_counts	 c;
	struct ingest_stats	 st;
	struct doc		*d;
	FILE			*fp;
	char			 url[4096], *cause = NULL;
	long long		 id, entries = 0, added = 0, folded = 0, *ne = NULL;
	double			 t0, *dt = NULL, total = 0, first = 0, last = 0;
	double			 fts, fts_cpu, c0, cpu = 0;
	long long		 seen;
	int			 docs = 0, cap = 0, i, rc;

	if (argc != 3) {
		fprintf(stderr, "usage: bench_store DB DUMP\n");
		return (64);
	}
	if ((s = store_open(argv[1], &cause)) == NULL)
		errx(1, "%s", cause);
	if ((fp = fopen(argv[2], "r")) == NULL)
		err(1, "%s", argv[2]);
	while ((d = dump_doc(fp, url, sizeof url)) != NULL) {
		t0 = bench_now();
		c0 = bench_clock(CLOCK_PROCESS_CPUTIME_ID);
		if (store_feed_upsert(s, url, NULL, NULL, FEED_ORIGIN_CLI, &id,
		    &cause) == -1 || store_ingest(s, id, d, BENCH_NOW +
		    docs, &st, &cause) == -1)
			errx(1, "%s: %s", url, cause);
		if (docs == cap) {
			cap = cap ? cap * 2 : 1024;
			dt = xreallocarray(dt, cap, sizeof *dt);
			ne = xreallocarray(ne, cap, sizeof *ne);
		}
		dt[docs] = bench_now() - t0;
		cpu += bench_clock(CLOCK_PROCESS_CPUTIME_ID) - c0;
		ne[docs] = d->nentries;
		total += dt[docs];
		entries += d->nentries;
		added += st.added;
		folded += st.folded;
		docs++;
		doc_free(d);
	}
	fclose(fp);
	t0 = bench_now();
	c0 = bench_clock(CLOCK_PROCESS_CPUTIME_ID);
	while ((rc = store_fts_update(s, 2000, &cause)) == 1)
		continue;
	if (rc == -1)
		errx(1, "fts: %s", cause);
	fts = bench_now() - t0;
	fts_cpu = bench_clock(CLOCK_PROCESS_CPUTIME_ID) - c0;
	/* Time over the first and the last tenth: does the rate hold? */
	for (i = 0, seen = 0; i < docs; seen += ne[i], i++) {
		if (seen < entries / 10)
			first += dt[i];
		if (seen >= entries - entries / 10)
			last += dt[i];
	}
	free(dt);
	free(ne);
	if (store_counts(s, &c, &cause) == -1)
		errx(1, "%s", cause);
	store_close(s);
	printf("docs %d entries %lld added %lld folded %lld stories %lld "
	    "bytes %lld seconds %.6f first_seconds %.6f last_seconds %.6f "
	    "fts_seconds %.6f cpu_seconds %.6f fts_cpu_seconds %.6f\n", docs,
	    entries, added, folded, c.stories, c.bytes, total, first, last, fts,
	    cpu, fts_cpu);
	return (0);
}
