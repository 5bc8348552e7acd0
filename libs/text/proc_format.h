// The text formats of Linux's /proc files that runtimes parse (maps, status, meminfo,
// cpuinfo flags, mountinfo), as pure logic so the host tests can hold them to what Linux
// prints byte for byte. The kernel's procfs (kernel/fs/procfs.cc) feeds them live figures.
#pragma once

#include <string_view>

#include "base/types.h"
#include "text/format.h"

namespace text::proc {

// One line of /proc/<pid>/maps: "start-end perms offset major:minor inode", then the path
// padded to column 74 when there is one. Linux ends a nameless line with a space.
struct MapsLine {
    u64 start = 0, end = 0;
    u32 prot = 0;  // PROT_READ 1, PROT_WRITE 2, PROT_EXEC 4
    bool shared = false;
    u64 offset = 0;
    u32 dev_major = 0, dev_minor = 0;
    u64 inode = 0;
    std::string_view path;  // "", "[heap]", "[stack]", or a file's path
};
void format_maps_line(Sink& out, const MapsLine& line);

// "VmRSS:\t     800 kB\n" (/proc/<pid>/status).
void format_status_kb(Sink& out, std::string_view name, u64 kib);
// "MemTotal:       16318640 kB\n" (/proc/meminfo: the label padded to 16, the value to 8).
void format_meminfo_kb(Sink& out, std::string_view name, u64 kib);

// /proc/<pid>/limits: a header and one line per resource (RLIMIT_CPU..RLIMIT_RTTIME, 16),
// its name padded to 25, soft and hard to 20 ("unlimited" for RLIM_INFINITY), the unit to
// 10, as Linux's proc_pid_limits prints them.
void format_limits(Sink& out, const u64 soft[16], const u64 hard[16]);

// value / 10^decimals with exactly `decimals` digits after the point ("2400.000").
void format_fixed_point(Sink& out, u64 value, unsigned decimals);

// The registers /proc/cpuinfo's flags line is made of.
struct CpuidFlags {
    u32 leaf1_edx = 0, leaf1_ecx = 0;
    u32 leaf7_ebx = 0, leaf7_ecx = 0, leaf7_edx = 0;
    u32 leafd1_eax = 0;                    // XSAVE sub-features
    u32 ext1_edx = 0, ext1_ecx = 0;        // 0x80000001
    u32 ext7_edx = 0;                      // 0x80000007 (invariant TSC)
};
// The names Linux gives the features (arch/x86/include/asm/cpufeatures.h), space-separated,
// in Linux's order.
void format_cpu_flags(Sink& out, const CpuidFlags& flags);

// The processor's brand string from leaves 0x80000002..4 (12 registers in eax, ebx, ecx,
// edx order), with the leading spaces some CPUs pad it with removed. out: 49 bytes.
std::string_view brand_string(const u32 registers[12], char out[49]);

// A random (version 4) UUID from 16 random bytes: "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
void format_uuid(Sink& out, const u8 bytes[16]);

// The command name of a program: the last component of its path, cut to 15 bytes
// (TASK_COMM_LEN), as Linux sets it at exec.
std::string_view comm_of(std::string_view path);

// A path as /proc/mounts and mountinfo print it: space, tab, newline and backslash as
// octal escapes ("\040"), so the line stays parseable.
void format_escaped_path(Sink& out, std::string_view path);

// Linux's dev_t encoding (new_encode_dev) for st_rdev.
constexpr u64 encode_dev(u32 major, u32 minor) {
    return (minor & 0xffu) | (static_cast<u64>(major & 0xfffu) << 8) | (static_cast<u64>(minor & ~0xffu) << 12);
}

}  // namespace text::proc
