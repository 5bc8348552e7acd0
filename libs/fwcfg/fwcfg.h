// QEMU's firmware configuration device (fw_cfg): the byte layouts the guest reads, kept apart
// from the port I/O (kernel/drivers/fw_cfg/) so they can be checked on the host.
//
// The device holds items by a 16-bit key ("selector"). Key 0x0000 reads "QEMU", key 0x0001
// a feature bitmap, key 0x0019 the file directory: a big-endian u32 count, then that many
// 64-byte entries {be32 size; be16 select; be16 reserved; char name[56]}. `-fw_cfg
// name=opt/x,file=PATH` on QEMU's command line adds a file there. A DMA transfer is
// described by a FWCfgDmaAccess {be32 control; be32 length; be64 address} in guest memory.
//
//   auto directory = TRY(fwcfg::Directory::parse(bytes));   // EINVAL: malformed
//   auto file = TRY(directory.find("opt/osprey/overlay"));  // ENOENT: absent
//
// Everything the device says is checked against the bytes given: a count larger than the
// bytes, or a name without its NUL, is EINVAL, never a read past the end.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "base/big_endian.h"
#include "base/result.h"
#include "base/types.h"

namespace fwcfg {

constexpr u16 kSignatureKey = 0x0000;
constexpr u16 kIdKey = 0x0001;
constexpr u16 kFileDirectoryKey = 0x0019;
constexpr std::string_view kSignature = "QEMU";
constexpr u32 kIdTraditional = 1u << 0;  // the selector and data ports
constexpr u32 kIdDma = 1u << 1;          // the DMA address register

// FWCfgDmaAccess.control bits.
constexpr u32 kDmaError = 1u << 0;
constexpr u32 kDmaRead = 1u << 1;
constexpr u32 kDmaSkip = 1u << 2;
constexpr u32 kDmaSelect = 1u << 3;

constexpr usize kDirectoryHeaderSize = 4;
constexpr usize kDirectoryEntrySize = 64;
constexpr usize kNameSize = 56;  // with its NUL: a name has at most 55 bytes
// QEMU has 0x20 file slots by default and at most 0x1000 on newer machines; a directory
// claiming more is refused rather than read (it would be 64 bytes each).
constexpr u32 kMaxFiles = 0x1000;

// The fields are big-endian (libs/base/big_endian.h).
using ::load_be16;
using ::load_be32;
using ::load_be64;
using ::store_be32;
using ::store_be64;

// The 16 bytes of a FWCfgDmaAccess as they lie in guest memory (all fields big-endian).
struct alignas(16) DmaAccess {
    u8 bytes[16];
    u32 control() const { return load_be32(bytes); }
};
static_assert(sizeof(DmaAccess) == 16);

// A request to select `key` and read `length` bytes of it from its start into the guest
// physical address `address`.
DmaAccess dma_read_request(u16 key, u32 length, u64 address);

// What a DMA request's control field says once the device has written it back: done (0),
// failed (the error bit), or still running (other bits: QEMU is synchronous today, but the
// specification allows a device that is not).
enum class DmaState : u8 { Done, Failed, Running };
DmaState dma_state(u32 control);

// The directory's size in bytes from its first four bytes (the count): EINVAL when fewer
// than four bytes are given or the count passes kMaxFiles.
Result<usize> directory_size(std::span<const u8> header);

struct File {
    std::string_view name;  // points into the directory's bytes
    u32 size;
    u16 key;  // the selector that reads it
};

class Directory {
public:
    // Checks every entry: EINVAL when the count passes kMaxFiles or the bytes given, or a
    // name is empty or has no NUL within its 56 bytes. Bytes past the last entry are ignored.
    static Result<Directory> parse(std::span<const u8> bytes);

    u32 count() const { return m_count; }
    File entry(u32 index) const;
    // The file named exactly `name` (no leading "/"), or ENOENT.
    Result<File> find(std::string_view name) const;

private:
    Directory(std::span<const u8> bytes, u32 count) : m_bytes(bytes), m_count(count) {}
    std::span<const u8> m_bytes;
    u32 m_count;
};

// Whether `name` can name a fw_cfg file: 1 to 55 bytes, no NUL.
bool valid_file_name(std::string_view name);

}  // namespace fwcfg
