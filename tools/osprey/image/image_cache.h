// Images `osprey run BINARY` built before, kept for the next run of the same program
// (docs/cli.md, "The image cache"). Building python3's image means finding and reading
// ~2,000 files and writing 46 MiB; a run that finds its image here skips both, and QEMU
// loads the cached file as it is: the run's own settings travel in a small second archive
// (the overlay, vm/vm_config.h).
//
// An entry is found by what shaped the image (the program as typed, the directory it was
// typed in, the environment, -w, --add, the host's PATH, osprey itself) and is used only
// while every host file and directory the image was made from still has the size, times
// and inode it had: a library upgraded, a module added to a scanned directory or a symlink
// moved makes the next run build afresh. The arguments are not part of the key: an entry
// serves every run of the program, whatever its arguments.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/types.h"
#include "image/image_tree.h"

namespace osprey {

// What an entry's host files looked like when its image was built (lstat: a symlink is
// stamped as itself). `present` false: the path did not exist.
struct HostStamp {
    std::string path;
    bool present = false;
    u64 device = 0;
    u64 inode = 0;
    u64 size = 0;
    u32 mode = 0;
    i64 mtime_ns = 0;
    i64 ctime_ns = 0;

    bool operator==(const HostStamp&) const = default;
};
HostStamp stamp_host_path(const std::string& path);

// The host paths an image's tree was made from: every host file, every symlink stored at
// a host path, and the directory each is in (an entry added to or removed from it changes
// its times), plus `extra` (request_directories()).
std::vector<std::string> image_dependencies(const ImageTree& tree, const std::vector<std::string>& extra);

// The record of an entry: the file name of its image (in the cache's directory), the key
// text (compared whole, so a collision of file names can never serve the wrong image), and
// the stamps. The image's /.osprey/app has the program's own argv entries only (argv[0],
// or a script's interpreter line), never the arguments of the run that built it.
struct CacheRecord {
    std::string image;
    std::string key;
    std::vector<HostStamp> stamps;
};
std::string encode_cache_record(const CacheRecord& record);
std::optional<CacheRecord> decode_cache_record(std::string_view text);
// The image's name from the head of a record (it comes first); `in` is moved past it.
std::optional<std::string> record_image_name(std::string_view& in);

// The key of the image a request builds: everything that shapes its tree (the program as
// typed, the directory it was typed in, the host's PATH it is looked up on, the
// environment after -e, -w, --add) and osprey itself (its executable's size, times and
// inode: a new osprey may build images differently). The arguments are left out.
struct ImageRequest;
std::string image_cache_key(const ImageRequest& request, const std::string& cwd, const std::vector<std::string>& env);

// Directories whose listings shaped the image besides those above its files: every
// directory under an --add tree, and those of the host's PATH and of the program's (a
// relative entry from `cwd`), where a bare name or a script's `#!/usr/bin/env NAME` is
// looked up.
std::vector<std::string> request_directories(const ImageRequest& request, const std::string& cwd,
                                             const std::vector<std::string>& env);

// The name of an entry's files for a key (16 hex digits of a 64-bit FNV-1a hash).
std::string cache_entry_name(std::string_view key);

// True when every stamp still matches the host.
bool stamps_current(const std::vector<HostStamp>& stamps);

class ImageCache {
public:
    // The cache under $XDG_CACHE_HOME/osprey/images (else ~/.cache/osprey/images); nullopt
    // when neither names an absolute directory or it cannot be made.
    static std::optional<ImageCache> open();
    explicit ImageCache(std::string directory) : m_directory(std::move(directory)) {}

    struct Hit {
        std::string path;  // the image file
    };
    // The entry for `key` when its stamps are current (its time is touched, so eviction
    // keeps what is used); nullopt otherwise.
    std::optional<Hit> lookup(const std::string& key) const;

    // Writes the tree as the entry for `key`: an image file of its own name, then the record
    // naming it, renamed into place (runs at the same time each see a whole entry). The
    // image's path, or nullopt with a message (also when `stopped` answered true).
    std::optional<std::string> store(const std::string& key, const ImageTree& tree,
                                     const std::vector<std::string>& dependencies, std::string& error,
                                     const std::function<bool()>& stopped = nullptr) const;

    // Removes the least recently used entries until the images take at most `limit_bytes`,
    // and images no record names; an image used in the last `keep_seconds` stays (a run
    // about to boot it).
    void trim(u64 limit_bytes, i64 keep_seconds) const;

    const std::string& directory() const { return m_directory; }

private:
    std::string m_directory;
};

// Default size of the cache's images; OSPREY_IMAGE_CACHE_MIB overrides it (0 turns the
// cache off).
constexpr u64 kDefaultImageCacheMiB = 2048;
std::optional<u64> image_cache_limit_bytes();

}  // namespace osprey
