// Which QEMU accelerator a run uses (docs/cli.md, --accel).
//
// auto picks KVM only when /dev/kvm opens and answers KVM_GET_API_VERSION, and the host
// is not itself a virtual machine (the CPUID "hypervisor" bit, leaf 1 ECX bit 31, is
// clear): nested KVM, as on this project's machines, runs guests far slower than TCG.
// kvm insists on KVM and fails when it cannot be opened; tcg never touches /dev/kvm.
#pragma once

#include <optional>
#include <string>

namespace osprey {

struct KvmProbe {
    bool usable = false;      // /dev/kvm opened read-write and answered
    std::string problem;      // why not, when it is not
    bool host_is_vm = false;  // the CPUID hypervisor bit
};

KvmProbe probe_kvm();

// "kvm" or "tcg"; nullopt with a message when kvm is asked for and unusable.
std::optional<std::string> choose_accel(const std::string& asked, const KvmProbe& probe, std::string& error);

}  // namespace osprey
