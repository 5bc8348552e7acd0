// The hang detector. Every CPU arms a watchdog timer (every threshold/5, 6 s by default)
// that looks for two things:
//
//  - its own CPU running one thread that has neither scheduled nor come in from ring 3
//    since the threshold (30 s by default): a loop in the kernel with interrupts on
//    (PerCpu::progress stands still). A thread looping in user mode is the program's
//    business and is left alone.
//  - another CPU whose watchdog timer stopped running for the threshold: it has had
//    interrupts off all that time (a spinning lock holder, a loop with interrupts off).
//
// The CPU that finds one reports it on the kernel log, makes every CPU print where it is
// and every thread where it stopped (sched/state_dump.h; with the locks each holds in
// lockdep builds), then powers the VM off with the exit reason `hang`: `osprey` says
// "kernel hang" and exits with 125 (docs/reliability.md). One CPU alone with interrupts
// off for good has nobody to notice it: `osprey run --timeout` asks that CPU by NMI.
//
// `watchdog=SECONDS` on the kernel command line sets the threshold; `watchdog=0` turns it off.
#pragma once

#include "base/types.h"

namespace cmdline {
class CommandLine;
}

namespace watchdog {

// Reads the threshold from the command line; on the boot CPU, before other CPUs start.
void configure(const cmdline::CommandLine& cmdline);
// Starts this CPU's watchdog timer (after its timers and scheduler are up).
void start_this_cpu();

}  // namespace watchdog
