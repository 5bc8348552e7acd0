#include <sstream>

#include "vm/vm_config.h"

namespace osprey {

namespace {

// QEMU's option parser treats ',' as a separator; a literal comma is written twice.
std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        out += c;
        if (c == ',') out += ',';
    }
    return out;
}

std::string chardev(const std::string& id, const std::string& path) { return "file,id=" + id + ",path=" + escape(path); }

std::string control_chardev(const ChannelPaths& channels) {
    if (channels.control_socket_fd) return "socket,id=osctl,fd=" + std::to_string(*channels.control_socket_fd);
    if (channels.control_pipe_base) return "pipe,id=osctl,path=" + escape(*channels.control_pipe_base);
    return chardev("osctl", channels.control);
}

std::string machine_spec(const VmConfig& config) {
    if (config.machine == "microvm") {
        // acpi=off: virtio-mmio devices are then announced on the kernel command line;
        // the rest of the defaults (PIT, PIC, RTC, ISA serial) stay on.
        return "microvm,acpi=off";
    }
    return config.machine;
}

// Several vCPUs under TCG each get a host thread (MTTCG), or they would take turns on one.
// Not with -icount: QEMU runs counted instructions on one thread only, in a fixed order,
// which is what makes the figures repeat.
std::string accel_spec(const VmConfig& config) {
    if (config.accel == "tcg" && config.cpus > 1 && !config.deterministic) return "tcg,thread=multi";
    return config.accel;
}

// QEMU user networking ("slirp") with the forwards, each bound on the host's loopback
// only; or a host TAP interface that exists already (no scripts run).
std::string netdev_spec(const NetworkConfig& network) {
    if (network.mode == NetworkConfig::Mode::Tap)
        return "tap,id=osnet,ifname=" + escape(network.tap_interface) + ",script=no,downscript=no";
    std::string spec = "user,id=osnet";
    for (auto& forward : network.port_forwards)
        spec += ",hostfwd=tcp:127.0.0.1:" + std::to_string(forward.host_port) + "-:" + std::to_string(forward.guest_port);
    return spec;
}

// microvm has no PCI bus (acpi=off): its virtio devices sit on virtio-mmio. On pc and q35
// the PCI NIC gets no option ROM: the kernel is loaded directly, and SeaBIOS would spend
// time initialising iPXE for nothing.
std::string nic_device_spec(const VmConfig& config) {
    const NetworkConfig& network = config.network;
    std::string spec = config.machine == "microvm" ? "virtio-net-device" : "virtio-net-pci";
    spec += ",netdev=osnet,mac=" + network.mac;
    if (config.machine != "microvm") {
        spec += ",romfile=";
        if (network.pci_msix_vectors) spec += ",vectors=" + std::to_string(*network.pci_msix_vectors);
    }
    return spec;
}

// A raw image as a virtio-blk drive, chosen so that the guest's FLUSH means what it says
// and nothing else is guessed:
//   format=raw      never probe the format (a raw image whose first bytes look like qcow2
//                   must not be read as one)
//   cache=writeback QEMU's default: writes go through the host's page cache and a guest
//                   FLUSH becomes an fsync, so what the guest flushed survives a host crash;
//                   cache=none (O_DIRECT) fails on tmpfs, cache=unsafe drops the flushes
//   discard=unmap   a guest DISCARD punches a hole, so the sparse image stays sparse
//   snapshot=on     (a root disk only) writes go to a temporary qcow2 overlay in $TMPDIR
//   serial=volN     how the kernel tells the drives apart (GET_ID), whatever order the
//                   buses list them in
std::string drive_spec(const VolumeConfig& volume, const std::string& id) {
    std::string spec = "file=" + escape(volume.image) + ",format=raw,if=none,id=" + id +
                       ",cache=writeback,discard=unmap";
    if (volume.read_only) spec += ",readonly=on";
    if (volume.snapshot) spec += ",snapshot=on";
    return spec;
}

std::string disk_device_spec(const VmConfig& config, const VolumeConfig& volume, const std::string& id) {
    std::string spec = config.machine == "microvm" ? "virtio-blk-device" : "virtio-blk-pci";
    return spec + ",drive=" + id + ",serial=" + volume.serial;
}

}  // namespace

