// Names and interfaces: getifaddrs (the lo entries; only whether some other AF_INET
// interface exists, since the host and the guest have different ones), if_nameindex,
// if_nametoindex/if_indextoname, the interface ioctls (SIOCGIFCONF, SIOCGIFADDR,
// SIOCGIFNETMASK, SIOCGIFFLAGS, SIOCGIFINDEX, SIOCGIFNAME, SIOCGIFMTU, SIOCGIFHWADDR) for
// lo, NETLINK_ROUTE spoken directly (RTM_GETLINK and RTM_GETADDR dumps, the socket's
// address, an unknown request), getaddrinfo/getnameinfo on numeric and /etc/hosts names
// (never DNS), gethostname, and /proc/net/tcp, udp, unix and dev listing this program's
// own sockets.
#include "net_test.h"

#include <ifaddrs.h>
#if __has_include(<linux/rtnetlink.h>)
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#else
// musl's toolchain has no kernel headers: the netlink ABI from the Linux UAPI.
struct sockaddr_nl {
    sa_family_t nl_family;
    unsigned short nl_pad;
    uint32_t nl_pid;
    uint32_t nl_groups;
};
struct nlmsghdr {
    uint32_t nlmsg_len;
    uint16_t nlmsg_type;
    uint16_t nlmsg_flags;
    uint32_t nlmsg_seq;
    uint32_t nlmsg_pid;
};
struct nlmsgerr {
    int error;
    struct nlmsghdr msg;
};
struct rtgenmsg {
    unsigned char rtgen_family;
};
struct ifinfomsg {
    unsigned char ifi_family, ifi_pad;
    unsigned short ifi_type;
    int ifi_index;
    unsigned ifi_flags, ifi_change;
};
struct ifaddrmsg {
    uint8_t ifa_family, ifa_prefixlen, ifa_flags, ifa_scope;
    uint32_t ifa_index;
};
struct rtattr {
    unsigned short rta_len, rta_type;
};
#define NETLINK_ROUTE 0
#define NLM_F_REQUEST 0x1
#define NLM_F_MULTI 0x2
#define NLM_F_ACK 0x4
#define NLM_F_DUMP 0x300
#define NLMSG_ERROR 0x2
#define NLMSG_DONE 0x3
#define RTM_NEWLINK 16
#define RTM_GETLINK 18
#define RTM_NEWADDR 20
#define RTM_GETADDR 22
#define IFLA_MTU 4
#define IFLA_IFNAME 3
#define IFA_ADDRESS 1
#define IFA_LOCAL 2
#define IFA_LABEL 3
#define NLMSG_ALIGN(len) (((len) + 3u) & ~3u)
#define NLMSG_HDRLEN ((int)NLMSG_ALIGN(sizeof(struct nlmsghdr)))
#define NLMSG_LENGTH(len) ((len) + NLMSG_HDRLEN)
#define NLMSG_DATA(h) ((void *)((char *)(h) + NLMSG_HDRLEN))
#define NLMSG_NEXT(h, len)                                                                       \
    ((len) -= NLMSG_ALIGN((h)->nlmsg_len),                                                       \
     (struct nlmsghdr *)((char *)(h) + NLMSG_ALIGN((h)->nlmsg_len)))
#define NLMSG_OK(h, len)                                                                         \
    ((len) >= (int)sizeof(struct nlmsghdr) && (h)->nlmsg_len >= sizeof(struct nlmsghdr) &&       \
     (h)->nlmsg_len <= (unsigned)(len))
#define NLMSG_PAYLOAD(h, len) ((h)->nlmsg_len - NLMSG_SPACE(len))
#define NLMSG_SPACE(len) NLMSG_ALIGN(NLMSG_LENGTH(len))
#define RTA_ALIGN(len) (((len) + 3u) & ~3u)
#define RTA_OK(rta, len)                                                                         \
    ((len) >= (int)sizeof(struct rtattr) && (rta)->rta_len >= sizeof(struct rtattr) &&           \
     (rta)->rta_len <= (len))
#define RTA_NEXT(rta, attrlen)                                                                   \
    ((attrlen) -= RTA_ALIGN((rta)->rta_len),                                                     \
     (struct rtattr *)((char *)(rta) + RTA_ALIGN((rta)->rta_len)))
