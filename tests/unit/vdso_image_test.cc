// The vDSO as built (kernel/vdso/): its ELF structure is what glibc, musl and Go need, and
// its functions, loaded into this host process over a time page the test writes, compute
// the clock from the page and fall back to the (host's) system call for the rest.
#include <elf.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "time/clock_page.h"

namespace {

std::vector<unsigned char> read_image() {
    std::ifstream in(OSPREY_VDSO_IMAGE_PATH, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The parts of the image the dynamic loaders read, located through its program headers
// the way they do (addresses are offsets: the image is linked at 0).
struct Image {
    const unsigned char* base;
    const Elf64_Ehdr* ehdr() const { return reinterpret_cast<const Elf64_Ehdr*>(base); }
    const Elf64_Phdr* phdrs() const { return reinterpret_cast<const Elf64_Phdr*>(base + ehdr()->e_phoff); }
    const Elf64_Dyn* dynamic() const {
        for (int i = 0; i < ehdr()->e_phnum; i++)
            if (phdrs()[i].p_type == PT_DYNAMIC) return reinterpret_cast<const Elf64_Dyn*>(base + phdrs()[i].p_offset);
        return nullptr;
    }
    u64 tag(i64 wanted) const {
        for (const Elf64_Dyn* d = dynamic(); d && d->d_tag != DT_NULL; d++)
            if (d->d_tag == wanted) return d->d_un.d_val;
        return 0;
    }
    bool has(i64 wanted) const {
        for (const Elf64_Dyn* d = dynamic(); d && d->d_tag != DT_NULL; d++)
            if (d->d_tag == wanted) return true;
        return false;
    }
    // The symbol's address (offset in the image) if it is defined with version `version`.
    const void* symbol(const char* name, const char* version) const {
        auto* syms = reinterpret_cast<const Elf64_Sym*>(base + tag(DT_SYMTAB));
        auto* strings = reinterpret_cast<const char*>(base + tag(DT_STRTAB));
        auto* versym = reinterpret_cast<const Elf64_Half*>(base + tag(DT_VERSYM));
        u32 count = reinterpret_cast<const u32*>(base + tag(DT_HASH))[1];  // nchain
        for (u32 i = 1; i < count; i++) {
            if (strcmp(strings + syms[i].st_name, name) != 0 || syms[i].st_shndx == SHN_UNDEF) continue;
            if (ELF64_ST_TYPE(syms[i].st_info) != STT_FUNC) continue;
            if (strcmp(version_name(versym[i] & 0x7fff), version) != 0) continue;
            return base + syms[i].st_value;
        }
        return nullptr;
    }
    const char* version_name(u32 index) const {
        auto* strings = reinterpret_cast<const char*>(base + tag(DT_STRTAB));
        auto* def = reinterpret_cast<const unsigned char*>(base + tag(DT_VERDEF));
        for (u64 n = 0; n < tag(DT_VERDEFNUM); n++) {
            auto* vd = reinterpret_cast<const Elf64_Verdef*>(def);
            if (vd->vd_ndx == index) {
                auto* aux = reinterpret_cast<const Elf64_Verdaux*>(def + vd->vd_aux);
                return strings + aux->vda_name;
            }
            def += vd->vd_next;
        }
        return "";
    }
};

constexpr const char* kNames[] = {"__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time", "__vdso_getcpu",
                                  "__vdso_clock_getres"};

TEST(VdsoImage, IsASharedObjectWithOneLoadSegmentAtZero) {
    auto bytes = read_image();
    ASSERT_GT(bytes.size(), sizeof(Elf64_Ehdr));
    Image image{bytes.data()};
    EXPECT_EQ(memcmp(image.ehdr()->e_ident, ELFMAG, SELFMAG), 0);
    EXPECT_EQ(image.ehdr()->e_type, ET_DYN);
    EXPECT_EQ(image.ehdr()->e_machine, EM_X86_64);
    int loads = 0;
    for (int i = 0; i < image.ehdr()->e_phnum; i++) {
        const Elf64_Phdr& ph = image.phdrs()[i];
        if (ph.p_type != PT_LOAD) continue;
        loads++;
        EXPECT_EQ(ph.p_offset, 0u);
        EXPECT_EQ(ph.p_vaddr, 0u);
        EXPECT_EQ(ph.p_filesz, ph.p_memsz);  // no bss: the kernel maps the bytes as they are
        EXPECT_EQ(ph.p_flags, static_cast<u32>(PF_R | PF_X));
        EXPECT_LE(ph.p_filesz, bytes.size());
    }
    EXPECT_EQ(loads, 1);
    EXPECT_NE(image.dynamic(), nullptr);
}

TEST(VdsoImage, HasNoRelocationsAndNeedsNothing) {
    auto bytes = read_image();
    Image image{bytes.data()};
    for (i64 tag : {DT_REL, DT_RELA, DT_RELR, DT_JMPREL, DT_TEXTREL, DT_NEEDED, DT_INIT, DT_INIT_ARRAY})
        EXPECT_FALSE(image.has(tag)) << "dynamic tag " << tag;
}

TEST(VdsoImage, HasBothHashTablesAndVersionTables) {
    auto bytes = read_image();
    Image image{bytes.data()};
    EXPECT_TRUE(image.has(DT_HASH));      // musl reads only this one
    EXPECT_TRUE(image.has(DT_GNU_HASH));  // glibc and Go prefer this one
    EXPECT_TRUE(image.has(DT_VERSYM));
    EXPECT_TRUE(image.has(DT_VERDEF));
    EXPECT_TRUE(image.has(DT_SONAME));
}

TEST(VdsoImage, ExportsEachFunctionWithVersionLinux26) {
    auto bytes = read_image();
    Image image{bytes.data()};
    for (const char* name : kNames) EXPECT_NE(image.symbol(name, "LINUX_2.6"), nullptr) << name;
    EXPECT_EQ(image.symbol("__vdso_clock_gettime", "LINUX_2.5"), nullptr);
}

// The image mapped in this process one page above a time page the test controls.
class VdsoCall : public ::testing::Test {
protected:
    void SetUp() override {
        auto bytes = read_image();
        m_size = 4096 + (bytes.size() + 4095) / 4096 * 4096;
        void* area = mmap(nullptr, m_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        ASSERT_NE(area, MAP_FAILED);
        m_area = static_cast<unsigned char*>(area);
        memcpy(m_area + 4096, bytes.data(), bytes.size());
        ASSERT_EQ(mprotect(m_area + 4096, m_size - 4096, PROT_READ | PROT_EXEC), 0);
        Image image{m_area + 4096};
        clock_gettime_ = reinterpret_cast<int (*)(int, timespec*)>(const_cast<void*>(image.symbol("__vdso_clock_gettime", "LINUX_2.6")));
        gettimeofday_ = reinterpret_cast<int (*)(timeval*, struct timezone*)>(const_cast<void*>(image.symbol("__vdso_gettimeofday", "LINUX_2.6")));
        time_ = reinterpret_cast<long (*)(long*)>(const_cast<void*>(image.symbol("__vdso_time", "LINUX_2.6")));
        getcpu_ = reinterpret_cast<long (*)(unsigned*, unsigned*, void*)>(const_cast<void*>(image.symbol("__vdso_getcpu", "LINUX_2.6")));
        clock_getres_ = reinterpret_cast<int (*)(int, timespec*)>(const_cast<void*>(image.symbol("__vdso_clock_getres", "LINUX_2.6")));
        ASSERT_TRUE(clock_gettime_ && gettimeofday_ && time_ && getcpu_ && clock_getres_);
    }
    void TearDown() override {
        if (m_area) munmap(m_area, m_size);
    }
    vclock::ClockPage& page() { return *reinterpret_cast<vclock::ClockPage*>(m_area); }
    // A 1 GHz clock starting now: ns since the base are TSC ticks since it.
    vclock::ClockParams gigahertz_from_now(u64 offset) {
        vclock::ClockParams p;
        p.mode = vclock::Mode::Tsc;
        p.mult = vclock::mult_for_frequency(1'000'000'000);
        p.tsc_base = __rdtsc();
        p.realtime_offset_ns = offset;
        p.resolution_ns = 7;
        return p;
    }
    static u64 ns(const timespec& t) { return static_cast<u64>(t.tv_sec) * 1'000'000'000 + static_cast<u64>(t.tv_nsec); }

    unsigned char* m_area = nullptr;
    size_t m_size = 0;
    int (*clock_gettime_)(int, timespec*) = nullptr;
    int (*gettimeofday_)(timeval*, struct timezone*) = nullptr;
    long (*time_)(long*) = nullptr;
    long (*getcpu_)(unsigned*, unsigned*, void*) = nullptr;
    int (*clock_getres_)(int, timespec*) = nullptr;
};

TEST_F(VdsoCall, MonotonicClocksComeFromTheTscAndThePage) {
    auto p = gigahertz_from_now(5'000'000'000'000'000'000ull);
    vclock::publish(page(), p);
    for (int clock : {CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME}) {
        _mm_lfence();
        u64 before = __rdtsc() - p.tsc_base;
        timespec t{};
        ASSERT_EQ(clock_gettime_(clock, &t), 0) << clock;
        _mm_lfence();
        u64 after = __rdtsc() - p.tsc_base;
        EXPECT_LE(before, ns(t)) << clock;
        EXPECT_GE(after, ns(t)) << clock;
        EXPECT_LT(t.tv_nsec, 1'000'000'000) << clock;
    }
}

TEST_F(VdsoCall, RealtimeClocksAddTheOffset) {
    u64 offset = 1'577'836'800'000'000'000ull;  // 2020-01-01
    auto p = gigahertz_from_now(offset);
    vclock::publish(page(), p);
    for (int clock : {CLOCK_REALTIME, CLOCK_REALTIME_COARSE, CLOCK_TAI}) {
        _mm_lfence();
        u64 before = __rdtsc() - p.tsc_base + offset;
        timespec t{};
        ASSERT_EQ(clock_gettime_(clock, &t), 0) << clock;
        _mm_lfence();
        u64 after = __rdtsc() - p.tsc_base + offset;
        EXPECT_LE(before, ns(t)) << clock;
        EXPECT_GE(after, ns(t)) << clock;
    }
    timeval tv{};
    struct timezone tz{-1, -1};
    ASSERT_EQ(gettimeofday_(&tv, &tz), 0);
    EXPECT_EQ(tv.tv_sec, 1'577'836'800);
    EXPECT_LT(tv.tv_usec, 1'000'000);
    EXPECT_EQ(tz.tz_minuteswest, 0);
    EXPECT_EQ(tz.tz_dsttime, 0);
    EXPECT_EQ(gettimeofday_(nullptr, nullptr), 0);
    long stored = 0;
    EXPECT_EQ(time_(&stored), 1'577'836'800);
    EXPECT_EQ(stored, 1'577'836'800);
    EXPECT_EQ(time_(nullptr), 1'577'836'800);
}

TEST_F(VdsoCall, ClockGetresReportsThePageResolution) {
    vclock::publish(page(), gigahertz_from_now(0));
    timespec res{-1, -1};
    ASSERT_EQ(clock_getres_(CLOCK_MONOTONIC, &res), 0);
    EXPECT_EQ(res.tv_sec, 0);
    EXPECT_EQ(res.tv_nsec, 7);
    EXPECT_EQ(clock_getres_(CLOCK_REALTIME, nullptr), 0);
}

TEST_F(VdsoCall, OtherClocksGoToTheSystemCall) {
    vclock::publish(page(), gigahertz_from_now(0));
    timespec a{}, b{}, c{};
    ASSERT_EQ(clock_gettime_(CLOCK_THREAD_CPUTIME_ID, &a), 0);
    ASSERT_EQ(syscall(SYS_clock_gettime, CLOCK_THREAD_CPUTIME_ID, &b), 0);
    ASSERT_EQ(clock_gettime_(CLOCK_THREAD_CPUTIME_ID, &c), 0);
    EXPECT_LE(ns(a), ns(b));
    EXPECT_LE(ns(b), ns(c));
    timespec res{}, expected{};
    ASSERT_EQ(clock_getres_(CLOCK_PROCESS_CPUTIME_ID, &res), 0);
    ASSERT_EQ(clock_getres(CLOCK_PROCESS_CPUTIME_ID, &expected), 0);
    EXPECT_EQ(ns(res), ns(expected));
    // The raw system-call result: -errno, which libc turns into errno.
    EXPECT_EQ(clock_gettime_(100, &a), -EINVAL);
    EXPECT_EQ(clock_gettime_(-5000, &a), -EINVAL);
    EXPECT_EQ(clock_getres_(100, &res), -EINVAL);
}

TEST_F(VdsoCall, InSyscallModeEverythingIsTheSystemCall) {
    vclock::ClockParams p;
    p.mode = vclock::Mode::Syscall;
    vclock::publish(page(), p);
    timespec a{}, b{}, c{};
    ASSERT_EQ(clock_gettime_(CLOCK_MONOTONIC, &a), 0);
    ASSERT_EQ(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b), 0);
    ASSERT_EQ(clock_gettime_(CLOCK_MONOTONIC, &c), 0);
    EXPECT_LE(ns(a), ns(b));
    EXPECT_LE(ns(b), ns(c));
    long before = syscall(SYS_time, nullptr);
    long now = time_(nullptr);
    EXPECT_GE(now, before);
    EXPECT_LE(now, before + 1);
    timespec res{};
    ASSERT_EQ(clock_getres_(CLOCK_MONOTONIC, &res), 0);
    timespec expected{};
    clock_getres(CLOCK_MONOTONIC, &expected);
    EXPECT_EQ(ns(res), ns(expected));
}

// The vDSO's getcpu is the system call (docs/smp.md): on this host, any of its CPUs.
TEST_F(VdsoCall, GetcpuReportsACpuOfThisHostAndNodeZero) {
    unsigned cpu = 99, node = 99;
    EXPECT_EQ(getcpu_(&cpu, &node, nullptr), 0);
    EXPECT_LT(cpu, static_cast<unsigned>(sysconf(_SC_NPROCESSORS_CONF)));
    EXPECT_EQ(node, 0u);
    EXPECT_EQ(getcpu_(nullptr, nullptr, nullptr), 0);
}

}  // namespace
