/* The code a CPU started by INIT-SIPI-SIPI runs first (arch/x86_64/ap_boot.cc). It is
 * assembled here and copied to a page below 1 MiB: the start-up IPI names that page, and
 * the CPU begins there in real mode with CS = page << 8, IP = 0. It has no stack and no
 * paging; it reaches long mode the way the SDM (vol. 3A, "Initializing IA-32e Mode")
 * prescribes: protected mode first, then PAE, a PML4 in CR3, EFER.LME, CR0.PG.
 *
 * Everything is addressed relative to the copy's start (OFFSET): the code computes its
 * own linear base from CS and keeps it in %esi. The boot CPU fills the parameter block at
 * the end before each start-up IPI: a PML4 below 4 GiB (CR3 takes 32 bits until long mode)
 * that maps this page at its own address and the kernel half as the kernel's does, then
 * the kernel's own page table, a stack, and the function to call with one argument. */

#define OFFSET(label) ((label) - ap_trampoline_start)

#define MSR_EFER 0xc0000080
#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_NW (1 << 29)
#define CR0_CD (1 << 30)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)

#define CODE32 0x08
#define DATA 0x10
#define CODE64 0x18

/* How far the CPU got, for a report when it never comes online (ap_boot.h). */
#define STAGE_REAL_MODE 1
#define STAGE_PROTECTED_MODE 2
#define STAGE_LONG_MODE 3

.section .rodata
.balign 16
.global ap_trampoline_start
ap_trampoline_start:
.code16
    cli
    cld
    movw %cs, %ax
    movw %ax, %ds
    movl $STAGE_REAL_MODE, OFFSET(ap_stage)
    xorl %esi, %esi
    movw %ax, %si
    shll $4, %esi                          /* the copy's linear address */

    /* The GDT's address and both far jumps' targets depend on where the copy is. */
    leal OFFSET(trampoline_gdt)(%esi), %eax
    movl %eax, OFFSET(trampoline_gdt_pointer) + 2
    leal OFFSET(protected_mode)(%esi), %eax
    movl %eax, OFFSET(to_protected_mode)
    leal OFFSET(long_mode)(%esi), %eax
    movl %eax, OFFSET(to_long_mode)
    lgdtl OFFSET(trampoline_gdt_pointer)

    /* After INIT, CR0 has caching disabled (CD, NW): turn it back on with PE. */
    movl %cr0, %eax
    andl $~(CR0_CD | CR0_NW), %eax
    orl $CR0_PE, %eax
    movl %eax, %cr0
    ljmpl *OFFSET(to_protected_mode)

.code32
protected_mode:
    movw $DATA, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs
    movl $STAGE_PROTECTED_MODE, OFFSET(ap_stage)(%esi)

    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl OFFSET(ap_page_table)(%esi), %eax
    movl %eax, %cr3
    /* LME, and NXE when the kernel's tables use the NX bit (reserved without it). */
    movl $MSR_EFER, %ecx
    rdmsr
    orl OFFSET(ap_efer)(%esi), %eax
    wrmsr
    movl %cr0, %eax
    orl $(CR0_PG | CR0_WP), %eax
    movl %eax, %cr0
    ljmpl *OFFSET(to_long_mode)(%esi)

.code64
long_mode:
    movl %esi, %esi                        /* the upper half is undefined after the switch */
    movl $STAGE_LONG_MODE, OFFSET(ap_stage)(%rsi)
    movq OFFSET(ap_kernel_page_table)(%rsi), %rdx
    movq OFFSET(ap_stack_top)(%rsi), %rcx
    movq OFFSET(ap_argument)(%rsi), %rdi
    movq OFFSET(ap_entry)(%rsi), %rax
    /* To the kernel half (mapped in both tables), then onto the kernel's own table, which
     * does not map this page. */
    movabsq $ap_enter_kernel, %rbx
    jmp *%rbx

.balign 8
trampoline_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff               /* 0x08: 32-bit code, flat */
    .quad 0x00cf92000000ffff               /* 0x10: data, flat */
    .quad 0x00af9a000000ffff               /* 0x18: 64-bit code */
trampoline_gdt_end:
.balign 8
    .word 0
trampoline_gdt_pointer:
    .word trampoline_gdt_end - trampoline_gdt - 1
    .long 0                                /* filled in: the GDT's linear address */
.balign 8
to_protected_mode:
    .long 0                                /* filled in */
    .word CODE32
.balign 8
to_long_mode:
    .long 0                                /* filled in */
    .word CODE64

/* The parameter block: ApTrampolineParams in ap_boot.cc, field for field. */
.balign 8
.global ap_trampoline_params
ap_trampoline_params:
ap_page_table:        .long 0              /* physical, below 4 GiB */
ap_efer:              .long 0              /* EFER bits to set */
ap_kernel_page_table: .quad 0
ap_stack_top:         .quad 0
ap_entry:             .quad 0              /* void entry(void* argument), never returns */
ap_argument:          .quad 0
ap_stage:             .long 0              /* written by the CPU as it goes */
                      .long 0
.global ap_trampoline_end
ap_trampoline_end:

/* In the kernel's text: load the kernel's page table and stack, call the entry. */
.text
ap_enter_kernel:
    movq %rdx, %cr3
    movq %rcx, %rsp
    xorl %ebp, %ebp                        /* ends frame-pointer backtraces */
    call *%rax
1:  cli
    hlt
    jmp 1b

.section .note.GNU-stack, "", @progbits