#define RTA_DATA(rta) ((void *)((char *)(rta) + RTA_ALIGN(sizeof(struct rtattr))))
#define IFLA_RTA(r) ((struct rtattr *)((char *)(r) + NLMSG_ALIGN(sizeof(struct ifinfomsg))))
#define IFLA_PAYLOAD(n) NLMSG_PAYLOAD(n, sizeof(struct ifinfomsg))
#define IFA_RTA(r) ((struct rtattr *)((char *)(r) + NLMSG_ALIGN(sizeof(struct ifaddrmsg))))
#define IFA_PAYLOAD(n) NLMSG_PAYLOAD(n, sizeof(struct ifaddrmsg))
#endif
#include <net/if.h>
#include <net/if_arp.h>
#include <netdb.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>

static const char *ntoa(const struct sockaddr *sa) {
    static char buf[4][INET6_ADDRSTRLEN];
    static int next;
    char *out = buf[next++ % 4];
    if (!sa)
        return "(none)";
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, INET6_ADDRSTRLEN);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, INET6_ADDRSTRLEN);
    else
        snprintf(out, INET6_ADDRSTRLEN, "family %d", sa->sa_family);
    return out;
}

static void interfaces(void) {
    struct ifaddrs *list;
    REQUIRE(getifaddrs(&list) == 0, "getifaddrs: %s", errno_name(errno));
    int lo_inet = 0, lo_packet = 0, other_inet = 0;
    for (struct ifaddrs *i = list; i; i = i->ifa_next) {
        if (!i->ifa_addr)
            continue;
        int is_lo = strcmp(i->ifa_name, "lo") == 0;
        if (i->ifa_addr->sa_family == AF_INET && is_lo) {
            lo_inet++;
            say("getifaddrs lo AF_INET: address %s, netmask %s, flags %#x", ntoa(i->ifa_addr),
                ntoa(i->ifa_netmask), i->ifa_flags);
        } else if (i->ifa_addr->sa_family == AF_PACKET && is_lo) {
            lo_packet++;
        } else if (i->ifa_addr->sa_family == AF_INET && !is_lo) {
            other_inet++;
        }
    }
    freeifaddrs(list);
    say("getifaddrs: lo AF_INET entries %d, lo AF_PACKET entries %d, another AF_INET interface %s",
        lo_inet, lo_packet, other_inet ? "yes" : "no");

    struct if_nameindex *names = if_nameindex();
    REQUIRE(names, "if_nameindex: %s", errno_name(errno));
    int lo_index = 0;
    for (struct if_nameindex *n = names; n->if_index; n++)
        if (strcmp(n->if_name, "lo") == 0)
            lo_index = (int)n->if_index;
    if_freenameindex(names);
    say("if_nameindex: lo has index %d", lo_index);
    say("if_nametoindex(lo): %u", if_nametoindex("lo"));
    char name[IF_NAMESIZE];
    say("if_indextoname(1): %s", if_indextoname(1, name) ? name : errno_name(errno));
    errno = 0;
    unsigned missing = if_nametoindex("nosuchif0");
    say("if_nametoindex(nosuchif0): %u %s", missing, errno_name(errno));
    ok("getifaddrs and if_nameindex");
}

