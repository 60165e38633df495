/*
 * check_html.c: entry HTML through the whole pipeline of the real binary.
 * The poller stores the publisher's HTML as received; whatever leaves
 * syndic (publish in every format, the daemon's feeds and river) must be
 * sanitized: right after the poll that stored it, after the entry changed
 * (a new revision, sanitized again), and from another process later (what
 * was kept in entry_html).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "harness.h"

static char	*dir, *db, *conf, *feed;
static int	 port;

/* What must never come out: the payloads' moving parts. */
static const char *const danger[] = { "onerror", "onload", "alert(",
    "javascript:", "<script", "&lt;script", "<iframe", "&lt;iframe",
    "<svg", "&lt;svg" };

static const char *const formats[] = { "atom", "rss", "json", "html" };

/* write_feed writes the feed file with the given first item content. */
static void
write_feed(const char *first)
{
	h_writef(feed, "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel>"
	    "<title>Raw</title><link>https://site.example/blog/</link>"
	    "<item><guid>g1</guid><title>First</title>"
	    "<link>https://site.example/blog/1</link><description><![CDATA["
	    "%s]]></description></item>"
	    "<item><guid>g2</guid><title>Second</title>"
	    "<link>https://site.example/blog/2</link><description><![CDATA["
	    "<p>Plain two <b>bold</b></p><img src=\"t.png\" onerror="
	    "\"alert(2)\"><a href=\"javascript:alert(3)\">x</a>]]>"
	    "</description></item>"
	    "</channel></rss>\n", first);
}

/* syn runs syndic -c conf with two more arguments; returns stdout. */
static char *
syn(const char *a, const char *b, const char *c)
{
	char	*out, *err;
	int	 rc;

	rc = h_cmd(conf, NULL, &out, &err, a, b, c, NULL);
	ck_assert_msg(rc == 0, "syndic %s %s: %d: %s", a, b ? b : "", rc, err);
	free(err);
	return (out);
}

/* sql_int runs a query on the store and returns its integer. */
static long long
sql_int(const char *sql)
{
	sqlite3		*h;
	sqlite3_stmt	*st;
	long long	 v = -1;

	ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return (v);
}

/* safe asserts that an output holds want and none of the payloads. */
static void
safe(const char *what, const char *out, const char *want, const char *gone)
{
	size_t	 i;

	for (i = 0; i < sizeof danger / sizeof danger[0]; i++)
		ck_assert_msg(strstr(out, danger[i]) == NULL, "%s: \"%s\" in "
		    "%s", what, danger[i], out);
	ck_assert_msg(strstr(out, want) != NULL, "%s: no \"%s\" in %s", what,
	    want, out);
	ck_assert_msg(strstr(out, "Plain two") != NULL, "%s: %s", what, out);
	if (gone != NULL)
		ck_assert_msg(strstr(out, gone) == NULL, "%s: \"%s\" still in "
		    "%s", what, gone, out);
}

/* publish_all checks the output of syndic publish in every format. */
static void
publish_all(const char *want, const char *gone)
{
	char	*out;
	size_t	 i;

	for (i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		out = syn("publish", "--format", formats[i]);
		safe(formats[i], out, want, gone);
		free(out);
	}
}

static void
setup(void)
{
	dir = h_tmpdir();
	port = h_free_port();
	if (asprintf(&db, "%s/s.db", dir) == -1 ||
	    asprintf(&conf, "%s/syndic.conf", dir) == -1 ||
	    asprintf(&feed, "%s/raw.xml", dir) == -1)
		abort();
	h_writef(conf, "[syndic]\ndatabase = %s\nlisten = 127.0.0.1:%d\n"
	    "[output]\ntitle = River\nlink = http://127.0.0.1:%d/\n"
	    "items = 10\nrelated = 0\n[feed \"file://%s\"]\n", db, port, port,
	    feed);
}

static void
teardown(void)
{
	h_cleanup(dir);
	free(dir);
	free(db);
	free(conf);
	free(feed);
}

START_TEST(test_never_raw)
{
	struct hresp	 r;
	char		*out, *u;
	pid_t		 pid;
	size_t		 i;

	write_feed("<p>Good text one <a href=\"rel/page\">rel</a></p>"
	    "<img src=x onerror=alert(1)><script>alert(2)</script>"
	    "<a href=\"javascript:alert(3)\">js</a>");
	free(syn("poll", "--all", NULL));
	/* The store holds the payload as the publisher sent it. */
	ck_assert_int_eq(sql_int("SELECT count(*) FROM entries WHERE content "
	    "LIKE '%onerror=alert(1)%' OR summary LIKE '%onerror=alert(1)%'"),
	    1);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM entry_html"), 0);

	/* Right after ingest: sanitized, links resolved, then kept. */
	publish_all("Good text one", NULL);
	out = syn("publish", "--format", "json");
	ck_assert_ptr_nonnull(strstr(out, "https://site.example/blog/"
	    "rel/page"));
	free(out);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM entry_html WHERE "
	    "revision = 0"), 2);

	/* After a revision: the new text, sanitized again. */
	write_feed("<p>Second version</p><svg onload=alert(4)><circle/></svg>"
	    "<iframe src=\"javascript:alert(5)\"></iframe>");
	free(syn("poll", "--all", NULL));
	ck_assert_int_eq(sql_int("SELECT revisions FROM entries WHERE guid = "
	    "'g1'"), 1);
	publish_all("Second version", "Good text one");
	ck_assert_int_eq(sql_int("SELECT h.revision FROM entry_html h JOIN "
	    "entries e ON e.id = h.entry_id WHERE e.guid = 'g1'"), 1);

	/* After a restart: the daemon serves what was kept, sanitized. */
	pid = h_daemon(conf, NULL, NULL, NULL);
	ck_assert_int_eq(h_wait_port(port, 10000), 0);
	for (i = 0; i < 4; i++) {
		if (asprintf(&u, "http://127.0.0.1:%d/%s", port, i == 3 ? "" :
		    i == 0 ? "feed.atom" : i == 1 ? "feed.rss" : "feed.json")
		    == -1)
			abort();
		ck_assert_int_eq(h_http("GET", u, NULL, &r), 0);
		ck_assert_int_eq(r.status, 200);
		safe(u, r.body, "Second version", "Good text one");
		h_hresp_free(&r);
		free(u);
	}
	ck_assert_int_eq(h_stop(pid, 10000), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("html");
	TCase	*tc = tcase_create("html");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_never_raw);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
