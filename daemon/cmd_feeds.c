/*
 * cmd_feeds.c: the subscription commands: add, remove, list, import and
 * export.  They work on the store directly, also while the daemon runs
 * (SQLite waits for the other writer; the daemon notices the change
 * through store_version and its due-feeds query).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include "buf.h"
#include "daemon.h"
#include "feeds.h"
#include "log.h"
#include "storage.h"
#include "xmalloc.h"

#define CMD_FEEDS_MAX_OPML	OPML_MAX_BYTES

struct store *
cmd_feeds_open(struct config *c)
{
	struct store	*s;
	char		*cause = NULL;

	if ((s = store_open(c->database, &cause)) == NULL) {
		fprintf(stderr, "syndic: %s\n", cause);
		free(cause);
		return (NULL);
	}
	if (sched_subscribe(s, c, &cause) == -1) {
		fprintf(stderr, "syndic: %s: %s\n", c->database, cause);
		free(cause);
		store_close(s);
		return (NULL);
	}
	return (s);
}

/*
 * cmd_feeds_tags joins tags as the store keeps them ("a,b", each trimmed,
 * "x,y" counting as two), or NULL when there are none.
 */
static char *
cmd_feeds_tags(char **tags, int n)
{
	struct buf	 b;
	char		**v;
	int		 i, j, nv;

	if (n == 0)
		return (NULL);
	buf_init(&b);
	for (i = 0; i < n; i++) {
		nv = tags[i] == NULL ? 0 : parse_list(tags[i], &v);
		for (j = 0; j < nv; j++) {
			if (b.len > 0)
				buf_putc(&b, ',');
			buf_puts(&b, v[j]);
			free(v[j]);
		}
		if (nv > 0)
			free(v);
	}
	if (b.len == 0) {
		buf_free(&b);
		return (xstrdup(""));
	}
	return (buf_steal(&b));
}

/* cmd_feeds_url_ok accepts the URLs a user may subscribe to by command. */
static int
cmd_feeds_url_ok(const char *url)
{
	return (strncasecmp(url, "http://", 7) == 0 ||
	    strncasecmp(url, "https://", 8) == 0);
}

/*
 * cmd_add_discover looks at what url serves: a feed is kept; for an HTML
 * page, *url becomes the feed it announces (*found holds it) and we say so;
 * a page without one is refused.  A URL that cannot be fetched right now is
 * subscribed anyway, with a warning.  Returns 0 or an exit status.
 */
static int
cmd_add_discover(struct config *c, const char **url, char **found)
{
	char	*feed = NULL, *title = NULL, *cause = NULL;
	int	 rc = 0;

	switch (poll_discover(c, *url, &feed, &title, &cause)) {
	case 1:
		fprintf(stderr, "syndic: add: %s is a web page; subscribing "
		    "to the feed it announces: %s%s%s%s\n", *url, feed,
		    title != NULL ? " (" : "", title != NULL ? title : "",
		    title != NULL ? ")" : "");
		*url = *found = feed;
		feed = NULL;
		break;
	case 0:
		break;
	case -2:
		fprintf(stderr, "syndic: add: %s\n", cause);
		rc = EX_DATAERR;
		break;
	default:
		fprintf(stderr, "syndic: add: warning: cannot check %s now "
		    "(%s); subscribed anyway\n", *url, cause);
		break;
	}
	free(feed);
	free(title);
	free(cause);
	return (rc);
}

int
cmd_add(struct globals *g, int argc, char **argv)
{
	struct config	*c;
	struct store	*s;
	const char	*url = NULL;
	char		**tags = NULL, *joined, *cause = NULL, *found = NULL;
	long long	 id;
	int		 i, ntags = 0, rc = 0, bad = 0;

	for (i = 1; i < argc && !bad; i++) {
		if (strcmp(argv[i], "--tag") == 0 && i + 1 < argc) {
			tags = xreallocarray(tags, ntags + 1, sizeof *tags);
			tags[ntags++] = argv[++i];
		} else if (strncmp(argv[i], "--tag=", 6) == 0) {
			tags = xreallocarray(tags, ntags + 1, sizeof *tags);
			tags[ntags++] = argv[i] + 6;
		} else if (url == NULL && argv[i][0] != '-')
			url = argv[i];
		else
			bad = 1;
	}
	if (url == NULL || bad) {
		fprintf(stderr, "usage: syndic add URL [--tag T]...\n");
		free(tags);
		return (EX_USAGE);
	}
	if (!cmd_feeds_url_ok(url)) {
		fprintf(stderr, "syndic: add: %s: only http and https URLs "
		    "(file:// feeds go in the configuration)\n", url);
		free(tags);
		return (EX_DATAERR);
	}
	if ((c = cmd_load_config(g)) == NULL) {
		free(tags);
		return (EX_CONFIG);
	}
	joined = cmd_feeds_tags(tags, ntags);
	free(tags);
	if ((rc = cmd_add_discover(c, &url, &found)) != 0) {
		free(joined);
		config_free(c);
		return (rc);
	}
	if ((s = cmd_feeds_open(c)) == NULL)
		rc = EX_CANTCREAT;
	else if (store_feed_upsert(s, url, NULL, joined, FEED_ORIGIN_CLI, &id,
	    &cause) == -1) {
		fprintf(stderr, "syndic: add: %s\n", cause);
		rc = EX_SOFTWARE;
	} else
		printf("%lld %s\n", id, url);
	free(cause);
	free(joined);
	free(found);
	store_close(s);
	config_free(c);
	return (rc);
}

