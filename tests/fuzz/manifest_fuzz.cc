// libFuzzer target: arbitrary text as the TOML manifest of `osprey build -f`
// (tools/osprey/image/manifest.cc, with toml11 under it).
//
// Beyond not crashing: a refusal names the file; an accepted manifest has its paths as
// promised (a program with a '/' made absolute, an absolute workdir, --add HOSTs and
// GUESTs absolute and normal, a table's guest kept as written once normalized), and the
// manifest written out again as TOML parses back to the same manifest.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <toml.hpp>

#include "fuzz_check.h"
#include "image/image_tree.h"
#include "image/manifest.h"

namespace {

const std::string kFileName = "fuzz.toml";
const std::string kBase = "/home/fuzz/app";

std::string toml_string(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20 || byte == 0x7f) {
            char escape[8];
            std::snprintf(escape, sizeof escape, "\\u%04x", byte);
            out += escape;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string toml_list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (const std::string& item : items) out += toml_string(item) + ", ";
    return out + "]";
}

std::string write_out(const osprey::Manifest& m) {
    std::string text;
    auto line = [&](const char* key, const std::string& value) { text += std::string(key) + " = " + value + "\n"; };
    if (m.program) line("program", toml_string(*m.program));
    if (m.args) line("args", toml_list(*m.args));
    if (m.workdir) line("workdir", toml_string(*m.workdir));
    if (m.memory) line("memory", toml_string(*m.memory));
    line("env", toml_list(m.env));
    std::string add = "[";
    for (const osprey::AddSpec& spec : m.add) add += "{ host = " + toml_string(spec.host) + ", guest = " + toml_string(spec.guest) + " }, ";
    line("add", add + "]");
    if (m.network) line("network", toml_string(*m.network));
    if (m.mac) line("mac", toml_string(*m.mac));
    line("publish", toml_list(m.publish));
    if (m.ip) line("ip", toml_string(*m.ip));
    return text;
}

bool same(const osprey::Manifest& a, const osprey::Manifest& b) {
    if (a.add.size() != b.add.size()) return false;
    for (size_t i = 0; i < a.add.size(); i++)
        if (a.add[i].host != b.add[i].host || a.add[i].guest != b.add[i].guest) return false;
    return a.program == b.program && a.args == b.args && a.env == b.env && a.workdir == b.workdir &&
           a.memory == b.memory && a.network == b.network && a.mac == b.mac && a.publish == b.publish && a.ip == b.ip;
}

// Absolute, without empty, "." or ".." components; a trailing '/' only where allowed.
bool normal_absolute(const std::string& path, bool trailing_slash_allowed) {
    if (path.empty() || path[0] != '/') return false;
    if (path == "/") return true;
    std::string body = path;
    if (trailing_slash_allowed && body.back() == '/') body.pop_back();
    size_t start = 1;
    for (size_t i = 1; i <= body.size(); i++) {
        if (i < body.size() && body[i] != '/') continue;
        std::string component = body.substr(start, i - start);
        if (component.empty() || component == "." || component == "..") return false;
        start = i + 1;
    }
    return true;
}

// The GUEST of each `{ host = ..., guest = ... }` item of `add`, as toml11 reads it
// (nullopt for the items that are strings, or tables without a guest).
std::vector<std::optional<std::string>> table_guests(const std::string& text) {
    std::vector<std::optional<std::string>> guests;
    std::istringstream in(text);
    auto root = toml::parse(in, kFileName);
    if (!root.contains("add")) return guests;
    for (const toml::value& item : root.at("add").as_array()) {
        if (item.is_table() && item.contains("guest"))
            guests.push_back(item.at("guest").as_string().str);
        else
            guests.push_back(std::nullopt);
    }
    return guests;
}

void check_paths(const osprey::Manifest& m, const std::string& text) {
    if (m.program && m.program->find('/') != std::string::npos) FUZZ_CHECK((*m.program)[0] == '/');
    if (m.program) FUZZ_CHECK(!m.program->empty());
    if (m.workdir) FUZZ_CHECK((*m.workdir)[0] == '/');
    auto guests = table_guests(text);
    FUZZ_CHECK(guests.size() == m.add.size());
    for (size_t i = 0; i < m.add.size(); i++) {
        const osprey::AddSpec& spec = m.add[i];
        FUZZ_CHECK(normal_absolute(spec.host, false) && normal_absolute(spec.guest, true));
        if (!guests[i] || guests[i]->empty()) continue;
        // The guest a table names, normalized, keeping a trailing '/' ("into this directory").
        auto normal = osprey::normal_guest_path(*guests[i]);
        FUZZ_CHECK(normal.has_value());
        bool into = guests[i]->size() > 1 && guests[i]->back() == '/' && *normal != "/";
        FUZZ_CHECK(spec.guest == *normal + (into ? "/" : ""));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    std::string error;
    auto manifest = osprey::parse_manifest(text, kFileName, kBase, error);
    if (!manifest) {
        FUZZ_CHECK(error.rfind(kFileName, 0) == 0);
        return 0;
    }
    check_paths(*manifest, text);

    std::string written = write_out(*manifest);
    std::string again_error;
    auto again = osprey::parse_manifest(written, kFileName, kBase, again_error);
    if (!again) std::fprintf(stderr, "written out:\n%s\nrefused: %s\n", written.c_str(), again_error.c_str());
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(same(*manifest, *again));
    return 0;
}
