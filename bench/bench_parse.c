/*
 * bench_parse.c: the ingest parse as the poller runs it, for bench/run:
 * each file named is read, parsed into normalized entries, and each
 * entry's plain text is made (what dedup and related index).  Prints one
 * line of totals for the harness to read.
 *
 * usage: bench_parse [-ns] [-u BASE] FILE...
 *	-n	no plain text (parse_document alone)
 *	-s	also sanitize summary and content (PARSE_SANITIZE)
 *	-u	base URL; each document's URL is BASE + its file name
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "feeds.h"
#include "bench_util.h"

#define BENCH_TEXT_MAX	(64 * 1024)

int
main(int argc, char **argv)
{
	const char	*base = "https://bench.example/feeds/";
	struct doc	*d;
	char		*data, *url, *text, *path;
	size_t		 len, bytes = 0, textbytes = 0;
	long long	 entries = 0;
	int		 ch, flags = 0, i, j, bozo = 0, notext = 0;
	double		 t0;

	while ((ch = getopt(argc, argv, "nsu:")) != -1) {
		switch (ch) {
		case 'n':
			notext = 1;
			break;
		case 's':
			flags |= PARSE_SANITIZE;
			break;
		case 'u':
			base = optarg;
			break;
		default:
			fprintf(stderr, "usage: bench_parse [-ns] [-u BASE] "
			    "FILE...\n");
			return (64);
		}
	}
	t0 = bench_now();
	for (i = optind; i < argc; i++) {
		data = bench_read_file(argv[i], &len);
		path = xstrdup(argv[i]);
		xasprintf(&url, "%s%s", base, basename(path));
		d = parse_document(data, len, url, NULL, flags);
		for (j = 0; j < d->nentries && !notext; j++) {
			text = parse_entry_text(&d->entries[j],
			    BENCH_TEXT_MAX);
			textbytes += strlen(text);
			free(text);
		}
		entries += d->nentries;
		bozo += d->bozo;
		bytes += len;
		doc_free(d);
		free(url);
		free(path);
		free(data);
	}
	printf("files %d bytes %zu entries %lld bozo %d textbytes %zu "
	    "seconds %.6f\n", argc - optind, bytes, entries, bozo, textbytes,
	    bench_now() - t0);
	return (0);
}
