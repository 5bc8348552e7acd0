// A small type-safe formatter for the kernel log, panics and host tools.
//
//   text::format_to(sink, "frame {:#x} of {} ({})", addr, count, name);
//
// Placeholders: {} and {:SPEC} where SPEC is [fill-or-0][<|>][#][width][x|X|b|d|s|c].
// No allocation: arguments are erased into a fixed array and written straight to a Sink.
#pragma once

#include <span>
#include <string_view>
#include <type_traits>

#include "base/types.h"

namespace text {

class Sink {
public:
    virtual void write(std::string_view bytes) = 0;

protected:
    ~Sink() = default;
};

// Writes into a caller-supplied buffer, always NUL-terminated, truncating what does not fit.
class BufferSink final : public Sink {
public:
    BufferSink(char* buffer, usize capacity) : m_buffer(buffer), m_capacity(capacity) {
        if (m_capacity) m_buffer[0] = '\0';
    }
    void write(std::string_view bytes) override;
    std::string_view view() const { return {m_buffer, m_length}; }
    bool truncated() const { return m_truncated; }

private:
    char* m_buffer;
    usize m_capacity;
    usize m_length = 0;
    bool m_truncated = false;
};

struct Arg {
    enum class Kind : u8 { Signed, Unsigned, Bool, Char, String, Pointer };
    Kind kind;
    union {
        i64 s;
        u64 u;
        bool b;
        char c;
        const void* p;
        struct {
            const char* data;
            usize size;
        } str;
    };

    template <typename T>
        requires std::is_integral_v<T> && (!std::is_same_v<T, bool>) && (!std::is_same_v<T, char>)
    Arg(T value) {
        if constexpr (std::is_signed_v<T>) {
            kind = Kind::Signed;
            s = value;
        } else {
            kind = Kind::Unsigned;
            u = value;
        }
    }
    template <typename T>
        requires std::is_enum_v<T>
    Arg(T value) : Arg(static_cast<std::underlying_type_t<T>>(value)) {}
    Arg(bool value) : kind(Kind::Bool), b(value) {}
    Arg(char value) : kind(Kind::Char), c(value) {}
    Arg(std::string_view value) : kind(Kind::String), str{value.data(), value.size()} {}
    Arg(const char* value) : Arg(value ? std::string_view(value) : std::string_view("(null)")) {}
    Arg(char* value) : Arg(static_cast<const char*>(value)) {}
    template <typename T>
    Arg(T* value) : kind(Kind::Pointer), p(value) {}
};

void vformat(Sink& sink, std::string_view format, std::span<const Arg> args);

template <typename... Args>
void format_to(Sink& sink, std::string_view format, const Args&... args) {
    if constexpr (sizeof...(Args) == 0) {
        vformat(sink, format, {});
    } else {
        const Arg erased[] = {Arg(args)...};
        vformat(sink, format, erased);
    }
}

// Formats into buffer; returns the formatted text (possibly truncated).
template <typename... Args>
std::string_view format_into(char* buffer, usize capacity, std::string_view format,
                             const Args&... args) {
    BufferSink sink(buffer, capacity);
    format_to(sink, format, args...);
    return sink.view();
}

}  // namespace text