int
cmd_remove(struct globals *g, int argc, char **argv)
{
	struct config	*c;
	struct store	*s;
	char		*cause = NULL;
	int		 rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: syndic remove URL|ID\n");
		return (EX_USAGE);
	}
	if ((c = cmd_load_config(g)) == NULL)
		return (EX_CONFIG);
	if ((s = cmd_feeds_open(c)) == NULL)
		rc = EX_CANTCREAT;
	else if (store_feed_remove(s, argv[1], &cause) == -1) {
		fprintf(stderr, "syndic: remove: %s\n", cause);
		rc = strstr(cause, "no such feed") != NULL ? EX_DATAERR :
		    EX_SOFTWARE;
	}
	free(cause);
	store_close(s);
	config_free(c);
	return (rc);
}

/* cmd_feeds_time formats a time for list, "-" when unknown. */
static const char *
cmd_feeds_time(char *out, size_t len, long long t)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
		return ("-");
	strftime(out, len, "%Y-%m-%d %H:%M", &tm);
	return (out);
}

int
cmd_list(struct globals *g, int argc, char **argv)
{
	struct config	*c;
	struct store	*s;
	struct feed_row	*rows, *r;
	char		 t1[32], t2[32], err[256], *cause = NULL;
	int		 i, n, rc = 0;

	if (argc != 1) {
		fprintf(stderr, "usage: syndic list\n");
		return (EX_USAGE);
	}
	if ((c = cmd_load_config(g)) == NULL)
		return (EX_CONFIG);
	if ((s = cmd_feeds_open(c)) == NULL) {
		config_free(c);
		return (EX_CANTCREAT);
	}
	if (store_feed_list(s, &rows, &n, &cause) == -1) {
		fprintf(stderr, "syndic: list: %s\n", cause);
		rc = EX_SOFTWARE;
		n = 0;
		rows = NULL;
	} else
		printf("%-4s %-7s %-16s %-16s %7s  %s\n", "ID", "STATUS",
		    "LAST FETCH (UTC)", "NEXT POLL (UTC)", "ENTRIES", "FEED");
	for (i = 0; i < n; i++) {
		r = &rows[i];
		printf("%-4lld %-7s %-16s %-16s %7lld  %s%s%s%s%s%s%s\n", r->id,
		    r->retired ? "retired" : r->last_fetch <= 0 ? "new" :
		    r->failures > 0 ? "failing" : "ok",
		    cmd_feeds_time(t1, sizeof t1, r->last_fetch),
		    r->retired ? "-" : cmd_feeds_time(t2, sizeof t2,
		    r->next_poll), r->nentries, r->url,
		    r->title != NULL ? " (" : "",
		    r->title != NULL ? r->title : "",
		    r->title != NULL ? ")" : "",
		    *r->tags != '\0' ? " [" : "", r->tags,
		    *r->tags != '\0' ? "]" : "");
		if (r->last_error != NULL)
			printf("     last error (HTTP %d, %d in a row): %s\n",
			    r->last_status, r->failures, log_escape(err,
			    sizeof err, r->last_error));
	}
	feed_rows_free(rows, n);
	store_close(s);
	config_free(c);
	return (rc);
}

