// One line per packet, as tcpdump prints it, for `osprey run --trace-net` (the kernel's
// trace_net key): what a frame carries, read with the stack's own parsers so the trace
// shows what the stack itself will make of it.
//
//   eth0 in  10.0.2.2.35794 > 10.0.2.15.8080: TCP [S] seq 123 win 64240 len 0 <mss 1460,sackOK,TS,wscale 7>
//   eth0 out ARP who-has 10.0.2.2 tell 10.0.2.15
//   eth0 out 0.0.0.0.68 > 255.255.255.255.67: UDP len 300 (DHCP DISCOVER)
//   lo   in  127.0.0.1 > 127.0.0.1: ICMP echo request id 1 seq 2 len 56
//   eth0 in  ethertype 0x86dd len 90
//
// Frames come from the wire and may be anything: every read is checked against `length`
// first, and what cannot be parsed is named ("truncated IPv4 header", "bad TCP data
// offset 4") rather than guessed at. Nothing is allocated; the line is cut at the
// buffer's end when it does not fit.
#pragma once

#include <string_view>

#include "base/types.h"
#include "text/format.h"

namespace net {

enum class FrameDirection : u8 { In, Out };

// Room for any summary with an interface name of up to 15 bytes (IFNAMSIZ - 1).
constexpr usize kFrameSummaryCapacity = 200;

// An Ethernet frame (header first, no device header), as a NIC carries it.
void summarize_frame(text::Sink& out, std::string_view interface, FrameDirection direction, const u8* frame,
                     usize length);
// An IPv4 packet without a link header, as the loopback interface carries it.
void summarize_ipv4_packet(text::Sink& out, std::string_view interface, FrameDirection direction, const u8* packet,
                           usize length);

// The same into `buffer` (NUL-terminated); returns the line.
std::string_view summarize_frame(char* buffer, usize capacity, std::string_view interface, FrameDirection direction,
                                 const u8* frame, usize length);
std::string_view summarize_ipv4_packet(char* buffer, usize capacity, std::string_view interface,
                                       FrameDirection direction, const u8* packet, usize length);

}  // namespace net
