#include "fwcfg/fwcfg.h"

namespace fwcfg {

DmaAccess dma_read_request(u16 key, u32 length, u64 address) {
    DmaAccess access{};
    store_be32(access.bytes, static_cast<u32>(key) << 16 | kDmaSelect | kDmaRead);
    store_be32(access.bytes + 4, length);
    store_be64(access.bytes + 8, address);
    return access;
}

DmaState dma_state(u32 control) {
    if (control & kDmaError) return DmaState::Failed;
    return control == 0 ? DmaState::Done : DmaState::Running;
}

Result<usize> directory_size(std::span<const u8> header) {
    if (header.size() < kDirectoryHeaderSize) return Error(EINVAL);
    u32 count = load_be32(header.data());
    if (count > kMaxFiles) return Error(EINVAL);
    return kDirectoryHeaderSize + static_cast<usize>(count) * kDirectoryEntrySize;
}

namespace {

// An entry's name up to its NUL; nullopt when its 56 bytes hold none.
std::optional<std::string_view> entry_name(const u8* entry) {
    const char* name = reinterpret_cast<const char*>(entry + 8);
    for (usize i = 0; i < kNameSize; i++)
        if (name[i] == '\0') return std::string_view(name, i);
    return std::nullopt;
}

}  // namespace

Result<Directory> Directory::parse(std::span<const u8> bytes) {
    usize size = TRY(directory_size(bytes));
    if (bytes.size() < size) return Error(EINVAL);
    u32 count = load_be32(bytes.data());
    for (u32 i = 0; i < count; i++) {
        auto name = entry_name(bytes.data() + kDirectoryHeaderSize + i * kDirectoryEntrySize);
        if (!name || name->empty()) return Error(EINVAL);
    }
    return Directory(bytes, count);
}

File Directory::entry(u32 index) const {
    const u8* entry = m_bytes.data() + kDirectoryHeaderSize + static_cast<usize>(index) * kDirectoryEntrySize;
    return File{*entry_name(entry), load_be32(entry), load_be16(entry + 4)};
}

Result<File> Directory::find(std::string_view name) const {
    for (u32 i = 0; i < m_count; i++)
        if (File file = entry(i); file.name == name) return file;
    return Error(ENOENT);
}

bool valid_file_name(std::string_view name) {
    if (name.empty() || name.size() >= kNameSize) return false;
    for (char c : name)
        if (c == '\0') return false;
    return true;
}

}  // namespace fwcfg
