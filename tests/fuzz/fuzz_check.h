// What the parser targets check beyond "does not crash": FUZZ_CHECK(condition) prints the
// condition and its line, then traps, so libFuzzer keeps the input as a crash-* file.
// within() tells whether a view a parser handed out lies inside the bytes it was given.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string_view>

#include "base/types.h"

#define FUZZ_CHECK(condition)                                                                           \
    do {                                                                                                \
        if (!(condition)) {                                                                             \
            std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #condition);     \
            __builtin_trap();                                                                           \
        }                                                                                               \
    } while (0)

inline bool within(const void* outer, usize outer_size, const void* inner, usize inner_size) {
    auto outer_start = reinterpret_cast<uintptr_t>(outer);
    auto inner_start = reinterpret_cast<uintptr_t>(inner);
    if (inner_size == 0) return true;  // an empty view may point anywhere
    return inner_start >= outer_start && inner_start - outer_start <= outer_size &&
           inner_size <= outer_size - (inner_start - outer_start);
}

inline bool within(std::span<const u8> outer, std::span<const u8> inner) {
    return within(outer.data(), outer.size(), inner.data(), inner.size());
}

inline bool within(std::span<const u8> outer, std::string_view inner) {
    return within(outer.data(), outer.size(), inner.data(), inner.size());
}
