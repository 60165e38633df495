/* check_url.c: tests of feeds/url.c: resolving, canonical form, site. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "feeds.h"

/* RFC 3986 section 5.4 examples, and what feeds add to them. */
static const char base[] = "http://a/b/c/d;p?q";
static const struct {
	const char	*base;
	const char	*ref;
	const char	*want;
} resolve[] = {
	{ base, "g:h", "g:h" },
	{ base, "g", "http://a/b/c/g" },
	{ base, "./g", "http://a/b/c/g" },
	{ base, "g/", "http://a/b/c/g/" },
	{ base, "/g", "http://a/g" },
	{ base, "//g", "http://g" },
	{ base, "?y", "http://a/b/c/d;p?y" },
	{ base, "g?y", "http://a/b/c/g?y" },
	{ base, "#s", "http://a/b/c/d;p?q#s" },
	{ base, "g#s", "http://a/b/c/g#s" },
	{ base, "g?y#s", "http://a/b/c/g?y#s" },
	{ base, ";x", "http://a/b/c/;x" },
	{ base, "", "http://a/b/c/d;p?q" },
	{ base, ".", "http://a/b/c/" },
	{ base, "./", "http://a/b/c/" },
	{ base, "..", "http://a/b/" },
	{ base, "../", "http://a/b/" },
	{ base, "../g", "http://a/b/g" },
	{ base, "../..", "http://a/" },
	{ base, "../../", "http://a/" },
	{ base, "../../g", "http://a/g" },
	{ base, "../../../g", "http://a/g" },
	{ base, "../../../../g", "http://a/g" },
	{ base, "/./g", "http://a/g" },
	{ base, "/../g", "http://a/g" },
	{ base, "g.", "http://a/b/c/g." },
	{ base, ".g", "http://a/b/c/.g" },
	{ base, "g..", "http://a/b/c/g.." },
	{ base, "..g", "http://a/b/c/..g" },
	{ base, "./../g", "http://a/b/g" },
	{ base, "./g/.", "http://a/b/c/g/" },
	{ base, "g/./h", "http://a/b/c/g/h" },
	{ base, "g/../h", "http://a/b/c/h" },
	{ base, "g;x=1/./y", "http://a/b/c/g;x=1/y" },
	{ base, "g;x=1/../y", "http://a/b/c/y" },
	/* feeds */
	{ "https://example.org", "post/1", "https://example.org/post/1" },
	{ "https://example.org/feed/", "../post/1",
	    "https://example.org/post/1" },
	{ "https://example.org/feed", "  /post/1\n", "https://example.org/post/1" },
	{ "https://example.org/", "/a b", "https://example.org/a%20b" },
	{ "https://example.org/", "/a\tb", "https://example.org/ab" },
	{ NULL, "https://example.org/x", "https://example.org/x" },
	{ NULL, "https://example.org/a/./b/../c", "https://example.org/a/c" },
	{ NULL, "https://example.org/a?q=a b", "https://example.org/a?q=a%20b" },
	{ NULL, "https://example.org/a/..", "https://example.org/" },
	{ NULL, "http://example.org/x.y/.z?a=/../", "http://example.org/x.y/.z?a=/../" },
	{ NULL, "relative/x", NULL },
	{ "not a url", "relative/x", NULL },
	{ "https://example.org/", NULL, NULL },
};

START_TEST(test_resolve)
{
	char	*u;

	u = url_resolve(resolve[_i].base, resolve[_i].ref);
	if (resolve[_i].want == NULL) {
		ck_assert_msg(u == NULL, "%s gave %s", resolve[_i].ref, u);
		return;
	}
	ck_assert_msg(u != NULL && strcmp(u, resolve[_i].want) == 0,
	    "%s against %s gave %s, want %s", resolve[_i].ref,
	    resolve[_i].base, u ? u : "NULL", resolve[_i].want);
	free(u);
}
END_TEST

