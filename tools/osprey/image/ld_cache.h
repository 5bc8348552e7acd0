// /etc/ld.so.cache, the index ldconfig writes and the dynamic loader consults before the
// default directories. Only the "new" format is read ("glibc-ld.so.cache" "1.1", written by
// glibc since 2.32 and by Debian's ldconfig), whose layout is:
//
//   header (48 bytes): magic[17] version[3] u32 nlibs, u32 len_strings, u8 flags, 3 pad,
//                      u32 extension_offset, u32 unused[3]
//   nlibs entries (24 bytes): i32 flags, u32 key, u32 value, u32 osversion, u64 hwcap
//   strings; key (the soname) and value (the path) are offsets from the file's start.
//
// An older file that starts with the "ld.so-1.7.0" table followed by the new one is read
// too (the new table then starts after the old, aligned to 8; its offsets are relative to
// the new header).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/types.h"

namespace osprey {

struct LdCacheEntry {
    std::string soname;  // "libc.so.6"
    std::string path;    // "/lib/x86_64-linux-gnu/libc.so.6"
};

// The x86-64 libc6 entries in file order, without the glibc-hwcaps variants (entries with
// a non-zero hwcap): a library built for the host's CPU level might not run on the
// guest's CPU. nullopt with a message for a file in neither format or a truncated one.
std::optional<std::vector<LdCacheEntry>> parse_ld_cache(std::span<const u8> bytes, std::string& error);

// Builds a cache file holding `entries` (for tests).
std::vector<u8> encode_ld_cache(const std::vector<LdCacheEntry>& entries);

}  // namespace osprey
