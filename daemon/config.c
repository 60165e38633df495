/*
 * config.c: syndic.conf, an INI file read with inih.  Every problem is
 * collected as "FILE:LINE: message" so that an operator sees all of them at
 * once; unknown sections and keys are errors, since a typo that is ignored
 * silently is a setting that does not hold.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"

#include "buf.h"
#include "daemon.h"
#include "xmalloc.h"

#define CONFIG_DEFAULT_PATH	SYSCONFDIR "/syndic/syndic.conf"
#define CONFIG_DEFAULT_DB	LOCALSTATEDIR "/lib/syndic/syndic.db"

/* The state of one parse: the file, the line being read, the errors. */
struct config_parse {
	const char	*file;
	FILE		*fp;
	int		 line;
	struct buf	 errors;
	int		 nerrors;
	struct config	*conf;
	struct feed_conf *feed;		/* the current [feed] section */
	int		 feedcap;	/* room in conf->feeds */
	int		*seen;		/* feed index + 1 by URL hash, 0: none */
	size_t		 seencap;
};

static char *config_relative(struct config_parse *, const char *, size_t);
static int config_seen(struct config_parse *, const char *);
static void config_see(struct config_parse *, int);
static void config_error(struct config_parse *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

struct config *
config_default(void)
{
	struct config	*c;

	c = xcalloc(1, sizeof *c);
	c->database = xstrdup(CONFIG_DEFAULT_DB);
	c->listen = xstrdup("127.0.0.1:8080");
	c->user_agent = xstrdup(PACKAGE_NAME "/" PACKAGE_VERSION
	    " (+https://example.org/syndic)");
	c->max_connections = 1024;
	c->request_timeout = 10;
	c->title = xstrdup("Merged news");
	c->link = xstrdup("http://localhost:8080/");
	c->items = 50;
	c->related = 5;
	c->interval = 30 * 60;
	c->min_interval = 5 * 60;
	c->max_interval = 24 * 3600;
	c->timeout = 30;
	c->max_body = 10 * 1024 * 1024;
	c->concurrency = 64;
	c->per_site = 2;
	c->site_delay_ms = 250;
	c->allow_private = 0;
	c->max_age = 0;
	c->max_entries = 0;
	return (c);
}

/* feed_conf_clear releases one feed declaration. */
static void
feed_conf_clear(struct feed_conf *f)
{
	int	 i;

	free(f->url);
	free(f->title);
	for (i = 0; i < f->ntags; i++)
		free(f->tags[i]);
	free(f->tags);
}

void
config_free(struct config *c)
{
	int	 i;

	if (c == NULL)
		return;
	free(c->path);
	free(c->database);
	free(c->listen);
	free(c->user_agent);
	free(c->title);
	free(c->link);
	free(c->hub);
	free(c->proxy);
	for (i = 0; i < c->nfeeds; i++)
		feed_conf_clear(&c->feeds[i]);
	free(c->feeds);
	free(c);
}

const char *
config_path(const char *opt)
{
	const char	*env;

	if (opt != NULL)
		return (opt);
	if ((env = getenv("SYNDIC_CONF")) != NULL && *env != '\0')
		return (env);
	return (CONFIG_DEFAULT_PATH);
}

int
parse_duration(const char *s, long long *out)
{
	char		*end;
	long long	 v, mul = 1;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || v < 0)
		return (-1);
	switch (*end) {
	case '\0':
	case 's':
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	case 'w':
		mul = 7 * 86400;
		break;
	default:
		return (-1);
	}
	if (*end != '\0')
		end++;
	if (*end != '\0' || v > LLONG_MAX / mul)
		return (-1);
	*out = v * mul;
	return (0);
}

int
parse_size(const char *s, long long *out)
{
	char		*end;
	long long	 v, mul = 1;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || v < 0)
		return (-1);
	switch (toupper((unsigned char)*end)) {
	case '\0':
	case 'B':
		break;
	case 'K':
		mul = 1024;
		break;
	case 'M':
		mul = 1024 * 1024;
		break;
	case 'G':
		mul = 1024LL * 1024 * 1024;
		break;
	default:
		return (-1);
	}
	if (*end != '\0')
		end++;
	if ((*end == 'B' || *end == 'b') && mul > 1)
		end++;
	if (*end != '\0' || v > LLONG_MAX / mul)
		return (-1);
	*out = v * mul;
	return (0);
}

