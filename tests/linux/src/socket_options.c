// Socket options on AF_UNIX sockets, in the order Linux checks them (trinity's start-up
// retries setsockopt until one succeeds, and Osprey's answers made it retry far longer than
// on Linux): SOL_SOCKET flags that Linux keeps on every socket are accepted and read back;
// a SOL_SOCKET value shorter than an int is EINVAL before its address is read (EFAULT only
// after); any other level is EOPNOTSUPP for setsockopt and getsockopt, whatever the value.
// Compared with the host's run.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static const char* result(int r) {
    static char text[32];
    if (r == 0) return "ok";
    snprintf(text, sizeof text, "errno %d", errno);
    return text;
}

static void flag_round_trip(int fd, const char* name, int option) {
    int one = 1, zero = 0, value = -1;
    socklen_t length = sizeof value;
    printf("  %s set 1: %s", name, result(setsockopt(fd, SOL_SOCKET, option, &one, sizeof one)));
    int r = getsockopt(fd, SOL_SOCKET, option, &value, &length);
    printf(", get: %s value %d length %u", result(r), value, (unsigned)length);
    printf(", set 0: %s", result(setsockopt(fd, SOL_SOCKET, option, &zero, sizeof zero)));
    value = -1;
    length = sizeof value;
    r = getsockopt(fd, SOL_SOCKET, option, &value, &length);
    printf(", get: %s value %d\n", result(r), value);
}

int main(void) {
    static const int types[] = {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET};
    static const char* const type_names[] = {"stream", "dgram", "seqpacket"};
    for (int t = 0; t < 3; t++) {
        int fd = socket(AF_UNIX, types[t], 0);
        if (fd < 0) {
            perror("socket");
            return 1;
        }
        printf("%s:\n", type_names[t]);
        flag_round_trip(fd, "SO_DEBUG", SO_DEBUG);
        flag_round_trip(fd, "SO_DONTROUTE", SO_DONTROUTE);
        flag_round_trip(fd, "SO_NO_CHECK", SO_NO_CHECK);
        flag_round_trip(fd, "SO_RXQ_OVFL", SO_RXQ_OVFL);
        flag_round_trip(fd, "SO_WIFI_STATUS", SO_WIFI_STATUS);
        flag_round_trip(fd, "SO_NOFCS", SO_NOFCS);
        flag_round_trip(fd, "SO_LOCK_FILTER", SO_LOCK_FILTER);
        flag_round_trip(fd, "SO_SELECT_ERR_QUEUE", SO_SELECT_ERR_QUEUE);
        int one = 1;
        printf("  SO_BSDCOMPAT set: %s\n", result(setsockopt(fd, SOL_SOCKET, SO_BSDCOMPAT, &one, sizeof one)));
        printf("  SO_KEEPALIVE NULL length 1: %s\n", result(setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, NULL, 1)));
        printf("  SO_KEEPALIVE NULL length 4: %s\n", result(setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, NULL, 4)));
        printf("  SO_TYPE NULL length 2: %s\n", result(setsockopt(fd, SOL_SOCKET, SO_TYPE, NULL, 2)));
        static const int levels[] = {0, 6, 17, 0x11a, 0x4ca5f0ce};
        for (int l = 0; l < 5; l++) {
            int value = 1;
            socklen_t length = sizeof value;
            printf("  level %#x: set %s", levels[l], result(setsockopt(fd, levels[l], 1, &value, sizeof value)));
            printf(", set NULL %s", result(setsockopt(fd, levels[l], 1, NULL, 1)));
            printf(", get %s\n", result(getsockopt(fd, levels[l], 1, &value, &length)));
        }
    }
    return 0;
}
