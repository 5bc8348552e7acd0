// The files of an image before it is written: directories, regular files and symlinks at
// absolute guest paths, with their modes and times. Everything `osprey build` and
// `osprey run` put in an image goes through here, so the rules are in one place:
//
// - Parents are created as needed (0755, time 0); a later add of the same file replaces
//   the earlier one (so --add overrides the generated /etc files), but a file never
//   replaces a directory or the other way round.
// - A path that goes through a symlink already in the tree lands where the symlink
//   points, as it would in the guest: with /lib -> usr/lib, /lib/x/libc.so.6 is stored as
//   /usr/lib/x/libc.so.6.
// - File contents are not held: a host file is read (mapped) only while it is written.
//
// write() emits a cpio newc archive in path order, each directory before what it holds.
// Host files that are hard links of each other stay one inode with several names.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>

#include "base/types.h"
#include "cpio/newc.h"

namespace osprey {

struct ImageNode {
    enum class Type { Directory, File, Symlink };
    Type type = Type::File;
    u32 permissions = 0755;  // st_mode & 07777
    u32 mtime = 0;
    // A file's content comes from exactly one of these.
    std::string host_path;          // read when the image is written
    std::string data;               // held here (generated files); a symlink's target
    std::span<const u8> view;       // bytes owned by someone else (a mapped image)
    bool from_view = false;
    u64 size = 0;                   // of the content (a symlink: of its target)
    // A host file with several names: its device and inode. Files of the image that share
    // them are written as one inode with several names (hard links), as on the host.
    u64 host_device = 0;
    u64 host_inode = 0;
    bool host_hard_linked = false;
};

struct WriteProgress {
    u64 files = 0;
    u64 bytes = 0;
};

class ImageTree {
public:
    // `path`: absolute guest path. false with a message on a conflict or a bad path.
    bool add_directory(const std::string& path, u32 permissions, u32 mtime, std::string& error);
    bool add_file(const std::string& path, ImageNode node, std::string& error);
    bool add_symlink(const std::string& path, const std::string& target, u32 mtime, std::string& error);
    bool add_generated_file(const std::string& path, std::string content, u32 permissions, std::string& error);

    // The node at `path` as stored (symlinks in the tree are not followed).
    const ImageNode* find(const std::string& path) const;
    // `path` with every symlink already in the tree resolved, as the guest would see it;
    // nullopt when a component is a file or the links loop.
    std::optional<std::string> resolve(const std::string& path) const;

    const std::map<std::string, ImageNode>& nodes() const { return m_nodes; }
    u64 content_bytes() const;

    // Writes the archive. `progress` is called after each entry.
    bool write(cpio::ByteSink& sink, const std::function<void(const WriteProgress&)>& progress,
               std::string& error) const;

private:
    // Resolves the parents of `path` through the tree and creates missing ones; returns
    // the path where the last component is to be stored.
    std::optional<std::string> place(const std::string& path, std::string& error);

    std::map<std::string, ImageNode> m_nodes;  // key: absolute guest path, never "/"
};

// An absolute, lexically normal guest path without a trailing '/'; nullopt for a relative
// path or one with a ".." that would climb above the root.
std::optional<std::string> normal_guest_path(const std::string& path);

// The non-empty components of a slash-separated path, in order.
std::deque<std::string> path_components(const std::string& path);
// Symlinks followed before a path walk gives up, as Linux's does.
constexpr int kMaxSymlinkHops = 40;

}  // namespace osprey