static void ioctls(void) {
    int fd = OK(socket(AF_INET, SOCK_DGRAM, 0));
    // SIOCGIFCONF: a NULL buffer asks for the length; then the list, which has lo.
    struct ifconf conf = {.ifc_len = 0, .ifc_buf = NULL};
    OK(ioctl(fd, SIOCGIFCONF, &conf));
    say("SIOCGIFCONF length is a positive multiple of struct ifreq: %d",
        conf.ifc_len > 0 && conf.ifc_len % (int)sizeof(struct ifreq) == 0);
    struct ifreq reqs[64];
    conf.ifc_len = sizeof reqs;
    conf.ifc_req = reqs;
    OK(ioctl(fd, SIOCGIFCONF, &conf));
    int lo_found = 0;
    for (int i = 0; i < conf.ifc_len / (int)sizeof(struct ifreq); i++)
        if (strcmp(reqs[i].ifr_name, "lo") == 0)
            say("SIOCGIFCONF lo: %s", ntoa(&reqs[i].ifr_addr)), lo_found++;
    EQ(lo_found, 1);

    struct ifreq r;
    memset(&r, 0, sizeof r);
    strcpy(r.ifr_name, "lo");
    OK(ioctl(fd, SIOCGIFADDR, &r));
    say("SIOCGIFADDR lo: %s", ntoa(&r.ifr_addr));
    OK(ioctl(fd, SIOCGIFNETMASK, &r));
    say("SIOCGIFNETMASK lo: %s", ntoa(&r.ifr_netmask));
    OK(ioctl(fd, SIOCGIFFLAGS, &r));
    say("SIOCGIFFLAGS lo: %#x (UP %d, LOOPBACK %d, RUNNING %d)", (unsigned short)r.ifr_flags,
        (r.ifr_flags & IFF_UP) != 0, (r.ifr_flags & IFF_LOOPBACK) != 0,
        (r.ifr_flags & IFF_RUNNING) != 0);
    OK(ioctl(fd, SIOCGIFINDEX, &r));
    say("SIOCGIFINDEX lo: %d", r.ifr_ifindex);
    OK(ioctl(fd, SIOCGIFMTU, &r));
    say("SIOCGIFMTU lo: %d", r.ifr_mtu);
    OK(ioctl(fd, SIOCGIFHWADDR, &r));
    unsigned char *hw = (unsigned char *)r.ifr_hwaddr.sa_data;
    say("SIOCGIFHWADDR lo: family %d, %02x:%02x:%02x:%02x:%02x:%02x", r.ifr_hwaddr.sa_family,
        hw[0], hw[1], hw[2], hw[3], hw[4], hw[5]);
    memset(&r, 0, sizeof r);
    r.ifr_ifindex = 1;
    OK(ioctl(fd, SIOCGIFNAME, &r));
    say("SIOCGIFNAME 1: %s", r.ifr_name);
    memset(&r, 0, sizeof r);
    strcpy(r.ifr_name, "nosuchif0");
    say("SIOCGIFADDR nosuchif0: %s", RESULT_OF(ioctl(fd, SIOCGIFADDR, &r)));
    say("SIOCGIFFLAGS nosuchif0: %s", RESULT_OF(ioctl(fd, SIOCGIFFLAGS, &r)));
    say("a terminal ioctl on a socket: %s", RESULT_OF(ioctl(fd, 0x5401 /* TCGETS */, &r)));
    close(fd);
    ok("interface ioctls on lo");
}

// --- NETLINK_ROUTE -------------------------------------------------------------------------

static int netlink_request(int fd, int type, int family, int flags, uint32_t seq) {
    struct {
        struct nlmsghdr h;
        struct rtgenmsg g;
        char pad[16];
    } req;
    memset(&req, 0, sizeof req);
    req.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
    req.h.nlmsg_type = (unsigned short)type;
    req.h.nlmsg_flags = (unsigned short)(NLM_F_REQUEST | flags);
    req.h.nlmsg_seq = seq;
    req.g.rtgen_family = (unsigned char)family;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    return (int)sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel);
}

// Reads a dump's replies until NLMSG_DONE (or an error), calling `each` for every message.
static int netlink_dump(int fd, uint32_t seq, void (*each)(struct nlmsghdr *, void *), void *ctx,
                        int *error) {
    static char buf[65536];
    int messages = 0;
    *error = 0;
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            FAIL("netlink recv: %zd %s", n, errno_name(errno));
            return messages;
        }
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)n);
             h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_seq != seq)
                FAIL("netlink reply with sequence %u, expected %u", h->nlmsg_seq, seq);
            if (h->nlmsg_type == NLMSG_DONE)
                return messages;
            if (h->nlmsg_type == NLMSG_ERROR) {
                *error = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
                return messages;
            }
            messages++;
            each(h, ctx);
        }
    }
}

struct link_scan {
    int lo_seen;
};
static void on_link(struct nlmsghdr *h, void *ctx) {
    struct link_scan *s = ctx;
    if (h->nlmsg_type != RTM_NEWLINK) {
        FAIL("RTM_GETLINK answered with type %d", h->nlmsg_type);
        return;
    }
    struct ifinfomsg *info = NLMSG_DATA(h);
    const char *name = "";
    int mtu = -1;
    int attr_len = (int)IFLA_PAYLOAD(h);
    for (struct rtattr *a = IFLA_RTA(info); RTA_OK(a, attr_len); a = RTA_NEXT(a, attr_len)) {
        if (a->rta_type == IFLA_IFNAME)
            name = RTA_DATA(a);
        else if (a->rta_type == IFLA_MTU)
            memcpy(&mtu, RTA_DATA(a), sizeof mtu);
    }
    if (strcmp(name, "lo") == 0) {
        s->lo_seen++;
        say("RTM_NEWLINK lo: index %d, type %d, flags %#x, mtu %d, multipart %d", info->ifi_index,
            info->ifi_type, info->ifi_flags, mtu, (h->nlmsg_flags & NLM_F_MULTI) != 0);
    }
}

