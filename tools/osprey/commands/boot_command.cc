// `osprey boot`: boots the bare kernel (no application) and shows its log. For kernel
// development, the kernel's self-tests (`-- selftest=heap`), and the boot-cost figure.
#include <cstdio>
#include <cstdlib>

#include "commands/command_failure.h"
#include "commands/commands.h"
#include "commands/kernel_image.h"
#include "commands/kernel_locator.h"
#include "commands/run_options.h"
#include "commands/volumes.h"
#include "protocol/exit_record.h"
#include "vm/vm_runner.h"

namespace osprey {

CommandMain add_boot_command(CLI::App& app) {
    struct Options {
        VmConfig vm;
        RunOptions run;
        std::optional<std::string> kernel;
        std::string memory;
        std::string cpus;
        std::vector<std::string> kernel_args;
        double timeout = 0;
        bool dry_run = false;
        std::string network;
        std::string mac;
        std::optional<unsigned> nic_vectors;
        VolumeOptions volumes;
    };
    auto options = std::make_shared<Options>();
    auto* command = app.add_subcommand("boot", "Boot the bare Osprey kernel and show its log");
    command->footer(
        "Kernel arguments (docs/cmdline.md) follow the options, e.g.\n"
        "  osprey boot -- selftest=heap,frames loglevel=info\n"
        "The exit status is the kernel's: 0 when it powered off cleanly, 1 when a self-test\n"
        "failed, 125 when it panicked or QEMU ended without an exit record, 124 on timeout.");
    command->add_option("--kernel", options->kernel, "Kernel image (default: osprey.elf beside osprey)");
    command->add_option("--machine", options->vm.machine, "QEMU machine type")
        ->check(CLI::IsMember({"microvm", "pc", "q35"}))
        ->capture_default_str();
    command->add_option("--cpu", options->vm.cpu, "QEMU CPU model (max, qemu64, ...)")->capture_default_str();
    command->add_option("-m,--memory", options->memory, "Guest memory, e.g. 64M or 1G; a bare number is MiB")
        ->default_str("128M");
    command->add_option("--cpus", options->cpus, "Number of CPUs (default 1); the kernel starts them all")
        ->type_name("N");
    command->add_option("--timeout", options->timeout, "Stop the VM after this many seconds (0: never)")
        ->check(CLI::NonNegativeNumber);
    command->add_flag("--deterministic", options->vm.deterministic,
                      "Count instructions (-icount shift=0) and fix the RTC, so figures repeat exactly");
    command->add_flag("--dry-run", options->dry_run, "Print the QEMU command line and exit");
    command->add_flag("!--no-debug-exit", options->vm.debug_exit_device,
                      "Leave out QEMU's isa-debug-exit device: the kernel powers off the way the machine "
                      "itself offers (ACPI S5 on pc and q35)");
    add_network_options(*command, options->network, options->mac);
    command->add_option("--nic-vectors", options->nic_vectors,
                        "MSI-X vectors of the PCI network device (pc and q35); 0: no MSI-X, its INTx line instead")
        ->type_name("N")
        ->check(CLI::Range(0, 2048));
    add_volume_options(*command, options->volumes);
    command->add_option("kernel-args", options->kernel_args, "Kernel command line");

    return [options] {
        if (const char* qemu = std::getenv("OSPREY_QEMU"); qemu && *qemu) options->vm.qemu_binary = qemu;
        if (!options->memory.empty()) {
            std::string error;
            auto mib = parse_memory_mib(options->memory, error);
            if (!mib) return fail_command(error);
            options->vm.memory_mib = *mib;
        }
        std::string error;
        auto cpus = requested_cpus(options->cpus, error);
        if (!error.empty()) return fail_command(error);
        if (cpus) options->vm.cpus = *cpus;
        auto network = resolve_network(options->network, options->mac, {}, error);
        if (!network) return fail_command(error);
        if (options->nic_vectors) {
            if (options->vm.machine == "microvm" || network->mode == NetworkConfig::Mode::None) {
                return fail_command("--nic-vectors needs a PCI network device (--machine pc or q35, and a network)");
            }
            network->pci_msix_vectors = *options->nic_vectors;
        }
        options->vm.network = *network;
        auto search = locate_kernel(options->kernel);
        if (!search.found) {
            fprintf(stderr, "osprey: kernel image not found; looked for:\n");
            for (auto& path : search.tried) fprintf(stderr, "  %s\n", path.c_str());
            fprintf(stderr, "build it with 'make', or name it with --kernel\n");
            return protocol::kOspreyFailureStatus;
        }
        options->vm.kernel = *search.found;
        KernelImage image;
        if (!inspect_kernel(options->vm.kernel, image, error)) return fail_command(error);
        if (options->vm.memory_mib < minimum_memory_mib(image)) {
            fprintf(stderr,
                    "osprey: --memory %llu is too small: the kernel is loaded up to %.1f MiB and needs memory "
                    "beyond it to run; use --memory %llu or more\n",
                    static_cast<unsigned long long>(options->vm.memory_mib), image.physical_end / double(MiB),
                    static_cast<unsigned long long>(minimum_memory_mib(image)));
            return protocol::kOspreyFailureStatus;
        }
        auto volumes = resolve_volumes(options->volumes, error);
        if (!volumes) return fail_command(error);
        options->vm.volumes = *volumes;
        // The volumes' words first: a test's own arguments may still override them.
        options->vm.kernel_cmdline = volume_kernel_args(options->vm.volumes);
        for (auto& arg : options->kernel_args) {
            if (!options->vm.kernel_cmdline.empty()) options->vm.kernel_cmdline += ' ';
            options->vm.kernel_cmdline += arg;
        }
        if (options->dry_run) {
            ChannelPaths paths{"kernel.log", "control.log", "stdout.log", "stderr.log", std::nullopt, std::nullopt, std::nullopt};
            // A person copying this wants to see the kernel log: put COM1 on the terminal.
            auto args = qemu_arguments(options->vm, paths);
            for (auto& a : args)
                if (a == "file,id=oslog,path=kernel.log") a = "stdio,id=oslog";
            printf("%s\n", shell_quote(args).c_str());
            return 0;
        }
        options->run.kernel_log_to_stdout = true;
        if (options->timeout > 0) options->run.timeout_seconds = options->timeout;
        RunOutcome outcome = run_vm(options->vm, options->run);
        return report_outcome(outcome, options->run);
    };
}

}  // namespace osprey
