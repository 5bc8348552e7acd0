#include <gtest/gtest.h>

#include <cstring>
#include <string_view>
#include <vector>

#include "acpi/tables.h"

using acpi::S5Info;

namespace {

using Bytes = std::vector<u8>;

// The first 1 MiB + 64 KiB of a machine in a buffer; anything beyond is inaccessible.
class FakeMemory final : public boot::PhysicalMemory {
public:
    FakeMemory() : m_bytes(0x110000, 0) {}

    const void* view(u64 phys, usize length) const override {
        if (phys > m_bytes.size() || length > m_bytes.size() - phys) return nullptr;
        return m_bytes.data() + phys;
    }
    void put(u64 phys, const Bytes& bytes) {
        ASSERT_LE(phys + bytes.size(), m_bytes.size());
        std::memcpy(m_bytes.data() + phys, bytes.data(), bytes.size());
    }
    u8& at(u64 phys) { return m_bytes[phys]; }

private:
    Bytes m_bytes;
};

template <typename T>
void store(Bytes& bytes, usize offset, T value) {
    if (bytes.size() < offset + sizeof value) bytes.resize(offset + sizeof value);
    std::memcpy(bytes.data() + offset, &value, sizeof value);
}

u8 checksum_byte(const Bytes& bytes, usize length) {
    u8 sum = 0;
    for (usize i = 0; i < length; ++i) sum = u8(sum + bytes[i]);
    return u8(-sum);
}

// A system description table: header (length and checksum filled in) then the body.
Bytes table(std::string_view signature, const Bytes& body) {
    Bytes t(acpi::kSdtHeaderSize, 0);
    std::memcpy(t.data(), signature.data(), 4);
    t[8] = 1;  // revision
    std::memcpy(t.data() + 10, "OSPREY", 6);
    t.insert(t.end(), body.begin(), body.end());
    store<u32>(t, 4, u32(t.size()));
    t[9] = 0;
    t[9] = checksum_byte(t, t.size());
    return t;
}

Bytes root_table(std::string_view signature, std::initializer_list<u64> entries) {
    Bytes body;
    bool wide = signature == "XSDT";
    for (u64 e : entries) {
        if (wide)
            store<u64>(body, body.size(), e);
        else
            store<u32>(body, body.size(), u32(e));
    }
    return table(signature, body);
}

Bytes rsdp(u8 revision, u32 rsdt, u64 xsdt = 0) {
    Bytes r(revision >= 2 ? acpi::kRsdpV2Size : acpi::kRsdpV1Size, 0);
    std::memcpy(r.data(), "RSD PTR ", 8);
    std::memcpy(r.data() + 9, "OSPREY", 6);
    r[15] = revision;
    store<u32>(r, 16, rsdt);
    r[8] = checksum_byte(r, acpi::kRsdpV1Size);
    if (revision >= 2) {
        store<u32>(r, 20, u32(acpi::kRsdpV2Size));
        store<u64>(r, 24, xsdt);
        r[32] = checksum_byte(r, acpi::kRsdpV2Size);
    }
    return r;
}

struct FadtFields {
    u32 dsdt = 0;
    u64 x_dsdt = 0;
    u32 pm1a = 0;
    u32 pm1b = 0;
    u32 smi_cmd = 0;
    u8 acpi_enable = 0;
    u8 x_pm1a_space = 1;
    u64 x_pm1a = 0;
    usize length = 276;  // ACPI 6.x; 116 for ACPI 1.0
};

// The FADT body (the table without its 36-byte header).
Bytes fadt_body(const FadtFields& f) {
    Bytes body(f.length - acpi::kSdtHeaderSize, 0);
    auto put = [&](usize offset, auto value) {
        if (offset + sizeof value <= f.length) store(body, offset - acpi::kSdtHeaderSize, value);
    };
    put(acpi::fadt::kDsdt, f.dsdt);
    put(acpi::fadt::kSmiCmd, f.smi_cmd);
    put(acpi::fadt::kAcpiEnable, f.acpi_enable);
    put(acpi::fadt::kPm1aCntBlk, f.pm1a);
    put(acpi::fadt::kPm1bCntBlk, f.pm1b);
    put(acpi::fadt::kXDsdt, f.x_dsdt);
    put(acpi::fadt::kXPm1aCntBlk, f.x_pm1a_space);
    put(acpi::fadt::kXPm1aCntBlk + 4, f.x_pm1a);
    return body;
}

// Name(_S5_, Package(4){0, 0, 0, 0}), as QEMU's pc and q35 declare it.
const Bytes kQemuS5 = {0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00};

// Some AML around the declaration so the scan has to look for it.
Bytes dsdt_with(const Bytes& s5) {
    Bytes aml = {0x10, 0x0a, '\\', '_', 'S', 'B', '_', 0x08, 'F', 'O', 'O', '_', 0x01};
    aml.insert(aml.end(), s5.begin(), s5.end());
    aml.insert(aml.end(), {0x14, 0x06, '_', 'P', 'T', 'S', 0x01, 0xa3});
    return table("DSDT", aml);
}

// A machine with RSDP, RSDT, XSDT, FADT and DSDT at fixed places.
constexpr u64 kRsdp = 0xe0010;
constexpr u64 kRsdt = 0x10000;
constexpr u64 kXsdt = 0x11000;
constexpr u64 kFadt = 0x12000;
constexpr u64 kFadt2 = 0x12800;
constexpr u64 kDsdt = 0x13000;
constexpr u64 kSsdt = 0x14000;

FadtFields qemu_fadt() {
    FadtFields f;
    f.dsdt = kDsdt;
    f.pm1a = 0x604;
    f.smi_cmd = 0xb2;
    f.acpi_enable = 0xf1;
    return f;
}

void install_v2(FakeMemory& memory, const FadtFields& fadt, const Bytes& dsdt) {
    memory.put(kRsdp, rsdp(2, kRsdt, kXsdt));
    memory.put(kRsdt, root_table("RSDT", {kFadt}));
    memory.put(kXsdt, root_table("XSDT", {kFadt}));
    memory.put(kFadt, table("FACP", fadt_body(fadt)));
    memory.put(kDsdt, dsdt);
}

std::span<const u8> span_of(const Bytes& bytes) { return {bytes.data(), bytes.size()}; }

acpi::SleepType sleep_type_of(const Bytes& s5) {
    Bytes dsdt = dsdt_with(s5);
    auto found = acpi::find_s5_sleep_type(span_of(dsdt));
    EXPECT_TRUE(found.is_ok()) << "errno " << found.error();
    return found.is_ok() ? found.value() : acpi::SleepType {99, 99};
}

TEST(AcpiS5, FindsQemuStyleS5ThroughRsdpV2AndXsdt) {
    FakeMemory memory;
    install_v2(memory, qemu_fadt(), dsdt_with(kQemuS5));
    auto s5 = acpi::find_s5(kRsdp, memory);
    ASSERT_TRUE(s5.is_ok()) << "errno " << s5.error();
    EXPECT_EQ(s5.value().pm1a_cnt, 0x604);
    EXPECT_EQ(s5.value().pm1b_cnt, 0);
    EXPECT_EQ(s5.value().slp_typa, 0);
    EXPECT_EQ(s5.value().slp_typb, 0);
    EXPECT_EQ(s5.value().smi_cmd, 0xb2u);
    EXPECT_EQ(s5.value().acpi_enable, 0xf1);
}

TEST(AcpiS5, FindsS5ThroughRsdpV1AndRsdtWithAcpi1Fadt) {
    FakeMemory memory;
    FadtFields fadt = qemu_fadt();
    fadt.length = 116;
    fadt.pm1b = 0x404;
    memory.put(kRsdp, rsdp(0, kRsdt));
    memory.put(kRsdt, root_table("RSDT", {kFadt}));
    memory.put(kFadt, table("FACP", fadt_body(fadt)));
    memory.put(kDsdt, dsdt_with({0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x07, 0x0a, 0x05, 0x00, 0x00}));
    auto s5 = acpi::find_s5(kRsdp, memory);
    ASSERT_TRUE(s5.is_ok()) << "errno " << s5.error();
    EXPECT_EQ(s5.value().pm1a_cnt, 0x604);
    EXPECT_EQ(s5.value().pm1b_cnt, 0x404);
    EXPECT_EQ(s5.value().slp_typa, 7);
    EXPECT_EQ(s5.value().slp_typb, 5);
}

TEST(AcpiRsdp, V1HasNoXsdtEvenIfBytesFollow) {
    FakeMemory memory;
    memory.put(kRsdp, rsdp(0, kRsdt));
    memory.put(kRsdp + 24, Bytes(8, 0xff));  // garbage where a v2 XSDT address would be
    auto r = acpi::parse_rsdp(kRsdp, memory);
    ASSERT_TRUE(r.is_ok());
    EXPECT_EQ(r.value().revision, 0);
    EXPECT_EQ(r.value().rsdt, kRsdt);
    EXPECT_EQ(r.value().xsdt, 0u);
}

TEST(AcpiRsdp, V2ReadsXsdt) {
    FakeMemory memory;
    memory.put(kRsdp, rsdp(2, kRsdt, kXsdt));
    auto r = acpi::parse_rsdp(kRsdp, memory);
    ASSERT_TRUE(r.is_ok());
    EXPECT_EQ(r.value().revision, 2);
    EXPECT_EQ(r.value().xsdt, kXsdt);
}

TEST(AcpiRsdp, BadChecksumIsEINVAL) {
    FakeMemory memory;
    memory.put(kRsdp, rsdp(0, kRsdt));
    memory.at(kRsdp + 16) ^= 1;
    EXPECT_EQ(acpi::parse_rsdp(kRsdp, memory).error(), EINVAL);
}

TEST(AcpiRsdp, BadExtendedChecksumIsEINVAL) {
    FakeMemory memory;
    memory.put(kRsdp, rsdp(2, kRsdt, kXsdt));
    memory.at(kRsdp + 24) ^= 1;  // beyond the v1 checksum's reach
    EXPECT_EQ(acpi::parse_rsdp(kRsdp, memory).error(), EINVAL);
}

TEST(AcpiRsdp, WrongSignatureIsEINVALAndUnreachableIsEFAULT) {
    FakeMemory memory;
    EXPECT_EQ(acpi::parse_rsdp(kRsdp, memory).error(), EINVAL);
    EXPECT_EQ(acpi::parse_rsdp(0x10fff0, memory).error(), EFAULT);
}

TEST(AcpiTables, PrefersXsdtOverRsdt) {
    FakeMemory memory;
    FadtFields old_fadt = qemu_fadt();
    old_fadt.pm1a = 0x1111;
    FadtFields new_fadt = qemu_fadt();
    new_fadt.pm1a = 0x2222;
    install_v2(memory, new_fadt, dsdt_with(kQemuS5));
    memory.put(kRsdt, root_table("RSDT", {kFadt2}));
    memory.put(kFadt2, table("FACP", fadt_body(old_fadt)));
    auto s5 = acpi::find_s5(kRsdp, memory);
    ASSERT_TRUE(s5.is_ok());
    EXPECT_EQ(s5.value().pm1a_cnt, 0x2222);
}

TEST(AcpiTables, FallsBackToRsdtWhenXsdtIsCorrupt) {
    FakeMemory memory;
    install_v2(memory, qemu_fadt(), dsdt_with(kQemuS5));
    memory.at(kXsdt + acpi::kSdtHeaderSize) ^= 0x40;  // breaks the XSDT's checksum
    auto found = acpi::find_table(acpi::parse_rsdp(kRsdp, memory).value(), "FACP", memory);
    ASSERT_TRUE(found.is_ok());
    EXPECT_EQ(found.value(), kFadt);
}

TEST(AcpiTables, FadtWithBadChecksumIsSkipped) {
    FakeMemory memory;
    install_v2(memory, qemu_fadt(), dsdt_with(kQemuS5));
    memory.at(kFadt + acpi::fadt::kPm1aCntBlk) ^= 1;
    EXPECT_EQ(acpi::find_s5(kRsdp, memory).error(), ENOENT);
}

TEST(AcpiTables, FindsTheNthTableWithASignature) {
    FakeMemory memory;
    memory.put(kRsdp, rsdp(0, kRsdt));
    memory.put(kRsdt, root_table("RSDT", {kFadt, kSsdt, kDsdt, kSsdt + 0x800}));
    memory.put(kFadt, table("FACP", fadt_body(qemu_fadt())));
    memory.put(kSsdt, table("SSDT", {0xa3}));
    memory.put(kSsdt + 0x800, table("SSDT", {0xa3, 0xa3}));
    memory.put(kDsdt, dsdt_with(kQemuS5));
    auto r = acpi::parse_rsdp(kRsdp, memory).value();
    EXPECT_EQ(acpi::find_table(r, "SSDT", memory, 0).value(), kSsdt);
    EXPECT_EQ(acpi::find_table(r, "SSDT", memory, 1).value(), kSsdt + 0x800);
    EXPECT_EQ(acpi::find_table(r, "SSDT", memory, 2).error(), ENOENT);
    EXPECT_EQ(acpi::find_table(r, "APIC", memory).error(), ENOENT);
}

TEST(AcpiTables, TableLongerThanMemoryIsEFAULT) {
    FakeMemory memory;
    Bytes dsdt = dsdt_with(kQemuS5);
    const u64 near_end = 0x110000 - dsdt.size() + 8;  // the last 8 bytes fall off the end
    dsdt.resize(dsdt.size() - 8);
    memory.put(near_end, dsdt);
    EXPECT_EQ(acpi::view_table(near_end, memory).error(), EFAULT);
}

TEST(AcpiTables, LengthShorterThanHeaderIsEINVAL) {
    FakeMemory memory;
    Bytes t = table("DSDT", {});
    store<u32>(t, 4, 20);
    memory.put(kDsdt, t);
    EXPECT_EQ(acpi::view_table(kDsdt, memory).error(), EINVAL);
}

TEST(AcpiTables, TruncatedDsdtMeansNoS5) {
    FakeMemory memory;
    Bytes dsdt = dsdt_with(kQemuS5);
    store<u32>(dsdt, 4, u32(dsdt.size() - 12));  // cuts the package off; checksum fixed below
    dsdt[9] = 0;
    dsdt[9] = checksum_byte(dsdt, dsdt.size() - 12);
    install_v2(memory, qemu_fadt(), dsdt);
    EXPECT_EQ(acpi::find_s5(kRsdp, memory).error(), ENOENT);
}

TEST(AcpiFadt, TooShortIsEINVAL) {
    Bytes fadt = table("FACP", Bytes(30, 0));
    EXPECT_EQ(acpi::parse_fadt(span_of(fadt)).error(), EINVAL);
}

TEST(AcpiFadt, PrefersXFieldsWhenGiven) {
    FadtFields f = qemu_fadt();
    f.x_dsdt = 0x1234'5678'9000;
    f.x_pm1a = 0xb004;
    Bytes fadt = table("FACP", fadt_body(f));
    auto parsed = acpi::parse_fadt(span_of(fadt));
    ASSERT_TRUE(parsed.is_ok());
    EXPECT_EQ(parsed.value().dsdt, 0x1234'5678'9000u);
    EXPECT_EQ(parsed.value().pm1a_cnt, 0xb004);
}

TEST(AcpiFadt, MemoryMappedPm1FallsBackToPortOrIsEOPNOTSUPP) {
    FadtFields f = qemu_fadt();
    f.x_pm1a_space = 0;  // system memory
    f.x_pm1a = 0xfed00000;
    Bytes with_port = table("FACP", fadt_body(f));
    EXPECT_EQ(acpi::parse_fadt(span_of(with_port)).value().pm1a_cnt, 0x604);
    f.pm1a = 0;
    Bytes without_port = table("FACP", fadt_body(f));
    EXPECT_EQ(acpi::parse_fadt(span_of(without_port)).error(), EOPNOTSUPP);
}

TEST(AcpiS5, NoPm1aControlBlockIsENODEV) {
    FakeMemory memory;
    FadtFields f = qemu_fadt();
    f.pm1a = 0;
    install_v2(memory, f, dsdt_with(kQemuS5));
    EXPECT_EQ(acpi::find_s5(kRsdp, memory).error(), ENODEV);
}

TEST(AcpiS5, MissingS5IsENOENT) {
    FakeMemory memory;
    install_v2(memory, qemu_fadt(), dsdt_with({}));
    EXPECT_EQ(acpi::find_s5(kRsdp, memory).error(), ENOENT);
}

TEST(AcpiS5, FoundInSsdtWhenDsdtHasNone) {
    FakeMemory memory;
    install_v2(memory, qemu_fadt(), dsdt_with({}));
    memory.put(kXsdt, root_table("XSDT", {kFadt, kSsdt}));
    Bytes s5 = {0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x01, 0x01, 0x00, 0x00};
    memory.put(kSsdt, table("SSDT", s5));
    auto found = acpi::find_s5(kRsdp, memory);
    ASSERT_TRUE(found.is_ok());
    EXPECT_EQ(found.value().slp_typa, 1);
}

TEST(AcpiAml, DecodesEachIntegerEncoding) {
    EXPECT_EQ(sleep_type_of({0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x00, 0x01}).b, 1);
    auto byte = sleep_type_of({0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0a, 0x05, 0x0a, 0x06});
    EXPECT_EQ(byte.a, 5);
    EXPECT_EQ(byte.b, 6);
    auto word = sleep_type_of({0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x02, 0x0b, 0x03, 0x00, 0x0b, 0x04, 0x00});
    EXPECT_EQ(word.a, 3);
    EXPECT_EQ(word.b, 4);
    auto dword = sleep_type_of(
        {0x08, '_', 'S', '5', '_', 0x12, 0x0c, 0x02, 0x0c, 0x07, 0, 0, 0, 0x0c, 0x02, 0, 0, 0});
    EXPECT_EQ(dword.a, 7);
    EXPECT_EQ(dword.b, 2);
}

TEST(AcpiAml, AcceptsRootPrefixedName) {
    auto s5 = sleep_type_of({0x08, '\\', '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x0a, 0x05, 0x00, 0x00, 0x00});
    EXPECT_EQ(s5.a, 5);
    EXPECT_EQ(s5.b, 0);
}

TEST(AcpiAml, DecodesTwoBytePkgLength) {
    // PkgLength 0x41 0x01: one more byte follows; length = 0x1 | 0x01 << 4 = 17 bytes,
    // counted from the PkgLength on: 2 + NumElements + 14 bytes of 12 elements.
    Bytes s5 = {0x08, '_', 'S', '5', '_', 0x12, 0x41, 0x01, 12, 0x0a, 0x03, 0x0a, 0x04};
    s5.resize(s5.size() + 10, 0x00);  // ten ZeroOps
    auto found = sleep_type_of(s5);
    EXPECT_EQ(found.a, 3);
    EXPECT_EQ(found.b, 4);
}

TEST(AcpiAml, SingleElementPackageHoldsBothTypes) {
    auto s5 = sleep_type_of({0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x01, 0x0b, 0x07, 0x05});
    EXPECT_EQ(s5.a, 7);
    EXPECT_EQ(s5.b, 5);
}

TEST(AcpiAml, SkipsUsesOfTheNameAndFindsTheDeclaration) {
    // Store(_S5_, Local0) first: a reference, not a Name declaration.
    Bytes aml = {0x70, '_', 'S', '5', '_', 0x60};
    aml.insert(aml.end(), {0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x01, 0x00, 0x00, 0x00});
    Bytes dsdt = table("DSDT", aml);
    auto found = acpi::find_s5_sleep_type(span_of(dsdt));
    ASSERT_TRUE(found.is_ok());
    EXPECT_EQ(found.value().a, 1);
}

TEST(AcpiAml, RejectsMalformedPackages) {
    auto no_s5 = [](const Bytes& s5) {
        Bytes dsdt = table("DSDT", s5);
        return acpi::find_s5_sleep_type(span_of(dsdt)).error();
    };
    // Not a package.
    EXPECT_EQ(no_s5({0x08, '_', 'S', '5', '_', 0x0a, 0x05}), ENOENT);
    // PkgLength runs past the table.
    EXPECT_EQ(no_s5({0x08, '_', 'S', '5', '_', 0x12, 0x3f, 0x04, 0x00, 0x00}), ENOENT);
    // Element cut off inside the package.
    EXPECT_EQ(no_s5({0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x00, 0x0b, 0x01, 0x00}), ENOENT);
    // A name instead of an integer.
    EXPECT_EQ(no_s5({0x08, '_', 'S', '5', '_', 0x12, 0x07, 0x02, 'A', 'B', 'C', 'D', 0x00}), ENOENT);
    // A value that does not fit SLP_TYP's three bits.
    EXPECT_EQ(no_s5({0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0a, 0x08, 0x00}), ENOENT);
    // Name at the very end of the table.
    EXPECT_EQ(no_s5({0x08, '_', 'S', '5', '_'}), ENOENT);
}

TEST(AcpiRsdpScan, FindsRsdpInBiosArea) {
    FakeMemory memory;
    memory.put(kRsdp, rsdp(2, kRsdt, kXsdt));
    EXPECT_EQ(acpi::scan_for_rsdp(memory), kRsdp);
}

TEST(AcpiRsdpScan, PrefersEbdaAndSkipsBadChecksums) {
    FakeMemory memory;
    constexpr u64 kEbda = 0x9fc00;
    memory.put(0x40e, {u8((kEbda >> 4) & 0xff), u8(kEbda >> 12)});
    Bytes bad = rsdp(0, kRsdt);
    bad[8] ^= 1;
    memory.put(kEbda, bad);
    memory.put(kEbda + 0x20, rsdp(0, kRsdt));
    memory.put(kRsdp, rsdp(0, kRsdt));
    EXPECT_EQ(acpi::scan_for_rsdp(memory), kEbda + 0x20);
}

TEST(AcpiRsdpScan, NothingFoundIsNullopt) {
    FakeMemory memory;
    Bytes bad = rsdp(0, kRsdt);
    bad[8] ^= 1;
    memory.put(kRsdp, bad);
    EXPECT_EQ(acpi::scan_for_rsdp(memory), std::nullopt);
}

}  // namespace
