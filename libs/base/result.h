// Result<T>: a value or a Linux errno. The one error type of Osprey, with TRY as the one way
// to propagate it. Works without exceptions, so the kernel and the host share it.
#pragma once

#include <new>
#include <type_traits>
#include <utility>

#include "base/errno.h"
#include "base/types.h"

struct Error {
    int code;  // a positive Linux errno value
    constexpr explicit Error(int errno_value) : code(errno_value) {}
    constexpr bool operator==(const Error&) const = default;
};

template <typename T>
class [[nodiscard]] Result {
public:
    Result(const T& value) : m_ok(true) { new (&m_value) T(value); }
    Result(T&& value) : m_ok(true) { new (&m_value) T(std::move(value)); }
    Result(Error error) : m_ok(false), m_error(error) {}
    Result(const Result& other) : m_ok(other.m_ok) {
        if (m_ok)
            new (&m_value) T(other.m_value);
        else
            m_error = other.m_error;
    }
    Result(Result&& other) : m_ok(other.m_ok) {
        if (m_ok)
            new (&m_value) T(std::move(other.m_value));
        else
            m_error = other.m_error;
    }
    Result& operator=(const Result& other) {
        if (this != &other) {
            this->~Result();
            new (this) Result(other);
        }
        return *this;
    }
    Result& operator=(Result&& other) {
        if (this != &other) {
            this->~Result();
            new (this) Result(std::move(other));
        }
        return *this;
    }
    ~Result() {
        if (m_ok) m_value.~T();
    }

    bool is_ok() const { return m_ok; }
    bool is_error() const { return !m_ok; }
    int error() const { return m_ok ? 0 : m_error.code; }

    T& value() & { return m_value; }
    const T& value() const& { return m_value; }
    T&& value() && { return std::move(m_value); }
    T release_value() { return std::move(m_value); }
    T value_or(T fallback) const { return m_ok ? m_value : fallback; }

private:
    bool m_ok;
    union {
        T m_value;
        Error m_error;
    };
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() : m_error(0) {}
    Result(Error error) : m_error(error.code) {}
    bool is_ok() const { return m_error == 0; }
    bool is_error() const { return m_error != 0; }
    int error() const { return m_error; }
    void release_value() {}

private:
    int m_error;
};

// Evaluates a Result expression; on error returns the error from the enclosing function,
// otherwise yields the value. (A GNU statement expression: g++ is our only compiler.)
#define TRY(expr)                                            \
    ({                                                       \
        auto _osprey_try_result = (expr);                    \
        if (_osprey_try_result.is_error())                   \
            return Error(_osprey_try_result.error());        \
        _osprey_try_result.release_value();                  \
    })
