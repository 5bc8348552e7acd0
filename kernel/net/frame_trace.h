// The packet trace of `osprey run --trace-net` (the trace_net key, docs/cmdline.md): one
// line per frame a NIC receives or sends and per packet loopback delivers, summarized by
// libs/net/frame_summary and printed on the kernel log whatever the log level, as the
// system-call trace is.
//
// Off, it costs one predictable branch per received frame and nothing else: the engine
// hands the stack its NICs as they are, without a TracingSink in front, and sets no
// loopback tap. Every entry point runs under the stack lock (which also keeps the lines of
// one frame together).
#pragma once

#include "net/device.h"
#include "net/frame_summary.h"
#include "net/stack.h"

namespace net::frame_trace {

// Prints the line of one Ethernet frame.
void print_frame(const char* interface, FrameDirection direction, const u8* frame, usize length);

// A NIC's transmit with a trace line for every frame after it is handed over (or refused).
// Made with make_sink.
class TracingSink final : public FrameSink {
public:
    TracingSink(NetDevice& device, u8* buffer, usize capacity)
        : m_device(device), m_buffer(buffer), m_capacity(capacity) {}
    Result<void> transmit(const Gather& frame, const PartialChecksum* partial) override;
    bool offloads_checksum() const override { return m_device.offloads_checksum(); }

private:
    NetDevice& m_device;
    // Where a frame given in pieces is put together to be read: as long as the largest
    // frame the device sends (its MTU and an Ethernet header).
    u8* m_buffer;
    usize m_capacity;
};

// The sink to give the stack for `device` when tracing: a TracingSink, or the device itself
// (with a warning) when there is no memory for one.
FrameSink& make_sink(NetDevice& device);

// Prints the packets loopback delivers, as interface "lo".
NetStack::LoopbackTap& loopback_tap();

}  // namespace net::frame_trace
