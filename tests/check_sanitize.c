/* check_sanitize.c: tests of feeds/sanitize.c and feeds/text.c. */
#include <sys/stat.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "feeds.h"

#define BASE	"https://example.org/blog/post"

/* Input fragments and exactly what must come out. */
static const struct {
	const char	*in;
	const char	*want;
} exact[] = {
	{ "<p>Hello <b>world</b></p>", "<p>Hello <b>world</b></p>" },
	{ "plain & simple", "plain &amp; simple" },
	{ "<script>alert(1)</script>ok", "ok" },
	{ "<style>body{}</style>ok", "ok" },
	{ "<p onclick=\"alert(1)\" style=\"color:red\" class=\"x\">t</p>",
	    "<p>t</p>" },
	{ "<a href=\"javascript:alert(1)\">x</a>", "<a>x</a>" },
	{ "<a href=\" JaVaScRiPt:alert(1)\">x</a>", "<a>x</a>" },
	{ "<a href=\"java&#x09;script:alert(1)\">x</a>", "<a>x</a>" },
	{ "<a href=\"vbscript:x\">x</a>", "<a>x</a>" },
	{ "<a href=\"data:text/html,<script>\">x</a>", "<a>x</a>" },
	{ "<a href=\"/about\">x</a>",
	    "<a href=\"https://example.org/about\">x</a>" },
	{ "<a href=\"next\">x</a>",
	    "<a href=\"https://example.org/blog/next\">x</a>" },
	{ "<a href=\"mailto:a@example.org\">m</a>",
	    "<a href=\"mailto:a@example.org\">m</a>" },
	{ "<img src=\"a.png\" alt=\"A\">",
	    "<img src=\"https://example.org/blog/a.png\" alt=\"A\">" },
	{ "<img src=\"data:image/png;base64,iVBORw0KGgo=\">",
	    "<img src=\"data:image/png;base64,iVBORw0KGgo=\">" },
	{ "<img src=\"data:image/svg+xml;base64,PHN2Zz4=\">", "" },
	{ "<img src=\"https://t.example/p.gif\" width=\"1\" height=\"1\">", "" },
	{ "<img src=\"https://t.example/p.gif\" width=\"0\" height=\"0\">", "" },
	{ "<img src=\"javascript:alert(1)\" alt=\"x\">", "" },
	{ "<img src=x onerror=alert(1)>",
	    "<img src=\"https://example.org/blog/x\">" },
	{ "<iframe src=\"https://evil.example/\"></iframe>ok", "ok" },
	{ "<object data=\"x.swf\"><embed src=\"x.swf\"></object>ok", "ok" },
	{ "<form action=\"/x\"><input name=a><button>b</button>t</form>", "t" },
	{ "<svg><script>alert(1)</script></svg>ok", "ok" },
	{ "<math><mtext>x</mtext></math>ok", "ok" },
	{ "<span style=\"x\">in</span>", "in" },
	{ "<font color=red>in</font>", "in" },
	{ "<!-- comment -->ok", "ok" },
	{ "<table><tr><td colspan=\"2\">c</td></tr></table>",
	    "<table><tbody><tr><td colspan=\"2\">c</td></tr></tbody></table>" },
	{ "<pre><code>a &lt; b</code></pre>", "<pre><code>a &lt; b</code></pre>" },
	{ "<figure><img src=\"https://e.example/i.jpg\"><figcaption>c"
	    "</figcaption></figure>", "<figure><img src=\"https://e.example/"
	    "i.jpg\"><figcaption>c</figcaption></figure>" },
	{ "<p>unclosed <b>bold", "<p>unclosed <b>bold</b></p>" },
	{ "<a title='\"&gt;<script>'>x</a>",
	    "<a title=\"&quot;&gt;&lt;script&gt;\">x</a>" },
	{ "<base href=\"https://evil.example/\"><meta http-equiv=refresh "
	    "content=\"0;url=x\"><link rel=stylesheet href=x>ok", "ok" },
	{ "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
	    "" },
	{ "<textarea><script>alert(1)</script></textarea>", "" },
	{ "<video src=\"v.mp4\" autoplay controls></video>",
	    "<video src=\"https://example.org/blog/v.mp4\" controls=\"\">"
	    "</video>" },
	{ "<blockquote cite=\"javascript:x\">q</blockquote>",
	    "<blockquote>q</blockquote>" },
	/* Nestings the parser builds but would not read back: unwrapped. */
	{ "<li><a href=\"/x\"><li>in</li></a></li>",
	    "<li><a href=\"https://example.org/x\"></a></li><li>"
	    "<a href=\"https://example.org/x\">in</a></li>" },
	{ "<h1><center><h1><small>", "<h1><small></small></h1>" },
	{ "<center><tr><dd></span><table><b><dd>",
	    "<dd><b></b><table></table></dd>" },
	{ "x<a href=x><table></div>x<a href=x></s>",
	    "x<a href=\"https://example.org/blog/x\">x<table></table></a>" },
	{ "<pre><span>\nx</span></pre>", "<pre>\n\nx</pre>" },
	{ "<ruby>a<b><rt>b</rt></b></ruby>", "<ruby>a<b>b</b></ruby>" },
	{ "", "" },
};

