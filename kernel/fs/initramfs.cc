#include "fs/initramfs.h"

#include "cpio/newc.h"
#include "lib/log.h"

namespace initramfs {

namespace {
std::span<const u8> g_archive;

// Archive names are relative ("usr/bin/x", or "./usr/bin/x" from find|cpio).
bool same_path(std::string_view stored, std::string_view wanted) {
    auto relative = cpio::relative_path(stored);
    if (!relative) return false;
    while (!wanted.empty() && wanted.front() == '/') wanted.remove_prefix(1);
    return *relative == wanted;
}
}  // namespace

Result<void> init(std::span<const u8> archive) {
    cpio::Diagnosis diagnosis{};
    auto count = cpio::count_entries(archive, &diagnosis);
    if (count.is_error()) {
        klog::error("initramfs: {} at offset {}", diagnosis.reason ? diagnosis.reason : "malformed", diagnosis.offset);
        return Error(count.error());
    }
    g_archive = archive;
    klog::info("initramfs: {} entries, {} KiB", count.value(), archive.size() / KiB);
    return {};
}

bool present() { return !g_archive.empty(); }

Result<FileData> find(std::string_view path) {
    cpio::Reader reader(g_archive);
    for (;;) {
        auto next = reader.next();
        if (next.is_error()) return Error(EIO);
        if (!next.value()) return Error(ENOENT);
        const cpio::Entry& entry = *next.value();
        if (!same_path(entry.name, path)) continue;
        if (entry.is_directory()) return Error(EISDIR);
        if (!entry.is_regular()) return Error(EACCES);
        return FileData{entry.data, entry.mode};
    }
}

}  // namespace initramfs
