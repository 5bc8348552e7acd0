#include "fs/procfs.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "fs/procfs_process.h"
#include "fs/synthetic.h"
#include "net/proc_net.h"
#include "fs/vfs.h"
#include "lib/census.h"
#include "lib/random.h"
#include "mm/address_space.h"
#include "proc/process.h"
#include "mm/frames.h"
#include "mm/heap.h"
#include "sched/clock.h"
#include "sched/scheduler.h"
#include "sched/thread.h"
#include "text/proc_format.h"
#include "version.h"

namespace procfs {

namespace {

using fs::synthetic::Directory;
using text::Sink;

constexpr u64 kProcMagic = 0x9fa0;
constexpr u64 kUserHz = 100;  // USER_HZ: the clock ticks of /proc/stat

// What uname(2) reports (kernel/linux/sys_process.cc): the two must agree.
constexpr const char* kRelease = "6.1.0-osprey";
constexpr const char* kHostname = "osprey";

u8 g_boot_id[16];

u64 frames_kib(usize frames) { return frames * (frames::kFrameSize / 1024); }
u64 uptime_ticks() { return ktime::monotonic_ns() / (1000000000 / kUserHz); }

// ---- /proc/cpuinfo ----

void render_cpuinfo(Sink& out, u64) {
    auto leaf0 = cpu::cpuid(0);
    auto leaf1 = cpu::cpuid(1);
    u32 max_extended = cpu::cpuid(0x80000000).eax;
    char vendor[13];
    for (int i = 0; i < 4; i++) {
        vendor[i] = static_cast<char>(leaf0.ebx >> (8 * i));
        vendor[4 + i] = static_cast<char>(leaf0.edx >> (8 * i));
        vendor[8 + i] = static_cast<char>(leaf0.ecx >> (8 * i));
    }
    vendor[12] = '\0';
    u32 family = (leaf1.eax >> 8) & 0xf, model = (leaf1.eax >> 4) & 0xf;
    if (family == 0xf) family += (leaf1.eax >> 20) & 0xff;
    if (family >= 6) model |= ((leaf1.eax >> 16) & 0xf) << 4;
    char brand_storage[49];
    std::string_view brand = "unknown";
    if (max_extended >= 0x80000004) {
        u32 registers[12];
        for (u32 i = 0; i < 3; i++) {
            auto r = cpu::cpuid(0x80000002 + i);
            registers[i * 4] = r.eax, registers[i * 4 + 1] = r.ebx, registers[i * 4 + 2] = r.ecx,
                          registers[i * 4 + 3] = r.edx;
        }
        brand = text::proc::brand_string(registers, brand_storage);
    }
    u64 cache_kib = max_extended >= 0x80000006 ? cpu::cpuid(0x80000006).ecx >> 16 : 0;
    u32 physical_bits = 40, virtual_bits = 48;
    if (max_extended >= 0x80000008) {
        auto sizes = cpu::cpuid(0x80000008);
        physical_bits = sizes.eax & 0xff;
        virtual_bits = (sizes.eax >> 8) & 0xff;
    }
    text::proc::CpuidFlags flags;
    flags.leaf1_edx = leaf1.edx;
    flags.leaf1_ecx = leaf1.ecx & ~(1u << 27);  // OSXSAVE is not a flag Linux shows
    if (leaf0.eax >= 7) {
        auto leaf7 = cpu::cpuid(7, 0);
        flags.leaf7_ebx = leaf7.ebx, flags.leaf7_ecx = leaf7.ecx, flags.leaf7_edx = leaf7.edx;
    }
    if (leaf0.eax >= 0xd) flags.leafd1_eax = cpu::cpuid(0xd, 1).eax;
    if (max_extended >= 0x80000001) {
        auto ext1 = cpu::cpuid(0x80000001);
        flags.ext1_edx = ext1.edx, flags.ext1_ecx = ext1.ecx;
    }
    if (max_extended >= 0x80000007) flags.ext7_edx = cpu::cpuid(0x80000007).edx;

    // One entry per CPU; they are the same model (QEMU gives every vCPU the same CPUID).
    u32 count = sched::cpu_count();
    u64 khz = ktime::tsc_hz() / 1000;
    u32 clflush = ((leaf1.ebx >> 8) & 0xff) * 8;
    if (!clflush) clflush = 64;
    for (u32 id = 0; id < count; id++) {
        PerCpu* cpu_record = smp::cpu(id);
        u32 apic_id = cpu_record ? cpu_record->apic_id : id;
        text::format_to(out, "processor\t: {}\nvendor_id\t: {}\ncpu family\t: {}\nmodel\t\t: {}\nmodel name\t: {}\n",
                        id, vendor, family, model, brand);
        text::format_to(out, "stepping\t: {}\nmicrocode\t: 0x1\ncpu MHz\t\t: ", leaf1.eax & 0xf);
        text::proc::format_fixed_point(out, khz, 3);
        text::format_to(out, "\ncache size\t: {} KB\nphysical id\t: 0\nsiblings\t: {}\ncore id\t\t: {}\ncpu cores\t: {}\n",
                        cache_kib, count, id, count);
        text::format_to(out, "apicid\t\t: {}\ninitial apicid\t: {}\nfpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: {}\n",
                        apic_id, apic_id, leaf0.eax);
        out.write("wp\t\t: yes\nflags\t\t: ");
        text::proc::format_cpu_flags(out, flags);
        out.write("\nbugs\t\t:\nbogomips\t: ");
        text::proc::format_fixed_point(out, khz * 2 / 10, 2);
        text::format_to(out, "\nclflush size\t: {}\ncache_alignment\t: {}\n", clflush, clflush);
        text::format_to(out, "address sizes\t: {} bits physical, {} bits virtual\npower management:\n\n", physical_bits,
                        virtual_bits);
    }
}

// ---- memory and time ----

void render_meminfo(Sink& out, u64) {
    using text::proc::format_meminfo_kb;
    u64 total = frames_kib(frames::total_count()), free = frames_kib(frames::free_count());
    u64 anon = 0, committed = 0;
    if (proc::Process::exists()) {
        auto& memory = proc::Process::current().memory();
        anon = memory.resident_pages() * 4;
        committed = memory.mapped_bytes() / 1024;
    }
    u64 slab = heap::stats().pages_held * 4;
    format_meminfo_kb(out, "MemTotal", total);
    format_meminfo_kb(out, "MemFree", free);
    format_meminfo_kb(out, "MemAvailable", free);
    const char* zero_before_anon[] = {"Buffers", "Cached", "SwapCached"};
    for (const char* name : zero_before_anon) format_meminfo_kb(out, name, 0);
    format_meminfo_kb(out, "Active", anon);
    format_meminfo_kb(out, "Inactive", 0);
    format_meminfo_kb(out, "Active(anon)", anon);
    const char* zero_lru[] = {"Inactive(anon)", "Active(file)", "Inactive(file)", "Unevictable", "Mlocked",
                              "SwapTotal",      "SwapFree",     "Dirty",          "Writeback"};
    for (const char* name : zero_lru) format_meminfo_kb(out, name, 0);
    format_meminfo_kb(out, "AnonPages", anon);
    format_meminfo_kb(out, "Mapped", 0);
    format_meminfo_kb(out, "Shmem", 0);
    format_meminfo_kb(out, "KReclaimable", 0);
    format_meminfo_kb(out, "Slab", slab);
    format_meminfo_kb(out, "SReclaimable", 0);
    format_meminfo_kb(out, "SUnreclaim", slab);
    const char* zero_kernel[] = {"KernelStack", "PageTables", "SecPageTables", "NFS_Unstable", "Bounce",
                                 "WritebackTmp"};
    for (const char* name : zero_kernel) format_meminfo_kb(out, name, 0);
    format_meminfo_kb(out, "CommitLimit", total);
    format_meminfo_kb(out, "Committed_AS", committed);
    format_meminfo_kb(out, "VmallocTotal", 34359738367);
    for (const char* name : {"VmallocUsed", "VmallocChunk", "Percpu"}) format_meminfo_kb(out, name, 0);
    out.write("HardwareCorrupted:     0 kB\n");  // Linux's one line with a narrower field
    for (const char* name : {"AnonHugePages", "ShmemHugePages", "ShmemPmdMapped", "FileHugePages", "FilePmdMapped"})
        format_meminfo_kb(out, name, 0);
    out.write("HugePages_Total:       0\nHugePages_Free:        0\nHugePages_Rsvd:        0\nHugePages_Surp:        0\n");
    format_meminfo_kb(out, "Hugepagesize", 2048);
    format_meminfo_kb(out, "Hugetlb", 0);
    format_meminfo_kb(out, "DirectMap4k", 0);
    format_meminfo_kb(out, "DirectMap2M", total);
}

void render_system_stat(Sink& out, u64) {
    // FIXME: the scheduler does not account CPU time yet; the CPU counts its whole uptime
    // as idle.
    u64 idle = uptime_ticks();
    auto stats = sched::stats();
    u64 boot_seconds = (ktime::realtime_ns() - ktime::monotonic_ns()) / 1000000000;
    usize threads = proc::Process::exists() ? proc::Process::current().thread_count() : 0;
    u32 count = sched::cpu_count();
    u64 switches = sched::total_cpu_stats().context_switches;
    text::format_to(out, "cpu  0 0 0 {} 0 0 0 0 0 0\n", idle * count);
    for (u32 id = 0; id < count; id++) text::format_to(out, "cpu{} 0 0 0 {} 0 0 0 0 0 0\n", id, idle);
    text::format_to(out, "intr 0\nctxt {}\nbtime {}\n", switches, boot_seconds);
    text::format_to(out, "processes {}\nprocs_running {}\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n", threads,
                    stats.runnable ? stats.runnable : 1);
}

void render_uptime(Sink& out, u64) {
    u64 centiseconds = ktime::monotonic_ns() / 10000000;
    text::format_to(out, "{}.{}{} ", centiseconds / 100, (centiseconds / 10) % 10, centiseconds % 10);
    text::format_to(out, "{}.{}{}\n", centiseconds / 100, (centiseconds / 10) % 10, centiseconds % 10);
}

void render_loadavg(Sink& out, u64) {
    // As Linux counts them: every thread in the system, the kernel's own included.
    auto stats = sched::stats();
    text::format_to(out, "0.00 0.00 0.00 {}/{} 1\n", stats.runnable ? stats.runnable : 1, live_thread_count());
}

void render_version(Sink& out, u64) {
    text::format_to(out, "Linux version {} (osprey@osprey) (g++) #1 Osprey {}\n", kRelease, kOspreyVersion);
}

void render_filesystems(Sink& out, u64) {
    out.write("nodev\tsysfs\nnodev\ttmpfs\nnodev\tbdev\nnodev\tproc\nnodev\tdevtmpfs\nnodev\tramfs\n"
              "nodev\tpipefs\nnodev\tanon_inodefs\nnodev\tsockfs\nnodev\t9p\n\text4\n");
}

// ---- /proc/sys ----

void render_text(Sink& out, u64 text) {
    out.write(reinterpret_cast<const char*>(text));
    out.write("\n");
}
u64 text_argument(const char* text) { return reinterpret_cast<u64>(text); }

void render_boot_id(Sink& out, u64) {
    text::proc::format_uuid(out, g_boot_id);
    out.write("\n");
}

void render_uuid(Sink& out, u64) {
    u8 bytes[16];
    krandom::fill(bytes, sizeof bytes);
    text::proc::format_uuid(out, bytes);
    out.write("\n");
}

void render_threads_max(Sink& out, u64) {
    // Linux: a thread per 8 kernel stacks' worth of memory (16 KiB stacks), at least 20.
    u64 max = frames::total_count() / 32;
    text::format_to(out, "{}\n", max < 20 ? 20 : max);
}

struct Constant {
    const char* name;
    const char* value;
};

Result<void> add_constants(Directory& directory, std::span<const Constant> constants) {
    for (const Constant& c : constants) TRY(directory.add_file(c.name, render_text, text_argument(c.value)));
    return {};
}

}  // namespace

// /proc/<pid>/net (and /proc/net, a link to self/net): the stack's tables.
Result<void> build_net(Directory& net) {
    TRY(net.add_file("tcp", net::proc::render_tcp));
    TRY(net.add_file("udp", net::proc::render_udp));
    TRY(net.add_file("tcp6", net::proc::render_tcp6));
    TRY(net.add_file("udp6", net::proc::render_udp6));
    TRY(net.add_file("dev", net::proc::render_dev));
    TRY(net.add_file("route", net::proc::render_route));
    TRY(net.add_file("snmp", net::proc::render_snmp));
    return {};
}

namespace {

// /proc/sys/net: the settings programs read to size their backlogs and port ranges.
Result<void> build_sys_net(Directory& net) {
    auto* core = TRY(net.add_directory("core"));
    static constexpr Constant kCore[] = {
        {"somaxconn", "4096"},       {"rmem_default", "212992"}, {"rmem_max", "212992"},
        {"wmem_default", "212992"},  {"wmem_max", "212992"},     {"netdev_max_backlog", "1000"},
    };
    TRY(add_constants(*core, kCore));
    auto* ipv4 = TRY(net.add_directory("ipv4"));
    static constexpr Constant kIpv4[] = {
        {"ip_local_port_range", "32768\t60999"}, {"tcp_max_syn_backlog", "512"}, {"tcp_fin_timeout", "60"},
        {"tcp_keepalive_time", "7200"},          {"tcp_keepalive_intvl", "75"},  {"tcp_keepalive_probes", "9"},
        {"tcp_syncookies", "1"},                 {"tcp_rmem", "4096\t131072\t6291456"},
        {"tcp_wmem", "4096\t16384\t4194304"},   {"ip_forward", "0"},            {"ip_default_ttl", "64"},
        {"tcp_timestamps", "1"},                 {"tcp_window_scaling", "1"},    {"tcp_sack", "1"},
        {"tcp_congestion_control", "cubic"},
    };
    TRY(add_constants(*ipv4, kIpv4));
    auto* unix_domain = TRY(net.add_directory("unix"));
    static constexpr Constant kUnix[] = {{"max_dgram_qlen", "10"}};  // net/unix/endpoint.h: kMaxDatagramQueue
    TRY(add_constants(*unix_domain, kUnix));
    return {};
}

Result<void> build_sys(Directory& sys) {
    auto* kernel = TRY(sys.add_directory("kernel"));
    static constexpr Constant kKernel[] = {
        {"osrelease", kRelease},
        {"ostype", "Linux"},
        {"hostname", kHostname},
        {"domainname", "(none)"},
        {"pid_max", "4194304"},
        {"ngroups_max", "65536"},
        {"cap_last_cap", "40"},
        {"shmmax", "18446744073692774399"},
        {"shmall", "18446744073692774399"},
        {"shmmni", "4096"},
        {"overflowuid", "65534"},
        {"overflowgid", "65534"},
        {"randomize_va_space", "2"},
        {"tainted", "0"},
        {"perf_event_paranoid", "2"},
        {"core_pattern", "core"},
    };
    TRY(add_constants(*kernel, kKernel));
    TRY(kernel->add_file("version", [](Sink& out, u64) { text::format_to(out, "#1 Osprey {}\n", kOspreyVersion); }));
    TRY(kernel->add_file("threads-max", render_threads_max));
    auto* random = TRY(kernel->add_directory("random"));
    TRY(random->add_file("boot_id", render_boot_id));
    TRY(random->add_file("uuid", render_uuid));
    static constexpr Constant kRandom[] = {{"entropy_avail", "256"}, {"poolsize", "256"}};
    TRY(add_constants(*random, kRandom));

    TRY(build_sys_net(*TRY(sys.add_directory("net"))));
    auto* vm = TRY(sys.add_directory("vm"));
    static constexpr Constant kVm[] = {
        {"overcommit_memory", "0"}, {"overcommit_ratio", "50"}, {"max_map_count", "65530"},
        {"swappiness", "60"},       {"nr_hugepages", "0"},      {"mmap_min_addr", "65536"},
    };
    TRY(add_constants(*vm, kVm));

    auto* fs_directory = TRY(sys.add_directory("fs"));
    static constexpr Constant kFs[] = {
        {"file-max", "9223372036854775807"}, {"nr_open", "1048576"}, {"pipe-max-size", "1048576"}};
    TRY(add_constants(*fs_directory, kFs));
    // Linux's three figures: allocated file handles, free ones (always 0 since 2.6), the maximum.
    TRY(fs_directory->add_file("file-nr", [](Sink& out, u64) {
        text::format_to(out, "{}\t0\t9223372036854775807\n", objects::live(objects::Kind::File));
    }));

    return {};
}

}  // namespace

Result<void> mount_at(std::string_view path) {
    auto* filesystem =
        fs::synthetic::SyntheticFilesystem::create("proc", kProcMagic, fs::synthetic::kProcfsDevice, 0);
    if (!filesystem) return Error(ENOMEM);
    krandom::fill(g_boot_id, sizeof g_boot_id);
    auto& root = filesystem->root_directory();
    TRY(add_process_directories(root));
    TRY(root.add_link("self", render_self_link));
    TRY(root.add_link("thread-self", render_thread_self_link));
    TRY(root.add_static_link("mounts", "self/mounts"));
    TRY(root.add_static_link("net", "self/net"));
    TRY(root.add_file("cpuinfo", render_cpuinfo));
    TRY(root.add_file("meminfo", render_meminfo));
    TRY(root.add_file("stat", render_system_stat));
    TRY(root.add_file("uptime", render_uptime));
    TRY(root.add_file("loadavg", render_loadavg));
    TRY(root.add_file("version", render_version));
    TRY(root.add_file("filesystems", render_filesystems));
    // Osprey's own: the kernel's memory and objects, for leak checks (docs/reliability.md).
    auto* osprey = TRY(root.add_directory("osprey"));
    TRY(osprey->add_file("objects", [](Sink& out, u64) { census::render(out, census::take()); }));
    TRY(build_sys(*TRY(root.add_directory("sys"))));
    return fs::mount(path, *filesystem);
}

}  // namespace procfs
