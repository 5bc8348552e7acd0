// Application threads: kernel threads that enter ring 3 with a given register frame.
#pragma once

#include "arch/x86_64/trap_frame.h"
#include "base/result.h"

class Thread;

namespace proc {

class Process;
struct UserContext;

struct UserThreadStart {
    TrapFrame frame;       // the registers the thread starts with in ring 3
    u64 fs_base = 0;
    u64 gs_base = 0;
    u64 blocked = 0;       // initial signal mask
    u64 clear_child_tid = 0;
    u64 set_child_tid = 0;  // written with the tid by the thread itself before it starts (fork)
    int tid = 0;            // 0: allocate one
    Process* process = nullptr;  // the process it joins; nullptr: the caller's
};

// Creates a runnable application thread. Returns its tid.
Result<int> spawn_user_thread(const UserThreadStart& start, const char* name);

// The ring-3 frame of the current thread (top of its kernel stack).
TrapFrame& current_user_frame();

// Ends the calling application thread with `status`: the exit hook runs (the Linux layer
// clears and wakes its CLONE_CHILD_CLEARTID word), the thread leaves its process, and the
// last one to leave finishes the process (Process::finish).
[[noreturn]] void exit_current_thread(int status);
using ThreadExitHook = void (*)(UserContext& user);
void set_thread_exit_hook(ThreadExitHook hook);

}  // namespace proc
