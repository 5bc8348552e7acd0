// Starting one application processor (AP): the real-mode trampoline (ap_trampoline.S)
// copied below 1 MiB with page tables for its way to long mode, INIT-SIPI-SIPI through
// the boot CPU's local APIC with the SDM's delays (vol. 3A, "Typical BSP Initialization
// Sequence": 10 ms after INIT, 200 us after each SIPI), and, on the new CPU, everything a CPU sets up for itself: its
// GDT and TSS (with its own interrupt stacks), the shared IDT, GS on its PerCpu, CR0/CR4
// and XCR0 as on the boot CPU, the syscall MSRs, and its local APIC.
#pragma once

#include "mm/kernel_stacks.h"

#include "base/result.h"
#include "boot/pvh.h"

struct PerCpu;

namespace ap_boot {

// Copies the trampoline into free low RAM (boot::find_real_mode_pages) and builds its
// page tables. ENOMEM when there is no room below 640 KiB.
Result<void> prepare(const boot::BootInfo& info);

// Where a CPU got to, as far as the boot CPU can see: the trampoline's stages, then the
// kernel's.
enum class Stage : u32 { NotStarted, RealMode, ProtectedMode, LongMode, KernelEntry, Online };
const char* stage_name(Stage stage);

struct Outcome {
    PerCpu* cpu;   // its PerCpu when it came online, else nullptr
    Stage reached;
    u64 start_ns;  // from the INIT to coming online (or giving up)
};

// Starts the CPU with this APIC id as CPU number `id`, after prepare(). On the new CPU,
// once it is set up, `online(cpu, stack)` runs (on `stack`) with interrupts off and must never return. A CPU
// that is not online within `timeout_ns` gets INIT again, which parks it before it can
// touch anything shared, and its memory is freed: Outcome::cpu is then nullptr.
// Sleeps (the SDM's delays): call it from a thread, one CPU at a time. Without
// `send_startup` the CPU gets its INIT but no SIPI: it never runs (smp.no_sipi, to test
// the report of a CPU that does not start).
Outcome start(u32 id, u32 apic_id, u64 timeout_ns, void (*online)(PerCpu& cpu, const kernel_stacks::Stack& stack),
              bool send_startup = true);

}  // namespace ap_boot
