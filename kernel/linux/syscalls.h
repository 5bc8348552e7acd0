// Every system-call handler, by family (one source file each). The table that maps numbers
// to them is linux/syscall_table.cc.
#pragma once

#include "linux/syscall.h"

namespace linux_abi {

#define OSPREY_SYSCALL(name) Result<u64> sys_##name(SyscallArgs& args)

// sys_process.cc







// sys_credentials.cc (also getuid, geteuid, getgid, getegid, getresuid, getresgid above)



// sys_memory.cc


// sys_time.cc


// sys_signal.cc




// sys_thread.cc


// sys_futex.cc

// sys_io.cc




// sys_fs.cc












// sys_file.cc





// sys_timerfd.cc

// sys_lock.cc

// sys_poll.cc

// sys_epoll.cc


// sys_random.cc

// sys_socket.cc












#undef OSPREY_SYSCALL

}  // namespace linux_abi
