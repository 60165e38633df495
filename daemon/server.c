/*
 * server.c: the HTTP server (evhttp).  Only GET and HEAD are served;
 * anything else is 405.  Requests are dispatched on the path.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "daemon.h"
#include "log.h"
#include "xmalloc.h"

struct server {
	struct daemon		*daemon;
	struct evhttp		*http;
	unsigned long long	 requests;
};

/*
 * server_healthz answers 200 while the loop runs and the daemon's health
 * hook (the store answers) agrees, else 503 with the reason.
 */
static void
server_healthz(struct server *s, struct evhttp_request *req)
{
	struct evbuffer	*body;
	char		*cause;
	int		 ok;

	ok = notify_health(s->daemon, &cause) == 0;
	body = evbuffer_new();
	if (ok)
		evbuffer_add_printf(body, "ok\n");
	else {
		evbuffer_add_printf(body, "unhealthy: %s\n", cause);
		free(cause);
	}
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; charset=utf-8");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-store");
	evhttp_send_reply(req, ok ? 200 : 503, ok ? "OK" :
	    "Service Unavailable", body);
	evbuffer_free(body);
}

/* server_request_cb dispatches every request. */
static void
server_request_cb(struct evhttp_request *req, void *arg)
{
	struct server	*s = arg;
	const char	*path;
	enum evhttp_cmd_type cmd;

	s->requests++;
	cmd = evhttp_request_get_command(req);
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD");
		evhttp_send_error(req, 405, "Method Not Allowed");
		return;
	}
	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (path == NULL)
		path = "/";
	if (strcmp(path, "/healthz") == 0)
		server_healthz(s, req);
	else
		evhttp_send_error(req, 404, "Not Found");
}

struct server *
server_new(struct daemon *d, const char *listen, int fd, char **cause)
{
	struct server	*s;
	char		*host, *colon;
	long		 port;

	s = xcalloc(1, sizeof *s);
	s->daemon = d;
	if ((s->http = evhttp_new(d->base)) == NULL)
		fatalx("evhttp_new failed");
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH | EVHTTP_REQ_TRACE);
	evhttp_set_max_headers_size(s->http, 16384);
	evhttp_set_max_body_size(s->http, 65536);
	evhttp_set_timeout(s->http, 30);
	evhttp_set_gencb(s->http, server_request_cb, s);
	if (fd >= 0) {
		if (evhttp_accept_socket(s->http, fd) != 0) {
			xasprintf(cause, "cannot serve the passed socket %d",
			    fd);
			server_free(s);
			return (NULL);
		}
		return (s);
	}
	host = xstrdup(listen);
	colon = strrchr(host, ':');
	if (colon == NULL || (port = strtol(colon + 1, NULL, 10)) <= 0 ||
	    port > 65535) {
		xasprintf(cause, "listen: bad address \"%s\"", listen);
		free(host);
		server_free(s);
		return (NULL);
	}
	*colon = '\0';
	if (host[0] == '[' && colon[-1] == ']') {
		colon[-1] = '\0';
		memmove(host, host + 1, strlen(host));
	}
	if (evhttp_bind_socket(s->http, host, (unsigned short)port) != 0) {
		xasprintf(cause, "cannot listen on %s: %s", listen,
		    strerror(errno));
		free(host);
		server_free(s);
		return (NULL);
	}
	free(host);
	return (s);
}

void
server_free(struct server *s)
{
	if (s == NULL)
		return;
	if (s->http != NULL)
		evhttp_free(s->http);
	free(s);
}
