/*
 * cmd_parse.c: the "parse" command: one feed document from a file or
 * stdin, parsed and sanitized as the poller would, printed as JSON.  No
 * configuration and no store are involved.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"
#include "daemon.h"
#include "feeds.h"

/* cmd_parse_read reads all of fp, at most PARSE_MAX_DOC bytes. */
static int
cmd_parse_read(FILE *fp, struct buf *b)
{
	char	 chunk[65536];
	size_t	 n;

	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
		if (b->len + n > PARSE_MAX_DOC) {
			errno = EFBIG;
			return (-1);
		}
		buf_add(b, chunk, n);
	}
	return (ferror(fp) ? -1 : 0);
}

int
cmd_parse(struct globals *g, int argc, char **argv)
{
	struct buf	 b;
	struct doc	*d;
	const char	*base = NULL, *file;
	FILE		*fp;
	char		*json;
	int		 i = 1, rc = 0;

	if (argc > 2 && strcmp(argv[1], "--base") == 0) {
		base = argv[2];
		i = 3;
	}
	if (argc != i + 1) {
		fprintf(stderr, "usage: syndic parse [--base URL] FILE|-\n");
		return (EX_USAGE);
	}
	file = argv[i];
	if (strcmp(file, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(file, "rb")) == NULL) {
		fprintf(stderr, "syndic: parse: %s: %s\n", file,
		    strerror(errno));
		return (EX_NOINPUT);
	}
	buf_init(&b);
	if (cmd_parse_read(fp, &b) == -1) {
		fprintf(stderr, "syndic: parse: %s: %s\n", file,
		    strerror(errno));
		rc = EX_IOERR;
	}
	if (fp != stdin)
		fclose(fp);
	if (rc != 0) {
		buf_free(&b);
		return (rc);
	}
	d = parse_document(b.data != NULL ? b.data : "", b.len, base, NULL,
	    PARSE_SANITIZE);
	buf_free(&b);
	json = parse_json(d);
	printf("%s\n", json);
	free(json);
	if (d->format == FORMAT_UNKNOWN) {
		fprintf(stderr, "syndic: parse: %s: not a feed\n", file);
		rc = EX_DATAERR;
	}
	doc_free(d);
	return (rc);
}
