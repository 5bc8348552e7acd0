// The syscall table: Linux numbers to handlers. A number without an entry returns ENOSYS
// and is logged once by name (linux/syscall.cc).
#include "linux/syscall_numbers.h"
#include "linux/syscalls.h"

namespace linux_abi {

namespace {

struct Table {
    SyscallEntry entries[kSyscallCount] = {};
    constexpr void set(unsigned number, Handler handler, u8 argument_count) { entries[number] = {handler, argument_count}; }
};

constexpr Table build() {
    Table t;
#define S(name, count) t.set(SYS_##name, sys_##name, count)
    S(socketpair, 4); S(sendto, 6); S(recvfrom, 6); S(sendmsg, 3); S(recvmsg, 3); S(shutdown, 2);
    S(getsockopt, 5); S(socket, 3); S(bind, 3); S(listen, 2); S(accept, 3); S(accept4, 4); S(connect, 3);
    S(getsockname, 3); S(getpeername, 3); S(setsockopt, 5); S(sendmmsg, 4); S(recvmmsg, 5); S(setitimer, 3); S(getitimer, 2); S(alarm, 1); S(pause, 0);
    S(wait4, 4); S(waitid, 5); S(setpgid, 2); S(setsid, 0); S(fork, 0); S(vfork, 0); S(execve, 3); S(execveat, 5); S(capget, 2); S(fadvise64, 4); S(rt_sigtimedwait, 4);
    S(timer_create, 3); S(timer_settime, 4); S(timer_gettime, 2); S(timer_getoverrun, 1); S(timer_delete, 1);
    S(signalfd, 3); S(signalfd4, 4);
    S(read, 3); S(write, 3); S(close, 1); S(mmap, 6); S(mprotect, 3); S(munmap, 2); S(brk, 1);
    S(rt_sigaction, 4); S(rt_sigprocmask, 4); S(rt_sigreturn, 0); S(ioctl, 3); S(readv, 3); S(writev, 3);
    S(pipe, 1); S(sched_yield, 0); S(mremap, 5); S(madvise, 3); S(dup, 1); S(dup2, 2); S(nanosleep, 2);
    S(getpid, 0); S(clone, 5); S(exit, 1); S(kill, 2); S(uname, 1); S(fcntl, 3); S(gettimeofday, 2);
    S(getrlimit, 2); S(getrusage, 2); S(sysinfo, 1); S(getuid, 0); S(getgid, 0); S(geteuid, 0); S(getegid, 0);
    S(setuid, 1); S(setgid, 1); S(setreuid, 2); S(setregid, 2); S(setresuid, 3); S(setresgid, 3);
    S(setfsuid, 1); S(setfsgid, 1); S(getgroups, 2); S(setgroups, 2);
    S(getppid, 0); S(getpgrp, 0); S(getresuid, 3); S(getresgid, 3); S(getpgid, 1); S(getsid, 1);
    S(rt_sigpending, 2); S(rt_sigsuspend, 2); S(sigaltstack, 2); S(umask, 1); S(prctl, 5); S(arch_prctl, 2);
    S(setrlimit, 2); S(gettid, 0); S(tkill, 2); S(time, 1); S(futex, 6); S(sched_setaffinity, 3);
    S(sched_getaffinity, 3); S(epoll_create, 1); S(set_tid_address, 1); S(clock_gettime, 2);
    S(clock_getres, 2); S(clock_nanosleep, 4); S(exit_group, 1); S(epoll_wait, 4); S(epoll_ctl, 4);
    S(tgkill, 3); S(epoll_pwait, 6); S(eventfd, 1); S(eventfd2, 2); S(epoll_create1, 1); S(dup3, 3);
    S(pipe2, 2); S(prlimit64, 4); S(getcpu, 3); S(getrandom, 3); S(set_robust_list, 2);
    S(get_robust_list, 3); S(clone3, 2); S(mlock, 2); S(munlock, 2); S(rt_sigqueueinfo, 3);
    S(rt_tgsigqueueinfo, 4); S(fstat, 2); S(newfstatat, 4);
    S(openat, 4); S(open, 3); S(creat, 2); S(stat, 2); S(lstat, 2); S(statx, 5); S(statfs, 2); S(fstatfs, 2);
    S(mkdirat, 3); S(mkdir, 2); S(unlinkat, 3); S(unlink, 1); S(rmdir, 1); S(renameat2, 5); S(renameat, 4);
    S(rename, 2); S(linkat, 5); S(link, 2); S(symlinkat, 3); S(symlink, 2); S(readlinkat, 4); S(readlink, 3);
    S(faccessat, 3); S(faccessat2, 4); S(access, 2); S(chmod, 2); S(fchmodat, 3); S(fchmod, 2); S(chown, 3);
    S(lchown, 3); S(fchownat, 5); S(fchown, 3); S(utimensat, 4); S(truncate, 2); S(chdir, 1); S(fchdir, 1);
    S(getcwd, 2); S(pread64, 4); S(pwrite64, 4); S(preadv, 4); S(pwritev, 4); S(preadv2, 5); S(pwritev2, 5);
    S(lseek, 3); S(getdents64, 3); S(ftruncate, 2); S(fallocate, 4); S(fsync, 1); S(fdatasync, 1); S(syncfs, 1);
    S(sync, 0); S(close_range, 3); S(memfd_create, 2); S(sendfile, 4); S(copy_file_range, 6); S(poll, 3);
    S(ppoll, 5); S(select, 5); S(pselect6, 6); S(timerfd_create, 2); S(timerfd_settime, 4);
    S(timerfd_gettime, 2); S(flock, 2); S(getxattr, 4); S(lgetxattr, 4); S(fgetxattr, 4); S(listxattr, 3);
    S(msync, 3); S(llistxattr, 3); S(flistxattr, 3); S(setxattr, 5); S(lsetxattr, 5); S(fsetxattr, 5);
#undef S
    return t;
}

constexpr Table kTable = build();
constexpr SyscallEntry kNone = {nullptr, 6};

}  // namespace

const SyscallEntry& syscall_entry(u64 number) { return number < kSyscallCount ? kTable.entries[number] : kNone; }

}  // namespace linux_abi
