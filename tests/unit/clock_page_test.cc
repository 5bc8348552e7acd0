#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "time/clock_page.h"

namespace {

using vclock::ClockPage;
using vclock::ClockParams;

ClockParams tsc_params(u64 hz, u64 base, u64 offset) {
    ClockParams p;
    p.mode = vclock::Mode::Tsc;
    p.shift = 32;
    p.tsc_base = base;
    p.mult = vclock::mult_for_frequency(hz, 32);
    p.realtime_offset_ns = offset;
    p.resolution_ns = 1;
    return p;
}

TEST(ClockPage, OneSecondOfTicksIsOneSecondWithinTheRoundingBound) {
    // The multiplier is rounded down: slow by at most hz / 2^32 ns per second.
    for (u64 hz : {100'000'000ull, 1'000'000'000ull, 2'893'437'000ull, 3'000'000'001ull, 100'000'000'000ull}) {
        u64 ns = vclock::ticks_to_ns(hz, vclock::mult_for_frequency(hz, 32), 32);
        EXPECT_LE(ns, 1'000'000'000u) << hz;
        EXPECT_GE(ns, 1'000'000'000u - 1 - hz / (1ull << 32)) << hz;
    }
}

TEST(ClockPage, TicksToNsIsExactForAGigahertzTsc) {
    u64 mult = vclock::mult_for_frequency(1'000'000'000, 32);
    EXPECT_EQ(mult, 1ull << 32);
    EXPECT_EQ(vclock::ticks_to_ns(123'456'789'012'345ull, mult, 32), 123'456'789'012'345ull);
}

TEST(ClockPage, TicksToNsDoesNotOverflowAfterACentury) {
    // 100 years of a 3 GHz TSC: the 64-bit product would have wrapped long before.
    u64 hz = 3'000'000'000ull;
    u64 ticks = hz * 86400 * 365 * 100;
    u64 ns = vclock::ticks_to_ns(ticks, vclock::mult_for_frequency(hz, 32), 32);
    u64 expected = 1'000'000'000ull * 86400 * 365 * 100;
    EXPECT_NEAR(static_cast<double>(ns), static_cast<double>(expected), 1e-9 * static_cast<double>(expected));
}

TEST(ClockPage, MonotonicCountsFromTheBaseAndNeverBelowZero) {
    ClockParams p = tsc_params(1'000'000'000, 5000, 0);
    EXPECT_EQ(vclock::monotonic_ns(p, 5000), 0u);
    EXPECT_EQ(vclock::monotonic_ns(p, 4000), 0u);
    EXPECT_EQ(vclock::monotonic_ns(p, 7500), 2500u);
}

TEST(ClockPage, ReadReturnsWhatWasPublished) {
    ClockPage page{};
    ClockParams p = tsc_params(2'000'000'000, 1000, 1'577'836'800'000'000'000ull);
    vclock::publish(page, p);
    auto reading = vclock::read(page, [] { return u64{1000 + 2'000'000'000ull}; });
    EXPECT_EQ(reading.params.mode, vclock::Mode::Tsc);
    EXPECT_EQ(reading.params.tsc_base, 1000u);
    EXPECT_EQ(reading.params.mult, p.mult);
    EXPECT_EQ(reading.params.realtime_offset_ns, p.realtime_offset_ns);
    EXPECT_EQ(reading.monotonic_ns(), 1'000'000'000u);
    EXPECT_EQ(page.sequence % 2, 0u);
}

TEST(ClockPage, AReaderRetriesWhileTheWriterIsInside) {
    ClockPage page{};
    vclock::publish(page, tsc_params(1'000'000'000, 0, 0));
    page.sequence++;  // as publish() leaves it halfway
    vclock::Reading reading;
    EXPECT_FALSE(vclock::try_read(page, [] { return u64{0}; }, reading));
    page.sequence++;
    EXPECT_TRUE(vclock::try_read(page, [] { return u64{0}; }, reading));
}

TEST(ClockPage, AReaderRetriesWhenAnUpdateHappenedDuringItsRead) {
    ClockPage page{};
    vclock::publish(page, tsc_params(1'000'000'000, 0, 0));
    vclock::Reading reading;
    // The TSC is read between the loads of the numbers and the second look at the count.
    EXPECT_FALSE(vclock::try_read(page, [&] {
        vclock::publish(page, tsc_params(1'000'000'000, 0, 1));
        return u64{0};
    }, reading));
}

TEST(ClockPage, SyscallModeReadsNoTsc) {
    ClockPage page{};
    ClockParams p;
    p.mode = vclock::Mode::Syscall;
    vclock::publish(page, p);
    bool tsc_read = false;
    auto reading = vclock::read(page, [&] { tsc_read = true; return u64{0}; });
    EXPECT_EQ(reading.params.mode, vclock::Mode::Syscall);
    EXPECT_FALSE(tsc_read);
}

TEST(ClockPage, ConcurrentReadersNeverSeeAHalfWrittenUpdate) {
    // The writer keeps every field equal to one counter; a torn reading would mix two.
    ClockPage page{};
    auto params_for = [](u64 n) {
        ClockParams p;
        p.mode = vclock::Mode::Tsc;
        p.shift = static_cast<u32>(n % 64);
        p.tsc_base = p.mult = p.realtime_offset_ns = p.resolution_ns = n;
        return p;
    };
    vclock::publish(page, params_for(1));
    std::atomic<bool> done{false};
    std::atomic<int> started{0};
    std::atomic<u64> torn{0}, reads{0};
    auto reader = [&] {
        started++;
        do {  // at least once, however the threads are scheduled
            auto r = vclock::read(page, [] { return u64{0}; });
            u64 n = r.params.tsc_base;
            if (r.params.mult != n || r.params.realtime_offset_ns != n || r.params.resolution_ns != n ||
                r.params.shift != n % 64)
                torn++;
            reads++;
        } while (!done.load());
    };
    std::thread a(reader), b(reader);
    // The writer starts once both readers run, so they overlap it on a loaded host too.
    while (started.load() < 2) std::this_thread::yield();
    for (u64 n = 2; n < 200'000; n++) vclock::publish(page, params_for(n));
    done = true;
    a.join();
    b.join();
    EXPECT_EQ(torn.load(), 0u);
    EXPECT_GT(reads.load(), 0u);
}

}  // namespace
