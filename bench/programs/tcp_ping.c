// The host side of the TCP round-trip figure (bench/net_figures.sh): connects to the echo
// server in a guest (tcp_echo.c) through QEMU's port forward, does WARMUP then COUNT
// one-byte ping-pongs over that one connection, each timed with CLOCK_MONOTONIC, and prints
//
//   figure tcp_rtt.us MEDIAN us
//   info tcp_rtt min MIN p90 P90 max MAX us
//
// Every wait is bounded (5 s per send or receive), so a guest that stops answering ends the
// run with an error instead of hanging it. Exit status 0 only when every byte came back.
//
//   tcp_ping PORT COUNT [WARMUP]       (to 127.0.0.1)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: tcp_ping PORT COUNT [WARMUP]\n");
        return 2;
    }
    int port = atoi(argv[1]), count = atoi(argv[2]), warmup = argc > 3 ? atoi(argv[3]) : 0;
    if (count < 1 || warmup < 0) {
        fprintf(stderr, "tcp_ping: COUNT must be at least 1\n");
        return 2;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval limit = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) {
        perror("tcp_ping: connect");
        return 1;
    }
    double *times = malloc(sizeof(double) * (size_t)count);
    for (int i = 0; i < warmup + count; i++) {
        char byte = (char)i, back;
        double start = now_us();
        if (write(fd, &byte, 1) != 1 || read(fd, &back, 1) != 1 || back != byte) {
            fprintf(stderr, "tcp_ping: round trip %d of %d failed (no answer within 5 s, or the connection closed)\n",
                    i + 1, warmup + count);
            return 1;
        }
        if (i >= warmup) times[i - warmup] = now_us() - start;
    }
    close(fd);
    qsort(times, (size_t)count, sizeof(double), compare);
    double median = count % 2 ? times[count / 2] : (times[count / 2 - 1] + times[count / 2]) / 2;
    printf("figure tcp_rtt.us %.1f us\n", median);
    printf("info tcp_rtt min %.1f p90 %.1f max %.1f us\n", times[0], times[count * 9 / 10], times[count - 1]);
    return 0;
}
