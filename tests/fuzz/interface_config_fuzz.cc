// libFuzzer target: arbitrary text as the ip= kernel argument.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "net/interface_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    const char* why = nullptr;
    auto config = net::InterfaceConfig::parse(text, &why);
    if (config.is_error() && !why) __builtin_trap();  // every refusal says why
    if (config.is_ok() && config.value().dns_count > net::InterfaceConfig::kMaxDns) __builtin_trap();
    return 0;
}