int
parse_bool(const char *s, int *out)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };
	size_t		 i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return (0);
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return (0);
		}
	}
	return (-1);
}

int
parse_list(const char *s, char ***out)
{
	const char	*p, *start, *end;
	char		**v = NULL;
	int		 n = 0;

	for (p = s;; p++) {
		if (*p != ',' && *p != '\0')
			continue;
		start = s;
		end = p;
		while (start < end && isspace((unsigned char)*start))
			start++;
		while (end > start && isspace((unsigned char)end[-1]))
			end--;
		if (end > start) {
			v = xreallocarray(v, (size_t)n + 1, sizeof *v);
			v[n++] = xstrndup(start, (size_t)(end - start));
		}
		if (*p == '\0')
			break;
		s = p + 1;
	}
	*out = v;
	return (n);
}

static void
config_error(struct config_parse *cp, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	buf_printf(&cp->errors, "%s:%d: %s\n", cp->file, cp->line, msg);
	cp->nerrors++;
	free(msg);
}

/* config_int reads a bounded integer setting. */
static void
config_int(struct config_parse *cp, const char *key, const char *value,
    int min, int max, int *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (*value == '\0' || *end != '\0' || errno != 0 || v < min ||
	    v > max) {
		config_error(cp, "%s: expected a number from %d to %d, not "
		    "\"%s\"", key, min, max, value);
		return;
	}
	*out = (int)v;
}

/* config_dur reads a duration setting. */
static void
config_dur(struct config_parse *cp, const char *key, const char *value,
    long long min, long long *out)
{
	long long	 v;

	if (parse_duration(value, &v) != 0) {
		config_error(cp, "%s: bad duration \"%s\" (use e.g. 30s, 15m, "
		    "2h, 1d)", key, value);
		return;
	}
	if (v < min) {
		config_error(cp, "%s: %s is too short (at least %llds)", key,
		    value, min);
		return;
	}
	*out = v;
}

/* config_str replaces a string setting. */
static void
config_str(char **slot, const char *value)
{
	free(*slot);
	*slot = xstrdup(value);
}

/* config_syndic handles the [syndic] section. */
static void
config_syndic(struct config_parse *cp, const char *key, const char *value)
{
	struct config	*c = cp->conf;

	if (strcmp(key, "database") == 0) {
		if (*value == '\0')
			config_error(cp, "database: empty path");
		else {
			free(c->database);
			c->database = config_relative(cp, value, strlen(value));
		}
	} else if (strcmp(key, "listen") == 0) {
		if (strrchr(value, ':') == NULL)
			config_error(cp, "listen: expected HOST:PORT, not "
			    "\"%s\"", value);
		else
			config_str(&c->listen, value);
	} else if (strcmp(key, "user_agent") == 0)
		config_str(&c->user_agent, value);
	else if (strcmp(key, "max_connections") == 0)
		config_int(cp, key, value, 1, 1000000, &c->max_connections);
	else if (strcmp(key, "request_timeout") == 0)
		config_dur(cp, key, value, 1, &c->request_timeout);
	else
		config_error(cp, "unknown key \"%s\" in [syndic]", key);
}

/* config_output handles the [output] section. */
static void
config_output(struct config_parse *cp, const char *key, const char *value)
{
	struct config	*c = cp->conf;

	if (strcmp(key, "title") == 0)
		config_str(&c->title, value);
	else if (strcmp(key, "link") == 0)
		config_str(&c->link, value);
	else if (strcmp(key, "items") == 0)
		config_int(cp, key, value, 1, 1000, &c->items);
	else if (strcmp(key, "related") == 0)
		config_int(cp, key, value, 0, 20, &c->related);
	else if (strcmp(key, "hub") == 0)
		config_str(&c->hub, value);
	else
		config_error(cp, "unknown key \"%s\" in [output]", key);
}

