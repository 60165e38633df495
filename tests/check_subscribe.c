/*
 * check_subscribe.c: the subscription commands of the real binary (add,
 * remove, list, import, export) on a store, also while the daemon runs;
 * and feeds/opml.c.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <check.h>

#include "feeds.h"
#include "harness.h"
#include "origin.h"

static char	*dir, *conf;

static void
setup(void)
{
	dir = h_tmpdir();
	if (asprintf(&conf, "%s/syndic.conf", dir) == -1)
		abort();
	h_writef(conf, "[syndic]\ndatabase = %s/syndic.db\n"
	    "[feed \"file:///nonexistent/demo.xml\"]\ntitle = Demo\n"
	    "tags = demo\n", dir);
}

static void
teardown(void)
{
	h_cleanup(dir);
	free(dir);
	free(conf);
}

/* syn runs syndic -c conf with up to four arguments. */
static int
syn(char **out, char **err, const char *a, const char *b, const char *c,
    const char *d)
{
	return (h_cmd(conf, NULL, out, err, a, b, c, d, NULL));
}

START_TEST(test_add_list_remove)
{
	char	*out, *err;

	ck_assert_int_eq(syn(&out, &err, "add", "https://a.example/feed.xml",
	    "--tag", "news, world"), 0);
	ck_assert_str_eq(out, "2 https://a.example/feed.xml\n");
	free(out);
	free(err);
	ck_assert_int_eq(syn(&out, &err, "add", "file:///etc/passwd", NULL,
	    NULL), EX_DATAERR);
	ck_assert_ptr_nonnull(strstr(err, "only http and https"));
	free(out);
	free(err);
	ck_assert_int_eq(syn(&out, &err, "add", NULL, NULL, NULL), EX_USAGE);
	free(out);
	free(err);
	ck_assert_int_eq(syn(&out, &err, "list", NULL, NULL, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "file:///nonexistent/demo.xml "
	    "(Demo) [demo]"));
	ck_assert_ptr_nonnull(strstr(out, "https://a.example/feed.xml "
	    "[news,world]"));
	free(out);
	free(err);
	ck_assert_int_eq(syn(&out, &err, "remove", "https://a.example/feed.xml",
	    NULL, NULL), 0);
	free(out);
	free(err);
	ck_assert_int_eq(syn(&out, &err, "remove", "2", NULL, NULL),
	    EX_DATAERR);
	ck_assert_ptr_nonnull(strstr(err, "no such feed"));
	free(out);
	free(err);
	ck_assert_int_eq(syn(&out, &err, "list", NULL, NULL, NULL), 0);
	ck_assert_ptr_null(strstr(out, "a.example"));
	free(out);
	free(err);
}
END_TEST

START_TEST(test_import_export)
{
	char	*out, *err, *path;

	if (asprintf(&path, "%s/in.opml", dir) == -1)
		abort();
	h_write(path, "<?xml version=\"1.0\"?>\n<opml version=\"1.0\"><head>"
	    "<title>mine</title></head><body>\n"
	    "<outline text=\"Tech\">"
	    "<outline text=\"HN\" xmlUrl=\"https://hn.example/rss\" "
	    "htmlUrl=\"https://hn.example/\" category=\"/links\"/>"
	    "<outline text=\"Deep\"><outline text=\"LWN\" "
	    "xmlUrl=\"https://lwn.example/rss?a=1&amp;b=2\"/></outline>"
	    "</outline>\n<outline text=\"x\" xmlUrl=\"javascript:alert(1)\"/>"
	    "</body></opml>\n");
	ck_assert_int_eq(syn(&out, &err, "import", path, NULL, NULL), 0);
	ck_assert_str_eq(out, "imported 2 feeds (2 new, 1 skipped)\n");
	free(out);
	free(err);
	ck_assert_int_eq(syn(&out, &err, "export", NULL, NULL, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "<opml version=\"2.0\">"));
	ck_assert_ptr_nonnull(strstr(out, "xmlUrl=\"https://hn.example/rss\" "
	    "category=\"Tech,links\""));
	ck_assert_ptr_nonnull(strstr(out,
	    "xmlUrl=\"https://lwn.example/rss?a=1&amp;b=2\""));
	ck_assert_ptr_nonnull(strstr(out, "category=\"Tech,Deep\""));
	ck_assert_ptr_nonnull(strstr(out, "title=\"Demo\""));
	ck_assert_ptr_null(strstr(out, "javascript"));
	/* What export writes, import reads back: nothing new. */
	h_write(path, out);
	free(out);
	free(err);
	ck_assert_int_eq(syn(&out, &err, "import", path, NULL, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "(0 new, 1 skipped)"));
	free(out);
	free(err);
	h_write(path, "<html>no</html>");
	ck_assert_int_eq(syn(&out, &err, "import", path, NULL, NULL),
	    EX_DATAERR);
	ck_assert_ptr_nonnull(strstr(err, "not an OPML document"));
	free(out);
	free(err);
	ck_assert_int_eq(syn(&out, &err, "import", "/nonexistent.opml", NULL,
	    NULL), EX_NOINPUT);
	free(out);
	free(err);
	free(path);
}
END_TEST

