// The MultiProcessor Specification's tables (Intel MPS 1.4, chapter 4), as far as finding
// the processors needs them: the floating pointer structure, looked for where the
// specification says, and the processor entries of the configuration table it points to.
// Machines without ACPI describe their processors this way: QEMU's microvm firmware (qboot)
// with acpi=off, and Firecracker.
//
//   auto config = TRY(mp_table::find(memory));   // ENOENT on a machine without one
//   for (usize i = 0; i < config.processor_count; i++) start(config.processors[i].apic_id);
#pragma once

#include <span>

#include "base/result.h"
#include "base/types.h"
#include "boot/pvh.h"
#include "smp/cpu_plan.h"

namespace mp_table {

constexpr usize kFloatingPointerSize = 16;
constexpr usize kConfigHeaderSize = 44;

struct Processor {
    u8 apic_id;
    bool enabled;    // CPU flags EN: usable
    bool bootstrap;  // CPU flags BP: the processor the firmware ran on
};

struct Config {
    static constexpr usize kMaxProcessors = smp::kMaxCpus;  // as many as the kernel runs on

    u32 local_apic_address = 0;
    // In table order, each APIC id once.
    Processor processors[kMaxProcessors] = {};
    usize processor_count = 0;
    usize processors_beyond_capacity = 0;  // listed after kMaxProcessors were kept
    usize duplicate_processors = 0;        // repeating an APIC id already kept: ignored
};

// The floating pointer's fields: where the configuration table is, or which default
// configuration (MPS chapter 5) the machine has instead of a table.
struct FloatingPointer {
    u32 config_table;           // physical address; 0 when there is none
    u8 default_configuration;   // feature byte 1: 0 when the table describes the machine
};

// A floating pointer structure: EINVAL for a wrong signature, length or checksum.
Result<FloatingPointer> parse_floating_pointer(std::span<const u8> bytes);

// A configuration table (header and base entries; the extended entries after it are not
// read). EINVAL for a wrong signature or checksum, a length shorter than the header or
// longer than `table`, an entry running past the length, or an entry type the base table
// does not define (its size would be unknown). The header's entry count is not trusted:
// qboot leaves it 0; entries are walked by length, as the base table length bounds them.
Result<Config> parse_config(std::span<const u8> table);

// Looks for the floating pointer where MPS 1.4 section 4 puts it (the first KiB of the
// EBDA, the last KiB of base memory, the BIOS ROM at 0xF0000-0xFFFFF; 16-byte aligned)
// and parses the table it points to. ENOENT when there is no floating pointer,
// EOPNOTSUPP when it names a default configuration instead of a table, the table's own
// errors otherwise.
Result<Config> find(const boot::PhysicalMemory& memory);

}  // namespace mp_table
