#include "net/engine.h"

#include "arch/x86_64/cpu.h"
#include "lib/atomic.h"
#include "lib/log.h"
#include "lib/panic.h"
#include "lib/random.h"
#include "net/device.h"
#include "net/frame_trace.h"
#include "net/interface_config.h"
#include "net/resolv_conf.h"
#include "sched/clock.h"
#include "sched/thread.h"
#include "sched/timer.h"
#include "sync/mutex.h"
#include "sync/wait_queue.h"

namespace net {

namespace {

class KernelRandom final : public RandomSource {
public:
    u64 next_u64() override { return krandom::next_u64(); }
};

// What the stack reports, passed on to the kernel socket it concerns (Socket::user holds
// its StackEvents) or acted on (an address configured: /etc/resolv.conf, the log).
class Callbacks final : public NetStack::Callbacks, public tcp::Events {
public:
    void changed(udp::Socket& socket, u32 what) override {
        if (socket.user) static_cast<StackEvents*>(socket.user)->stack_changed(what);
    }
    void changed(tcp::Socket& socket, u32 what) override {
        if (socket.user) static_cast<StackEvents*>(socket.user)->stack_changed(what);
    }
    void address_configured(const Interface& interface, const IpConfig& config) override;
    void address_removed(const Interface& interface) override {
        klog::warn("net: {} lost its address", interface.name());
    }
};

// The network thread's work: frames to take from a NIC, or a timer that expired. Set from
// interrupt handlers, so guarded by the wait queue's (interrupt-disabling) lock.
struct Work {
    WaitQueue queue;
    bool pending = false;  // guarded by queue's lock
};

struct Engine {
    Mutex lock{"net stack"};  // the stack lock (see engine.h)
    KernelRandom random;
    Callbacks callbacks;
    NetStack* stack = nullptr;  // guarded by lock
    tcp::Tcp* tcp = nullptr;    // guarded by lock
    Work work;
    Timer timer;
    u64 armed_tsc = 0;          // the timer's deadline (0: not armed); guarded by lock
    unsigned device_index[4] = {};  // the stack's interface index of each NIC
    bool link[4] = {};              // the link state last told to the stack; guarded by lock
    bool trace = false;             // trace_net: print every frame (set once at start-up)
};

Engine* g_engine = nullptr;  // set once at start-up

// The stack is up and g_engine may be used: set (release) once it is configured, before
// its thread runs. Read without a lock by started() and StackAccess.
kstd::Atomic<bool> g_stack_ready{false};
// A start put off until the network is first used (start()); guarded by g_stack_start_lock,
// which is taken before the stack lock and never inside it.
Mutex g_stack_start_lock{"net start"};
const cmdline::CommandLine* g_deferred_cmdline = nullptr;
// /etc/resolv.conf was written from a static ip= when the start was put off: the address
// callback, which may then run inside a system call that holds file-system locks, must not
// write it again. Set once, before any start.
bool g_static_resolv_written = false;

void kick(void*) {
    Engine& e = *g_engine;
    e.work.queue.locked([&] { e.work.pending = true; });
    e.work.queue.wake_one();
}

void on_timer(Timer&) { kick(nullptr); }

void format_address(char (&out)[16], Ipv4Address a) {
    text::BufferSink sink(out, sizeof out);
    text::format_to(sink, "{}.{}.{}.{}", a.octet(0), a.octet(1), a.octet(2), a.octet(3));
}

void Callbacks::address_configured(const Interface& interface, const IpConfig& config) {
    char address[16], gateway[16];
    format_address(address, config.address.address);
    format_address(gateway, config.gateway);
    klog::info("net: {} is {}/{}{}{} ({})", interface.name(), address, config.address.length,
               config.gateway.is_any() ? "" : ", gateway ", config.gateway.is_any() ? "" : gateway,
               config.origin == AddressOrigin::Dhcp ? "DHCP" : "static");
    if (config.dns_count && !(config.origin == AddressOrigin::Static && g_static_resolv_written))
        write_resolv_conf(config);
}

// Feeds the frames a NIC received into the stack. The lock is held.
void receive_from(NetDevice& device, unsigned index, Nanos now) {
    struct Context {
        NetStack* stack;
        unsigned index;
        Nanos now;
        const char* trace_name;  // null: not tracing
    } context{g_engine->stack, index, now, g_engine->trace ? device.name() : nullptr};
    constexpr usize kBudget = 64;
    while (device.poll_receive(
               kBudget,
               [](void* c, const ReceivedFrame& frame) {
                   auto* ctx = static_cast<Context*>(c);
                   if (ctx->trace_name)
                       frame_trace::print_frame(ctx->trace_name, FrameDirection::In, frame.data, frame.length);
                   ctx->stack->receive_frame(ctx->index, frame.data, frame.length, frame.checksum_verified, ctx->now);
               },
               &context) == kBudget) {
    }
}

// The network thread: waits for work, then runs it under the stack lock.
[[noreturn]] void run(void*) {
    Engine& e = *g_engine;
    for (;;) {
        (void)e.work.queue.wait_until([&] {
            bool had = e.work.pending;
            e.work.pending = false;
            return had;
        });
        StackAccess access;
        for (usize i = 0; i < device_count(); i++) {
            NetDevice& nic = *device(i);
            bool up = nic.link_up();
            if (up != e.link[i]) {
                e.link[i] = up;
                access.stack().set_link(e.device_index[i], up, access.now());
                klog::info("net: {} link {}", nic.name(), up ? "up" : "down");
            }
            receive_from(nic, e.device_index[i], access.now());
        }
        access.stack().on_timers(access.now());
        access.tcp().on_timers(access.now());
    }
}

void configure(NetStack& stack, unsigned index, const char* name, std::string_view text, Nanos now) {
    const char* why = nullptr;
    auto config = InterfaceConfig::parse(text, &why);
    if (config.is_error()) {
        klog::error("net: ip={}: {}; {} stays unconfigured", text, why, name);
        return;
    }
    const InterfaceConfig& c = config.value();
    if (c.mode == InterfaceConfig::Mode::None) return;
    if (c.mode == InterfaceConfig::Mode::Dhcp) {
        if (auto started = stack.start_dhcp(index, "osprey", now); started.is_error())
            klog::error("net: {}: DHCP did not start ({})", name, err::name(started.error()));
        return;
    }
    IpConfig ip;
    ip.address = c.address;
    ip.gateway = c.gateway;
    for (usize i = 0; i < c.dns_count; i++) ip.dns[ip.dns_count++] = c.dns[i];
    ip.origin = AddressOrigin::Static;
    if (auto set = stack.configure_static(index, ip, now); set.is_error())
        klog::error("net: {}: ip={} refused ({})", name, text, err::name(set.error()));
}

// The static ip= value's /etc/resolv.conf, written as configure() + the address callback
// would write it: for a start put off, a program reading it before it uses the network.
void write_static_resolv_conf(std::string_view text) {
    auto config = InterfaceConfig::parse(text);
    if (config.is_error() || config.value().mode != InterfaceConfig::Mode::Static || config.value().dns_count == 0)
        return;
    IpConfig ip;
    for (usize i = 0; i < config.value().dns_count; i++) ip.dns[ip.dns_count++] = config.value().dns[i];
    ip.origin = AddressOrigin::Static;
    write_resolv_conf(ip);
    g_static_resolv_written = true;
}

void bring_up_stack(const cmdline::CommandLine& cmdline) {
    static Engine engine;
    g_engine = &engine;
    auto* stack = new (std::nothrow) NetStack(engine.random, engine.callbacks);
    if (!stack) {
        klog::error("net: no memory for the network stack; networking is off");
        g_engine = nullptr;
        return;
    }
    engine.stack = stack;
    auto tcp = tcp::Tcp::create(*stack, engine.random, engine.callbacks);
    if (tcp.is_error() || stack->register_protocol(kProtoTcp, *tcp.value()).is_error()) {
        klog::error("net: no memory for TCP; networking is off");
        g_engine = nullptr;
        return;
    }
    engine.tcp = tcp.value();
    engine.timer.callback = on_timer;
    Nanos now = ktime::monotonic_ns();
    std::string_view ip = cmdline.get("ip").value_or("dhcp");
    engine.trace = cmdline.has("trace_net");
    if (engine.trace) stack->set_loopback_tap(&frame_trace::loopback_tap());
    for (usize i = 0; i < device_count() && i < 4; i++) {
        NetDevice& nic = *device(i);
        FrameSink& sink = engine.trace ? frame_trace::make_sink(nic) : nic;
        auto index = stack->add_ethernet(nic.name(), nic.mac(), nic.mtu(), sink);
        if (index.is_error()) {
            klog::error("net: {} cannot be added ({})", nic.name(), err::name(index.error()));
            continue;
        }
        engine.device_index[i] = index.value();
        engine.link[i] = nic.link_up();
        stack->set_link(index.value(), engine.link[i], now);
        nic.set_notify(kick, nullptr);
        configure(*stack, index.value(), nic.name(), ip, now);
    }
    g_stack_ready.store(true, kstd::release);  // before the thread, whose first StackAccess needs it
    auto thread = Thread::spawn("net", run, nullptr, {.nice = -10, .detached = true});
    if (thread.is_error()) panic("no memory for the network thread");
    kick(nullptr);  // a first pass: frames that came early, the first DHCP timer
}

}  // namespace

namespace engine {

// Under TCG a start-up's time is the code it translates (docs/performance.md, issue 17), and
// the stack's set-up is ~8% of it: with a static address (or none) nothing needs it before
// the program first uses the network, so it waits until then. DHCP takes time and begins at
// once, as does a value that cannot be parsed (its error is logged now).
void start(const cmdline::CommandLine& cmdline) {
    std::string_view ip = cmdline.get("ip").value_or("dhcp");
    auto config = InterfaceConfig::parse(ip);
    if (config.is_error() || config.value().mode == InterfaceConfig::Mode::Dhcp) {
        bring_up_stack(cmdline);
        return;
    }
    if (device_count() > 0) write_static_resolv_conf(ip);
    g_deferred_cmdline = &cmdline;
}

bool started() {
    if (g_stack_ready.load(kstd::acquire)) return true;
    MutexLocker guard(g_stack_start_lock);
    if (const cmdline::CommandLine* deferred = g_deferred_cmdline) {
        g_deferred_cmdline = nullptr;  // one attempt: a stack without memory stays off
        bring_up_stack(*deferred);
    }
    return g_stack_ready.load(kstd::acquire);
}

}  // namespace engine

StackAccess::StackAccess() {
    // Every user of the stack comes through here: the interface ioctls reach it from any
    // socket, an AF_UNIX one too, before anything else started it.
    if (!engine::started()) panic("net: the network stack is used but could not start");
    g_engine->lock.lock();
    m_now = ktime::monotonic_ns();
}

StackAccess::~StackAccess() {
    Engine& e = *g_engine;
    NetStack& stack = *e.stack;
    tcp::Tcp& tcp = *e.tcp;
    // Loopback packets this operation queued, and what their delivery queues in turn
    // (an ACK for a segment), with anything else that fell due: bounded, so a storm cannot
    // hold the lock for ever (the network thread takes the rest).
    for (int round = 0; round < 64; round++) {
        Nanos due = stack.next_deadline();
        Nanos tcp_due = tcp.next_deadline();
        bool stack_due = due != kNoDeadline && due <= m_now;
        bool timers_due = tcp_due != kNoDeadline && tcp_due <= m_now;
        if (!stack_due && !timers_due) break;
        if (stack_due) stack.on_timers(m_now);
        if (timers_due) tcp.on_timers(m_now);
    }
    Nanos next = earliest(stack.next_deadline(), tcp.next_deadline());
    if (next != kNoDeadline) {
        u64 tsc = next <= m_now ? cpu::rdtsc() : ktime::deadline_after_ns(next - m_now);
        // Re-arm only to fire earlier (a late deadline just costs one early wake-up).
        if (!e.armed_tsc || !timers::armed(e.timer) || static_cast<i64>(tsc - e.armed_tsc) < 0) {
            e.armed_tsc = tsc;
            timers::arm(e.timer, tsc);
        }
    }
    e.lock.unlock();
}

NetStack& StackAccess::stack() { return *g_engine->stack; }
tcp::Tcp& StackAccess::tcp() { return *g_engine->tcp; }

}  // namespace net
