# The floor of boot wall time: a PVH kernel that writes "x\n" to the first serial port and
# exits QEMU through isa-debug-exit at once. `make bench` boots it on the same QEMU command
# line as the guests (its first serial port is the Linux guest's console): what QEMU itself
# costs, which no kernel can go below.
#
#   as --32 floor.S -o floor.o && ld -m elf_i386 -Ttext=0x100000 floor.o -o floor.elf
        .section .note.Xen, "a"
        .p2align 2
        .long 4, 4, 18  # name size, descriptor size, XEN_ELFNOTE_PHYS32_ENTRY
        .asciz "Xen"
        .long _start
        .text
        .code32  # PVH enters in 32-bit protected mode, paging off
        .globl _start
_start:
        mov $0x3f8, %dx
        mov $'x', %al
        out %al, %dx
        mov $'\n', %al
        out %al, %dx
        xor %eax, %eax
        out %al, $0xf4  # isa-debug-exit (iobase 0xf4): QEMU exits with status 1
1:      hlt
        jmp 1b
