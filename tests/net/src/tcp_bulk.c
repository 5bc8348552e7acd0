// TCP under load over 127.0.0.1: 8 MiB each way at once on one connection (both ends
// sending and receiving in their own threads, in uneven pieces from 1 byte to 256 KiB,
// checksummed), sendfile from a 3 MiB file into a socket (with and without an offset),
// 300 connections from four threads to one listener with a backlog of 8. (A connect
// beyond a full accept queue is in tcp_basic; a burst of them is not tested, since Linux
// itself may lose one: the client's final ACK is dropped on a full queue and the client
// believes it is connected.)
#include "net_test.h"

#include <sys/sendfile.h>

enum { kBulkBytes = 8 << 20 };

struct stream_end {
    int fd;
    unsigned send_seed;
    unsigned recv_seed;
    uint64_t sent_hash;
    uint64_t received_hash;
    long received;
    int mismatches;
};

// Piece sizes cycle through odd lengths so segment boundaries fall everywhere.
static size_t piece_size(int i) {
    static const size_t sizes[] = {1, 7, 1460, 65536, 3, 262144, 4096, 1000, 17, 131071};
    return sizes[i % (int)(sizeof sizes / sizeof sizes[0])];
}

static void *send_stream(void *arg) {
    struct stream_end *e = arg;
    static __thread unsigned char buf[262144];
    uint64_t hash = FNV_START;
    long offset = 0;
    for (int i = 0; offset < kBulkBytes; i++) {
        size_t n = piece_size(i);
        if (n > (size_t)(kBulkBytes - offset))
            n = (size_t)(kBulkBytes - offset);
        for (size_t k = 0; k < n; k++)
            buf[k] = pattern_byte((uint64_t)offset + k, e->send_seed);
        if (write_all(e->fd, buf, n) != 0)
            break;
        hash = fnv1a(hash, buf, n);
        offset += (long)n;
    }
    e->sent_hash = hash;
    // This end is done sending: the peer's reader sees end of file.
    if (shutdown(e->fd, SHUT_WR) != 0)
        FAIL("shutdown: %s", errno_name(errno));
    return NULL;
}

static void *receive_stream(void *arg) {
    struct stream_end *e = arg;
    static __thread unsigned char buf[100000];
    uint64_t hash = FNV_START;
    long offset = 0;
    for (;;) {
        ssize_t n = recv(e->fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            FAIL("recv: %s", errno_name(errno));
            break;
        }
        if (n == 0)
            break;
        for (ssize_t k = 0; k < n; k++)
            if (buf[k] != pattern_byte((uint64_t)offset + (uint64_t)k, e->recv_seed))
                e->mismatches++;
        hash = fnv1a(hash, buf, (size_t)n);
        offset += n;
    }
    e->received = offset;
    e->received_hash = hash;
    return NULL;
}

static void both_ways(void) {
    uint16_t port;
    int listener = tcp_listener(8, &port);
    int c, s;
    tcp_pair(listener, &c, &s);
    struct stream_end client = {.fd = c, .send_seed = 1, .recv_seed = 2};
    struct stream_end server = {.fd = s, .send_seed = 2, .recv_seed = 1};
    pthread_t t[4] = {
        start_thread(send_stream, &client), start_thread(receive_stream, &client),
        start_thread(send_stream, &server), start_thread(receive_stream, &server),
    };
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    EQ(client.received, kBulkBytes);
    EQ(server.received, kBulkBytes);
    EQ(client.mismatches, 0);
    EQ(server.mismatches, 0);
    EQ(server.received_hash, client.sent_hash);
    EQ(client.received_hash, server.sent_hash);
    say("client to server: %ld bytes, checksum %016llx", server.received,
        (unsigned long long)server.received_hash);
    say("server to client: %ld bytes, checksum %016llx", client.received,
        (unsigned long long)client.received_hash);
    close(c);
    close(s);
    close(listener);
    ok("8 MiB each way at once, in uneven pieces, every byte in order");
}

struct file_reader {
    int fd;
    long expected;
    long received;
    uint64_t hash;
};
static void *read_to_end(void *arg) {
    struct file_reader *r = arg;
    static __thread unsigned char buf[65536];
    r->hash = FNV_START;
    for (;;) {
        ssize_t n = recv(r->fd, buf, sizeof buf, 0);
        if (n <= 0) {
            if (n < 0)
                FAIL("recv: %s", errno_name(errno));
            break;
        }
        r->hash = fnv1a(r->hash, buf, (size_t)n);
        r->received += n;
    }
    return NULL;
}

