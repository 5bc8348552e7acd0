// What the interop program does on its libs/net stack: an HTTP server for curl, and an
// HTTP client for Python's servers. Each returns once its work is done (or failed), having
// said on stderr what went wrong.
#pragma once

#include <span>
#include <string>

#include "base/result.h"
#include "tap_stack.h"

namespace interop {

struct ServeOptions {
    u16 port = 0;
    std::span<const u8> file;  // what every GET gets
    std::string store_dir;     // where PUT and POST bodies go (empty: refused)
    std::string ready_file;    // created once listening (empty: none)
    unsigned connections = 0;  // return after this many (0: until a stop signal)
    Nanos limit = 0;
};

// GET (any path): FILE with its Content-Length; HEAD: that head alone. PUT or POST /NAME
// with a Content-Length: the body stored as STORE_DIR/NAME (100 Continue first when asked). One request per
// connection (Connection: close); connections are served side by side.
Result<void> serve(TapStack& stack, const ServeOptions& options);

struct ClientOptions {
    net::Endpoint server;
    std::string path;
    std::string host_field;      // the Host: field
    std::span<const u8> upload;  // post: the body sent
    bool post = false;
    std::string output;  // fetch: where the body goes
    Nanos limit = 0;
};

// fetch: GET PATH, expects 200 and exactly Content-Length bytes, writes them to OUTPUT.
// post: POST PATH with the upload, expects a 2xx answer.
Result<void> run_client(TapStack& stack, const ClientOptions& options);

}  // namespace interop
