// The application's console: fds 0, 1 and 2 at start. stdout and stderr are their own
// serial ports (docs/host-guest-contract.md), stdin arrives framed on the control
// channel's receive side. A terminal only when the host's descriptor is one (TCGETS
// answers ENOTTY otherwise), as programs change their output on a terminal.
#pragma once

#include "fs/file.h"
#include "text/format.h"

namespace console {

enum class Stream : u8 { In = 0, Out = 1, Err = 2 };

// Creates the three console files; `tty` says which the host has on a terminal.
void init(const bool tty[3]);
RefPtr<fs::File> file(Stream stream);

// Kernel text on the application's stderr (the fatal-signal report).
class StderrSink final : public text::Sink {
public:
    void write(std::string_view bytes) override;
};

}  // namespace console
