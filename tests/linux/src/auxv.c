// Checks the auxiliary vector's invariants, both through getauxval and by walking the
// vector that follows envp on the initial stack. Prints only pass/fail lines, never values
// that differ between runs (addresses, random bytes).
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

extern char **environ;
extern const Elf64_Ehdr __ehdr_start;  // Provided by the linker: our own ELF header.
extern void _start(void);

#include "check.h"

// The walked vector, captured at the start of main before anything can change environ.
static const Elf64_auxv_t *auxv_start;

static const Elf64_auxv_t *walk_find(uint64_t type) {
    for (const Elf64_auxv_t *a = auxv_start; a->a_type != AT_NULL; a++)
        if (a->a_type == type)
            return a;
    return NULL;
}

static int walk_count(uint64_t type) {
    int n = 0;
    for (const Elf64_auxv_t *a = auxv_start; a->a_type != AT_NULL; a++)
        n += a->a_type == type;
    return n;
}

// An entry is present exactly once in the walked vector and getauxval agrees with it.
static int present(uint64_t type) {
    const Elf64_auxv_t *a = walk_find(type);
    if (!a || walk_count(type) != 1)
        return 0;
    // glibc on x86 answers AT_HWCAP from its own CPU feature bits, not the vector.
    if (type == AT_HWCAP)
        return 1;
    errno = 0;
    unsigned long value = getauxval(type);
    return errno == 0 && value == a->a_un.a_val;
}

static unsigned long value_of(uint64_t type) {
    const Elf64_auxv_t *a = walk_find(type);
    return a ? a->a_un.a_val : 0;
}

