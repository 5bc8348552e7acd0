#include "commands/volumes.h"

#include "image/ext4_format.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace osprey {

std::optional<VolumeSpec> parse_volume(std::string_view text, std::string& error) {
    auto bad = [&](const std::string& why) -> std::optional<VolumeSpec> {
        error = "--volume " + std::string(text) + ": " + why;
        return std::nullopt;
    };
    VolumeSpec volume;
    std::string_view rest = text;
    for (std::string_view mode : {":ro", ":rw"}) {
        if (rest.size() > mode.size() && rest.substr(rest.size() - mode.size()) == mode) {
            volume.read_only = mode == ":ro";
            rest.remove_suffix(mode.size());
            break;
        }
    }
    size_t colon = rest.rfind(':');
    // Without a guest path the disk is attached and not mounted: the program mounts it.
    volume.host_path = std::string(colon == std::string_view::npos ? rest : rest.substr(0, colon));
    if (colon != std::string_view::npos) volume.guest_path = std::string(rest.substr(colon + 1));
    if (volume.host_path.empty()) return bad("the host image is missing (HOST_IMAGE[:GUEST_PATH])");
    if (volume.host_path.find('\0') != std::string::npos) return bad("the host image's name holds a NUL byte");
    if (colon == std::string_view::npos) return volume;
    if (volume.guest_path.empty() || volume.guest_path[0] != '/')
        return bad("the guest path must be absolute, e.g. " + volume.host_path + ":/data");
    if (volume.guest_path == "/" || volume.guest_path.find_first_not_of('/') == std::string::npos)
        return bad("the guest path cannot be / (the root file system is the image's)");
    for (char c : volume.guest_path)
        if (std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == ',' || static_cast<unsigned char>(c) < 0x20)
            return bad("the guest path cannot hold white space, '\"' or ','");
    // One spelling per path, so that two volumes cannot name one place twice.
    while (volume.guest_path.size() > 1 && volume.guest_path.back() == '/') volume.guest_path.pop_back();
    return volume;
}

std::optional<std::vector<VolumeSpec>> parse_volumes(const std::vector<std::string>& values, std::string& error) {
    std::vector<VolumeSpec> volumes;
    for (const std::string& value : values) {
        auto volume = parse_volume(value, error);
        if (!volume) return std::nullopt;
        for (auto& earlier : volumes)
            if (!volume->guest_path.empty() && earlier.guest_path == volume->guest_path) {
                error = "--volume " + value + ": " + volume->guest_path + " is already given a volume";
                return std::nullopt;
            }
        volumes.push_back(*volume);
    }
    return volumes;
}

std::optional<u64> parse_volume_size(std::string_view text, std::string& error) {
    auto bad = [&](const std::string& why) -> std::optional<u64> {
        error = "--volume-size " + std::string(text) + ": " + why;
        return std::nullopt;
    };
    size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) digits++;
    if (digits == 0 || digits > 16) return bad("expected a size such as 1G or 512M");
    u64 number = std::stoull(std::string(text.substr(0, digits)));
    std::string suffix;
    for (char c : text.substr(digits)) suffix += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    unsigned shift = 0;
    if (!suffix.empty()) {
        std::string rest = suffix.substr(1);
        if (rest != "" && rest != "b" && rest != "ib") return bad("expected a size such as 1G or 512M");
        switch (suffix[0]) {
            case 'k': shift = 10; break;
            case 'm': shift = 20; break;
            case 'g': shift = 30; break;
            case 't': shift = 40; break;
            default: return bad("unknown unit (use K, M, G or T)");
        }
    }
    constexpr u64 kMost = u64{16} << 40;
    if (number > (kMost >> shift)) return bad("more than 16T");
    u64 bytes = number << shift;
    if (bytes < (u64{1} << 20)) return bad("must be at least 1M");
    if (bytes % 512) return bad("must be a whole number of 512-byte sectors");
    return bytes;
}

