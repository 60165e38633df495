/* check_cli.c: the command line of the real binary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <check.h>

#include "harness.h"

/* syn runs syndic with up to four arguments. */
static int
syn(char **out, char **err, const char *a, const char *b, const char *c,
    const char *d)
{
	char	*argv[6] = { (char *)h_syndic(), (char *)a, (char *)b,
	    (char *)c, (char *)d, NULL };

	return (h_run(argv, NULL, out, err));
}

START_TEST(test_version)
{
	char	*out, *err;

	ck_assert_int_eq(syn(&out, &err, "--version", NULL, NULL, NULL), 0);
	ck_assert_msg(strncmp(out, "syndic ", 7) == 0, "got %s", out);
	free(out);
	free(err);
}
END_TEST

START_TEST(test_help)
{
	char	*out, *err;

	ck_assert_int_eq(syn(&out, &err, "help", NULL, NULL, NULL), 0);
	ck_assert_ptr_nonnull(strstr(err, "usage: syndic"));
	ck_assert_ptr_nonnull(strstr(err, "run "));
	ck_assert_ptr_nonnull(strstr(err, "check "));
	free(out);
	free(err);
}
END_TEST

START_TEST(test_no_command)
{
	char	*out, *err;

	ck_assert_int_eq(syn(&out, &err, NULL, NULL, NULL, NULL), EX_USAGE);
	ck_assert_ptr_nonnull(strstr(err, "usage:"));
	free(out);
	free(err);
}
END_TEST

START_TEST(test_unknown)
{
	char	*out, *err;

	ck_assert_int_eq(syn(&out, &err, "frobnicate", NULL, NULL, NULL),
	    EX_USAGE);
	ck_assert_ptr_nonnull(strstr(err, "unknown command \"frobnicate\""));
	free(out);
	free(err);
	ck_assert_int_eq(syn(&out, &err, "--bogus", "run", NULL, NULL),
	    EX_USAGE);
	ck_assert_ptr_nonnull(strstr(err, "unknown option \"--bogus\""));
	free(out);
	free(err);
}
END_TEST

START_TEST(test_check)
{
	char	*dir, *conf, *out, *err;

	dir = h_tmpdir();
	if (asprintf(&conf, "%s/good.conf", dir) == -1)
		abort();
	h_write(conf, "[syndic]\ndatabase = /tmp/x.db\n[feed \"http://a/\"]\n");
	ck_assert_int_eq(syn(&out, &err, "-c", conf, "check", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "ok (1 feeds)"));
	free(out);
	free(err);
	h_write(conf, "[syndic]\nbad = 1\n[fetch]\ninterval = x\n");
	ck_assert_int_eq(syn(&out, &err, "-c", conf, "check", NULL), 1);
	ck_assert_ptr_nonnull(strstr(err, "good.conf:2: unknown key"));
	ck_assert_ptr_nonnull(strstr(err, "good.conf:4: interval: bad"));
	free(out);
	free(err);
	free(conf);
	h_cleanup(dir);
	free(dir);
}
END_TEST

START_TEST(test_conf_from_env)
{
	char	*argv[] = { (char *)h_syndic(), "check", NULL };
	char	*env[] = { "SYNDIC_CONF=/nonexistent/env.conf", NULL };
	char	*out, *err;

	ck_assert_int_ne(h_run(argv, env, &out, &err), 0);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/env.conf:0: cannot "
	    "open"));
	free(out);
	free(err);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("cli");
	TCase	*tc = tcase_create("cli");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_help);
	tcase_add_test(tc, test_no_command);
	tcase_add_test(tc, test_unknown);
	tcase_add_test(tc, test_check);
	tcase_add_test(tc, test_conf_from_env);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
