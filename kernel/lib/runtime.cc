// What the compiler expects from a C/C++ runtime in a freestanding kernel: the mem*/str*
// functions, the C++ ABI hooks, and the libstdc++ "throw" helpers, which panic here since
// the kernel has no exceptions.
#include <new>

#include "base/types.h"
#include "lib/panic.h"

extern "C" {

// Eight bytes at a time, then the rest: under QEMU's TCG a rep string instruction costs
// about the same per iteration whatever its width.
void* memcpy(void* dest, const void* src, usize n) {
    void* original = dest;
    usize quads = n / 8, rest = n % 8;
    asm volatile("rep movsq" : "+D"(dest), "+S"(src), "+c"(quads)::"memory");
    asm volatile("rep movsb" : "+D"(dest), "+S"(src), "+c"(rest)::"memory");
    return original;
}

void* memset(void* dest, int value, usize n) {
    void* start = dest;
    usize quads = n / 8, rest = n % 8;
    u64 pattern = static_cast<u8>(value) * 0x0101010101010101ull;
    asm volatile("rep stosq" : "+D"(dest), "+c"(quads) : "a"(pattern) : "memory");
    asm volatile("rep stosb" : "+D"(dest), "+c"(rest) : "a"(pattern) : "memory");
    return start;
}

void* memmove(void* dest, const void* src, usize n) {
    auto* d = static_cast<u8*>(dest);
    auto* s = static_cast<const u8*>(src);
    if (d == s || n == 0) return dest;
    if (d < s || d >= s + n) {
        for (usize i = 0; i < n; i++) d[i] = s[i];
    } else {
        for (usize i = n; i > 0; i--) d[i - 1] = s[i - 1];
    }
    return dest;
}

int memcmp(const void* a, const void* b, usize n) {
    auto* x = static_cast<const u8*>(a);
    auto* y = static_cast<const u8*>(b);
    for (usize i = 0; i < n; i++)
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

void* memchr(const void* s, int c, usize n) {
    auto* p = static_cast<const u8*>(s);
    for (usize i = 0; i < n; i++)
        if (p[i] == static_cast<u8>(c)) return const_cast<u8*>(p + i);
    return nullptr;
}

usize strlen(const char* s) {
    usize n = 0;
    while (s[n]) n++;
    return n;
}

int strcmp(const char* a, const char* b) {
    while (*a && *a == *b) a++, b++;
    return static_cast<u8>(*a) - static_cast<u8>(*b);
}

void* __dso_handle = nullptr;
// Kernel globals live until power-off; their destructors never need to run.
int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }
void __cxa_pure_virtual() { panic("pure virtual function called"); }

}  // extern "C"

namespace std {
const nothrow_t nothrow{};
void __throw_bad_alloc() { panic("std::bad_alloc"); }
void __throw_bad_array_new_length() { panic("std::bad_array_new_length"); }
void __throw_length_error(const char* what) { panic("std::length_error: {}", what); }
void __throw_out_of_range(const char* what) { panic("std::out_of_range: {}", what); }
void __throw_out_of_range_fmt(const char* what, ...) { panic("std::out_of_range: {}", what); }
void __throw_logic_error(const char* what) { panic("std::logic_error: {}", what); }
void __throw_invalid_argument(const char* what) { panic("std::invalid_argument: {}", what); }
void __throw_bad_optional_access() { panic("std::bad_optional_access"); }
void __throw_bad_function_call() { panic("std::bad_function_call"); }
void __throw_bad_variant_access(const char* what) { panic("std::bad_variant_access: {}", what); }
}  // namespace std
