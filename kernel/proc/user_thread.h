// Application threads: kernel threads that enter ring 3 with a given register frame.
#pragma once

#include "arch/x86_64/trap_frame.h"
#include "base/result.h"

class Thread;

namespace proc {

struct UserThreadStart {
    TrapFrame frame;       // the registers the thread starts with in ring 3
    u64 fs_base = 0;
    u64 gs_base = 0;
    u64 blocked = 0;       // initial signal mask
    u64 clear_child_tid = 0;
    int tid = 0;           // 0: allocate one
};

// Creates a runnable application thread. Returns its tid.
Result<int> spawn_user_thread(const UserThreadStart& start, const char* name);

// The ring-3 frame of the current thread (top of its kernel stack).
TrapFrame& current_user_frame();

}  // namespace proc
