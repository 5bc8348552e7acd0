#include "smp/mp_table.h"

#include <cstring>
#include <optional>

namespace mp_table {

namespace {

constexpr char kFloatingSignature[4] = {'_', 'M', 'P', '_'};
constexpr char kConfigSignature[4] = {'P', 'C', 'M', 'P'};

// Configuration table header offsets (MPS 1.4, table 4-2).
constexpr usize kBaseTableLength = 4;   // u16, header included
constexpr usize kLocalApicAddress = 36; // u32

// Base table entries (MPS 1.4, table 4-3): a processor takes 20 bytes, the others 8.
constexpr u8 kEntryProcessor = 0;
constexpr u8 kLastBaseEntryType = 4;  // bus, I/O APIC, I/O interrupt, local interrupt
constexpr usize kProcessorEntrySize = 20;
constexpr usize kOtherEntrySize = 8;
constexpr u8 kCpuEnabled = 1u << 0;
constexpr u8 kCpuBootstrap = 1u << 1;

// BIOS data area words MPS section 4 relies on.
constexpr u64 kEbdaSegmentPointer = 0x40e;  // the EBDA's real-mode segment
constexpr u64 kBaseMemoryKib = 0x413;       // base memory size in KiB
constexpr u64 kDefaultBaseMemoryEnd = 640 * KiB;

template <typename T>
T read(std::span<const u8> bytes, usize offset) {
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof value);
    return value;
}

bool sums_to_zero(std::span<const u8> bytes) {
    u8 sum = 0;
    for (u8 b : bytes) sum = u8(sum + b);
    return sum == 0;
}

std::span<const u8> view(const boot::PhysicalMemory& memory, u64 phys, usize length) {
    auto* p = static_cast<const u8*>(memory.view(phys, length));
    return p ? std::span<const u8>(p, length) : std::span<const u8>();
}

void add_processor(Config& config, u8 apic_id, u8 flags) {
    for (usize i = 0; i < config.processor_count; i++) {
        if (config.processors[i].apic_id == apic_id) {
            config.duplicate_processors++;
            return;
        }
    }
    if (config.processor_count == Config::kMaxProcessors) {
        config.processors_beyond_capacity++;
        return;
    }
    config.processors[config.processor_count++] = {apic_id, (flags & kCpuEnabled) != 0, (flags & kCpuBootstrap) != 0};
}

// The first valid floating pointer in [start, end), on 16-byte boundaries.
std::optional<FloatingPointer> scan(const boot::PhysicalMemory& memory, u64 start, u64 end) {
    start = align_up(start, 16);
    if (end <= start) return std::nullopt;
    // One view for the area: viewing each step costs a page-table walk in the kernel.
    auto area = view(memory, start, end - start);
    for (usize at = 0; at + kFloatingPointerSize <= area.size(); at += 16) {
        if (std::memcmp(area.data() + at, kFloatingSignature, 4) != 0) continue;
        if (auto parsed = parse_floating_pointer(area.subspan(at, kFloatingPointerSize)); parsed.is_ok())
            return parsed.value();
    }
    return std::nullopt;
}

std::optional<FloatingPointer> locate(const boot::PhysicalMemory& memory) {
    if (auto segment = view(memory, kEbdaSegmentPointer, 2); !segment.empty()) {
        u64 ebda = u64(read<u16>(segment, 0)) << 4;
        if (ebda >= 0x500 && ebda < kDefaultBaseMemoryEnd)
            if (auto found = scan(memory, ebda, ebda + KiB)) return found;
    }
    u64 base_end = kDefaultBaseMemoryEnd;
    if (auto kib = view(memory, kBaseMemoryKib, 2); !kib.empty()) {
        u64 reported = u64(read<u16>(kib, 0)) * KiB;
        if (reported >= 64 * KiB && reported <= kDefaultBaseMemoryEnd) base_end = reported;
    }
    if (auto found = scan(memory, base_end - KiB, base_end)) return found;
    if (base_end != kDefaultBaseMemoryEnd)
        if (auto found = scan(memory, kDefaultBaseMemoryEnd - KiB, kDefaultBaseMemoryEnd)) return found;
    return scan(memory, 0xf0000, 0x100000);
}

}  // namespace

Result<FloatingPointer> parse_floating_pointer(std::span<const u8> bytes) {
    if (bytes.size() < kFloatingPointerSize || std::memcmp(bytes.data(), kFloatingSignature, 4) != 0)
        return Error(EINVAL);
    // The length byte counts 16-byte paragraphs; version 1.1 and 1.4 structures are one.
    if (bytes[8] != 1 || !sums_to_zero(bytes.first(kFloatingPointerSize))) return Error(EINVAL);
    return FloatingPointer{read<u32>(bytes, 4), bytes[11]};
}

Result<Config> parse_config(std::span<const u8> table) {
    if (table.size() < kConfigHeaderSize || std::memcmp(table.data(), kConfigSignature, 4) != 0) return Error(EINVAL);
    usize length = read<u16>(table, kBaseTableLength);
    if (length < kConfigHeaderSize || length > table.size()) return Error(EINVAL);
    table = table.first(length);
    if (!sums_to_zero(table)) return Error(EINVAL);
    Config config;
    config.local_apic_address = read<u32>(table, kLocalApicAddress);
    usize at = kConfigHeaderSize;
    while (at < length) {
        u8 type = table[at];
        if (type > kLastBaseEntryType) return Error(EINVAL);
        usize size = type == kEntryProcessor ? kProcessorEntrySize : kOtherEntrySize;
        if (size > length - at) return Error(EINVAL);
        if (type == kEntryProcessor) add_processor(config, table[at + 1], table[at + 3]);
        at += size;
    }
    return config;
}

Result<Config> find(const boot::PhysicalMemory& memory) {
    auto pointer = locate(memory);
    if (!pointer) return Error(ENOENT);
    if (pointer->default_configuration != 0 || pointer->config_table == 0) return Error(EOPNOTSUPP);
    auto header = view(memory, pointer->config_table, kConfigHeaderSize);
    if (header.empty()) return Error(EFAULT);
    if (std::memcmp(header.data(), kConfigSignature, 4) != 0) return Error(EINVAL);
    usize length = read<u16>(header, kBaseTableLength);
    if (length < kConfigHeaderSize) return Error(EINVAL);
    auto table = view(memory, pointer->config_table, length);
    if (table.empty()) return Error(EFAULT);
    return parse_config(table);
}

}  // namespace mp_table
