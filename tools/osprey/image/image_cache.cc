#include "image/image_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "image/cache_directory.h"
#include "image/image_builder.h"

namespace osprey {

namespace {

constexpr std::string_view kRecordMagic = "osprey-image-cache-v1";

// A field that may hold any byte (a path with a space or a newline): its length first.
void put_counted(std::string& out, std::string_view bytes) {
    out += std::to_string(bytes.size());
    out += ':';
    out += bytes;
}

// Reads what put_counted wrote at the front of `in`; nullopt when malformed.
std::optional<std::string_view> take_counted(std::string_view& in) {
    usize colon = in.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 10) return std::nullopt;
    usize length = 0;
    auto [end, problem] = std::from_chars(in.data(), in.data() + colon, length);
    if (problem != std::errc() || end != in.data() + colon || length > in.size() - colon - 1) return std::nullopt;
    std::string_view bytes = in.substr(colon + 1, length);
    in.remove_prefix(colon + 1 + length);
    return bytes;
}

// A decimal (or negative decimal) number and the space after it.
template <typename T>
std::optional<T> take_number(std::string_view& in) {
    T value{};
    auto [end, problem] = std::from_chars(in.data(), in.data() + in.size(), value);
    if (problem != std::errc() || end == in.data() || end == in.data() + in.size() || *end != ' ') return std::nullopt;
    in.remove_prefix(static_cast<usize>(end - in.data()) + 1);
    return value;
}

bool take_literal(std::string_view& in, std::string_view literal) {
    if (in.substr(0, literal.size()) != literal) return false;
    in.remove_prefix(literal.size());
    return true;
}

i64 nanoseconds(const timespec& t) { return static_cast<i64>(t.tv_sec) * 1'000'000'000 + t.tv_nsec; }

// A path and the directory it is in: a file added to or removed from that directory (a
// module beside the others, a library, a symlink moved) changes the directory's times. The
// directories further up are not: what lstat sees of the path itself already changes when
// one of them is replaced, and /tmp or a home directory change all the time.
void add_with_parent(std::set<std::string>& paths, const std::string& path) {
    if (path.empty() || path[0] != '/') return;
    paths.insert(path);
    usize slash = path.rfind('/');
    paths.insert(slash == 0 ? "/" : path.substr(0, slash));
}

// Written to a private file in the cache and renamed into place.
bool write_file_atomically(const std::string& path, const std::string& bytes) {
    std::string temporary = path + ".XXXXXX";
    int fd = mkstemp(temporary.data());
    if (fd < 0) return false;
    bool ok = true;
    for (usize done = 0; ok && done < bytes.size();) {
        ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
        if (n <= 0) ok = false;
        else done += static_cast<usize>(n);
    }
    ok = close(fd) == 0 && ok;
    ok = ok && rename(temporary.c_str(), path.c_str()) == 0;
    if (!ok) unlink(temporary.c_str());
    return ok;
}

std::optional<std::string> read_small_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

}  // namespace

HostStamp stamp_host_path(const std::string& path) {
    HostStamp stamp;
    stamp.path = path;
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) return stamp;
    stamp.present = true;
    stamp.device = st.st_dev;
    stamp.inode = st.st_ino;
    stamp.size = static_cast<u64>(st.st_size);
    stamp.mode = st.st_mode;
    stamp.mtime_ns = nanoseconds(st.st_mtim);
    stamp.ctime_ns = nanoseconds(st.st_ctim);
    return stamp;
}

std::vector<std::string> image_dependencies(const ImageTree& tree, const std::vector<std::string>& extra) {
    std::set<std::string> paths;
    for (auto& [guest, node] : tree.nodes()) {
        if (!node.host_path.empty()) add_with_parent(paths, node.host_path);
        // Symlinks are stored where they are on the host (the program's and the
        // libraries' links); one that is not there is stamped as absent, and stays so.
        if (node.type == ImageNode::Type::Symlink) add_with_parent(paths, guest);
    }
    for (auto& path : extra) paths.insert(path);
    return {paths.begin(), paths.end()};
}

