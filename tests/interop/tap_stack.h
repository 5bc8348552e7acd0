// libs/net on a TAP device, driven as kernel/net/engine.cc drives it in the kernel, but in
// one thread: a loop that feeds the frames Linux sends to the NetStack, runs its and TCP's
// timers at their deadlines, gives the application a turn, and sleeps in ppoll() until the
// next frame or deadline. Time is the host's monotonic clock.
//
// Frames pass through an ImpairedPath each way (what we send, and, unless netem already
// does it in the kernel, what we receive), so a profile can lose, corrupt, duplicate,
// delay and reorder them.
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

#include "base/result.h"
#include "impaired_path.h"
#include "net/stack.h"
#include "net/tcp/tcp.h"
#include "tap_device.h"

namespace interop {

struct TapStackConfig {
    net::MacAddress mac;
    net::Ipv4Prefix address;
    Impairment impairment;
    bool impair_received = true;  // false: Linux's netem impairs that direction already
    u64 seed = 1;                 // of the impairments (the stack's own randomness is not seeded)
};

// The monotonic clock, as libs/net counts time.
Nanos monotonic_now();

// SIGTERM and SIGINT end TapStack::run() (with EINTR) instead of the process, so the
// statistics are still printed. Call once, before run().
void install_stop_signals();

class TapStack final : private net::FrameSink, private net::NetStack::Callbacks, private net::tcp::Events {
public:
    // EINVAL for a bad configuration, ENOMEM.
    static Result<std::unique_ptr<TapStack>> create(TapDevice device, const TapStackConfig& config);
    ~TapStack();

    net::tcp::Tcp& tcp() { return *m_tcp; }

    // The application's turn, after every round: true when it has finished, an error when
    // it failed. It must not wait; it does what the sockets allow and returns.
    using Step = std::function<Result<bool>(Nanos now)>;
    // Runs until `step` finishes (or fails: its error), a stop signal (EINTR), a read error
    // from the device, or `limit` from now passes (ETIMEDOUT).
    Result<void> run(const Step& step, Nanos limit);
    // Lets what is still in flight go out after the application is done: delayed frames,
    // the last ACK of a closing connection. Returns when nothing is left or after `grace`.
    void drain(Nanos grace);

    void print_stats(FILE* out) const;

private:
    class Random final : public net::RandomSource {
    public:
        u64 next_u64() override;
    };

    TapStack(TapDevice device, const TapStackConfig& config);

    // One pass: take frames from the device, deliver the due ones, run due timers, let the
    // application act, send what is due. Returns the next time something is due.
    Result<Nanos> round(const Step* step, bool* finished, Nanos now);
    Result<void> read_frames(Nanos now);
    void run_timers(Nanos now);
    void send_due(Nanos now);
    Result<void> wait(Nanos until);

    // net::FrameSink
    Result<void> transmit(const net::Gather& frame, const net::PartialChecksum* partial) override;
    // net::NetStack::Callbacks
    void address_configured(const net::Interface&, const net::IpConfig&) override {}
    void address_removed(const net::Interface& interface) override;
    void changed(net::udp::Socket&, u32) override { m_changed = true; }
    // net::tcp::Events
    void changed(net::tcp::Socket&, u32) override { m_changed = true; }

    // Declared before the stack, so they outlive whatever it sends while going away.
    TapDevice m_device;
    ImpairedPath m_outgoing;
    ImpairedPath m_incoming;
    Random m_random;
    std::unique_ptr<net::NetStack> m_stack;
    net::tcp::Tcp* m_tcp = nullptr;  // owned: deleted before the stack it is registered with
    unsigned m_interface = 0;
    bool m_changed = false;  // a socket reported something since the application's last turn
    u64 m_write_errors = 0;
    int m_last_write_error = 0;
    std::vector<u8> m_frame;  // the receive buffer
};

}  // namespace interop
