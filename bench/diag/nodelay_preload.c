/* Diagnostic only (not part of the build): an LD_PRELOAD shim that sets TCP_NODELAY
 * on every socket a process accepts, to show what tern-server's latency would be if
 * it set TCP_NODELAY itself (it does not: axum::serve leaves Nagle on).
 *
 *   gcc -shared -fPIC -O2 -o /tmp/nodelay.so bench/diag/nodelay_preload.c -ldl
 *   TERN_BENCH_PRELOAD=/tmp/nodelay.so cargo run --release -p tern-bench -- s2
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static void nodelay(int fd) {
    if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
}

int accept(int s, struct sockaddr *a, socklen_t *l) {
    static int (*real)(int, struct sockaddr *, socklen_t *);
    if (!real) real = dlsym(RTLD_NEXT, "accept");
    int fd = real(s, a, l);
    nodelay(fd);
    return fd;
}

int accept4(int s, struct sockaddr *a, socklen_t *l, int flags) {
    static int (*real)(int, struct sockaddr *, socklen_t *, int);
    if (!real) real = dlsym(RTLD_NEXT, "accept4");
    int fd = real(s, a, l, flags);
    nodelay(fd);
    return fd;
}