struct addr_scan {
    int lo_seen;
};
static void on_addr(struct nlmsghdr *h, void *ctx) {
    struct addr_scan *s = ctx;
    if (h->nlmsg_type != RTM_NEWADDR) {
        FAIL("RTM_GETADDR answered with type %d", h->nlmsg_type);
        return;
    }
    struct ifaddrmsg *ifa = NLMSG_DATA(h);
    if (ifa->ifa_family != AF_INET)
        FAIL("an AF_INET dump returned family %d", ifa->ifa_family);
    char local[INET_ADDRSTRLEN] = "", address[INET_ADDRSTRLEN] = "";
    const char *label = "";
    int attr_len = (int)IFA_PAYLOAD(h);
    for (struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, attr_len); a = RTA_NEXT(a, attr_len)) {
        if (a->rta_type == IFA_LOCAL)
            inet_ntop(AF_INET, RTA_DATA(a), local, sizeof local);
        else if (a->rta_type == IFA_ADDRESS)
            inet_ntop(AF_INET, RTA_DATA(a), address, sizeof address);
        else if (a->rta_type == IFA_LABEL)
            label = RTA_DATA(a);
    }
    if (ifa->ifa_index == 1) {
        s->lo_seen++;
        say("RTM_NEWADDR index 1: %s/%d, local %s, label %s, scope %d", address,
            ifa->ifa_prefixlen, local, label, ifa->ifa_scope);
    }
}

static void netlink(void) {
    int fd = OK(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    struct sockaddr_nl me = {.nl_family = AF_NETLINK};
    OK(bind(fd, (struct sockaddr *)&me, sizeof me));
    socklen_t len = sizeof me;
    OK(getsockname(fd, (struct sockaddr *)&me, &len));
    say("netlink socket: length %u, family %d, port id is our pid %d, groups %u", (unsigned)len,
        me.nl_family, me.nl_pid == (uint32_t)getpid(), me.nl_groups);
    say("netlink SO_PROTOCOL %d, SO_TYPE %d", int_option(fd, SOL_SOCKET, SO_PROTOCOL),
        int_option(fd, SOL_SOCKET, SO_TYPE));

    int error;
    struct link_scan links = {0};
    REQUIRE(netlink_request(fd, RTM_GETLINK, AF_UNSPEC, NLM_F_DUMP, 1) > 0, "send RTM_GETLINK: %s",
            errno_name(errno));
    int n = netlink_dump(fd, 1, on_link, &links, &error);
    say("RTM_GETLINK dump: at least one link %d, lo once %d, error %d", n >= 1, links.lo_seen == 1,
        error);

    struct addr_scan addrs = {0};
    REQUIRE(netlink_request(fd, RTM_GETADDR, AF_INET, NLM_F_DUMP, 2) > 0, "send RTM_GETADDR: %s",
            errno_name(errno));
    n = netlink_dump(fd, 2, on_addr, &addrs, &error);
    say("RTM_GETADDR dump: lo's address once %d, error %d", addrs.lo_seen == 1, error);

    // An unknown request type comes back as an NLMSG_ERROR.
    REQUIRE(netlink_request(fd, 0x3fff, AF_UNSPEC, NLM_F_ACK, 3) > 0, "send: %s", errno_name(errno));
    struct link_scan none = {0};
    netlink_dump(fd, 3, on_link, &none, &error);
    say("unknown request type: error %s", errno_name(-error));
    close(fd);
    say("NETLINK_ROUTE as a stream socket: %s", RESULT_OF(socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE)));
    ok("NETLINK_ROUTE: RTM_GETLINK and RTM_GETADDR dumps");
}

// --- names ---------------------------------------------------------------------------------

static const char *gai_name(int rc) {
    switch (rc) {
    case 0: return "0";
    case EAI_NONAME: return "EAI_NONAME";
    case EAI_SERVICE: return "EAI_SERVICE";
    case EAI_FAMILY: return "EAI_FAMILY";
    case EAI_SOCKTYPE: return "EAI_SOCKTYPE";
    case EAI_BADFLAGS: return "EAI_BADFLAGS";
    case EAI_AGAIN: return "EAI_AGAIN";
    case EAI_FAIL: return "EAI_FAIL";
    default: return "other";
    }
}

