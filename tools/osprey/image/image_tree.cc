#include "image/image_tree.h"

#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>

#include "image/mapped_file.h"

namespace osprey {

std::deque<std::string> path_components(const std::string& path) {
    std::deque<std::string> out;
    size_t start = 0;
    while (start < path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        if (end > start) out.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

namespace {

ImageNode make_node(ImageNode::Type type, u32 permissions, u32 mtime) {
    ImageNode node;
    node.type = type;
    node.permissions = permissions;
    node.mtime = mtime;
    return node;
}

std::string parent_of(const std::string& path) {
    size_t slash = path.rfind('/');
    return slash == 0 || slash == std::string::npos ? "" : path.substr(0, slash);
}

// A host file mapped for as long as it is written, checked against the size it had when
// it was added (the archive's header already carries that size).
bool map_added_file(MappedFile& file, const std::string& path, u64 expected_size, std::string& error) {
    if (!file.open(path, error)) return false;
    if (file.bytes().size() == expected_size) return true;
    error = "cannot add " + path + " to the image: it changed size while the image was built";
    return false;
}

}  // namespace

std::optional<std::string> normal_guest_path(const std::string& path) {
    if (path.empty() || path[0] != '/') return std::nullopt;
    std::string out;
    for (auto& part : path_components(path)) {
        if (part == ".") continue;
        if (part == "..") {
            // ".." at the root stays at the root, as in a path walk.
            out = parent_of(out);
            continue;
        }
        out += "/" + part;
    }
    return out.empty() ? "/" : out;
}

const ImageNode* ImageTree::find(const std::string& path) const {
    auto it = m_nodes.find(path);
    return it == m_nodes.end() ? nullptr : &it->second;
}

std::optional<std::string> ImageTree::resolve(const std::string& path) const {
    auto normal = normal_guest_path(path);
    if (!normal) return std::nullopt;
    std::deque<std::string> pending = path_components(*normal);
    std::string current;
    int hops = 0;
    while (!pending.empty()) {
        std::string part = pending.front();
        pending.pop_front();
        if (part == ".") continue;
        if (part == "..") {
            current = parent_of(current);
            continue;
        }
        std::string candidate = current + "/" + part;
        const ImageNode* node = find(candidate);
        if (!node || node->type == ImageNode::Type::Directory) {
            current = candidate;
            continue;
        }
        if (node->type == ImageNode::Type::File) {
            if (!pending.empty()) return std::nullopt;
            current = candidate;
            continue;
        }
        if (++hops > kMaxSymlinkHops) return std::nullopt;
        if (!node->data.empty() && node->data[0] == '/') current.clear();
        auto target = path_components(node->data);
        pending.insert(pending.begin(), target.begin(), target.end());
    }
    return current.empty() ? "/" : current;
}

std::optional<std::string> ImageTree::place(const std::string& path, std::string& error) {
    auto normal = normal_guest_path(path);
    if (!normal || *normal == "/") {
        error = "bad image path " + path;
        return std::nullopt;
    }
    std::string parent = parent_of(*normal);
    std::string name = normal->substr(parent.size() + 1);
    std::string resolved_parent;
    if (!parent.empty()) {
        auto resolved = resolve(parent);
        const ImageNode* parent_node = resolved ? find(*resolved) : nullptr;
        if (!resolved || (parent_node && parent_node->type != ImageNode::Type::Directory)) {
            error = "cannot place " + path + " in the image: " + parent + " is not a directory there";
            return std::nullopt;
        }
        resolved_parent = *resolved == "/" ? "" : *resolved;
        // Create what is missing, each directory after its parent.
        std::string walk;
        for (auto& part : path_components(resolved_parent)) {
            walk += "/" + part;
            if (!find(walk)) m_nodes[walk] = make_node(ImageNode::Type::Directory, 0755, 0);
        }
    }
    return resolved_parent + "/" + name;
}

bool ImageTree::add_directory(const std::string& path, u32 permissions, u32 mtime, std::string& error) {
    if (normal_guest_path(path) == "/") return true;  // the root always exists
    auto where = place(path, error);
    if (!where) return false;
    if (const ImageNode* existing = find(*where)) {
        if (existing->type == ImageNode::Type::File) {
            error = "cannot add the directory " + path + " to the image: a file is there";
            return false;
        }
        if (existing->type == ImageNode::Type::Symlink) {
            // A symlink to a directory is that directory for what is added below it.
            auto resolved = resolve(*where);
            if (!resolved || *resolved == *where) {
                error = "cannot add the directory " + path + " to the image: a symlink loop is there";
                return false;
            }
            return add_directory(*resolved, permissions, mtime, error);
        }
    }
    m_nodes[*where] = make_node(ImageNode::Type::Directory, permissions & cpio::kPermissionMask, mtime);
    return true;
}

bool ImageTree::add_file(const std::string& path, ImageNode node, std::string& error) {
    auto where = place(path, error);
    if (!where) return false;
    if (const ImageNode* existing = find(*where); existing && existing->type == ImageNode::Type::Directory) {
        error = "cannot add the file " + path + " to the image: a directory is there";
        return false;
    }
    node.type = ImageNode::Type::File;
    node.permissions &= cpio::kPermissionMask;
    m_nodes[*where] = std::move(node);
    return true;
}

bool ImageTree::add_generated_file(const std::string& path, std::string content, u32 permissions,
                                   std::string& error) {
    ImageNode node;
    node.size = content.size();
    node.data = std::move(content);
    node.permissions = permissions;
    return add_file(path, std::move(node), error);
}

bool ImageTree::add_symlink(const std::string& path, const std::string& target, u32 mtime, std::string& error) {
    auto where = place(path, error);
    if (!where) return false;
    if (const ImageNode* existing = find(*where); existing && existing->type == ImageNode::Type::Directory) {
        error = "cannot add the symlink " + path + " to the image: a directory is there";
        return false;
    }
    ImageNode node = make_node(ImageNode::Type::Symlink, 0777, mtime);
    node.data = target;
    node.size = target.size();
    m_nodes[*where] = std::move(node);
    return true;
}

u64 ImageTree::content_bytes() const {
    u64 total = 0;
    for (auto& [path, node] : m_nodes)
        if (node.type == ImageNode::Type::File) total += node.size;
    return total;
}

bool ImageTree::write(cpio::ByteSink& sink, const std::function<void(const WriteProgress&)>& progress,
                      std::string& error) const {
    cpio::NewcWriter writer(sink);
    WriteProgress done;
    // Names per hard-linked host inode, counted over what the image holds (a host file's
    // other names may not be in it). Groups of one name are plain files.
    using HostInode = std::pair<u64, u64>;
    std::map<HostInode, u32> names;
    for (auto& [path, node] : m_nodes)
        if (node.type == ImageNode::Type::File && node.host_hard_linked) names[{node.host_device, node.host_inode}]++;
    std::map<HostInode, cpio::HardLinkGroup> groups;
    auto check = [&](Result<void> result, const std::string& path) {
        if (!result.is_error()) return true;
        error = "cannot write " + path + " into the image: " +
                (result.error() == EIO ? std::string("write failed: ") + strerror(errno) : strerror(result.error()));
        return false;
    };
    for (auto& [path, node] : m_nodes) {
        std::string name = path.substr(1);
        bool ok = true;
        switch (node.type) {
        case ImageNode::Type::Directory:
            ok = check(writer.add_directory(name, node.permissions, 0, 0, node.mtime), path);
            break;
        case ImageNode::Type::Symlink:
            ok = check(writer.add_symlink(name, node.data, 0, 0, node.mtime), path);
            break;
        case ImageNode::Type::File:
            if (!node.host_path.empty() && node.host_hard_linked && names[{node.host_device, node.host_inode}] > 1) {
                HostInode key{node.host_device, node.host_inode};
                auto group = groups.find(key);
                if (group == groups.end()) {
                    auto begun = writer.begin_hard_link_group(names[key]);
                    if (begun.is_error()) return check(Error(begun.error()), path);
                    group = groups.emplace(key, begun.value()).first;
                }
                MappedFile file;
                bool first = group->second.names_written == 0;  // the only name that carries the data
                ok = (!first || map_added_file(file, node.host_path, node.size, error)) &&
                     check(writer.add_hard_link(group->second, name, node.permissions, 0, 0, node.mtime,
                                                first ? file.bytes() : std::span<const u8>()),
                           path);
            } else if (!node.host_path.empty()) {
                MappedFile file;
                ok = map_added_file(file, node.host_path, node.size, error) &&
                     check(writer.add_file(name, node.permissions, 0, 0, node.mtime, file.bytes()), path);
            } else if (node.from_view) {
                ok = check(writer.add_file(name, node.permissions, 0, 0, node.mtime, node.view), path);
            } else {
                auto bytes = std::span(reinterpret_cast<const u8*>(node.data.data()), node.data.size());
                ok = check(writer.add_file(name, node.permissions, 0, 0, node.mtime, bytes), path);
            }
            done.bytes += node.size;
            break;
        }
        if (!ok) return false;
        done.files += node.type == ImageNode::Type::File;
        if (progress) progress(done);
    }
    return check(writer.finish(), "the trailer");
}

}  // namespace osprey
