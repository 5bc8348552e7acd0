#include "linux/process_state.h"

#include <new>

namespace linux_abi {

namespace {
// Guards making a process's state: two threads of one process may race to it.
IrqSpinLock g_create_lock{"process state create"};
}  // namespace

ProcessState::~ProcessState() {
    timers::cancel(real.timer);
    release_posix_timers(*this);
}

Result<ProcessState*> state_of(proc::Process& process) {
    if (auto* state = static_cast<ProcessState*>(__atomic_load_n(&process.extension, __ATOMIC_ACQUIRE))) return state;
    auto* made = new (std::nothrow) ProcessState(process);
    if (!made) return Error(ENOMEM);
    ProcessState* state;
    {
        IrqSpinLockGuard guard(g_create_lock);
        if (!process.extension) __atomic_store_n(&process.extension, made, __ATOMIC_RELEASE);
        state = static_cast<ProcessState*>(process.extension);
    }
    if (state != made) delete made;
    return state;
}

}  // namespace linux_abi
