/*
 * check_reliability.c: regression tests for what the reliability suites
 * found in feeds/: hostile documents that once cost seconds, crashed or
 * built hundreds of megabytes.  Each test would fail (time out or crash)
 * without its fix.
 */
#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "buf.h"
#include "feeds.h"
#include "xmalloc.h"

/* repeat returns head + n times unit + tail (caller frees). */
static char *
repeat(const char *head, const char *unit, int n, const char *tail)
{
	struct buf	 b;
	int		 i;

	buf_init(&b);
	buf_puts(&b, head);
	for (i = 0; i < n; i++)
		buf_puts(&b, unit);
	buf_puts(&b, tail);
	return (buf_steal(&b));
}

/* has_error tells whether one of the document's errors contains s. */
static int
has_error(const struct doc *d, const char *s)
{
	int	 i;

	for (i = 0; i < d->nerrors; i++)
		if (strstr(d->errors[i], s) != NULL)
			return (1);
	return (0);
}

/* 100,000 nested tags: quadratic in gumbo, then a stack overflow. */
START_TEST(test_sanitize_deep_nesting)
{
	char	*in, *out;

	/* Deeper than SAN_MAX_DEPTH is dropped: only surviving matters. */
	in = repeat("shallow", "<div>", 100000, "deep");
	out = sanitize_html(in, strlen(in), NULL);
	ck_assert_ptr_nonnull(strstr(out, "shallow"));
	free(in);
	free(out);
	in = repeat("<p>x", "<b><i>", 50000, "y");
	out = sanitize_html(in, strlen(in), NULL);
	ck_assert_ptr_nonnull(strstr(out, "x"));
	free(in);
	free(out);
}
END_TEST

/* Ordinary nesting and unclosed paragraphs are left alone. */
START_TEST(test_sanitize_bound_keeps_normal)
{
	char	*in, *out;

	in = repeat("<ul>", "<li><p>item <b>bold</b>", 400, "</ul>");
	out = sanitize_html(in, strlen(in), NULL);
	ck_assert_int_eq(strstr(out, "<b>bold</b>") != NULL, 1);
	free(in);
	free(out);
}
END_TEST

/* One tag with 100,000 attributes: quadratic in gumbo. */
START_TEST(test_sanitize_attribute_flood)
{
	char	*in, *out;

	in = repeat("<a", " x", 100000, ">text</a>");
	out = sanitize_html(in, strlen(in), NULL);
	ck_assert_ptr_nonnull(strstr(out, "text"));
	free(in);
	free(out);
}
END_TEST

/* One element with 30,000 attributes: quadratic in libxml2. */
START_TEST(test_parse_attribute_flood)
{
	struct doc	*d;
	char		*in, *attrs;

	attrs = xmalloc(30000 * 12);
	attrs[0] = '\0';
	for (int i = 0; i < 30000; i++)
		sprintf(attrs + strlen(attrs), " a%d=\"\"", i);
	xasprintf(&in, "<rss version=\"2.0\"><channel><title>t</title>"
	    "<item%s><title>t</title></item></channel></rss>", attrs);
	d = parse_document(in, strlen(in), NULL, NULL, PARSE_SANITIZE);
	ck_assert_int_eq(d->bozo, 1);
	ck_assert(has_error(d, "attributes"));
	doc_free(d);
	free(in);
	free(attrs);
}
END_TEST

/* 200,000 elements: the tree is cut at PARSE_MAX_NODES, entries kept. */
START_TEST(test_parse_node_budget)
{
	struct doc	*d;
	char		*in;

	in = repeat("<rss version=\"2.0\"><channel><title>t</title><item>"
	    "<title>first</title></item><item>", "<x a=\"1\"/>", 200000,
	    "</item></channel></rss>");
	d = parse_document(in, strlen(in), NULL, NULL, PARSE_SANITIZE);
	ck_assert_int_eq(d->bozo, 1);
	ck_assert(has_error(d, "elements and attributes"));
	ck_assert_int_ge(d->nentries, 1);
	ck_assert_str_eq(d->entries[0].title, "first");
	doc_free(d);
	free(in);
}
END_TEST

/* A JSON string larger than the memory left fails fast, not byte by byte. */
START_TEST(test_jsonfeed_out_of_memory)
{
#if defined(__SANITIZE_ADDRESS__)
	/* ASan reserves terabytes of address space: no RLIMIT_AS here. */
#else
	struct rlimit	 rl;
	struct doc	*d;
	char		*in;

	in = repeat("{\"version\":\"https://jsonfeed.org/version/1.1\","
	    "\"items\":[{\"id\":\"1\",\"content_html\":\"", "xxxxxxxx",
	    4 * 1024 * 1024, "\"}]}");
	/* Check forks each test: the limit dies with this child. */
	getrlimit(RLIMIT_AS, &rl);
	rl.rlim_cur = 200 * 1024 * 1024;
	ck_assert_int_eq(setrlimit(RLIMIT_AS, &rl), 0);
	d = parse_document(in, strlen(in), NULL, NULL, PARSE_SANITIZE);
	ck_assert_int_eq(d->format, FORMAT_UNKNOWN);
	doc_free(d);
	free(in);
#endif
}
END_TEST

/* A plain-text title with markup must not become markup in RSS readers. */
START_TEST(test_rss_title_markup)
{
	struct channel	 c;
	struct item	 it;
	char		*out;

	memset(&c, 0, sizeof c);
	memset(&it, 0, sizeof it);
	c.title = "t";
	c.link = "http://localhost/";
	c.updated = 1700000000;
	it.title = "<img src=x onerror=alert(1)> & co";
	it.link = "https://example.org/1";
	it.id = "urn:x";
	it.published = it.updated = 1700000000;
	c.items = &it;
	c.nitems = 1;
	out = write_rss(&c);
	ck_assert_ptr_nonnull(strstr(out, "<title>&amp;lt;img src=x "
	    "onerror=alert(1)&gt; &amp; co</title>"));
	free(out);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("reliability");
	TCase	*tc = tcase_create("hostile");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_sanitize_deep_nesting);
	tcase_add_test(tc, test_sanitize_bound_keeps_normal);
	tcase_add_test(tc, test_sanitize_attribute_flood);
	tcase_add_test(tc, test_parse_attribute_flood);
	tcase_add_test(tc, test_parse_node_budget);
	tcase_add_test(tc, test_jsonfeed_out_of_memory);
	tcase_add_test(tc, test_rss_title_markup);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
