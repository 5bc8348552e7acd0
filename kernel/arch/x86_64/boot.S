/* PVH entry. QEMU (and Firecracker) enter here in 32-bit protected mode with paging off,
 * %ebx holding the physical address of hvm_start_info. We build just enough page tables
 * to reach long mode in the upper half, then call kernel_entry(start_info_phys). The real
 * page tables (direct map of all RAM, per-section permissions) are built in C++. */

#define KERNEL_VMA 0xffffffff80000000
#define PHYS(sym) ((sym) - KERNEL_VMA)

#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)

/* XEN_ELFNOTE_PHYS32_ENTRY (18): the physical address of the 32-bit entry point. */
.section .note.Xen, "a"
.align 4
.long 4            /* name size: "Xen\0" */
.long 8            /* descriptor size */
.long 18           /* XEN_ELFNOTE_PHYS32_ENTRY */
.asciz "Xen"
.align 4
.quad PHYS(pvh_start)
.align 4

.section .boot.text, "ax"
.code32
.global pvh_start
pvh_start:
    cli
    cld
    movl %ebx, %edi                       /* keep start_info for kernel_entry */

    /* Record the TSC at entry: the boot-cost figure runs from here. */
    rdtsc
    movl %eax, PHYS(boot_entry_tsc)
    movl %edx, PHYS(boot_entry_tsc) + 4

    /* One page directory of 2 MiB pages maps the first GiB; it is reachable at 0 (for the
     * jump into long mode), at the direct map base and at the kernel's link address. */
    movl $PHYS(boot_pd), %ebx
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $21, %eax
    orl $0x83, %eax                       /* present, writable, 2 MiB page */
    movl %eax, (%ebx, %ecx, 8)
    movl $0, 4(%ebx, %ecx, 8)
    incl %ecx
    cmpl $512, %ecx
    jne 1b

    movl $(PHYS(boot_pd) + 3), PHYS(boot_pdpt_low)
    movl $(PHYS(boot_pd) + 3), PHYS(boot_pdpt_high) + 510 * 8
    movl $(PHYS(boot_pdpt_low) + 3), PHYS(boot_pml4)
    movl $(PHYS(boot_pdpt_low) + 3), PHYS(boot_pml4) + 256 * 8
    movl $(PHYS(boot_pdpt_high) + 3), PHYS(boot_pml4) + 511 * 8

    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl $PHYS(boot_pml4), %eax
    movl %eax, %cr3

    /* Long mode, and no-execute when the CPU has it (CPUID 0x80000001 EDX bit 20). */
    movl $0x80000001, %eax
    cpuid
    movl $EFER_LME, %esi
    testl $(1 << 20), %edx
    jz 2f
    orl $EFER_NXE, %esi
2:  movl $MSR_EFER, %ecx
    rdmsr
    orl %esi, %eax
    wrmsr

    movl %cr0, %eax
    orl $(CR0_PE | CR0_PG | CR0_WP), %eax
    movl %eax, %cr0

    lgdt PHYS(boot_gdt_pointer)
    ljmp $0x08, $PHYS(long_mode_entry)

.code64
long_mode_entry:
    movabsq $higher_half, %rax
    jmp *%rax

higher_half:
    xorl %eax, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    movl %eax, %fs
    movl %eax, %gs
    movabsq $boot_stack_top, %rsp
    xorl %ebp, %ebp                       /* terminates frame-pointer backtraces */
    movl %edi, %edi                       /* start_info physical address, zero-extended */
    call kernel_entry
3:  cli
    hlt
    jmp 3b

.section .rodata
.align 16
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff              /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff              /* 0x10: data */
boot_gdt_end:
boot_gdt_pointer:
    .word boot_gdt_end - boot_gdt - 1
    .long PHYS(boot_gdt)

.section .data
.align 8
.global boot_entry_tsc
boot_entry_tsc:
    .quad 0

.section .bss
.align 4096
.global boot_pml4
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4096
.align 16
.global boot_stack, boot_stack_top
boot_stack:     .skip 16384
boot_stack_top:
