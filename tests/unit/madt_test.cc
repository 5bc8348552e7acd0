#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "acpi/madt.h"

namespace {

using Bytes = std::vector<u8>;

template <typename T>
void put(Bytes& bytes, T value) {
    usize at = bytes.size();
    bytes.resize(at + sizeof value);
    std::memcpy(bytes.data() + at, &value, sizeof value);
}

// An MADT with its header, checksum left out (parse_madt reads a table already checked).
Bytes madt(u32 flags, const Bytes& entries) {
    Bytes t(acpi::kSdtHeaderSize, 0);
    std::memcpy(t.data(), "APIC", 4);
    put<u32>(t, 0xfee00000);
    put<u32>(t, flags);
    t.insert(t.end(), entries.begin(), entries.end());
    u32 length = u32(t.size());
    std::memcpy(t.data() + 4, &length, 4);
    return t;
}

Bytes local_apic(u8 id) { return {0, 8, id, id, 1, 0, 0, 0}; }

Bytes local_apic(u8 acpi_id, u8 apic_id, u32 flags) {
    Bytes e = {0, 8, acpi_id, apic_id};
    put(e, flags);
    return e;
}

Bytes local_x2apic(u32 apic_id, u32 flags, u32 acpi_uid) {
    Bytes e = {9, 16, 0, 0};
    put(e, apic_id);
    put(e, flags);
    put(e, acpi_uid);
    return e;
}

Bytes io_apic(u8 id, u32 address, u32 gsi_base) {
    Bytes e = {1, 12, id, 0};
    put(e, address);
    put(e, gsi_base);
    return e;
}

Bytes override_entry(u8 bus, u8 source, u32 gsi, u16 flags) {
    Bytes e = {2, 10, bus, source};
    put(e, gsi);
    put(e, flags);
    return e;
}

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes all;
    for (auto& p : parts) all.insert(all.end(), p.begin(), p.end());
    return all;
}

// What QEMU's pc machine describes: one I/O APIC, IRQ 0 on GSI 2, and the PCI interrupt
// lines 5, 9, 10, 11 level-triggered, active high.
Bytes qemu_pc_madt() {
    return madt(1, concat({local_apic(0), io_apic(0, 0xfec00000, 0), override_entry(0, 0, 2, 0),
                           override_entry(0, 5, 5, 0xd), override_entry(0, 9, 9, 0xd),
                           override_entry(0, 10, 10, 0xd), override_entry(0, 11, 11, 0xd),
                           {4, 6, 0xff, 0, 0, 1}}));
}

TEST(Madt, FindsTheIoApicAndTheLocalApic) {
    auto table = qemu_pc_madt();
    auto parsed = acpi::parse_madt(table);
    ASSERT_TRUE(parsed.is_ok());
    const acpi::Madt& m = parsed.value();
    EXPECT_EQ(m.local_apic_address, 0xfee00000u);
    EXPECT_TRUE(m.has_legacy_pics);
    ASSERT_EQ(m.io_apic_count, 1u);
    EXPECT_EQ(m.io_apics[0].address, 0xfec00000u);
    EXPECT_EQ(m.io_apics[0].gsi_base, 0u);
    EXPECT_EQ(m.override_count, 5u);
    ASSERT_EQ(m.processor_count, 1u);
    EXPECT_EQ(m.processors[0].apic_id, 0u);
    EXPECT_TRUE(m.processors[0].enabled);
}

TEST(Madt, OverridesGiveGsiPolarityAndTrigger) {
    auto table = qemu_pc_madt();
    auto m = acpi::parse_madt(table).value();
    auto timer = m.route_isa_irq(0);
    EXPECT_EQ(timer.gsi, 2u);
    EXPECT_EQ(timer.trigger, acpi::Trigger::Edge) << "flags 0 conform to ISA: edge";
    EXPECT_EQ(timer.polarity, acpi::Polarity::ActiveHigh);
    auto pci = m.route_isa_irq(11);
    EXPECT_EQ(pci.gsi, 11u);
    EXPECT_EQ(pci.trigger, acpi::Trigger::Level);
    EXPECT_EQ(pci.polarity, acpi::Polarity::ActiveHigh);
    auto serial = m.route_isa_irq(4);
    EXPECT_EQ(serial.gsi, 4u) << "no override: the same number";
    EXPECT_EQ(serial.trigger, acpi::Trigger::Edge);
}

