// The `fetch` and `post` modes: a libs/net client of Python's HTTP servers.
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

#include "files.h"
#include "http_head.h"
#include "http_modes.h"
#include "socket_io.h"

namespace interop {

namespace {

using net::tcp::Socket;

constexpr usize kMaxResponse = 512 * MiB;

Error fail(const char* what, int error) {
    std::fprintf(stderr, "netstack_tap: client: %s: %s (%s)\n", what, err::name(error), std::strerror(error));
    return Error(error);
}

// One request on its own connection, the whole response read to the server's close.
class Exchange {
public:
    Exchange(Socket& socket, const ClientOptions& options);
    // True once the response has ended.
    Result<bool> step(Nanos now);
    const std::vector<u8>& response() const { return m_in; }

private:
    Socket& m_socket;
    std::string m_request_head;
    std::span<const u8> m_body;
    usize m_head_sent = 0;
    usize m_body_sent = 0;
    bool m_connected = false;
    std::vector<u8> m_in;
};

Exchange::Exchange(Socket& socket, const ClientOptions& options) : m_socket(socket) {
    m_request_head = (options.post ? "POST " : "GET ") + options.path + " HTTP/1.0\r\nHost: " + options.host_field +
                     "\r\nUser-Agent: osprey-netstack-tap\r\n";
    if (options.post) {
        m_request_head +=
            "Content-Type: application/octet-stream\r\nContent-Length: " + std::to_string(options.upload.size()) +
            "\r\n";
        m_body = options.upload;
    }
    m_request_head += "\r\n";
}

Result<bool> Exchange::step(Nanos now) {
    if (m_socket.has_error()) return fail(m_connected ? "connection failed" : "connect", m_socket.take_error());
    if (!m_connected) {
        if (!m_socket.connected()) return false;
        m_connected = true;
    }
    auto head = std::span(reinterpret_cast<const u8*>(m_request_head.data()), m_request_head.size());
    TRY(send_available(m_socket, head, m_head_sent, !m_body.empty(), now));
    if (m_head_sent == head.size()) TRY(send_available(m_socket, m_body, m_body_sent, false, now));
    // Read all along: a server may answer (an error) before it has the whole body.
    return receive_available(m_socket, m_in, kMaxResponse, now);
}

// The response's status and body, checked against its Content-Length.
Result<std::span<const u8>> response_body(const std::vector<u8>& response, int* status) {
    auto head = parse_head(std::string_view(reinterpret_cast<const char*>(response.data()), response.size()));
    if (head.is_error())
        return fail(
            head.error() == EAGAIN ? "the server closed before the response head ended" : "a malformed response head",
            head.error() == EAGAIN ? EPROTO : head.error());
    auto code = parse_status_line(head.value().start_line);
    if (code.is_error()) return fail(("a malformed status line: " + head.value().start_line).c_str(), EPROTO);
    *status = code.value();
    auto body = std::span<const u8>(response).subspan(head.value().size);
    auto length = head.value().content_length();
    if (length.is_ok() && length.value() != body.size()) {
        std::fprintf(stderr, "netstack_tap: client: Content-Length says %" PRIu64 " bytes, %zu came before the close\n",
                     length.value(), body.size());
        return Error(EPROTO);
    }
    if (length.is_error() && length.error() != ENOENT) return fail("a malformed Content-Length", EPROTO);
    return body;
}

}  // namespace

Result<void> run_client(TapStack& stack, const ClientOptions& options) {
    Socket* socket = TRY(stack.tcp().create_socket());
    if (auto connecting = socket->connect(options.server, monotonic_now()); connecting.is_error()) {
        socket->close(monotonic_now());
        return fail("connect", connecting.error());
    }
    Exchange exchange(*socket, options);
    auto ran = stack.run([&](Nanos now) { return exchange.step(now); }, options.limit);
    Nanos now = monotonic_now();
    print_connection(options.post ? "posted to" : "fetched from", *socket, now);
    socket->close(now);
    if (ran.is_error()) {
        if (ran.error() == ETIMEDOUT)
            std::fprintf(stderr, "netstack_tap: client: the time limit passed with %zu response bytes read\n",
                         exchange.response().size());
        return ran;
    }
    int status = 0;
    std::span<const u8> body = TRY(response_body(exchange.response(), &status));
    if (options.post) {
        std::fprintf(stderr, "netstack_tap: client: status %d, %.*s", status, static_cast<int>(body.size()),
                     reinterpret_cast<const char*>(body.data()));
        if (body.empty() || body.back() != '\n') std::fputc('\n', stderr);
        return status / 100 == 2 ? Result<void>() : Error(EPROTO);
    }
    if (status != 200) {
        std::fprintf(stderr, "netstack_tap: client: status %d for %s\n", status, options.path.c_str());
        return Error(EPROTO);
    }
    if (auto written = write_file(options.output, body); written.is_error())
        return fail(("cannot write " + options.output).c_str(), written.error());
    std::fprintf(stderr, "netstack_tap: client: %zu bytes written to %s\n", body.size(), options.output.c_str());
    return {};
}

}  // namespace interop
