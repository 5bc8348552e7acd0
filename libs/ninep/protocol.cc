#include "ninep/protocol.h"

namespace ninep {

Writer::Writer(std::span<u8> buffer, Type type, u16 tag) : m_buffer(buffer) {
    put(0, 4);  // the size, written by finish()
    put(static_cast<u8>(type), 1);
    put(tag, 2);
}

void Writer::put(u64 value, unsigned size) {
    if (m_error) return;
    if (m_buffer.size() - m_length < size) {
        m_error = EMSGSIZE;
        return;
    }
    for (unsigned i = 0; i < size; i++) m_buffer[m_length++] = static_cast<u8>(value >> (8 * i));
}

Writer& Writer::put8(u8 value) {
    put(value, 1);
    return *this;
}
Writer& Writer::put16(u16 value) {
    put(value, 2);
    return *this;
}
Writer& Writer::put32(u32 value) {
    put(value, 4);
    return *this;
}
Writer& Writer::put64(u64 value) {
    put(value, 8);
    return *this;
}

Writer& Writer::put_string(std::string_view text) {
    if (text.size() > 0xffff) {
        if (!m_error) m_error = ENAMETOOLONG;
        return *this;
    }
    put(text.size(), 2);
    return put_bytes({reinterpret_cast<const u8*>(text.data()), text.size()});
}

Writer& Writer::put_bytes(std::span<const u8> data) {
    if (m_error) return *this;
    if (m_buffer.size() - m_length < data.size()) {
        m_error = EMSGSIZE;
        return *this;
    }
    for (usize i = 0; i < data.size(); i++) m_buffer[m_length + i] = data[i];
    m_length += data.size();
    return *this;
}

Result<std::span<const u8>> Writer::finish() {
    if (m_error) return Error(m_error);
    for (unsigned i = 0; i < 4; i++) m_buffer[i] = static_cast<u8>(m_length >> (8 * i));
    return std::span<const u8>(m_buffer.data(), m_length);
}

namespace {
u64 little_endian(std::span<const u8> bytes) {
    u64 value = 0;
    for (usize i = 0; i < bytes.size(); i++) value |= static_cast<u64>(bytes[i]) << (8 * i);
    return value;
}
}  // namespace

Result<Reader> Reader::open(std::span<const u8> message, Type expected, u16 tag) {
    if (message.size() < kHeaderSize) return Error(EIO);
    u64 size = little_endian(message.first(4));
    if (size < kHeaderSize || size > message.size()) return Error(EIO);
    auto type = static_cast<Type>(message[4]);
    if (little_endian(message.subspan(5, 2)) != tag) return Error(EIO);
    Reader reader(message.subspan(kHeaderSize, size - kHeaderSize));
    if (type == Type::Rlerror) {
        u32 code = reader.get32();
        // Linux's errno values run from 1 to 4095; anything else is no answer at all.
        if (!reader.ok() || code == 0 || code > 4095) return Error(EIO);
        return Error(static_cast<int>(code));
    }
    if (type != expected) return Error(EIO);
    return reader;
}

bool Reader::take(usize count) {
    if (!m_ok || remaining() < count) {
        m_ok = false;
        return false;
    }
    m_at += count;
    return true;
}

u8 Reader::get8() { return take(1) ? m_body[m_at - 1] : 0; }
u16 Reader::get16() { return take(2) ? static_cast<u16>(little_endian(m_body.subspan(m_at - 2, 2))) : 0; }
u32 Reader::get32() { return take(4) ? static_cast<u32>(little_endian(m_body.subspan(m_at - 4, 4))) : 0; }
u64 Reader::get64() { return take(8) ? little_endian(m_body.subspan(m_at - 8, 8)) : 0; }

std::string_view Reader::get_string() {
    u16 length = get16();
    auto data = get_bytes(length);
    return {reinterpret_cast<const char*>(data.data()), data.size()};
}

std::span<const u8> Reader::get_bytes(usize count) {
    if (!take(count)) return {};
    return m_body.subspan(m_at - count, count);
}

Qid Reader::get_qid() {
    Qid qid;
    qid.type = get8();
    qid.version = get32();
    qid.path = get64();
    return qid;
}

Result<Attributes> read_attributes(Reader& r) {
    Attributes a;
    a.valid = r.get64();
    a.qid = r.get_qid();
    a.mode = r.get32();
    a.uid = r.get32();
    a.gid = r.get32();
    a.nlink = r.get64();
    a.rdev = r.get64();
    a.size = r.get64();
    a.block_size = r.get64();
    a.blocks = r.get64();
    a.atime_seconds = r.get64();
    a.atime_nanoseconds = r.get64();
    a.mtime_seconds = r.get64();
    a.mtime_nanoseconds = r.get64();
    a.ctime_seconds = r.get64();
    a.ctime_nanoseconds = r.get64();
    if (!r.ok()) return Error(EIO);
    return a;
}

Result<FilesystemStats> read_filesystem_stats(Reader& r) {
    FilesystemStats s;
    s.type = r.get32();
    s.block_size = r.get32();
    s.blocks = r.get64();
    s.blocks_free = r.get64();
    s.blocks_available = r.get64();
    s.files = r.get64();
    s.files_free = r.get64();
    s.fsid = r.get64();
    s.name_length = r.get32();
    if (!r.ok()) return Error(EIO);
    return s;
}

bool DirectoryEntries::next(DirectoryEntry& entry) {
    if (m_malformed || m_at == m_data.size()) return false;
    // qid[13] offset[8] type[1] name-length[2]
    constexpr usize kFixed = 13 + 8 + 1 + 2;
    if (m_data.size() - m_at < kFixed) {
        m_malformed = true;
        return false;
    }
    auto fixed = m_data.subspan(m_at, kFixed);
    entry.qid.type = fixed[0];
    entry.qid.version = static_cast<u32>(little_endian(fixed.subspan(1, 4)));
    entry.qid.path = little_endian(fixed.subspan(5, 8));
    entry.offset = little_endian(fixed.subspan(13, 8));
    entry.type = fixed[21];
    usize length = little_endian(fixed.subspan(22, 2));
    if (m_data.size() - m_at - kFixed < length) {
        m_malformed = true;
        return false;
    }
    entry.name = {reinterpret_cast<const char*>(m_data.data() + m_at + kFixed), length};
    m_at += kFixed + length;
    return true;
}

}  // namespace ninep