TEST(Madt, ActiveLowLevelOverrideAndSecondIoApic) {
    auto table = madt(0, concat({io_apic(1, 0xfec00000, 0), io_apic(2, 0xfec10000, 24),
                                 override_entry(0, 9, 20, 0xf), override_entry(1, 3, 30, 0xf)}));
    auto m = acpi::parse_madt(table).value();
    EXPECT_FALSE(m.has_legacy_pics);
    ASSERT_EQ(m.io_apic_count, 2u);
    EXPECT_EQ(m.io_apics[1].gsi_base, 24u);
    auto sci = m.route_isa_irq(9);
    EXPECT_EQ(sci.gsi, 20u);
    EXPECT_EQ(sci.polarity, acpi::Polarity::ActiveLow);
    EXPECT_EQ(sci.trigger, acpi::Trigger::Level);
    EXPECT_EQ(m.override_count, 1u) << "overrides for buses other than ISA are ignored";
}

TEST(Madt, EntryRunningPastTheEndIsRefused) {
    auto table = madt(0, io_apic(1, 0xfec00000, 0));
    table.push_back(1);
    table.push_back(12);  // an I/O APIC entry with 2 of its 12 bytes
    u32 length = u32(table.size());
    std::memcpy(table.data() + 4, &length, 4);
    EXPECT_EQ(acpi::parse_madt(table).error(), EINVAL);
    auto zero_length = madt(0, {1, 0});
    EXPECT_EQ(acpi::parse_madt(zero_length).error(), EINVAL);
    auto short_io_apic = madt(0, {1, 4, 0, 0});
    EXPECT_EQ(acpi::parse_madt(short_io_apic).error(), EINVAL);
}

TEST(Madt, ListsProcessorsWithTheirApicIdsAndFlags) {
    // As QEMU describes -smp 2,maxcpus=4: two present processors, two that are not.
    auto table = madt(1, concat({local_apic(0, 0, 1), local_apic(1, 1, 1), local_apic(2, 2, 0),
                                 local_apic(3, 3, 2), io_apic(0, 0xfec00000, 0)}));
    auto m = acpi::parse_madt(table).value();
    ASSERT_EQ(m.processor_count, 4u);
    EXPECT_EQ(m.processors[1].apic_id, 1u);
    EXPECT_EQ(m.processors[1].acpi_uid, 1u);
    EXPECT_TRUE(m.processors[0].enabled);
    EXPECT_TRUE(m.processors[1].enabled);
    EXPECT_FALSE(m.processors[2].enabled);
    EXPECT_FALSE(m.processors[2].online_capable);
    EXPECT_FALSE(m.processors[3].enabled);
    EXPECT_TRUE(m.processors[3].online_capable);
    EXPECT_FALSE(m.processors[0].x2apic);
    EXPECT_EQ(m.io_apic_count, 1u) << "processor entries do not disturb the rest";
}

TEST(Madt, ApicIdAndAcpiIdAreReadFromTheirOwnBytes) {
    auto table = madt(0, local_apic(7, 3, 1));
    auto m = acpi::parse_madt(table).value();
    ASSERT_EQ(m.processor_count, 1u);
    EXPECT_EQ(m.processors[0].apic_id, 3u);
    EXPECT_EQ(m.processors[0].acpi_uid, 7u);
}

TEST(Madt, X2apicEntriesCarryWideIds) {
    auto table = madt(0, concat({local_apic(0, 0, 1), local_x2apic(0x1234, 1, 0x10001), local_x2apic(300, 2, 5)}));
    auto m = acpi::parse_madt(table).value();
    ASSERT_EQ(m.processor_count, 3u);
    EXPECT_EQ(m.processors[1].apic_id, 0x1234u);
    EXPECT_EQ(m.processors[1].acpi_uid, 0x10001u);
    EXPECT_TRUE(m.processors[1].x2apic);
    EXPECT_TRUE(m.processors[1].enabled);
    EXPECT_FALSE(m.processors[2].enabled);
    EXPECT_TRUE(m.processors[2].online_capable);
}

