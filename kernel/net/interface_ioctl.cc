#include "net/interface_ioctl.h"

#include <cstring>

#include "mm/user_memory.h"
#include "net/engine.h"

namespace net {

namespace {

constexpr u32 SIOCGIFNAME = 0x8910, SIOCGIFCONF = 0x8912, SIOCGIFFLAGS = 0x8913, SIOCSIFFLAGS = 0x8914,
              SIOCGIFADDR = 0x8915, SIOCGIFDSTADDR = 0x8917, SIOCGIFBRDADDR = 0x8919, SIOCGIFNETMASK = 0x891b,
              SIOCGIFMETRIC = 0x891d, SIOCGIFMTU = 0x8921, SIOCGIFHWADDR = 0x8927, SIOCGIFINDEX = 0x8933,
              SIOCGIFTXQLEN = 0x8942;
constexpr u16 ARPHRD_ETHER = 1, ARPHRD_LOOPBACK = 772;
constexpr u16 kAfInet = 2;

// struct ifreq: a name, then a 24-byte union (a sockaddr, flags, an int...).
struct IfReq {
    char name[16];
    union {
        struct {
            u16 family;
            u8 data[14];
        } address;
        i16 flags;
        i32 value;
        u8 raw[24];
    };
};
static_assert(sizeof(IfReq) == 40);

// struct ifconf.
struct IfConf {
    i32 length;
    u32 pad;
    u64 buffer;
};

// The name into ifr_name, NUL-padded (at most 15 characters: IFNAMSIZ with its NUL).
void put_name(IfReq& request, const char* name) {
    memset(request.name, 0, sizeof request.name);
    for (usize i = 0; i + 1 < sizeof request.name && name[i]; i++) request.name[i] = name[i];
}

void put_ipv4(IfReq& request, Ipv4Address address) {
    memset(request.raw, 0, sizeof request.raw);
    request.address.family = kAfInet;
    // sockaddr_in: the port (0), then the address in network order.
    address.store(request.address.data + 2);
}

const Interface* find(NetStack& stack, const IfReq& request) {
    char name[17] = {};
    memcpy(name, request.name, 16);
    return stack.interface_by_name(name);
}

Result<u64> interface_list(u64 argument) {
    IfConf conf = TRY(UserPtr<IfConf>(argument).read());
    if (conf.length < 0) return Error(EINVAL);
    i32 used = 0;
    StackAccess access;
    Result<void> status;
    // Interfaces with an IPv4 address, each as an ifreq holding the address.
    access.stack().for_each_interface([&](const Interface& interface) {
        auto address = interface.address();
        if (!address || status.is_error()) return;
        if (conf.buffer) {
            if (conf.length - used < static_cast<i32>(sizeof(IfReq))) return;
            IfReq request{};
            put_name(request, interface.name());
            put_ipv4(request, address->address);
            status = UserPtr<IfReq>(conf.buffer + used).write(request);
        }
        used += sizeof(IfReq);
    });
    TRY(status);
    conf.length = used;
    TRY(UserPtr<IfConf>(argument).write(conf));
    return 0;
}

}  // namespace

bool is_interface_ioctl(u32 request) {
    switch (request) {
        case SIOCGIFNAME: case SIOCGIFCONF: case SIOCGIFFLAGS: case SIOCSIFFLAGS: case SIOCGIFADDR:
        case SIOCGIFDSTADDR: case SIOCGIFBRDADDR: case SIOCGIFNETMASK: case SIOCGIFMETRIC: case SIOCGIFMTU:
        case SIOCGIFHWADDR: case SIOCGIFINDEX: case SIOCGIFTXQLEN:
            return true;
        default: return false;
    }
}

Result<u64> interface_ioctl(u32 request, u64 argument) {
    if (request == SIOCGIFCONF) return interface_list(argument);
    IfReq req = TRY(UserPtr<IfReq>(argument).read());
    {
        StackAccess access;
        NetStack& stack = access.stack();
        const Interface* interface;
        if (request == SIOCGIFNAME) {
            interface = stack.interface(static_cast<unsigned>(req.value));
            if (!interface || req.value <= 0) return Error(ENODEV);
            put_name(req, interface->name());
        } else {
            interface = find(stack, req);
            if (!interface) return Error(ENODEV);
        }
        auto address = interface->address();
        switch (request) {
            case SIOCGIFNAME: break;
            case SIOCGIFINDEX: req.value = static_cast<i32>(interface->index()); break;
            case SIOCGIFFLAGS: req.flags = static_cast<i16>(interface->flags() & 0xffff); break;
            case SIOCSIFFLAGS: {
                bool up = static_cast<u16>(req.flags) & kIffUp;
                TRY(stack.set_up(interface->index(), up, access.now()));
                return 0;
            }
            case SIOCGIFMTU: req.value = static_cast<i32>(interface->mtu()); break;
            case SIOCGIFMETRIC: req.value = 0; break;
            case SIOCGIFTXQLEN: req.value = interface->is_loopback() ? 1000 : 1000; break;
            case SIOCGIFHWADDR:
                memset(req.raw, 0, sizeof req.raw);
                req.address.family = interface->is_loopback() ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
                interface->mac().store(req.address.data);
                break;
            case SIOCGIFADDR:
            case SIOCGIFDSTADDR:
                if (!address) return Error(EADDRNOTAVAIL);
                put_ipv4(req, address->address);
                break;
            case SIOCGIFNETMASK:
                if (!address) return Error(EADDRNOTAVAIL);
                put_ipv4(req, Ipv4Address{address->mask()});
                break;
            case SIOCGIFBRDADDR:
                if (!address) return Error(EADDRNOTAVAIL);
                put_ipv4(req, interface->broadcast_address());
                break;
            default: return Error(ENOTTY);
        }
    }
    TRY(UserPtr<IfReq>(argument).write(req));
    return 0;
}

}  // namespace net
