/*
 * check_browser.c: the HTML river in a real browser.  A store is filled
 * with a few stories (one carried by two sources), "syndic run" serves
 * it, and Debian's chromium, headless, loads "/": the DOM it builds must
 * hold the stories, their sources and the subscribe links; every link to
 * the daemon must answer 200; and a phone-sized screenshot is written to
 * tests/river.png in the build tree.  Skipped (77) without chromium.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "harness.h"
#include "model.h"
#include "storage.h"
#include "xmalloc.h"

#define CHROMIUM	"/usr/bin/chromium"
#define NOW		1700000000LL

static char	*dir, *conf;
static int	 port;
static pid_t	 pid;

/* story fills one entry. */
static void
story(struct entry *e, const char *id, const char *title, const char *link,
    const char *text, long long t)
{
	memset(e, 0, sizeof *e);
	e->id = xstrdup(id);
	e->title = xstrdup(title);
	e->link = xstrdup(link);
	e->canonical_url = xstrdup(link);
	xasprintf(&e->content, "<p>%s</p>", text);
	e->author = xstrdup("A. Reporter");
	e->published = t;
	e->updated = TIME_UNKNOWN;
}

/* feed stores one document of n stories for a feed. */
static void
feed(struct store *s, const char *url, const char *title, const char *site,
    const char *tags, struct entry *e, int n)
{
	struct doc	*d;
	long long	 id;
	char		*cause = NULL;

	ck_assert_msg(store_feed_upsert(s, url, title, tags, FEED_ORIGIN_CLI,
	    &id, &cause) == 0, "%s", cause);
	d = doc_new();
	d->title = xstrdup(title);
	d->link = xstrdup(site);
	d->entries = e;
	d->nentries = n;
	ck_assert_msg(store_ingest(s, id, d, NOW, NULL, &cause) == 0, "%s",
	    cause);
	doc_free(d);
}

static void
setup(void)
{
	struct store	*s;
	struct entry	*e;
	char		*db, *cause = NULL;

	dir = h_tmpdir();
	port = h_free_port();
	xasprintf(&db, "%s/s.db", dir);
	xasprintf(&conf, "%s/syndic.conf", dir);
	s = store_open(db, &cause);
	ck_assert_msg(s != NULL, "%s", cause);
	e = xcalloc(3, sizeof *e);
	story(&e[0], "g1", "Harbour reopens after the storm",
	    "http://gazette.example/harbour", "The harbour reopened today "
	    "after three days of gales; the ferries run again.", NOW - 7200);
	story(&e[1], "g2", "Council votes on the new sea wall",
	    "http://gazette.example/wall", "A long debate ended late in the "
	    "evening with a narrow vote.", NOW - 3600);
	story(&e[2], "g3", "Fishing fleet counts its losses",
	    "http://gazette.example/fleet", "Two boats were lost and many "
	    "nets torn.", NOW - 1800);
	feed(s, "http://gazette.example/feed.xml", "Harbour Gazette",
	    "http://gazette.example/", "news", e, 3);
	e = xcalloc(1, sizeof *e);
	story(&e[0], "c1", "Harbour open again", "http://gazette.example/"
	    "harbour", "Ferries sail again from the harbour.", NOW - 7000);
	feed(s, "http://coast.example/atom", "Coastline Times",
	    "http://coast.example/", "news", e, 1);
	store_close(s);
	h_writef(conf, "[syndic]\ndatabase = %s\nlisten = 127.0.0.1:%d\n"
	    "[output]\ntitle = The harbour river\nlink = http://127.0.0.1:%d/\n",
	    db, port, port);
	free(db);
	pid = h_daemon(conf, NULL, NULL, NULL);
	if (h_wait_port(port, 10000) != 0)
		abort();
}

static void
teardown(void)
{
	h_stop(pid, 5000);
	h_cleanup(dir);
}

/* chromium runs the headless browser with one action on the river. */
static char *
chromium(const char *action)
{
	char	*argv[16], *out, *err, *profile, *u;
	int	 rc;

	profile = h_tmpdir();
	xasprintf(&u, "http://127.0.0.1:%d/", port);
	argv[0] = CHROMIUM;
	argv[1] = "--headless";
	argv[2] = "--no-sandbox";
	argv[3] = "--disable-gpu";
	argv[4] = "--disable-quic";
	argv[5] = "--no-first-run";
	argv[6] = "--disable-background-networking";
	argv[7] = "--disable-component-update";
	argv[8] = "--disable-sync";
	xasprintf(&argv[9], "--user-data-dir=%s", profile);
	argv[10] = "--window-size=412,900";
	argv[11] = (char *)action;
	argv[12] = u;
	argv[13] = NULL;
	rc = h_run(argv, NULL, &out, &err);
	ck_assert_msg(rc == 0, "chromium %s: %d: %s", action, rc, err);
	free(err);
	free(argv[9]);
	free(u);
	h_cleanup(profile);
	free(profile);
	return (out);
}

START_TEST(test_river)
{
	struct hresp	 r;
	const char	*p, *q, *png = BUILDDIR "/tests/river.png";
	char		*dom, *href, *shot, *data, prefix[64];
	size_t		 len;
	int		 links = 0;

	dom = chromium("--dump-dom");
	ck_assert_msg(strstr(dom, "<article") != NULL, "DOM: %s", dom);
	ck_assert_ptr_nonnull(strstr(dom, "Harbour reopens after the storm"));
	ck_assert_ptr_nonnull(strstr(dom, "Fishing fleet counts its losses"));
	ck_assert_ptr_nonnull(strstr(dom, "Harbour Gazette"));
	ck_assert_ptr_nonnull(strstr(dom, "Also reported by"));
	ck_assert_ptr_nonnull(strstr(dom, "Coastline Times"));
	ck_assert_ptr_nonnull(strstr(dom, "application/atom+xml"));
	ck_assert_ptr_nonnull(strstr(dom, "application/feed+json"));
	ck_assert_ptr_nonnull(strstr(dom, "name=\"viewport\""));

	/* Every link to the daemon works. */
	snprintf(prefix, sizeof prefix, "http://127.0.0.1:%d/", port);
	for (p = dom; (p = strstr(p, "href=\"")) != NULL; p = q) {
		p += 6;
		q = strchr(p, '"');
		if (strncmp(p, prefix, strlen(prefix)) != 0)
			continue;
		href = xstrndup(p, (size_t)(q - p));
		ck_assert_int_eq(h_http("GET", href, NULL, &r), 0);
		ck_assert_msg(r.status == 200, "%s: %ld", href, r.status);
		h_hresp_free(&r);
		free(href);
		links++;
	}
	ck_assert_int_ge(links, 8);	/* 3 alternates, 4 subscribe, home */
	free(dom);

	unlink(png);
	xasprintf(&shot, "--screenshot=%s", png);
	free(chromium(shot));
	free(shot);
	data = h_read(png, &len);
	ck_assert_msg(data != NULL, "no screenshot at %s", png);
	ck_assert_int_gt(len, 1000);
	ck_assert(memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0);
	free(data);
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;
	SRunner	*sr;
	int	 failed;

	if (access(CHROMIUM, X_OK) != 0) {
		fprintf(stderr, "check_browser: no %s, skipped\n", CHROMIUM);
		return (77);
	}
	s = suite_create("browser");
	tc = tcase_create("river");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_river);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