std::string image_cache_key(const ImageRequest& request, const std::string& cwd, const std::vector<std::string>& env) {
    std::string key = "image-v1";
    auto field = [&key](std::string_view name, std::string_view value) {
        key += '\n';
        key += name;
        key += ' ';
        put_counted(key, value);
    };
    HostStamp self = stamp_host_path("/proc/self/exe");
    char self_path[4096];
    ssize_t n = readlink("/proc/self/exe", self_path, sizeof self_path);
    if (n > 0) self = stamp_host_path(std::string(self_path, static_cast<usize>(n)));
    field("osprey", std::to_string(self.device) + " " + std::to_string(self.inode) + " " + std::to_string(self.size) +
                        " " + std::to_string(self.mtime_ns) + " " + std::to_string(self.ctime_ns));
    field("program", request.program);
    // A program named by a relative path (or found through a relative PATH entry) depends
    // on where it was typed; --add paths are absolute by now.
    if (request.program.empty() || request.program[0] != '/') field("cwd", cwd);
    const char* host_path = std::getenv("PATH");
    field("host-path", host_path ? host_path : "");
    for (auto& entry : env) field("env", entry);
    field("workdir", request.workdir.value_or("/"));
    for (auto& add : request.add) {
        field("add-host", add.host);
        field("add-guest", add.guest);
    }
    return key;
}

std::vector<std::string> request_directories(const ImageRequest& request, const std::string& cwd,
                                             const std::vector<std::string>& env) {
    std::vector<std::string> directories;
    // The program's search path (a bare name) and the guest's (`#!/usr/bin/env NAME` looks
    // NAME up there), as compose_image reads them: a program installed earlier on either
    // changes what the image holds.
    auto add_search_path = [&](std::string_view rest) {
        while (true) {
            usize colon = rest.find(':');
            std::string_view part = rest.substr(0, colon);
            if (part.empty() || part[0] != '/')
                directories.push_back(cwd + (part.empty() ? "" : "/" + std::string(part)));
            else
                directories.emplace_back(part);
            if (colon == std::string_view::npos) break;
            rest.remove_prefix(colon + 1);
        }
    };
    const char* host_path = std::getenv("PATH");
    add_search_path(host_path ? host_path : "/usr/local/bin:/usr/bin:/bin");
    for (auto& entry : env)
        if (entry.rfind("PATH=", 0) == 0) add_search_path(std::string_view(entry).substr(5));
    // Every directory of an --add tree: one holding only symlinks or empty directories
    // has no file of the image below it to be stamped with.
    for (auto& add : request.add) {
        std::error_code problem;
        directories.push_back(add.host);
        auto options = std::filesystem::directory_options::skip_permission_denied;
        for (std::filesystem::recursive_directory_iterator it(add.host, options, problem), end; !problem && it != end;
             it.increment(problem))
            if (it->is_directory(problem) && !it->is_symlink(problem)) directories.push_back(it->path().string());
    }
    return directories;
}

std::string encode_cache_record(const CacheRecord& record) {
    std::string out(kRecordMagic);
    out += "\nimage ";
    put_counted(out, record.image);
    out += "\nkey ";
    put_counted(out, record.key);
    out += '\n';
    for (auto& s : record.stamps) {
        out += "stamp " + std::to_string(s.present ? 1 : 0) + " " + std::to_string(s.device) + " " +
               std::to_string(s.inode) + " " + std::to_string(s.size) + " " + std::to_string(s.mode) + " " +
               std::to_string(s.mtime_ns) + " " + std::to_string(s.ctime_ns) + " ";
        put_counted(out, s.path);
        out += '\n';
    }
    out += "end\n";
    return out;
}

