#include "image/ld_cache.h"

#include <cstring>
#include <string_view>

namespace osprey {

namespace {

constexpr std::string_view kNewMagic = "glibc-ld.so.cache1.1";
constexpr std::string_view kOldMagic = "ld.so-1.7.0";
constexpr usize kNewHeaderSize = 48;
constexpr usize kNewEntrySize = 24;
constexpr usize kOldHeaderSize = 16;  // magic[11], padding, u32 nlibs
constexpr usize kOldEntrySize = 12;

// ldconfig's entry flags: the type in the low byte, the required ABI in the next.
constexpr u32 kFlagTypeMask = 0x00ff;
constexpr u32 kFlagElfLibc6 = 0x0003;
constexpr u32 kFlagRequiredMask = 0xff00;
constexpr u32 kFlagX8664Lib64 = 0x0300;

template <typename T>
T load(std::span<const u8> bytes, usize at) {
    T value;
    std::memcpy(&value, bytes.data() + at, sizeof value);
    return value;
}

std::optional<std::string> string_at(std::span<const u8> bytes, u64 at) {
    if (at >= bytes.size()) return std::nullopt;
    const char* start = reinterpret_cast<const char*>(bytes.data() + at);
    const void* nul = std::memchr(start, 0, bytes.size() - at);
    if (!nul) return std::nullopt;
    return std::string(start, static_cast<const char*>(nul));
}

}  // namespace

std::optional<std::vector<LdCacheEntry>> parse_ld_cache(std::span<const u8> bytes, std::string& error) {
    usize header = 0;
    if (bytes.size() >= kOldHeaderSize && std::memcmp(bytes.data(), kOldMagic.data(), kOldMagic.size()) == 0) {
        u64 old_count = load<u32>(bytes, 12);
        header = (kOldHeaderSize + old_count * kOldEntrySize + 7) & ~usize{7};
    }
    if (header > bytes.size() || bytes.size() - header < kNewHeaderSize ||
        std::memcmp(bytes.data() + header, kNewMagic.data(), kNewMagic.size()) != 0) {
        error = "not a glibc ld.so.cache (format 1.1)";
        return std::nullopt;
    }
    // Offsets in a new-format table count from its own header.
    std::span<const u8> table = bytes.subspan(header);
    u64 count = load<u32>(table, 20);
    if (count > (table.size() - kNewHeaderSize) / kNewEntrySize) {
        error = "truncated ld.so.cache";
        return std::nullopt;
    }
    std::vector<LdCacheEntry> entries;
    for (u64 i = 0; i < count; i++) {
        usize at = kNewHeaderSize + i * kNewEntrySize;
        u32 flags = load<u32>(table, at);
        u64 hwcap = load<u64>(table, at + 16);
        if ((flags & kFlagTypeMask) != kFlagElfLibc6 || (flags & kFlagRequiredMask) != kFlagX8664Lib64 || hwcap != 0)
            continue;
        auto key = string_at(table, load<u32>(table, at + 4));
        auto value = string_at(table, load<u32>(table, at + 8));
        if (!key || !value) {
            error = "ld.so.cache entry " + std::to_string(i) + " points outside the file";
            return std::nullopt;
        }
        entries.push_back({*key, *value});
    }
    return entries;
}

std::vector<u8> encode_ld_cache(const std::vector<LdCacheEntry>& entries) {
    std::vector<u8> out(kNewHeaderSize + entries.size() * kNewEntrySize, 0);
    auto put32 = [&](usize at, u32 v) { std::memcpy(out.data() + at, &v, 4); };
    std::memcpy(out.data(), kNewMagic.data(), kNewMagic.size());
    put32(20, static_cast<u32>(entries.size()));
    std::string strings;
    usize strings_at = out.size();
    for (usize i = 0; i < entries.size(); i++) {
        usize at = kNewHeaderSize + i * kNewEntrySize;
        put32(at, kFlagElfLibc6 | kFlagX8664Lib64);
        put32(at + 4, static_cast<u32>(strings_at + strings.size()));
        strings += entries[i].soname + '\0';
        put32(at + 8, static_cast<u32>(strings_at + strings.size()));
        strings += entries[i].path + '\0';
    }
    put32(24, static_cast<u32>(strings.size()));
    out.insert(out.end(), strings.begin(), strings.end());
    return out;
}

}  // namespace osprey