TEST(Madt, OnlineCapableMeansNothingForAnEnabledProcessor) {
    auto table = madt(0, local_apic(0, 0, 3));
    auto m = acpi::parse_madt(table).value();
    EXPECT_TRUE(m.processors[0].enabled);
    EXPECT_FALSE(m.processors[0].online_capable);
}

TEST(Madt, TruncatedProcessorEntriesAreRefused) {
    // A type 0 entry whose length byte says 6: too short for its flags.
    EXPECT_EQ(acpi::parse_madt(madt(0, {0, 6, 1, 1, 1, 0})).error(), EINVAL);
    // A type 9 entry cut to 12 bytes: no room for the UID.
    EXPECT_EQ(acpi::parse_madt(madt(0, {9, 12, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0})).error(), EINVAL);
    // A well-formed length byte, but the table ends inside the entry.
    auto cut = madt(0, local_apic(0, 0, 1));
    cut.push_back(9);
    cut.push_back(16);
    cut.push_back(0);
    u32 length = u32(cut.size());
    std::memcpy(cut.data() + 4, &length, 4);
    EXPECT_EQ(acpi::parse_madt(cut).error(), EINVAL);
    // A zero-length entry would loop forever if accepted.
    EXPECT_EQ(acpi::parse_madt(madt(0, concat({local_apic(0, 0, 1), {0, 0}}))).error(), EINVAL);
    // A length byte of 1 cannot even hold its own header.
    EXPECT_EQ(acpi::parse_madt(madt(0, {0, 1, 0, 0, 0, 0, 0, 0})).error(), EINVAL);
}

TEST(Madt, ProcessorsBeyondCapacityAreCountedNotKept) {
    Bytes entries;
    constexpr u32 kListed = acpi::Madt::kMaxProcessors + 10;
    for (u32 i = 0; i < kListed; i++) {
        auto e = local_x2apic(i, 1, i);
        entries.insert(entries.end(), e.begin(), e.end());
    }
    auto table = madt(0, entries);
    auto parsed = acpi::parse_madt(table);
    ASSERT_TRUE(parsed.is_ok());
    const acpi::Madt& m = parsed.value();
    EXPECT_EQ(m.processor_count, acpi::Madt::kMaxProcessors);
    EXPECT_EQ(m.processors_beyond_capacity, 10u);
    EXPECT_EQ(m.processors[acpi::Madt::kMaxProcessors - 1].apic_id, acpi::Madt::kMaxProcessors - 1);
}

TEST(Madt, RepeatedApicIdsAreKeptOnce) {
    // A type 0 and a type 9 entry for the same processor, and a plain repeat.
    auto table = madt(0, concat({local_apic(0, 0, 1), local_apic(1, 1, 1), local_x2apic(1, 1, 1), local_apic(2, 0, 1)}));
    auto m = acpi::parse_madt(table).value();
    EXPECT_EQ(m.processor_count, 2u);
    EXPECT_EQ(m.duplicate_processors, 2u);
    EXPECT_FALSE(m.processors[1].x2apic) << "the first listing wins";
}

TEST(Madt, OtherTablesAreNotMadts) {
    auto table = qemu_pc_madt();
    std::memcpy(table.data(), "FACP", 4);
    EXPECT_EQ(acpi::parse_madt(table).error(), EINVAL);
}

TEST(Madt, FlagDecodingFollowsMpsIntiFlags) {
    EXPECT_EQ(acpi::override_polarity(0, acpi::Polarity::ActiveLow), acpi::Polarity::ActiveLow);
    EXPECT_EQ(acpi::override_polarity(1, acpi::Polarity::ActiveLow), acpi::Polarity::ActiveHigh);
    EXPECT_EQ(acpi::override_polarity(3, acpi::Polarity::ActiveHigh), acpi::Polarity::ActiveLow);
    EXPECT_EQ(acpi::override_trigger(1 << 2, acpi::Trigger::Level), acpi::Trigger::Edge);
    EXPECT_EQ(acpi::override_trigger(3 << 2, acpi::Trigger::Edge), acpi::Trigger::Level);
    EXPECT_EQ(acpi::override_trigger(0, acpi::Trigger::Level), acpi::Trigger::Level);
}

}  // namespace
