// netstack_tap: libs/net as a host program on a TAP device, for the interoperability tests
// (interop_case.sh): the same NetStack and TCP the kernel runs, talking to Linux's own TCP
// (curl, Python's http.server) over an impaired link. See usage() and
// docs/network-tests.md.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "files.h"
#include "http_modes.h"
#include "net/interface_config.h"
#include "tap_stack.h"

namespace {

using namespace interop;

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

void usage() {
    std::fprintf(stderr,
                 "usage: netstack_tap [OPTIONS] serve PORT FILE\n"
                 "       netstack_tap [OPTIONS] fetch HOST PORT PATH OUT\n"
                 "       netstack_tap [OPTIONS] post HOST PORT PATH FILE\n"
                 "\n"
                 "Runs libs/net (NetStack + TCP) on a TAP device.\n"
                 "  serve   HTTP server: GET (HEAD) answers FILE, PUT/POST /NAME stores the body in --store DIR\n"
                 "  fetch   GET http://HOST:PORT/PATH, the body written to OUT (status 200 and the\n"
                 "          whole Content-Length required)\n"
                 "  post    POST FILE to http://HOST:PORT/PATH (a 2xx answer required)\n"
                 "\n"
                 "  --tap NAME            TAP interface to attach to (default osp0)\n"
                 "  --address A.B.C.D/N   our address (default 10.99.0.2/24)\n"
                 "  --connections N       serve: return after N connections (default: until SIGTERM)\n"
                 "  --store DIR           serve: where uploads go\n"
                 "  --ready-file PATH     serve: created once the listener is up\n"
                 "  --time-limit SECONDS  give up after this long (default 110)\n"
                 "Impairments (of frames we send, and of frames we receive unless --impair sent):\n"
                 "  --loss P  --duplicate P  --corrupt P  --reorder P   percentages (0.1 steps)\n"
                 "  --delay MS  --jitter MS   --seed N   --impair both|sent\n");
}

struct Arguments {
    TapStackConfig stack;
    std::string tap = "osp0";
    Nanos limit = 110 * net::kSecond;
    unsigned connections = 0;
    std::string store_dir;
    std::string ready_file;
    std::vector<std::string> words;  // the mode and its operands
};

bool parse_unsigned(const char* text, u64 max, u64* out) {
    char* end = nullptr;
    errno = 0;
    unsigned long long value = std::strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-' || value > max) return false;
    *out = value;
    return true;
}

// "5" or "0.5" percent as per mille.
bool parse_percent(const char* text, u32* per_mille) {
    char* end = nullptr;
    double value = std::strtod(text, &end);
    if (end == text || *end || !(value >= 0 && value <= 100)) return false;
    *per_mille = static_cast<u32>(value * 10 + 0.5);
    return true;
}

bool parse_mac(const char* text, net::MacAddress* mac) {
    unsigned b[6];
    char tail;
    if (std::sscanf(text, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6) return false;
    for (int i = 0; i < 6; i++) {
        if (b[i] > 0xff) return false;
        mac->bytes[i] = static_cast<u8>(b[i]);
    }
    return !mac->is_multicast() && !mac->is_zero();
}

// false (after saying why) on a bad command line.
bool parse(int argc, char** argv, Arguments* args) {
    args->stack.mac = {{0x02, 0x00, 0x0a, 0x63, 0x00, 0x02}};  // locally administered
    args->stack.address = {net::Ipv4Address::from_octets(10, 99, 0, 2), 24};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        std::string_view option = argv[i];
        if (option == "--help" || option == "-h") return false;
        if (i + 1 >= argc) {
            std::fprintf(stderr, "netstack_tap: %s needs a value\n", argv[i]);
            return false;
        }
        const char* value = argv[++i];
        Impairment& impair = args->stack.impairment;
        u64 number = 0;
        bool ok = true;
        if (option == "--tap") {
            args->tap = value;
        } else if (option == "--address") {
            auto prefix = net::parse_ipv4_prefix(value);
            ok = prefix.is_ok();
            if (ok) args->stack.address = prefix.value();
        } else if (option == "--mac") {
            ok = parse_mac(value, &args->stack.mac);
        } else if (option == "--connections") {
            ok = parse_unsigned(value, 1000000, &number);
            args->connections = static_cast<unsigned>(number);
        } else if (option == "--store") {
            args->store_dir = value;
        } else if (option == "--ready-file") {
            args->ready_file = value;
        } else if (option == "--time-limit") {
            ok = parse_unsigned(value, 86400, &number) && number > 0;
            args->limit = number * net::kSecond;
        } else if (option == "--loss") {
            ok = parse_percent(value, &impair.loss_per_mille);
        } else if (option == "--duplicate") {
            ok = parse_percent(value, &impair.duplicate_per_mille);
        } else if (option == "--corrupt") {
            ok = parse_percent(value, &impair.corrupt_per_mille);
        } else if (option == "--reorder") {
            ok = parse_percent(value, &impair.reorder_per_mille);
        } else if (option == "--delay") {
            ok = parse_unsigned(value, 10000, &number);
            impair.delay = number * net::kMillisecond;
        } else if (option == "--jitter") {
            ok = parse_unsigned(value, 10000, &number);
            impair.jitter = number * net::kMillisecond;
        } else if (option == "--seed") {
            ok = parse_unsigned(value, ~0ull, &args->stack.seed);
        } else if (option == "--impair") {
            ok = std::string_view(value) == "both" || std::string_view(value) == "sent";
            args->stack.impair_received = std::string_view(value) == "both";
        } else {
            std::fprintf(stderr, "netstack_tap: unknown option %s\n", argv[i - 1]);
            return false;
        }
        if (!ok) {
            std::fprintf(stderr, "netstack_tap: bad value for %s: %s\n", argv[i - 1], value);
            return false;
        }
    }
    for (; i < argc; i++) args->words.push_back(argv[i]);
    if (args->words.empty()) return false;
    const std::string& mode = args->words[0];
    usize operands = mode == "serve" ? 2 : mode == "fetch" || mode == "post" ? 4 : 0;
    if (!operands) {
        std::fprintf(stderr, "netstack_tap: unknown mode %s\n", mode.c_str());
        return false;
    }
    if (args->words.size() != operands + 1) {
        std::fprintf(stderr, "netstack_tap: %s takes %zu operands\n", mode.c_str(), operands);
        return false;
    }
    return true;
}

bool parse_port(const std::string& text, u16* port) {
    u64 value = 0;
    if (!parse_unsigned(text.c_str(), 65535, &value) || value == 0) {
        std::fprintf(stderr, "netstack_tap: bad port %s\n", text.c_str());
        return false;
    }
    *port = static_cast<u16>(value);
    return true;
}

int report(const char* what, const std::string& subject, int error) {
    std::fprintf(stderr, "netstack_tap: %s %s: %s (%s)\n", what, subject.c_str(), err::name(error),
                 std::strerror(error));
    return kExitFailure;
}

int run(const Arguments& args) {
    const std::string& mode = args.words[0];
    std::vector<u8> file;
    ServeOptions serve_options;
    ClientOptions client_options;
    if (mode == "serve") {
        if (!parse_port(args.words[1], &serve_options.port)) return kExitUsage;
        auto read = read_file(args.words[2]);
        if (read.is_error()) return report("cannot read", args.words[2], read.error());
        file = read.release_value();
        serve_options.file = file;
        serve_options.store_dir = args.store_dir;
        serve_options.ready_file = args.ready_file;
        serve_options.connections = args.connections;
        serve_options.limit = args.limit;
    } else {
        auto host = net::parse_ipv4(args.words[1]);
        if (host.is_error()) {
            std::fprintf(stderr, "netstack_tap: bad IPv4 address %s\n", args.words[1].c_str());
            return kExitUsage;
        }
        client_options.server.address = host.value();
        if (!parse_port(args.words[2], &client_options.server.port)) return kExitUsage;
        client_options.host_field = args.words[1] + ":" + args.words[2];
        client_options.path = args.words[3];
        if (client_options.path.empty() || client_options.path[0] != '/') {
            std::fprintf(stderr, "netstack_tap: the path must start with /: %s\n", client_options.path.c_str());
            return kExitUsage;
        }
        client_options.post = mode == "post";
        if (client_options.post) {
            auto read = read_file(args.words[4]);
            if (read.is_error()) return report("cannot read", args.words[4], read.error());
            file = read.release_value();
            client_options.upload = file;
        } else {
            client_options.output = args.words[4];
        }
        client_options.limit = args.limit;
    }

    auto device = TapDevice::open(args.tap.c_str());
    if (device.is_error()) {
        int error = device.error();
        report("cannot attach to TAP device", args.tap, error);
        if (error == EPERM || error == EACCES)
            std::fprintf(stderr, "netstack_tap: a TAP device needs CAP_NET_ADMIN (run as root, or in a namespace)\n");
        if (error == ENOENT) std::fprintf(stderr, "netstack_tap: /dev/net/tun is missing (modprobe tun)\n");
        if (error == EINVAL)
            std::fprintf(stderr, "netstack_tap: %s is too long (15 characters at most) or a TUN device\n",
                         args.tap.c_str());
        if (error == EBUSY) std::fprintf(stderr, "netstack_tap: another process holds %s\n", args.tap.c_str());
        return kExitFailure;
    }
    auto created = TapStack::create(device.release_value(), args.stack);
    if (created.is_error()) return report("cannot start the stack on", args.tap, created.error());
    TapStack& stack = *created.value();
    install_stop_signals();

    Result<void> done = mode == "serve" ? serve(stack, serve_options) : run_client(stack, client_options);
    // The last ACKs and FINs still in a delay line, so Linux's side ends cleanly too.
    stack.drain(3 * net::kSecond);
    stack.print_stats(stderr);
    if (done.is_error()) {
        std::fprintf(stderr, "netstack_tap: %s failed: %s\n", mode.c_str(), err::name(done.error()));
        return kExitFailure;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Arguments args;
    if (!parse(argc, argv, &args)) {
        usage();
        return kExitUsage;
    }
    return run(args);
}
