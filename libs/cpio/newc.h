// The cpio "newc" archive format (magic 070701) and its "crc" variant (070702): the format
// of Linux initramfs images. The kernel reads the boot archive in place with Reader; the
// host tool writes one with NewcWriter.
//
// Layout: each entry is a 110-byte ASCII header (magic + 13 fields of 8 hex digits), the
// name with its NUL (and possibly more NULs: see kProgramAlignment), zero padding to a multiple of 4, the data (file contents or symlink
// target), zero padding to a multiple of 4. Offsets are counted from the archive's start.
// The entry named "TRAILER!!!" ends the archive.
//
//   cpio::Reader reader(initrd);
//   while (auto entry = TRY(reader.next())) { ... entry->name, entry->data ... }
//
// Names are handed out exactly as stored, not normalized: GNU `find . | cpio -o` stores
// "." and "bin/sh", NewcWriter and Linux's gen_init_cpio store "bin/sh", other tools may
// store "./bin/sh" or "/bin/sh". relative_path() turns every spelling into one canonical
// form.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "base/result.h"
#include "base/types.h"

namespace cpio {

// st_mode file type bits (the Linux values; named so as not to collide with <sys/stat.h>).
constexpr u32 kTypeMask = 0170000;
constexpr u32 kTypeSocket = 0140000;
constexpr u32 kTypeSymlink = 0120000;
constexpr u32 kTypeRegular = 0100000;
constexpr u32 kTypeBlockDevice = 0060000;
constexpr u32 kTypeDirectory = 0040000;
constexpr u32 kTypeCharDevice = 0020000;
constexpr u32 kTypeFifo = 0010000;
constexpr u32 kPermissionMask = 07777;  // rwx bits with setuid, setgid and sticky

constexpr usize kHeaderSize = 110;
constexpr std::string_view kTrailerName = "TRAILER!!!";
// Where NewcWriter starts the data of an ELF file of at least this size: on a multiple of
// it from the archive's start, the name padded with NULs to get there (Linux's initramfs
// reader and Reader take a name up to its first NUL), so that a kernel can map the file's
// pages where they lie. Not when the padded name would pass PATH_MAX (with its NUL), which
// Linux refuses: for a long name at an unlucky offset, about one program in a hundred.
constexpr usize kProgramAlignment = 4096;
// Longest name the writer stores (PATH_MAX without its NUL); the reader takes any length.
constexpr usize kMaxNameLength = 4095;

enum class Format : u8 {
    Newc,  // 070701: the check field is unused
    Crc,   // 070702: the check field is the sum of the data bytes, modulo 2^32
};

struct Entry {
    std::string_view name;  // as stored, without its NUL; never empty
    u32 mode = 0;           // full st_mode: type bits (kType*) and permissions
    u32 uid = 0;
    u32 gid = 0;
    u32 nlink = 0;
    u32 mtime = 0;  // seconds since the epoch
    u32 ino = 0;
    u32 dev_major = 0;
    u32 dev_minor = 0;
    u32 rdev_major = 0;  // device numbers of a character or block device node
    u32 rdev_minor = 0;
    u32 check = 0;  // the check field as stored (verified for Format::Crc)
    Format format = Format::Newc;
    // File contents, or the target of a symlink; points into the archive. A hard link
    // group stores its data once, with one of its names; the others have empty data.
    std::span<const u8> data;
    usize offset = 0;  // of the header, from the archive's start

    u32 type() const { return mode & kTypeMask; }
    u32 permissions() const { return mode & kPermissionMask; }
    bool is_regular() const { return type() == kTypeRegular; }
    bool is_directory() const { return type() == kTypeDirectory; }
    bool is_symlink() const { return type() == kTypeSymlink; }
    std::string_view symlink_target() const {
        return {reinterpret_cast<const char*>(data.data()), data.size()};
    }
};

// Why an archive was refused: a short lowercase phrase and where.
struct Diagnosis {
    const char* reason = "";  // never null; "" when nothing is wrong
    usize offset = 0;         // of the offending entry's header
    bool ok() const { return reason[0] == '\0'; }
};

// Walks the entries of an archive held in memory, without copying. Every field is checked
// before an entry is handed out: magic, hex digits, the name's NUL, that name and data lie
// inside the archive, the 070702 checksum. Errors are EINVAL (diagnosis() says why); the
// reader then stays failed.
class Reader {
public:
    explicit Reader(std::span<const u8> archive) : m_archive(archive) {}

