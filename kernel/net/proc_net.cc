#include "net/proc_net.h"

#include "net/engine.h"
#include "net/udp/socket.h"
#include "net/udp/udp.h"
#include "text/proc_net.h"

namespace net::proc {

namespace {

u64 inode_of(void* user) { return user ? static_cast<StackEvents*>(user)->socket_inode() : 0; }

}  // namespace

void render_tcp(text::Sink& out, u64) {
    text::proc::format_tcp_header(out);
    if (!engine::started()) return;
    StackAccess access;
    Nanos now = access.now();
    u32 slot = 0;
    auto ticks = [](Nanos ns) { return ns / 10000000; };  // USER_HZ: 1/100 s
    access.tcp().for_each_socket([&](const tcp::Socket& s) {
        if (s.state() == tcp::State::Closed && !s.is_bound()) return;
        if (s.state() == tcp::State::Closed) return;  // bound but neither listening nor connected: Linux lists none
        text::proc::SocketRow row;
        row.local_ipv4 = s.local().address.value;
        row.local_port = s.local().port;
        row.remote_ipv4 = s.remote().address.value;
        row.remote_port = s.remote().port;
        row.state = static_cast<u8>(s.state());
        if (s.is_listening()) {
            row.rx_queue = s.accept_queue_length();
        } else {
            row.tx_queue = static_cast<u32>(s.unacked_bytes());
            row.rx_queue = static_cast<u32>(s.readable_bytes());
        }
        auto timer = s.timer_info();
        row.timer = timer.kind;
        row.timer_ticks = timer.kind && timer.expires > now ? ticks(timer.expires - now) : 0;
        row.retransmits = s.retransmissions();
        row.inode = inode_of(s.user);
        row.time_wait = s.state() == tcp::State::TimeWait;
        auto info = s.info(now);
        row.rto_ticks = ticks(static_cast<u64>(info.rto) * 1000);
        row.ato_ticks = ticks(static_cast<u64>(info.ato) * 1000);
        row.cwnd = info.snd_cwnd;
        row.ssthresh = info.snd_ssthresh >= 0x7fffffff ? -1 : static_cast<i32>(info.snd_ssthresh);
        text::proc::format_tcp_line(out, slot++, row);
    });
}

void render_udp(text::Sink& out, u64) {
    text::proc::format_udp_header(out);
    if (!engine::started()) return;
    StackAccess access;
    u32 slot = 0;
    access.udp().for_each_socket([&](const udp::Socket& s) {
        if (!s.is_bound()) return;
        text::proc::SocketRow row;
        row.local_ipv4 = s.local().address.value;
        row.local_port = s.local().port;
        if (auto remote = s.remote()) {
            row.remote_ipv4 = remote->address.value;
            row.remote_port = remote->port;
        }
        row.state = s.is_connected() ? 1 : 7;  // TCP_ESTABLISHED when connected, else TCP_CLOSE
        row.rx_queue = static_cast<u32>(s.queued_bytes());
        row.inode = inode_of(s.user);
        row.drops = s.drops();
        text::proc::format_udp_line(out, slot++, row);
    });
}

void render_tcp6(text::Sink& out, u64) { text::proc::format_tcp6_header(out); }
void render_udp6(text::Sink& out, u64) { text::proc::format_udp6_header(out); }

void render_dev(text::Sink& out, u64) {
    text::proc::format_dev_header(out);
    if (!engine::started()) return;
    StackAccess access;
    access.stack().for_each_interface([&](const Interface& i) {
        const InterfaceCounters& c = i.counters();
        text::proc::DevCounters d;
        d.rx_bytes = c.rx_bytes;
        d.rx_packets = c.rx_packets;
        d.rx_errors = c.rx_errors;
        d.rx_dropped = c.rx_dropped + c.rx_nohandler;
        d.tx_bytes = c.tx_bytes;
        d.tx_packets = c.tx_packets;
        d.tx_errors = c.tx_errors;
        d.tx_dropped = c.tx_dropped;
        text::proc::format_dev_line(out, i.name(), d);
    });
}

void render_route(text::Sink& out, u64) {
    text::proc::format_route_header(out);
    if (!engine::started()) return;
    StackAccess access;
    NetStack& stack = access.stack();
    for (const ipv4::Route& r : stack.routes()) {
        const Interface* i = stack.interface(r.interface_index);
        // Linux lists the main table only: the loopback network lives in the local table.
        if (!i || i->is_loopback()) continue;
        text::proc::RouteRow row;
        row.interface = i->name();
        row.destination_ipv4 = r.destination.address.value;
        row.gateway_ipv4 = r.gateway.value;
        row.mask_ipv4 = r.destination.mask();
        row.flags = 1 | (r.gateway.is_any() ? 0 : 2) | (r.destination.length == 32 ? 4 : 0);
        row.metric = r.metric;
        text::proc::format_route_line(out, row);
    }
}

void render_snmp(text::Sink& out, u64) {
    if (!engine::started()) return;
    StackAccess access;
    const ipv4::IpStats& ip = access.stack().ip_stats();
    const ipv4::IcmpStats& icmp = access.stack().icmp_stats();
    const udp::UdpStats& udp = access.stack().udp_stats();
    out.write("Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams InUnknownProtos InDiscards "
              "InDelivers OutRequests OutDiscards OutNoRoutes ReasmTimeout ReasmReqds ReasmOKs ReasmFails FragOKs "
              "FragFails FragCreates OutTransmits\n");
    // Forwarding 2: a host, not a router.
    text::format_to(out, "Ip: 2 64 {} {} {} 0 {} {} {} {} {} {} {} {} {} {} {} {} {} {}\n", ip.in_receives,
                    ip.in_hdr_errors, ip.in_addr_errors, ip.in_unknown_protos, ip.in_discards, ip.in_delivers,
                    ip.out_requests, ip.out_discards, ip.out_no_routes, ip.reasm_timeout, ip.reasm_reqds, ip.reasm_oks,
                    ip.reasm_fails, ip.frag_oks, ip.frag_fails, ip.frag_creates, ip.out_requests);
    out.write("Icmp: InMsgs InErrors InCsumErrors InDestUnreachs InTimeExcds InParmProbs InSrcQuenchs InRedirects "
              "InEchos InEchoReps InTimestamps InTimestampReps InAddrMasks InAddrMaskReps OutMsgs OutErrors "
              "OutRateLimitGlobal OutRateLimitHost OutDestUnreachs OutTimeExcds OutParmProbs OutSrcQuenchs "
              "OutRedirects OutEchos OutEchoReps OutTimestamps OutTimestampReps OutAddrMasks OutAddrMaskReps\n");
    text::format_to(out, "Icmp: {} {} {} {} {} {} 0 0 {} {} 0 0 0 0 {} {} {} 0 {} {} 0 0 0 0 {} 0 0 0 0\n", icmp.in_msgs,
                    icmp.in_errors, icmp.in_csum_errors, icmp.in_dest_unreachs, icmp.in_time_excds, icmp.in_parm_probs,
                    icmp.in_echos, icmp.in_echo_reps, icmp.out_msgs, icmp.out_errors, icmp.out_rate_limited,
                    icmp.out_dest_unreachs, icmp.out_time_excds, icmp.out_echo_reps);
    out.write("Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab "
              "InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n");
    const tcp::Stats& t = access.tcp().stats();
    text::format_to(out, "Tcp: 1 200 120000 -1 {} {} {} {} {} {} {} {} {} {} {}\n", t.active_opens, t.passive_opens,
                    t.attempt_fails, t.estab_resets, t.curr_estab, t.in_segs, t.out_segs, t.retrans_segs, t.in_errs,
                    t.out_rsts, t.in_csum_errors);
    out.write("Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti "
              "MemErrors\n");
    text::format_to(out, "Udp: {} {} {} {} {} {} {} {} 0\n", udp.in_datagrams, udp.no_ports, udp.in_errors,
                    udp.out_datagrams, udp.rcvbuf_errors, udp.sndbuf_errors, udp.in_csum_errors, udp.ignored_multi);
}

}  // namespace net::proc
