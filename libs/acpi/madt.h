// The MADT ("APIC" table, ACPI 6.5 section 5.2.12), as far as routing device interrupts
// needs it: the I/O APICs (address and first GSI) and the interrupt source overrides that
// say which GSI an ISA IRQ arrives on, with its polarity and trigger mode.
//
//   auto madt = TRY(acpi::parse_madt(TRY(acpi::view_table(phys, memory))));
//   auto route = madt.route_isa_irq(10);   // GSI 10, level, active high on QEMU's pc
#pragma once

#include <span>

#include "acpi/tables.h"
#include "base/result.h"
#include "base/types.h"

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

// Where an interrupt arrives and how it is signalled.
struct GsiRoute {
    u32 gsi;
    Polarity polarity;
    Trigger trigger;
};

struct Madt {
    static constexpr usize kMaxIoApics = 8;
    static constexpr usize kMaxOverrides = 16;

    u32 local_apic_address = 0;
    bool has_legacy_pics = false;  // PCAT_COMPAT: 8259s present (to be masked)
    IoApicEntry io_apics[kMaxIoApics] = {};
    usize io_apic_count = 0;
    InterruptOverride overrides[kMaxOverrides] = {};
    usize override_count = 0;

    // An ISA IRQ's GSI, polarity and trigger: an override when there is one (its
    // "conforms" fields meaning ISA's defaults), else the same number, edge, active high.
    GsiRoute route_isa_irq(u8 irq) const;
};

// The MADT's fields from a checked table (view_table). EINVAL when it is no MADT or an
// entry runs past the end; entries beyond the fixed capacities are ignored.
Result<Madt> parse_madt(std::span<const u8> table);

// The MADT through the RSDP. ENOENT when the machine has none.
Result<Madt> find_madt(u64 rsdp_phys, const boot::PhysicalMemory& memory);

// Decodes MPS INTI flags; `conforming` stands for the bus default ("conforms").
Polarity override_polarity(u16 flags, Polarity conforming);
Trigger override_trigger(u16 flags, Trigger conforming);

}  // namespace acpi
