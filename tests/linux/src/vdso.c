// The vDSO: AT_SYSINFO_EHDR points at an ELF image that exports __vdso_clock_gettime,
// __vdso_gettimeofday, __vdso_time, __vdso_getcpu and __vdso_clock_getres with version
// LINUX_2.6 (found here by walking its dynamic symbol table, as libc does); each, called
// directly, agrees with its system call; /proc/self/maps names [vdso] and [vvar]. Prints
// only "ok" lines, never times or addresses.
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static int64_t ns(const struct timespec *t) { return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec; }

// --- finding the functions ---------------------------------------------------------------

struct image {
    uintptr_t load_offset;  // add to an address in the image to get where it is now
    const Elf64_Sym *symbols;
    const char *strings;
    const Elf64_Half *versym;
    const char *verdef;
    uint32_t symbol_count;
};

// The number of dynamic symbols: DT_HASH's nchain, or past the last symbol in a GNU hash
// chain (the last entry of each chain has its low bit set).
static uint32_t count_gnu_hash(const uint32_t *table) {
    uint32_t nbuckets = table[0], symoffset = table[1], bloom_size = table[2];
    const uint32_t *buckets = table + 4 + bloom_size * 2;  // 64-bit bloom words
    const uint32_t *chains = buckets + nbuckets;
    uint32_t last = 0;
    for (uint32_t i = 0; i < nbuckets; i++)
        if (buckets[i] > last) last = buckets[i];
    if (last < symoffset) return symoffset;
    while (!(chains[last - symoffset] & 1)) last++;
    return last + 1;
}

static int parse_image(const Elf64_Ehdr *ehdr, struct image *out) {
    if (memcmp(ehdr->e_ident, ELFMAG, SELFMAG) != 0 || ehdr->e_ident[EI_CLASS] != ELFCLASS64 ||
        ehdr->e_type != ET_DYN || ehdr->e_machine != EM_X86_64)
        return 0;
    const Elf64_Phdr *phdrs = (const Elf64_Phdr *)((const char *)ehdr + ehdr->e_phoff);
    const Elf64_Dyn *dynamic = NULL;
    int have_load = 0;
    for (int i = 0; i < ehdr->e_phnum; i++) {
        if (phdrs[i].p_type == PT_LOAD && !have_load) {
            out->load_offset = (uintptr_t)ehdr + phdrs[i].p_offset - phdrs[i].p_vaddr;
            have_load = 1;
        } else if (phdrs[i].p_type == PT_DYNAMIC) {
            dynamic = (const Elf64_Dyn *)((const char *)ehdr + phdrs[i].p_offset);
        }
    }
    if (!have_load || !dynamic) return 0;
    const uint32_t *hash = NULL, *gnu_hash = NULL;
    for (const Elf64_Dyn *d = dynamic; d->d_tag != DT_NULL; d++) {
        const void *p = (const void *)(out->load_offset + d->d_un.d_ptr);
        switch (d->d_tag) {
            case DT_SYMTAB: out->symbols = p; break;
            case DT_STRTAB: out->strings = p; break;
            case DT_VERSYM: out->versym = p; break;
            case DT_VERDEF: out->verdef = p; break;
            case DT_HASH: hash = p; break;
            case DT_GNU_HASH: gnu_hash = p; break;
        }
    }
    if (!out->symbols || !out->strings || (!hash && !gnu_hash)) return 0;
    out->symbol_count = hash ? hash[1] : count_gnu_hash(gnu_hash);
    return 1;
}

static const char *version_name(const struct image *image, unsigned index) {
    const char *def = image->verdef;
    while (def) {
        const Elf64_Verdef *vd = (const Elf64_Verdef *)def;
        if (vd->vd_ndx == index) return image->strings + ((const Elf64_Verdaux *)(def + vd->vd_aux))->vda_name;
        def = vd->vd_next ? def + vd->vd_next : NULL;
    }
    return "";
}

// The function `name` defined with version `version`, or NULL.
static void *find_function(const struct image *image, const char *name, const char *version) {
    for (uint32_t i = 1; i < image->symbol_count; i++) {
        const Elf64_Sym *s = &image->symbols[i];
        if (s->st_shndx == SHN_UNDEF || ELF64_ST_TYPE(s->st_info) != STT_FUNC) continue;
        if (ELF64_ST_BIND(s->st_info) != STB_GLOBAL && ELF64_ST_BIND(s->st_info) != STB_WEAK) continue;
        if (strcmp(image->strings + s->st_name, name) != 0) continue;
        if (!image->versym || strcmp(version_name(image, image->versym[i] & 0x7fff), version) != 0) continue;
        return (void *)(image->load_offset + s->st_value);
    }
    return NULL;
}

// --- the functions against their system calls --------------------------------------------