bool prepare_volume_image(const VolumeSpec& volume, u64 new_size, bool& created, std::string& error) {
    created = false;
    const std::string& path = volume.host_path;
    auto fail = [&](const std::string& why) {
        error = "--volume " + path + (volume.guest_path.empty() ? "" : ":" + volume.guest_path) +
                (volume.read_only ? ":ro" : "") + ": " + why;
        return false;
    };
    struct stat st{};
    if (stat(path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) return fail(path + " is a directory; a volume is a disk image file");
        if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) return fail(path + " is not a regular file or block device");
        int fd = open(path.c_str(), (volume.read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
        if (fd < 0)
            return fail(std::string("cannot open ") + path + (volume.read_only ? " for reading: " : " for reading and writing: ") +
                        strerror(errno) + (volume.read_only ? "" : " (add :ro for a read-only volume)"));
        close(fd);
        if (S_ISREG(st.st_mode) && st.st_size < 512) return fail(path + " is smaller than one 512-byte sector");
        if (S_ISREG(st.st_mode) && st.st_size % 512)
            fprintf(stderr, "osprey: %s is not a whole number of 512-byte sectors; the guest sees %lld bytes\n",
                    path.c_str(), static_cast<long long>(st.st_size / 512 * 512));
        return true;
    }
    if (errno != ENOENT) return fail(std::string("cannot use ") + path + ": " + strerror(errno));
    if (volume.read_only) return fail(path + " does not exist (a read-only volume needs an existing image)");
    int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return fail(std::string("cannot create ") + path + ": " + strerror(errno));
    // ftruncate leaves the file sparse: no block is allocated until the guest writes.
    if (ftruncate(fd, static_cast<off_t>(new_size)) != 0) {
        int saved = errno;
        close(fd);
        unlink(path.c_str());
        return fail(std::string("cannot size ") + path + ": " + strerror(saved));
    }
    close(fd);
    // A new volume holds an ext4 file system, which the kernel mounts on GUEST_PATH (or the
    // program does, given none).
    // Lazy inode tables and journal: mke2fs leaves them unwritten, so the image stays sparse.
    if (!make_ext4(path, {"-L", "osprey", "-E", "lazy_itable_init=1,lazy_journal_init=1"})) {
        unlink(path.c_str());
        return fail("cannot make an ext4 file system in " + path + " " + kMke2fsHint);
    }
    created = true;
    return true;
}

std::vector<VolumeConfig> volume_configs(const std::vector<VolumeSpec>& volumes) {
    std::vector<VolumeConfig> configs;
    for (size_t i = 0; i < volumes.size(); i++)
        configs.push_back({volumes[i].host_path, "vol" + std::to_string(i), volumes[i].guest_path, volumes[i].read_only});
    return configs;
}

std::string volume_kernel_args(const std::vector<VolumeConfig>& volumes) {
    std::string args;
    for (auto& volume : volumes) {
        if (volume.guest_path.empty()) continue;  // not mounted at boot: nothing to say
        if (!args.empty()) args += ' ';
        args += "volume=" + volume.serial + ":" + volume.guest_path;
    }
    return args;
}

void add_volume_options(CLI::App& command, VolumeOptions& options) {
    command.add_option("--volume", options.volumes,
                       "Attach a raw disk image as a virtio-blk drive (/dev/vda...), its ext4 mounted on GUEST_PATH "
                       "(without GUEST_PATH: not mounted, for the program to mount); created sparse when missing, of "
                       "--volume-size; :ro attaches it read-only; repeatable")
        ->type_name("HOST_IMAGE[:GUEST_PATH][:ro]")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->allow_extra_args(false);
    command.add_option("--volume-size", options.size, "Size of the images --volume creates (default 1G)")
        ->type_name("SIZE");
}

std::optional<std::vector<VolumeConfig>> resolve_volumes(const VolumeOptions& options, std::string& error) {
    auto volumes = parse_volumes(options.volumes, error);
    if (!volumes) return std::nullopt;
    u64 size = kDefaultVolumeBytes;
    if (!options.size.empty()) {
        auto parsed = parse_volume_size(options.size, error);
        if (!parsed) return std::nullopt;
        size = *parsed;
    }
    for (auto& volume : *volumes) {
        bool created = false;
        if (!prepare_volume_image(volume, size, created, error)) return std::nullopt;
        if (created)
            fprintf(stderr, "osprey: created %s (%llu MiB, sparse) for %s\n", volume.host_path.c_str(),
                    static_cast<unsigned long long>(size >> 20),
                    volume.guest_path.empty() ? "the program to mount" : volume.guest_path.c_str());
    }
    return volume_configs(*volumes);
}

}  // namespace osprey
