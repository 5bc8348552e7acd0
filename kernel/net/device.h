// A network device as the stack sees it: the NIC side of the narrow interface between
// drivers (drivers/virtio/net.cc) and the stack (net/). A driver knows Ethernet frames and
// nothing of IP. The stack transmits through FrameSink; received frames are pulled by
// the network thread, never pushed from an interrupt handler: the driver's interrupt only
// calls the wake-up the stack registered, and the thread then calls poll_receive().
#pragma once

#include "base/result.h"
#include "net/address.h"
#include "net/layers.h"

namespace net {

// What a received frame carries besides its bytes.
struct ReceivedFrame {
    const u8* data;  // the Ethernet frame (no device header), valid during the callback
    usize length;
    // The device checked the transport checksum (virtio DATA_VALID), or left it to be
    // completed because the packet was made on this host (NEEDS_CSUM): either way the
    // stack must not verify it.
    bool checksum_verified;
};

struct DeviceStats {
    u64 rx_packets, rx_bytes, rx_dropped, rx_errors;
    u64 tx_packets, tx_bytes, tx_dropped, tx_errors;
};

class NetDevice : public FrameSink {
public:
    virtual const char* name() const = 0;  // "eth0"
    virtual MacAddress mac() const = 0;
    virtual u16 mtu() const = 0;           // the IP MTU: 1500 unless the device says otherwise
    virtual bool link_up() const = 0;

    // Registers what the driver calls (from its interrupt handler, interrupts off) when
    // frames arrived, transmit room freed up, or the link changed. Called once, before
    // the device is used.
    using Notify = void (*)(void* context);
    virtual void set_notify(Notify notify, void* context) = 0;

    // Hands up to `budget` received frames to `consume` (in the calling thread), gives
    // their buffers back to the device, and re-enables the receive interrupt when the
    // queue is empty. Returns how many frames were handed over; when that equals
    // `budget`, more may be waiting.
    using Consume = void (*)(void* context, const ReceivedFrame& frame);
    virtual usize poll_receive(usize budget, Consume consume, void* context) = 0;

    virtual DeviceStats stats() const = 0;

protected:
    ~NetDevice() = default;
};

// The devices the drivers found at boot, in the order found (eth0 first).
void register_device(NetDevice& device);
usize device_count();
NetDevice* device(usize index);

}  // namespace net
