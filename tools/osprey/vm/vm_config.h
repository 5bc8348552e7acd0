// What a virtual machine is made of, independent of how it is started: the host tool's
// commands fill this in, qemu_command.cc turns it into QEMU's command line.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/types.h"

namespace osprey {

// A TCP forward through QEMU user networking: connections to 127.0.0.1:host_port on the
// host reach guest_port in the guest (`osprey run -p`).
struct PortForward {
    u16 host_port = 0;
    u16 guest_port = 0;
    bool operator==(const PortForward&) const = default;
};

// The VM's network device: a virtio-net NIC (virtio-mmio on microvm, modern virtio-pci on
// pc and q35) on QEMU user networking (with its forwards) or on a host TAP interface, or
// no NIC at all.
struct NetworkConfig {
    enum class Mode { User, Tap, None };
    Mode mode = Mode::User;
    std::string tap_interface;                // Tap: the host interface, e.g. tap0
    std::string mac = "52:54:00:12:34:56";    // QEMU's own default
    std::vector<PortForward> port_forwards;   // User only
    // virtio-net-pci's MSI-X vectors (QEMU's `vectors`); 0 leaves the device without
    // MSI-X, on its INTx line. Unset: QEMU's default.
    std::optional<unsigned> pci_msix_vectors;
    bool operator==(const NetworkConfig&) const = default;
};

// A host folder in the guest (`osprey run -v`): QEMU's 9P server shares `host_path` as a
// virtio-9p device with mount tag `tag`; the kernel mounts it on `guest_path`.
struct SharedFolder {
    std::string host_path;  // absolute
    std::string guest_path;
    std::string tag;
    bool read_only = false;
    bool operator==(const SharedFolder&) const = default;
};

// A disk image attached as a virtio-blk drive (`--volume`; docs/storage.md). The kernel
// finds it by its serial number, which the command line maps to a guest path.
struct VolumeConfig {
    std::string image;       // host path of a raw image that exists
    std::string serial;      // vol0, vol1...: at most 20 characters (virtio-blk's GET_ID)
    std::string guest_path;  // absolute
    bool read_only = false;
    // Writes go to a temporary overlay QEMU drops at exit (QEMU's snapshot=on): the root
    // disk of an image from osprey build --format ext4, which every run finds as built.
    bool snapshot = false;
    bool operator==(const VolumeConfig&) const = default;
};

constexpr const char* kOverlayFwCfgName = "opt/osprey/overlay";

struct VmConfig {
    std::string qemu_binary = "qemu-system-x86_64";
    std::string machine = "microvm";  // microvm | pc | q35
    std::string accel = "tcg";        // tcg | kvm (resolved before this point)
    std::string cpu = "max";
    u64 memory_mib = 128;
    unsigned cpus = 1;  // -smp when more than one (with multi-threaded TCG)
    NetworkConfig network;
    std::vector<SharedFolder> shared_folders;
    std::vector<VolumeConfig> volumes;
    std::string kernel;
    std::optional<std::string> initrd;
    // A second, small archive the kernel copies over the initramfs (kernel option
    // overlay=): the run's own /.osprey/app, so that `initrd` can be a cached or saved image
    // loaded as it is. QEMU passes it as the fw_cfg file kOverlayFwCfgName.
    std::optional<std::string> overlay;
    std::string kernel_cmdline;
    // Makes the guest's TSC count executed instructions and fixes the RTC, so figures
    // such as the boot cost repeat exactly (DESIGN.md, "Testing").
    bool deterministic = false;
    // QEMU's isa-debug-exit device, the fastest power-off. Without it the kernel uses the
    // machine's own (ACPI S5 on pc and q35), which tests exercise this way.
    bool debug_exit_device = true;
    std::vector<std::string> extra_args;  // appended verbatim (developer escape hatch)
};

// Where each guest channel (docs/host-guest-contract.md) goes on the host: a path QEMU
// opens for writing (a pipe's /dev/fd/N, a file).
//
// The control channel also carries the application's standard input into the guest,
// framed (libs/protocol/stdin_frames.h). QEMU 7.2's file backend cannot read (`input-path`
// came with QEMU 8.1), so a two-way control channel uses another backend: a connected
// stream socket QEMU inherits (control_socket_fd: the runner's socketpair), or the pipe
// backend, which writes BASE.out and reads BASE.in (control_pipe_base: files, for a
// command line a person can copy). With neither, QEMU only writes `control`.
struct ChannelPaths {
    std::string kernel_log;
    std::string control;
    std::string app_stdout;
    std::string app_stderr;
    std::optional<int> control_socket_fd;
    std::optional<std::string> control_pipe_base;
    // QEMU's human monitor on a socket osprey holds the other end of: it asks for the
    // kernel's state dump ("nmi") when a run times out.
    std::optional<int> monitor_socket_fd;
};

std::vector<std::string> qemu_arguments(const VmConfig& config, const ChannelPaths& channels);

// Quotes a command line so a person can copy it into a POSIX shell.
std::string shell_quote(const std::vector<std::string>& argv);

}  // namespace osprey
