#include "drivers/block/volumes.h"

#include "block/volume_arg.h"
#include "drivers/block/block_device.h"
#include "lib/log.h"

namespace block {

namespace {

// The guest paths outlive the command line's text only as copies.
const char* copy_string(std::string_view text) {
    char* copy = new (std::nothrow) char[text.size() + 1];
    if (!copy) return nullptr;
    for (usize i = 0; i < text.size(); i++) copy[i] = text[i];
    copy[text.size()] = 0;
    return copy;
}

}  // namespace

void assign_volumes(const cmdline::CommandLine& cmdline) {
    for (const cmdline::Entry& entry : cmdline) {
        if (entry.key != kVolumeCmdlineKey) continue;
        auto volume = parse_volume_arg(entry.value.value_or(""));
        if (volume.is_error()) {
            klog::warn("volume={}: expected SERIAL:/GUEST/PATH", entry.value.value_or(""));
            continue;
        }
        BlockDevice* disk = nullptr;
        for (usize i = 0; i < device_count() && !disk; i++)
            if (volume.value().serial == device(i)->serial()) disk = device(i);
        if (!disk) {
            klog::warn("volume {} for {}: no disk has that serial number", volume.value().serial,
                       volume.value().guest_path);
            continue;
        }
        if (const char* path = copy_string(volume.value().guest_path)) disk->set_guest_path(path);
        klog::info("volume {}: {} for {}, {} bytes, block {}, {}", disk->serial(),
                   disk->name(), disk->guest_path(), disk->size(), disk->block_size(),
                   disk->read_only() ? "read-only" : "read-write");
    }
}

}  // namespace block
