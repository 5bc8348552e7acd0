#include "lib/log.h"

#include "drivers/serial/channels.h"
#include "sched/clock.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "lib/atomic.h"
#include "text/format.h"

namespace klog {

namespace {

// Writers on several CPUs take turns: each write() is whole on the channel (vlog makes a
// line one write). A CPU that already holds the turn (an NMI or a panic in the middle of
// a line) writes anyway, and a turn held past a bound is taken: a CPU that stopped while
// printing must not silence the others' reports. With one CPU online there is nothing to
// take turns with.
kstd::Atomic<u32> g_writer{0};  // 1 + the CPU number of the CPU writing; 0: none

class KernelLogSink final : public text::Sink {
public:
    void write(std::string_view bytes) override {
        if (smp::online_count() <= 1) {
            channels::kernel_log().write(bytes);
            return;
        }
        bool restore = cpu::interrupts_enabled();
        cpu::disable_interrupts();
        u32 me = this_cpu()->id + 1;
        bool nested = g_writer.load(kstd::acquire) == me;
        if (!nested) {
            u64 give_up = cpu::rdtsc() + ktime::ns_to_tsc(100'000'000);
            cpu::SpinWait spin;
            for (;;) {
                u32 none = 0;
                if (g_writer.compare_exchange_strong(none, me, kstd::acquire)) break;
                if (static_cast<i64>(cpu::rdtsc() - give_up) > 0) {
                    g_writer.store(me, kstd::relaxed);
                    break;
                }
                spin.once();
            }
        }
        channels::kernel_log().write(bytes);
        if (!nested) g_writer.store(0, kstd::release);
        if (restore) cpu::enable_interrupts();
    }
};

KernelLogSink g_sink;
Level g_level = Level::Warn;

constexpr std::string_view kLevelTags[] = {"error", "warn", "info", "debug"};

}  // namespace

void set_level(Level level) { g_level = level; }
Level level() { return g_level; }
bool enabled(Level level) { return static_cast<u8>(level) <= static_cast<u8>(g_level); }

bool parse_level(std::string_view name, Level& out) {
    for (u8 i = 0; i < 4; i++) {
        if (name == kLevelTags[i] || (name.size() == 1 && name[0] == '0' + i)) {
            out = static_cast<Level>(i);
            return true;
        }
    }
    return false;
}

text::Sink& console() { return g_sink; }

void vlog(Level level, std::string_view format, std::span<const text::Arg> args) {
    // One write per line, so lines from several CPUs do not interleave; a line too long
    // for the buffer is cut.
    char line[512];
    text::BufferSink sink(line, sizeof line - 1);
    u64 ns = ktime::monotonic_ns();
    text::format_to(sink, "[{:5}.{:06}] {}: ", ns / 1000000000, (ns / 1000) % 1000000,
                    kLevelTags[static_cast<u8>(level)]);
    text::vformat(sink, format, args);
    usize length = sink.view().size();
    line[length] = '\n';
    g_sink.write(std::string_view(line, length + 1));
}

}  // namespace klog
