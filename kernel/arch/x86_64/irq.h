// Device interrupts: IDT vectors handed out to drivers, each calling its handlers with the
// context pointer they registered. The handlers run with interrupts off; the local APIC's
// EOI follows them (so a level-triggered line the handler quietened is not re-raised).
//
//   u8 vector = TRY(irq::allocate(&VirtioNet::on_interrupt, this));
//   // ...program the vector into an MSI-X entry or an I/O APIC input.
#pragma once

#include "base/result.h"

namespace irq {

using Handler = void (*)(void* context);

// Vectors for devices: above the exception and timer vectors, below 0xe0 (where the
// masked 8259s' spurious interrupts land, pic.cc) and the APIC's spurious vector 0xff.
constexpr u8 kFirstDeviceVector = 0x30;
constexpr u8 kLastDeviceVector = 0xdf;
// A shared line (PCI INTx) calls at most this many handlers.
constexpr unsigned kMaxHandlersPerVector = 4;

// A free vector that calls handler(context). ENOSPC when every device vector is taken.
Result<u8> allocate(Handler handler, void* context);
// Adds a handler to an allocated vector (devices sharing a level-triggered line). ENOENT
// for a vector never allocated, ENOSPC when it has kMaxHandlersPerVector already.
Result<void> share(u8 vector, Handler handler, void* context);
// How many times a vector fired (for statistics and tests).
u64 count(u8 vector);

}  // namespace irq
