// The end of an application thread (exit(2)): its CLONE_CHILD_CLEARTID word is cleared and
// woken (how pthread_join learns of it), then it leaves the process; the last one ends it.
#pragma once

namespace linux_abi {

[[noreturn]] void exit_current_thread(int status);

}  // namespace linux_abi
