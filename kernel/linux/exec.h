// Starting the application: reading the app config the host put in the initramfs, loading
// the program's ELF image, building its initial stack (argv, envp, auxv) and starting its
// first thread in ring 3.
#pragma once

#include <span>
#include <string_view>

#include "base/result.h"
#include "linux/initial_stack.h"

namespace linux_abi {

// True when the initramfs holds an app config (`osprey run`); false for a bare boot. A
// boot with overlay= runs one too: the overlay may bring the config (boot/main.cc).
bool has_application();
// Loads and starts the application; its exit ends the VM. A failure is explained on the
// application's stderr (the file is not a loadable ELF, ...) and returned.
Result<void> start_application(bool aslr);
// Whether programs get randomized layouts (`aslr=off` on the command line turns it off):
// for execve, as for the first program.
bool aslr_enabled();


}  // namespace linux_abi
