// Two Tcp instances joined by an in-memory link that loses, duplicates, delays and
// reorders packets, from a seeded generator (smoltcp's netsim in spirit). Time is
// simulated: the loop jumps from event to event (a packet due, a TCP timer).
#pragma once

#include <map>
#include <memory>
#include <random>

#include "tcp_test_support.h"

namespace tcp_test {

struct LinkParams {
    u32 loss_per_mille = 0;
    u32 duplicate_per_mille = 0;
    u32 reorder_per_mille = 0;  // these get extra delay, so later packets pass them
    Nanos delay = 5 * kMillisecond;
    Nanos reorder_delay = 20 * kMillisecond;
    usize mtu = 1500;
    u64 seed = 1;
};

class Link;

class LinkIp final : public IpSender {
public:
    LinkIp(Link& link, int side, Ipv4Address address) : m_link(link), m_side(side), m_address(address) {}
    Result<void> send(Ipv4Address source, Ipv4Address destination, u8 protocol, const Gather& payload,
                      const IpSendOptions& options, Nanos now) override;
    Result<Ipv4Address> source_for(Ipv4Address) const override { return m_address; }
    usize max_payload(Ipv4Address) const override;
    bool is_local(Ipv4Address address) const override { return address == m_address; }
    Ipv4Address address() const { return m_address; }

private:
    Link& m_link;
    int m_side;
    Ipv4Address m_address;
};

class Link {
public:
    struct Side {
        std::unique_ptr<LinkIp> ip;
        std::unique_ptr<SeededRandom> random;
        RecordingEvents events;
        Tcp* tcp = nullptr;
    };

    Link(const LinkParams& params, const Config& config_a = Config{}, const Config& config_b = Config{})
        : m_params(params), m_random(params.seed) {
        const Config* configs[2] = {&config_a, &config_b};
        Ipv4Address addresses[2] = {kLocal, kPeer};
        for (int i = 0; i < 2; i++) {
            sides[i].ip = std::make_unique<LinkIp>(*this, i, addresses[i]);
            sides[i].random = std::make_unique<SeededRandom>(params.seed * 31 + i);
            sides[i].tcp = Tcp::create(*sides[i].ip, *sides[i].random, sides[i].events, *configs[i]).value();
        }
    }
    ~Link() {
        for (auto& s : sides) delete s.tcp;
    }

    Side sides[2];
    Nanos now = 1000 * kSecond;
    u64 packets_sent = 0;
    u64 packets_lost = 0;
    usize max_queued = 0;

    Tcp& a() { return *sides[0].tcp; }
    Tcp& b() { return *sides[1].tcp; }
    const LinkParams& params() const { return m_params; }

    void transmit(int from, Ipv4Address source, Ipv4Address destination, const Gather& payload,
                  const IpSendOptions& options) {
        packets_sent++;
        std::vector<u8> bytes(payload.length());
        payload.copy_out(0, bytes.data(), bytes.size());
        if (options.checksum_field >= 0) {
            Checksum sum;
            sum.add(bytes.data(), bytes.size());
            store_be16(bytes.data() + options.checksum_field, sum.finish());
        }
        if (roll(m_params.loss_per_mille)) {
            packets_lost++;
            return;
        }
        int copies = roll(m_params.duplicate_per_mille) ? 2 : 1;
        for (int c = 0; c < copies; c++) {
            Nanos due = now + m_params.delay;
            if (roll(m_params.reorder_per_mille)) due += m_random() % (m_params.reorder_delay + 1);
            m_queue.emplace(std::make_pair(due, m_order++), Packet{1 - from, source, destination, bytes});
        }
        if (m_queue.size() > max_queued) max_queued = m_queue.size();
    }

