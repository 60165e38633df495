/* check_log.c: tests of common/log.c: escaping and journald prefixes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "log.h"

/* capture runs one log call with output redirected to a pipe. */
static char *
capture(int journal, int verbose, void (*fn)(void))
{
	static char	 out[4096];
	int		 p[2];
	ssize_t		 n;

	if (journal)
		setenv("JOURNAL_STREAM", "8:1234", 1);
	else
		unsetenv("JOURNAL_STREAM");
	log_init(verbose, "syndic");
	if (pipe(p) == -1)
		abort();
	log_redirect(p[1]);
	fn();
	close(p[1]);
	n = read(p[0], out, sizeof out - 1);
	close(p[0]);
	out[n < 0 ? 0 : n] = '\0';
	log_redirect(2);
	return (out);
}

static void do_info(void) { log_info("hello %s", "world"); }
static void do_warn(void) { log_warnx("careful"); }
static void do_err(void) { log_err("broken"); }
static void do_debug(void) { log_debug("details"); }
static void do_hostile(void) { log_info("title: %s", "a\nb\rc\033[31md\\"); }

START_TEST(test_plain)
{
	ck_assert_str_eq(capture(0, 0, do_info), "syndic: hello world\n");
	ck_assert_str_eq(capture(0, 0, do_warn), "syndic: careful\n");
}
END_TEST

START_TEST(test_journal_prefixes)
{
	ck_assert_str_eq(capture(1, 0, do_info), "<6>hello world\n");
	ck_assert_str_eq(capture(1, 0, do_warn), "<4>careful\n");
	ck_assert_str_eq(capture(1, 0, do_err), "<3>broken\n");
	ck_assert_str_eq(capture(1, 1, do_debug), "<7>details\n");
}
END_TEST

START_TEST(test_debug_needs_verbose)
{
	ck_assert_str_eq(capture(0, 0, do_debug), "");
	ck_assert_str_eq(capture(0, 1, do_debug), "syndic: details\n");
}
END_TEST

START_TEST(test_escaping)
{
	char	 small[8];

	ck_assert_str_eq(capture(0, 0, do_hostile),
	    "syndic: title: a\\nb\\rc\\x1b[31md\\\\\n");
	/* Truncation never splits an escape or overflows. */
	log_escape(small, sizeof small, "\001\002\003");
	ck_assert_int_lt(strlen(small), sizeof small);
	ck_assert_str_eq(small, "\\x01");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("log");
	TCase	*tc = tcase_create("log");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_plain);
	tcase_add_test(tc, test_journal_prefixes);
	tcase_add_test(tc, test_debug_needs_verbose);
	tcase_add_test(tc, test_escaping);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
