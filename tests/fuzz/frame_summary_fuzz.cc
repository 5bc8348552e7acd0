// libFuzzer target: arbitrary bytes as an Ethernet frame or a loopback IPv4 packet for the
// --trace-net summary (libs/net/frame_summary), which must never read past the bytes it is
// given and always write one NUL-terminated line that fits the buffer. Build:
//   clang++ -std=gnu++20 -g -O1 -fsanitize=fuzzer,address,undefined -Ilibs \
//     tests/fuzz/frame_summary_fuzz.cc libs/net/frame_summary.cc libs/net/checksum.cc \
//     libs/net/link/*.cc libs/net/ipv4/header.cc libs/net/tcp/segment.cc \
//     libs/net/dhcp/message.cc libs/text/format.cc -o frame_summary_fuzz
//
// The first byte steers, the rest is the frame. Control bits: 1 = an IPv4 packet without a
// link header (as lo carries it), else an Ethernet frame; 2 = make the IPv4 header pass
// (IPv4 ethertype, version 4, a correct checksum) so the fuzzer reaches the transports;
// 4 = also make the total length match the bytes there are; 8 = a 24-byte buffer (the line
// is cut); 16 = outgoing.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "net/address.h"
#include "net/checksum.h"
#include "net/frame_summary.h"

namespace {

using namespace net;

void repair_ipv4(u8* packet, usize length, bool fix_total_length) {
    if (length < 20) return;
    usize header_length = static_cast<usize>(packet[0] & 0x0f) * 4;
    if (header_length < 20) header_length = 20;
    if (header_length > length) return;
    packet[0] = static_cast<u8>(0x40 | header_length / 4);
    if (fix_total_length) store_be16(packet + 2, static_cast<u16>(length > 65535 ? 65535 : length));
    store_be16(packet + 10, 0);
    store_be16(packet + 10, internet_checksum(packet, header_length));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    u8 control = data[0];
    usize length = size - 1;
    // A copy of exactly `length` bytes, so AddressSanitizer sees a read one past its end.
    u8* frame = new u8[length ? length : 1];
    if (length) memcpy(frame, data + 1, length);
    bool packet_only = control & 1;
    if (control & 2) {
        usize ip_offset = packet_only ? 0 : 14;
        if (!packet_only && length >= 14) store_be16(frame + 12, 0x0800);
        if (length > ip_offset) repair_ipv4(frame + ip_offset, length - ip_offset, control & 4);
    }

    char line[kFrameSummaryCapacity];
    usize capacity = (control & 8) ? 24 : sizeof line;
    auto direction = (control & 16) ? FrameDirection::Out : FrameDirection::In;
    auto text = packet_only ? summarize_ipv4_packet(line, capacity, "lo", direction, frame, length)
                            : summarize_frame(line, capacity, "eth0", direction, frame, length);
    if (text.data() != line || text.size() >= capacity || line[text.size()] != '\0') __builtin_trap();
    for (char c : text)
        if (c == '\n' || c == '\0') __builtin_trap();  // one line, no stray NUL
    // Only a line cut by the buffer may fail to say anything after the prefix.
    if (capacity == sizeof line && text.size() <= 9) __builtin_trap();
    delete[] frame;
    return 0;
}