std::optional<CacheRecord> decode_cache_record(std::string_view in) {
    CacheRecord record;
    auto image = record_image_name(in);
    if (!image) return std::nullopt;
    record.image = *image;
    if (!take_literal(in, "\nkey ")) return std::nullopt;
    auto key = take_counted(in);
    if (!key || !take_literal(in, "\n")) return std::nullopt;
    record.key = *key;
    while (take_literal(in, "stamp ")) {
        HostStamp s;
        auto present = take_number<int>(in);
        auto device = take_number<u64>(in);
        auto inode = take_number<u64>(in);
        auto size = take_number<u64>(in);
        auto mode = take_number<u32>(in);
        auto mtime = take_number<i64>(in);
        auto ctime = take_number<i64>(in);
        if (!present || !device || !inode || !size || !mode || !mtime || !ctime || *present < 0 || *present > 1)
            return std::nullopt;
        auto path = take_counted(in);
        if (!path || !take_literal(in, "\n")) return std::nullopt;
        s.present = *present == 1;
        s.device = *device;
        s.inode = *inode;
        s.size = *size;
        s.mode = *mode;
        s.mtime_ns = *mtime;
        s.ctime_ns = *ctime;
        s.path = *path;
        record.stamps.push_back(std::move(s));
    }
    if (in != "end\n") return std::nullopt;
    return record;
}

std::optional<std::string> record_image_name(std::string_view& in) {
    if (!take_literal(in, kRecordMagic) || !take_literal(in, "\nimage ")) return std::nullopt;
    auto name = take_counted(in);
    // A plain file name in the cache's directory, never a path out of it.
    if (!name || name->empty() || name->find('/') != std::string_view::npos || name->front() == '.') return std::nullopt;
    return std::string(*name);
}

std::string cache_entry_name(std::string_view key) {
    u64 hash = 0xcbf29ce484222325ull;
    for (char c : key) {
        hash ^= static_cast<u8>(c);
        hash *= 0x100000001b3ull;
    }
    char name[17];
    snprintf(name, sizeof name, "%016llx", static_cast<unsigned long long>(hash));
    return name;
}

bool stamps_current(const std::vector<HostStamp>& stamps) {
    return std::all_of(stamps.begin(), stamps.end(), [](const HostStamp& s) { return stamp_host_path(s.path) == s; });
}

std::optional<u64> image_cache_limit_bytes() {
    const char* text = std::getenv("OSPREY_IMAGE_CACHE_MIB");
    if (!text || !*text) return kDefaultImageCacheMiB << 20;
    u64 mib = 0;
    auto [end, problem] = std::from_chars(text, text + strlen(text), mib);
    if (problem != std::errc() || *end != '\0' || mib > (u64{1} << 40)) return kDefaultImageCacheMiB << 20;
    if (mib == 0) return std::nullopt;
    return mib << 20;
}

std::optional<ImageCache> ImageCache::open() {
    std::string base = osprey_cache_directory();
    if (base.empty()) return std::nullopt;
    std::string parent = base.substr(0, base.rfind('/'));
    mkdir(parent.c_str(), 0700);  // ~/.cache may not exist yet
    mkdir(base.c_str(), 0700);
    std::string directory = base + "/images";
    if (mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) return std::nullopt;
    if (access(directory.c_str(), W_OK | X_OK) != 0) return std::nullopt;
    return ImageCache(directory);
}

std::optional<ImageCache::Hit> ImageCache::lookup(const std::string& key) const {
    std::string stem = m_directory + "/" + cache_entry_name(key);
    auto text = read_small_file(stem + ".deps");
    if (!text) return std::nullopt;
    auto record = decode_cache_record(*text);
    if (!record || record->key != key || !stamps_current(record->stamps)) return std::nullopt;
    std::string image = m_directory + "/" + record->image;
    // Touched as used: trim() removes the least recently used first, and none used lately.
    if (utimensat(AT_FDCWD, image.c_str(), nullptr, 0) != 0) return std::nullopt;
    return Hit{image};
}

