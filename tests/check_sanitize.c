/* check_sanitize.c: tests of feeds/sanitize.c and feeds/text.c. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

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
	tcase_add_loop_test(tc, test_text, 0, sizeof text / sizeof text[0]);
	tcase_add_test(tc, test_text_cut);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