static void sending_a_file(void) {
    enum { kFileBytes = 3 << 20 };
    char path[64];
    snprintf(path, sizeof path, "/tmp/osprey-net-sendfile-%d", (int)getpid());
    int file = OK(open(path, O_RDWR | O_CREAT | O_TRUNC, 0600));
    unlink(path);
    static unsigned char data[kFileBytes];
    for (long i = 0; i < kFileBytes; i++)
        data[i] = pattern_byte((uint64_t)i, 7);
    EQ(write(file, data, kFileBytes), kFileBytes);
    uint64_t tail = fnv1a(FNV_START, data + 1000, kFileBytes - 1000);

    uint16_t port;
    int listener = tcp_listener(8, &port);
    for (int with_offset = 0; with_offset < 2; with_offset++) {
        int c, s;
        tcp_pair(listener, &c, &s);
        struct file_reader r = {.fd = c};
        pthread_t t = start_thread(read_to_end, &r);
        OK(lseek(file, with_offset ? 0 : 1000, SEEK_SET));
        off_t offset = 1000;
        long total = 0;
        while (total < kFileBytes - 1000) {
            ssize_t n = sendfile(s, file, with_offset ? &offset : NULL,
                                 (size_t)(kFileBytes - 1000 - total));
            if (n <= 0) {
                FAIL("sendfile: %zd %s", n, errno_name(errno));
                break;
            }
            total += n;
        }
        shutdown(s, SHUT_WR);
        pthread_join(t, NULL);
        EQ(r.received, kFileBytes - 1000);
        EQ(r.hash, tail);
        if (with_offset) {
            EQ(offset, kFileBytes);
            EQ(lseek(file, 0, SEEK_CUR), 0);  // an explicit offset leaves the file's own
        } else {
            EQ(lseek(file, 0, SEEK_CUR), kFileBytes);
        }
        say("sendfile %s: %ld bytes arrived", with_offset ? "with an offset" : "from the file position",
            r.received);
        close(c);
        close(s);
    }
    // sendfile at end of file sends nothing.
    int c, s;
    tcp_pair(listener, &c, &s);
    off_t end = kFileBytes;
    say("sendfile at end of file: %s", RESULT_OF(sendfile(s, file, &end, 100)));
    close(c);
    close(s);
    close(listener);
    close(file);
    ok("sendfile from a 3 MiB file into a TCP socket");
}

// 300 connections to one listener with a small backlog: four client threads, each
// connecting, sending its number, reading it back doubled, and closing, 75 times; one
// server thread accepting and answering.
enum { kClients = 4, kPerClient = 75 };

struct many {
    uint16_t port;
    int listener;
    int served;
    unsigned char seen[kClients * kPerClient];
    int client_failures;
};

static void *serve_many(void *arg) {
    struct many *m = arg;
    for (int i = 0; i < kClients * kPerClient; i++) {
        int fd = accept(m->listener, NULL, NULL);
        if (fd < 0) {
            FAIL("accept %d: %s", i, errno_name(errno));
            return NULL;
        }
        uint32_t id;
        if (read_all(fd, &id, sizeof id) == 0) {
            if (id < kClients * kPerClient)
                m->seen[id]++;
            uint32_t answer = id * 2;
            write_all(fd, &answer, sizeof answer);
        }
        close(fd);
        m->served++;
    }
    return NULL;
}

struct many_client {
    struct many *m;
    int index;
};
static void *connect_many(void *arg) {
    struct many_client *mc = arg;
    for (int i = 0; i < kPerClient; i++) {
        uint32_t id = (uint32_t)(mc->index * kPerClient + i);
        int fd = tcp_connect(mc->m->port);
        uint32_t answer = 0;
        if (write_all(fd, &id, sizeof id) != 0 || read_all(fd, &answer, sizeof answer) != 0 ||
            answer != id * 2)
            __atomic_add_fetch(&mc->m->client_failures, 1, __ATOMIC_RELAXED);
        // The server closed first; this end reads EOF.
        char c;
        if (recv(fd, &c, 1, 0) != 0)
            __atomic_add_fetch(&mc->m->client_failures, 1, __ATOMIC_RELAXED);
        close(fd);
    }
    return NULL;
}

static void many_connections(void) {
    static struct many m;
    m.listener = tcp_listener(8, &m.port);
    pthread_t server = start_thread(serve_many, &m);
    struct many_client clients[kClients];
    pthread_t threads[kClients];
    for (int i = 0; i < kClients; i++) {
        clients[i] = (struct many_client){&m, i};
        threads[i] = start_thread(connect_many, &clients[i]);
    }
    for (int i = 0; i < kClients; i++)
        pthread_join(threads[i], NULL);
    pthread_join(server, NULL);
    EQ(m.served, kClients * kPerClient);
    EQ(m.client_failures, 0);
    int once = 0;
    for (int i = 0; i < kClients * kPerClient; i++)
        once += m.seen[i] == 1;
    say("connections served: %d, each id seen once: %d", m.served, once);
    close(m.listener);
    ok("300 connections from four threads through a listener with backlog 8");
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    both_ways();
    sending_a_file();
    many_connections();
    return 0;
}
