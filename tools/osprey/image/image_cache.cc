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

void add_with_parents(std::set<std::string>& paths, const std::string& path) {
    if (path.empty() || path[0] != '/') return;
    paths.insert(path);
    for (usize slash = path.rfind('/'); slash != std::string::npos && slash > 0; slash = path.rfind('/', slash - 1))
        paths.insert(path.substr(0, slash));
    paths.insert("/");
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
        if (!node.host_path.empty()) add_with_parents(paths, node.host_path);
        // Symlinks are stored where they are on the host (the program's and the
        // libraries' links); one that is not there is stamped as absent, and stays so.
        if (node.type == ImageNode::Type::Symlink) add_with_parents(paths, guest);
    }
    for (auto& path : extra) add_with_parents(paths, path);
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

std::vector<std::string> request_directories(const ImageRequest& request) {
    std::vector<std::string> directories;
    if (request.program.find('/') == std::string::npos) {
        const char* host_path = std::getenv("PATH");
        std::string_view rest = host_path ? host_path : "";
        while (!rest.empty()) {
            usize colon = rest.find(':');
            std::string_view part = rest.substr(0, colon);
            if (!part.empty() && part[0] == '/') directories.emplace_back(part);
            rest.remove_prefix(colon == std::string_view::npos ? rest.size() : colon + 1);
        }
    }
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
    out += "\nkey ";
    put_counted(out, record.key);
    out += "\nbuild_args " + std::to_string(record.build_args) + "\n";
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
    if (!take_literal(in, kRecordMagic) || !take_literal(in, "\nkey ")) return std::nullopt;
    auto key = take_counted(in);
    if (!key || !take_literal(in, "\nbuild_args ")) return std::nullopt;
    record.key = *key;
    usize newline = in.find('\n');
    if (newline == std::string_view::npos) return std::nullopt;
    auto [end, problem] = std::from_chars(in.data(), in.data() + newline, record.build_args);
    if (problem != std::errc() || end != in.data() + newline) return std::nullopt;
    in.remove_prefix(newline + 1);
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
    std::string image = stem + ".cpio";
    // Touched as used: trim() removes the least recently used first.
    if (utimensat(AT_FDCWD, image.c_str(), nullptr, 0) != 0) return std::nullopt;
    return Hit{image, record->build_args};
}

std::optional<std::string> ImageCache::store(const std::string& key, const ImageTree& tree, usize build_args,
                                             const std::vector<std::string>& dependencies, std::string& error) const {
    CacheRecord record{key, build_args, {}};
    // Stamped before the files are read: a file changed while the image is written then
    // no longer matches its stamp, and the next run builds afresh.
    record.stamps.reserve(dependencies.size());
    for (auto& path : dependencies) record.stamps.push_back(stamp_host_path(path));

    std::string stem = m_directory + "/" + cache_entry_name(key);
    std::string temporary = stem + ".cpio.XXXXXX";
    int fd = mkstemp(temporary.data());
    if (fd < 0) {
        error = "cannot create a file in the image cache " + m_directory + ": " + strerror(errno);
        return std::nullopt;
    }
    close(fd);
    u64 bytes = 0;
    if (!write_image_file(tree, temporary, true, bytes, error)) return std::nullopt;
    std::string image = stem + ".cpio";
    if (rename(temporary.c_str(), image.c_str()) != 0) {
        error = "cannot rename " + temporary + ": " + strerror(errno);
        unlink(temporary.c_str());
        return std::nullopt;
    }
    if (!write_file_atomically(stem + ".deps", encode_cache_record(record))) {
        error = "cannot write " + stem + ".deps: " + strerror(errno);
        return std::nullopt;
    }
    return image;
}

void ImageCache::trim(u64 limit_bytes, i64 keep_seconds) const {
    DIR* dir = opendir(m_directory.c_str());
    if (!dir) return;
    struct Entry {
        std::string stem;
        i64 used;
        u64 bytes;
    };
    std::vector<Entry> entries;
    u64 total = 0;
    i64 now = static_cast<i64>(time(nullptr));
    while (dirent* d = readdir(dir)) {
        std::string name = d->d_name;
        std::string path = m_directory + "/" + name;
        struct stat st;
        if (name[0] == '.' || lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        // A private file of a writer that died (mkstemp's six characters after the name).
        if (name.find(".cpio.") != std::string::npos || name.find(".deps.") != std::string::npos) {
            if (now - st.st_mtime > 3600) unlink(path.c_str());
            continue;
        }
        if (name.size() <= 5 || name.compare(name.size() - 5, 5, ".cpio") != 0) continue;
        entries.push_back({path.substr(0, path.size() - 5), static_cast<i64>(st.st_mtime), static_cast<u64>(st.st_size)});
        total += static_cast<u64>(st.st_size);
    }
    closedir(dir);
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.used < b.used; });
    for (auto& entry : entries) {
        if (total <= limit_bytes) break;
        if (now - entry.used < keep_seconds) continue;
        // The record first: an image without one is never used.
        unlink((entry.stem + ".deps").c_str());
        unlink((entry.stem + ".cpio").c_str());
        total -= entry.bytes;
    }
}

}  // namespace osprey
