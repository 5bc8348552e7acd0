#include "commands/accel.h"

#include <cpuid.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace osprey {

KvmProbe probe_kvm() {
    KvmProbe probe;
    unsigned eax, ebx, ecx, edx;
    if (__get_cpuid(1, &eax, &ebx, &ecx, &edx)) probe.host_is_vm = ecx & (1u << 31);
    // $OSPREY_KVM_DEVICE lets tests point the probe elsewhere.
    const char* device = std::getenv("OSPREY_KVM_DEVICE");
    if (!device || !*device) device = "/dev/kvm";
    int fd = open(device, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        probe.problem = std::string(device) + ": " + strerror(errno);
        return probe;
    }
    int version = ioctl(fd, KVM_GET_API_VERSION, 0);
    close(fd);
    if (version != KVM_API_VERSION) {
        probe.problem = std::string(device) + " does not answer as KVM API version " + std::to_string(KVM_API_VERSION);
        return probe;
    }
    probe.usable = true;
    return probe;
}

std::optional<std::string> choose_accel(const std::string& asked, const KvmProbe& probe, std::string& error) {
    if (asked == "tcg") return "tcg";
    if (asked == "kvm") {
        if (probe.usable) return "kvm";
        error = "--accel kvm: KVM is not usable here (" + probe.problem +
                "); check that the kvm module is loaded and that you may open /dev/kvm (the kvm group), "
                "or use --accel tcg";
        return std::nullopt;
    }
    return probe.usable && !probe.host_is_vm ? "kvm" : "tcg";
}

}  // namespace osprey