    // The next entry, or nullopt once the trailer is reached (and on every call after).
    Result<std::optional<Entry>> next();

    bool at_end() const { return m_done; }
    const Diagnosis& diagnosis() const { return m_diagnosis; }
    // Offset just past the trailer and its padding once at_end(): Linux accepts several
    // archives concatenated (with zero padding between), starting again from here.
    usize end_offset() const { return m_offset; }

private:
    Error fail(const char* reason, usize offset);

    std::span<const u8> m_archive;
    usize m_offset = 0;
    bool m_done = false;
    bool m_failed = false;
    Diagnosis m_diagnosis;
};

// Reads every entry of `archive` up to its trailer; EINVAL with `diagnosis` when any is bad.
Result<usize> count_entries(std::span<const u8> archive, Diagnosis* diagnosis = nullptr);

// The canonical relative path of a stored name: leading "/" and "./" and trailing "/"
// removed, so "./bin/sh", "/bin/sh" and "bin/sh" all give "bin/sh", and "." or "./" give
// "" (the root). nullopt for a name that could escape or alias: a ".." component, or an
// empty or "." component inside ("a//b", "a/./b").
std::optional<std::string_view> relative_path(std::string_view name);

// Where NewcWriter puts its bytes (a file on the host, a buffer in tests). Returns false
// when it could not take them.
class ByteSink {
public:
    virtual bool write(std::span<const u8> bytes) = 0;

protected:
    ~ByteSink() = default;  // never deleted through this interface
};

// Writes a newc (or crc) archive entry by entry. Inode numbers are assigned 1, 2, 3... in
// order; nlink is 1 for files and symlinks and 2 for directories; device numbers are 0.
// A file with several names (hard links) is a HardLinkGroup: every name gets the group's
// inode number and nlink, the data is stored once, with the first name written, and the
// other names are stored empty (Linux's initramfs and Osprey's join them by inode number). `mode` takes permission bits only (the writer adds the
// type); a mode carrying a different type is EINVAL. Names must be non-empty, at most
// kMaxNameLength bytes, free of NUL and not "TRAILER!!!" (EINVAL); data longer than
// 4 GiB - 1 does not fit the format (EFBIG). A sink failure is EIO.
// One inode with `nlink` names, from NewcWriter::begin_hard_link_group().
struct HardLinkGroup {
    u32 ino = 0;
    u32 nlink = 0;
    u32 names_written = 0;
};

class NewcWriter {
public:
    explicit NewcWriter(ByteSink& sink, Format format = Format::Newc)
        : m_sink(sink), m_format(format) {}

    Result<void> add_file(std::string_view name, u32 mode, u32 uid, u32 gid, u32 mtime,
                          std::span<const u8> data);
    Result<void> add_directory(std::string_view name, u32 mode, u32 uid, u32 gid, u32 mtime);
    // Symlinks are stored with mode 0777, as Linux creates them.
    Result<void> add_symlink(std::string_view name, std::string_view target, u32 uid = 0,
                             u32 gid = 0, u32 mtime = 0);
    // Reserves an inode number for a file with `nlink` >= 2 names (EINVAL otherwise).
    Result<HardLinkGroup> begin_hard_link_group(u32 nlink);
    // One name of `group`. `data` is stored with the first name only; later names are
    // written empty. More names than nlink is EINVAL.
    Result<void> add_hard_link(HardLinkGroup& group, std::string_view name, u32 mode, u32 uid,
                               u32 gid, u32 mtime, std::span<const u8> data);
    // Writes the trailer. No entry may be added afterwards (EINVAL).
    Result<void> finish();

    u64 bytes_written() const { return m_written; }
    u32 entries_written() const { return m_entries; }

private:
    struct Header {
        u32 ino, mode, uid, gid, nlink, mtime, filesize, check;
    };
    Result<void> add(std::string_view name, u32 type, u32 mode, u32 uid, u32 gid, u32 mtime,
                     std::span<const u8> data, const HardLinkGroup* group = nullptr);
    Result<u32> allocate_ino();
    Result<void> write_entry(std::string_view name, const Header& header,
                             std::span<const u8> data);
    Result<void> emit(std::span<const u8> bytes);
    Result<void> pad();

    ByteSink& m_sink;
    Format m_format;
    u64 m_written = 0;
    u32 m_next_ino = 1;
    u32 m_entries = 0;
    bool m_finished = false;
};

}  // namespace cpio