static const struct {
	const char	*in;
	const char	*want;
} canon[] = {
	{ "HTTP://Example.ORG/Path", "http://example.org/Path" },
	{ "http://example.org", "http://example.org/" },
	{ "http://example.org:80/a", "http://example.org/a" },
	{ "https://example.org:443/a", "https://example.org/a" },
	{ "http://example.org:8080/a", "http://example.org:8080/a" },
	{ "https://example.org:80/a", "https://example.org:80/a" },
	{ "http://example.org/a#frag", "http://example.org/a" },
	{ "http://example.org/a?utm_source=x&utm_medium=y",
	    "http://example.org/a" },
	{ "http://example.org/a?id=3&utm_campaign=z&x=1",
	    "http://example.org/a?id=3&x=1" },
	{ "http://example.org/a?fbclid=abc", "http://example.org/a" },
	{ "http://example.org/a?gclid=abc&p=2", "http://example.org/a?p=2" },
	{ "http://example.org/a?mc_eid=1&mc_cid=2", "http://example.org/a" },
	{ "http://example.org/a/./b/../c", "http://example.org/a/c" },
	{ "http://example.org/%7euser", "http://example.org/%7Euser" },
	{ "http://user@Example.org/", "http://example.org/" },
	{ "http://example.org./a", "http://example.org/a" },
	{ "  http://example.org/a  ", "http://example.org/a" },
	{ "ftp://example.org/a", NULL },
	{ "mailto:a@example.org", NULL },
	{ "/relative", NULL },
	{ "javascript:alert(1)", NULL },
	{ "http:///nohost", NULL },
	/* Already canonical (copied as is), and each near miss of that. */
	{ "https://news.example.org/2018/03/a-story.html",
	    "https://news.example.org/2018/03/a-story.html" },
	{ "https://example.org/a/%7Eb/c-d_e",
	    "https://example.org/a/%7Eb/c-d_e" },
	{ "https://example.org/a/%7eb", "https://example.org/a/%7Eb" },
	{ "https://example.org/a/.", "https://example.org/a/" },
	{ "https://example.org/a/..", "https://example.org/" },
	{ "https://example.org/a/.hidden/..x",
	    "https://example.org/a/.hidden/..x" },
	{ "https://example.org/a b", "https://example.org/a%20b" },
	{ "https://Example.org/a", "https://example.org/a" },
	{ "https://example.org:443", "https://example.org/" },
};

START_TEST(test_canonical)
{
	char	*u;

	u = url_canonical(canon[_i].in);
	if (canon[_i].want == NULL) {
		ck_assert_msg(u == NULL, "%s gave %s", canon[_i].in, u);
		return;
	}
	ck_assert_msg(u != NULL && strcmp(u, canon[_i].want) == 0,
	    "%s gave %s, want %s", canon[_i].in, u ? u : "NULL",
	    canon[_i].want);
	free(u);
}
END_TEST

START_TEST(test_canonical_same)
{
	char	*a, *b;

	/* Two spellings of one article give one key. */
	a = url_canonical("https://News.example.com:443/2018/x?utm_source=rss"
	    "#comments");
	b = url_canonical("https://news.example.com/2018/x");
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
}
END_TEST

static const struct {
	const char	*in;
	const char	*want;
} site[] = {
	{ "https://www.example.com/feed", "example.com" },
	{ "https://a.b.example.co.uk/x", "example.co.uk" },
	{ "http://EXAMPLE.org:8080/", "example.org" },
	{ "https://user@blog.example.net/", "example.net" },
	{ "https://foo.github.io/feed.xml", "foo.github.io" },
	{ "http://127.0.0.1:8080/feed", "127.0.0.1" },
	{ "http://[::1]:8080/feed", "[::1]" },
	{ "http://localhost/feed", "localhost" },
	{ "/relative", NULL },
	{ NULL, NULL },
};

START_TEST(test_site)
{
	char	*u;

	u = url_site(site[_i].in);
	if (site[_i].want == NULL) {
		ck_assert_msg(u == NULL, "%s gave %s", site[_i].in, u);
		return;
	}
	ck_assert_msg(u != NULL && strcmp(u, site[_i].want) == 0,
	    "%s gave %s, want %s", site[_i].in, u ? u : "NULL",
	    site[_i].want);
	free(u);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("url");
	TCase	*tc = tcase_create("url");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_resolve, 0,
	    sizeof resolve / sizeof resolve[0]);
	tcase_add_loop_test(tc, test_canonical, 0,
	    sizeof canon / sizeof canon[0]);
	tcase_add_test(tc, test_canonical_same);
	tcase_add_loop_test(tc, test_site, 0, sizeof site / sizeof site[0]);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
