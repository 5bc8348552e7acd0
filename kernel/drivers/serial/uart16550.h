// 16550 UART on an I/O port: the kernel log, the control channel and (later) the
// application's console all travel over these, one port each (docs/host-guest-contract.md).
#pragma once

#include <string_view>

#include "base/types.h"

class Uart16550 {
public:
    static constexpr u16 kCom1 = 0x3f8;
    static constexpr u16 kCom2 = 0x2f8;
    static constexpr u16 kCom3 = 0x3e8;
    static constexpr u16 kCom4 = 0x2e8;

    explicit constexpr Uart16550(u16 base) : m_base(base) {}

    // Programs 115200 8N1 with FIFOs; returns false when no UART answers at this port.
    bool init();
    bool present() const { return m_present; }
    void write(std::string_view bytes);
    // Reads what the receiver holds now, up to `capacity` bytes, without waiting.
    usize read_available(u8* out, usize capacity);
    // Waits until the transmitter is empty (LSR.TEMT): the last byte has left the wire.
    void drain();

private:
    void put(u8 byte);

    u16 m_base;
    bool m_present = false;
};