/* config_msec reads "250ms" or a duration as milliseconds. */
static int
config_msec(const char *value, long long *ms)
{
	char		*end;
	long long	 v;

	v = strtoll(value, &end, 10);
	if (end != value && v >= 0 && strcmp(end, "ms") == 0) {
		*ms = v;
		return (0);
	}
	if (parse_duration(value, &v) != 0 || v > 3600 * 1000)
		return (-1);
	*ms = v * 1000;
	return (0);
}

/* config_fetch handles the [fetch] section. */
static void
config_fetch(struct config_parse *cp, const char *key, const char *value)
{
	struct config	*c = cp->conf;

	if (strcmp(key, "interval") == 0)
		config_dur(cp, key, value, 1, &c->interval);
	else if (strcmp(key, "min_interval") == 0)
		config_dur(cp, key, value, 1, &c->min_interval);
	else if (strcmp(key, "max_interval") == 0)
		config_dur(cp, key, value, 1, &c->max_interval);
	else if (strcmp(key, "timeout") == 0)
		config_dur(cp, key, value, 1, &c->timeout);
	else if (strcmp(key, "max_body") == 0) {
		if (parse_size(value, &c->max_body) != 0 || c->max_body < 1024)
			config_error(cp, "max_body: bad size \"%s\" (use e.g. "
			    "512K, 10M; at least 1K)", value);
	} else if (strcmp(key, "concurrency") == 0)
		config_int(cp, key, value, 1, 10000, &c->concurrency);
	else if (strcmp(key, "per_site") == 0)
		config_int(cp, key, value, 1, 100, &c->per_site);
	else if (strcmp(key, "site_delay") == 0) {
		if (config_msec(value, &c->site_delay_ms) != 0 ||
		    c->site_delay_ms > 3600 * 1000)
			config_error(cp, "site_delay: bad duration \"%s\" (use "
			    "e.g. 250ms, 1s; at most 1h)", value);
	}
	else if (strcmp(key, "allow_private") == 0) {
		if (parse_bool(value, &c->allow_private) != 0)
			config_error(cp, "allow_private: expected yes or no, "
			    "not \"%s\"", value);
	} else if (strcmp(key, "proxy") == 0)
		config_str(&c->proxy, value);
	else
		config_error(cp, "unknown key \"%s\" in [fetch]", key);
}

/* config_store handles the [store] section (retention). */
static void
config_store(struct config_parse *cp, const char *key, const char *value)
{
	struct config	*c = cp->conf;

	if (strcmp(key, "max_age") == 0)
		config_dur(cp, key, value, 0, &c->max_age);
	else if (strcmp(key, "max_entries") == 0)
		config_int(cp, key, value, 0, 1000000, &c->max_entries);
	else
		config_error(cp, "unknown key \"%s\" in [store]", key);
}

/*
 * config_relative turns a path relative to the configuration file's folder
 * into an absolute one, so that a configuration can travel with its files.
 */
static char *
config_relative(struct config_parse *cp, const char *path, size_t len)
{
	const char	*slash;
	char		*out, *cwd;

	if (len > 0 && path[0] == '/')
		return (xstrndup(path, len));
	slash = strrchr(cp->file, '/');
	if (slash != NULL && cp->file[0] == '/')
		xasprintf(&out, "%.*s/%.*s", (int)(slash - cp->file), cp->file,
		    (int)len, path);
	else {
		if ((cwd = getcwd(NULL, 0)) == NULL)
			cwd = xstrdup(".");
		if (slash != NULL)
			xasprintf(&out, "%s/%.*s/%.*s", cwd,
			    (int)(slash - cp->file), cp->file, (int)len, path);
		else
			xasprintf(&out, "%s/%.*s", cwd, (int)len, path);
		free(cwd);
	}
	return (out);
}

/*
 * config_resolve_file returns a feed URL; "file:PATH" with a relative PATH
 * (not a URL strictly, but what a demo configuration needs) becomes
 * file:///ABSOLUTE, relative to the configuration file.
 */
static char *
config_resolve_file(struct config_parse *cp, const char *url, size_t len)
{
	char	*path, *out;

	if (len < 5 || strncmp(url, "file:", 5) != 0 || (len > 5 &&
	    url[5] == '/'))
		return (xstrndup(url, len));
	path = config_relative(cp, url + 5, len - 5);
	xasprintf(&out, "file://%s", path);
	free(path);
	return (out);
}

