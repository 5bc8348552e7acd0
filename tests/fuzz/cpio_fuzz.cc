// libFuzzer target: arbitrary bytes as a newc cpio archive (the initramfs the kernel
// unpacks at boot): Reader::next() until the trailer or an error, relative_path() of every
// name, count_entries(), then a round trip: the files, directories and symlinks the reader
// accepted, written again by NewcWriter, read back the same (names, modes, owners, times,
// data).
//
// Beyond not crashing: every entry's name and data lie inside the archive where its header
// says; a refusal says why and the reader stays failed; relative_path() gives a canonical
// path (no "", "." or ".." component, no leading or trailing '/') that maps to itself.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "cpio/newc.h"
#include "fuzz_check.h"

namespace {

using namespace cpio;

class VectorSink final : public ByteSink {
public:
    bool write(std::span<const u8> bytes) override {
        m_bytes.insert(m_bytes.end(), bytes.begin(), bytes.end());
        return true;
    }
    std::span<const u8> bytes() const { return m_bytes; }

private:
    std::vector<u8> m_bytes;
};

bool same_bytes(std::span<const u8> a, std::span<const u8> b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

void check_relative_path(std::string_view name) {
    auto path = relative_path(name);
    if (!path) return;
    FUZZ_CHECK(within(name.data(), name.size(), path->data(), path->size()));
    if (path->empty()) return;  // the root
    FUZZ_CHECK(path->front() != '/' && path->back() != '/');
    usize start = 0;
    for (usize i = 0; i <= path->size(); i++) {
        if (i < path->size() && (*path)[i] != '/') continue;
        std::string_view component = path->substr(start, i - start);
        FUZZ_CHECK(!component.empty() && component != "." && component != "..");
        start = i + 1;
    }
    FUZZ_CHECK(relative_path(*path) == path);
    FUZZ_CHECK(relative_path("/" + std::string(*path)) == path);
    FUZZ_CHECK(relative_path("./" + std::string(*path) + "/") == path);
}

void check_entry(const Entry& entry, std::span<const u8> archive, usize previous_end) {
    FUZZ_CHECK(entry.offset >= previous_end && entry.offset % 4 == 0);
    FUZZ_CHECK(entry.offset + kHeaderSize <= archive.size());
    FUZZ_CHECK(!entry.name.empty() && entry.name.find('\0') == std::string_view::npos);
    FUZZ_CHECK(reinterpret_cast<const u8*>(entry.name.data()) == archive.data() + entry.offset + kHeaderSize);
    FUZZ_CHECK(within(archive, entry.data) && entry.name != kTrailerName);
    FUZZ_CHECK(entry.data.empty() || entry.data.data() > reinterpret_cast<const u8*>(entry.name.data()));
    FUZZ_CHECK((entry.mode & ~(kTypeMask | kPermissionMask)) == 0);
    if (entry.format == Format::Crc) {
        u32 sum = 0;
        for (u8 byte : entry.data) sum += byte;
        FUZZ_CHECK(sum == entry.check);
    }
    if (entry.is_directory()) FUZZ_CHECK(entry.data.empty());
    if (entry.is_symlink())
        FUZZ_CHECK(!entry.data.empty() && entry.symlink_target().find('\0') == std::string_view::npos);
    check_relative_path(entry.name);
}

// Writes the entries NewcWriter can write (files, directories, symlinks with names it
// takes) and checks that they read back as they were.
void round_trip(const std::vector<Entry>& entries) {
    Format format = entries.empty() ? Format::Newc : entries.front().format;
    VectorSink sink;
    NewcWriter writer(sink, format);
    std::vector<const Entry*> written;
    for (const Entry& e : entries) {
        if (e.name.size() > kMaxNameLength) continue;  // Linux would not take it either
        Result<void> added = Error(EINVAL);
        if (e.is_regular())
            added = writer.add_file(e.name, e.permissions(), e.uid, e.gid, e.mtime, e.data);
        else if (e.is_directory())
            added = writer.add_directory(e.name, e.permissions(), e.uid, e.gid, e.mtime);
        else if (e.is_symlink())
            added = writer.add_symlink(e.name, e.symlink_target(), e.uid, e.gid, e.mtime);
        else
            continue;  // devices, FIFOs and sockets: the writer has no call for them
        FUZZ_CHECK(added.is_ok());
        written.push_back(&e);
    }
    FUZZ_CHECK(writer.finish().is_ok());
    FUZZ_CHECK(writer.entries_written() == written.size() && writer.bytes_written() == sink.bytes().size());

    Reader reader(sink.bytes());
    for (const Entry* original : written) {
        auto next = reader.next();
        FUZZ_CHECK(next.is_ok() && next.value().has_value());
        const Entry& copy = *next.value();
        FUZZ_CHECK(copy.name == original->name && copy.format == format);
        // Symlinks are written as Linux creates them, with mode 0777.
        FUZZ_CHECK(copy.mode == (original->is_symlink() ? (kTypeSymlink | 0777) : original->mode));
        FUZZ_CHECK(copy.uid == original->uid && copy.gid == original->gid && copy.mtime == original->mtime);
        FUZZ_CHECK(same_bytes(copy.data, original->data));
    }
    auto end = reader.next();
    FUZZ_CHECK(end.is_ok() && !end.value() && reader.at_end() && reader.end_offset() == sink.bytes().size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::span<const u8> archive(data, size);
    Reader reader(archive);
    std::vector<Entry> entries;
    usize previous_end = 0;
    bool complete = false;
    for (;;) {
        auto next = reader.next();
        if (next.is_error()) {
            FUZZ_CHECK(next.error() == EINVAL && !reader.diagnosis().ok() && !reader.at_end());
            FUZZ_CHECK(reader.diagnosis().offset <= size);
            FUZZ_CHECK(reader.next().is_error());  // stays failed
            break;
        }
        if (!next.value()) {
            FUZZ_CHECK(reader.at_end() && reader.diagnosis().ok() && reader.end_offset() <= size);
            FUZZ_CHECK(reader.end_offset() % 4 == 0 || reader.end_offset() == size);
            auto again = reader.next();
            FUZZ_CHECK(again.is_ok() && !again.value());
            complete = true;
            break;
        }
        check_entry(*next.value(), archive, previous_end);
        previous_end = next.value()->offset + kHeaderSize;
        entries.push_back(*next.value());
    }

    Diagnosis diagnosis;
    auto count = count_entries(archive, &diagnosis);
    FUZZ_CHECK(count.is_ok() == complete && diagnosis.ok() == complete);
    if (complete) {
        FUZZ_CHECK(count.value() == entries.size());
        round_trip(entries);
    }
    return 0;
}
