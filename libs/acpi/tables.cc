#include "acpi/tables.h"

#include <cstring>

namespace acpi {
namespace {

constexpr char kRsdpSignature[] = "RSD PTR ";
constexpr usize kRsdpRevisionOffset = 15;
constexpr usize kRsdpRsdtOffset = 16;
constexpr usize kRsdpLengthOffset = 20;
constexpr usize kRsdpXsdtOffset = 24;
constexpr usize kSdtLengthOffset = 4;
constexpr u32 kMaxRsdpLength = 4 * KiB;  // 36 in every revision so far
// Far above any real table (QEMU's DSDT is ~8 KiB), far below a length that could wrap.
constexpr u32 kMaxTableLength = 16 * MiB;

// Generic Address Structure (ACPI 6.5, 5.2.3.2): space id, bit width, bit offset, access
// size, then a 64-bit address.
constexpr usize kGasAddressOffset = 4;
constexpr u8 kGasSystemIo = 1;

// AML encodings (ACPI 6.5, chapter 20).
constexpr u8 kNameOp = 0x08;
constexpr u8 kRootChar = '\\';
constexpr u8 kPackageOp = 0x12;
constexpr u8 kZeroOp = 0x00;
constexpr u8 kOneOp = 0x01;
constexpr u8 kOnesOp = 0xff;
constexpr u8 kBytePrefix = 0x0a;
constexpr u8 kWordPrefix = 0x0b;
constexpr u8 kDWordPrefix = 0x0c;
constexpr u8 kQWordPrefix = 0x0e;
constexpr u64 kMaxSleepType = 7;  // SLP_TYP is a 3-bit field

template <typename T>
std::optional<T> read_le(std::span<const u8> bytes, usize offset) {
    if (offset > bytes.size() || sizeof(T) > bytes.size() - offset) return std::nullopt;
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof value);  // ACPI and x86 are little-endian
    return value;
}

bool checksum_ok(std::span<const u8> bytes) {
    u8 sum = 0;
    for (u8 b : bytes) sum = u8(sum + b);
    return sum == 0;
}

bool has_signature(std::span<const u8> table, std::string_view signature) {
    return table.size() >= signature.size() &&
           std::memcmp(table.data(), signature.data(), signature.size()) == 0;
}

std::span<const u8> view_bytes(const boot::PhysicalMemory& memory, u64 phys, usize length) {
    auto* bytes = static_cast<const u8*>(memory.view(phys, length));
    if (!bytes) return {};
    return {bytes, length};
}

// Searches one root table (RSDT: 4-byte entries, XSDT: 8-byte entries).
Result<u64> find_in_root(u64 root_phys, std::string_view root_signature, usize entry_size,
                         std::string_view signature, const boot::PhysicalMemory& memory, usize index) {
    auto root = TRY(view_table(root_phys, memory));
    if (!has_signature(root, root_signature)) return Error(EINVAL);
    usize count = (root.size() - kSdtHeaderSize) / entry_size;
    for (usize i = 0; i < count; ++i) {
        usize at = kSdtHeaderSize + i * entry_size;
        u64 table_phys = entry_size == 8 ? *read_le<u64>(root, at) : *read_le<u32>(root, at);
        auto header = view_bytes(memory, table_phys, signature.size());
        if (header.empty() || !has_signature(header, signature)) continue;
        if (view_table(table_phys, memory).is_error()) continue;  // listed but corrupt
        if (index-- == 0) return table_phys;
    }
    return Error(ENOENT);
}

// An I/O port from the FADT: the X_ Generic Address Structure when it gives one in I/O
// space, otherwise the 32-bit field. 0 when neither names a block.
Result<u16> pm1_port(std::span<const u8> table, usize gas_offset, usize legacy_offset) {
    u32 legacy = read_le<u32>(table, legacy_offset).value_or(0);
    u8 space = read_le<u8>(table, gas_offset).value_or(0);
    // Absent from FADTs older than ACPI 2.0, which end before the X_ fields.
    u64 address = read_le<u64>(table, gas_offset + kGasAddressOffset).value_or(0);
    if (address != 0) {
        if (space == kGasSystemIo) {
            if (address > 0xffff) return Error(EINVAL);
            return u16(address);
        }
        // A memory-mapped block: only usable through the 32-bit I/O port, if there is one.
        if (legacy == 0) return Error(EOPNOTSUPP);
    }
    if (legacy > 0xffff) return Error(EINVAL);
    return u16(legacy);
}

// One integer constant of a package; advances `pos`. nullopt for anything else (a name,
// a nested package, running off the end).
std::optional<u64> read_integer(std::span<const u8> aml, usize& pos) {
    auto op = read_le<u8>(aml, pos);
    if (!op) return std::nullopt;
    pos += 1;
    std::optional<u64> value;
    switch (*op) {
    case kZeroOp: return 0;
    case kOneOp: return 1;
    case kOnesOp: return ~0ull;
    case kBytePrefix: value = read_le<u8>(aml, pos); pos += 1; break;
    case kWordPrefix: value = read_le<u16>(aml, pos); pos += 2; break;
    case kDWordPrefix: value = read_le<u32>(aml, pos); pos += 4; break;
    case kQWordPrefix: value = read_le<u64>(aml, pos); pos += 8; break;
    default: return std::nullopt;
    }
    return value;
}

// Decodes `PackageOp PkgLength NumElements elements...` at the start of `aml`.
std::optional<SleepType> decode_sleep_package(std::span<const u8> aml) {
    if (aml.size() < 3 || aml[0] != kPackageOp) return std::nullopt;
    // PkgLength: bits 7-6 of the lead byte count the bytes that follow; with none, bits
    // 5-0 are the length, otherwise bits 3-0 are its low nibble. It counts itself.
    u8 lead = aml[1];
    usize extra = lead >> 6;
    if (aml.size() < 2 + extra) return std::nullopt;
    u64 length = extra == 0 ? (lead & 0x3f) : (lead & 0x0f);
    for (usize k = 1; k <= extra; ++k) length |= u64(aml[1 + k]) << (4 + 8 * (k - 1));
    if (length < extra + 2 || length > aml.size() - 1) return std::nullopt;
    auto package = aml.subspan(1, length);  // from PkgLength to the package's end

    usize pos = extra + 1;
    u8 elements = package[pos++];
    if (elements == 0) return std::nullopt;
    auto a = read_integer(package, pos);
    if (!a) return std::nullopt;
    std::optional<u64> b;
    if (elements >= 2) {
        b = read_integer(package, pos);
        if (!b) return std::nullopt;
    } else {
        // Firmware before ACPI 2.0 packed both types into one integer, a in the low byte.
        b = (*a >> 8) & 0xff;
        a = *a & 0xff;
    }
    if (*a > kMaxSleepType || *b > kMaxSleepType) return std::nullopt;
    return SleepType {u16(*a), u16(*b)};
}

}  // namespace

