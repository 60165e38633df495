/* check_date.c: tests of feeds/date.c: every date form feeds use. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "feeds.h"

/* Inputs and the RFC 3339 UTC time they mean; NULL: must be refused. */
static const struct {
	const char	*in;
	const char	*want;
} cases[] = {
	/* RFC 822 / 2822 */
	{ "Wed, 28 Mar 2018 10:00:00 GMT", "2018-03-28T10:00:00Z" },
	{ "Wed, 28 Mar 2018 10:00:00 +0000", "2018-03-28T10:00:00Z" },
	{ "Wed, 28 Mar 2018 12:00:00 +0200", "2018-03-28T10:00:00Z" },
	{ "Wed, 28 Mar 2018 05:00:00 EST", "2018-03-28T10:00:00Z" },
	{ "Wed, 28 Mar 2018 06:00:00 EDT", "2018-03-28T10:00:00Z" },
	{ "Wed, 28 Mar 2018 03:00:00 PDT", "2018-03-28T10:00:00Z" },
	{ "Wed, 28 Mar 2018 02:00:00 PST", "2018-03-28T10:00:00Z" },
	{ "Wed, 28 Mar 2018 04:00:00 CST", "2018-03-28T10:00:00Z" },
	{ "Wed, 28 Mar 2018 03:00:00 MST", "2018-03-28T10:00:00Z" },
	{ "Wed, 28 Mar 2018 10:00:00 UT", "2018-03-28T10:00:00Z" },
	{ "Wed, 28 Mar 2018 10:00:00 Z", "2018-03-28T10:00:00Z" },
	{ "Wed, 28 Mar 2018 12:00:00 CEST", "2018-03-28T10:00:00Z" },
	{ "Wed, 28 Mar 2018 19:00:00 JST", "2018-03-28T10:00:00Z" },
	{ "28 Mar 2018 10:00:00 GMT", "2018-03-28T10:00:00Z" },
	{ "Wed, 28 Mar 2018 10:00 GMT", "2018-03-28T10:00:00Z" },
	{ "Wed, 28 Mar 18 10:00:00 GMT", "2018-03-28T10:00:00Z" },
	{ "Wed, 28 Mar 99 10:00:00 GMT", "1999-03-28T10:00:00Z" },
	{ "Wed, 28 Mar 2018 10:00:00", "2018-03-28T10:00:00Z" },
	{ "Wed 28 Mar 2018 10:00:00 GMT", "2018-03-28T10:00:00Z" },
	{ "Wednesday, 28 March 2018 10:00:00 GMT", "2018-03-28T10:00:00Z" },
	{ "Wed, 28 Sept 2018 10:00:00 GMT", "2018-09-28T10:00:00Z" },
	{ "Tues, 27 Mar 2018 10:00:00 GMT", "2018-03-27T10:00:00Z" },
	{ "Wed, 28 mar 2018 10:00:00 gmt", "2018-03-28T10:00:00Z" },
	{ "Wed,28 Mar 2018 10:00:00 GMT", "2018-03-28T10:00:00Z" },
	{ "Wed, 28-Mar-2018 10:00:00 GMT", "2018-03-28T10:00:00Z" },
	{ "Wed, 28 Mar 2018 12:00:00 GMT+2", "2018-03-28T10:00:00Z" },
	{ "Wed, 28 Mar 2018 12:00:00 +02:00", "2018-03-28T10:00:00Z" },
	{ "Wed, 28 Mar 2018 10:00:00.123 GMT", "2018-03-28T10:00:00Z" },
	{ "Wed, 8 Mar 2018 10:00:00 GMT", "2018-03-08T10:00:00Z" },
	{ "  Wed, 28 Mar 2018 10:00:00 GMT \n", "2018-03-28T10:00:00Z" },
	{ "Sat, 31 Dec 2016 23:59:60 GMT", "2016-12-31T23:59:59Z" },
	/* RFC 3339, ISO 8601, W3DTF */
	{ "2018-03-28T10:00:00Z", "2018-03-28T10:00:00Z" },
	{ "2018-03-28T10:00:00.123456Z", "2018-03-28T10:00:00Z" },
	{ "2018-03-28T12:00:00+02:00", "2018-03-28T10:00:00Z" },
	{ "2018-03-28T05:30:00-04:30", "2018-03-28T10:00:00Z" },
	{ "2018-03-28T12:00:00+0200", "2018-03-28T10:00:00Z" },
	{ "2018-03-28T12:00:00+02", "2018-03-28T10:00:00Z" },
	{ "2018-03-28t10:00:00z", "2018-03-28T10:00:00Z" },
	{ "2018-03-28 10:00:00", "2018-03-28T10:00:00Z" },
	{ "2018-03-28 10:00:00 +0000", "2018-03-28T10:00:00Z" },
	{ "2018-03-28 10:00:00 UTC", "2018-03-28T10:00:00Z" },
	{ "2018-03-28T10:00Z", "2018-03-28T10:00:00Z" },
	{ "2018-03-28", "2018-03-28T00:00:00Z" },
	{ "2018-03", "2018-03-01T00:00:00Z" },
	{ "2018", "2018-01-01T00:00:00Z" },
	{ "20180328T100000Z", "2018-03-28T10:00:00Z" },
	{ "20180328", "2018-03-28T00:00:00Z" },
	{ "2018-03-28T24:00:00Z", "2018-03-29T00:00:00Z" },
	{ "2000-02-29T00:00:00Z", "2000-02-29T00:00:00Z" },
	/* asctime and other forms seen in the wild */
	{ "Wed Mar 28 10:00:00 2018", "2018-03-28T10:00:00Z" },
	{ "Wed Mar  8 10:00:00 2018", "2018-03-08T10:00:00Z" },
	{ "Wed Mar 28 10:00:00 GMT 2018", "2018-03-28T10:00:00Z" },
	{ "March 28, 2018 10:00 AM", "2018-03-28T10:00:00Z" },
	{ "March 28, 2018 10:00 PM", "2018-03-28T22:00:00Z" },
	{ "Mar 28, 2018", "2018-03-28T00:00:00Z" },
	{ "28 March 2018", "2018-03-28T00:00:00Z" },
	{ "1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z" },
	/* refused: never a wrong date */
	{ "", NULL },
	{ "yesterday", NULL },
	{ "Wed, 32 Mar 2018 10:00:00 GMT", NULL },
	{ "Wed, 29 Feb 2018 10:00:00 GMT", NULL },
	{ "2018-13-01", NULL },
	{ "2018-02-30", NULL },
	{ "2018-03-28T25:00:00Z", NULL },
	{ "2018-03-28T10:61:00Z", NULL },
	{ "2018-03-28T10:00:00+25:00", NULL },
	{ "Wed, 28 Foo 2018 10:00:00 GMT", NULL },
	{ "Mar 2018", NULL },
	{ "10:00:00", NULL },
	{ "28/03/2018", NULL },
	{ "2018-03-28T10:00:00 nonsense", NULL },
	{ "0000-00-00 00:00:00", NULL },
};

