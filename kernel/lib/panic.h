// panic(): the kernel's answer to a state it cannot continue from. It prints the message
// and a backtrace on the kernel log, sends a panic exit record and powers the machine off
// with a failure status: never a silent hang or reboot.
#pragma once

#include "text/format.h"

[[noreturn]] void panic_with_args(std::string_view format, std::span<const text::Arg> args);

template <typename... Args>
[[noreturn]] void panic(std::string_view format, const Args&... args) {
    if constexpr (sizeof...(Args) == 0) {
        panic_with_args(format, {});
    } else {
        const text::Arg erased[] = {text::Arg(args)...};
        panic_with_args(format, erased);
    }
}

#define OSPREY_STRINGIFY2(x) #x
#define OSPREY_STRINGIFY(x) OSPREY_STRINGIFY2(x)
#define ASSERT(condition)                                                              \
    do {                                                                               \
        if (!(condition)) [[unlikely]]                                                 \
            panic("assertion failed: {} at {}:{}", #condition, __FILE__, __LINE__);  \
    } while (0)