START_TEST(test_while_running)
{
	char	*out, *err, *text, *log;
	pid_t	 pid;
	int	 port, i;

	port = h_free_port();
	if (asprintf(&log, "%s/daemon.log", dir) == -1)
		abort();
	h_writef(conf, "[syndic]\ndatabase = %s/syndic.db\n"
	    "listen = 127.0.0.1:%d\n", dir, port);
	pid = h_daemon(conf, NULL, log, log);
	ck_assert_int_eq(h_wait_port(port, 10000), 0);
	/* Subscribing from another process while the daemon runs. */
	for (i = 0; i < 5; i++) {
		if (asprintf(&text, "https://f%d.example/feed", i) == -1)
			abort();
		ck_assert_int_eq(syn(&out, &err, "add", text, NULL, NULL), 0);
		free(text);
		free(out);
		free(err);
	}
	ck_assert_int_eq(syn(&out, &err, "list", NULL, NULL, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "https://f4.example/feed"));
	free(out);
	free(err);
	ck_assert_int_eq(kill(pid, 0), 0);
	ck_assert_int_ge(h_stop(pid, 10000), 0);
	free(log);
}
END_TEST

/* list_has waits up to ms for `syndic list` to show text. */
static int
list_has(const char *text, int ms)
{
	char	*out, *err;
	int	 found = 0;

	for (; ms > 0 && !found; ms -= 200) {
		if (syn(&out, &err, "list", NULL, NULL, NULL) == 0 &&
		    strstr(out, text) != NULL)
			found = 1;
		free(out);
		free(err);
		if (!found)
			usleep(200 * 1000);
	}
	return (found);
}

START_TEST(test_daemon_notices)
{
	struct origin	*org;
	char		*out, *err, *log, *url, line[256];
	pid_t		 pid;
	int		 port;

	org = origin_start(1, 0, NULL);
	ck_assert_ptr_nonnull(org);
	port = h_free_port();
	if (asprintf(&log, "%s/daemon.log", dir) == -1 ||
	    asprintf(&url, "http://127.0.0.1:%d/feed/late?items=7",
	    origin_port(org)) == -1)
		abort();
	h_writef(conf, "[syndic]\ndatabase = %s/syndic.db\n"
	    "listen = 127.0.0.1:%d\n[fetch]\nallow_private = yes\n", dir,
	    port);
	pid = h_daemon(conf, NULL, log, log);
	ck_assert_int_eq(h_wait_port(port, 10000), 0);
	/* Subscribed from another process: polled without a restart. */
	ck_assert_int_eq(syn(&out, &err, "add", url, NULL, NULL), 0);
	free(out);
	free(err);
	snprintf(line, sizeof line, "      7  %s", url);
	ck_assert_msg(list_has(line, 20000), "the daemon did not poll %s",
	    url);
	/* Unsubscribed likewise: its entries go with it. */
	ck_assert_int_eq(syn(&out, &err, "remove", url, NULL, NULL), 0);
	free(out);
	free(err);
	ck_assert(!list_has(url, 1));
	ck_assert_int_eq(kill(pid, 0), 0);
	ck_assert_int_ge(h_stop(pid, 10000), 0);
	origin_stop(org);
	free(url);
	free(log);
}
END_TEST

START_TEST(test_check_store)
{
	char	*out, *err, *db;
	FILE	*fp;
	int	 i;

	ck_assert_int_eq(syn(&out, &err, "check", NULL, NULL, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "no store yet"));
	free(out);
	free(err);
	ck_assert_int_eq(syn(&out, &err, "add", "https://a.example/feed.xml",
	    NULL, NULL), 0);
	free(out);
	free(err);
	ck_assert_int_eq(syn(&out, &err, "check", NULL, NULL, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "syndic.db: ok (2 feeds, 0 entries"));
	free(out);
	free(err);
	/* A damaged file is reported, not trusted. */
	if (asprintf(&db, "%s/syndic.db", dir) == -1)
		abort();
	fp = fopen(db, "r+");
	ck_assert_ptr_nonnull(fp);
	fseek(fp, 4096 + 100, SEEK_SET);
	for (i = 0; i < 8000; i++)
		fputc(i * 7, fp);
	fclose(fp);
	ck_assert_int_ne(syn(&out, &err, "check", NULL, NULL, NULL), 0);
	ck_assert_ptr_nonnull(strstr(err, "syndic.db: "));
	free(out);
	free(err);
	free(db);
}
END_TEST

START_TEST(test_opml_roundtrip)
{
	struct opml_feed	 f[2], *v;
	char			*doc, *cause = NULL, *tags[] = { "a", "b&c" };
	int			 n;

	memset(f, 0, sizeof f);
	f[0].url = "https://x.example/feed?a=1&b=\"2\"";
	f[0].title = "X <&> \"quoted\"\nline";
	f[0].site = "https://x.example/";
	f[0].tags = tags;
	f[0].ntags = 2;
	f[1].url = "https://y.example/feed";
	doc = opml_write(f, 2, "Subs", 0);
	ck_assert_int_eq(opml_read(doc, strlen(doc), &v, &n, &cause), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(v[0].url, f[0].url);
	ck_assert_str_eq(v[0].title, "X <&> \"quoted\" line");
	ck_assert_str_eq(v[0].site, f[0].site);
	ck_assert_int_eq(v[0].ntags, 2);
	ck_assert_str_eq(v[0].tags[1], "b&c");
	ck_assert_ptr_null(v[1].title);
	ck_assert_str_eq(v[1].url, "https://y.example/feed");
	opml_feeds_free(v, n);
	free(doc);
	ck_assert_int_eq(opml_read("<opml", 5, &v, &n, &cause), -1);
	free(cause);
}
END_TEST

static Suite *
subscribe_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("subscribe");
	tc = tcase_create("commands");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_add_list_remove);
	tcase_add_test(tc, test_import_export);
	tcase_add_test(tc, test_while_running);
	tcase_add_test(tc, test_check_store);
	tcase_add_test(tc, test_daemon_notices);
	tcase_add_test(tc, test_opml_roundtrip);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(subscribe_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
