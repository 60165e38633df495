/*
 * log.c: logging for journald.  Messages go to stderr without timestamps
 * (the journal adds them); when JOURNAL_STREAM is set each line starts with
 * a <N> syslog priority so the journal files it at the right level.  Every
 * message is escaped: anything a feed supplied may hold control characters.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define LOG_PRI_ERR	3
#define LOG_PRI_WARNING	4
#define LOG_PRI_INFO	6
#define LOG_PRI_DEBUG	7

static int	 log_verbose;
static int	 log_journal;
static int	 log_fd = 2;
static const char *log_tag = "syndic";

void
log_init(int verbose, const char *tag)
{
	log_verbose = verbose;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
	if (tag != NULL)
		log_tag = tag;
}

void
log_setverbose(int v)
{
	log_verbose = v;
}

int
log_getverbose(void)
{
	return (log_verbose);
}

void
log_redirect(int fd)
{
	log_fd = fd;
}

char *
log_escape(char *dst, size_t dstlen, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t		 o = 0;
	unsigned char	 c;

	if (dstlen == 0)
		return (dst);
	for (; *src != '\0' && o + 5 < dstlen; src++) {
		c = (unsigned char)*src;
		if (c == '\\') {
			dst[o++] = '\\';
			dst[o++] = '\\';
		} else if (c < 0x20 || c == 0x7f) {
			dst[o++] = '\\';
			switch (c) {
			case '\n':
				dst[o++] = 'n';
				break;
			case '\r':
				dst[o++] = 'r';
				break;
			case '\t':
				dst[o++] = 't';
				break;
			default:
				dst[o++] = 'x';
				dst[o++] = hex[c >> 4];
				dst[o++] = hex[c & 0xf];
				break;
			}
		} else
			dst[o++] = (char)c;
	}
	dst[o] = '\0';
	return (dst);
}

static void	log_vwrite(int, const char *, const char *, va_list, int)
		    __attribute__((format(printf, 3, 0)));

/* log_vwrite formats, escapes and writes one line at a priority. */
static void
log_vwrite(int pri, const char *prefix, const char *fmt, va_list ap,
    int with_errno)
{
	char	 msg[4096], esc[8192], line[8300];
	int	 saved = errno, n;

	if (pri == LOG_PRI_DEBUG && !log_verbose)
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	log_escape(esc, sizeof esc, msg);
	if (log_journal)
		n = snprintf(line, sizeof line, "<%d>%s%s%s%s\n", pri, prefix,
		    esc, with_errno ? ": " : "",
		    with_errno ? strerror(saved) : "");
	else
		n = snprintf(line, sizeof line, "%s: %s%s%s%s\n", log_tag,
		    prefix, esc, with_errno ? ": " : "",
		    with_errno ? strerror(saved) : "");
	if (n > (int)sizeof line - 1)
		n = (int)sizeof line - 1;
	if (n > 0 && write(log_fd, line, (size_t)n) == -1) {
		/* Nowhere left to report it. */
	}
	errno = saved;
}

#define LOG_BODY(pri, prefix, with_errno) do {				\
	va_list	 ap;							\
	va_start(ap, fmt);						\
	log_vwrite(pri, prefix, fmt, ap, with_errno);			\
	va_end(ap);							\
} while (0)

void
log_warn(const char *fmt, ...)
{
	LOG_BODY(LOG_PRI_WARNING, "", 1);
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_PRI_WARNING, "", 0);
}

void
log_err(const char *fmt, ...)
{
	LOG_BODY(LOG_PRI_ERR, "", 0);
}

void
log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_PRI_INFO, "", 0);
}

void
log_debug(const char *fmt, ...)
{
	LOG_BODY(LOG_PRI_DEBUG, "", 0);
}

void
fatal(const char *fmt, ...)
{
	LOG_BODY(LOG_PRI_ERR, "fatal: ", 1);
	exit(70);
}

void
fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_PRI_ERR, "fatal: ", 0);
	exit(70);
}
