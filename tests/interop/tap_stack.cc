#include "tap_stack.h"

#include <poll.h>
#include <signal.h>
#include <sys/random.h>
#include <time.h>

#include <cerrno>
#include <cinttypes>
#include <csignal>

namespace interop {

namespace {

// Ethernet header plus the largest IP packet a TAP device passes without offloads.
constexpr usize kFrameBuffer = 65536;
// Frames taken from the device per round, so timers and the application keep their turn
// while Linux floods us.
constexpr unsigned kReadBudget = 256;

volatile sig_atomic_t g_stop_signal = 0;

void on_stop_signal(int signal) { g_stop_signal = signal; }

sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    return set;
}

}  // namespace

Nanos monotonic_now() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<Nanos>(ts.tv_sec) * net::kSecond + static_cast<Nanos>(ts.tv_nsec);
}

// Blocked except inside ppoll(): a signal that comes while a round runs is not lost, it
// ends the next wait.
void install_stop_signals() {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    sigset_t set = stop_signals();
    sigprocmask(SIG_BLOCK, &set, nullptr);
}

u64 TapStack::Random::next_u64() {
    u64 value = 0;
    // getrandom() of 8 bytes from an initialised pool neither fails nor comes up short.
    while (getrandom(&value, sizeof value, 0) != static_cast<ssize_t>(sizeof value)) {
    }
    return value;
}

TapStack::TapStack(TapDevice device, const TapStackConfig& config)
    : m_device(std::move(device)),
      m_outgoing(config.impairment, config.seed),
      m_incoming(config.impair_received ? config.impairment : Impairment{}, config.seed ^ 0x5eed5eed5eed5eedull),
      m_frame(kFrameBuffer) {}

Result<std::unique_ptr<TapStack>> TapStack::create(TapDevice device, const TapStackConfig& config) {
    std::unique_ptr<TapStack> self(new (std::nothrow) TapStack(std::move(device), config));
    if (!self) return Error(ENOMEM);
    self->m_stack.reset(new (std::nothrow) net::NetStack(self->m_random, *self));
    if (!self->m_stack) return Error(ENOMEM);
    net::NetStack& stack = *self->m_stack;
    self->m_tcp = TRY(net::tcp::Tcp::create(stack, self->m_random, *self));
    TRY(stack.register_protocol(net::kProtoTcp, *self->m_tcp));
    Nanos now = monotonic_now();
    self->m_interface = TRY(stack.add_ethernet("tap0", config.mac, 1500, *self));
    stack.set_link(self->m_interface, true, now);
    net::IpConfig ip;
    ip.address = config.address;
    ip.origin = net::AddressOrigin::Static;
    TRY(stack.configure_static(self->m_interface, ip, now));
    return self;
}

TapStack::~TapStack() {
    if (m_tcp) {
        m_stack->unregister_protocol(net::kProtoTcp);
        delete m_tcp;
    }
}

Result<void> TapStack::run(const Step& step, Nanos limit) {
    Nanos end = monotonic_now() + limit;
    for (;;) {
        Nanos now = monotonic_now();
        if (g_stop_signal) return Error(EINTR);
        if (now >= end) return Error(ETIMEDOUT);
        bool finished = false;
        Nanos next = TRY(round(&step, &finished, now));
        if (finished) return {};
        TRY(wait(net::earliest(next, end)));
    }
}

void TapStack::drain(Nanos grace) {
    Nanos end = monotonic_now() + grace;
    for (;;) {
        Nanos now = monotonic_now();
        if (g_stop_signal || now >= end) return;
        auto next = round(nullptr, nullptr, now);
        if (next.is_error()) return;
        // Done once no frame waits in a delay line and no connection still has something
        // to say; listeners and TIME_WAIT need nothing more from us.
        bool busy = !m_outgoing.empty() || !m_incoming.empty();
        m_tcp->for_each_socket([&](const net::tcp::Socket& socket) {
            net::tcp::State state = socket.state();
            if (state != net::tcp::State::Listen && state != net::tcp::State::TimeWait &&
                state != net::tcp::State::Closed)
                busy = true;
        });
        if (!busy) return;
        if (wait(net::earliest(next.value(), end)).is_error()) return;
    }
}

Result<Nanos> TapStack::round(const Step* step, bool* finished, Nanos now) {
    TRY(read_frames(now));
    m_incoming.release_due(
        now, [&](const u8* frame, usize length) { m_stack->receive_frame(m_interface, frame, length, false, now); });
    run_timers(now);
    // The application acts until the sockets stop reporting news: a send can free room
    // for more, a receive can open the window.
    for (int turn = 0; step && turn < 8; turn++) {
        m_changed = false;
        *finished = TRY((*step)(now));
        if (*finished || !m_changed) break;
    }
    run_timers(now);
    send_due(now);
    Nanos next = net::earliest(m_stack->next_deadline(), m_tcp->next_deadline());
    next = net::earliest(next, m_incoming.next_due());
    next = net::earliest(next, m_outgoing.next_due());
    if (m_changed) next = now;  // the application has not seen the last news yet
    return next;
}

Result<void> TapStack::read_frames(Nanos now) {
    for (unsigned i = 0; i < kReadBudget; i++) {
        auto length = m_device.read(m_frame.data(), m_frame.size());
        if (length.is_error()) {
            if (length.error() == EAGAIN) return {};
            return Error(length.error());
        }
        m_incoming.push(m_frame.data(), length.value(), now);
    }
    return {};
}