static void lookup(const char *host, const char *service, int family, int socktype, int flags) {
    struct addrinfo hints = {.ai_family = family, .ai_socktype = socktype, .ai_flags = flags};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, service, &hints, &res);
    say("getaddrinfo(%s, %s, family %d, socktype %d, flags %#x): %s", host ? host : "NULL",
        service ? service : "NULL", family, socktype, flags, gai_name(rc));
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        int port = a->ai_family == AF_INET ? ntohs(((struct sockaddr_in *)a->ai_addr)->sin_port)
                                           : ntohs(((struct sockaddr_in6 *)a->ai_addr)->sin6_port);
        say("  family %d socktype %d protocol %d addrlen %u address %s port %d", a->ai_family,
            a->ai_socktype, a->ai_protocol, (unsigned)a->ai_addrlen, ntoa(a->ai_addr), port);
    }
    if (res)
        freeaddrinfo(res);
}

static void names(void) {
    lookup("127.0.0.1", NULL, AF_UNSPEC, 0, AI_NUMERICHOST);
    lookup("127.0.0.1", "8080", AF_INET, SOCK_STREAM, AI_NUMERICHOST | AI_NUMERICSERV);
    lookup("localhost", NULL, AF_INET, SOCK_STREAM, AI_NUMERICHOST);
    lookup("localhost", "80", AF_INET, SOCK_STREAM, 0);
    lookup("localhost", "53", AF_INET, SOCK_DGRAM, 0);
    lookup(NULL, "8080", AF_INET, SOCK_STREAM, AI_PASSIVE);
    lookup(NULL, "8080", AF_INET, SOCK_STREAM, 0);
    lookup("::1", "22", AF_INET6, SOCK_STREAM, AI_NUMERICHOST);
    lookup("127.0.0.1", "not-a-number", AF_INET, SOCK_STREAM, AI_NUMERICSERV);
    struct sockaddr_in a = loopback(8080);
    char host[64], serv[16];
    int rc = getnameinfo((struct sockaddr *)&a, sizeof a, host, sizeof host, serv, sizeof serv,
                         NI_NUMERICHOST | NI_NUMERICSERV);
    say("getnameinfo numeric: %s %s %s", gai_name(rc), host, serv);
    struct in_addr parsed;
    say("inet_pton 10.0.2.15: %d, inet_addr 127.0.0.1 == htonl(INADDR_LOOPBACK): %d",
        inet_pton(AF_INET, "10.0.2.15", &parsed), inet_addr("127.0.0.1") == htonl(INADDR_LOOPBACK));

    char name[256];
    OK(gethostname(name, sizeof name));
    struct utsname u;
    OK(uname(&u));
    say("gethostname: not empty %d, same as uname's nodename %d", name[0] != 0,
        strcmp(name, u.nodename) == 0);
    char tiny[1];
    say("gethostname into 1 byte: %s", RESULT_OF(gethostname(tiny, sizeof tiny)));
    ok("getaddrinfo, getnameinfo and gethostname without DNS");
}

// --- /proc/net ---------------------------------------------------------------------------------

static char *read_whole(const char *path) {
    static char buf[4][1 << 20];
    static int next;
    char *out = buf[next++ % 4];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        FAIL("open %s: %s", path, errno_name(errno));
        out[0] = 0;
        return out;
    }
    size_t total = 0;
    for (;;) {
        ssize_t n = read(fd, out + total, (1 << 20) - 1 - total);
        if (n <= 0)
            break;
        total += (size_t)n;
    }
    close(fd);
    out[total] = 0;
    return out;
}

// The first line of `text`, runs of blanks squeezed to one space, ends trimmed.
static const char *header_words(const char *text) {
    static char buf[512];
    size_t o = 0;
    int blank = 1;
    for (const char *p = text; *p && *p != '\n' && o < sizeof buf - 1; p++) {
        if (*p == ' ' || *p == '\t') {
            blank = 1;
            continue;
        }
        if (blank && o)
            buf[o++] = ' ';
        blank = 0;
        buf[o++] = *p;
    }
    buf[o] = 0;
    return buf;
}

// Finds the line whose local address column is `local` (and, when `remote` is given, whose
// remote one is too) in /proc/net/tcp or udp, read line by line (with many sockets in
// TIME_WAIT the file runs to megabytes); returns its state column or "-". `header` gets the
// first line.
static const char *find_socket_line(const char *path, const char *local, const char *remote,
                                    char *header, size_t header_size) {
    static char state[8];
    snprintf(state, sizeof state, "-");
    FILE *f = fopen(path, "r");
    if (!f) {
        FAIL("open %s: %s", path, errno_name(errno));
        return state;
    }
    char line[512];
    if (!fgets(header, (int)header_size, f))
        header[0] = 0;
    while (fgets(line, sizeof line, f)) {
        char sl[16], loc[64], rem[64], st[8];
        if (sscanf(line, "%15s %63s %63s %7s", sl, loc, rem, st) == 4 && strcmp(loc, local) == 0 &&
            (!remote || strcmp(rem, remote) == 0)) {
            snprintf(state, sizeof state, "%s", st);
            break;
        }
    }
    fclose(f);
    return state;
}