Result<Rsdp> parse_rsdp(u64 phys, const boot::PhysicalMemory& memory) {
    auto v1 = view_bytes(memory, phys, kRsdpV1Size);
    if (v1.empty()) return Error(EFAULT);
    if (!has_signature(v1, kRsdpSignature) || !checksum_ok(v1)) return Error(EINVAL);
    Rsdp rsdp {v1[kRsdpRevisionOffset], *read_le<u32>(v1, kRsdpRsdtOffset), 0};
    if (rsdp.revision >= 2) {
        auto v2 = view_bytes(memory, phys, kRsdpV2Size);
        if (v2.empty()) return Error(EFAULT);
        u32 length = *read_le<u32>(v2, kRsdpLengthOffset);
        if (length < kRsdpV2Size || length > kMaxRsdpLength) return Error(EINVAL);
        auto full = view_bytes(memory, phys, length);
        if (full.empty()) return Error(EFAULT);
        if (!checksum_ok(full)) return Error(EINVAL);
        rsdp.xsdt = *read_le<u64>(v2, kRsdpXsdtOffset);
    }
    return rsdp;
}

Result<std::span<const u8>> view_table(u64 phys, const boot::PhysicalMemory& memory) {
    if (phys == 0) return Error(EINVAL);
    auto header = view_bytes(memory, phys, kSdtHeaderSize);
    if (header.empty()) return Error(EFAULT);
    u32 length = *read_le<u32>(header, kSdtLengthOffset);
    if (length < kSdtHeaderSize || length > kMaxTableLength) return Error(EINVAL);
    auto table = view_bytes(memory, phys, length);
    if (table.empty()) return Error(EFAULT);
    if (!checksum_ok(table)) return Error(EINVAL);
    return table;
}

Result<u64> find_table(const Rsdp& rsdp, std::string_view signature, const boot::PhysicalMemory& memory,
                       usize index) {
    if (signature.size() != 4) return Error(EINVAL);
    if (rsdp.revision >= 2 && rsdp.xsdt != 0) {
        auto found = find_in_root(rsdp.xsdt, "XSDT", 8, signature, memory, index);
        // The RSDT lists the same tables; it only helps when the XSDT itself is unusable.
        if (found.is_ok() || found.error() == ENOENT || rsdp.rsdt == 0) return found;
    }
    if (rsdp.rsdt == 0) return Error(ENOENT);
    return find_in_root(rsdp.rsdt, "RSDT", 4, signature, memory, index);
}

