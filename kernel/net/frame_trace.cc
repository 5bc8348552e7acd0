#include "net/frame_trace.h"

#include <new>

#include "lib/log.h"
#include "net/link/ethernet.h"
#include "sched/clock.h"

namespace net::frame_trace {

namespace {

// The line with the kernel log's timestamp, so it reads in order with the log around it.
// klog::print, not klog::info: the trace shows at every log level, as --trace's does.
void print_line(std::string_view summary, std::string_view note = {}) {
    u64 ns = ktime::monotonic_ns();
    klog::print("[{:5}.{:06}] net: {}{}\n", ns / 1000000000, (ns / 1000) % 1000000, summary, note);
}

class LoopbackPrinter final : public NetStack::LoopbackTap {
public:
    void delivering(const u8* packet, usize length) override {
        char line[kFrameSummaryCapacity];
        print_line(summarize_ipv4_packet(line, sizeof line, "lo", FrameDirection::In, packet, length));
    }
};

}  // namespace

void print_frame(const char* interface, FrameDirection direction, const u8* frame, usize length) {
    char line[kFrameSummaryCapacity];
    print_line(summarize_frame(line, sizeof line, interface, direction, frame, length));
}

Result<void> TracingSink::transmit(const Gather& frame, const PartialChecksum* partial) {
    auto sent = m_device.transmit(frame, partial);
    // The stack's layers hand their headers down in separate pieces; the summary reads one
    // run of bytes. A frame longer than the device's MTU is read as far as it fits.
    const u8* bytes = frame.count() == 1 ? frame.data(0) : m_buffer;
    usize length = frame.length();
    if (frame.count() != 1) length = frame.copy_out(0, m_buffer, length < m_capacity ? length : m_capacity);
    char line[kFrameSummaryCapacity];
    auto summary = summarize_frame(line, sizeof line, m_device.name(), FrameDirection::Out, bytes, length);
    if (sent.is_error()) {
        char note[32];
        print_line(summary, text::format_into(note, sizeof note, " (dropped: {})", err::name(sent.error())));
    } else {
        print_line(summary);
    }
    return sent;
}

FrameSink& make_sink(NetDevice& device) {
    usize capacity = static_cast<usize>(device.mtu()) + link::kEthernetHeaderSize;
    u8* buffer = new (std::nothrow) u8[capacity];
    auto* sink = buffer ? new (std::nothrow) TracingSink(device, buffer, capacity) : nullptr;
    if (!sink) {
        delete[] buffer;
        klog::warn("net: no memory to trace what {} sends", device.name());
        return device;
    }
    return *sink;
}

NetStack::LoopbackTap& loopback_tap() {
    static LoopbackPrinter printer;
    return printer;
}

}  // namespace net::frame_trace
