// The `serve` mode: a libs/net listener answering curl.
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "files.h"
#include "http_head.h"
#include "http_modes.h"
#include "socket_io.h"

namespace interop {

namespace {

using net::tcp::Socket;

// Upload bodies are held in memory until complete; the tests send a few MiB.
constexpr usize kMaxUpload = 256 * MiB;

void log_error(const char* what, int error) {
    std::fprintf(stderr, "netstack_tap: serve: %s: %s (%s)\n", what, err::name(error), std::strerror(error));
}

// The last path segment, when it is a plain file name (no "..", nothing hidden).
std::string upload_name(const std::string& target) {
    std::string_view name(target);
    if (usize slash = name.rfind('/'); slash != std::string_view::npos) name.remove_prefix(slash + 1);
    if (name.empty() || name.front() == '.') return {};
    for (char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return {};
    return std::string(name);
}

// One accepted connection, from its request to its close.
class ServerConnection {
public:
    ServerConnection(Socket& socket, const ServeOptions& options) : m_socket(socket), m_options(options) {}
    ServerConnection(const ServerConnection&) = delete;
    ServerConnection& operator=(const ServerConnection&) = delete;
    ~ServerConnection() {
        if (m_phase != Phase::Done) m_socket.close(monotonic_now());
    }

    // True once the connection is closed.
    Result<bool> step(Nanos now);

private:
    enum class Phase { Head, Body, Respond, Finish, Done };

    Result<void> on_head(bool end_of_stream);
    Result<void> on_body(bool end_of_stream);
    // HEAD (`with_body` false) describes the body without sending it.
    void respond(int status, const char* reason, std::span<const u8> body, bool with_body = true);

    Socket& m_socket;
    const ServeOptions& m_options;
    Phase m_phase = Phase::Head;
    std::vector<u8> m_in;
    HttpHead m_head;
    std::string m_upload_name;
    u64 m_body_length = 0;
    std::string m_interim;  // 100 Continue, sent before the body arrives
    usize m_interim_sent = 0;
    std::string m_response_head;
    std::vector<u8> m_own_body;  // an answer of our own (not the served file)
    std::span<const u8> m_body;
    usize m_head_sent = 0;
    usize m_body_sent = 0;
};

Result<bool> ServerConnection::step(Nanos now) {
    if (m_socket.has_error()) {
        int error = m_socket.take_error();
        log_error("connection failed", error);
        return Error(error);
    }
    if (m_phase == Phase::Head || m_phase == Phase::Body) {
        bool end = TRY(receive_available(m_socket, m_in, kMaxUpload + HttpHead::kMaxSize, now));
        if (m_phase == Phase::Head) TRY(on_head(end));
        if (m_phase == Phase::Body) TRY(on_body(end));
    }
    if (m_interim_sent < m_interim.size()) {
        auto interim = std::span(reinterpret_cast<const u8*>(m_interim.data()), m_interim.size());
        TRY(send_available(m_socket, interim, m_interim_sent, false, now));
    }
    if (m_phase == Phase::Respond) {
        auto head = std::span(reinterpret_cast<const u8*>(m_response_head.data()), m_response_head.size());
        TRY(send_available(m_socket, head, m_head_sent, !m_body.empty(), now));
        if (m_head_sent == head.size()) TRY(send_available(m_socket, m_body, m_body_sent, false, now));
        if (m_head_sent == head.size() && m_body_sent == m_body.size()) {
            // Connection: close: our FIN follows the last byte.
            TRY(m_socket.shutdown(false, true, now));
            m_phase = Phase::Finish;
        }
    }
    if (m_phase == Phase::Finish) {
        // Whatever curl still sends is read and dropped, so the close is a FIN, not a RST.
        std::vector<u8> ignored;
        bool end = TRY(receive_available(m_socket, ignored, 64 * KiB, now));
        if (end || m_socket.hung_up()) {
            print_connection("served", m_socket, now);
            m_socket.close(now);
            m_phase = Phase::Done;
            return true;
        }
    }
    return false;
}

Result<void> ServerConnection::on_head(bool end_of_stream) {
    auto head = parse_head(std::string_view(reinterpret_cast<const char*>(m_in.data()), m_in.size()));
    if (head.is_error()) {
        if (head.error() == EAGAIN && !end_of_stream) return {};
        log_error(end_of_stream ? "the client ended before its request head" : "a malformed request head",
                  end_of_stream ? EPIPE : head.error());
        return Error(end_of_stream ? EPIPE : head.error());
    }
    m_head = head.release_value();
    auto request = parse_request_line(m_head.start_line);
    if (request.is_error()) {
        log_error("a malformed request line", EINVAL);
        return Error(EINVAL);
    }
    const std::string& method = request.value().method;
    if (method == "GET" || method == "HEAD") {
        respond(200, "OK", m_options.file, method == "GET");
        return {};
    }
    if (method != "PUT" && method != "POST") {
        respond(405, "Method Not Allowed", {});
        return {};
    }
    m_upload_name = upload_name(request.value().target);
    auto length = m_head.content_length();
    if (m_options.store_dir.empty() || m_upload_name.empty() || length.is_error() || length.value() > kMaxUpload) {
        // Answered with 400, which fails curl --fail: the script never sends such a request.
        std::fprintf(stderr, "netstack_tap: serve: refused upload %s\n", m_head.start_line.c_str());
        respond(400, "Bad Request", {});
        return {};
    }
    m_body_length = length.value();
    if (const std::string* expect = m_head.field("Expect"); expect && *expect == "100-continue")
        m_interim = "HTTP/1.1 100 Continue\r\n\r\n";
    m_phase = Phase::Body;
    return {};
}

Result<void> ServerConnection::on_body(bool end_of_stream) {
    usize have = m_in.size() - m_head.size;
    if (have < m_body_length) {
        if (!end_of_stream) return {};
        std::fprintf(stderr, "netstack_tap: serve: the client ended its upload after %zu of %" PRIu64 " bytes\n", have,
                     m_body_length);
        return Error(EPIPE);
    }
    if (have > m_body_length) {
        std::fprintf(stderr, "netstack_tap: serve: %zu bytes after the %" PRIu64 " of the upload body\n",
                     have - m_body_length, m_body_length);
        return Error(EPROTO);
    }
    std::string path = m_options.store_dir + "/" + m_upload_name;
    auto body = std::span<const u8>(m_in).subspan(m_head.size);
    if (auto written = write_file(path, body); written.is_error()) {
        log_error(("cannot write " + path).c_str(), written.error());
        return Error(written.error());
    }
    char answer[64];
    int n = std::snprintf(answer, sizeof answer, "stored %zu bytes\n", body.size());
    m_own_body.assign(answer, answer + n);
    respond(200, "OK", m_own_body);
    return {};
}

void ServerConnection::respond(int status, const char* reason, std::span<const u8> body, bool with_body) {
    char head[256];
    std::snprintf(head, sizeof head,
                  "HTTP/1.1 %d %s\r\nContent-Type: application/octet-stream\r\nContent-Length: %zu\r\n"
                  "Connection: close\r\n\r\n",
                  status, reason, body.size());
    m_response_head = head;
    m_body = with_body ? body : std::span<const u8>();
    m_phase = Phase::Respond;
}

}  // namespace

Result<void> serve(TapStack& stack, const ServeOptions& options) {
    Nanos now = monotonic_now();
    Socket* listener = TRY(stack.tcp().create_socket());
    if (auto bound = listener->bind({net::kIpv4Any, options.port}, {.reuse_address = true}); bound.is_error()) {
        log_error("bind", bound.error());
        return Error(bound.error());
    }
    TRY(listener->listen(16, now));
    if (!options.ready_file.empty()) {
        if (auto ready = write_file(options.ready_file, {}); ready.is_error()) {
            log_error(("cannot create " + options.ready_file).c_str(), ready.error());
            return Error(ready.error());
        }
    }
    std::vector<std::unique_ptr<ServerConnection>> connections;
    unsigned served = 0;
    auto step = [&](Nanos now) -> Result<bool> {
        while (Socket* accepted = listener->accept())
            connections.push_back(std::make_unique<ServerConnection>(*accepted, options));
        for (usize i = 0; i < connections.size();) {
            if (TRY(connections[i]->step(now))) {
                connections.erase(connections.begin() + static_cast<isize>(i));
                served++;
            } else {
                i++;
            }
        }
        return options.connections && served >= options.connections;
    };
    auto ran = stack.run(step, options.limit);
    listener->close(monotonic_now());
    std::fprintf(stderr, "netstack_tap: serve: %u connections served\n", served);
    if (ran.is_error() && ran.error() == ETIMEDOUT)
        std::fprintf(stderr, "netstack_tap: serve: the time limit passed with %zu connections open\n",
                     connections.size());
    if (ran.is_error() && ran.error() == EINTR && !options.connections) return {};  // SIGTERM is how it ends
    return ran;
}

}  // namespace interop
