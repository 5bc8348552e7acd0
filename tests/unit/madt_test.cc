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
