/* buf.h: one growable byte string, always NUL-terminated. */
#ifndef SYNDIC_BUF_H
#define SYNDIC_BUF_H

#include <stddef.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

void	 buf_init(struct buf *);
void	 buf_reset(struct buf *);
void	 buf_free(struct buf *);
void	 buf_add(struct buf *, const void *, size_t);
void	 buf_puts(struct buf *, const char *);
void	 buf_putc(struct buf *, char);
void	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* buf_steal returns the NUL-terminated data (caller frees) and resets. */
char	*buf_steal(struct buf *);

#endif
