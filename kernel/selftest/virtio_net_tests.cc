// virtio-net against QEMU's user networking (slirp): eth0 exists and its link is up, an ARP
// request for the gateway 10.0.2.2 is answered with slirp's MAC, and a few hundred more
// requests and replies pass, far more than there are receive and transmit buffers, so
// both must be recycled, some in bursts that fill the transmit queue. The driver's
// interrupt must have woken the test at least once.
//
// The test registers its own wake-up with the device (NetDevice::set_notify), so it runs
// only where nothing else has: a boot without an application.
//
// bench-virtio-net prints the driver's cost per frame; with `osprey boot --deterministic`
// the TSC counts instructions.
#include "arch/x86_64/cpu.h"
#include "lib/atomic.h"
#include "lib/log.h"
#include "net/device.h"
#include "sched/clock.h"
#include "sched/scheduler.h"
#include "selftest/selftest.h"
#include "sync/wait_queue.h"

namespace selftest {

namespace {

constexpr net::Ipv4Address kGuest = net::Ipv4Address::from_octets(10, 0, 2, 15);
constexpr net::Ipv4Address kGateway = net::Ipv4Address::from_octets(10, 0, 2, 2);
constexpr net::MacAddress kSlirpMac{{0x52, 0x55, 0x0a, 0x00, 0x02, 0x02}};
constexpr u16 kEtherTypeArp = 0x0806;
constexpr usize kMinFrame = 60;  // Ethernet's minimum, without the FCS

struct Listener {
    WaitQueue queue;
    kstd::Atomic<u64> notifications{0};
    net::MacAddress own_mac;
    u64 gateway_replies = 0;
    u64 other_frames = 0;
    u64 consume_ticks = 0;  // time spent in consume(), to leave out of the driver's figure
};

void on_notify(void* context) {
    auto* listener = static_cast<Listener*>(context);
    listener->notifications++;
    listener->queue.wake_all();
}

// An ARP reply from the gateway, to us, saying where 10.0.2.2 is.
bool is_gateway_reply(const Listener& l, const u8* f, usize length) {
    if (length < 42 || net::load_be16(f + 12) != kEtherTypeArp) return false;
    const u8* arp = f + 14;
    return net::load_be16(arp) == 1 && net::load_be16(arp + 2) == 0x0800 && arp[4] == 6 && arp[5] == 4 &&
           net::load_be16(arp + 6) == 2 && net::MacAddress::load(arp + 8) == kSlirpMac &&
           net::Ipv4Address::load(arp + 14) == kGateway && net::MacAddress::load(arp + 18) == l.own_mac &&
           net::Ipv4Address::load(arp + 24) == kGuest && net::MacAddress::load(f) == l.own_mac;
}

void consume(void* context, const net::ReceivedFrame& frame) {
    auto* l = static_cast<Listener*>(context);
    u64 start = cpu::rdtsc();
    if (is_gateway_reply(*l, frame.data, frame.length))
        l->gateway_replies++;
    else
        l->other_frames++;
    l->consume_ticks += cpu::rdtsc() - start;
}

// "Who has 10.0.2.2? Tell 10.0.2.15", broadcast, padded to the minimum frame.
void build_arp_request(net::NetDevice& device, u8 (&frame)[kMinFrame]) {
    for (u8& b : frame) b = 0;
    net::kMacBroadcast.store(frame);
    device.mac().store(frame + 6);
    net::store_be16(frame + 12, kEtherTypeArp);
    u8* arp = frame + 14;
    net::store_be16(arp, 1);            // Ethernet
    net::store_be16(arp + 2, 0x0800);   // IPv4
    arp[4] = 6;
    arp[5] = 4;
    net::store_be16(arp + 6, 1);        // request
    device.mac().store(arp + 8);
    kGuest.store(arp + 14);
    kGateway.store(arp + 24);           // target hardware address left zero
}

Result<void> send_arp_request(net::NetDevice& device) {
    u8 frame[kMinFrame];
    build_arp_request(device, frame);
    // Two runs, as a stack hands a header and a payload down.
    net::Gather gather(frame, 14);
    gather.append(frame + 14, sizeof frame - 14);
    return device.transmit(gather, nullptr);
}

// Polls until `done` or the deadline, sleeping on the device's wake-up in between.
template <typename Done>
bool poll_until(net::NetDevice& device, Listener& listener, u64 timeout_ns, Done done) {
    u64 deadline = ktime::deadline_after_ns(timeout_ns);
    for (;;) {
        u64 seen = listener.notifications.load();
        while (device.poll_receive(64, consume, &listener) == 64) {
        }
        if (done()) return true;
        auto waited = listener.queue.wait_until([&] { return listener.notifications.load() != seen; },
                                                deadline);
        if (waited.is_error()) {
            device.poll_receive(64, consume, &listener);
            return done();
        }
    }
}

net::NetDevice* first_device_with_link() {
    if (net::device_count() == 0) {
        klog::print("  no network device (is the VM started with --network none?)\n");
        return nullptr;
    }
    net::NetDevice* device = net::device(0);
    u64 deadline = cpu::rdtsc() + ktime::ns_to_tsc(2 * net::kSecond);
    while (!device->link_up() && cpu::rdtsc() < deadline) sched::sleep_ns(10 * net::kMillisecond);
    return device;
}

bool virtio_net() {
    net::NetDevice* device = first_device_with_link();
    SELFTEST_CHECK(device != nullptr);
    SELFTEST_CHECK(std::string_view(device->name()) == "eth0");
    SELFTEST_CHECK(device->link_up());
    SELFTEST_CHECK(device->mtu() == 1500);
    static Listener listener;
    listener.own_mac = device->mac();
    device->set_notify(on_notify, &listener);
    net::DeviceStats before = device->stats();

    // The gateway answers the first request.
    SELFTEST_CHECK(send_arp_request(*device).is_ok());
    SELFTEST_CHECK(poll_until(*device, listener, 5 * net::kSecond, [] { return listener.gateway_replies >= 1; }));

    // Many more: each transmit buffer and each receive buffer is used several times over.
    constexpr u64 kRequests = 400;
    u64 sent = 1, busy = 0;
    while (sent < 1 + kRequests) {
        auto r = send_arp_request(*device);
        if (r.is_ok()) {
            sent++;
        } else {
            SELFTEST_CHECK(r.error() == ENOBUFS);
            busy++;
        }
        // Let the replies come back every few requests, and whenever the queue is full.
        if (sent % 16 == 0 || r.is_error())
            poll_until(*device, listener, 50 * net::kMillisecond, [&] { return listener.gateway_replies >= sent; });
    }
    SELFTEST_CHECK(poll_until(*device, listener, 20 * net::kSecond, [&] { return listener.gateway_replies >= sent; }));

    // Bursts with no polling in between: the transmit queue may fill up (ENOBUFS), and
    // then the device's completion interrupt must say when there is room again (the
    // receive interrupt is off by then: nobody polled since it fired).
    for (int burst = 0; burst < 3; burst++) {
        for (int i = 0; i < 200;) {
            u64 seen = listener.notifications.load();
            auto r = send_arp_request(*device);
            if (r.is_ok()) {
                sent++;
                i++;
                continue;
            }
            SELFTEST_CHECK(r.error() == ENOBUFS);
            busy++;
            // Generous: QEMU completes transmits on its main thread, which a loaded host
            // may keep from running for a while.
            u64 deadline = ktime::deadline_after_ns(10 * net::kSecond);
            SELFTEST_CHECK(listener.queue.wait_until([&] { return listener.notifications.load() != seen; }, deadline)
                               .is_ok());
        }
        SELFTEST_CHECK(
            poll_until(*device, listener, 20 * net::kSecond, [&] { return listener.gateway_replies >= sent; }));
    }
    device->set_notify(nullptr, nullptr);

    net::DeviceStats stats = device->stats();
    klog::print("  {} requests, {} replies, {} other frames, {} ENOBUFS, {} wake-ups; rx {} tx {} packets\n", sent,
                listener.gateway_replies, listener.other_frames, busy, listener.notifications.load(),
                stats.rx_packets, stats.tx_packets);
    SELFTEST_CHECK(listener.gateway_replies == sent);
    SELFTEST_CHECK(stats.tx_packets - before.tx_packets == sent);
    SELFTEST_CHECK(stats.rx_packets - before.rx_packets >= sent);
    SELFTEST_CHECK(stats.rx_errors == 0 && stats.tx_errors == 0);
    SELFTEST_CHECK(stats.tx_bytes - before.tx_bytes == sent * kMinFrame);
    // The receive interrupt woke the test: the interrupt path (MSI-X, INTx or the mmio
    // line) works.
    SELFTEST_CHECK(listener.notifications.load() > 0);
    return true;
}

// The driver's own cost per frame: transmit() per request, poll_receive() less the
// consumer's time per reply received.
bool virtio_net_benchmark() {
    net::NetDevice* device = first_device_with_link();
    SELFTEST_CHECK(device != nullptr && device->link_up());
    static Listener listener;
    listener.own_mac = device->mac();
    device->set_notify(on_notify, &listener);
    constexpr u64 kFrames = 1000;
    u64 tx_ticks = 0, rx_ticks = 0, sent = 0, received = 0;
    u8 frame[kMinFrame];
    build_arp_request(*device, frame);
    net::Gather gather(frame, 14);
    gather.append(frame + 14, sizeof frame - 14);
    while (sent < kFrames) {
        for (int burst = 0; burst < 8; burst++) {
            u64 start = cpu::rdtsc();
            auto r = device->transmit(gather, nullptr);
            u64 ticks = cpu::rdtsc() - start;
            if (r.is_error()) break;
            tx_ticks += ticks;
            sent++;
        }
        u64 deadline = ktime::deadline_after_ns(2 * net::kSecond);
        while (listener.gateway_replies < sent && cpu::rdtsc() < deadline) {
            u64 seen = listener.notifications.load();
            u64 consumed_before = listener.consume_ticks;
            u64 start = cpu::rdtsc();
            usize got = device->poll_receive(64, consume, &listener);
            u64 ticks = cpu::rdtsc() - start - (listener.consume_ticks - consumed_before);
            if (got) {
                rx_ticks += ticks;
                received += got;
            } else {
                (void)listener.queue.wait_until([&] { return listener.notifications.load() != seen; }, deadline);
            }
        }
    }
    device->set_notify(nullptr, nullptr);
    SELFTEST_CHECK(received > 0);
    klog::print("bench virtio_net_tx: {} ticks per frame ({} frames)\n", tx_ticks / sent, sent);
    klog::print("bench virtio_net_rx: {} ticks per frame ({} frames)\n", rx_ticks / received, received);
    return true;
}

const Test kVirtioNetTests[] = {
    {"virtio-net", virtio_net, false, false, true},
    {"bench-virtio-net", virtio_net_benchmark, false, true, true},
};

}  // namespace

std::span<const Test> virtio_net_tests() { return kVirtioNetTests; }

}  // namespace selftest