void TapStack::run_timers(Nanos now) {
    // Bounded, as the kernel's StackAccess is: timers that keep re-arming in the past get
    // the next round.
    for (int i = 0; i < 64; i++) {
        Nanos stack_due = m_stack->next_deadline();
        Nanos tcp_due = m_tcp->next_deadline();
        bool stack_ready = stack_due != net::kNoDeadline && stack_due <= now;
        bool tcp_ready = tcp_due != net::kNoDeadline && tcp_due <= now;
        if (!stack_ready && !tcp_ready) return;
        if (stack_ready) m_stack->on_timers(now);
        if (tcp_ready) m_tcp->on_timers(now);
    }
}

void TapStack::send_due(Nanos now) {
    m_outgoing.release_due(now, [&](const u8* frame, usize length) {
        if (auto written = m_device.write(frame, length); written.is_error()) {
            // EIO: the interface is down on the Linux side. Counted like a lost frame;
            // the statistics show it.
            m_write_errors++;
            m_last_write_error = written.error();
        }
    });
}

Result<void> TapStack::wait(Nanos until) {
    Nanos now = monotonic_now();
    timespec timeout{};  // callers always pass a deadline; a past one only polls
    if (until != net::kNoDeadline && until > now) {
        Nanos left = until - now;
        timeout.tv_sec = static_cast<time_t>(left / net::kSecond);
        timeout.tv_nsec = static_cast<long>(left % net::kSecond);
    }
    pollfd fd{m_device.fd(), POLLIN, 0};
    sigset_t unblocked;
    sigprocmask(SIG_SETMASK, nullptr, &unblocked);
    sigdelset(&unblocked, SIGTERM);
    sigdelset(&unblocked, SIGINT);
    if (ppoll(&fd, 1, &timeout, &unblocked) < 0 && errno != EINTR) return Error(errno);
    return {};
}

Result<void> TapStack::transmit(const net::Gather& frame, const net::PartialChecksum*) {
    // Copied at once: the runs of a Gather live only during this call.
    std::vector<u8> bytes(frame.length());
    frame.copy_out(0, bytes.data(), bytes.size());
    // The clock, not the round's time: the application's calls come between rounds.
    Nanos now = monotonic_now();
    m_outgoing.push(bytes.data(), bytes.size(), now);
    // With no delay the frame goes out now, as a NIC would send it.
    send_due(now);
    return {};
}

void TapStack::address_removed(const net::Interface& interface) {
    std::fprintf(stderr, "netstack_tap: %s lost its address\n", interface.name());
}

void TapStack::print_stats(FILE* out) const {
    auto path = [&](const char* name, const PathCounters& c) {
        std::fprintf(out,
                     "netstack_tap: %s: %" PRIu64 " frames, lost %" PRIu64 ", corrupted %" PRIu64
                     ", duplicated %" PRIu64 ", reordered %" PRIu64 ", overflowed %" PRIu64 "\n",
                     name, c.frames, c.lost, c.corrupted, c.duplicated, c.reordered, c.overflowed);
    };
    path("frames from Linux", m_incoming.counters());
    path("frames to Linux", m_outgoing.counters());
    if (m_write_errors)
        std::fprintf(out, "netstack_tap: %" PRIu64 " frames not written to the TAP device (last error %s)\n",
                     m_write_errors, err::name(m_last_write_error));
    const net::InterfaceCounters& link = m_stack->interface(m_interface)->counters();
    std::fprintf(out,
                 "netstack_tap: link: rx %" PRIu64 " (errors %" PRIu64 ", dropped %" PRIu64 ", no handler %" PRIu64
                 "), tx %" PRIu64 " (errors %" PRIu64 ", dropped %" PRIu64 ")\n",
                 link.rx_packets, link.rx_errors, link.rx_dropped, link.rx_nohandler, link.tx_packets, link.tx_errors,
                 link.tx_dropped);
    const net::ipv4::IpStats& ip = m_stack->ip_stats();
    std::fprintf(out,
                 "netstack_tap: ip: in %" PRIu64 ", header errors %" PRIu64 ", discards %" PRIu64 ", delivered %" PRIu64
                 ", out %" PRIu64 "\n",
                 ip.in_receives, ip.in_hdr_errors, ip.in_discards, ip.in_delivers, ip.out_requests);
    const net::tcp::Stats& tcp = m_tcp->stats();
    std::fprintf(out,
                 "netstack_tap: tcp: segments in %" PRIu64 ", out %" PRIu64 ", retransmitted %" PRIu64 " (fast %" PRIu64
                 ", timeouts %" PRIu64 "), out of order kept %" PRIu64 ", dropped %" PRIu64 ", checksum errors %" PRIu64
                 ", bad segments %" PRIu64 ", resets sent %" PRIu64 ", connections reset %" PRIu64
                 ", TIME_WAIT reopened %" PRIu64 "\n",
                 tcp.in_segs, tcp.out_segs, tcp.retrans_segs, tcp.fast_retrans, tcp.timeouts, tcp.ofo_queue,
                 tcp.ofo_drops, tcp.in_csum_errors, tcp.in_errs, tcp.out_rsts, tcp.estab_resets,
                 tcp.time_wait_recycled);
}

}  // namespace interop
