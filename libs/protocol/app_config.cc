#include "protocol/app_config.h"

namespace protocol {

namespace {

class FieldReader {
public:
    explicit FieldReader(std::string_view bytes) : m_bytes(bytes) {}
    bool done() const { return m_at >= m_bytes.size(); }
    // The next NUL-terminated field; false when there is none (or it is unterminated).
    bool next(std::string_view& field) {
        for (usize i = m_at; i < m_bytes.size(); i++) {
            if (m_bytes[i] == '\0') {
                field = std::string_view(m_bytes.data() + m_at, i - m_at);
                m_at = i + 1;
                return true;
            }
        }
        return false;
    }

private:
    std::string_view m_bytes;
    usize m_at = 0;
};

bool parse_number(std::string_view text, u64 limit, u64& out) {
    if (text.empty() || text.size() > 19) return false;
    u64 value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
        value = value * 10 + static_cast<u64>(c - '0');
    }
    if (value > limit) return false;
    out = value;
    return true;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Result<usize> read_list(FieldReader& reader, std::span<std::string_view> storage) {
    std::string_view count_field;
    u64 count;
    if (!reader.next(count_field) || !parse_number(count_field, ~0u, count)) return Error(EINVAL);
    if (count > storage.size()) return Error(E2BIG);
    for (u64 i = 0; i < count; i++)
        if (!reader.next(storage[i])) return Error(EINVAL);
    return static_cast<usize>(count);
}

}  // namespace

Result<void> parse_app_config(std::string_view bytes, std::span<std::string_view> argv_storage,
                              std::span<std::string_view> env_storage, AppConfig& out) {
    FieldReader reader(bytes);
    std::string_view field;
    if (!reader.next(field) || field != kAppConfigMagic) return Error(EINVAL);
    bool have_exe = false, have_argv = false;
    while (!reader.done()) {
        if (!reader.next(field)) return Error(EINVAL);
        if (field == "exe") {
            if (!reader.next(out.exe) || out.exe.empty()) return Error(EINVAL);
            have_exe = true;
        } else if (field == "argv") {
            usize n = TRY(read_list(reader, argv_storage));
            out.argv = argv_storage.subspan(0, n);
            have_argv = true;
        } else if (field == "env") {
            usize n = TRY(read_list(reader, env_storage));
            out.env = env_storage.subspan(0, n);
        } else if (field == "workdir") {
            if (!reader.next(out.workdir) || out.workdir.empty()) return Error(EINVAL);
        } else if (field == "tty") {
            for (bool& flag : out.tty) {
                if (!reader.next(field) || (field != "0" && field != "1")) return Error(EINVAL);
                flag = field == "1";
            }
        } else if (field == "uid" || field == "gid") {
            bool is_uid = field == "uid";
            u64 value;
            if (!reader.next(field) || !parse_number(field, 0xffffffffu, value)) return Error(EINVAL);
            (is_uid ? out.uid : out.gid) = static_cast<u32>(value);
        } else if (field == "random") {
            if (!reader.next(field) || field.size() != 2 * sizeof out.random) return Error(EINVAL);
            for (usize i = 0; i < sizeof out.random; i++) {
                int hi = hex_value(field[2 * i]), lo = hex_value(field[2 * i + 1]);
                if (hi < 0 || lo < 0) return Error(EINVAL);
                out.random[i] = static_cast<u8>(hi << 4 | lo);
            }
            out.has_random = true;
        } else {
            return Error(EINVAL);
        }
    }
    if (!have_exe || !have_argv || out.argv.empty()) return Error(EINVAL);
    return {};
}

}  // namespace protocol
