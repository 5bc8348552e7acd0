// The MADT ("APIC" table, ACPI 6.5 section 5.2.12), as far as routing device interrupts
// and starting processors need it: the I/O APICs (address and first GSI), the interrupt
// source overrides that say which GSI an ISA IRQ arrives on, with its polarity and trigger
// mode, and the processors (their local APIC ids and whether they may be started).
//
//   auto madt = TRY(acpi::parse_madt(TRY(acpi::view_table(phys, memory))));
//   auto route = madt.route_isa_irq(10);   // GSI 10, level, active high on QEMU's pc
#pragma once

#include <span>

#include "acpi/tables.h"
#include "base/result.h"
#include "base/types.h"
#include "smp/cpu_plan.h"

namespace acpi {

enum class Polarity : u8 { ActiveHigh, ActiveLow };
enum class Trigger : u8 { Edge, Level };

struct IoApicEntry {
    u8 id;
    u32 address;
    u32 gsi_base;
};

struct InterruptOverride {
    u8 source;  // the ISA IRQ
    u32 gsi;
    u16 flags;  // MPS INTI flags: polarity bits 1:0, trigger mode bits 3:2
};

// A processor, from a Processor Local APIC entry (type 0) or a Processor Local x2APIC
// entry (type 9, for APIC ids a type 0 entry cannot hold).
struct ProcessorEntry {
    u32 apic_id;
    u32 acpi_uid;         // the ACPI processor UID (type 0's 8-bit processor id, widened)
    bool enabled;         // present and usable now
    bool online_capable;  // not enabled, but may be brought online later (ACPI 6.3 and later)
    bool x2apic;          // listed by a type 9 entry
};

// Where an interrupt arrives and how it is signalled.
struct GsiRoute {
    u32 gsi;
    Polarity polarity;
    Trigger trigger;
};

struct Madt {
    static constexpr usize kMaxIoApics = 8;
    static constexpr usize kMaxOverrides = 16;
    // As many processors as the kernel runs on: those beyond are counted, not kept.
    static constexpr usize kMaxProcessors = smp::kMaxCpus;

    u32 local_apic_address = 0;
    bool has_legacy_pics = false;  // PCAT_COMPAT: 8259s present (to be masked)
    IoApicEntry io_apics[kMaxIoApics] = {};
    usize io_apic_count = 0;
    InterruptOverride overrides[kMaxOverrides] = {};
    usize override_count = 0;
    // In table order, each APIC id once.
    ProcessorEntry processors[kMaxProcessors] = {};
    usize processor_count = 0;
    usize processors_beyond_capacity = 0;  // listed after kMaxProcessors were kept
    usize duplicate_processors = 0;        // repeating an APIC id already kept: ignored

    // An ISA IRQ's GSI, polarity and trigger: an override when there is one (its
    // "conforms" fields meaning ISA's defaults), else the same number, edge, active high.
    GsiRoute route_isa_irq(u8 irq) const;
};

// The MADT's fields from a checked table (view_table). EINVAL when it is no MADT, an entry
// runs past the end, or an entry is shorter than its type's layout; entries beyond the
// fixed capacities are ignored (processors are counted).
Result<Madt> parse_madt(std::span<const u8> table);

// The MADT through the RSDP. ENOENT when the machine has none.
Result<Madt> find_madt(u64 rsdp_phys, const boot::PhysicalMemory& memory);

// Decodes MPS INTI flags; `conforming` stands for the bus default ("conforms").
Polarity override_polarity(u16 flags, Polarity conforming);
Trigger override_trigger(u16 flags, Trigger conforming);

}  // namespace acpi
