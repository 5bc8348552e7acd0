#include "arch/x86_64/cpu_features.h"

#include "arch/x86_64/cpu.h"

namespace cpu_features {

namespace {
bool g_has[kCount];
char g_brand[49];

constexpr const char* kNames[kCount] = {
    "nx", "pge", "smep", "smap", "umip", "xsave", "fsgsbase", "rdrand", "rdseed",
    "invariant-tsc", "apic", "x2apic", "tsc-deadline", "pdpe1gb", "fxsr", "sse2", "hypervisor"};
}  // namespace

void detect() {
    u32 max_leaf = cpu::cpuid(0).eax;
    u32 max_extended = cpu::cpuid(0x80000000).eax;
    auto leaf1 = cpu::cpuid(1);
    g_has[kPge] = leaf1.edx & (1u << 13);
    g_has[kApic] = leaf1.edx & (1u << 9);
    g_has[kFxsr] = leaf1.edx & (1u << 24);
    g_has[kSse2] = leaf1.edx & (1u << 26);
    g_has[kX2apic] = leaf1.ecx & (1u << 21);
    g_has[kTscDeadline] = leaf1.ecx & (1u << 24);
    g_has[kXsave] = leaf1.ecx & (1u << 26);
    g_has[kRdrand] = leaf1.ecx & (1u << 30);
    g_has[kHypervisor] = leaf1.ecx & (1u << 31);
    if (max_leaf >= 7) {
        auto leaf7 = cpu::cpuid(7, 0);
        g_has[kFsgsbase] = leaf7.ebx & (1u << 0);
        g_has[kSmep] = leaf7.ebx & (1u << 7);
        g_has[kRdseed] = leaf7.ebx & (1u << 18);
        g_has[kSmap] = leaf7.ebx & (1u << 20);
        g_has[kUmip] = leaf7.ecx & (1u << 2);
    }
    if (max_extended >= 0x80000001) {
        auto ext1 = cpu::cpuid(0x80000001);
        g_has[kNx] = ext1.edx & (1u << 20);
        g_has[kPdpe1gb] = ext1.edx & (1u << 26);
    }
    if (max_extended >= 0x80000007) g_has[kInvariantTsc] = cpu::cpuid(0x80000007).edx & (1u << 8);
    if (max_extended >= 0x80000004) {
        for (u32 i = 0; i < 3; i++) {
            auto r = cpu::cpuid(0x80000002 + i);
            u32 words[4] = {r.eax, r.ebx, r.ecx, r.edx};
            for (u32 w = 0; w < 4; w++)
                for (u32 b = 0; b < 4; b++) g_brand[i * 16 + w * 4 + b] = static_cast<char>(words[w] >> (8 * b));
        }
    }
}

bool has(Feature feature) { return feature < kCount && g_has[feature]; }
const char* name(Feature feature) { return feature < kCount ? kNames[feature] : "?"; }
const char* brand() {
    const char* b = g_brand;
    while (*b == ' ') b++;
    return b;
}

}  // namespace cpu_features
