#include "socket_io.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace interop {

namespace {

class SpanSource final : public net::ByteSource {
public:
    explicit SpanSource(std::span<const u8> bytes) : m_bytes(bytes) {}
    Result<void> copy_in(usize offset, u8* destination, usize length) const override {
        if (offset + length > m_bytes.size()) return Error(EFAULT);
        std::memcpy(destination, m_bytes.data() + offset, length);
        return {};
    }

private:
    std::span<const u8> m_bytes;
};

class SpanSink final : public net::ByteSink {
public:
    explicit SpanSink(std::span<u8> bytes) : m_bytes(bytes) {}
    Result<void> copy_out(usize offset, const u8* source, usize length) const override {
        if (offset + length > m_bytes.size()) return Error(EFAULT);
        std::memcpy(m_bytes.data() + offset, source, length);
        return {};
    }

private:
    std::span<u8> m_bytes;
};

}  // namespace

Result<void> send_available(net::tcp::Socket& socket, std::span<const u8> data, usize& sent, bool more,
                            net::Nanos now) {
    while (sent < data.size()) {
        SpanSource source(data.subspan(sent));
        auto taken = socket.send(source, data.size() - sent, more, now);
        if (taken.is_error()) {
            if (taken.error() == EAGAIN) return {};
            return Error(taken.error());
        }
        if (taken.value() == 0) return {};
        sent += taken.value();
    }
    return {};
}

Result<bool> receive_available(net::tcp::Socket& socket, std::vector<u8>& into, usize limit, net::Nanos now) {
    for (;;) {
        usize room = limit > into.size() ? limit - into.size() : 0;
        // With nothing queued, a receive still tells the end of the stream from "not yet".
        usize want = socket.readable_bytes();
        if (want > room) want = room;
        if (want == 0 && room == 0) return false;
        usize old = into.size();
        into.resize(old + (want ? want : 1));
        auto got = socket.receive(SpanSink(std::span<u8>(into).subspan(old)), want ? want : 1, false, now);
        if (got.is_error()) {
            into.resize(old);
            if (got.error() == EAGAIN) return false;
            return Error(got.error());
        }
        into.resize(old + got.value());
        if (got.value() == 0) return true;
    }
}

void print_connection(const char* what, const net::tcp::Socket& socket, net::Nanos now) {
    net::tcp::Info info = socket.info(now);
    net::Endpoint peer = socket.remote();
    std::fprintf(stderr,
                 "netstack_tap: %s %u.%u.%u.%u:%u: sent %" PRIu64 " bytes (%" PRIu64
                 " retransmitted, %u segments), received %" PRIu64 " bytes, rtt %u us, cwnd %u, mss %u\n",
                 what, peer.address.octet(0), peer.address.octet(1), peer.address.octet(2), peer.address.octet(3),
                 peer.port, info.bytes_sent, info.bytes_retrans, info.total_retrans, info.bytes_received, info.rtt,
                 info.snd_cwnd, info.snd_mss);
}

}  // namespace interop