static int (*vdso_clock_gettime)(clockid_t, struct timespec *);
static int (*vdso_gettimeofday)(struct timeval *, struct timezone *);
static time_t (*vdso_time)(time_t *);
static long (*vdso_getcpu)(unsigned *, unsigned *, void *);
static int (*vdso_clock_getres)(clockid_t, struct timespec *);

// The raw result of a system call: -errno on failure, as the vDSO returns it.
static long raw(long result) { return result == -1 ? -errno : result; }

static const struct {
    clockid_t id;
    const char *name;
    int monotonic;  // never goes back
} clocks[] = {
    {CLOCK_REALTIME, "CLOCK_REALTIME", 0},
    {CLOCK_MONOTONIC, "CLOCK_MONOTONIC", 1},
    {CLOCK_PROCESS_CPUTIME_ID, "CLOCK_PROCESS_CPUTIME_ID", 1},
    {CLOCK_THREAD_CPUTIME_ID, "CLOCK_THREAD_CPUTIME_ID", 1},
    {CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW", 1},
    {CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE", 0},
    {CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE", 1},
    {CLOCK_BOOTTIME, "CLOCK_BOOTTIME", 1},
    {CLOCK_TAI, "CLOCK_TAI", 0},
};

static void check_clock_gettime(void) {
    char what[160];
    for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
        struct timespec a, b, c;
        int ra = vdso_clock_gettime(clocks[i].id, &a);
        long rb = raw(syscall(SYS_clock_gettime, clocks[i].id, &b));
        int rc = vdso_clock_gettime(clocks[i].id, &c);
        snprintf(what, sizeof what, "__vdso_clock_gettime(%s) succeeds as the system call does", clocks[i].name);
        check(ra == 0 && rb == 0 && rc == 0, what);
        if (clocks[i].monotonic) {
            snprintf(what, sizeof what, "%s: vDSO <= system call <= vDSO", clocks[i].name);
            check(ns(&a) <= ns(&b) && ns(&b) <= ns(&c), what);
        } else {
            // The wall clock may be stepped on the host; within 10 ms either way and 10 s overall.
            snprintf(what, sizeof what, "%s: vDSO and system call agree", clocks[i].name);
            check(ns(&b) >= ns(&a) - 10000000 && ns(&c) >= ns(&b) - 10000000 && ns(&c) - ns(&a) < 10000000000LL, what);
        }
        check(a.tv_nsec >= 0 && a.tv_nsec < 1000000000, "tv_nsec is below a second");
    }

    struct timespec t;
    long rv = vdso_clock_gettime(100, &t);
    long rs = raw(syscall(SYS_clock_gettime, 100, &t));
    check(rv == -EINVAL && rs == -EINVAL, "__vdso_clock_gettime of an unknown clock returns -EINVAL like the system call");

    // Mixed: the vDSO, the system call and libc's clock_gettime never go back on each other.
    int64_t previous = 0;
    int backwards = 0;
    for (int i = 0; i < 3000; i++) {
        struct timespec now;
        if (i % 3 == 0)
            vdso_clock_gettime(CLOCK_MONOTONIC, &now);
        else if (i % 3 == 1)
            syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &now);
        else
            clock_gettime(CLOCK_MONOTONIC, &now);
        backwards += ns(&now) < previous;
        previous = ns(&now);
    }
    check(backwards == 0, "CLOCK_MONOTONIC never goes back across vDSO, system call and libc");
}

static void check_gettimeofday(void) {
    struct timeval a, b, c;
    struct timezone tz_vdso = {-1, -1}, tz_sys = {-2, -2};
    int ra = vdso_gettimeofday(&a, &tz_vdso);
    long rb = raw(syscall(SYS_gettimeofday, &b, &tz_sys));
    int rc = vdso_gettimeofday(&c, NULL);
    check(ra == 0 && rb == 0 && rc == 0, "__vdso_gettimeofday succeeds");
    int64_t us_a = a.tv_sec * 1000000LL + a.tv_usec, us_b = b.tv_sec * 1000000LL + b.tv_usec,
            us_c = c.tv_sec * 1000000LL + c.tv_usec;
    check(us_b >= us_a - 10000 && us_c >= us_b - 10000 && us_c - us_a < 10000000, "gettimeofday: vDSO and system call agree");
    check(a.tv_usec >= 0 && a.tv_usec < 1000000, "tv_usec is below a second");
    check(tz_vdso.tz_minuteswest == tz_sys.tz_minuteswest && tz_vdso.tz_dsttime == tz_sys.tz_dsttime,
          "gettimeofday: the vDSO's timezone is the system call's");
    check(vdso_gettimeofday(NULL, NULL) == 0, "__vdso_gettimeofday(NULL, NULL) succeeds");
}

static void check_time(void) {
    time_t stored = 0;
    time_t a = vdso_time(&stored);
    time_t b = syscall(SYS_time, NULL);
    time_t c = vdso_time(NULL);
    check(stored == a, "__vdso_time stores what it returns");
    check((b == a || b == a + 1) && (c == b || c == b + 1), "time: the system call is the vDSO's second or the next");
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    check(now.tv_sec >= c && now.tv_sec <= c + 1, "time agrees with CLOCK_REALTIME");
}

static void check_getcpu(void) {
    unsigned cpu = 12345, node = 12345;
    long r = vdso_getcpu(&cpu, &node, NULL);
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    check(r == 0, "__vdso_getcpu succeeds");
    check(online > 0 && cpu < (unsigned long)online, "__vdso_getcpu gives a CPU below the online count");
    check(node != 12345, "__vdso_getcpu gives a node");
    check(vdso_getcpu(NULL, NULL, NULL) == 0, "__vdso_getcpu(NULL, NULL) succeeds");
}

static void check_clock_getres(void) {
    char what[160];
    for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
        struct timespec v = {-1, -1}, s = {-2, -2};
        int rv = vdso_clock_getres(clocks[i].id, &v);
        long rs = raw(syscall(SYS_clock_getres, clocks[i].id, &s));
        snprintf(what, sizeof what, "__vdso_clock_getres(%s) is the system call's", clocks[i].name);
        check(rv == rs && v.tv_sec == s.tv_sec && v.tv_nsec == s.tv_nsec, what);
        snprintf(what, sizeof what, "__vdso_clock_getres(%s, NULL) succeeds", clocks[i].name);
        check(vdso_clock_getres(clocks[i].id, NULL) == 0, what);
    }
    struct timespec t;
    check(vdso_clock_getres(100, &t) == raw(syscall(SYS_clock_getres, 100, &t)),
          "__vdso_clock_getres of an unknown clock fails like the system call");
}

