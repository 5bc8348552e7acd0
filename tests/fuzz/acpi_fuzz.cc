// libFuzzer target: arbitrary bytes as the firmware's ACPI tables, read the way the kernel
// reads them at boot: scan_for_rsdp, parse_rsdp, find_table through the RSDT or XSDT,
// view_table, parse_fadt and the \_S5_ search (find_s5), parse_madt and the ISA interrupt
// routes (find_madt); and parse_madt, parse_fadt and find_s5_sleep_type on the raw bytes.
//
// The first byte steers, the rest is physical memory from 0xE0000 (where the BIOS puts the
// RSDP); nothing else is mapped. Control bits: 1 = repair the checksums of the RSDP at
// 0xE0000 and of the tables it leads to, so that the fuzzer gets past them to the fields;
// 2 = map the rest of the BIOS area up to 1 MiB (reading as zeros) and look for the RSDP
// there with scan_for_rsdp, as the kernel does when the loader gives none (a 128 KiB scan,
// so not on every run); otherwise the walk starts at 0xE0000.
//
// Each view the parsers take is a copy of exactly the bytes asked for, so AddressSanitizer
// sees a read past a view. Beyond not crashing: a table handed out passed its checks
// (length, checksum, signature); S5 sleep types fit their 3 bits; an interrupt route is
// the MADT's override when there is one, else the identity; the MADT's processors are
// within capacity, each APIC id once, none both enabled and online-capable.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <vector>

#include "acpi/madt.h"
#include "acpi/tables.h"
#include "fuzz_check.h"

namespace {

using namespace acpi;

constexpr u64 kBase = 0xe0000;
constexpr u64 kBiosAreaEnd = 0x100000;
constexpr u8 kRepairChecksums = 1;
constexpr u8 kMapBiosArea = 2;

class FakeMemory final : public boot::PhysicalMemory {
public:
    FakeMemory(std::vector<u8> image, bool whole_bios_area) : m_bytes(std::move(image)) {
        if (whole_bios_area && m_bytes.size() < kBiosAreaEnd - kBase) m_bytes.resize(kBiosAreaEnd - kBase, 0);
    }