static void proc_net(void) {
    uint16_t port;
    int listener = tcp_listener(4, &port);
    int c, s;
    tcp_pair(listener, &c, &s);
    char local[32], client_local[32], server_remote[32];
    snprintf(local, sizeof local, "0100007F:%04X", port);
    snprintf(client_local, sizeof client_local, "0100007F:%04X", local_port(c));
    snprintf(server_remote, sizeof server_remote, "%s", client_local);
    // The file is no snapshot: when other processes' sockets come and go while it is read,
    // lines can be skipped. Read it again until all three are there (bounded).
    char header[512];
    char listener_state[8], client_state[8], server_state[8];
    for (int i = 0; i < 50; i++) {
        snprintf(listener_state, sizeof listener_state, "%s",
                 find_socket_line("/proc/net/tcp", local, "00000000:0000", header, sizeof header));
        snprintf(client_state, sizeof client_state, "%s",
                 find_socket_line("/proc/net/tcp", client_local, local, header, sizeof header));
        snprintf(server_state, sizeof server_state, "%s",
                 find_socket_line("/proc/net/tcp", local, server_remote, header, sizeof header));
        if (strcmp(listener_state, "-") && strcmp(client_state, "-") && strcmp(server_state, "-"))
            break;
        sleep_ms(20);
    }
    say("/proc/net/tcp header: %s", header_words(header));
    say("/proc/net/tcp listener: %s", listener_state);
    say("/proc/net/tcp client end: %s", client_state);
    say("/proc/net/tcp server end: %s", server_state);
    close(c);
    close(s);
    close(listener);

    uint16_t udp_port;
    int udp = bound_socket(SOCK_DGRAM, &udp_port);
    snprintf(local, sizeof local, "0100007F:%04X", udp_port);
    char udp_state[8];
    for (int i = 0; i < 50; i++) {
        snprintf(udp_state, sizeof udp_state, "%s",
                 find_socket_line("/proc/net/udp", local, "00000000:0000", header, sizeof header));
        if (strcmp(udp_state, "-"))
            break;
        sleep_ms(20);
    }
    say("/proc/net/udp header: %s", header_words(header));
    say("/proc/net/udp bound socket: %s", udp_state);
    close(udp);

    socklen_t len;
    struct sockaddr_un path = unix_path("listed.sock", &len);
    int un = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    OK(bind(un, (struct sockaddr *)&path, len));
    OK(listen(un, 1));
    int listed = 0;
    for (int i = 0; i < 50 && !listed; i++) {
        FILE *f = fopen("/proc/net/unix", "r");
        if (!f) {
            FAIL("open /proc/net/unix: %s", errno_name(errno));
            break;
        }
        char line[512];
        if (!fgets(header, sizeof header, f))
            header[0] = 0;
        while (!listed && fgets(line, sizeof line, f)) {
            if (!strstr(line, path.sun_path))
                continue;
            // The Flags column has __SO_ACCEPTCON (00010000) for a listener; St is 01.
            char num[32], ref[16], proto[16], flags[16], type[8], st[8];
            if (sscanf(line, "%31s %15s %15s %15s %7s %7s", num, ref, proto, flags, type, st) == 6) {
                say("/proc/net/unix listener: flags %s, type %s, state %s", flags, type, st);
                listed = 1;
            }
        }
        fclose(f);
        if (!listed)
            sleep_ms(20);
    }
    say("/proc/net/unix header: %s", header_words(header));
    say("/proc/net/unix lists the bound path: %d", listed);
    close(un);

    char *dev = read_whole("/proc/net/dev");
    say("/proc/net/dev header: %s", header_words(dev));
    say("/proc/net/dev second header: %s", header_words(strchr(dev, '\n') + 1));
    say("/proc/net/dev has lo: %d", strstr(dev, " lo:") != NULL || strncmp(dev, "lo:", 3) == 0);
    ok("/proc/net/tcp, udp, unix and dev");
}

int main(void) {
    interfaces();
    ioctls();
    netlink();
    names();
    proc_net();
    return 0;
}
