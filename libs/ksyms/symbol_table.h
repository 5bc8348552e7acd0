// The kernel's own function symbols in a compact blob, embedded in the kernel image so a
// backtrace can print names. tools/ksyms builds the blob from the kernel ELF; the kernel
// only reads it.
//
// Blob format (little-endian, all offsets from the start of the blob):
//   Header   { u32 magic "KSYM"; u32 version = 1; u32 count; u32 strings_size; }   16 bytes
//   Entry    { u64 address; u32 size; u32 name_offset; } x count, sorted by address  16 bytes
//   strings  strings_size bytes of NUL-terminated names; the last byte is NUL
// An entry whose name is empty marks the end of a code range (e.g. the end of .text): no
// address at or after it belongs to the symbol before it.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "base/result.h"
#include "base/types.h"

namespace ksyms {

constexpr u32 kMagic = 0x4d59534b;  // "KSYM" as bytes in the file
constexpr u32 kVersion = 1;

struct Header {
    u32 magic;
    u32 version;
    u32 count;
    u32 strings_size;
};

struct Entry {
    u64 address;
    u32 size;  // 0 for assembly labels: the symbol then runs to the next entry
    u32 name_offset;
};

static_assert(sizeof(Header) == 16 && sizeof(Entry) == 16);

struct Symbolized {
    std::string_view name;  // points into the blob
    u64 offset;             // address - symbol start
    u64 symbol_address;
};

// Finds the symbol containing `address`. nullopt when none does or the blob is malformed.
// Cheap enough for a panic path: no allocation, O(log count), bounds-checked throughout.
std::optional<Symbolized> lookup(std::span<const u8> blob, u64 address);

// Full check of a blob (header, bounds, sort order); run once when the kernel starts so a
// broken build is reported before the first backtrace needs the table.
bool validate(std::span<const u8> blob);

struct SymbolInput {
    u64 address;
    u64 size;               // 0 when unknown
    std::string_view name;  // empty: an end-of-range marker
};

// Writes the blob for `symbols` (sorted by address) into `out` when it is large enough, and
// returns the size the blob needs either way; call once with an empty span to size it.
// EINVAL if the input is unsorted or a name contains a NUL; EOVERFLOW if a size or the
// table does not fit the format's 32-bit fields.
Result<usize> encode(std::span<const SymbolInput> symbols, std::span<u8> out);

}  // namespace ksyms
