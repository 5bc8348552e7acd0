#include "cpio/newc.h"

#include <cstring>

namespace cpio {

namespace {

constexpr char kMagicNewc[] = "070701";
constexpr char kMagicCrc[] = "070702";
constexpr usize kMagicLength = 6;
constexpr usize kFieldCount = 13;

// Header field order after the magic.
enum Field : usize {
    Ino, Mode, Uid, Gid, Nlink, Mtime, FileSize, DevMajor, DevMinor, RdevMajor, RdevMinor,
    NameSize, Check,
};

constexpr u32 kMaxMode = kTypeMask | kPermissionMask;

std::optional<u32> parse_hex8(const u8* digits) {
    u32 value = 0;
    for (usize i = 0; i < 8; ++i) {
        u8 c = digits[i];
        u32 nibble;
        if (c >= '0' && c <= '9')
            nibble = c - '0';
        else if (c >= 'a' && c <= 'f')
            nibble = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            nibble = c - 'A' + 10;
        else
            return std::nullopt;
        value = (value << 4) | nibble;
    }
    return value;
}

void format_hex8(u32 value, u8* out) {
    constexpr char kDigits[] = "0123456789abcdef";
    for (usize i = 0; i < 8; ++i) out[i] = kDigits[(value >> (28 - 4 * i)) & 0xf];
}

u32 byte_sum(std::span<const u8> data) {
    u32 sum = 0;
    for (u8 byte : data) sum += byte;
    return sum;
}

// ELF files of a page or more: the kernel maps their pages in place when their data starts
// on a page boundary in the archive (and the archive on one in memory).
bool starts_page_aligned(u32 mode, std::span<const u8> data) {
    return (mode & kTypeMask) == kTypeRegular && data.size() >= kProgramAlignment && data[0] == 0x7f &&
           data[1] == 'E' && data[2] == 'L' && data[3] == 'F';
}

bool contains_nul(std::string_view text) {
    for (char c : text)
        if (c == '\0') return true;
    return false;
}

}  // namespace

Error Reader::fail(const char* reason, usize offset) {
    m_failed = true;
    m_diagnosis = {reason, offset};
    return Error(EINVAL);
}

Result<std::optional<Entry>> Reader::next() {
    if (m_failed) return Error(EINVAL);
    if (m_done) return std::optional<Entry>{};

    const usize size = m_archive.size();
    const usize start = m_offset;
    if (start == size) return fail("archive ends without a TRAILER!!! entry", start);
    if (size - start < kHeaderSize) return fail("truncated entry header", start);
    const u8* header = m_archive.data() + start;

    Format format;
    if (std::memcmp(header, kMagicNewc, kMagicLength) == 0)
        format = Format::Newc;
    else if (std::memcmp(header, kMagicCrc, kMagicLength) == 0)
        format = Format::Crc;
    else if (std::memcmp(header, "070707", kMagicLength) == 0)
        return fail("old portable (odc) cpio format; only newc is supported", start);
    else
        return fail("bad magic: not a newc cpio entry", start);

    u32 fields[kFieldCount];
    for (usize i = 0; i < kFieldCount; ++i) {
        auto value = parse_hex8(header + kMagicLength + 8 * i);
        if (!value) return fail("header field is not 8 hex digits", start);
        fields[i] = *value;
    }

    Entry entry;
    entry.offset = start;
    entry.format = format;
    entry.ino = fields[Ino];
    entry.mode = fields[Mode];
    entry.uid = fields[Uid];
    entry.gid = fields[Gid];
    entry.nlink = fields[Nlink];
    entry.mtime = fields[Mtime];
    entry.dev_major = fields[DevMajor];
    entry.dev_minor = fields[DevMinor];
    entry.rdev_major = fields[RdevMajor];
    entry.rdev_minor = fields[RdevMinor];
    entry.check = fields[Check];

    // Sizes are at most 2^32 - 1, so none of the sums below can wrap a 64-bit usize.
    const u64 name_size = fields[NameSize];
    const u64 name_start = start + kHeaderSize;
    if (name_size == 0) return fail("entry name has no terminating NUL", start);
    if (name_size > size - name_start) return fail("entry name extends beyond the archive", start);
    const char* name = reinterpret_cast<const char*>(m_archive.data() + name_start);
    if (name[name_size - 1] != '\0') return fail("entry name has no terminating NUL", start);
    // The name ends at its first NUL; more NULs may follow it (padding that places the data
    // on a page boundary, see NewcWriter), but nothing else.
    usize name_length = 0;
    while (name[name_length] != '\0') ++name_length;
    entry.name = std::string_view(name, name_length);
    if (entry.name.empty()) return fail("entry has an empty name", start);
    for (usize i = name_length; i < name_size; ++i)
        if (name[i] != '\0') return fail("entry name contains a NUL byte", start);

    const u64 data_start = align_up(name_start + name_size, 4);
    const u64 data_size = fields[FileSize];
    if (data_start > size || data_size > size - data_start)
        return fail("entry data extends beyond the archive", start);
    entry.data = m_archive.subspan(data_start, data_size);
    // The final padding may be cut off at the very end of the archive; a following entry
    // would then fail as truncated.
    m_offset = static_cast<usize>(align_up(data_start + data_size, 4));
    if (m_offset > size) m_offset = size;

    if (entry.name == kTrailerName) {
        m_done = true;
        return std::optional<Entry>{};
    }

    if (entry.mode > kMaxMode) return fail("mode has bits beyond file type and permissions", start);
    if (format == Format::Crc && byte_sum(entry.data) != entry.check)
        return fail("checksum mismatch in a 070702 (crc) entry", start);
    if (entry.is_directory() && !entry.data.empty())
        return fail("directory entry carries data", start);
    if (entry.is_symlink()) {
        if (entry.data.empty()) return fail("symlink with an empty target", start);
        if (contains_nul(entry.symlink_target()))
            return fail("symlink target contains a NUL byte", start);
    }
    return std::optional<Entry>{entry};
}

Result<usize> count_entries(std::span<const u8> archive, Diagnosis* diagnosis) {
    Reader reader(archive);
    usize count = 0;
    for (;;) {
        auto entry = reader.next();
        if (diagnosis) *diagnosis = reader.diagnosis();
        if (entry.is_error()) return Error(entry.error());
        if (!entry.value()) return count;
        ++count;
    }
}

std::optional<std::string_view> relative_path(std::string_view name) {
    usize begin = 0, end = name.size();
    // Leading "/" and "./" in any mix; a lone trailing "." after them is the root itself.
    for (;;) {
        if (begin < end && name[begin] == '/') {
            ++begin;
        } else if (end - begin >= 2 && name[begin] == '.' && name[begin + 1] == '/') {
            begin += 2;
        } else if (end - begin == 1 && name[begin] == '.') {
            ++begin;
        } else {
            break;
        }
    }
    while (end > begin && name[end - 1] == '/') --end;
    std::string_view path(name.data() + begin, end - begin);

    usize component_start = 0;
    for (usize i = 0; i <= path.size(); ++i) {
        if (i < path.size() && path[i] != '/') continue;
        usize length = i - component_start;
        const char* component = path.data() + component_start;
        if (!path.empty()) {
            if (length == 0) return std::nullopt;
            if (length == 1 && component[0] == '.') return std::nullopt;
            if (length == 2 && component[0] == '.' && component[1] == '.') return std::nullopt;
        }
        component_start = i + 1;
    }
    return path;
}

Result<void> NewcWriter::emit(std::span<const u8> bytes) {
    if (bytes.empty()) return {};
    if (!m_sink.write(bytes)) return Error(EIO);
    m_written += bytes.size();
    return {};
}

Result<void> NewcWriter::pad() {
    static constexpr u8 kZeros[4] = {};
    return emit(std::span<const u8>(kZeros, align_up(m_written, 4) - m_written));
}

Result<void> NewcWriter::write_entry(std::string_view name, const Header& header,
                                     std::span<const u8> data) {
    u8 bytes[kHeaderSize];
    std::memcpy(bytes, m_format == Format::Crc ? kMagicCrc : kMagicNewc, kMagicLength);
    u32 fields[kFieldCount] = {};
    fields[Ino] = header.ino;
    fields[Mode] = header.mode;
    fields[Uid] = header.uid;
    fields[Gid] = header.gid;
    fields[Nlink] = header.nlink;
    fields[Mtime] = header.mtime;
    fields[FileSize] = header.filesize;
    // A program's data starts on a page boundary: the name takes as many NULs as that needs,
    // unless that makes it longer than Linux's initramfs reader takes (PATH_MAX with the NUL:
    // it would skip the file). Then the program is stored as any file (a kernel copies it).
    u64 name_size = name.size() + 1;
    if (starts_page_aligned(header.mode, data)) {
        u64 padded = name_size + (kProgramAlignment - (m_written + kHeaderSize + name_size) % kProgramAlignment) %
                                     kProgramAlignment;
        if (padded <= kMaxNameLength + 1) name_size = padded;
    }
    fields[NameSize] = static_cast<u32>(name_size);
    fields[Check] = header.check;
    for (usize i = 0; i < kFieldCount; ++i) format_hex8(fields[i], bytes + kMagicLength + 8 * i);

    TRY(emit(bytes));
    TRY(emit({reinterpret_cast<const u8*>(name.data()), name.size()}));
    static constexpr u8 kNuls[256] = {};
    for (u64 nuls = name_size - name.size(); nuls;) {
        u64 chunk = nuls < sizeof kNuls ? nuls : sizeof kNuls;
        TRY(emit({kNuls, chunk}));
        nuls -= chunk;
    }
    TRY(pad());
    TRY(emit(data));
    return pad();
}

Result<void> NewcWriter::add(std::string_view name, u32 type, u32 mode, u32 uid, u32 gid,
                             u32 mtime, std::span<const u8> data, const HardLinkGroup* group) {
    if (m_finished) return Error(EINVAL);
    if (name.empty() || name.size() > kMaxNameLength || contains_nul(name) ||
        name == kTrailerName)
        return Error(EINVAL);
    if ((mode & kTypeMask) != 0 && (mode & kTypeMask) != type) return Error(EINVAL);
    if (mode & ~kMaxMode) return Error(EINVAL);
    if (data.size() > 0xffffffffu) return Error(EFBIG);

    Header header{};
    header.ino = group ? group->ino : TRY(allocate_ino());
    header.mode = type | (mode & kPermissionMask);
    header.uid = uid;
    header.gid = gid;
    header.nlink = group ? group->nlink : type == kTypeDirectory ? 2 : 1;
    header.mtime = mtime;
    header.filesize = static_cast<u32>(data.size());
    header.check = m_format == Format::Crc ? byte_sum(data) : 0;
    TRY(write_entry(name, header, data));
    ++m_entries;
    return {};
}

Result<u32> NewcWriter::allocate_ino() {
    if (m_next_ino == 0xffffffffu) return Error(EOVERFLOW);
    return m_next_ino++;
}

Result<HardLinkGroup> NewcWriter::begin_hard_link_group(u32 nlink) {
    if (m_finished || nlink < 2) return Error(EINVAL);
    return HardLinkGroup{TRY(allocate_ino()), nlink, 0};
}

Result<void> NewcWriter::add_hard_link(HardLinkGroup& group, std::string_view name, u32 mode,
                                       u32 uid, u32 gid, u32 mtime, std::span<const u8> data) {
    if (group.ino == 0 || group.names_written >= group.nlink) return Error(EINVAL);
    // The data travels with the first name only.
    std::span<const u8> stored = group.names_written == 0 ? data : std::span<const u8>();
    TRY(add(name, kTypeRegular, mode, uid, gid, mtime, stored, &group));
    ++group.names_written;
    return {};
}

Result<void> NewcWriter::add_file(std::string_view name, u32 mode, u32 uid, u32 gid, u32 mtime,
                                  std::span<const u8> data) {
    return add(name, kTypeRegular, mode, uid, gid, mtime, data);
}

Result<void> NewcWriter::add_directory(std::string_view name, u32 mode, u32 uid, u32 gid,
                                       u32 mtime) {
    return add(name, kTypeDirectory, mode, uid, gid, mtime, {});
}

Result<void> NewcWriter::add_symlink(std::string_view name, std::string_view target, u32 uid,
                                     u32 gid, u32 mtime) {
    if (target.empty() || contains_nul(target)) return Error(EINVAL);
    return add(name, kTypeSymlink, 0777, uid, gid, mtime,
               {reinterpret_cast<const u8*>(target.data()), target.size()});
}

Result<void> NewcWriter::finish() {
    if (m_finished) return Error(EINVAL);
    Header trailer{};
    trailer.nlink = 1;  // as GNU cpio writes it
    TRY(write_entry(kTrailerName, trailer, {}));
    m_finished = true;
    return {};
}

}  // namespace cpio
