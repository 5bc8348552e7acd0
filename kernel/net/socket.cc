#include "net/socket.h"

#include <cstring>

#include "lib/atomic.h"
#include "net/interface_ioctl.h"
#include "sched/clock.h"

namespace net {

namespace {

constexpr u64 kSockfsDevice = 8;          // st_dev of sockets, as sockfs has its own
constexpr int kBufferMax = 212992;        // net.core.rmem_max / wmem_max
constexpr int kMinReceiveBuffer = 2304;   // SOCK_MIN_RCVBUF
constexpr int kMinSendBuffer = 4608;      // SOCK_MIN_SNDBUF
kstd::Atomic<u64> g_next_inode{10000};

struct Timeval {
    i64 seconds;
    i64 microseconds;
};
struct Linger {
    i32 on;
    i32 seconds;
};

template <typename T>
usize put(u8* out, usize capacity, const T& value) {
    usize n = sizeof(T) < capacity ? sizeof(T) : capacity;
    memcpy(out, &value, n);
    return n;
}

// SO_RCVTIMEO/SO_SNDTIMEO: a struct timeval; zero means "wait forever" (Linux).
Result<u64> read_timeout(const u8* value, usize length) {
    if (length < sizeof(Timeval)) return Error(EINVAL);
    Timeval tv;
    memcpy(&tv, value, sizeof tv);
    if (tv.microseconds < 0 || tv.microseconds >= 1000000) return Error(EDOM);
    if (tv.seconds < 0) return 0;  // Linux: a negative time is "no timeout"... after a warning
    if (static_cast<u64>(tv.seconds) > (~0ull >> 2) / 1000000000) return ~0ull >> 2;
    return static_cast<u64>(tv.seconds) * 1000000000 + static_cast<u64>(tv.microseconds) * 1000;
}

Timeval to_timeval(u64 ns) { return {static_cast<i64>(ns / 1000000000), static_cast<i64>(ns % 1000000000 / 1000)}; }

// SO_RCVBUF/SO_SNDBUF: Linux doubles what it is given (room for bookkeeping), within
// rmem_max/wmem_max, and reports the doubled value.
int buffer_size(int requested, int minimum) {
    i64 v = requested < 0 ? 0 : requested;
    if (v > kBufferMax) v = kBufferMax;
    v *= 2;
    return v < minimum ? minimum : static_cast<int>(v);
}

bool is_inert_flag(int name) {
    switch (name) {
        case SO_DEBUG: case SO_DONTROUTE: case SO_NO_CHECK: case SO_RXQ_OVFL: case SO_WIFI_STATUS:
        case SO_NOFCS: case SO_LOCK_FILTER: case SO_SELECT_ERR_QUEUE:
            return true;
        default:
            return false;
    }
}

}  // namespace

Socket::Socket(int family, int type, int protocol, u32 status_flags)
    : File(fs::O_RDWR | status_flags), m_family(family), m_type(type), m_protocol(protocol),
      m_inode_number(g_next_inode.fetch_add(1)) {}

u64 Socket::receive_deadline() const {
    return m_options.receive_timeout_ns ? ktime::deadline_after_ns(m_options.receive_timeout_ns) : 0;
}

u64 Socket::send_deadline() const {
    return m_options.send_timeout_ns ? ktime::deadline_after_ns(m_options.send_timeout_ns) : 0;
}

Result<void> Socket::set_option(int level, int name, const u8* value, usize length) {
    if (level != SOL_SOCKET) return set_family_option(level, name, value, length);
    switch (name) {
        case SO_RCVTIMEO:
            m_options.receive_timeout_ns = TRY(read_timeout(value, length));
            return {};
        case SO_SNDTIMEO:
            m_options.send_timeout_ns = TRY(read_timeout(value, length));
            return {};
        case SO_LINGER: {
            if (length < sizeof(Linger)) return Error(EINVAL);
            Linger l;
            memcpy(&l, value, sizeof l);
            m_options.linger = l.on != 0;
            m_options.linger_seconds = l.seconds < 0 ? 0 : l.seconds;
            common_option_changed(name);
            return {};
        }
        case SO_TYPE: case SO_PROTOCOL: case SO_DOMAIN: case SO_ERROR: case SO_ACCEPTCONN:
        case SO_PEERCRED: case SO_COOKIE: case SO_INCOMING_CPU: case SO_PEERGROUPS: case SO_PEERSEC:
            return Error(ENOPROTOOPT);  // read-only, as on Linux
        default: break;
    }
    int v = TRY(read_int(value, length));
    switch (name) {
        case SO_REUSEADDR: m_options.reuse_address = v != 0; break;
        case SO_REUSEPORT: m_options.reuse_port = v != 0; break;
        case SO_KEEPALIVE: m_options.keepalive = v != 0; break;
        case SO_BROADCAST: m_options.broadcast = v != 0; break;
        case SO_PASSCRED: m_options.pass_credentials = v != 0; break;
        case SO_OOBINLINE: m_options.out_of_band_inline = v != 0; break;
        case SO_RCVBUF: case SO_RCVBUFFORCE: m_options.receive_buffer = buffer_size(v, kMinReceiveBuffer); break;
        case SO_SNDBUF: case SO_SNDBUFFORCE: m_options.send_buffer = buffer_size(v, kMinSendBuffer); break;
        case SO_RCVLOWAT: m_options.receive_low_water = v <= 0 ? 1 : v; break;
        case SO_PRIORITY: m_options.priority = v; break;  // any value: the application is root
        case SO_MARK: m_options.mark = static_cast<u32>(v); break;
        case SO_SNDLOWAT: return Error(ENOPROTOOPT);  // Linux: not changeable
        case SO_BSDCOMPAT: return {};                 // Linux accepts it and ignores it
        default:
            if (!is_inert_flag(name)) return set_family_option(level, name, value, length);
            // A locked filter stays locked (Linux: EPERM), even with no filter to lock.
            if (name == SO_LOCK_FILTER && !v && (m_options.inert_flags >> SO_LOCK_FILTER & 1)) return Error(EPERM);
            if (v) m_options.inert_flags |= 1ull << name;
            else m_options.inert_flags &= ~(1ull << name);
            return {};
    }
    common_option_changed(name);
    return {};
}

Result<usize> Socket::get_option(int level, int name, u8* out, usize capacity) {
    if (level != SOL_SOCKET) return get_family_option(level, name, out, capacity);
    switch (name) {
        case SO_TYPE: return put(out, capacity, m_type);
        case SO_DOMAIN: return put(out, capacity, m_family);
        case SO_PROTOCOL: return put(out, capacity, m_protocol);
        case SO_ERROR: return put(out, capacity, take_error());
        case SO_ACCEPTCONN: return put(out, capacity, static_cast<int>(listening()));
        case SO_REUSEADDR: return put(out, capacity, static_cast<int>(m_options.reuse_address));
        case SO_REUSEPORT: return put(out, capacity, static_cast<int>(m_options.reuse_port));
        case SO_KEEPALIVE: return put(out, capacity, static_cast<int>(m_options.keepalive));
        case SO_BROADCAST: return put(out, capacity, static_cast<int>(m_options.broadcast));
        case SO_PASSCRED: return put(out, capacity, static_cast<int>(m_options.pass_credentials));
        case SO_OOBINLINE: return put(out, capacity, static_cast<int>(m_options.out_of_band_inline));
        case SO_RCVBUF: return put(out, capacity, m_options.receive_buffer);
        case SO_SNDBUF: return put(out, capacity, m_options.send_buffer);
        case SO_RCVLOWAT: return put(out, capacity, m_options.receive_low_water);
        case SO_SNDLOWAT: return put(out, capacity, 1);
        case SO_PRIORITY: return put(out, capacity, m_options.priority);
        case SO_MARK: return put(out, capacity, static_cast<int>(m_options.mark));
        case SO_RCVTIMEO: return put(out, capacity, to_timeval(m_options.receive_timeout_ns));
        case SO_SNDTIMEO: return put(out, capacity, to_timeval(m_options.send_timeout_ns));
        case SO_LINGER: return put(out, capacity, Linger{m_options.linger ? 1 : 0, m_options.linger_seconds});
        case SO_COOKIE: return put(out, capacity, m_inode_number);
        case SO_INCOMING_CPU: return put(out, capacity, 0);
        default:
            if (!is_inert_flag(name)) return get_family_option(level, name, out, capacity);
            return put(out, capacity, static_cast<int>((m_options.inert_flags >> name) & 1));
    }
}

Result<void> Socket::set_family_option(int, int, const u8*, usize) { return Error(ENOPROTOOPT); }
Result<usize> Socket::get_family_option(int, int, u8*, usize) { return Error(ENOPROTOOPT); }

Result<u64> Socket::ioctl(u32 request, u64 argument) {
    // The interface ioctls work on any socket, as on Linux (dev_ioctl).
    if (is_interface_ioctl(request)) return interface_ioctl(request, argument);
    return family_ioctl(request, argument);
}

Result<usize> Socket::read(const fs::IoBuffer& buffer) {
    if (buffer.length == 0) return 0;  // as Linux's read(2) on a socket: nothing is received
    fs::IoBufferBytes bytes(buffer);
    Message message;
    message.sink = &bytes;
    message.length = buffer.length;
    return receive(message);
}

Result<usize> Socket::write(const fs::IoBuffer& buffer) {
    fs::IoBufferBytes bytes(buffer);
    Message message;
    message.source = &bytes;
    message.length = buffer.length;
    return send(message);
}

Result<void> Socket::stat(fs::Stat& out) {
    out = {};
    out.st_dev = kSockfsDevice;
    out.st_ino = m_inode_number;
    out.st_nlink = 1;
    out.st_mode = fs::S_IFSOCK | 0777;
    out.st_blksize = 4096;
    return {};
}

}  // namespace net