// --- the mappings ---------------------------------------------------------------------------

static void check_maps(unsigned long ehdr) {
    FILE *maps = fopen("/proc/self/maps", "r");
    check(maps != NULL, "/proc/self/maps opens");
    if (!maps) return;
    char line[512];
    unsigned long vdso_start = 0, vvar_start = 0, vvar_end = 0;
    char vdso_perms[8] = "", vvar_perms[8] = "";
    while (fgets(line, sizeof line, maps)) {
        unsigned long start, end;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) != 3) continue;
        if (strstr(line, "[vdso]")) {
            vdso_start = start;
            strcpy(vdso_perms, perms);
        } else if (strstr(line, "[vvar]") && !vvar_start) {
            vvar_start = start;
            vvar_end = end;
            strcpy(vvar_perms, perms);
        }
    }
    fclose(maps);
    check(vdso_start == ehdr, "/proc/self/maps lists [vdso] at AT_SYSINFO_EHDR");
    check(strcmp(vdso_perms, "r-xp") == 0, "[vdso] is r-xp");
    check(vvar_start != 0 && vvar_end <= vdso_start, "/proc/self/maps lists [vvar] below [vdso]");
    check(vvar_perms[0] == 'r' && vvar_perms[1] == '-' && vvar_perms[2] == '-', "[vvar] is read-only");
    if (vvar_start) {
        errno = 0;
        int r = mprotect((void *)vvar_start, 4096, PROT_READ | PROT_WRITE);
        check(r == -1 && errno == EACCES, "mprotect cannot make [vvar] writable (EACCES)");
    }
}

int main(void) {
    unsigned long ehdr = getauxval(AT_SYSINFO_EHDR);
    check(ehdr != 0, "AT_SYSINFO_EHDR is present");
    if (!ehdr) return 1;
    struct image image = {0};
    check(parse_image((const Elf64_Ehdr *)ehdr, &image), "AT_SYSINFO_EHDR points at an x86-64 ELF shared object with dynamic symbols");

    static const char *names[] = {"__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time", "__vdso_getcpu",
                                  "__vdso_clock_getres"};
    void *found[5];
    for (int i = 0; i < 5; i++) {
        char what[96];
        found[i] = find_function(&image, names[i], "LINUX_2.6");
        snprintf(what, sizeof what, "%s is exported with version LINUX_2.6", names[i]);
        check(found[i] != NULL, what);
    }
    if (failures) return 1;
    vdso_clock_gettime = found[0];
    vdso_gettimeofday = found[1];
    vdso_time = found[2];
    vdso_getcpu = found[3];
    vdso_clock_getres = found[4];

    check_clock_gettime();
    check_gettimeofday();
    check_time();
    check_getcpu();
    check_clock_getres();
    check_maps(ehdr);

    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("vdso: all checks passed\n");
    return 0;
}
