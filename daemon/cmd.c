/*
 * cmd.c: the command table and dispatch.  Each command lives in its own
 * file (cmd_*.c); this one only finds it.  A command whose work has not
 * landed yet is hidden from help and answers with a clear message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "storage.h"

struct cmd_entry {
	const char	*name;
	int		(*fn)(struct globals *, int, char **);
	const char	*usage;
};

static const struct cmd_entry cmd_table[] = {
	{ "run", cmd_run, "run                       run the daemon in the "
	    "foreground" },
	{ "poll", cmd_poll, "poll [--all] [--index] [FEED...]\n"
	    "                            poll due (or all, or the named) feeds "
	    "once, store, exit" },
	{ "index", cmd_index, "index                     bring the related "
	    "and full-text indexes up to date" },
	{ "add", cmd_add, "add URL [--tag T]...      subscribe to a feed" },
	{ "remove", cmd_remove, "remove URL|ID             unsubscribe" },
	{ "list", cmd_list, "list                      feeds with their state" },
	{ "import", cmd_import, "import FILE.opml          subscribe to every "
	    "feed of an OPML file" },
	{ "export", cmd_export, "export                    OPML 2.0 of the "
	    "subscriptions on stdout" },
	{ "publish", cmd_publish, "publish [--format atom|rss|json|html|opml] "
	    "[--tag T]\n                            [--after CURSOR] write the "
	    "merged output on stdout" },
	{ "related", cmd_related, "related [--json] ENTRY-ID|URL\n"
	    "                            show the recommendations for one "
	    "entry" },
	{ "check", cmd_check, "check                     validate the "
	    "configuration and the store" },
	{ "parse", cmd_parse, "parse [--base URL] FILE|- parse one feed "
	    "document, print normalized JSON" },
};

void
cmd_usage(void)
{
	size_t	 i;

	fprintf(stderr, "usage: syndic [-c FILE] [-v] COMMAND [ARGS]\n"
	    "       syndic --version | help\n\ncommands:\n");
	for (i = 0; i < sizeof cmd_table / sizeof cmd_table[0]; i++)
		fprintf(stderr, "  %s\n", cmd_table[i].usage);
}

struct config *
cmd_load_config(struct globals *g)
{
	struct config	*c;
	const char	*path;
	char		*errors;

	path = config_path(g->config_file);
	if ((c = config_load(path, &errors)) == NULL) {
		fputs(errors, stderr);
		free(errors);
	}
	return (c);
}

int
cmd_main(struct globals *g, int argc, char **argv)
{
	size_t	 i;

	for (i = 0; i < sizeof cmd_table / sizeof cmd_table[0]; i++) {
		if (strcmp(argv[0], cmd_table[i].name) != 0)
			continue;
		return (cmd_table[i].fn(g, argc, argv));
	}
	fprintf(stderr, "syndic: unknown command \"%s\" (try syndic help)\n",
	    argv[0]);
	return (EX_USAGE);
}

/*
 * cmd_check_store checks the configured store when it exists: it opens
 * (bringing the schema up to date) and passes PRAGMA integrity_check.
 */
static int
cmd_check_store(struct config *c)
{
	struct store		*s;
	struct store_counts	 n;
	char			*cause = NULL;
	int			 rc = 0;

	if (access(c->database, F_OK) == -1) {
		printf("%s: no store yet\n", c->database);
		return (0);
	}
	if ((s = store_open(c->database, &cause)) == NULL) {
		fprintf(stderr, "%s: %s\n", c->database, cause);
		free(cause);
		return (1);
	}
	if (store_check(s, &cause) == -1 || store_counts(s, &n, &cause) == -1) {
		fprintf(stderr, "%s: %s\n", c->database, cause);
		free(cause);
		rc = 1;
	} else {
		printf("%s: ok (%lld feeds, %lld entries, %lld stories)\n",
		    c->database, n.feeds, n.entries, n.stories);
		if (n.related_todo > 0 || n.fts_todo > 0)
			printf("%s: %lld stories wait for the related index, "
			    "%lld for full-text search (syndic index)\n",
			    c->database, n.related_todo, n.fts_todo);
	}
	store_close(s);
	return (rc);
}

int
cmd_check(struct globals *g, int argc, char **argv)
{
	struct config	*c;
	int		 rc;

	if (argc != 1) {
		fprintf(stderr, "usage: syndic check\n");
		return (EX_USAGE);
	}
	if ((c = cmd_load_config(g)) == NULL)
		return (1);
	printf("%s: ok (%d feeds)\n", c->path, c->nfeeds);
	rc = cmd_check_store(c);
	config_free(c);
	return (rc);
}
