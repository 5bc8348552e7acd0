// The kernel's state, printed on demand: what every CPU runs and where every other thread
// stopped. An NMI from outside asks for it (QEMU's `nmi` monitor command, which `osprey`
// sends when a run times out), so a guest that hangs says why instead of going silent.
#pragma once

struct TrapFrame;

namespace state_dump {

// Called on every CPU that took an NMI nobody in the kernel asked for. The CPUs print in
// turn, CPU 0 first; CPU 0 then prints every thread, and a closing line ("end of state
// dump") that the host waits for.
void on_nmi(const TrapFrame& frame);

// The same dump asked for from inside (the watchdog, sched/watchdog.h), interrupts off:
// every other CPU is sent an NMI; this CPU prints the header, its own part (a backtrace
// from here, which runs through the frame it interrupted) and the thread list. Returns
// once every CPU has answered or the wait for them ran out.
void dump_everything(const char* cause);

}  // namespace state_dump
