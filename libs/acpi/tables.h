// ACPI tables, only as far as powering off through S5 needs them (ACPI 6.x, chapters 5.2
// and 20): the RSDP, the RSDT/XSDT, the FADT's PM1 control blocks and SMI command, and
// the \_S5_ package found by scanning the DSDT's AML for it. No AML interpreter.
//
// Everything is read through boot::PhysicalMemory, so the kernel reads the firmware's
// tables through its direct map and tests read a buffer. Every table's checksum and every
// length are checked before a field is read.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "base/result.h"
#include "base/types.h"
#include "boot/pvh.h"

namespace acpi {

constexpr usize kRsdpV1Size = 20;
constexpr usize kRsdpV2Size = 36;
constexpr usize kSdtHeaderSize = 36;

// FADT byte offsets (ACPI 6.5, table 5.9).
namespace fadt {
constexpr usize kDsdt = 40;
constexpr usize kSmiCmd = 48;
constexpr usize kAcpiEnable = 52;
constexpr usize kPm1aCntBlk = 64;
constexpr usize kPm1bCntBlk = 68;
constexpr usize kXDsdt = 140;
constexpr usize kXPm1aCntBlk = 172;  // Generic Address Structure, 12 bytes
constexpr usize kXPm1bCntBlk = 184;
}  // namespace fadt

// PM1 control register bits (ACPI 6.5, table 4.13).
constexpr u16 kPm1SciEnable = 1u << 0;
constexpr unsigned kPm1SleepTypeShift = 10;
constexpr u16 kPm1SleepTypeMask = 7u << kPm1SleepTypeShift;
constexpr u16 kPm1SleepEnable = 1u << 13;

struct Rsdp {
    u8 revision;  // 0 for ACPI 1.0 (RSDT only), 2 and later have the XSDT
    u32 rsdt;
    u64 xsdt;     // 0 when revision < 2 or absent
};

// The fixed-hardware fields S5 needs, with the 64-bit X_ variants already preferred.
struct Fadt {
    u64 dsdt;
    u16 pm1a_cnt;     // I/O port; 0 when absent
    u16 pm1b_cnt;     // I/O port; 0 when absent
    u32 smi_cmd;      // 0: no SMI command port, the machine is always in ACPI mode
    u8 acpi_enable;   // value for smi_cmd that hands the hardware to the OS
};

struct SleepType {
    u16 a;  // SLP_TYPa, for PM1a_CNT
    u16 b;  // SLP_TYPb, for PM1b_CNT
};

struct S5Info {
    u16 pm1a_cnt;
    u16 pm1b_cnt;
    u16 slp_typa;
    u16 slp_typb;
    u32 smi_cmd;
    u8 acpi_enable;
};

// The RSDP at `phys`: EINVAL for a wrong signature or checksum (the v2 extended checksum
// too), EFAULT when it cannot be viewed.
Result<Rsdp> parse_rsdp(u64 phys, const boot::PhysicalMemory& memory);

// The whole system description table at `phys` (header included), after checking its
// length and checksum: EFAULT if unreachable, EINVAL if malformed.
Result<std::span<const u8>> view_table(u64 phys, const boot::PhysicalMemory& memory);

// The physical address of the `index`-th valid table with this 4-character signature,
// listed in the XSDT (or the RSDT when there is no valid XSDT). ENOENT when there is none;
// listed tables that fail their checks are skipped.
Result<u64> find_table(const Rsdp& rsdp, std::string_view signature,
                       const boot::PhysicalMemory& memory, usize index = 0);

// Reads the FADT fields from a checked table. EINVAL if it is too short for the 32-bit
// fields; EOPNOTSUPP when the PM1a control block is not in I/O space.
Result<Fadt> parse_fadt(std::span<const u8> table);

// Finds Name(_S5_, Package(){SLP_TYPa, SLP_TYPb, ...}) in a DSDT or SSDT (header
// included). ENOENT when the table has no such package with integer constants.
Result<SleepType> find_s5_sleep_type(std::span<const u8> table);

// All of the above: the S5 sleep types and where to write them. ENOENT when the machine
// describes no S5 state, ENODEV when it has no PM1a control block (e.g. hardware-reduced
// ACPI, as on QEMU microvm).
Result<S5Info> find_s5(u64 rsdp_phys, const boot::PhysicalMemory& memory);

// Looks for the RSDP where legacy BIOSes put it: the first KiB of the EBDA, then
// 0xE0000-0xFFFFF, on 16-byte boundaries. For loaders that give no rsdp_paddr.
std::optional<u64> scan_for_rsdp(const boot::PhysicalMemory& memory);

}  // namespace acpi
