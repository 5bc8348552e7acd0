// The head of an HTTP/1.x message (RFC 9112): its start line and header fields, up to the
// blank line. Just what the interop program's GET, PUT and POST need from curl and from
// Python's http.server.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/types.h"

namespace interop {

struct HttpHead {
    // Larger heads are refused: ours and our peers' are a few hundred bytes.
    static constexpr usize kMaxSize = 16384;

    std::string start_line;
    std::vector<std::pair<std::string, std::string>> fields;
    usize size = 0;  // of the head, blank line included: where the body starts

    // The value of field `name` (names compare without case), or null.
    const std::string* field(std::string_view name) const;
    // Content-Length: ENOENT when absent, EINVAL when not a decimal number.
    Result<u64> content_length() const;
};

// EAGAIN until the blank line has arrived, EMSGSIZE for a head over kMaxSize, EINVAL for a
// field line without a colon.
Result<HttpHead> parse_head(std::string_view bytes);

struct RequestLine {
    std::string method;
    std::string target;
};
// "GET /path HTTP/1.1"; EINVAL otherwise.
Result<RequestLine> parse_request_line(std::string_view line);
// The status code of "HTTP/1.0 200 OK"; EINVAL otherwise.
Result<int> parse_status_line(std::string_view line);

}  // namespace interop