Result<Fadt> parse_fadt(std::span<const u8> table) {
    if (!has_signature(table, "FACP") || table.size() < fadt::kPm1bCntBlk + 4) return Error(EINVAL);
    Fadt result {};
    u64 x_dsdt = read_le<u64>(table, fadt::kXDsdt).value_or(0);
    result.dsdt = x_dsdt != 0 ? x_dsdt : *read_le<u32>(table, fadt::kDsdt);
    result.pm1a_cnt = TRY(pm1_port(table, fadt::kXPm1aCntBlk, fadt::kPm1aCntBlk));
    result.pm1b_cnt = TRY(pm1_port(table, fadt::kXPm1bCntBlk, fadt::kPm1bCntBlk));
    result.smi_cmd = *read_le<u32>(table, fadt::kSmiCmd);
    result.acpi_enable = *read_le<u8>(table, fadt::kAcpiEnable);
    return result;
}

Result<SleepType> find_s5_sleep_type(std::span<const u8> table) {
    if (table.size() < kSdtHeaderSize) return Error(EINVAL);
    auto aml = table.subspan(kSdtHeaderSize);
    constexpr std::string_view kName = "_S5_";
    for (usize i = 0; i + kName.size() <= aml.size(); ++i) {
        if (std::memcmp(aml.data() + i, kName.data(), kName.size()) != 0) continue;
        // Only a declaration, Name(_S5_, ...) or Name(\_S5_, ...), not a use of the name.
        usize start = i;
        if (start > 0 && aml[start - 1] == kRootChar) --start;
        if (start == 0 || aml[start - 1] != kNameOp) continue;
        if (auto sleep = decode_sleep_package(aml.subspan(i + kName.size()))) return *sleep;
    }
    return Error(ENOENT);
}

Result<S5Info> find_s5(u64 rsdp_phys, const boot::PhysicalMemory& memory) {
    Rsdp rsdp = TRY(parse_rsdp(rsdp_phys, memory));
    u64 fadt_phys = TRY(find_table(rsdp, "FACP", memory));
    Fadt fadt = TRY(parse_fadt(TRY(view_table(fadt_phys, memory))));
    if (fadt.pm1a_cnt == 0) return Error(ENODEV);

    // \_S5_ is almost always in the DSDT; some firmware puts it in an SSDT.
    std::optional<SleepType> sleep;
    auto dsdt = view_table(fadt.dsdt, memory);
    if (dsdt.is_ok() && has_signature(dsdt.value(), "DSDT")) {
        auto found = find_s5_sleep_type(dsdt.value());
        if (found.is_ok()) sleep = found.value();
    }
    for (usize index = 0; !sleep; ++index) {
        auto ssdt_phys = find_table(rsdp, "SSDT", memory, index);
        if (ssdt_phys.is_error()) break;
        auto found = find_s5_sleep_type(TRY(view_table(ssdt_phys.value(), memory)));
        if (found.is_ok()) sleep = found.value();
    }
    if (!sleep) return Error(ENOENT);
    return S5Info {fadt.pm1a_cnt, fadt.pm1b_cnt, sleep->a, sleep->b, fadt.smi_cmd, fadt.acpi_enable};
}

std::optional<u64> scan_for_rsdp(const boot::PhysicalMemory& memory) {
    constexpr usize kAlignment = 16;
    // One view of the whole area, then a search in it: viewing each 16-byte step on its
    // own costs a page-table walk per step in the kernel (a million instructions at boot).
    auto scan = [&](u64 start, u64 end) -> std::optional<u64> {
        start = align_up(start, kAlignment);
        if (end <= start) return std::nullopt;
        auto area = view_bytes(memory, start, end - start);
        if (area.empty()) return std::nullopt;
        for (u64 offset = 0; offset + kRsdpV1Size <= area.size(); offset += kAlignment) {
            if (!has_signature(area.subspan(offset, 8), kRsdpSignature)) continue;
            if (parse_rsdp(start + offset, memory).is_ok()) return start + offset;
        }
        return std::nullopt;
    };
    // The BIOS data area's word at 0x40e holds the EBDA's real-mode segment.
    constexpr u64 kEbdaPointer = 0x40e;
    auto segment = view_bytes(memory, kEbdaPointer, 2);
    if (!segment.empty()) {
        u64 ebda = u64(*read_le<u16>(segment, 0)) << 4;
        if (ebda >= 0x500 && ebda < 0xa0000)
            if (auto found = scan(ebda, ebda + KiB)) return found;
    }
    return scan(0xe0000, 0x100000);
}

}  // namespace acpi
