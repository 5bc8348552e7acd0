#include "image/host_files.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <vector>

namespace osprey {

namespace {


std::optional<std::string> read_link(const std::string& path, std::string& error) {
    std::vector<char> buffer(4096);
    ssize_t n = readlink(path.c_str(), buffer.data(), buffer.size());
    if (n < 0 || static_cast<size_t>(n) == buffer.size()) {
        error = "cannot read the symlink " + path + ": " + strerror(n < 0 ? errno : ENAMETOOLONG);
        return std::nullopt;
    }
    return std::string(buffer.data(), static_cast<size_t>(n));
}

ImageNode host_file_node(const std::string& path, const struct stat& st) {
    ImageNode node;
    node.type = ImageNode::Type::File;
    node.host_path = path;
    node.size = static_cast<u64>(st.st_size);
    node.permissions = st.st_mode & 07777;
    node.mtime = static_cast<u32>(st.st_mtime);
    node.host_hard_linked = st.st_nlink > 1;
    node.host_device = static_cast<u64>(st.st_dev);
    node.host_inode = static_cast<u64>(st.st_ino);
    return node;
}

std::string absolute_normal(const std::string& path, const std::string& base) {
    std::filesystem::path p(path);
    if (p.is_relative()) p = std::filesystem::path(base) / p;
    std::string normal = p.lexically_normal().string();
    while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
    return normal;
}

using SkipDirectory = std::function<bool(const std::string& name)>;

bool add_tree_below(ImageTree& tree, const std::string& host, const std::string& guest, const SkipDirectory& skip,
                    std::string& error) {
    DIR* dir = opendir(host.c_str());
    if (!dir) {
        error = "cannot read the directory " + host + ": " + strerror(errno);
        return false;
    }
    std::vector<std::string> names;
    while (dirent* entry = readdir(dir)) {
        std::string name = entry->d_name;
        if (name != "." && name != "..") names.push_back(name);
    }
    closedir(dir);
    std::sort(names.begin(), names.end());
    for (auto& name : names) {
        std::string from = host + "/" + name, to = (guest == "/" ? "" : guest) + "/" + name;
        struct stat st;
        if (lstat(from.c_str(), &st) != 0) {
            error = "cannot add " + from + ": " + strerror(errno);
            return false;
        }
        bool ok = true;
        if (S_ISLNK(st.st_mode)) {
            auto target = read_link(from, error);
            ok = target && tree.add_symlink(to, *target, static_cast<u32>(st.st_mtime), error);
        } else if (S_ISDIR(st.st_mode)) {
            if (skip && skip(name)) continue;
            ok = tree.add_directory(to, st.st_mode & 07777, static_cast<u32>(st.st_mtime), error) &&
                 add_tree_below(tree, from, to, skip, error);
        } else if (S_ISREG(st.st_mode)) {
            ok = tree.add_file(to, host_file_node(from, st), error);
        }
        if (!ok) return false;
    }
    return true;
}

}  // namespace

bool add_host_path_keeping_links(ImageTree& tree, const std::string& path, std::string& error) {
    std::deque<std::string> pending = path_components(path);
    std::string current;
    int hops = 0;
    auto follow = [&](const std::string& target) {
        if (!target.empty() && target[0] == '/') current.clear();
        auto parts = path_components(target);
        pending.insert(pending.begin(), parts.begin(), parts.end());
        return ++hops <= kMaxSymlinkHops;
    };
    while (!pending.empty()) {
        std::string part = pending.front();
        pending.pop_front();
        if (part == ".") continue;
        if (part == "..") {
            size_t slash = current.rfind('/');
            current = slash == std::string::npos ? "" : current.substr(0, slash);
            continue;
        }
        std::string candidate = current + "/" + part;
        if (const ImageNode* node = tree.find(candidate)) {
            if (node->type == ImageNode::Type::Symlink) {
                if (!follow(node->data)) break;
                continue;
            }
            if (node->type == ImageNode::Type::File && !pending.empty()) break;
            current = candidate;
            continue;
        }
        struct stat st;
        if (lstat(candidate.c_str(), &st) != 0) {
            error = "cannot add " + path + " to the image: " + candidate + ": " + strerror(errno);
            return false;
        }
        if (S_ISLNK(st.st_mode)) {
            auto target = read_link(candidate, error);
            if (!target || !tree.add_symlink(candidate, *target, static_cast<u32>(st.st_mtime), error)) return false;
            if (!follow(*target)) break;
        } else if (S_ISDIR(st.st_mode)) {
            if (!tree.add_directory(candidate, st.st_mode & 07777, static_cast<u32>(st.st_mtime), error)) return false;
            current = candidate;
        } else if (S_ISREG(st.st_mode) && pending.empty()) {
            return tree.add_file(candidate, host_file_node(candidate, st), error);
        } else {
            break;
        }
    }
    if (!pending.empty() || hops > kMaxSymlinkHops) {
        error = "cannot add " + path + " to the image: not a regular file or too many symlinks";
        return false;
    }
    return true;  // already in the image
}

std::optional<AddSpec> parse_add_spec(const std::string& text, const std::string& base, std::string& error) {
    size_t split = text.rfind(":/");
    std::string host = split == std::string::npos ? text : text.substr(0, split);
    if (host.empty()) {
        error = "--add '" + text + "': expected HOST[:GUEST]";
        return std::nullopt;
    }
    auto spec = make_add_spec(host, split == std::string::npos ? "" : text.substr(split + 1), base);
    if (!spec) error = "--add '" + text + "': GUEST must be an absolute path";
    return spec;
}

std::optional<AddSpec> make_add_spec(const std::string& host, const std::string& guest, const std::string& base) {
    AddSpec spec;
    spec.host = absolute_normal(host, base);
    if (guest.empty()) {
        spec.guest = spec.host;
        return spec;
    }
    auto normal = normal_guest_path(guest);
    if (!normal) return std::nullopt;
    // A trailing '/' means "into this directory"; keep it for add_host_tree.
    spec.guest = *normal + (guest.size() > 1 && guest.back() == '/' && *normal != "/" ? "/" : "");
    return spec;
}

bool add_host_tree(ImageTree& tree, const AddSpec& spec, std::string& error) {
    return add_host_tree_except(tree, spec, nullptr, error);
}

bool add_host_tree_except(ImageTree& tree, const AddSpec& spec, const SkipDirectory& skip_directory,
                          std::string& error) {
    struct stat st;
    if (stat(spec.host.c_str(), &st) != 0) {
        error = "--add " + spec.host + ": " + (errno == ENOENT ? std::string("no such file or directory") : strerror(errno));
        return false;
    }
    bool into = !spec.guest.empty() && spec.guest.back() == '/';
    std::string guest = into && spec.guest.size() > 1 ? spec.guest.substr(0, spec.guest.size() - 1) : spec.guest;
    if (S_ISDIR(st.st_mode)) {
        return tree.add_directory(guest, st.st_mode & 07777, static_cast<u32>(st.st_mtime), error) &&
               add_tree_below(tree, spec.host, guest, skip_directory, error);
    }
    if (!S_ISREG(st.st_mode)) {
        error = "--add " + spec.host + ": not a regular file or directory";
        return false;
    }
    if (auto resolved = tree.resolve(guest); into || guest == "/" ||
                                              (resolved && tree.find(*resolved) &&
                                               tree.find(*resolved)->type == ImageNode::Type::Directory))
        guest = (guest == "/" ? "" : guest) + "/" + std::filesystem::path(spec.host).filename().string();
    return tree.add_file(guest, host_file_node(spec.host, st), error);
}

}  // namespace osprey
