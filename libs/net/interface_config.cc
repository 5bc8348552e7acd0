#include "net/interface_config.h"

namespace net {

namespace {

Result<u32> parse_octet(std::string_view text) {
    if (text.empty() || text.size() > 3) return Error(EINVAL);
    u32 v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return Error(EINVAL);
        v = v * 10 + static_cast<u32>(c - '0');
    }
    if (v > 255) return Error(EINVAL);
    return v;
}

Result<void> fail(const char** error, const char* reason) {
    if (error) *error = reason;
    return Error(EINVAL);
}

}  // namespace

Result<Ipv4Address> parse_ipv4(std::string_view text) {
    u32 value = 0;
    for (int part = 0; part < 4; part++) {
        usize dot = part < 3 ? text.find('.') : text.size();
        if (dot == std::string_view::npos) return Error(EINVAL);
        value = value << 8 | TRY(parse_octet(text.substr(0, dot)));
        text = part < 3 ? text.substr(dot + 1) : std::string_view{};
    }
    return Ipv4Address{value};
}

Result<Ipv4Prefix> parse_ipv4_prefix(std::string_view text) {
    usize slash = text.find('/');
    if (slash == std::string_view::npos) return Error(EINVAL);
    Ipv4Prefix prefix;
    prefix.address = TRY(parse_ipv4(text.substr(0, slash)));
    std::string_view length = text.substr(slash + 1);
    if (length.empty() || length.size() > 2) return Error(EINVAL);
    u32 n = 0;
    for (char c : length) {
        if (c < '0' || c > '9') return Error(EINVAL);
        n = n * 10 + static_cast<u32>(c - '0');
    }
    if (n > 32) return Error(EINVAL);
    prefix.length = static_cast<u8>(n);
    return prefix;
}

Result<InterfaceConfig> InterfaceConfig::parse(std::string_view text, const char** error) {
    InterfaceConfig config;
    if (text == "none") return config;
    if (text == "dhcp") {
        config.mode = Mode::Dhcp;
        return config;
    }
    usize comma = text.find(',');
    auto address = parse_ipv4_prefix(text.substr(0, comma));
    if (address.is_error()) {
        TRY(fail(error, "expected dhcp, none or ADDRESS/PREFIX (like 10.0.2.15/24)"));
    }
    config.mode = Mode::Static;
    config.address = address.value();
    if (config.address.length == 0 || config.address.address.is_any() || config.address.address.is_multicast() ||
        config.address.address.is_limited_broadcast())
        TRY(fail(error, "not an address an interface can have"));
    while (comma != std::string_view::npos) {
        text = text.substr(comma + 1);
        comma = text.find(',');
        std::string_view item = text.substr(0, comma);
        if (item.starts_with("gw=")) {
            auto gateway = parse_ipv4(item.substr(3));
            if (gateway.is_error()) TRY(fail(error, "gw= needs an IPv4 address"));
            if (!config.address.contains(gateway.value()))
                TRY(fail(error, "the gateway must be inside the interface's own network"));
            config.gateway = gateway.value();
        } else if (item.starts_with("dns=")) {
            auto dns = parse_ipv4(item.substr(4));
            if (dns.is_error()) TRY(fail(error, "dns= needs an IPv4 address"));
            if (config.dns_count == kMaxDns) TRY(fail(error, "at most 3 dns= servers"));
            config.dns[config.dns_count++] = dns.value();
        } else {
            TRY(fail(error, "unknown item (expected gw=ADDRESS or dns=ADDRESS)"));
        }
    }
    return config;
}

}  // namespace net
