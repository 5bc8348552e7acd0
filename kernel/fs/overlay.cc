#include "fs/overlay.h"

#include "cpio/newc.h"
#include "drivers/fw_cfg/fw_cfg.h"
#include "fs/initramfs.h"
#include "lib/log.h"
#include "mm/heap.h"

namespace fs {

namespace {

const char* overlay_lookup_failure(int error) {
    switch (error) {
    case ENODEV: return "there is no fw_cfg device (QEMU's -fw_cfg)";
    case ENOENT: return "fw_cfg has no file by that name";
    case EINVAL: return "the fw_cfg file directory is malformed";
    case EIO: return "a fw_cfg DMA transfer failed";
    case ENOMEM: return "out of memory reading the fw_cfg file directory";
    default: return "the fw_cfg file directory cannot be read";
    }
}

}  // namespace

Result<void> apply_overlay(std::string_view name) {
    if (name.empty()) {
        klog::error("overlay: no fw_cfg file named (overlay=NAME)");
        return Error(EINVAL);
    }
    if (!fwcfg::valid_file_name(name)) {
        klog::error("overlay={}: not a fw_cfg file name (1 to {} bytes)", name, fwcfg::kNameSize - 1);
        return Error(EINVAL);
    }
    auto file = fw_cfg::find_file(name);
    if (file.is_error()) {
        klog::error("overlay={}: {} ({})", name, overlay_lookup_failure(file.error()), err::name(file.error()));
        return Error(file.error());
    }
    u32 size = file.value().size;
    // Direct-mapped heap memory, which the device writes by physical address. One byte at
    // least, so that an empty file reaches the archive check and is refused there.
    auto memory = heap::allocate(size ? size : 1, 4096);
    if (memory.is_error()) {
        klog::error("overlay={}: no memory for its {} KiB ({})", name, size / KiB, err::name(memory.error()));
        return Error(memory.error());
    }
    auto* bytes = static_cast<u8*>(memory.value());
    std::span<const u8> archive(bytes, size);
    Result<void> applied;
    cpio::Diagnosis diagnosis{};
    if (auto read = fw_cfg::read(file.value().key, {bytes, size}); read.is_error()) {
        klog::error("overlay={}: reading its {} bytes from fw_cfg failed ({})", name, size, err::name(read.error()));
        applied = read;
    } else if (auto count = cpio::count_entries(archive, &diagnosis); count.is_error()) {
        klog::error("overlay={}: not a cpio newc archive: {} at offset {}", name,
                    diagnosis.reason[0] ? diagnosis.reason : "malformed", diagnosis.offset);
        applied = Error(count.error());
    } else {
        applied = initramfs::copy_onto_root(archive, "the overlay");
    }
    heap::free(bytes);
    return applied;
}

}  // namespace fs
