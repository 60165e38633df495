/*
 * notify.c: the service manager protocol, spoken natively so that syndic
 * needs no libsystemd: state strings as datagrams to $NOTIFY_SOCKET
 * (sd_notify(3)) and sockets passed through $LISTEN_PID/$LISTEN_FDS
 * (sd_listen_fds(3)).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

#define NOTIFY_FIRST_FD	3	/* SD_LISTEN_FDS_START */

int
notify_send(const char *state)
{
	struct sockaddr_un	 sun;
	const char		*path;
	socklen_t		 len;
	int			 fd;
	ssize_t			 n;

	if ((path = getenv("NOTIFY_SOCKET")) == NULL || *path == '\0')
		return (0);
	if ((path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof sun.sun_path)
		return (-1);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';	/* abstract namespace */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len);
	close(fd);
	if (n == -1) {
		log_debug("notify: %s", strerror(errno));
		return (-1);
	}
	return (0);
}

int
notify_listen_fd(void)
{
	const char	*pid, *fds;
	int		 fd;

	pid = getenv("LISTEN_PID");
	fds = getenv("LISTEN_FDS");
	if (pid == NULL || fds == NULL)
		return (-1);
	if (strtol(pid, NULL, 10) != (long)getpid() ||
	    strtol(fds, NULL, 10) < 1)
		return (-1);
	fd = NOTIFY_FIRST_FD;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		return (-1);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return (fd);
}
