#include "drivers/serial/channels.h"

#include "protocol/exit_record.h"

namespace channels {

namespace {
Uart16550 g_kernel_log(Uart16550::kCom1);
Uart16550 g_control(Uart16550::kCom2);
Uart16550 g_app_stdout(Uart16550::kCom3);
Uart16550 g_app_stderr(Uart16550::kCom4);
}  // namespace

void init() {
    g_kernel_log.init();
    g_control.init();
    g_app_stdout.init();
    g_app_stderr.init();
    // Tells the host the receivers are ready: it holds standard input back until then.
    g_control.write(protocol::kGuestReadyLine);
}

Uart16550& kernel_log() { return g_kernel_log; }
Uart16550& control() { return g_control; }
Uart16550& app_stdout() { return g_app_stdout; }
Uart16550& app_stderr() { return g_app_stderr; }

void drain_all() {
    g_app_stdout.drain();
    g_app_stderr.drain();
    g_kernel_log.drain();
    g_control.drain();
}

}  // namespace channels
