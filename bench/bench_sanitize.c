/*
 * bench_sanitize.c: the HTML sanitizer against its floor, a bare gumbo
 * parse of the same HTML, for bench/run.  Reads the fragments of
 * gencorpus.py's html.dat ("LENGTH\n" then the bytes, repeated) into memory
 * and times one pass of the chosen work over all of them.
 *
 * usage: bench_sanitize gumbo|sanitize|text FILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gumbo.h>

#include "feeds.h"
#include "bench_util.h"

struct frag {
	const char	*p;
	size_t		 len;
};

/* frags_split cuts html.dat into fragments; returns how many. */
static size_t
frags_split(char *data, size_t len, struct frag **out)
{
	struct frag	*f = NULL;
	size_t		 n = 0, cap = 0, flen;
	char		*p = data, *end = data + len, *nl;

	while (p < end) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			break;
		flen = strtoul(p, NULL, 10);
		p = nl + 1;
		if (flen > (size_t)(end - p))
			errx(1, "html.dat: truncated");
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			f = xreallocarray(f, cap, sizeof *f);
		}
		f[n].p = p;
		f[n].len = flen;
		n++;
		p += flen;
	}
	*out = f;
	return (n);
}

int
main(int argc, char **argv)
{
	GumboOutput	*g;
	struct frag	*f;
	char		*data, *s;
	size_t		 len, n, i, bytes = 0, outbytes = 0;
	double		 t0, t;

	if (argc != 3) {
		fprintf(stderr, "usage: bench_sanitize gumbo|sanitize|text "
		    "FILE\n");
		return (64);
	}
	data = bench_read_file(argv[2], &len);
	n = frags_split(data, len, &f);
	t0 = bench_now();
	for (i = 0; i < n; i++) {
		bytes += f[i].len;
		if (strcmp(argv[1], "gumbo") == 0) {
			g = gumbo_parse_with_options(&kGumboDefaultOptions,
			    f[i].p, f[i].len);
			gumbo_destroy_output(&kGumboDefaultOptions, g);
			continue;
		}
		if (strcmp(argv[1], "sanitize") == 0)
			s = sanitize_html(f[i].p, f[i].len,
			    "https://bench.example/");
		else
			s = text_from_html(f[i].p, f[i].len, 0);
		outbytes += strlen(s);
		free(s);
	}
	t = bench_now() - t0;
	printf("fragments %zu bytes %zu outbytes %zu seconds %.6f\n", n,
	    bytes, outbytes, t);
	free(f);
	free(data);
	return (0);
}
