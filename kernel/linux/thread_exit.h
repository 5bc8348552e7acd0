// The Linux side of a thread's end: its CLONE_CHILD_CLEARTID word is cleared and woken (how
// pthread_join learns of it). Registered as proc's thread-exit hook at start-up.
#pragma once

namespace proc {
struct UserContext;
}

namespace linux_abi {

void clear_child_tid_at_exit(proc::UserContext& user);

}  // namespace linux_abi