START_TEST(test_exact)
{
	char	*s;

	s = sanitize_html(exact[_i].in, strlen(exact[_i].in), BASE);
	ck_assert_msg(strcmp(s, exact[_i].want) == 0, "%s\n gave %s\n want %s",
	    exact[_i].in, s, exact[_i].want);
	free(s);
}
END_TEST

START_TEST(test_no_base)
{
	char	*s;

	s = sanitize_html("<a href=\"/x\">x</a><a href=\"foo:bar\">y</a>", 40,
	    NULL);
	ck_assert_str_eq(s, "<a href=\"/x\">x</a><a>y</a>");
	free(s);
}
END_TEST

START_TEST(test_invalid_utf8)
{
	char	*s;

	s = sanitize_html("a\xff\xfe" "b", 4, BASE);
	ck_assert_str_eq(s, "a\xef\xbf\xbd\xef\xbf\xbd" "b");
	free(s);
}
END_TEST

START_TEST(test_deep)
{
	char	*in, *s;
	size_t	 i, n = 100000;

	/* Deep nesting must neither crash nor keep unbounded depth. */
	in = malloc(n * 5 + 1);
	for (i = 0; i < n; i++)
		memcpy(in + i * 5, "<div>", 5);
	in[n * 5] = '\0';
	s = sanitize_html(in, n * 5, BASE);
	ck_assert(strlen(s) < n * 5);
	free(s);
	free(in);
}
END_TEST

/* san_twice asserts that sanitizing the output again gives the same. */
static void
san_twice(const char *in, size_t len, const char *base, const char *what)
{
	char	*once, *twice;

	once = sanitize_html(in, len, base);
	twice = sanitize_html(once, strlen(once), base);
	ck_assert_msg(strcmp(once, twice) == 0, "%s: %.200s\n gave %.300s\n "
	    "then %.300s", what, in, once, twice);
	free(twice);
	free(once);
}

/* Tags the random fragments are made of: what the tree builder juggles. */
static const char *const idem_tags[] = { "li", "a href=x", "ul", "ol", "p",
    "div", "table", "tr", "td", "th", "tbody", "thead", "caption",
    "colgroup", "col", "b", "i", "h1", "h2", "pre", "blockquote", "dl",
    "dt", "dd", "span", "font", "form", "button", "select", "option",
    "figure", "code", "section", "nobr", "center", "s", "small", "ruby",
    "rt", "rp", "br", "hr", "img src=y", "svg", "math", "textarea",
    "listing", "plaintext", "xmp", "address", "details", "summary",
    "template", "body", "html", "noscript", "iframe", "image", "marquee" };
static const char *const idem_text[] = { "x", " ", "\n", "\n\n", "&amp;",
    "&lt;b&gt;", "<!--c-->", "\t y " };

/* idem_next is a small fixed-seed generator: the same fragments each run. */
static unsigned int
idem_next(unsigned int *seed, unsigned int n)
{
	*seed = *seed * 1103515245 + 12345;
	return ((*seed >> 16) % n);
}

START_TEST(test_idempotent_random)
{
	char		 in[512];
	const char	*t;
	unsigned int	 seed = 1, i, j, k, n;
	size_t		 len;

	for (i = 0; i < 20000; i++) {
		len = 0;
		n = 1 + idem_next(&seed, 12);
		for (j = 0; j < n; j++) {
			k = idem_next(&seed, 10);
			t = k < 8 ? idem_tags[idem_next(&seed, sizeof idem_tags
			    / sizeof idem_tags[0])] : idem_text[idem_next(&seed,
			    sizeof idem_text / sizeof idem_text[0])];
			if (k < 5)
				len += snprintf(in + len, sizeof in - len,
				    "<%s>", t);
			else if (k < 8)
				len += snprintf(in + len, sizeof in - len,
				    "</%.*s>", (int)strcspn(t, " "), t);
			else
				len += snprintf(in + len, sizeof in - len,
				    "%s", t);
		}
		san_twice(in, len, BASE, "random");
	}
}
END_TEST

