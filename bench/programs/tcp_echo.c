// The TCP round-trip server of the network figures (bench/net_figures.sh), run in both
// guests: accepts one connection at a time and sends every byte it receives straight back.
// When a connection ends it prints `tcp_echo: answered COUNT reads`. The host client
// (tcp_ping.c) sends one byte at a time and waits for it. (The guest's instructions per
// round trip come from a QEMU plugin, bench/programs/insn_count_plugin.c, not from the
// TSC under -icount: that says why.)
//
//   tcp_echo PORT [--poweroff]     (--poweroff is ignored: the harness stops the VM)
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static void serve(int fd) {
    int one = 1;
    // Each answer is one byte: without NODELAY, Nagle would hold it behind the last one's ACK.
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    unsigned long long count = 0;
    char buffer[4096];
    for (;;) {
        ssize_t n = read(fd, buffer, sizeof buffer);
        if (n <= 0) break;
        count++;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(fd, buffer + done, (size_t)(n - done));
            if (w <= 0) goto closed;
            done += w;
        }
    }
closed:
    close(fd);
    printf("tcp_echo: answered %llu reads\n", count);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) {
        printf("error usage: tcp_echo PORT\n");
        return 2;
    }
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0) {
        perror("tcp_echo: socket");
        return 1;
    }
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1]))};
    address.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(listener, (struct sockaddr *)&address, sizeof address) < 0 || listen(listener, 16) < 0) {
        perror("tcp_echo: bind/listen");
        return 1;
    }
    printf("tcp_echo: listening on port %s\n", argv[1]);
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) {
            perror("tcp_echo: accept");
            return 1;
        }
        serve(fd);
    }
}
