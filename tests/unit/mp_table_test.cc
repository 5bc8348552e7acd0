#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "smp/mp_table.h"

namespace {

using Bytes = std::vector<u8>;

// The first 1 MiB of a machine in a buffer; anything beyond is inaccessible.
class FakeMemory final : public boot::PhysicalMemory {
public:
    FakeMemory() : m_bytes(0x100000, 0) {}
    const void* view(u64 phys, usize length) const override {
        if (phys > m_bytes.size() || length > m_bytes.size() - phys) return nullptr;
        return m_bytes.data() + phys;
    }
    void put(u64 phys, const Bytes& bytes) { std::memcpy(m_bytes.data() + phys, bytes.data(), bytes.size()); }

private:
    Bytes m_bytes;
};

template <typename T>
void put(Bytes& bytes, usize offset, T value) {
    if (bytes.size() < offset + sizeof value) bytes.resize(offset + sizeof value);
    std::memcpy(bytes.data() + offset, &value, sizeof value);
}

void fix_checksum(Bytes& bytes, usize checksum_offset, usize length) {
    bytes[checksum_offset] = 0;
    u8 sum = 0;
    for (usize i = 0; i < length; i++) sum = u8(sum + bytes[i]);
    bytes[checksum_offset] = u8(-sum);
}

Bytes floating_pointer(u32 table, u8 default_configuration = 0) {
    Bytes p(16, 0);
    std::memcpy(p.data(), "_MP_", 4);
    put<u32>(p, 4, table);
    p[8] = 1;
    p[9] = 4;
    p[11] = default_configuration;
    fix_checksum(p, 10, 16);
    return p;
}

Bytes processor(u8 apic_id, u8 flags) {
    Bytes e(20, 0);
    e[0] = 0;
    e[1] = apic_id;
    e[2] = 0x14;
    e[3] = flags;
    return e;
}

Bytes other_entry(u8 type) {
    Bytes e(8, 0);
    e[0] = type;
    return e;
}

// A configuration table as qboot writes it: entry count left 0, the length right.
Bytes config_table(const std::vector<Bytes>& entries, u16 entry_count = 0) {
    Bytes t(44, 0);
    std::memcpy(t.data(), "PCMP", 4);
    t[6] = 4;
    std::memcpy(t.data() + 8, "QBOOT   ", 8);
    put<u16>(t, 34, entry_count);
    put<u32>(t, 36, 0xfee00000);
    for (const Bytes& e : entries) t.insert(t.end(), e.begin(), e.end());
    put<u16>(t, 4, u16(t.size()));
    fix_checksum(t, 7, t.size());
    return t;
}

Bytes qboot_like_table(int cpus) {
    std::vector<Bytes> entries;
    for (int i = 0; i < cpus; i++) entries.push_back(processor(u8(i), i == 0 ? 3 : 1));
    entries.push_back(other_entry(1));  // bus
    entries.push_back(other_entry(2));  // I/O APIC
    for (int i = 0; i < 15; i++) entries.push_back(other_entry(3));
    entries.push_back(other_entry(4));
    entries.push_back(other_entry(4));
    return config_table(entries);
}

// What QEMU 7.2's microvm firmware (qboot) leaves at 0x9fc00 for -M microvm,acpi=off -smp 3:
// the floating pointer, then the table at 0x9fc10 (entry count 0, length 256).
const u8 kQbootMicrovmSmp3[] = {
    0x5f, 0x4d, 0x50, 0x5f, 0x10, 0xfc, 0x09, 0x00, 0x01, 0x04, 0x8b, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x50, 0x43, 0x4d, 0x50, 0x00, 0x01, 0x04, 0xea, 0x51, 0x42, 0x4f, 0x4f, 0x54, 0x20, 0x20, 0x20,
    0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x03,
    0xb1, 0x0f, 0x06, 0x00, 0xfd, 0xfb, 0x8b, 0x17, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0x14, 0x01, 0xb1, 0x0f, 0x06, 0x00, 0xfd, 0xfb, 0x8b, 0x17, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x14, 0x01, 0xb1, 0x0f, 0x06, 0x00, 0xfd, 0xfb, 0x8b, 0x17,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x49, 0x53, 0x41, 0x20, 0x20, 0x20,
    0x02, 0x04, 0x14, 0x01, 0x00, 0x00, 0xc0, 0xfe, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x02,
    0x03, 0x00, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x03, 0x04, 0x03,
    0x03, 0x00, 0x00, 0x00, 0x00, 0x04, 0x04, 0x04, 0x03, 0x00, 0x00, 0x00, 0x00, 0x05, 0x04, 0x05,
    0x03, 0x00, 0x00, 0x00, 0x00, 0x06, 0x04, 0x06, 0x03, 0x00, 0x00, 0x00, 0x00, 0x07, 0x04, 0x07,
    0x03, 0x00, 0x00, 0x00, 0x00, 0x08, 0x04, 0x08, 0x03, 0x00, 0x00, 0x00, 0x00, 0x09, 0x04, 0x09,
    0x03, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x04, 0x0a, 0x03, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x04, 0x0b,
    0x03, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x04, 0x0c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x04, 0x0d,
    0x03, 0x00, 0x00, 0x00, 0x00, 0x0e, 0x04, 0x0e, 0x03, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x04, 0x0f,
    0x04, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0xff, 0x01,
};

TEST(MpTable, ReadsTheTableQbootWrites) {
    FakeMemory memory;
    memory.put(0x9fc00, Bytes(std::begin(kQbootMicrovmSmp3), std::end(kQbootMicrovmSmp3)));
    auto found = mp_table::find(memory);
    ASSERT_TRUE(found.is_ok()) << found.error();
    const mp_table::Config& c = found.value();
    ASSERT_EQ(c.processor_count, 3u);
    for (u8 i = 0; i < 3; i++) {
        EXPECT_EQ(c.processors[i].apic_id, i);
        EXPECT_TRUE(c.processors[i].enabled);
        EXPECT_EQ(c.processors[i].bootstrap, i == 0);
    }
}

TEST(MpTable, ReadsEveryProcessorWithItsFlags) {
    auto table = qboot_like_table(3);
    auto parsed = mp_table::parse_config(table);
    ASSERT_TRUE(parsed.is_ok());
    const mp_table::Config& c = parsed.value();
    EXPECT_EQ(c.local_apic_address, 0xfee00000u);
    ASSERT_EQ(c.processor_count, 3u);
    EXPECT_EQ(c.processors[2].apic_id, 2u);
    EXPECT_TRUE(c.processors[0].bootstrap);
    EXPECT_FALSE(c.processors[1].bootstrap);
    EXPECT_TRUE(c.processors[1].enabled);
}

TEST(MpTable, DisabledProcessorsAreListedAsSuch) {
    auto table = config_table({processor(0, 3), processor(1, 0)}, 2);
    auto c = mp_table::parse_config(table).value();
    ASSERT_EQ(c.processor_count, 2u);
    EXPECT_FALSE(c.processors[1].enabled);
}

TEST(MpTable, ChecksumsAndSignaturesAreChecked) {
    auto table = qboot_like_table(2);
    table[50] ^= 1;
    EXPECT_EQ(mp_table::parse_config(table).error(), EINVAL);
    auto renamed = qboot_like_table(2);
    renamed[0] = 'X';
    EXPECT_EQ(mp_table::parse_config(renamed).error(), EINVAL);
    auto pointer = floating_pointer(0x9fc10);
    pointer[4] ^= 1;
    EXPECT_EQ(mp_table::parse_floating_pointer(pointer).error(), EINVAL);
}

TEST(MpTable, HostileLengthsAreRefused) {
    // A processor entry cut short by the table length.
    auto cut = config_table({processor(0, 3)});
    cut.resize(cut.size() - 4);
    put<u16>(cut, 4, u16(cut.size()));
    fix_checksum(cut, 7, cut.size());
    EXPECT_EQ(mp_table::parse_config(cut).error(), EINVAL);
    // A length beyond the bytes there are.
    auto long_claim = config_table({processor(0, 3)});
    put<u16>(long_claim, 4, u16(long_claim.size() + 100));
    fix_checksum(long_claim, 7, long_claim.size());
    EXPECT_EQ(mp_table::parse_config(long_claim).error(), EINVAL);
    // A length shorter than the header.
    auto short_claim = config_table({});
    put<u16>(short_claim, 4, u16(20));
    EXPECT_EQ(mp_table::parse_config(short_claim).error(), EINVAL);
    // An entry type the base table does not define: its size is unknown.
    EXPECT_EQ(mp_table::parse_config(config_table({processor(0, 3), other_entry(0x80)})).error(), EINVAL);
}

TEST(MpTable, TooManyProcessorsAreCountedNotKept) {
    std::vector<Bytes> entries;
    for (usize i = 0; i < mp_table::Config::kMaxProcessors + 5; i++) entries.push_back(processor(u8(i), 1));
    entries.push_back(processor(3, 1));  // a repeat
    auto table = config_table(entries);
    auto c = mp_table::parse_config(table).value();
    EXPECT_EQ(c.processor_count, mp_table::Config::kMaxProcessors);
    EXPECT_EQ(c.processors_beyond_capacity, 5u);
    EXPECT_EQ(c.duplicate_processors, 1u);
}

TEST(MpTable, FoundInTheLastKibOfBaseMemoryAsQbootPutsIt) {
    FakeMemory memory;
    memory.put(0x9fc00, floating_pointer(0x9fc10));
    memory.put(0x9fc10, qboot_like_table(4));
    auto found = mp_table::find(memory);
    ASSERT_TRUE(found.is_ok()) << found.error();
    EXPECT_EQ(found.value().processor_count, 4u);
}

TEST(MpTable, FoundInTheEbdaAndInTheBiosRom) {
    FakeMemory ebda_machine;
    ebda_machine.put(0x40e, {0x00, 0x90});  // EBDA at segment 0x9000: 0x90000
    ebda_machine.put(0x90000 + 0x40, floating_pointer(0x80000));
    ebda_machine.put(0x80000, qboot_like_table(2));
    EXPECT_EQ(mp_table::find(ebda_machine).value().processor_count, 2u);

    FakeMemory rom_machine;
    rom_machine.put(0xf5a30, floating_pointer(0xf5a40));
    rom_machine.put(0xf5a40, qboot_like_table(3));
    EXPECT_EQ(mp_table::find(rom_machine).value().processor_count, 3u);
}

TEST(MpTable, NoneDefaultConfigurationsAndUnreachableTables) {
    FakeMemory empty;
    EXPECT_EQ(mp_table::find(empty).error(), ENOENT);

    FakeMemory default_configuration;
    default_configuration.put(0xf0000, floating_pointer(0, 5));
    EXPECT_EQ(mp_table::find(default_configuration).error(), EOPNOTSUPP);

    FakeMemory beyond;
    beyond.put(0xf0000, floating_pointer(0x7fff0000));
    EXPECT_EQ(mp_table::find(beyond).error(), EFAULT);

    // A "_MP_" with a bad checksum is skipped, and the next one found.
    FakeMemory two;
    auto bad = floating_pointer(0x9fc40);
    bad[10] ^= 1;
    two.put(0xf0000, bad);
    two.put(0xf0010, floating_pointer(0x9fc40));
    two.put(0x9fc40, qboot_like_table(2));
    EXPECT_EQ(mp_table::find(two).value().processor_count, 2u);
}

}  // namespace