/* config_feed_begin starts a [feed "URL"] section. */
static void
config_feed_begin(struct config_parse *cp, const char *section)
{
	struct config	*c = cp->conf;
	const char	*q, *end;
	char		*url;
	int		 i;

	cp->feed = NULL;
	q = section + 4;
	while (isspace((unsigned char)*q))
		q++;
	end = strrchr(q, '"');
	if (*q != '"' || end == NULL || end == q || end[1] != '\0') {
		config_error(cp, "bad section [%s]: expected [feed \"URL\"]",
		    section);
		return;
	}
	url = config_resolve_file(cp, q + 1, (size_t)(end - q - 1));
	if (strncmp(url, "http://", 7) != 0 &&
	    strncmp(url, "https://", 8) != 0 &&
	    strncmp(url, "file://", 7) != 0) {
		config_error(cp, "feed \"%s\": only http, https and file URLs "
		    "are allowed", url);
		free(url);
		return;
	}
	if ((i = config_seen(cp, url)) >= 0) {
		config_error(cp, "feed \"%s\" already declared at line %d",
		    url, c->feeds[i].line);
		free(url);
		return;
	}
	if (c->nfeeds == cp->feedcap) {
		cp->feedcap = cp->feedcap == 0 ? 16 : cp->feedcap * 2;
		c->feeds = xreallocarray(c->feeds, cp->feedcap,
		    sizeof *c->feeds);
	}
	cp->feed = &c->feeds[c->nfeeds++];
	memset(cp->feed, 0, sizeof *cp->feed);
	cp->feed->url = url;
	cp->feed->line = cp->line;
	config_see(cp, c->nfeeds - 1);
}

/* config_url_hash is FNV-1a over a URL. */
static size_t
config_url_hash(const char *s)
{
	unsigned long long	h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return ((size_t)h);
}

/*
 * config_seen finds a feed already declared with url: its index, or -1.
 * A hash table, so that a file of 10,000 feeds loads in linear time.
 */
static int
config_seen(struct config_parse *cp, const char *url)
{
	size_t	i;
	int	k;

	if (cp->seencap == 0)
		return (-1);
	for (i = config_url_hash(url) & (cp->seencap - 1);
	    (k = cp->seen[i]) != 0; i = (i + 1) & (cp->seencap - 1)) {
		if (strcmp(cp->conf->feeds[k - 1].url, url) == 0)
			return (k - 1);
	}
	return (-1);
}

/* config_see adds feed k to the table of config_seen, growing it. */
static void
config_see(struct config_parse *cp, int k)
{
	struct config	*c = cp->conf;
	size_t		 i;
	int		 j;

	if ((size_t)c->nfeeds * 2 >= cp->seencap) {
		free(cp->seen);
		cp->seencap = cp->seencap == 0 ? 64 : cp->seencap * 2;
		cp->seen = xcalloc(cp->seencap, sizeof *cp->seen);
		for (j = 0; j < c->nfeeds; j++) {
			if (j == k)
				continue;
			for (i = config_url_hash(c->feeds[j].url) &
			    (cp->seencap - 1); cp->seen[i] != 0;
			    i = (i + 1) & (cp->seencap - 1))
				;
			cp->seen[i] = j + 1;
		}
	}
	for (i = config_url_hash(c->feeds[k].url) & (cp->seencap - 1);
	    cp->seen[i] != 0; i = (i + 1) & (cp->seencap - 1))
		;
	cp->seen[i] = k + 1;
}

/* config_feed handles a key of a [feed "URL"] section. */
static void
config_feed(struct config_parse *cp, const char *key, const char *value)
{
	struct feed_conf *f = cp->feed;
	int		 i;

	if (f == NULL)
		return;		/* the section line was already reported */
	if (strcmp(key, "title") == 0)
		config_str(&f->title, value);
	else if (strcmp(key, "tags") == 0) {
		for (i = 0; i < f->ntags; i++)
			free(f->tags[i]);
		free(f->tags);
		f->ntags = parse_list(value, &f->tags);
	} else if (strcmp(key, "interval") == 0)
		config_dur(cp, key, value, 1, &f->interval);
	else
		config_error(cp, "unknown key \"%s\" in [feed]", key);
}

