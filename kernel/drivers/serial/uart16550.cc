#include "drivers/serial/uart16550.h"

#include "arch/x86_64/cpu.h"

namespace {
constexpr u16 kData = 0, kInterruptEnable = 1, kFifoControl = 2, kLineControl = 3,
              kModemControl = 4, kLineStatus = 5, kScratch = 7;
constexpr u8 kLineStatusDataReady = 1 << 0;
constexpr u8 kLineStatusTransmitHoldingEmpty = 1 << 5;
constexpr u8 kLineStatusTransmitterEmpty = 1 << 6;
// Bounded waits: a wedged or absent UART must not hang the kernel forever.
constexpr u32 kSpinLimit = 1u << 20;
}  // namespace

bool Uart16550::init() {
    // The scratch register holds what we write only when a UART is there.
    cpu::outb(m_base + kScratch, 0x5a);
    if (cpu::inb(m_base + kScratch) != 0x5a) return m_present = false;
    cpu::outb(m_base + kInterruptEnable, 0x00);
    cpu::outb(m_base + kLineControl, 0x80);  // DLAB: the next two writes set the divisor
    cpu::outb(m_base + kData, 0x01);         // 115200 baud
    cpu::outb(m_base + kInterruptEnable, 0x00);
    cpu::outb(m_base + kLineControl, 0x03);  // 8N1
    cpu::outb(m_base + kFifoControl, 0xc7);  // enable and clear FIFOs
    cpu::outb(m_base + kModemControl, 0x03); // DTR, RTS
    return m_present = true;
}

void Uart16550::put(u8 byte) {
    for (u32 i = 0; i < kSpinLimit; i++) {
        if (cpu::inb(m_base + kLineStatus) & kLineStatusTransmitHoldingEmpty) break;
        cpu::pause();
    }
    cpu::outb(m_base + kData, byte);
}

void Uart16550::write(std::string_view bytes) {
    if (!m_present) return;
    for (char c : bytes) put(static_cast<u8>(c));
}

usize Uart16550::read_available(u8* out, usize capacity) {
    if (!m_present) return 0;
    usize n = 0;
    while (n < capacity && (cpu::inb(m_base + kLineStatus) & kLineStatusDataReady)) out[n++] = cpu::inb(m_base + kData);
    return n;
}

void Uart16550::drain() {
    if (!m_present) return;
    for (u32 i = 0; i < kSpinLimit; i++) {
        if (cpu::inb(m_base + kLineStatus) & kLineStatusTransmitterEmpty) return;
        cpu::pause();
    }
}
