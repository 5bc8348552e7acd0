#include "image/manifest.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <toml.hpp>

#include "commands/volumes.h"

namespace osprey {

namespace {

// A manifest mistake, with the line it is on.
struct ManifestError {
    size_t line;
    std::string message;
};

[[noreturn]] void refuse(const toml::value& value, std::string message) {
    throw ManifestError{value.location().line(), std::move(message)};
}

std::string type_name(const toml::value& value) {
    std::ostringstream out;
    out << value.type();
    return out.str();
}

std::string string_of(const toml::value& value, const std::string& key) {
    if (!value.is_string()) refuse(value, key + ": expected a string, found " + type_name(value));
    return value.as_string().str;
}

std::vector<std::string> strings_of(const toml::value& value, const std::string& key) {
    if (!value.is_array()) refuse(value, key + ": expected an array of strings, found " + type_name(value));
    std::vector<std::string> out;
    for (auto& item : value.as_array()) out.push_back(string_of(item, key + " item"));
    return out;
}

Manifest interpret(const toml::value& root, const std::string& base, std::string& add_error) {
    Manifest manifest;
    for (auto& [key, value] : root.as_table()) {
        if (key == "program") {
            std::string program = string_of(value, key);
            if (program.empty()) refuse(value, "program: empty");
            if (program.find('/') != std::string::npos && program[0] != '/')
                program = (std::filesystem::path(base) / program).lexically_normal().string();
            manifest.program = program;
        } else if (key == "args") {
            manifest.args = strings_of(value, key);
        } else if (key == "workdir") {
            manifest.workdir = string_of(value, key);
            if (manifest.workdir->empty() || (*manifest.workdir)[0] != '/')
                refuse(value, "workdir: must be an absolute path in the guest");
        } else if (key == "memory") {
            if (value.is_integer())
                manifest.memory = std::to_string(value.as_integer()) + "M";
            else
                manifest.memory = string_of(value, key);
        } else if (key == "env") {
            if (value.is_table()) {
                // TOML tables have no order: sorted by name, so a build repeats exactly.
                std::map<std::string, std::string> sorted;
                for (auto& [name, text] : value.as_table()) sorted[name] = string_of(text, "env." + name);
                for (auto& [name, text] : sorted) manifest.env.push_back(name + "=" + text);
            } else if (value.is_array()) {
                manifest.env = strings_of(value, key);
            } else {
                refuse(value, "env: expected a table (NAME = \"value\") or an array of \"NAME=VALUE\"");
            }
        } else if (key == "add") {
            if (!value.is_array()) refuse(value, "add: expected an array");
            for (auto& item : value.as_array()) {
                std::optional<AddSpec> spec;
                if (item.is_string()) {
                    spec = parse_add_spec(item.as_string().str, base, add_error);
                } else if (item.is_table()) {
                    std::string host, guest;
                    for (auto& [field, text] : item.as_table()) {
                        if (field == "host") host = string_of(text, "add.host");
                        else if (field == "guest") guest = string_of(text, "add.guest");
                        else refuse(text, "add: unknown key '" + field + "' (expected host and guest)");
                    }
                    if (host.empty()) refuse(item, "add: a table needs host = \"...\"");
                    if (!guest.empty() && guest[0] != '/') refuse(item, "add: guest must be an absolute path");
                    // Not joined into "HOST:GUEST": the split would be at a ":/" inside GUEST.
                    spec = make_add_spec(host, guest, base);
                } else {
                    refuse(item, "add: expected \"HOST[:GUEST]\" or { host = ..., guest = ... }");
                }
                if (!spec) refuse(item, add_error);
                manifest.add.push_back(*spec);
            }
        } else if (key == "network") {
            manifest.network = string_of(value, key);
        } else if (key == "mac") {
            manifest.mac = string_of(value, key);
        } else if (key == "publish") {
            manifest.publish = strings_of(value, key);
        } else if (key == "ip") {
            manifest.ip = string_of(value, key);
        } else if (key == "share") {
            // As -v: a relative host folder is taken from the manifest's directory.
            for (std::string entry : strings_of(value, key)) {
                std::string_view rest = entry;
                if (rest.ends_with(":ro") || rest.ends_with(":rw")) rest.remove_suffix(3);
                if (!entry.empty() && entry[0] != '/' && rest.find(':') != std::string_view::npos)
                    entry = base + "/" + entry;
                manifest.share.push_back(entry);
            }
        } else if (key == "volumes") {
            if (!value.is_array()) refuse(value, "volumes: expected an array of \"HOST_IMAGE[:GUEST_PATH][:ro]\"");
            for (auto& item : value.as_array()) {
                std::string volume_error;
                auto volume = parse_volume(string_of(item, "volumes item"), volume_error);
                if (!volume) refuse(item, "volumes: " + volume_error);
                std::string host = volume->host_path;
                if (host[0] != '/') host = (std::filesystem::path(base) / host).lexically_normal().string();
                std::string guest = volume->guest_path.empty() ? "" : ":" + volume->guest_path;
                manifest.volumes.push_back(host + guest + (volume->read_only ? ":ro" : ""));
            }
        } else if (key == "volume_size") {
            std::string size = string_of(value, key), size_error;
            if (!parse_volume_size(size, size_error)) refuse(value, "volume_size: " + size_error);
            manifest.volume_size = size;
        } else {
            refuse(value, "unknown key '" + key +
                              "' (expected program, args, env, workdir, memory, add, network, mac, publish, ip, "
                              "share, volumes, volume_size)");
        }
    }
    return manifest;
}

// toml11's messages start with "[error] toml::function: "; the user needs what follows.
std::string first_line_of(const std::string& what) {
    std::string line = what.substr(0, what.find('\n'));
    if (line.rfind("[error] ", 0) == 0) line = line.substr(8);
    if (line.rfind("toml::", 0) == 0 && line.find(": ") != std::string::npos) line = line.substr(line.find(": ") + 2);
    return line;
}

// The offset of the first byte that does not belong to a well-formed UTF-8 sequence
// (overlong forms, surrogates and code points above U+10FFFF included), or npos.
size_t first_invalid_utf8(std::string_view text) {
    size_t at = 0;
    while (at < text.size()) {
        auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
        unsigned char lead = byte(at);
        size_t length;
        unsigned char low = 0x80, high = 0xbf;  // the range of the byte after the lead
        if (lead < 0x80) {
            length = 1;
        } else if (lead >= 0xc2 && lead <= 0xdf) {
            length = 2;
        } else if (lead >= 0xe0 && lead <= 0xef) {
            length = 3;
            if (lead == 0xe0) low = 0xa0;   // overlong
            if (lead == 0xed) high = 0x9f;  // surrogates
        } else if (lead >= 0xf0 && lead <= 0xf4) {
            length = 4;
            if (lead == 0xf0) low = 0x90;   // overlong
            if (lead == 0xf4) high = 0x8f;  // above U+10FFFF
        } else {
            return at;
        }
        if (text.size() - at < length) return at;
        for (size_t i = 1; i < length; i++) {
            unsigned char next = byte(at + i);
            if (next < (i == 1 ? low : 0x80) || next > (i == 1 ? high : 0xbf)) return at;
        }
        at += length;
    }
    return std::string_view::npos;
}

}  // namespace

std::optional<Manifest> parse_manifest(std::string_view text, const std::string& file_name,
                                       const std::string& base_directory, std::string& error) {
    // TOML files are UTF-8. Checked here, before toml11 sees the text: 3.7.1 (Debian 12's)
    // reads past its buffer while reporting invalid UTF-8 in a literal string (toml11
    // issue 199, fixed in 3.8.0).
    if (size_t bad = first_invalid_utf8(text); bad != std::string_view::npos) {
        size_t line = 1;
        for (size_t i = 0; i < bad; i++) line += text[i] == '\n';
        error = file_name + ":" + std::to_string(line) + ": not valid UTF-8 (a TOML file is UTF-8 text)";
        return std::nullopt;
    }
    std::istringstream in{std::string(text)};
    try {
        toml::value root = toml::parse(in, file_name);
        std::string add_error;
        return interpret(root, base_directory, add_error);
    } catch (const ManifestError& e) {
        error = file_name + ":" + std::to_string(e.line) + ": " + e.message;
    } catch (const toml::exception& e) {
        error = file_name + ":" + std::to_string(e.location().line()) + ": " + first_line_of(e.what());
    } catch (const std::exception& e) {
        error = file_name + ": " + first_line_of(e.what());
    }
    return std::nullopt;
}

std::optional<Manifest> load_manifest(const std::string& path, std::string& error) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        error = path + ": cannot read the manifest";
        return std::nullopt;
    }
    std::ostringstream text;
    text << file.rdbuf();
    std::string base = std::filesystem::absolute(std::filesystem::path(path)).parent_path().string();
    return parse_manifest(text.str(), path, base, error);
}

}  // namespace osprey
