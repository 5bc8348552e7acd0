// The socket calls that need no network: socketpair for AF_UNIX stream sockets, and
// send/recv (and their msg forms), shutdown and getsockopt on whatever socket a descriptor
// holds. socket(2) itself waits for the network stack (ENOSYS until then).
#include "fs/fd_table.h"
#include "fs/socket.h"
#include "fs/socket_pair.h"
#include "linux/abi_types.h"
#include "linux/process.h"
#include "linux/syscalls.h"
#include "linux/user_memory.h"

namespace linux_abi {

namespace {

fs::FdTable& fds() { return Process::current().fds(); }

// struct msghdr (x86-64).
struct MsgHdr {
    u64 name;
    u32 namelen;
    u32 pad0;
    u64 iov;
    u64 iovlen;
    u64 control;
    u64 controllen;
    i32 flags;
    u32 pad1;
};
static_assert(sizeof(MsgHdr) == 56);

Result<fs::Socket*> socket_of(RefPtr<fs::File>& file) {
    fs::Socket* socket = file->socket();
    if (!socket) return Error(ENOTSOCK);
    return socket;
}

// send or receive over the iovecs of a msghdr, as readv/writev do: a short transfer ends it.
Result<u64> transfer_vectors(fs::Socket& socket, const MsgHdr& header, u32 flags, bool send) {
    if (header.iovlen > kIovMax) return Error(EMSGSIZE);
    u64 done = 0;
    for (u64 i = 0; i < header.iovlen; i++) {
        IoVec vector = TRY(UserPtr<IoVec>(header.iov).offset(i).read());
        if (vector.length > kMaxIo || done + vector.length > kMaxIo) return Error(EINVAL);
        if (vector.length == 0) continue;
        auto buffer = fs::IoBuffer::from_user(vector.base, vector.length);
        auto moved = send ? socket.send(buffer, flags) : socket.receive(buffer, flags);
        if (moved.is_error()) return done ? Result<u64>(done) : Result<u64>(Error(moved.error()));
        done += moved.value();
        if (moved.value() < vector.length) break;
    }
    return done;
}

}  // namespace

Result<u64> sys_socketpair(SyscallArgs& args) {
    int domain = static_cast<int>(args[0]);
    u32 type_and_flags = static_cast<u32>(args[1]);
    int protocol = static_cast<int>(args[2]);
    int type = static_cast<int>(type_and_flags & ~(fs::SOCK_NONBLOCK | fs::SOCK_CLOEXEC));
    if (domain != fs::AF_UNIX) return Error(EOPNOTSUPP);  // Linux: AF_INET has no pairs either
    if (protocol != 0) return Error(EPROTONOSUPPORT);
    // Datagram and seqpacket pairs keep message boundaries: not built yet.
    if (type != fs::SOCK_STREAM) return Error(type == fs::SOCK_DGRAM || type == fs::SOCK_SEQPACKET ? EOPNOTSUPP : EINVAL);
    TRY(args.ptr<int>(3).read());  // a bad destination leaks no descriptors
    auto pair = TRY(fs::create_stream_socket_pair(type_and_flags & fs::SOCK_NONBLOCK ? fs::O_NONBLOCK : 0));
    bool cloexec = type_and_flags & fs::SOCK_CLOEXEC;
    int first = TRY(fds().allocate(pair.first, cloexec));
    auto second = fds().allocate(pair.second, cloexec);
    if (second.is_error()) {
        (void)fds().close(first);
        return Error(second.error());
    }
    int both[2] = {first, second.value()};
    if (args.ptr<int>(3).write_array(both, 2).is_error()) {
        (void)fds().close(both[0]);
        (void)fds().close(both[1]);
        return Error(EFAULT);
    }
    return 0;
}

Result<u64> sys_sendto(SyscallArgs& args) {
    auto file = TRY(fds().get(args.fd(0)));
    fs::Socket* socket = TRY(socket_of(file));
    if (args[4] != 0 && args[5] != 0) return Error(EISCONN);  // a connected stream socket
    u64 length = args[2] < kMaxIo ? args[2] : kMaxIo;
    return TRY(socket->send(fs::IoBuffer::from_user(args[1], length), static_cast<u32>(args[3])));
}

Result<u64> sys_recvfrom(SyscallArgs& args) {
    auto file = TRY(fds().get(args.fd(0)));
    fs::Socket* socket = TRY(socket_of(file));
    u64 length = args[2] < kMaxIo ? args[2] : kMaxIo;
    u64 got = TRY(socket->receive(fs::IoBuffer::from_user(args[1], length), static_cast<u32>(args[3])));
    // The peer of a socket pair has no address: an address length of 0, as Linux reports.
    if (args[4] != 0 && args[5] != 0) TRY(args.ptr<u32>(5).write(0));
    return got;
}

Result<u64> sys_sendmsg(SyscallArgs& args) {
    auto file = TRY(fds().get(args.fd(0)));
    fs::Socket* socket = TRY(socket_of(file));
    MsgHdr header = TRY(args.ptr<MsgHdr>(1).read());
    if (header.name != 0 && header.namelen != 0) return Error(EISCONN);
    // Ancillary data (SCM_RIGHTS passes descriptors, SCM_CREDENTIALS credentials): not yet.
    if (header.controllen != 0) return Error(EOPNOTSUPP);
    return transfer_vectors(*socket, header, static_cast<u32>(args[2]), true);
}

Result<u64> sys_recvmsg(SyscallArgs& args) {
    auto file = TRY(fds().get(args.fd(0)));
    fs::Socket* socket = TRY(socket_of(file));
    MsgHdr header = TRY(args.ptr<MsgHdr>(1).read());
    u64 got = TRY(transfer_vectors(*socket, header, static_cast<u32>(args[2]), false));
    header.namelen = 0;
    header.controllen = 0;  // no ancillary data is ever queued
    header.flags = 0;
    TRY(args.ptr<MsgHdr>(1).write(header));
    return got;
}

Result<u64> sys_shutdown(SyscallArgs& args) {
    auto file = TRY(fds().get(args.fd(0)));
    fs::Socket* socket = TRY(socket_of(file));
    TRY(socket->shutdown(static_cast<int>(args[1])));
    return 0;
}

Result<u64> sys_getsockopt(SyscallArgs& args) {
    auto file = TRY(fds().get(args.fd(0)));
    fs::Socket* socket = TRY(socket_of(file));
    int value = TRY(socket->option(static_cast<int>(args[1]), static_cast<int>(args[2])));
    u32 length = TRY(args.ptr<u32>(4).read());
    if (static_cast<i32>(length) < 0) return Error(EINVAL);
    // As Linux: the value is cut to the caller's length, and the length says what was written.
    u32 written = length < sizeof value ? length : sizeof value;
    if (written) TRY(args.ptr<u8>(3).write_array(reinterpret_cast<const u8*>(&value), written));
    TRY(args.ptr<u32>(4).write(written));
    return 0;
}

}  // namespace linux_abi
