/*
 * cmd_related.c: "syndic related [--json] ENTRY-ID|URL": the "You might
 * also like" list of the story that holds an entry (given by its id, GUID
 * or URL, or by the item id of the merged feed), as the feeds show it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <time.h>

#include <jansson.h>

#include "daemon.h"
#include "storage.h"

#define RELATED_CACHE_KIB	(12 * 1024)	/* the store's page cache */

/* related_usage prints the usage line and returns EX_USAGE. */
static int
related_usage(void)
{
	fprintf(stderr, "usage: syndic related [--json] ENTRY-ID|URL\n");
	return (EX_USAGE);
}

/* related_str gives a JSON string, or null for NULL. */
static json_t *
related_str(const char *s)
{
	return (s != NULL ? json_string(s) : json_null());
}

/* related_json prints a story and its list as one JSON object. */
static void
related_json(const struct item *it)
{
	json_t	*o, *a, *r;
	char	*s;
	int	 i;

	a = json_array();
	for (i = 0; i < it->nrelated; i++) {
		r = json_object();
		json_object_set_new(r, "rank", json_integer(i + 1));
		json_object_set_new(r, "url", related_str(it->related[i].url));
		json_object_set_new(r, "title",
		    related_str(it->related[i].title));
		json_object_set_new(r, "source",
		    related_str(it->related[i].source));
		json_object_set_new(r, "score",
		    json_real(it->related[i].score));
		json_array_append_new(a, r);
	}
	o = json_object();
	json_object_set_new(o, "story", json_integer(it->story_id));
	json_object_set_new(o, "id", related_str(it->id));
	json_object_set_new(o, "title", related_str(it->title));
	json_object_set_new(o, "link", related_str(it->link));
	json_object_set_new(o, "source", related_str(it->source.title));
	json_object_set_new(o, "related", a);
	s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("%s\n", s);
	free(s);
	json_decref(o);
}

/* related_text prints a story and its list for a person. */
static void
related_text(const struct item *it)
{
	int	 i;

	printf("story %lld: %s\n", it->story_id, it->title != NULL ?
	    it->title : "(untitled)");
	if (it->link != NULL)
		printf("  %s\n", it->link);
	if (it->source.title != NULL)
		printf("  from %s\n", it->source.title);
	if (it->nrelated == 0) {
		printf("no related stories\n");
		return;
	}
	printf("You might also like:\n");
	for (i = 0; i < it->nrelated; i++) {
		printf("%2d. %.3f  %s", i + 1, it->related[i].score,
		    it->related[i].title != NULL ? it->related[i].title :
		    "(untitled)");
		if (it->related[i].source != NULL)
			printf(" (%s)", it->related[i].source);
		printf("\n    %s\n", it->related[i].url != NULL ?
		    it->related[i].url : "");
	}
}

/*
 * related_show finds the story of key and prints its list, computing it
 * first when it is empty (not computed yet, e.g. the daemon is behind).
 */
static int
related_show(struct store *st, const struct config *c, const char *key,
    int json)
{
	struct item	*it;
	long long	 id;
	char		*cause = NULL;
	int		 n = c->related > 0 ? c->related : 5;

	if ((id = store_related_find(st, key)) == -1) {
		fprintf(stderr, "syndic: related: %s: no such entry\n", key);
		return (EX_NOINPUT);
	}
	if ((it = store_related_item(st, id, n, &cause)) != NULL &&
	    it->nrelated == 0) {
		item_clear(it);
		free(it);
		it = NULL;
		if (store_related_story(st, id, time(NULL), n, &cause) == 0)
			it = store_related_item(st, id, n, &cause);
	}
	if (it == NULL) {
		fprintf(stderr, "syndic: related: %s: %s\n", key, cause);
		free(cause);
		return (EX_SOFTWARE);
	}
	if (json)
		related_json(it);
	else
		related_text(it);
	item_clear(it);
	free(it);
	return (0);
}

int
cmd_related(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct config	*c;
	struct store	*st;
	char		*cause = NULL;
	int		 ch, json = 0, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		default:
			return (related_usage());
		}
	}
	if (argc - optind != 1)
		return (related_usage());
	if ((c = cmd_load_config(g)) == NULL)
		return (EX_CONFIG);
	if ((st = store_open(c->database, &cause)) == NULL) {
		fprintf(stderr, "syndic: related: %s: %s\n", c->database,
		    cause);
		free(cause);
		config_free(c);
		return (EX_UNAVAILABLE);
	}
	/*
	 * No daemon comes later: a list made now is made whole (the waiting
	 * stories indexed first), with the page cache of a one-shot command
	 * and no mapping (mapped pages count in the RSS).
	 */
	store_set_related_full(st);
	if (store_set_memory(st, RELATED_CACHE_KIB, 0, &cause) == -1) {
		free(cause);
		cause = NULL;
	}
	rc = related_show(st, c, argv[optind], json);
	store_close(st);
	config_free(c);
	return (rc);
}
