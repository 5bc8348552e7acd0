#include "net/dhcp/client.h"

namespace net::dhcp {

namespace {

constexpr u8 kBootRequest = 1, kBootReply = 2;
constexpr u16 kMaxMessageSize = 1500;
constexpr u8 kParameters[] = {kOptionSubnetMask,  kOptionRouter,       kOptionDnsServer,        kOptionHostName,
                              kOptionDomainName,  kOptionInterfaceMtu, kOptionBroadcastAddress, kOptionLeaseTime,
                              kOptionRenewalTime, kOptionRebindingTime};

bool usable_unicast(Ipv4Address a) {
    return !a.is_any() && !a.is_limited_broadcast() && !a.is_multicast() && !a.is_loopback() && a.octet(0) != 0;
}

// A contiguous mask's length, or the classful default (RFC 2131 leaves it to the client).
u8 prefix_length(const std::optional<Ipv4Address>& mask, Ipv4Address address) {
    if (mask) {
        u32 m = mask->value;
        u8 length = 0;
        while (length < 32 && (m & (0x80000000u >> length))) length++;
        u32 contiguous = length == 0 ? 0 : 0xffffffffu << (32 - length);
        if (length > 0 && m == contiguous) return length;
    }
    u8 first = address.octet(0);
    return first < 128 ? 8 : first < 192 ? 16 : 24;
}

Nanos seconds(u32 s) { return static_cast<Nanos>(s) * kSecond; }

}  // namespace

Client::Client(MacAddress mac, RandomSource& random, ClientOutput& output)
    : m_mac(mac), m_random(random), m_output(output) {}

void Client::start(const char* hostname, Nanos now) {
    if (has_lease()) lose_lease(now);
    m_hostname[0] = 0;
    if (hostname) {
        usize n = 0;
        while (hostname[n] && n <= kMaxNameLength) n++;
        if (!copy_plain_name(m_hostname, reinterpret_cast<const u8*>(hostname), n)) m_hostname[0] = 0;
    }
    begin_selecting(now, now);
}

void Client::stop(Nanos now) {
    if (has_lease()) {
        send_release(now);
        lose_lease(now);
    }
    m_state = ClientState::Stopped;
    m_retransmit = kNoDeadline;
}

void Client::begin_selecting(Nanos now, Nanos first_send) {
    m_state = ClientState::Selecting;
    m_xid = static_cast<u32>(m_random.next_u64());
    m_attempts = 0;
    m_exchange_started = first_send;
    m_retransmit = first_send;
    m_offered = kIpv4Any;
    m_offer_server = kIpv4Any;
    if (first_send <= now) send_discover(now);
}

Nanos Client::backoff(unsigned attempt) {
    Nanos base = kFirstRetransmit;
    for (unsigned i = 1; i < attempt && base < kMaxRetransmit; i++) base *= 2;
    if (base > kMaxRetransmit) base = kMaxRetransmit;
    Nanos jitter = m_random.next_u64() % (2 * kSecond + 1);
    return base - kSecond + jitter;
}

u16 Client::elapsed_seconds(Nanos now) const {
    Nanos elapsed = now > m_exchange_started ? (now - m_exchange_started) / kSecond : 0;
    return elapsed > 0xffff ? 0xffff : static_cast<u16>(elapsed);
}

void Client::build_common(MessageBuilder& b) {
    b.add_u16(kOptionMaxMessageSize, kMaxMessageSize);
    u8 client_id[7] = {1};
    m_mac.store(client_id + 1);
    b.add(kOptionClientId, client_id, sizeof client_id);
    usize n = 0;
    while (m_hostname[n]) n++;
    if (n) b.add(kOptionHostName, m_hostname, n);
    b.add(kOptionParameterList, kParameters, sizeof kParameters);
}

void Client::send_discover(Nanos now) {
    MessageBuilder b(kBootRequest, m_xid, elapsed_seconds(now), kBroadcastFlag, kIpv4Any, m_mac);
    b.add_u8(kOptionMessageType, kDiscover);
    build_common(b);
    b.finish();
    m_attempts++;
    m_stats.discovers++;
    m_retransmit = now + backoff(m_attempts);
    m_output.send_dhcp(b.bytes(), b.length(), kIpv4Any, kIpv4Broadcast, now);
}

void Client::send_request(Nanos now) {
    bool selecting = m_state == ClientState::Requesting;
    Ipv4Address ciaddr = selecting ? kIpv4Any : m_lease.address.address;
    MessageBuilder b(kBootRequest, m_xid, elapsed_seconds(now), selecting ? kBroadcastFlag : 0, ciaddr, m_mac);
    b.add_u8(kOptionMessageType, kRequest);
    if (selecting) {
        b.add_address(kOptionRequestedAddress, m_offered);
        b.add_address(kOptionServerId, m_offer_server);
    }
    build_common(b);
    b.finish();
    m_attempts++;
    m_stats.requests++;
    switch (m_state) {
        case ClientState::Renewing: {
            Nanos half = m_rebind_at > now ? (m_rebind_at - now) / 2 : 0;
            m_retransmit = now + (half > kMinRenewRetransmit ? half : kMinRenewRetransmit);
            break;
        }
        case ClientState::Rebinding: {
            Nanos half = m_expires_at > now ? (m_expires_at - now) / 2 : 0;
            m_retransmit = now + (half > kMinRenewRetransmit ? half : kMinRenewRetransmit);
            break;
        }
        default: m_retransmit = now + backoff(m_attempts); break;
    }
    Ipv4Address destination = m_state == ClientState::Renewing ? m_lease.server : kIpv4Broadcast;
    m_output.send_dhcp(b.bytes(), b.length(), ciaddr, destination, now);
}

void Client::send_release(Nanos now) {
    if (m_lease.server.is_any()) return;
    MessageBuilder b(kBootRequest, static_cast<u32>(m_random.next_u64()), 0, 0, m_lease.address.address, m_mac);
    b.add_u8(kOptionMessageType, kRelease);
    b.add_address(kOptionServerId, m_lease.server);
    u8 client_id[7] = {1};
    m_mac.store(client_id + 1);
    b.add(kOptionClientId, client_id, sizeof client_id);
    b.finish();
    m_output.send_dhcp(b.bytes(), b.length(), m_lease.address.address, m_lease.server, now);
}

void Client::receive(const u8* data, usize length, Nanos now) {
    auto parsed = parse_message(data, length);
    if (!parsed || parsed->op != kBootReply || parsed->xid != m_xid || !(parsed->chaddr == m_mac)) {
        m_stats.ignored++;
        return;
    }
    const Message& m = *parsed;
    switch (m.message_type) {
        case kOffer:
            if (m_state == ClientState::Selecting) return take_offer(m, now);
            break;
        case kAck:
        case kNak:
            if (m_state == ClientState::Requesting) {
                // Only the server we chose answers for our address.
                if (m.server_id && *m.server_id != m_offer_server) break;
            } else if (m_state == ClientState::Renewing || m_state == ClientState::Rebinding) {
                if (m_state == ClientState::Renewing && m.server_id && *m.server_id != m_lease.server) break;
            } else {
                break;
            }
            if (m.message_type == kAck) return take_ack(m, now);
            return take_nak(now);
        default: break;
    }
    m_stats.ignored++;
}

void Client::take_offer(const Message& m, Nanos now) {
    if (!usable_unicast(m.yiaddr) || !m.server_id || !usable_unicast(*m.server_id)) {
        m_stats.ignored++;
        return;
    }
    m_stats.offers++;
    m_offered = m.yiaddr;
    m_offer_server = *m.server_id;
    m_state = ClientState::Requesting;
    m_attempts = 0;
    send_request(now);
}

void Client::take_ack(const Message& m, Nanos now) {
    if (!usable_unicast(m.yiaddr)) {
        m_stats.ignored++;
        return;
    }
    m_stats.acks++;
    Lease lease;
    lease.address = {m.yiaddr, prefix_length(m.subnet_mask, m.yiaddr)};
    if (m.router && usable_unicast(*m.router)) lease.router = *m.router;
    if (m.server_id)
        lease.server = *m.server_id;
    else
        lease.server = m_state == ClientState::Requesting ? m_offer_server : m_lease.server;
    for (usize i = 0; i < m.dns_count; i++)
        if (usable_unicast(m.dns[i])) lease.dns[lease.dns_count++] = m.dns[i];
    for (usize i = 0; i <= kMaxNameLength; i++) lease.domain[i] = m.domain_name[i];
    if (m.mtu && *m.mtu >= 68) lease.mtu = *m.mtu;

    u32 total = m.lease_time.value_or(kDefaultLease);
    if (total < kMinLease) total = kMinLease;
    lease.lease_seconds = total;
    if (total != kInfiniteLease) {
        u32 t2 = m.rebinding_time.value_or(0);
        if (t2 == 0 || t2 >= total) t2 = static_cast<u32>(static_cast<u64>(total) * 7 / 8);
        u32 t1 = m.renewal_time.value_or(0);
        if (t1 == 0 || t1 >= t2) t1 = total / 2 < t2 ? total / 2 : t2;
        lease.renewal_seconds = t1;
        lease.rebinding_seconds = t2;
        m_renew_at = now + seconds(t1);
        m_rebind_at = now + seconds(t2);
        m_expires_at = now + seconds(total);
    } else {
        lease.renewal_seconds = lease.rebinding_seconds = kInfiniteLease;
        m_renew_at = m_rebind_at = m_expires_at = kNoDeadline;
    }
    m_lease = lease;
    m_state = ClientState::Bound;
    m_attempts = 0;
    m_retransmit = kNoDeadline;
    m_output.lease_acquired(m_lease, now);
}

void Client::take_nak(Nanos now) {
    m_stats.naks++;
    if (has_lease()) lose_lease(now);
    begin_selecting(now, now + kRestartDelay);
}

void Client::lose_lease(Nanos now) {
    m_lease = Lease{};
    m_renew_at = m_rebind_at = m_expires_at = kNoDeadline;
    m_state = ClientState::Selecting;  // callers move on from here
    m_output.lease_lost(now);
}

void Client::on_timers(Nanos now) {
    auto due = [now](Nanos t) { return t != kNoDeadline && t <= now; };
    switch (m_state) {
        case ClientState::Stopped: return;
        case ClientState::Selecting:
            if (due(m_retransmit)) send_discover(now);
            return;
        case ClientState::Requesting:
            if (!due(m_retransmit)) return;
            if (m_attempts >= kMaxRequests)
                begin_selecting(now, now);
            else
                send_request(now);
            return;
        case ClientState::Bound:
        case ClientState::Renewing:
        case ClientState::Rebinding:
            if (due(m_expires_at)) {
                lose_lease(now);
                begin_selecting(now, now);
                return;
            }
            if (m_state != ClientState::Rebinding && due(m_rebind_at)) {
                m_state = ClientState::Rebinding;
                m_xid = static_cast<u32>(m_random.next_u64());
                m_exchange_started = now;
                m_attempts = 0;
                send_request(now);
                return;
            }
            if (m_state == ClientState::Bound && due(m_renew_at)) {
                m_state = ClientState::Renewing;
                m_xid = static_cast<u32>(m_random.next_u64());
                m_exchange_started = now;
                m_attempts = 0;
                send_request(now);
                return;
            }
            if (m_state != ClientState::Bound && due(m_retransmit)) send_request(now);
            return;
    }
}

Nanos Client::next_deadline() const {
    switch (m_state) {
        case ClientState::Stopped: return kNoDeadline;
        case ClientState::Selecting:
        case ClientState::Requesting: return m_retransmit;
        case ClientState::Bound: return earliest(m_renew_at, m_expires_at);
        case ClientState::Renewing: return earliest(earliest(m_retransmit, m_rebind_at), m_expires_at);
        case ClientState::Rebinding: return earliest(m_retransmit, m_expires_at);
    }
    return kNoDeadline;
}

}  // namespace net::dhcp
