#include "image/image_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "cpio/newc.h"
#include "protocol/app_config.h"
#include "smp/cpu_plan.h"

namespace osprey {

std::string encode_image_info(const ImageInfo& info) {
    nlohmann::ordered_json json;
    json["format"] = "osprey-image-v1";
    json["built_by"] = info.built_by;
    json["program"] = info.program;
    json["memory"] = info.memory;
    json["cpus"] = info.cpus;
    if (!info.network.empty()) json["network"] = info.network;
    if (!info.mac.empty()) json["mac"] = info.mac;
    if (!info.ip.empty()) json["ip"] = info.ip;
    if (!info.publish.empty()) json["publish"] = info.publish;
    if (info.interpreter) json["interpreter"] = *info.interpreter;
    json["libraries"] = nlohmann::json::array();
    for (auto& [name, path] : info.libraries) json["libraries"].push_back({{"name", name}, {"path", path}});
    if (!info.runtime.empty()) json["runtime"] = {{"name", info.runtime}, {"directories", info.runtime_directories}};
    if (!info.discovered.empty()) json["discovered"] = info.discovered;
    if (info.root != "initramfs") json["root"] = info.root;
    return json.dump(2) + "\n";
}

bool looks_like_image(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char magic[6];
    bool image = read(fd, magic, 6) == 6 && (std::memcmp(magic, "070701", 6) == 0 || std::memcmp(magic, "070702", 6) == 0);
    close(fd);
    return image;
}

bool decode_image_info(std::string_view text, ImageInfo& info) {
    auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded() || !json.is_object() || json.value("format", "") != "osprey-image-v1") return false;
    info.program = json.value("program", "");
    info.memory = json.value("memory", "");
    // Images from before --cpus have none: 1.
    if (json.contains("cpus") && json["cpus"].is_number_unsigned() && json["cpus"].get<u64>() >= 1 &&
        json["cpus"].get<u64>() <= smp::kMaxCpus)
        info.cpus = json["cpus"].get<unsigned>();
    info.built_by = json.value("built_by", "");
    info.network = json.value("network", "");
    info.mac = json.value("mac", "");
    info.ip = json.value("ip", "");
    if (json.contains("publish") && json["publish"].is_array())
        for (auto& value : json["publish"])
            if (value.is_string()) info.publish.push_back(value);
    if (json.contains("interpreter") && json["interpreter"].is_string()) info.interpreter = json["interpreter"];
    if (json.contains("libraries") && json["libraries"].is_array())
        for (auto& lib : json["libraries"]) info.libraries.emplace_back(lib.value("name", ""), lib.value("path", ""));
    if (json.contains("runtime") && json["runtime"].is_object()) {
        info.runtime = json["runtime"].value("name", "");
        if (json["runtime"].contains("directories") && json["runtime"]["directories"].is_array())
            for (auto& dir : json["runtime"]["directories"])
                if (dir.is_string()) info.runtime_directories.push_back(dir);
    }
    if (json.contains("discovered") && json["discovered"].is_array())
        for (auto& file : json["discovered"])
            if (file.is_string()) info.discovered.push_back(file);
    info.root = json.value("root", "initramfs");
    return true;
}

bool decode_app_spec(std::string_view bytes, AppSpec& spec) {
    std::vector<std::string_view> argv(protocol::AppConfig::kMaxArgs), env(protocol::AppConfig::kMaxEnv);
    protocol::AppConfig config;
    if (protocol::parse_app_config(bytes, argv, env, config).is_error()) return false;
    spec.exe = config.exe;
    spec.argv.assign(config.argv.begin(), config.argv.end());
    spec.env.assign(config.env.begin(), config.env.end());
    spec.workdir = config.workdir;
    for (int i = 0; i < 3; i++) spec.tty[i] = config.tty[i];
    spec.uid = config.uid;
    spec.gid = config.gid;
    spec.has_random = config.has_random;
    std::copy(std::begin(config.random), std::end(config.random), spec.random.begin());
    return true;
}

std::optional<LoadedImage> load_image(const std::string& path, std::string& error) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error = path + ": " + (errno == ENOENT ? std::string("no such file") : strerror(errno));
        return std::nullopt;
    }
    struct stat st;
    fstat(fd, &st);
    LoadedImage image;
    image.file_size = static_cast<u64>(st.st_size);
    void* data = st.st_size > 0 ? mmap(nullptr, image.file_size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
    close(fd);
    if (data == MAP_FAILED) {
        error = path + ": not an Osprey image (empty or unreadable)";
        return std::nullopt;
    }
    u64 size = image.file_size;
    image.mapping = std::shared_ptr<void>(data, [size](void* p) { munmap(p, size); });
    std::span<const u8> bytes(static_cast<const u8*>(data), size);

    cpio::Reader reader(bytes);
    bool have_app = false;
    while (true) {
        auto next = reader.next();
        if (next.is_error()) {
            error = path + ": not an Osprey image (cpio archive: " + reader.diagnosis().reason + " at offset " +
                    std::to_string(reader.diagnosis().offset) + ")";
            return std::nullopt;
        }
        if (!next.value()) break;
        const cpio::Entry& entry = *next.value();
        auto relative = cpio::relative_path(entry.name);
        if (!relative) {
            error = path + ": not an Osprey image (bad name " + std::string(entry.name) + ")";
            return std::nullopt;
        }
        if (relative->empty()) continue;
        std::string guest = "/" + std::string(*relative);
        std::string_view text(reinterpret_cast<const char*>(entry.data.data()), entry.data.size());
        bool ok = true;
        if (entry.is_directory()) {
            ok = image.tree.add_directory(guest, entry.permissions(), entry.mtime, error);
        } else if (entry.is_symlink()) {
            ok = image.tree.add_symlink(guest, std::string(entry.symlink_target()), entry.mtime, error);
        } else if (entry.is_regular()) {
            if (guest == protocol::kAppConfigPath) {
                if (!decode_app_spec(text, image.spec)) {
                    error = path + ": " + std::string(protocol::kAppConfigPath) + " is malformed";
                    return std::nullopt;
                }
                have_app = true;
            }
            if (guest == kImageInfoPath) {
                if (!decode_image_info(text, image.info)) {
                    error = path + ": " + kImageInfoPath + " is malformed";
                    return std::nullopt;
                }
            }
            // /.osprey/app stays as it is; each run writes its own over it.
            ImageNode node;
            node.view = entry.data;
            node.from_view = true;
            node.size = entry.data.size();
            node.permissions = entry.permissions();
            node.mtime = entry.mtime;
            ok = image.tree.add_file(guest, std::move(node), error);
        }
        if (!ok) {
            error = path + ": " + error;
            return std::nullopt;
        }
    }
    if (!have_app) {
        error = path + ": not an Osprey image (a cpio archive without " + std::string(protocol::kAppConfigPath) + ")";
        return std::nullopt;
    }
    return image;
}

}  // namespace osprey
