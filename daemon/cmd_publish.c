/*
 * cmd_publish.c: "syndic publish": the merged output written on stdout,
 * the same bytes the daemon serves, for static hosting.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "daemon.h"
#include "storage.h"

#define PUBLISH_CACHE_KIB	(12 * 1024)	/* the store's page cache */

/* cmd_publish_usage prints the usage line and returns EX_USAGE. */
static int
cmd_publish_usage(void)
{
	fprintf(stderr, "usage: syndic publish [--format atom|rss|json|html] "
	    "[--tag T] [--after CURSOR]\n");
	return (EX_USAGE);
}

int
cmd_publish(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "tag", required_argument, NULL, 't' },
		{ "after", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	struct publish_source	 src;
	struct config		*conf;
	struct store		*st;
	const char		*tag = NULL, *after = NULL;
	char			*out, *cause = NULL;
	int			 ch, format = PUBLISH_ATOM, rc = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:t:a:", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if ((format = publish_format(optarg)) == -1) {
				fprintf(stderr, "syndic: publish: unknown "
				    "format \"%s\"\n", optarg);
				return (cmd_publish_usage());
			}
			break;
		case 't':
			tag = optarg;
			break;
		case 'a':
			after = optarg;
			break;
		default:
			return (cmd_publish_usage());
		}
	}
	if (optind != argc)
		return (cmd_publish_usage());
	if ((conf = cmd_load_config(g)) == NULL)
		return (EX_CONFIG);
	if ((st = store_open(conf->database, &cause)) == NULL) {
		fprintf(stderr, "syndic: %s\n", cause);
		free(cause);
		config_free(conf);
		return (EX_UNAVAILABLE);
	}
	/*
	 * No daemon comes later: the lists shown are made now, whole (after
	 * a big poll, every waiting story is indexed first).  A page cache
	 * and no mapping keep that bounded (mapped pages count in the RSS).
	 */
	store_set_related_full(st);
	if (store_set_memory(st, PUBLISH_CACHE_KIB, 0, &cause) == -1) {
		free(cause);
		cause = NULL;
	}
	publish_store_source(st, &src);
	out = publish_render(conf, &src, format, tag, after, &cause);
	if (out == NULL) {
		fprintf(stderr, "syndic: publish: %s\n", cause);
		free(cause);
		rc = EX_DATAERR;
	} else {
		if (fputs(out, stdout) == EOF || fflush(stdout) == EOF) {
			perror("syndic: publish: stdout");
			rc = EX_IOERR;
		}
		free(out);
	}
	store_close(st);
	config_free(conf);
	return (rc);
}