START_TEST(test_parse)
{
	long long	 t;
	char		*s;

	t = date_parse(cases[_i].in);
	if (cases[_i].want == NULL) {
		ck_assert_msg(t == TIME_UNKNOWN, "\"%s\" accepted",
		    cases[_i].in);
		return;
	}
	ck_assert_msg(t != TIME_UNKNOWN, "\"%s\" refused", cases[_i].in);
	s = date_rfc3339(t);
	ck_assert_msg(strcmp(s, cases[_i].want) == 0, "\"%s\" gave %s, want %s",
	    cases[_i].in, s, cases[_i].want);
	free(s);
}
END_TEST

START_TEST(test_null_and_long)
{
	char	 big[1000];

	ck_assert(date_parse(NULL) == TIME_UNKNOWN);
	memset(big, '1', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ck_assert(date_parse(big) == TIME_UNKNOWN);
}
END_TEST

START_TEST(test_format)
{
	char	*s;

	s = date_rfc822(1522231200LL);
	ck_assert_str_eq(s, "Wed, 28 Mar 2018 10:00:00 GMT");
	free(s);
	s = date_rfc3339(1522231200LL);
	ck_assert_str_eq(s, "2018-03-28T10:00:00Z");
	free(s);
	s = date_rfc822(0);
	ck_assert_str_eq(s, "Thu, 01 Jan 1970 00:00:00 GMT");
	free(s);
	s = date_rfc3339(951782400LL);
	ck_assert_str_eq(s, "2000-02-29T00:00:00Z");
	free(s);
}
END_TEST

START_TEST(test_roundtrip)
{
	long long	 t;
	char		*a, *b;

	/* Every day over 60 years survives both formats. */
	for (t = 0; t < 60LL * 366 * 86400; t += 86400 + 3599) {
		a = date_rfc822(t);
		b = date_rfc3339(t);
		ck_assert(date_parse(a) == t);
		ck_assert(date_parse(b) == t);
		free(a);
		free(b);
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("date");
	TCase	*tc = tcase_create("date");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_parse, 0, sizeof cases / sizeof cases[0]);
	tcase_add_test(tc, test_null_and_long);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_roundtrip);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