    const void* view(u64 phys, usize length) const override {
        if (phys < kBase || phys - kBase > m_bytes.size() || length > m_bytes.size() - (phys - kBase))
            return nullptr;
        auto& copy = m_views.emplace_back(m_bytes.begin() + (phys - kBase), m_bytes.begin() + (phys - kBase + length));
        return copy.data();
    }

private:
    std::vector<u8> m_bytes;
    mutable std::deque<std::vector<u8>> m_views;
};

u8 sum(std::span<const u8> bytes) {
    u8 total = 0;
    for (u8 b : bytes) total = u8(total + b);
    return total;
}

template <typename T>
T load(std::span<const u8> bytes, usize offset) {
    T value{};
    if (offset <= bytes.size() && sizeof value <= bytes.size() - offset)
        std::memcpy(&value, bytes.data() + offset, sizeof value);
    return value;
}

// Sets the checksum byte at `checksum_at` so that bytes [offset, offset + length) of the
// image sum to zero, when they are all in it.
void repair(std::vector<u8>& image, u64 offset, u64 length, usize checksum_at) {
    if (offset > image.size() || length > image.size() - offset || checksum_at >= length) return;
    std::span<u8> bytes(image.data() + offset, length);
    bytes[checksum_at] = 0;
    bytes[checksum_at] = u8(-sum(bytes));
}

bool has_signature_at(const std::vector<u8>& image, u64 phys, std::string_view signature) {
    if (phys < kBase || phys - kBase > image.size() || image.size() - (phys - kBase) < signature.size()) return false;
    return std::memcmp(image.data() + (phys - kBase), signature.data(), signature.size()) == 0;
}

void repair_table(std::vector<u8>& image, u64 phys) {
    if (phys < kBase) return;
    u64 offset = phys - kBase;
    repair(image, offset, load<u32>(image, offset + 4), 9);
}

// Leaves first, then the root tables, then the RSDP: a table's checksum covers only itself.
void repair_checksums(std::vector<u8>& image) {
    if (!has_signature_at(image, kBase, "RSD PTR ")) return;
    u8 revision = load<u8>(image, 15);
    u64 rsdt = load<u32>(image, 16);
    u64 xsdt = revision >= 2 ? load<u64>(image, 24) : 0;
    for (u64 root : {rsdt, xsdt}) {
        if (root < kBase || root - kBase >= image.size()) continue;
        u64 offset = root - kBase;
        u64 length = std::min<u64>(load<u32>(image, offset + 4), image.size() - offset);
        usize entry_size = root == xsdt ? 8 : 4;
        for (u64 at = kSdtHeaderSize; at + entry_size <= length; at += entry_size) {
            u64 table = entry_size == 8 ? load<u64>(image, offset + at) : load<u32>(image, offset + at);
            if (has_signature_at(image, table, "FACP")) {
                u64 fadt = table - kBase;
                u64 x_dsdt = load<u64>(image, fadt + fadt::kXDsdt);
                repair_table(image, x_dsdt ? x_dsdt : load<u32>(image, fadt + fadt::kDsdt));
            }
            repair_table(image, table);
        }
        repair_table(image, root);
    }
    repair(image, 0, kRsdpV1Size, 8);
    if (revision >= 2) repair(image, 0, load<u32>(image, 20), 32);
}

void check_table(std::span<const u8> table, std::string_view signature) {
    FUZZ_CHECK(table.size() >= kSdtHeaderSize && load<u32>(table, 4) == table.size());
    FUZZ_CHECK(sum(table) == 0);
    FUZZ_CHECK(signature.empty() || std::memcmp(table.data(), signature.data(), 4) == 0);
}

void check_madt(const Madt& madt) {
    FUZZ_CHECK(madt.io_apic_count <= Madt::kMaxIoApics && madt.override_count <= Madt::kMaxOverrides);
    FUZZ_CHECK(madt.processor_count <= Madt::kMaxProcessors);
    for (usize i = 0; i < madt.processor_count; i++) {
        const ProcessorEntry& cpu = madt.processors[i];
        FUZZ_CHECK(!(cpu.enabled && cpu.online_capable));
        FUZZ_CHECK(cpu.x2apic || (cpu.apic_id <= 0xff && cpu.acpi_uid <= 0xff));
        for (usize j = 0; j < i; j++) FUZZ_CHECK(madt.processors[j].apic_id != cpu.apic_id);
    }
    if (madt.processors_beyond_capacity > 0) FUZZ_CHECK(madt.processor_count == Madt::kMaxProcessors);
    for (unsigned irq = 0; irq < 256; irq++) {
        GsiRoute route = madt.route_isa_irq(u8(irq));
        const InterruptOverride* first = nullptr;
        for (usize i = 0; i < madt.override_count && !first; i++)
            if (madt.overrides[i].source == irq) first = &madt.overrides[i];
        if (!first) {
            FUZZ_CHECK(route.gsi == irq && route.polarity == Polarity::ActiveHigh && route.trigger == Trigger::Edge);
            continue;
        }
        FUZZ_CHECK(route.gsi == first->gsi);
        FUZZ_CHECK(route.polarity == override_polarity(first->flags, Polarity::ActiveHigh));
        FUZZ_CHECK(route.trigger == override_trigger(first->flags, Trigger::Edge));
    }
}

bool same_madt(const Madt& a, const Madt& b) {
    if (a.local_apic_address != b.local_apic_address || a.has_legacy_pics != b.has_legacy_pics ||
        a.io_apic_count != b.io_apic_count || a.override_count != b.override_count ||
        a.processor_count != b.processor_count || a.processors_beyond_capacity != b.processors_beyond_capacity ||
        a.duplicate_processors != b.duplicate_processors)
        return false;
    for (usize i = 0; i < a.io_apic_count; i++)
        if (a.io_apics[i].id != b.io_apics[i].id || a.io_apics[i].address != b.io_apics[i].address ||
            a.io_apics[i].gsi_base != b.io_apics[i].gsi_base)
            return false;
    for (usize i = 0; i < a.override_count; i++)
        if (a.overrides[i].source != b.overrides[i].source || a.overrides[i].gsi != b.overrides[i].gsi ||
            a.overrides[i].flags != b.overrides[i].flags)
            return false;
    for (usize i = 0; i < a.processor_count; i++) {
        const ProcessorEntry &p = a.processors[i], &q = b.processors[i];
        if (p.apic_id != q.apic_id || p.acpi_uid != q.acpi_uid || p.enabled != q.enabled ||
            p.online_capable != q.online_capable || p.x2apic != q.x2apic)
            return false;
    }
    return true;
}

void check_sleep_type(const SleepType& sleep) { FUZZ_CHECK(sleep.a <= 7 && sleep.b <= 7); }

// What the kernel does at boot, from the RSDP at `rsdp_phys`.
void walk(u64 rsdp_phys, const FakeMemory& memory) {
    auto rsdp = parse_rsdp(rsdp_phys, memory);
    if (rsdp.is_error()) return;
    if (rsdp.value().revision < 2) FUZZ_CHECK(rsdp.value().xsdt == 0);

    for (std::string_view signature : {"FACP", "APIC", "SSDT", "HPET"}) {
        // A few indices: each find_table walks the root table again.
        for (usize index = 0; index < 4; index++) {
            auto phys = find_table(rsdp.value(), signature, memory, index);
            if (phys.is_error()) {
                FUZZ_CHECK(phys.error() == ENOENT || phys.error() == EINVAL || phys.error() == EFAULT);
                break;
            }
            auto table = view_table(phys.value(), memory);
            FUZZ_CHECK(table.is_ok());
            check_table(table.value(), signature);
            if (signature == "APIC") {
                auto madt = parse_madt(table.value());
                if (madt.is_ok()) check_madt(madt.value());
            }
            if (signature == "FACP") {
                if (auto fadt = parse_fadt(table.value()); fadt.is_ok())
                    if (auto dsdt = view_table(fadt.value().dsdt, memory); dsdt.is_ok()) check_table(dsdt.value(), "");
            }
        }
    }
    FUZZ_CHECK(find_table(rsdp.value(), "FACPX", memory).is_error());

    auto s5 = find_s5(rsdp_phys, memory);
    if (s5.is_ok()) {
        FUZZ_CHECK(s5.value().pm1a_cnt != 0);
        check_sleep_type({s5.value().slp_typa, s5.value().slp_typb});
    }

    auto madt = find_madt(rsdp_phys, memory);
    if (madt.is_ok()) {
        check_madt(madt.value());
        // It is the first valid MADT the root table lists.
        auto phys = find_table(rsdp.value(), "APIC", memory);
        FUZZ_CHECK(phys.is_ok());
        auto table = view_table(phys.value(), memory);
        FUZZ_CHECK(table.is_ok());
        auto again = parse_madt(table.value());
        FUZZ_CHECK(again.is_ok() && same_madt(madt.value(), again.value()));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    u8 control = data[0];
    std::vector<u8> image(data + 1, data + size);
    if (control & kRepairChecksums) repair_checksums(image);

    // The raw bytes as one table, as if the firmware's header had passed its checks.
    std::span<const u8> raw(image.data(), image.size());
    if (auto madt = parse_madt(raw); madt.is_ok()) check_madt(madt.value());
    (void)parse_fadt(raw);
    if (auto sleep = find_s5_sleep_type(raw); sleep.is_ok()) check_sleep_type(sleep.value());

    FakeMemory memory(std::move(image), control & kMapBiosArea);
    if (control & kMapBiosArea) {
        auto found = scan_for_rsdp(memory);
        if (found) {
            FUZZ_CHECK(*found % 16 == 0 && *found >= kBase && *found < kBiosAreaEnd);
            FUZZ_CHECK(parse_rsdp(*found, memory).is_ok());
            walk(*found, memory);
        }
        // Nothing is mapped below 0xE0000: a valid RSDP there is the first one found.
        if (parse_rsdp(kBase, memory).is_ok()) FUZZ_CHECK(found == kBase);
    } else {
        if (size - 1 < kBiosAreaEnd - kBase) FUZZ_CHECK(!scan_for_rsdp(memory));  // the area is not all there
        walk(kBase, memory);
    }
    for (u64 phys : {u64{0}, kBase - 1, ~u64{0} - 3}) {
        FUZZ_CHECK(view_table(phys, memory).is_error());
        (void)parse_rsdp(phys, memory);
    }
    return 0;
}
