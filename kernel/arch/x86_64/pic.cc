#include "arch/x86_64/pic.h"

#include "arch/x86_64/cpu.h"

namespace pic {

void disable() {
    // Remap first: a spurious IRQ from a masked PIC still arrives, and at the power-on
    // vectors (8-15) it would look like a CPU exception. 0xe0-0xef are unused.
    cpu::outb(0x20, 0x11);
    cpu::outb(0xa0, 0x11);
    cpu::outb(0x21, 0xe0);
    cpu::outb(0xa1, 0xe8);
    cpu::outb(0x21, 0x04);
    cpu::outb(0xa1, 0x02);
    cpu::outb(0x21, 0x01);
    cpu::outb(0xa1, 0x01);
    cpu::outb(0x21, 0xff);
    cpu::outb(0xa1, 0xff);
}

}  // namespace pic
