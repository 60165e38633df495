/* check_config.c: tests of daemon/config.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "buf.h"
#include "daemon.h"

static char	 conf_path[] = "/tmp/syndic-conf.XXXXXX";

/* load writes text to a file and loads it; *errors gets the messages. */
static struct config *
load(const char *text, char **errors)
{
	FILE	*fp;
	int	 fd;

	strcpy(conf_path, "/tmp/syndic-conf.XXXXXX");
	fd = mkstemp(conf_path);
	fp = fdopen(fd, "w");
	fputs(text, fp);
	fclose(fp);
	return (config_load(conf_path, errors));
}

static void
unload(struct config *c, char *errors)
{
	config_free(c);
	free(errors);
	unlink(conf_path);
}

START_TEST(test_defaults)
{
	struct config	*c;
	char		*e;

	c = load("", &e);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_null(e);
	ck_assert_str_eq(c->listen, "127.0.0.1:8080");
	ck_assert_int_eq(c->items, 50);
	ck_assert_int_eq(c->related, 5);
	ck_assert_int_eq(c->interval, 1800);
	ck_assert_int_eq(c->max_body, 10 * 1024 * 1024);
	ck_assert_int_eq(c->per_site, 2);
	ck_assert_int_eq(c->allow_private, 0);
	unload(c, e);
}
END_TEST

START_TEST(test_full)
{
	struct config	*c;
	char		*e;

	c = load("[syndic]\ndatabase = /tmp/x.db\nlisten = 127.0.0.1:9999"
	    "   ; a comment\nuser_agent = test/1\n"
	    "[output]\ntitle = T\nitems = 20\nrelated = 0\n"
	    "[fetch]\ninterval = 15m\ntimeout = 10s\nmax_body = 2M\n"
	    "concurrency = 8\nper_site = 1\nallow_private = yes\n"
	    "# comment\n[feed \"https://example.org/feed.xml\"]\n"
	    "title = Example\ntags = news, world ,,\ninterval = 2h\n"
	    "[feed \"file:///tmp/a.xml\"]\n", &e);
	ck_assert_msg(c != NULL, "errors: %s", e);
	ck_assert_str_eq(c->database, "/tmp/x.db");
	ck_assert_str_eq(c->listen, "127.0.0.1:9999");
	ck_assert_str_eq(c->user_agent, "test/1");
	ck_assert_int_eq(c->items, 20);
	ck_assert_int_eq(c->related, 0);
	ck_assert_int_eq(c->interval, 900);
	ck_assert_int_eq(c->timeout, 10);
	ck_assert_int_eq(c->max_body, 2 * 1024 * 1024);
	ck_assert_int_eq(c->allow_private, 1);
	ck_assert_int_eq(c->nfeeds, 2);
	ck_assert_str_eq(c->feeds[0].url, "https://example.org/feed.xml");
	ck_assert_str_eq(c->feeds[0].title, "Example");
	ck_assert_int_eq(c->feeds[0].ntags, 2);
	ck_assert_str_eq(c->feeds[0].tags[0], "news");
	ck_assert_str_eq(c->feeds[0].tags[1], "world");
	ck_assert_int_eq(c->feeds[0].interval, 7200);
	ck_assert_int_eq(c->feeds[0].line, 17);
	ck_assert_str_eq(c->feeds[1].url, "file:///tmp/a.xml");
	unload(c, e);
}
END_TEST

/* expect_error loads text and checks that errors holds want. */
static void
expect_error(const char *text, const char *want)
{
	struct config	*c;
	char		*e, *full;

	c = load(text, &e);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(e);
	if (asprintf(&full, "%s:%s", conf_path, want) == -1)
		abort();
	ck_assert_msg(strstr(e, full) != NULL, "want \"%s\" in \"%s\"", full,
	    e);
	free(full);
	unload(NULL, e);
}

START_TEST(test_bad_duration)
{
	expect_error("[fetch]\ninterval = 15x\n", "2: interval: bad duration");
	expect_error("[fetch]\ntimeout = soon\n", "2: timeout: bad duration");
	expect_error("[fetch]\ninterval = -5m\n", "2: interval: bad duration");
}
END_TEST

START_TEST(test_site_delay)
{
	struct config	*c;
	char		*e;

	c = load("", &e);
	ck_assert_int_eq(c->site_delay_ms, 250);
	unload(c, e);
	c = load("[fetch]\nsite_delay = 40ms\n", &e);
	ck_assert_int_eq(c->site_delay_ms, 40);
	unload(c, e);
	c = load("[fetch]\nsite_delay = 2s\n", &e);
	ck_assert_int_eq(c->site_delay_ms, 2000);
	unload(c, e);
	c = load("[fetch]\nsite_delay = 0\n", &e);
	ck_assert_int_eq(c->site_delay_ms, 0);
	unload(c, e);
	c = load("[fetch]\nsite_delay = soon\n", &e);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(e, ":2: site_delay"));
	unload(c, e);
}
END_TEST

START_TEST(test_bad_size)
{
	expect_error("[fetch]\nmax_body = 10Q\n", "2: max_body: bad size");
	expect_error("[fetch]\nmax_body = big\n", "2: max_body: bad size");
}
END_TEST

START_TEST(test_unknown_key)
{
	expect_error("[syndic]\ndatabse = /x\n",
	    "2: unknown key \"databse\" in [syndic]");
	expect_error("[nope]\n", "1: unknown section [nope]");
	expect_error("[feed \"http://a/\"]\ncolour = red\n",
	    "2: unknown key \"colour\" in [feed]");
}
END_TEST