/* cmd_feeds_slurp reads a whole file (or stdin for "-"), capped. */
static char *
cmd_feeds_slurp(const char *path, size_t *len, char **cause)
{
	FILE	*fp;
	char	*data;
	size_t	 n;

	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "r")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	data = xmalloc(CMD_FEEDS_MAX_OPML + 1);
	n = fread(data, 1, CMD_FEEDS_MAX_OPML + 1, fp);
	if (ferror(fp) || n > CMD_FEEDS_MAX_OPML) {
		xasprintf(cause, "%s: %s", path, ferror(fp) ?
		    "read error" : "file too large");
		free(data);
		data = NULL;
	}
	if (fp != stdin)
		fclose(fp);
	*len = n;
	return (data);
}

/* cmd_feeds_import subscribes to the feeds read from an OPML file. */
static int
cmd_feeds_import(struct store *s, struct opml_feed *v, int n)
{
	char		*tags, *cause = NULL;
	int		 i, added = 0, bad = 0;

	for (i = 0; i < n; i++) {
		if (!cmd_feeds_url_ok(v[i].url)) {
			fprintf(stderr, "syndic: import: skipping %s: not an "
			    "http(s) URL\n", v[i].url);
			bad++;
			continue;
		}
		tags = cmd_feeds_tags(v[i].tags, v[i].ntags);
		if (store_feed_find(s, v[i].url) == -1)
			added++;
		if (store_feed_upsert(s, v[i].url, NULL, tags,
		    FEED_ORIGIN_CLI, NULL, &cause) == -1) {
			fprintf(stderr, "syndic: import: %s: %s\n", v[i].url,
			    cause);
			free(cause);
			cause = NULL;
			bad++;
		}
		free(tags);
	}
	printf("imported %d feeds (%d new, %d skipped)\n", n - bad, added, bad);
	return (bad == n && n > 0 ? EX_DATAERR : 0);
}

int
cmd_import(struct globals *g, int argc, char **argv)
{
	struct config		*c;
	struct store		*s;
	struct opml_feed	*v;
	char			*data, *cause = NULL;
	size_t			 len;
	int			 n, rc;

	if (argc != 2) {
		fprintf(stderr, "usage: syndic import FILE.opml\n");
		return (EX_USAGE);
	}
	if ((data = cmd_feeds_slurp(argv[1], &len, &cause)) == NULL) {
		fprintf(stderr, "syndic: import: %s\n", cause);
		free(cause);
		return (EX_NOINPUT);
	}
	if (opml_read(data, len, &v, &n, &cause) == -1) {
		fprintf(stderr, "syndic: import: %s: %s\n", argv[1], cause);
		free(cause);
		free(data);
		return (EX_DATAERR);
	}
	free(data);
	if ((c = cmd_load_config(g)) == NULL) {
		opml_feeds_free(v, n);
		return (EX_CONFIG);
	}
	if ((s = cmd_feeds_open(c)) == NULL)
		rc = EX_CANTCREAT;
	else
		rc = cmd_feeds_import(s, v, n);
	opml_feeds_free(v, n);
	store_close(s);
	config_free(c);
	return (rc);
}

/* cmd_feeds_split splits "a,b" into a vector of tags. */
static int
cmd_feeds_split(const char *tags, char ***out)
{
	*out = NULL;
	return (parse_list(tags, out));
}

int
cmd_export(struct globals *g, int argc, char **argv)
{
	struct config		*c;
	struct store		*s;
	struct feed_row		*rows;
	struct opml_feed	*v;
	char			*doc, *cause = NULL;
	int			 i, n, rc = 0;

	if (argc != 1) {
		fprintf(stderr, "usage: syndic export\n");
		return (EX_USAGE);
	}
	if ((c = cmd_load_config(g)) == NULL)
		return (EX_CONFIG);
	if ((s = cmd_feeds_open(c)) == NULL) {
		config_free(c);
		return (EX_CANTCREAT);
	}
	if (store_feed_list(s, &rows, &n, &cause) == -1) {
		fprintf(stderr, "syndic: export: %s\n", cause);
		free(cause);
		store_close(s);
		config_free(c);
		return (EX_SOFTWARE);
	}
	v = xcalloc(n + 1, sizeof *v);
	for (i = 0; i < n; i++) {
		v[i].url = rows[i].url;
		v[i].title = rows[i].title;
		v[i].site = rows[i].site_url;
		rows[i].url = rows[i].title = rows[i].site_url = NULL;
		v[i].ntags = cmd_feeds_split(rows[i].tags, &v[i].tags);
	}
	feed_rows_free(rows, n);
	doc = opml_write(v, n, c->title, (long long)time(NULL));
	if (fputs(doc, stdout) == EOF || fflush(stdout) == EOF)
		rc = EX_IOERR;
	free(doc);
	opml_feeds_free(v, n);
	store_close(s);
	config_free(c);
	return (rc);
}
