#include "text/proc_format.h"

namespace text::proc {

namespace {

// Counts what goes through, to pad to a column the way seq_pad does.
class CountingSink final : public Sink {
public:
    explicit CountingSink(Sink& inner) : m_inner(inner) {}
    void write(std::string_view bytes) override {
        m_inner.write(bytes);
        m_count += bytes.size();
    }
    usize count() const { return m_count; }

private:
    Sink& m_inner;
    usize m_count = 0;
};

void spaces(Sink& out, usize n) {
    static constexpr char kSpaces[] = "                                ";
    while (n) {
        usize chunk = n < sizeof kSpaces - 1 ? n : sizeof kSpaces - 1;
        out.write({kSpaces, chunk});
        n -= chunk;
    }
}

struct FlagName {
    u8 bit;
    const char* name;
};

// cpufeatures.h word 0: CPUID 1 EDX.
constexpr FlagName kLeaf1Edx[] = {
    {0, "fpu"},    {1, "vme"},     {2, "de"},    {3, "pse"},    {4, "tsc"},   {5, "msr"},     {6, "pae"},
    {7, "mce"},    {8, "cx8"},     {9, "apic"},  {11, "sep"},   {12, "mtrr"}, {13, "pge"},    {14, "mca"},
    {15, "cmov"},  {16, "pat"},    {17, "pse36"}, {18, "pn"},   {19, "clflush"}, {21, "dts"}, {22, "acpi"},
    {23, "mmx"},   {24, "fxsr"},   {25, "sse"},  {26, "sse2"},  {27, "ss"},   {28, "ht"},     {29, "tm"},
    {30, "ia64"},  {31, "pbe"},
};
// Word 1: CPUID 0x80000001 EDX.
constexpr FlagName kExt1Edx[] = {
    {11, "syscall"}, {19, "mp"}, {20, "nx"}, {22, "mmxext"}, {25, "fxsr_opt"}, {26, "pdpe1gb"},
    {27, "rdtscp"},  {29, "lm"}, {30, "3dnowext"}, {31, "3dnow"},
};
// Word 4: CPUID 1 ECX (osxsave is hidden by Linux).
constexpr FlagName kLeaf1Ecx[] = {
    {0, "pni"},     {1, "pclmulqdq"}, {2, "dtes64"}, {3, "monitor"}, {4, "ds_cpl"}, {5, "vmx"},
    {6, "smx"},     {7, "est"},       {8, "tm2"},    {9, "ssse3"},   {10, "cid"},   {11, "sdbg"},
    {12, "fma"},    {13, "cx16"},     {14, "xtpr"},  {15, "pdcm"},   {17, "pcid"},  {18, "dca"},
    {19, "sse4_1"}, {20, "sse4_2"},   {21, "x2apic"}, {22, "movbe"}, {23, "popcnt"},
    {24, "tsc_deadline_timer"}, {25, "aes"}, {26, "xsave"}, {28, "avx"}, {29, "f16c"}, {30, "rdrand"},
    {31, "hypervisor"},
};
// Word 6: CPUID 0x80000001 ECX.
constexpr FlagName kExt1Ecx[] = {
    {0, "lahf_lm"},  {1, "cmp_legacy"}, {2, "svm"},   {3, "extapic"},  {4, "cr8_legacy"}, {5, "abm"},
    {6, "sse4a"},    {7, "misalignsse"}, {8, "3dnowprefetch"}, {9, "osvw"}, {10, "ibs"}, {11, "xop"},
    {12, "skinit"},  {13, "wdt"},       {15, "lwp"},   {16, "fma4"},     {17, "tce"},   {19, "nodeid_msr"},
    {21, "tbm"},     {22, "topoext"},   {23, "perfctr_core"}, {24, "perfctr_nb"}, {26, "bpext"},
    {27, "ptsc"},    {28, "perfctr_llc"}, {29, "mwaitx"},
};
// Word 9: CPUID 7.0 EBX.
constexpr FlagName kLeaf7Ebx[] = {
    {0, "fsgsbase"},  {1, "tsc_adjust"}, {2, "sgx"},      {3, "bmi1"},     {4, "hle"},      {5, "avx2"},
    {7, "smep"},      {8, "bmi2"},       {9, "erms"},     {10, "invpcid"}, {11, "rtm"},     {12, "cqm"},
    {14, "mpx"},      {15, "rdt_a"},     {16, "avx512f"}, {17, "avx512dq"}, {18, "rdseed"}, {19, "adx"},
    {20, "smap"},     {21, "avx512ifma"}, {23, "clflushopt"}, {24, "clwb"}, {25, "intel_pt"},
    {26, "avx512pf"}, {27, "avx512er"},  {28, "avx512cd"}, {29, "sha_ni"}, {30, "avx512bw"}, {31, "avx512vl"},
};
// Word 10: CPUID 0xd.1 EAX.
constexpr FlagName kLeafD1Eax[] = {{0, "xsaveopt"}, {1, "xsavec"}, {2, "xgetbv1"}, {3, "xsaves"}};
// Word 16: CPUID 7.0 ECX.
constexpr FlagName kLeaf7Ecx[] = {
    {1, "avx512vbmi"}, {2, "umip"},     {3, "pku"},        {4, "ospke"},     {5, "waitpkg"},
    {6, "avx512_vbmi2"}, {8, "gfni"},   {9, "vaes"},       {10, "vpclmulqdq"}, {11, "avx512_vnni"},
    {12, "avx512_bitalg"}, {13, "tme"}, {14, "avx512_vpopcntdq"}, {16, "la57"}, {22, "rdpid"},
    {24, "bus_lock_detect"}, {25, "cldemote"}, {27, "movdiri"}, {28, "movdir64b"}, {29, "enqcmd"},
    {30, "sgx_lc"},
};
// Word 18: CPUID 7.0 EDX.
constexpr FlagName kLeaf7Edx[] = {
    {2, "avx512_4vnniw"}, {3, "avx512_4fmaps"}, {4, "fsrm"}, {8, "avx512_vp2intersect"}, {10, "md_clear"},
    {14, "serialize"},    {16, "tsxldtrk"},     {18, "pconfig"}, {19, "arch_lbr"}, {20, "ibt"},
    {22, "amx_bf16"},     {23, "avx512_fp16"},  {24, "amx_tile"}, {25, "amx_int8"}, {27, "stibp"},
    {28, "flush_l1d"},    {29, "arch_capabilities"},
};

template <usize N>
void emit_flags(Sink& out, bool& first, u32 reg, const FlagName (&names)[N]) {
    for (const FlagName& f : names) {
        if (!(reg & (1u << f.bit))) continue;
        if (!first) out.write(" ");
        out.write(f.name);
        first = false;
    }
}

void emit(Sink& out, bool& first, const char* name) {
    if (!first) out.write(" ");
    out.write(name);
    first = false;
}

}  // namespace

void format_maps_line(Sink& sink, const MapsLine& line) {
    CountingSink out(sink);
    char perms[5] = {line.prot & 1 ? 'r' : '-', line.prot & 2 ? 'w' : '-', line.prot & 4 ? 'x' : '-',
                     line.shared ? 's' : 'p', '\0'};
    format_to(out, "{:08x}-{:08x} {} {:08x} {:02x}:{:02x} {} ", line.start, line.end, perms, line.offset,
              line.dev_major, line.dev_minor, line.inode);
    if (!line.path.empty()) {
        // seq_pad: pad to 25 + 6 * sizeof(void*) - 1 columns, then one space.
        constexpr usize kColumn = 25 + 6 * 8 - 1;
        if (out.count() < kColumn) spaces(out, kColumn - out.count());
        out.write(" ");
        out.write(line.path);
    }
    out.write("\n");
}

void format_status_kb(Sink& out, std::string_view name, u64 kib) { format_to(out, "{}:\t{:8} kB\n", name, kib); }

void format_meminfo_kb(Sink& out, std::string_view name, u64 kib) {
    CountingSink counted(out);
    counted.write(name);
    counted.write(":");
    if (counted.count() < 16) spaces(counted, 16 - counted.count());
    format_to(out, "{:8} kB\n", kib);
}

namespace {

// Writes `text` and pads it with spaces to `width`, then one more space (Linux's "%-Ns ").
void column(Sink& out, std::string_view text, usize width) {
    out.write(text);
    if (text.size() < width) spaces(out, width - text.size());
    out.write(" ");
}

void limit_column(Sink& out, u64 value) {
    if (value == ~0ull) return column(out, "unlimited", 20);
    char digits[24];
    BufferSink number(digits, sizeof digits);
    format_to(number, "{}", value);
    column(out, number.view(), 20);
}

}  // namespace

void format_limits(Sink& out, const u64 soft[16], const u64 hard[16]) {
    struct Name {
        const char* name;
        const char* unit;  // nullptr: the line ends after the hard limit's padding
    };
    static constexpr Name kNames[16] = {
        {"Max cpu time", "seconds"},     {"Max file size", "bytes"},         {"Max data size", "bytes"},
        {"Max stack size", "bytes"},     {"Max core file size", "bytes"},    {"Max resident set", "bytes"},
        {"Max processes", "processes"},  {"Max open files", "files"},         {"Max locked memory", "bytes"},
        {"Max address space", "bytes"},  {"Max file locks", "locks"},        {"Max pending signals", "signals"},
        {"Max msgqueue size", "bytes"},  {"Max nice priority", nullptr},     {"Max realtime priority", nullptr},
        {"Max realtime timeout", "us"},
    };
    column(out, "Limit", 25);
    column(out, "Soft Limit", 20);
    column(out, "Hard Limit", 20);
    out.write("Units     \n");
    for (int i = 0; i < 16; i++) {
        column(out, kNames[i].name, 25);
        limit_column(out, soft[i]);
        limit_column(out, hard[i]);
        if (kNames[i].unit) {
            std::string_view unit(kNames[i].unit);
            out.write(unit);
            if (unit.size() < 10) spaces(out, 10 - unit.size());
        }
        out.write("\n");
    }
}

void format_fixed_point(Sink& out, u64 value, unsigned decimals) {
    u64 scale = 1;
    for (unsigned i = 0; i < decimals; i++) scale *= 10;
    format_to(out, "{}", value / scale);
    if (decimals == 0) return;
    char digits[24];
    u64 fraction = value % scale;
    for (unsigned i = decimals; i-- > 0;) {
        digits[i] = static_cast<char>('0' + fraction % 10);
        fraction /= 10;
    }
    out.write(".");
    out.write({digits, decimals});
}

void format_cpu_flags(Sink& out, const CpuidFlags& f) {
    bool first = true;
    emit_flags(out, first, f.leaf1_edx, kLeaf1Edx);
    emit_flags(out, first, f.ext1_edx, kExt1Edx);
    // Word 3, Linux-defined: what every x86-64 CPU has, and the invariant TSC.
    bool invariant_tsc = f.ext7_edx & (1u << 8);
    if (invariant_tsc) emit(out, first, "constant_tsc");
    emit(out, first, "nopl");
    if (invariant_tsc) emit(out, first, "nonstop_tsc");
    emit(out, first, "cpuid");
    emit_flags(out, first, f.leaf1_ecx, kLeaf1Ecx);
    emit_flags(out, first, f.ext1_ecx, kExt1Ecx);
    emit_flags(out, first, f.leaf7_ebx, kLeaf7Ebx);
    emit_flags(out, first, f.leafd1_eax, kLeafD1Eax);
    emit_flags(out, first, f.leaf7_ecx, kLeaf7Ecx);
    emit_flags(out, first, f.leaf7_edx, kLeaf7Edx);
}

std::string_view brand_string(const u32 registers[12], char out[49]) {
    for (int i = 0; i < 12; i++)
        for (int b = 0; b < 4; b++) out[i * 4 + b] = static_cast<char>(registers[i] >> (8 * b));
    out[48] = '\0';
    usize start = 0, end = 0;
    while (end < 48 && out[end]) end++;
    while (start < end && out[start] == ' ') start++;
    while (end > start && out[end - 1] == ' ') end--;
    return {out + start, end - start};
}

void format_uuid(Sink& out, const u8 bytes[16]) {
    static constexpr char kHex[] = "0123456789abcdef";
    char text[36];
    usize at = 0;
    for (int i = 0; i < 16; i++) {
        u8 b = bytes[i];
        if (i == 6) b = static_cast<u8>((b & 0x0f) | 0x40);  // version 4
        if (i == 8) b = static_cast<u8>((b & 0x3f) | 0x80);  // RFC 4122 variant
        if (i == 4 || i == 6 || i == 8 || i == 10) text[at++] = '-';
        text[at++] = kHex[b >> 4];
        text[at++] = kHex[b & 15];
    }
    out.write({text, sizeof text});
}

std::string_view comm_of(std::string_view path) {
    usize slash = path.rfind('/');
    std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
    return name.substr(0, name.size() < 15 ? name.size() : 15);
}

void format_escaped_path(Sink& out, std::string_view path) {
    usize plain = 0;
    for (usize i = 0; i < path.size(); i++) {
        char c = path[i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\\') continue;
        out.write(path.substr(plain, i - plain));
        char escape[4] = {'\\', static_cast<char>('0' + ((c >> 6) & 7)), static_cast<char>('0' + ((c >> 3) & 7)),
                          static_cast<char>('0' + (c & 7))};
        out.write({escape, 4});
        plain = i + 1;
    }
    out.write(path.substr(plain));
}

}  // namespace text::proc
