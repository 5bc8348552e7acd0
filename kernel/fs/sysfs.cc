#include "fs/sysfs.h"

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

    auto* fs_directory = TRY(root.add_directory("fs", 0755));
    TRY(fs_directory->add_directory("cgroup", 0755));
    return fs::mount(path, *filesystem);
}

}  // namespace sysfs
