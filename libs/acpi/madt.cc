#include "acpi/madt.h"

#include <cstring>

namespace acpi {

namespace {

constexpr usize kLocalApicAddressOffset = kSdtHeaderSize;  // u32
constexpr usize kFlagsOffset = kSdtHeaderSize + 4;         // u32
constexpr usize kEntriesOffset = kSdtHeaderSize + 8;
constexpr u32 kPcatCompat = 1;

constexpr u8 kTypeLocalApic = 0;
constexpr u8 kTypeIoApic = 1;
constexpr u8 kTypeInterruptOverride = 2;
constexpr u8 kTypeLocalX2apic = 9;
constexpr usize kLocalApicLength = 8;
constexpr usize kIoApicLength = 12;
constexpr usize kOverrideLength = 10;
constexpr usize kLocalX2apicLength = 16;
// Local APIC flags (ACPI 6.5, table 5.23), the same for both processor entry types.
constexpr u32 kProcessorEnabled = 1u << 0;
constexpr u32 kProcessorOnlineCapable = 1u << 1;

template <typename T>
T read(std::span<const u8> bytes, usize offset) {
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof value);
    return value;
}

void add_processor(Madt& madt, u32 apic_id, u32 acpi_uid, u32 flags, bool x2apic) {
    for (usize i = 0; i < madt.processor_count; i++) {
        if (madt.processors[i].apic_id == apic_id) {
            madt.duplicate_processors++;
            return;
        }
    }
    if (madt.processor_count == Madt::kMaxProcessors) {
        madt.processors_beyond_capacity++;
        return;
    }
    bool enabled = flags & kProcessorEnabled;
    // Online capable means something only for a processor not enabled yet.
    bool online_capable = !enabled && (flags & kProcessorOnlineCapable);
    madt.processors[madt.processor_count++] = {apic_id, acpi_uid, enabled, online_capable, x2apic};
}

}  // namespace

Polarity override_polarity(u16 flags, Polarity conforming) {
    switch (flags & 3) {
    case 1: return Polarity::ActiveHigh;
    case 3: return Polarity::ActiveLow;
    default: return conforming;  // 0 conforms to the bus; 2 is reserved
    }
}

Trigger override_trigger(u16 flags, Trigger conforming) {
    switch ((flags >> 2) & 3) {
    case 1: return Trigger::Edge;
    case 3: return Trigger::Level;
    default: return conforming;
    }
}

GsiRoute Madt::route_isa_irq(u8 irq) const {
    for (usize i = 0; i < override_count; i++) {
        const InterruptOverride& o = overrides[i];
        if (o.source != irq) continue;
        return {o.gsi, override_polarity(o.flags, Polarity::ActiveHigh), override_trigger(o.flags, Trigger::Edge)};
    }
    return {irq, Polarity::ActiveHigh, Trigger::Edge};
}

Result<Madt> parse_madt(std::span<const u8> table) {
    if (table.size() < kEntriesOffset || std::memcmp(table.data(), "APIC", 4) != 0) return Error(EINVAL);
    Madt madt;
    madt.local_apic_address = read<u32>(table, kLocalApicAddressOffset);
    madt.has_legacy_pics = read<u32>(table, kFlagsOffset) & kPcatCompat;
    usize at = kEntriesOffset;
    while (at < table.size()) {
        if (table.size() - at < 2) return Error(EINVAL);
        u8 type = table[at];
        u8 length = table[at + 1];
        if (length < 2 || length > table.size() - at) return Error(EINVAL);
        auto entry = table.subspan(at, length);
        if (type == kTypeLocalApic) {
            if (length < kLocalApicLength) return Error(EINVAL);
            add_processor(madt, entry[3], entry[2], read<u32>(entry, 4), false);
        } else if (type == kTypeLocalX2apic) {
            if (length < kLocalX2apicLength) return Error(EINVAL);
            add_processor(madt, read<u32>(entry, 4), read<u32>(entry, 12), read<u32>(entry, 8), true);
        } else if (type == kTypeIoApic) {
            if (length < kIoApicLength) return Error(EINVAL);
            if (madt.io_apic_count < Madt::kMaxIoApics)
                madt.io_apics[madt.io_apic_count++] = {entry[2], read<u32>(entry, 4), read<u32>(entry, 8)};
        } else if (type == kTypeInterruptOverride) {
            if (length < kOverrideLength) return Error(EINVAL);
            // Bus 0 is ISA, the only bus the specification defines for overrides.
            if (entry[2] == 0 && madt.override_count < Madt::kMaxOverrides)
                madt.overrides[madt.override_count++] = {entry[3], read<u32>(entry, 4), read<u16>(entry, 8)};
        }
        at += length;
    }
    return madt;
}

Result<Madt> find_madt(u64 rsdp_phys, const boot::PhysicalMemory& memory) {
    Rsdp rsdp = TRY(parse_rsdp(rsdp_phys, memory));
    u64 phys = TRY(find_table(rsdp, "APIC", memory));
    return parse_madt(TRY(view_table(phys, memory)));
}

}  // namespace acpi
