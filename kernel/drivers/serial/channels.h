// The host <-> guest channels (docs/host-guest-contract.md), one 16550 port each:
//   COM1 0x3f8  kernel log
//   COM2 0x2f8  control channel (exit record)
//   COM3 0x3e8  application stdout (and stdin from the host)
//   COM4 0x2e8  application stderr
#pragma once

#include "drivers/serial/uart16550.h"

namespace channels {

void init();
Uart16550& kernel_log();
Uart16550& control();
Uart16550& app_stdout();
Uart16550& app_stderr();
// Waits until every channel has sent its last byte; QEMU can drop bytes still in flight
// when the machine powers off.
void drain_all();

}  // namespace channels