/* config_section starts a section; called by the reader on its line. */
static void
config_section(struct config_parse *cp, const char *section)
{
	cp->feed = NULL;
	if (strncmp(section, "feed", 4) == 0 && (section[4] == ' ' ||
	    section[4] == '"' || section[4] == '\t'))
		config_feed_begin(cp, section);
	else if (strcmp(section, "syndic") != 0 &&
	    strcmp(section, "output") != 0 &&
	    strcmp(section, "fetch") != 0 &&
	    strcmp(section, "store") != 0)
		config_error(cp, "unknown section [%s]", section);
}

/* config_handler is inih's callback: one key = value of a section. */
static int
config_handler(void *arg, const char *section, const char *key,
    const char *value)
{
	struct config_parse *cp = arg;

	if (*section == '\0')
		config_error(cp, "\"%s\" outside of any section", key);
	else if (strcmp(section, "syndic") == 0)
		config_syndic(cp, key, value);
	else if (strcmp(section, "output") == 0)
		config_output(cp, key, value);
	else if (strcmp(section, "fetch") == 0)
		config_fetch(cp, key, value);
	else if (strcmp(section, "store") == 0)
		config_store(cp, key, value);
	else if (strncmp(section, "feed", 4) == 0)
		config_feed(cp, key, value);
	return (1);
}

/*
 * config_reader is inih's line reader.  It counts lines (inih's own line
 * numbers reach the handler only in a build option Debian does not use) and
 * reports lines inih would reject, so that every syntax error is listed.
 */
static char *
config_reader(char *str, int num, void *arg)
{
	struct config_parse *cp = arg;
	const char	*p, *end;
	char		*name;
	size_t		 len;

	if (fgets(str, num, cp->fp) == NULL)
		return (NULL);
	len = strlen(str);
	cp->line++;
	if (len == (size_t)num - 1 && str[len - 1] != '\n') {
		config_error(cp, "line too long");
		while (!feof(cp->fp) && fgetc(cp->fp) != '\n')
			continue;
		str[0] = '\0';
		return (str);
	}
	for (p = str; isspace((unsigned char)*p); p++)
		continue;
	if (*p == '\0' || *p == ';' || *p == '#')
		return (str);
	if (*p == '[') {
		if ((end = strchr(p, ']')) == NULL) {
			config_error(cp, "section header without ']'");
			str[0] = '\0';
			return (str);
		}
		name = xstrndup(p + 1, (size_t)(end - p - 1));
		config_section(cp, name);
		free(name);
		return (str);
	}
	if (strchr(p, '=') == NULL && strchr(p, ':') == NULL) {
		config_error(cp, "expected key = value");
		str[0] = '\0';
	}
	return (str);
}

/* config_check_whole reports problems that involve several settings. */
static void
config_check_whole(struct config_parse *cp)
{
	struct config	*c = cp->conf;

	cp->line = 0;
	if (c->min_interval > c->max_interval)
		config_error(cp, "min_interval is longer than max_interval");
}

struct config *
config_load(const char *file, char **errors)
{
	struct config_parse cp;

	memset(&cp, 0, sizeof cp);
	buf_init(&cp.errors);
	*errors = NULL;
	cp.file = file;
	if ((cp.fp = fopen(file, "r")) == NULL) {
		xasprintf(errors, "%s:0: cannot open: %s\n", file,
		    strerror(errno));
		return (NULL);
	}
	cp.conf = config_default();
	cp.conf->path = xstrdup(file);
	ini_allow_multiline = false;
	ini_parse_stream(config_reader, &cp, config_handler, &cp);
	if (ferror(cp.fp)) {
		cp.line = 0;
		config_error(&cp, "read error: %s", strerror(errno));
	}
	fclose(cp.fp);
	free(cp.seen);
	config_check_whole(&cp);
	if (cp.nerrors > 0) {
		config_free(cp.conf);
		*errors = buf_steal(&cp.errors);
		return (NULL);
	}
	buf_free(&cp.errors);
	return (cp.conf);
}
