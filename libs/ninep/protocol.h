// 9P2000.L, the file protocol of QEMU's virtio-9p device (host folders in the guest,
// `osprey run -v`): messages built into a caller's buffer and replies read from one, with
// every length checked against the bytes that are really there. Pure code: the kernel's
// client (fs/ninep/) and the host tests share it.
//
// A message is size[4] type[1] tag[2] and a body; integers are little-endian, strings are
// len[2] and bytes. A reply is the request's type + 1, or Rlerror with a Linux errno.
//
//   ninep::Writer w(buffer, ninep::Type::Twalk, tag);
//   w.put32(fid).put32(new_fid).put16(1).put_string(name);
//   auto request = TRY(w.finish());
//   ... send it, receive `reply` ...
//   auto r = TRY(ninep::Reader::open(reply, ninep::Type::Rwalk, tag));
//   u16 count = r.get16();  // check r.ok() before trusting what was read
#pragma once

#include <span>
#include <string_view>

#include "base/result.h"
#include "base/types.h"

namespace ninep {

enum class Type : u8 {
    Rlerror = 7,
    Tstatfs = 8,
    Rstatfs = 9,
    Tlopen = 12,
    Rlopen = 13,
    Tlcreate = 14,
    Rlcreate = 15,
    Tsymlink = 16,
    Rsymlink = 17,
    Tmknod = 18,
    Rmknod = 19,
    Treadlink = 22,
    Rreadlink = 23,
    Tgetattr = 24,
    Rgetattr = 25,
    Tsetattr = 26,
    Rsetattr = 27,
    Treaddir = 40,
    Rreaddir = 41,
    Tfsync = 50,
    Rfsync = 51,
    Tlink = 70,
    Rlink = 71,
    Tmkdir = 72,
    Rmkdir = 73,
    Trenameat = 74,
    Rrenameat = 75,
    Tunlinkat = 76,
    Runlinkat = 77,
    Tversion = 100,
    Rversion = 101,
    Tattach = 104,
    Rattach = 105,
    Twalk = 110,
    Rwalk = 111,
    Tread = 116,
    Rread = 117,
    Twrite = 118,
    Rwrite = 119,
    Tclunk = 120,
    Rclunk = 121,
};

constexpr usize kHeaderSize = 7;
constexpr u16 kNoTag = 0xffff;
constexpr u32 kNoFid = 0xffffffff;
constexpr std::string_view kVersion = "9P2000.L";
// The bytes around the data of an Rread (size, type, tag, count) and of a Twrite (size,
// type, tag, fid, offset, count): a read or write moves at most msize minus these.
constexpr u32 kReadOverhead = 11;
constexpr u32 kWriteOverhead = 23;
// Names a walk may take at once.
constexpr u16 kMaxWalkNames = 16;

// qid.type bits.
constexpr u8 kQidDirectory = 0x80;
constexpr u8 kQidSymlink = 0x02;

struct Qid {
    u8 type;
    u32 version;
    u64 path;  // the server's unique number for the file
    bool operator==(const Qid&) const = default;
};

// Tgetattr's request mask and Rgetattr's valid mask.
constexpr u64 kGetattrBasic = 0x7ff;  // mode, nlink, uid, gid, rdev, times, ino, size, blocks

// Tsetattr's valid bits (Linux's ATTR_*).
namespace setattr {
constexpr u32 kMode = 1u << 0;
constexpr u32 kUid = 1u << 1;
constexpr u32 kGid = 1u << 2;
constexpr u32 kSize = 1u << 3;
constexpr u32 kAtime = 1u << 4;
constexpr u32 kMtime = 1u << 5;
constexpr u32 kCtime = 1u << 6;
constexpr u32 kAtimeSet = 1u << 7;  // the time given, not the server's now
constexpr u32 kMtimeSet = 1u << 8;
}  // namespace setattr

// Builds one message into a buffer. A message that does not fit makes finish() fail with
// EMSGSIZE; the appenders write nothing once it has overflowed.
class Writer {
public:
    Writer(std::span<u8> buffer, Type type, u16 tag);
    Writer& put8(u8 value);
    Writer& put16(u16 value);
    Writer& put32(u32 value);
    Writer& put64(u64 value);
    Writer& put_string(std::string_view text);  // ENAMETOOLONG from finish() past 65535 bytes
    Writer& put_bytes(std::span<const u8> data);
    // The message, with its size field written.
    Result<std::span<const u8>> finish();

private:
    void put(u64 value, unsigned size);
    std::span<u8> m_buffer;
    usize m_length = 0;
    int m_error = 0;
};

// Reads one reply. Reads past the end return zeros (and empty strings) and clear ok(); a
// caller checks ok() before using what it read.
class Reader {
public:
    // The reply in `message` to a request of tag `tag`: its size field must fit the bytes
    // received, its tag match, and its type be `expected` or Rlerror, which becomes that
    // errno (EIO when it is no errno at all). EIO for anything malformed.
    static Result<Reader> open(std::span<const u8> message, Type expected, u16 tag);
    // A reader of nothing (every read fails).
    static Reader empty() { return Reader({}); }

    u8 get8();
    u16 get16();
    u32 get32();
    u64 get64();
    std::string_view get_string();
    Qid get_qid();
    std::span<const u8> get_bytes(usize count);
    usize remaining() const { return m_body.size() - m_at; }
    bool ok() const { return m_ok; }

private:
    explicit Reader(std::span<const u8> body) : m_body(body) {}
    bool take(usize count);
    std::span<const u8> m_body;
    usize m_at = 0;
    bool m_ok = true;
};

// Rgetattr's body after its valid mask.
struct Attributes {
    u64 valid;
    Qid qid;
    u32 mode;  // type and permission bits, as st_mode
    u32 uid, gid;
    u64 nlink, rdev, size, block_size, blocks;
    u64 atime_seconds, atime_nanoseconds;
    u64 mtime_seconds, mtime_nanoseconds;
    u64 ctime_seconds, ctime_nanoseconds;
};
// EIO when the reply is short.
Result<Attributes> read_attributes(Reader& reader);

struct FilesystemStats {
    u32 type, block_size;
    u64 blocks, blocks_free, blocks_available, files, files_free, fsid;
    u32 name_length;
};
Result<FilesystemStats> read_filesystem_stats(Reader& reader);

// One entry of an Rreaddir's data: qid[13] offset[8] type[1] name[s]. `offset` is the
// cookie that continues the listing after this entry.
struct DirectoryEntry {
    Qid qid;
    u64 offset;
    u8 type;  // d_type
    std::string_view name;
};
// Walks the entries of an Rreaddir's data. next() is false at the end, and also for a
// malformed entry (then malformed() is true).
class DirectoryEntries {
public:
    explicit DirectoryEntries(std::span<const u8> data) : m_data(data) {}
    bool next(DirectoryEntry& entry);
    bool malformed() const { return m_malformed; }

private:
    std::span<const u8> m_data;
    usize m_at = 0;
    bool m_malformed = false;
};

}  // namespace ninep
