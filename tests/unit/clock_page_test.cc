#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>

#include "time/clock_page.h"

namespace {

using vclock::ClockPage;
using vclock::ClockParams;

ClockParams tsc_params(u64 hz, u64 base, u64 offset) {
    ClockParams p;
    p.mode = vclock::Mode::Tsc;
    p.tsc_base = base;
    p.mult = vclock::mult_for_frequency(hz);
    p.realtime_offset_ns = offset;
    p.resolution_ns = 1;
    return p;
}

// A reading of `clock` at TSC value `tsc`, or nothing when the page sends it to the system
// call.
std::optional<u64> read_at(const ClockPage& page, u32 clock, u64 tsc) {
    u64 ns = 0;
    if (!vclock::clock_ns(page, clock, [=] { return tsc; }, ns)) return std::nullopt;
    return ns;
}

TEST(ClockPage, OneSecondOfTicksIsOneSecondWithinTheRoundingBound) {
    // The multiplier is rounded down: slow by at most hz / 2^32 ns per second.
    for (u64 hz : {100'000'000ull, 1'000'000'000ull, 2'893'437'000ull, 3'000'000'001ull, 100'000'000'000ull}) {
        u64 ns = vclock::ticks_to_ns(hz, vclock::mult_for_frequency(hz));
        EXPECT_LE(ns, 1'000'000'000u) << hz;
        EXPECT_GE(ns, 1'000'000'000u - 1 - hz / (1ull << 32)) << hz;
    }
}

TEST(ClockPage, TicksToNsIsExactForAGigahertzTsc) {
    u64 mult = vclock::mult_for_frequency(1'000'000'000);
    EXPECT_EQ(mult, 1ull << 32);
    EXPECT_EQ(vclock::ticks_to_ns(123'456'789'012'345ull, mult), 123'456'789'012'345ull);
}

TEST(ClockPage, TicksToNsDoesNotOverflowAfterACentury) {
    // 100 years of a 3 GHz TSC: the 64-bit product would have wrapped long before.
    u64 hz = 3'000'000'000ull;
    u64 ticks = hz * 86400 * 365 * 100;
    u64 ns = vclock::ticks_to_ns(ticks, vclock::mult_for_frequency(hz));
    u64 expected = 1'000'000'000ull * 86400 * 365 * 100;
    EXPECT_NEAR(static_cast<double>(ns), static_cast<double>(expected), 1e-9 * static_cast<double>(expected));
}

TEST(ClockPage, MonotonicClocksCountFromTheBase) {
    ClockPage page{};
    vclock::publish(page, tsc_params(1'000'000'000, 5000, 777'000'000'000));
    for (u32 clock : {vclock::kMonotonic, vclock::kMonotonicRaw, vclock::kMonotonicCoarse,
                      vclock::kBoottime}) {
        EXPECT_EQ(read_at(page, clock, 5000), 0u) << clock;
        EXPECT_EQ(read_at(page, clock, 7500), 2500u) << clock;
    }
}

TEST(ClockPage, RealtimeClocksAddTheWallClockOffset) {
    ClockPage page{};
    u64 offset = 1'577'836'800'000'000'000ull;
    vclock::publish(page, tsc_params(2'000'000'000, 1000, offset));
    for (u32 clock : {vclock::kRealtime, vclock::kRealtimeCoarse, vclock::kTai})
        EXPECT_EQ(read_at(page, clock, 1000 + 2'000'000'000ull), offset + 1'000'000'000u) << clock;
}

TEST(ClockPage, ATscBehindTheBaseGoesToTheSystemCall) {
    ClockPage page{};
    vclock::publish(page, tsc_params(1'000'000'000, 5000, 0));
    EXPECT_EQ(read_at(page, vclock::kMonotonic, 4999), std::nullopt);
}

TEST(ClockPage, OtherClocksGoToTheSystemCall) {
    ClockPage page{};
    vclock::publish(page, tsc_params(1'000'000'000, 0, 0));
    for (u32 clock : {2u, 3u, 8u, 9u, 10u, 12u, 31u, 32u, 1000u, ~0u})  // CPU time, alarms, unknown
        EXPECT_EQ(read_at(page, clock, 1), std::nullopt) << clock;
}

TEST(ClockPage, SyscallModeServesNoClockAndReadsNoTsc) {
    ClockPage page{};
    ClockParams p;
    p.mode = vclock::Mode::Syscall;
    vclock::publish(page, p);
    bool tsc_read = false;
    u64 ns = 0;
    EXPECT_FALSE(vclock::clock_ns(page, vclock::kMonotonic, [&] { tsc_read = true; return u64{0}; }, ns));
    EXPECT_FALSE(tsc_read);
    EXPECT_EQ(vclock::snapshot(page).tsc_clocks, 0u);
}

TEST(ClockPage, SnapshotReturnsWhatWasPublished) {
    ClockPage page{};
    ClockParams p = tsc_params(2'000'000'000, 1000, 1'577'836'800'000'000'000ull);
    p.resolution_ns = 7;
    vclock::publish(page, p);
    vclock::Snapshot copy = vclock::snapshot(page);
    EXPECT_EQ(copy.tsc_clocks, vclock::kMonotonicClocks | vclock::kRealtimeClocks);
    EXPECT_EQ(copy.tsc_base, 1000u);
    EXPECT_EQ(copy.mult, p.mult);
    EXPECT_EQ(copy.resolution_ns, 7u);
    EXPECT_EQ(copy.offset_ns[vclock::kRealtime], p.realtime_offset_ns);
    EXPECT_EQ(copy.offset_ns[vclock::kMonotonic], 0u);
    EXPECT_EQ(page.sequence % 2, 0u);
}

TEST(ClockPage, AReaderRetriesWhileTheWriterIsInside) {
    ClockPage page{};
    vclock::publish(page, tsc_params(1'000'000'000, 0, 0));
    page.sequence++;  // as publish() leaves it halfway
    vclock::Snapshot copy;
    EXPECT_FALSE(vclock::try_snapshot(page, copy));
    page.sequence++;
    EXPECT_TRUE(vclock::try_snapshot(page, copy));
}

TEST(ClockPage, AReaderRetriesWhenAnUpdateHappenedDuringItsRead) {
    ClockPage page{};
    vclock::publish(page, tsc_params(1'000'000'000, 0, 0));
    // The TSC is read between the loads of the numbers and the second look at the count:
    // the first reading sees an update and is thrown away, the second sees the new numbers.
    int reads = 0;
    u64 ns = 0;
    ASSERT_TRUE(vclock::clock_ns(page, vclock::kRealtime, [&] {
        if (reads++ == 0) vclock::publish(page, tsc_params(1'000'000'000, 0, 1'000'000));
        return u64{5};
    }, ns));
    EXPECT_EQ(reads, 2);
    EXPECT_EQ(ns, 1'000'005u);
}

TEST(ClockPage, ConcurrentReadersNeverSeeAHalfWrittenUpdate) {
    // The writer alternates between two clocks that give different times for one TSC
    // value; a torn reading would mix their numbers and give a third. The snapshot is
    // checked the same way: every field equal to one counter.
    ClockPage page{};
    constexpr u64 kTsc = 3'000'000'000ull;
    ClockParams a = tsc_params(1'000'000'000, 1'000'000'000, 5'000'000'000);
    ClockParams b = tsc_params(4'000'000'000, 0, 9'000'000'000);
    u64 from_a = 5'000'000'000 + 2'000'000'000, from_b = 9'000'000'000 + 750'000'000;
    vclock::publish(page, a);
    std::atomic<bool> done{false};
    std::atomic<int> started{0};
    std::atomic<u64> torn{0}, reads{0};
    auto reader = [&] {
        started++;
        do {  // at least once, however the threads are scheduled
            u64 ns = 0;
            if (!vclock::clock_ns(page, vclock::kRealtime, [] { return kTsc; }, ns) ||
                (ns != from_a && ns != from_b))
                torn++;
            vclock::Snapshot copy = vclock::snapshot(page);
            bool is_a = copy.tsc_base == a.tsc_base && copy.mult == a.mult &&
                        copy.offset_ns[vclock::kRealtime] == a.realtime_offset_ns;
            bool is_b = copy.tsc_base == b.tsc_base && copy.mult == b.mult &&
                        copy.offset_ns[vclock::kRealtime] == b.realtime_offset_ns;
            if (!is_a && !is_b) torn++;
            reads++;
        } while (!done.load());
    };
    std::thread first(reader), second(reader);
    // The writer starts once both readers run, so they overlap it on a loaded host too.
    while (started.load() < 2) std::this_thread::yield();
    for (int n = 0; n < 200'000; n++) vclock::publish(page, n % 2 ? a : b);
    done = true;
    first.join();
    second.join();
    EXPECT_EQ(torn.load(), 0u);
    EXPECT_GT(reads.load(), 0u);
}

}  // namespace