std::vector<std::string> qemu_arguments(const VmConfig& config, const ChannelPaths& channels) {
    std::vector<std::string> args = {config.qemu_binary};
    auto add = [&](std::initializer_list<std::string> items) { args.insert(args.end(), items); };
    add({"-M", machine_spec(config), "-accel", accel_spec(config), "-cpu", config.cpu});
    // QEMU 7.2's virtio-mmio is legacy (version 1) unless told otherwise; the kernel
    // drives version 2 only.
    if (config.machine == "microvm") add({"-global", "virtio-mmio.force-legacy=false"});
    add({"-m", std::to_string(config.memory_mib) + "M"});
    if (config.cpus > 1) add({"-smp", std::to_string(config.cpus)});
    // No default devices, no display, no monitor but osprey's own; a reset ends QEMU
    // instead of rebooting, so a kernel that resets (or triple-faults) can never loop.
    add({"-nodefaults", "-no-user-config", "-display", "none", "-no-reboot"});
    if (config.deterministic) add({"-icount", "shift=0,sleep=off", "-rtc", "base=2020-01-01T00:00:00,clock=vm"});

    // The channels, one 16550 each: COM1 kernel log, COM2 control (the exit record out,
    // the framed standard input in), COM3 stdout, COM4 stderr.
    add({"-chardev", chardev("oslog", channels.kernel_log), "-serial", "chardev:oslog"});
    add({"-chardev", control_chardev(channels), "-device",
         "isa-serial,chardev=osctl,index=1"});
    add({"-chardev", chardev("osout", channels.app_stdout), "-device", "isa-serial,chardev=osout,index=2"});
    add({"-chardev", chardev("oserr", channels.app_stderr), "-device", "isa-serial,chardev=oserr,index=3"});
    if (channels.monitor_socket_fd)
        add({"-chardev", "socket,id=osmon,fd=" + std::to_string(*channels.monitor_socket_fd), "-mon",
             "chardev=osmon,mode=readline"});
    if (config.debug_exit_device) add({"-device", "isa-debug-exit,iobase=0xf4,iosize=4"});
    if (config.network.mode != NetworkConfig::Mode::None)
        add({"-netdev", netdev_spec(config.network), "-device", nic_device_spec(config)});
    for (size_t i = 0; i < config.volumes.size(); i++) {
        std::string id = "osvol" + std::to_string(i);
        add({"-drive", drive_spec(config.volumes[i], id), "-device", disk_device_spec(config, config.volumes[i], id)});
    }

    // Host folders: QEMU's `local` 9P backend with security_model=none, so files the guest
    // makes belong to the user running osprey, as they would with docker's -v, and the
    // guest's chown is not refused when it cannot be applied (mapped modes would hide the
    // real ones in extended attributes that the host's tools do not show).
    for (size_t i = 0; i < config.shared_folders.size(); i++) {
        const SharedFolder& folder = config.shared_folders[i];
        std::string id = "osfs" + std::to_string(i);
        std::string fsdev = "local,id=" + id + ",path=" + escape(folder.host_path) + ",security_model=none";
        if (folder.read_only) fsdev += ",readonly=on";
        std::string device = config.machine == "microvm" ? "virtio-9p-device" : "virtio-9p-pci";
        add({"-fsdev", fsdev, "-device", device + ",fsdev=" + id + ",mount_tag=" + folder.tag});
    }

    add({"-kernel", config.kernel});
    if (config.initrd) add({"-initrd", *config.initrd});
    if (config.overlay) add({"-fw_cfg", std::string("name=") + kOverlayFwCfgName + ",file=" + escape(*config.overlay)});
    if (!config.kernel_cmdline.empty()) add({"-append", config.kernel_cmdline});
    args.insert(args.end(), config.extra_args.begin(), config.extra_args.end());
    return args;
}

std::string shell_quote(const std::vector<std::string>& argv) {
    std::ostringstream out;
    for (size_t i = 0; i < argv.size(); i++) {
        if (i) out << ' ';
        const std::string& a = argv[i];
        bool plain = !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                       "0123456789-_./=:,+@%") == std::string::npos;
        if (plain) {
            out << a;
            continue;
        }
        out << '\'';
        for (char c : a) {
            if (c == '\'')
                out << "'\\''";
            else
                out << c;
        }
        out << '\'';
    }
    return out.str();
}

}  // namespace osprey
