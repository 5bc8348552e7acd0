#include "http_head.h"

#include <cctype>

namespace interop {

namespace {

bool same_without_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (usize i = 0; i < a.size(); i++)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

Result<u64> parse_decimal(std::string_view text) {
    if (text.empty() || text.size() > 18) return Error(EINVAL);  // 18 digits cannot overflow
    u64 value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return Error(EINVAL);
        value = value * 10 + static_cast<u64>(c - '0');
    }
    return value;
}

}  // namespace

const std::string* HttpHead::field(std::string_view name) const {
    for (const auto& [key, value] : fields)
        if (same_without_case(key, name)) return &value;
    return nullptr;
}

Result<u64> HttpHead::content_length() const {
    const std::string* value = field("Content-Length");
    if (!value) return Error(ENOENT);
    return parse_decimal(*value);
}

Result<HttpHead> parse_head(std::string_view bytes) {
    usize end = bytes.find("\r\n\r\n");
    if (end == std::string_view::npos) return Error(bytes.size() > HttpHead::kMaxSize ? EMSGSIZE : EAGAIN);
    if (end + 4 > HttpHead::kMaxSize) return Error(EMSGSIZE);
    HttpHead head;
    head.size = end + 4;
    std::string_view rest = bytes.substr(0, end + 2);  // every line ends in CRLF
    usize eol = rest.find("\r\n");
    head.start_line = std::string(rest.substr(0, eol));
    rest.remove_prefix(eol + 2);
    while (!rest.empty()) {
        eol = rest.find("\r\n");
        std::string_view line = rest.substr(0, eol);
        rest.remove_prefix(eol + 2);
        usize colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) return Error(EINVAL);
        head.fields.emplace_back(std::string(line.substr(0, colon)), std::string(trim(line.substr(colon + 1))));
    }
    return head;
}

Result<RequestLine> parse_request_line(std::string_view line) {
    usize first = line.find(' ');
    usize second = first == std::string_view::npos ? first : line.find(' ', first + 1);
    if (second == std::string_view::npos || first == 0 || second == first + 1) return Error(EINVAL);
    if (line.substr(second + 1).substr(0, 5) != "HTTP/") return Error(EINVAL);
    return RequestLine{std::string(line.substr(0, first)), std::string(line.substr(first + 1, second - first - 1))};
}

Result<int> parse_status_line(std::string_view line) {
    // "HTTP/1.x" SP 3DIGIT [SP reason]
    if (line.size() < 12 || line.substr(0, 5) != "HTTP/" || line[8] != ' ') return Error(EINVAL);
    if (line.size() > 12 && line[12] != ' ') return Error(EINVAL);
    u64 code = TRY(parse_decimal(line.substr(9, 3)));
    return static_cast<int>(code);
}

}  // namespace interop
