/* listen.c: the listening socket (see listen.h). */
#include "listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void pv_listen_url(const char *host, unsigned port, char *out, size_t size)
{
    bool v6 = strchr(host, ':') != NULL;
    snprintf(out, size, "http://%s%s%s:%u/", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

/* Opens a listening socket on host at the first free port of [port, port +
 * tries). Returns the socket (and sets *bound_port), or -1 with err filled. */
int pv_listen_open(const char *host, unsigned port, unsigned tries, unsigned *bound_port,
                   pv_error *err)
{
    if (tries == 0) tries = 1;
    unsigned last = port + tries - 1 > 65535 ? 65535 : port + tries - 1;
    if (port == 0) last = 0;
    for (unsigned p = port; p <= last; p++) {
        char service[8];
        snprintf(service, sizeof service, "%u", p);
        struct addrinfo hints, *res = NULL;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
        int gai = getaddrinfo(host, service, &hints, &res);
        if (gai != 0)
            return pv_fail(err, PV_ERR_IO, -1, "cannot listen on %s: %s", host, gai_strerror(gai));
        int in_use = 0, fd = -1, saved = 0;
        for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
            fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
            if (fd < 0) {
                saved = errno;
                continue;
            }
            int one = 1;
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
            if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 128) < 0) {
                saved = errno;
                in_use |= saved == EADDRINUSE;
                close(fd);
                fd = -1;
            }
        }
        freeaddrinfo(res);
        if (fd >= 0) {
            int flags = fcntl(fd, F_GETFL);
            if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
                saved = errno;
                close(fd);
                return pv_fail(err, PV_ERR_IO, -1, "cannot listen on %s: %s", host,
                               strerror(saved));
            }
            struct sockaddr_storage ss;
            socklen_t sl = sizeof ss;
            *bound_port = p;
            if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
                if (ss.ss_family == AF_INET)
                    *bound_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
                else if (ss.ss_family == AF_INET6)
                    *bound_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
            }
            return fd;
        }
        if (!in_use)
            return pv_fail(err, PV_ERR_IO, -1, "cannot listen on %s port %u: %s", host, p,
                           strerror(saved ? saved : EINVAL));
    }
    if (last == port) return pv_fail(err, PV_ERR_IO, -1, "port %u on %s is in use", port, host);
    return pv_fail(err, PV_ERR_IO, -1, "ports %u to %u on %s are all in use", port, last, host);
}

/* Copies the allow list and builds the frame policy. */
