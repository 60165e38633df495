/* log.h: the log_* family, written for journald (stderr, priority prefixes). */
#ifndef SYNDIC_LOG_H
#define SYNDIC_LOG_H

#include <stdarg.h>
#include <stddef.h>

#define LOG_FMT(a, b) __attribute__((format(printf, a, b)))

/* log_init sets the verbosity (0 info, 1 debug) and the tag for messages. */
void	 log_init(int verbose, const char *tag);
void	 log_setverbose(int);
int	 log_getverbose(void);
/* log_redirect sends output to the given file descriptor (tests). */
void	 log_redirect(int fd);
void	 log_warn(const char *, ...) LOG_FMT(1, 2);
void	 log_warnx(const char *, ...) LOG_FMT(1, 2);
void	 log_err(const char *, ...) LOG_FMT(1, 2);
void	 log_info(const char *, ...) LOG_FMT(1, 2);
void	 log_debug(const char *, ...) LOG_FMT(1, 2);
void	 fatal(const char *, ...) LOG_FMT(1, 2) __attribute__((noreturn));
void	 fatalx(const char *, ...) LOG_FMT(1, 2) __attribute__((noreturn));
/*
 * log_escape copies src into dst (of size dstlen) with control characters
 * and invalid bytes escaped, so a feed cannot forge log lines.  Returns dst.
 */
char	*log_escape(char *dst, size_t dstlen, const char *src);

#endif