START_TEST(test_idempotent_xss)
{
	json_t		*all, *v;
	const char	*p;
	size_t		 i;

	/* The XSS corpus beside the project (skipped when absent). */
	all = json_load_file(SRCDIR "/../shared/corpus/xss/corpus.json", 0,
	    NULL);
	if (all == NULL)
		return;
	ck_assert_int_gt(json_array_size(all), 100);
	json_array_foreach(all, i, v) {
		p = json_string_value(json_object_get(v, "payload"));
		if (p != NULL)
			san_twice(p, strlen(p), "https://xss.example/feed",
			    json_string_value(json_object_get(v, "id")));
	}
	json_decref(all);
}
END_TEST

static int	idem_fragments;

/* idem_feed sanitizes twice the summary and content of a feed's entries. */
static int
idem_feed(const char *path, const struct stat *sb, int type, struct FTW *f)
{
	struct doc	*d;
	FILE		*fp;
	char		*data;
	size_t		 len;
	int		 i;

	if (type != FTW_F || sb->st_size > 4 * 1024 * 1024 ||
	    (fp = fopen(path, "rb")) == NULL)
		return (0);
	data = malloc(sb->st_size + 1);
	len = fread(data, 1, sb->st_size, fp);
	fclose(fp);
	d = parse_document(data, len, "https://example.org/feed", NULL, 0);
	for (i = 0; i < d->nentries; i++) {
		if (d->entries[i].summary != NULL)
			san_twice(d->entries[i].summary,
			    strlen(d->entries[i].summary), BASE, path);
		if (d->entries[i].content != NULL)
			san_twice(d->entries[i].content,
			    strlen(d->entries[i].content), BASE, path);
		idem_fragments++;
	}
	doc_free(d);
	free(data);
	return (0);
}

START_TEST(test_idempotent_feeds)
{
	/* The feed corpus beside the project (skipped when absent). */
	if (nftw(SRCDIR "/../shared/corpus/feeds", idem_feed, 16,
	    FTW_PHYS) == -1)
		return;
	ck_assert_int_gt(idem_fragments, 1000);
}
END_TEST

static const struct {
	const char	*in;
	const char	*want;
} text[] = {
	{ "<p>Hello <b>world</b></p>", "Hello world" },
	{ "A &amp; B &lt;c&gt; &eacute;&#233;&#xe9; &nbsp;x", "A & B <c> ééé x" },
	{ "a<script>var x = '<p>';</script>b", "ab" },
	{ "a<style>p{}</style>b", "ab" },
	{ "  lots \n\t of   space  ", "lots of space" },
	{ "line<br>break", "line break" },
	{ "AT&T & co", "AT&T & co" },
	{ "x < y", "x < y" },
	{ "<!-- hidden -->shown", "shown" },
	{ "bad \xff byte", "bad \xef\xbf\xbd byte" },
};

START_TEST(test_text)
{
	char	*s;

	s = text_from_html(text[_i].in, strlen(text[_i].in), 0);
	ck_assert_msg(strcmp(s, text[_i].want) == 0, "%s gave \"%s\"",
	    text[_i].in, s);
	free(s);
}
END_TEST

START_TEST(test_text_cut)
{
	char	*s;

	/* Cut on a character boundary: é is two bytes. */
	s = text_from_html("ééé", 6, 3);
	ck_assert_str_eq(s, "é");
	free(s);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("sanitize");
	TCase	*tc = tcase_create("sanitize");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_exact, 0, sizeof exact / sizeof exact[0]);
	tcase_add_test(tc, test_no_base);
	tcase_add_test(tc, test_invalid_utf8);
	tcase_add_test(tc, test_deep);
	tcase_add_test(tc, test_idempotent_random);
	tcase_add_test(tc, test_idempotent_xss);
	tcase_add_test(tc, test_idempotent_feeds);
	tcase_add_loop_test(tc, test_text, 0, sizeof text / sizeof text[0]);
	tcase_add_test(tc, test_text_cut);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