    // Runs until `done` says so or `limit` of simulated time passes; returns false on the
    // time limit. `step` runs after every event (the applications' turn).
    template <typename Done, typename Step>
    bool run(Nanos limit, Done done, Step step) {
        Nanos end = now + limit;
        step();
        while (!done()) {
            Nanos next = kNoDeadline;
            if (!m_queue.empty()) next = m_queue.begin()->first.first;
            next = earliest(next, a().next_deadline());
            next = earliest(next, b().next_deadline());
            if (next == kNoDeadline || next > end) return false;
            if (next > now) now = next;
            while (!m_queue.empty() && m_queue.begin()->first.first <= now) {
                Packet p = std::move(m_queue.begin()->second);
                m_queue.erase(m_queue.begin());
                IpPacketInfo info;
                info.source = p.source;
                info.destination = p.destination;
                info.protocol = kProtoTcp;
                sides[p.to].tcp->receive(info, p.bytes.data(), p.bytes.size(), now);
            }
            for (auto& s : sides)
                if (s.tcp->next_deadline() != kNoDeadline && s.tcp->next_deadline() <= now) s.tcp->on_timers(now);
            step();
        }
        return true;
    }

private:
    struct Packet {
        int to;
        Ipv4Address source;
        Ipv4Address destination;
        std::vector<u8> bytes;
    };
    bool roll(u32 per_mille) { return per_mille && m_random() % 1000 < per_mille; }

    LinkParams m_params;
    std::mt19937_64 m_random;
    std::map<std::pair<Nanos, u64>, Packet> m_queue;
    u64 m_order = 0;
};

inline Result<void> LinkIp::send(Ipv4Address source, Ipv4Address destination, u8, const Gather& payload,
                                 const IpSendOptions& options, Nanos) {
    m_link.transmit(m_side, source.is_any() ? m_address : source, destination, payload, options);
    return {};
}

inline usize LinkIp::max_payload(Ipv4Address) const { return m_link.params().mtu - 20; }

// An application end: writes `out` as the socket takes it, reads everything into `in`,
// then closes once it has sent all and seen the peer's end of stream.
struct Endpointer {
    Socket* socket = nullptr;
    std::vector<u8> out;
    usize sent = 0;
    std::vector<u8> in;
    bool eof = false;
    bool shut = false;
    bool closed = false;
    bool may_shut = true;  // false holds the FIN back (an echo server before it answered)
    int error = 0;

    void step(Nanos now) {
        if (!socket || closed) return;
        while (sent < out.size()) {
            VectorSource source(out);
            struct Offset final : ByteSource {
                const ByteSource& inner;
                usize base;
                Offset(const ByteSource& i, usize b) : inner(i), base(b) {}
                Result<void> copy_in(usize offset, u8* d, usize n) const override {
                    return inner.copy_in(base + offset, d, n);
                }
            } offset(source, sent);
            auto r = socket->send(offset, out.size() - sent, false, now);
            if (r.is_error()) {
                if (r.error() != EAGAIN) error = r.error();
                break;
            }
            sent += r.value();
        }
        if (may_shut && sent == out.size() && !shut && socket->connected()) {
            shut = socket->shutdown(false, true, now).is_ok();
        }
        for (;;) {
            usize n = socket->readable_bytes();
            if (n == 0) {
                std::vector<u8> none;
                VectorSink sink(none);
                auto r = socket->receive(sink, 1, false, now);
                if (r.is_ok() && r.value() == 0) eof = true;
                if (r.is_error() && r.error() != EAGAIN) error = r.error();
                break;
            }
            usize old = in.size();
            in.resize(old + n);
            struct OffsetSink final : ByteSink {
                std::vector<u8>& v;
                usize base;
                OffsetSink(std::vector<u8>& v, usize b) : v(v), base(b) {}
                Result<void> copy_out(usize offset, const u8* s, usize len) const override {
                    std::memcpy(v.data() + base + offset, s, len);
                    return {};
                }
            } sink(in, old);
            auto r = socket->receive(sink, n, false, now);
            if (r.is_error()) {
                in.resize(old);
                break;
            }
            in.resize(old + r.value());
        }
        if (eof && shut) {
            socket->close(now);
            closed = true;
        }
    }
};

}  // namespace tcp_test
