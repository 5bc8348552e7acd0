// The legacy 8259 PICs: remapped away from the exception vectors and fully masked. Osprey
// takes interrupts through the local APIC only.
#pragma once

namespace pic {
void disable();
}