std::optional<std::string> ImageCache::store(const std::string& key, const ImageTree& tree,
                                             const std::vector<std::string>& dependencies, std::string& error,
                                             const std::function<bool()>& stopped) const {
    CacheRecord record{{}, key, {}};
    // Stamped before the files are read: a file changed while the image is written then
    // no longer matches its stamp, and the next run builds afresh.
    record.stamps.reserve(dependencies.size());
    for (auto& path : dependencies) record.stamps.push_back(stamp_host_path(path));

    // Each store writes an image of its own name, and the record, renamed into place last,
    // names it: runs storing the same entry at once can never pair one's record with
    // another's image. The image a record no longer names is removed by trim().
    std::string stem = m_directory + "/" + cache_entry_name(key);
    std::string image = stem + ".XXXXXX.cpio";
    int fd = mkstemps(image.data(), 5);
    if (fd < 0) {
        error = "cannot create a file in the image cache " + m_directory + ": " + strerror(errno);
        return std::nullopt;
    }
    close(fd);
    u64 bytes = 0;
    if (!write_image_file(tree, image, true, bytes, error, stopped)) return std::nullopt;
    record.image = image.substr(m_directory.size() + 1);
    if (!write_file_atomically(stem + ".deps", encode_cache_record(record))) {
        error = "cannot write " + stem + ".deps: " + strerror(errno);
        unlink(image.c_str());
        return std::nullopt;
    }
    return image;
}

void ImageCache::trim(u64 limit_bytes, i64 keep_seconds) const {
    DIR* dir = opendir(m_directory.c_str());
    if (!dir) return;
    struct Image {
        i64 used;
        u64 bytes;
        std::string record;  // the .deps naming it; "" for none
    };
    std::map<std::string, Image> images;  // by file name
    std::vector<std::string> records;
    i64 now = static_cast<i64>(time(nullptr));
    auto used_lately = [&](const std::string& path) {
        struct stat st;
        return lstat(path.c_str(), &st) == 0 && now - static_cast<i64>(st.st_mtime) < keep_seconds;
    };
    while (dirent* d = readdir(dir)) {
        std::string name = d->d_name;
        std::string path = m_directory + "/" + name;
        struct stat st;
        if (name[0] == '.' || lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        auto ends_with = [&name](std::string_view suffix) {
            return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
        };
        if (ends_with(".cpio"))
            images[name] = {static_cast<i64>(st.st_mtime), static_cast<u64>(st.st_size), ""};
        else if (ends_with(".deps"))
            records.push_back(name);
        else if (name.find(".deps.") != std::string::npos && now - st.st_mtime > 3600)
            unlink(path.c_str());  // a record a writer never renamed into place
    }
    closedir(dir);
    for (auto& name : records) {
        // The image's name is at the head of its record: 4 KiB hold it.
        char head[4096];
        int fd = ::open((m_directory + "/" + name).c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ssize_t n = read(fd, head, sizeof head);
        close(fd);
        std::string_view text(head, n > 0 ? static_cast<usize>(n) : 0);
        if (auto image = record_image_name(text); image && images.count(*image)) images[*image].record = name;
    }
    // Images no record names: replaced entries, and a writer's that failed or is still
    // writing (hence not the recent ones).
    u64 total = 0;
    std::vector<std::pair<i64, std::string>> entries;
    for (auto& [name, image] : images) {
        if (image.record.empty()) {
            if (now - image.used >= keep_seconds) unlink((m_directory + "/" + name).c_str());
            continue;
        }
        total += image.bytes;
        entries.emplace_back(image.used, name);
    }
    std::sort(entries.begin(), entries.end());
    for (auto& [used, name] : entries) {
        if (total <= limit_bytes) break;
        std::string path = m_directory + "/" + name;
        // Looked at again just before: a run may have taken it since the listing.
        if (used_lately(path)) continue;
        // The record first: an image without one is never used.
        unlink((m_directory + "/" + images[name].record).c_str());
        unlink(path.c_str());
        total -= images[name].bytes;
    }
}

}  // namespace osprey