int main(int argc, char **argv) {
    (void)argc;
    char **p = environ;
    while (*p)
        p++;
    auxv_start = (const Elf64_auxv_t *)(p + 1);
    check((void *)environ == (void *)(argv + argc + 1), "envp follows argv's NULL");

    int entries = 0;
    for (const Elf64_auxv_t *a = auxv_start; a->a_type != AT_NULL && entries < 1000; a++)
        entries++;
    check(entries > 0 && entries < 1000, "auxv ends with AT_NULL");

    static const struct { uint64_t type; const char *name; } required[] = {
        {AT_PHDR, "AT_PHDR"},     {AT_PHENT, "AT_PHENT"},   {AT_PHNUM, "AT_PHNUM"},
        {AT_PAGESZ, "AT_PAGESZ"}, {AT_BASE, "AT_BASE"},     {AT_ENTRY, "AT_ENTRY"},
        {AT_UID, "AT_UID"},       {AT_EUID, "AT_EUID"},     {AT_GID, "AT_GID"},
        {AT_EGID, "AT_EGID"},     {AT_SECURE, "AT_SECURE"}, {AT_RANDOM, "AT_RANDOM"},
        {AT_HWCAP, "AT_HWCAP"},   {AT_HWCAP2, "AT_HWCAP2"}, {AT_CLKTCK, "AT_CLKTCK"},
        {AT_EXECFN, "AT_EXECFN"}, {AT_PLATFORM, "AT_PLATFORM"},
        {AT_MINSIGSTKSZ, "AT_MINSIGSTKSZ"},
    };
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "%s present once%s", required[i].name,
                 required[i].type == AT_HWCAP ? "" : ", getauxval agrees");
        check(present(required[i].type), what);
    }
    errno = 0;
    check(getauxval(0x7fff) == 0 && errno == ENOENT, "getauxval of a missing entry gives ENOENT");

    check(value_of(AT_PAGESZ) == 4096, "AT_PAGESZ is 4096");
    check(sysconf(_SC_PAGESIZE) == 4096, "sysconf(_SC_PAGESIZE) is 4096");
    check(value_of(AT_CLKTCK) == 100, "AT_CLKTCK is 100");
    check(value_of(AT_SECURE) == 0, "AT_SECURE is 0");
    // A dynamic program (PT_INTERP) gets its interpreter's load address; a static one 0.
    int has_interpreter = 0;
    const Elf64_Phdr *headers = (const Elf64_Phdr *)value_of(AT_PHDR);
    for (unsigned long i = 0; headers && i < value_of(AT_PHNUM); i++)
        if (headers[i].p_type == PT_INTERP) has_interpreter = 1;
    if (has_interpreter)
        check(value_of(AT_BASE) != 0 && value_of(AT_BASE) % 4096 == 0, "AT_BASE is the interpreter's page-aligned base");
    else
        check(value_of(AT_BASE) == 0, "AT_BASE is 0 (no interpreter)");
    check(value_of(AT_PHENT) == sizeof(Elf64_Phdr), "AT_PHENT is sizeof(Elf64_Phdr)");

    // Our own headers, found through the ELF header the linker maps at the load base.
    const Elf64_Ehdr *ehdr = &__ehdr_start;
    check(memcmp(ehdr->e_ident, ELFMAG, SELFMAG) == 0 && ehdr->e_machine == EM_X86_64,
          "__ehdr_start is an x86-64 ELF header");
    const Elf64_Phdr *phdr = (const Elf64_Phdr *)((const char *)ehdr + ehdr->e_phoff);
    check(value_of(AT_PHDR) == (unsigned long)phdr, "AT_PHDR is our program headers");
    check(value_of(AT_PHNUM) == ehdr->e_phnum, "AT_PHNUM is our e_phnum");

    // The load bias: where the first PT_LOAD landed minus its link-time address.
    unsigned long bias = 0;
    int found_load = 0;
    for (int i = 0; i < ehdr->e_phnum; i++) {
        if (phdr[i].p_type == PT_LOAD && phdr[i].p_offset == 0) {
            bias = (unsigned long)ehdr - phdr[i].p_vaddr;
            found_load = 1;
            break;
        }
        if (phdr[i].p_type == PT_PHDR) {
            bias = (unsigned long)phdr - phdr[i].p_vaddr;
            found_load = 1;
        }
    }
    check(found_load, "load bias found from PT_LOAD/PT_PHDR");
    check(value_of(AT_ENTRY) == (unsigned long)&_start, "AT_ENTRY is _start");
    check(value_of(AT_ENTRY) == ehdr->e_entry + bias, "AT_ENTRY is e_entry plus load bias");
    if (ehdr->e_type == ET_EXEC)
        check(bias == 0, "ET_EXEC loaded at its link address");
    else
        check(ehdr->e_type == ET_DYN && bias % 4096 == 0, "ET_DYN load bias page-aligned");

    const volatile unsigned char *random = (const unsigned char *)value_of(AT_RANDOM);
    int nonzero = 0;
    if (random)
        for (int i = 0; i < 16; i++)
            nonzero |= random[i];
    check(random && nonzero, "AT_RANDOM points to 16 readable bytes, not all zero");

    const char *execfn = (const char *)value_of(AT_EXECFN);
    check(execfn && strnlen(execfn, 4096) > 0 && strnlen(execfn, 4096) < 4096,
          "AT_EXECFN is a non-empty string");
    const char *platform = (const char *)value_of(AT_PLATFORM);
    check(platform && strcmp(platform, "x86_64") == 0, "AT_PLATFORM is x86_64");

    check(value_of(AT_UID) == getuid(), "AT_UID is getuid()");
    check(value_of(AT_EUID) == geteuid(), "AT_EUID is geteuid()");
    check(value_of(AT_GID) == getgid(), "AT_GID is getgid()");
    check(value_of(AT_EGID) == getegid(), "AT_EGID is getegid()");

    // x86-64 implies FPU, TSC, CX8, CMOV, FXSR, SSE and SSE2 in CPUID.1:EDX.
    unsigned long hwcap = value_of(AT_HWCAP);
    unsigned long baseline = (1ul << 0) | (1ul << 4) | (1ul << 8) | (1ul << 15) |
                             (1ul << 24) | (1ul << 25) | (1ul << 26);
    check((hwcap & baseline) == baseline, "AT_HWCAP has the x86-64 baseline bits");
    unsigned long minsigstksz = value_of(AT_MINSIGSTKSZ);
    check(minsigstksz >= 512 && minsigstksz <= 65536, "AT_MINSIGSTKSZ is plausible");

    // The strings AT_EXECFN and AT_PLATFORM, and the AT_RANDOM bytes, live on the stack above
    // the pointer arrays.
    check((unsigned long)execfn > (unsigned long)auxv_start &&
              (unsigned long)random > (unsigned long)auxv_start,
          "AT_EXECFN and AT_RANDOM lie above the auxv");
    check(((unsigned long)(argv - 1) & 15) == 0, "initial stack pointer 16-byte aligned");

    if (failures) {
        fprintf(stderr, "FAIL: auxv: %d checks failed\n", failures);
        return 1;
    }
    printf("auxv ok\n");
    return 0;
}