START_TEST(test_duplicate_feed)
{
	struct config	*c;
	struct buf	 b;
	char		*e = NULL, *text, want[80];
	int		 i;

	expect_error("[feed \"http://a/f\"]\n\n[feed \"http://a/f\"]\n",
	    "3: feed \"http://a/f\" already declared at line 1");
	/* Among thousands (the table grows), each one found, in order. */
	buf_init(&b);
	for (i = 0; i < 3000; i++)
		buf_printf(&b, "[feed \"http://s%d.example/f\"]\n", i);
	buf_printf(&b, "[feed \"http://s1234.example/f\"]\n");
	text = buf_steal(&b);
	c = load(text, &e);
	free(text);
	ck_assert_ptr_null(c);
	snprintf(want, sizeof want, "3001: feed \"http://s1234.example/f\" "
	    "already declared at line 1235");
	ck_assert_msg(e != NULL && strstr(e, want) != NULL, "%s", e);
	unload(c, e);
	for (i = 0; i < 3000; i++)
		buf_printf(&b, "[feed \"http://s%d.example/f\"]\n", i);
	text = buf_steal(&b);
	c = load(text, &e);
	free(text);
	ck_assert_msg(c != NULL, "%s", e);
	ck_assert_int_eq(c->nfeeds, 3000);
	ck_assert_str_eq(c->feeds[2999].url, "http://s2999.example/f");
	unload(c, e);
}
END_TEST

START_TEST(test_bad_values)
{
	expect_error("[fetch]\nallow_private = maybe\n",
	    "2: allow_private: expected yes or no");
	expect_error("[output]\nitems = 0\n", "2: items: expected a number");
	expect_error("[syndic]\nlisten = localhost\n", "2: listen:");
	expect_error("[feed \"ftp://a/f\"]\n", "1: feed \"ftp://a/f\": only");
	expect_error("[syndic]\nthis is not a setting\n",
	    "2: expected key = value");
	expect_error("[fetch\n", "1: section header without ']'");
}
END_TEST

START_TEST(test_all_errors)
{
	struct config	*c;
	char		*e, *p;
	int		 n = 0;

	c = load("[fetch]\ninterval = x\ntimeout = y\n[output]\nfoo = 1\n"
	    "items = many\n", &e);
	ck_assert_ptr_null(c);
	for (p = e; (p = strchr(p, '\n')) != NULL; p++)
		n++;
	ck_assert_int_eq(n, 4);
	unload(NULL, e);
}
END_TEST

START_TEST(test_unreadable)
{
	struct config	*c;
	char		*e;

	c = config_load("/nonexistent/syndic.conf", &e);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(e, "/nonexistent/syndic.conf:0: cannot "
	    "open"));
	free(e);
}
END_TEST

START_TEST(test_parsers)
{
	long long	 v;
	int		 b;
	char		**l;
	int		 n, i;

	ck_assert_int_eq(parse_duration("30s", &v), 0);
	ck_assert_int_eq(v, 30);
	ck_assert_int_eq(parse_duration("15m", &v), 0);
	ck_assert_int_eq(v, 900);
	ck_assert_int_eq(parse_duration("2h", &v), 0);
	ck_assert_int_eq(v, 7200);
	ck_assert_int_eq(parse_duration("1d", &v), 0);
	ck_assert_int_eq(v, 86400);
	ck_assert_int_eq(parse_duration("45", &v), 0);
	ck_assert_int_eq(v, 45);
	ck_assert_int_eq(parse_duration("2hours", &v), -1);
	ck_assert_int_eq(parse_duration("", &v), -1);
	ck_assert_int_eq(parse_duration("99999999999999999999d", &v), -1);
	ck_assert_int_eq(parse_size("10M", &v), 0);
	ck_assert_int_eq(v, 10485760);
	ck_assert_int_eq(parse_size("64k", &v), 0);
	ck_assert_int_eq(v, 65536);
	ck_assert_int_eq(parse_size("1GB", &v), 0);
	ck_assert_int_eq(v, 1073741824);
	ck_assert_int_eq(parse_size("12", &v), 0);
	ck_assert_int_eq(v, 12);
	ck_assert_int_eq(parse_size("1T", &v), -1);
	ck_assert_int_eq(parse_bool("Yes", &b), 0);
	ck_assert_int_eq(b, 1);
	ck_assert_int_eq(parse_bool("off", &b), 0);
	ck_assert_int_eq(b, 0);
	ck_assert_int_eq(parse_bool("si", &b), -1);
	n = parse_list(" a, b c ,, d ", &l);
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(l[0], "a");
	ck_assert_str_eq(l[1], "b c");
	ck_assert_str_eq(l[2], "d");
	for (i = 0; i < n; i++)
		free(l[i]);
	free(l);
}
END_TEST

START_TEST(test_path)
{
	unsetenv("SYNDIC_CONF");
	ck_assert_str_eq(config_path("/a.conf"), "/a.conf");
	ck_assert_ptr_nonnull(strstr(config_path(NULL), "syndic/syndic.conf"));
	setenv("SYNDIC_CONF", "/env.conf", 1);
	ck_assert_str_eq(config_path(NULL), "/env.conf");
	ck_assert_str_eq(config_path("/a.conf"), "/a.conf");
	unsetenv("SYNDIC_CONF");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("config");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_bad_duration);
	tcase_add_test(tc, test_bad_size);
	tcase_add_test(tc, test_unknown_key);
	tcase_add_test(tc, test_duplicate_feed);
	tcase_add_test(tc, test_bad_values);
	tcase_add_test(tc, test_all_errors);
	tcase_add_test(tc, test_unreadable);
	tcase_add_test(tc, test_parsers);
	tcase_add_test(tc, test_site_delay);
	tcase_add_test(tc, test_path);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
