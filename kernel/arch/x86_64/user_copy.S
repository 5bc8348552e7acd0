/* Copies between kernel and user memory. The only code that touches user addresses:
 * a fault here (a bad pointer from the application) is not a kernel fault. The page-fault
 * handler first tries to page the address in (demand paging); if the address is not
 * mapped for that access, it resumes at the routine's fixup, which returns an error.
 * The callers (linux/user_memory.cc) have checked that the range lies in the user half.
 * With SMAP on, user pages are reachable only between STAC and CLAC. */

.macro USER_ACCESS_BEGIN
    cmpb $0, smap_enabled(%rip)
    je 1f
    stac
1:
.endm
.macro USER_ACCESS_END
    cmpb $0, smap_enabled(%rip)
    je 1f
    clac
1:
.endm

.text
/* u64 arch_copy_user(void* dst, const void* src, u64 length): returns the bytes NOT copied. */
.global arch_copy_user
/* Eight bytes at a time, then the last 0-7: under QEMU's TCG a rep string instruction
 * costs about the same per iteration whatever its width, so a 4 KiB read is 512
 * iterations rather than 4096. */
arch_copy_user:
    USER_ACCESS_BEGIN
    movq %rdx, %rcx
    shrq $3, %rcx
    andl $7, %edx
    movl $8, %r8d
.global user_copy_access
user_copy_access:
    rep movsq
    movq %rdx, %rcx
    xorl %edx, %edx
    movl $1, %r8d
    rep movsb
.global user_copy_access_end
user_copy_access_end:
    USER_ACCESS_END
    xorl %eax, %eax
    ret
.global user_copy_fixup
user_copy_fixup:
    USER_ACCESS_END
    /* What was left: rcx units of r8 bytes, plus the tail in rdx while still in movsq. */
    imulq %r8, %rcx
    leaq (%rcx, %rdx), %rax
    ret

/* i64 arch_strnlen_user(const char* s, u64 max): the length of a user string (max if no
 * NUL in the first max bytes), or -1 on a fault. */
.global arch_strnlen_user
arch_strnlen_user:
    USER_ACCESS_BEGIN
    xorl %eax, %eax
2:  cmpq %rsi, %rax
    je 3f
.global user_strnlen_access
user_strnlen_access:
    cmpb $0, (%rdi, %rax)
.global user_strnlen_access_end
user_strnlen_access_end:
    je 3f
    incq %rax
    jmp 2b
3:  USER_ACCESS_END
    ret
.global user_strnlen_fixup
user_strnlen_fixup:
    USER_ACCESS_END
    movq $-1, %rax
    ret

/* u64 arch_clear_user(void* dst, u64 length): zeroes user memory; returns bytes NOT cleared. */
.global arch_clear_user
arch_clear_user:
    USER_ACCESS_BEGIN
    movq %rsi, %rcx                   /* quadwords, then the last 0-7 bytes, as above */
    shrq $3, %rcx
    movq %rsi, %rdx
    andl $7, %edx
    movl $8, %r8d
    xorl %eax, %eax
.global user_clear_access
user_clear_access:
    rep stosq
    movq %rdx, %rcx
    xorl %edx, %edx
    movl $1, %r8d
    rep stosb
.global user_clear_access_end
user_clear_access_end:
    USER_ACCESS_END
    xorl %eax, %eax
    ret
.global user_clear_fixup
user_clear_fixup:
    USER_ACCESS_END
    imulq %r8, %rcx
    leaq (%rcx, %rdx), %rax
    ret

/* i32 arch_cmpxchg_user_u32(u32* address, u32 expected, u32 desired, u32* old): atomically
 * compares and exchanges a user word (futexes); returns 0, or -1 on a fault. */
.global arch_cmpxchg_user_u32
arch_cmpxchg_user_u32:
    USER_ACCESS_BEGIN
    movl %esi, %eax
.global user_cmpxchg_access
user_cmpxchg_access:
    lock cmpxchgl %edx, (%rdi)
.global user_cmpxchg_access_end
user_cmpxchg_access_end:
    movl %eax, (%rcx)
    USER_ACCESS_END
    xorl %eax, %eax
    ret
.global user_cmpxchg_fixup
user_cmpxchg_fixup:
    USER_ACCESS_END
    movl $-1, %eax
    ret

.section .note.GNU-stack, "", @progbits
