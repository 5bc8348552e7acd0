#include "fs/sysfs.h"

#include "drivers/block/block_device.h"
#include "fs/synthetic.h"
#include "fs/vfs.h"
#include "sched/scheduler.h"
#include "text/format.h"

namespace sysfs {

namespace {

constexpr u64 kSysfsMagic = 0x62656572;
constexpr u64 kSysfsFileSize = 4096;  // what sysfs attributes report as st_size

void render_text(text::Sink& out, u64 text) { out.write(reinterpret_cast<const char*>(text)); }
u64 text_argument(const char* text) { return reinterpret_cast<u64>(text); }

// "0" or "0-N": the CPUs that schedule threads (all that came online).
void render_cpu_list(text::Sink& out, u64) {
    u32 count = sched::cpu_count();
    if (count == 1)
        out.write("0\n");
    else
        text::format_to(out, "0-{}\n", count - 1);
}

// /sys/block/NAME's attributes, as Linux writes them: size in 512-byte sectors whatever
// the block size, ro as 0 or 1, serial.
const block::BlockDevice& disk_of(u64 argument) { return *reinterpret_cast<const block::BlockDevice*>(argument); }
void render_disk_size(text::Sink& out, u64 disk) { text::format_to(out, "{}\n", disk_of(disk).size() / 512); }
void render_disk_ro(text::Sink& out, u64 disk) { out.write(disk_of(disk).read_only() ? "1\n" : "0\n"); }
void render_disk_block_size(text::Sink& out, u64 disk) { text::format_to(out, "{}\n", disk_of(disk).block_size()); }
// virtio-blk's serial number, as Linux shows it: how a program finds the disk osprey
// attached as volN whatever order the buses listed the disks in.
void render_disk_serial(text::Sink& out, u64 disk) { text::format_to(out, "{}\n", disk_of(disk).serial()); }

Result<void> add_block_devices(fs::synthetic::Directory& root) {
    auto* directory = TRY(root.add_directory("block", 0755));
    for (usize i = 0; i < block::device_count(); i++) {
        block::BlockDevice* disk = block::device(i);
        u64 argument = reinterpret_cast<u64>(disk);
        auto* own = TRY(directory->add_directory(disk->name(), 0755));
        TRY(own->add_file("size", render_disk_size, argument));
        TRY(own->add_file("ro", render_disk_ro, argument));
        TRY(own->add_file("serial", render_disk_serial, argument));
        auto* queue = TRY(own->add_directory("queue", 0755));
        TRY(queue->add_file("logical_block_size", render_disk_block_size, argument));
    }
    return {};
}

}  // namespace

Result<void> mount_at(std::string_view path) {
    auto* filesystem =
        fs::synthetic::SyntheticFilesystem::create("sysfs", kSysfsMagic, fs::synthetic::kSysfsDevice, kSysfsFileSize);
    if (!filesystem) return Error(ENOMEM);
    auto& root = filesystem->root_directory();
    root.m_permissions = 0555;
    auto* devices = TRY(root.add_directory("devices", 0755));
    auto* system = TRY(devices->add_directory("system", 0755));
    auto* cpu = TRY(system->add_directory("cpu", 0755));
    for (const char* name : {"online", "possible", "present"}) TRY(cpu->add_file(name, render_cpu_list, 0));
    for (u32 i = 0; i < sched::cpu_count(); i++) {
        char name[16];
        text::BufferSink sink(name, sizeof name);
        text::format_to(sink, "cpu{}", i);
        TRY(cpu->add_directory(sink.view(), 0755));
    }

    auto* kernel = TRY(root.add_directory("kernel", 0755));
    auto* mm = TRY(kernel->add_directory("mm", 0755));
    auto* thp = TRY(mm->add_directory("transparent_hugepage", 0755));
    TRY(thp->add_file("enabled", render_text, text_argument("always madvise [never]\n")));
    TRY(thp->add_file("defrag", render_text, text_argument("always defer defer+madvise madvise [never]\n")));
    TRY(thp->add_file("hpage_pmd_size", render_text, text_argument("2097152\n")));

    // The disks found at boot (the registry never changes after).
    TRY(add_block_devices(root));

    auto* fs_directory = TRY(root.add_directory("fs", 0755));
    TRY(fs_directory->add_directory("cgroup", 0755));
    return fs::mount(path, *filesystem);
}

}  // namespace sysfs
