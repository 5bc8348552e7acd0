// Linux signal ABI for x86-64: numbers, sigaction flags, siginfo and the signal frame
// (include/uapi/asm-generic/signal.h, siginfo.h; arch/x86/include/uapi/asm/sigcontext.h,
// ucontext.h).
#pragma once

#include "base/types.h"

namespace linux_abi {

constexpr int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7,
              SIGFPE = 8, SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14,
              SIGTERM = 15, SIGSTKFLT = 16, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20,
              SIGTTIN = 21, SIGTTOU = 22, SIGURG = 23, SIGXCPU = 24, SIGXFSZ = 25, SIGVTALRM = 26,
              SIGPROF = 27, SIGWINCH = 28, SIGIO = 29, SIGPWR = 30, SIGSYS = 31;
constexpr int kSignalCount = 64;  // 1..64

constexpr u64 SA_NOCLDSTOP = 1, SA_NOCLDWAIT = 2, SA_SIGINFO = 4, SA_RESTORER = 0x04000000,
              SA_ONSTACK = 0x08000000, SA_RESTART = 0x10000000, SA_NODEFER = 0x40000000,
              SA_RESETHAND = 0x80000000;
constexpr u64 SIG_DFL = 0, SIG_IGN = 1;
constexpr int SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;
constexpr int SS_ONSTACK = 1, SS_DISABLE = 2;
constexpr u64 MINSIGSTKSZ = 2048;

// si_code values.
constexpr int SI_USER = 0, SI_KERNEL = 0x80, SI_TKILL = -6;
constexpr int SEGV_MAPERR = 1, SEGV_ACCERR = 2;
constexpr int BUS_ADRERR = 2;
constexpr int ILL_ILLOPN = 2;
constexpr int FPE_INTDIV = 1, FPE_FLTDIV = 3;
constexpr int TRAP_BRKPT = 1;

constexpr u64 sigbit(int sig) { return 1ull << (sig - 1); }

struct KernelSigaction {  // what rt_sigaction takes (struct kernel_sigaction)
    u64 handler;
    u64 flags;
    u64 restorer;
    u64 mask;
};

struct StackT {
    u64 ss_sp;
    i32 ss_flags;
    i32 pad;
    u64 ss_size;
};
static_assert(sizeof(StackT) == 24);

struct SigInfo {
    i32 si_signo;
    i32 si_errno;
    i32 si_code;
    i32 pad0;
    union {
        struct {
            i32 pid;
            u32 uid;
        } kill;
        struct {
            u64 addr;
        } fault;
        struct {  // SIGCHLD (_sigchld)
            i32 pid;
            u32 uid;
            i32 status;  // the exit code, or the signal
            i32 pad;
            i64 utime, stime;
        } child;
        u8 bytes[112];
    };
};
static_assert(sizeof(SigInfo) == 128);
// SIGCHLD codes.
constexpr i32 CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3, CLD_TRAPPED = 4, CLD_STOPPED = 5, CLD_CONTINUED = 6;

struct SigContext {
    u64 r8, r9, r10, r11, r12, r13, r14, r15;
    u64 rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip;
    u64 eflags;
    u16 cs, gs, fs, ss;
    u64 err, trapno, oldmask, cr2;
    u64 fpstate;  // user pointer to the FPU state (FXSAVE/XSAVE layout)
    u64 reserved1[8];
};
static_assert(sizeof(SigContext) == 256);

struct UContext {
    u64 uc_flags;
    u64 uc_link;
    StackT uc_stack;
    SigContext uc_mcontext;
    u64 uc_sigmask;
};
static_assert(sizeof(UContext) == 304);

// The frame a handler finds on its stack: the return address (sa_restorer, which calls
// rt_sigreturn) at the handler's rsp, then the ucontext and the siginfo; the FPU state
// follows, 64-byte aligned.
struct RtSigFrame {
    u64 pretcode;
    UContext uc;
    SigInfo info;
};

// The software-reserved bytes at offset 464 of the FXSAVE area, which say an XSAVE area
// follows (arch/x86/include/uapi/asm/sigcontext.h, struct _fpx_sw_bytes).
constexpr u32 FP_XSTATE_MAGIC1 = 0x46505853;
constexpr u32 FP_XSTATE_MAGIC2 = 0x46505845;
struct FpxSwBytes {
    u32 magic1;
    u32 extended_size;
    u64 xfeatures;
    u32 xstate_size;
    u32 padding[7];
};
static_assert(sizeof(FpxSwBytes) == 48);

const char* signal_name(int sig);

}  // namespace linux_abi
