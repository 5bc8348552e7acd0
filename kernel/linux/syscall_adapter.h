// Typed system-call handlers. A handler says what its arguments are,
//
//     Result<usize> sys_read(int fd, UserPtr<u8> buffer, usize length);
//
// and the adapter decodes the registers into those types at compile time: an integer takes
// the low bits of its register (an `int fd` the low 32, as Linux truncates), an enum those of
// its underlying type, a UserPtr<T> the whole address. A handler that must see or change the
// caller's saved registers (rt_sigreturn, clone, execve) takes `TrapFrame&` first; that
// parameter takes no argument register, and only such a handler may change the frame (the
// return path relies on it: SyscallEntry::takes_frame). A handler returns Result<T> of an
// integer, an enum, a UserPtr (its address) or void (0 on success). The argument count the
// trace prints is the number of parameters, so a handler lists every argument Linux
// defines, named or not.
//
// Each family file ends with the list of its calls:
//
//     OSPREY_CALLS(read, write, close)
//
// For each name that defines the entry for number SYS_name, handler sys_name; the table
// (linux/syscall_table.cc) picks the entries up by name when the kernel is linked. A name
// listed twice fails the build: in one file at compile time, in two at link time.
#pragma once

#include <type_traits>
#include <utility>

#include "linux/syscall.h"
#include "linux/syscall_numbers.h"

namespace linux_abi::adapter {

template <typename T>
struct IsUserPtr : std::false_type {};
template <typename T>
struct IsUserPtr<UserPtr<T>> : std::true_type {};

template <typename P>
P decode(u64 value) {
    if constexpr (IsUserPtr<P>::value) {
        return P(value);
    } else if constexpr (std::is_enum_v<P>) {
        return static_cast<P>(static_cast<std::underlying_type_t<P>>(value));
    } else {
        static_assert(std::is_integral_v<P> && !std::is_same_v<P, bool>,
                      "a syscall parameter is an integer, an enum, a UserPtr, or TrapFrame& as the first");
        return static_cast<P>(value);
    }
}

// What goes back in rax for a successful call: signed values are sign-extended.
template <typename T>
i64 return_value(const T& value) {
    if constexpr (IsUserPtr<T>::value) {
        return static_cast<i64>(value.address());
    } else if constexpr (std::is_enum_v<T>) {
        return return_value(static_cast<std::underlying_type_t<T>>(value));
    } else {
        static_assert(std::is_integral_v<T> && sizeof(T) <= sizeof(u64), "a syscall returns an integer, an enum or a UserPtr");
        if constexpr (std::is_signed_v<T>) return static_cast<i64>(value);
        else return static_cast<i64>(static_cast<u64>(value));
    }
}

template <typename T>
i64 return_value(Result<T>&& result) {
    if (result.is_error()) return -static_cast<i64>(result.error());
    if constexpr (std::is_void_v<T>) return 0;
    else return return_value(result.value());
}

template <typename F>
struct Handler;

template <typename R, typename... P>
struct Handler<Result<R> (*)(P...)> {
    static constexpr unsigned argument_count = sizeof...(P);
    static constexpr bool takes_frame = false;
    template <auto handler, usize... I>
    static i64 invoke(TrapFrame& frame, std::index_sequence<I...>) {
        return return_value(handler(decode<P>(syscall_argument(frame, I))...));
    }
};

template <typename R, typename... P>
struct Handler<Result<R> (*)(TrapFrame&, P...)> {
    static constexpr unsigned argument_count = sizeof...(P);
    static constexpr bool takes_frame = true;
    template <auto handler, usize... I>
    static i64 invoke(TrapFrame& frame, std::index_sequence<I...>) {
        return return_value(handler(frame, decode<P>(syscall_argument(frame, I))...));
    }
};

template <auto handler>
i64 invoke(TrapFrame& frame) {
    using H = Handler<decltype(handler)>;
    return H::template invoke<handler>(frame, std::make_index_sequence<H::argument_count>());
}

template <auto handler>
constexpr SyscallEntry entry() {
    using H = Handler<decltype(handler)>;
    static_assert(H::argument_count <= 6, "a syscall has at most six arguments");
    return {&invoke<handler>, static_cast<u8>(H::argument_count), H::takes_frame};
}

}  // namespace linux_abi::adapter

// OSPREY_CALLS(a, b, ...) applies OSPREY_CALL to each name (C++20 __VA_OPT__ recursion; up
// to 256 names).
#define OSPREY_CALLS(...) __VA_OPT__(OSPREY_CALLS_EXPAND(OSPREY_CALLS_EACH(__VA_ARGS__)))
#define OSPREY_CALLS_EACH(name, ...) OSPREY_CALL(name) __VA_OPT__(OSPREY_CALLS_AGAIN OSPREY_CALLS_PARENS(__VA_ARGS__))
#define OSPREY_CALLS_AGAIN() OSPREY_CALLS_EACH
#define OSPREY_CALLS_PARENS ()
#define OSPREY_CALLS_EXPAND(...) OSPREY_CALLS_EXPAND4(OSPREY_CALLS_EXPAND4(OSPREY_CALLS_EXPAND4(OSPREY_CALLS_EXPAND4(__VA_ARGS__))))
#define OSPREY_CALLS_EXPAND4(...) OSPREY_CALLS_EXPAND3(OSPREY_CALLS_EXPAND3(OSPREY_CALLS_EXPAND3(OSPREY_CALLS_EXPAND3(__VA_ARGS__))))
#define OSPREY_CALLS_EXPAND3(...) OSPREY_CALLS_EXPAND2(OSPREY_CALLS_EXPAND2(OSPREY_CALLS_EXPAND2(OSPREY_CALLS_EXPAND2(__VA_ARGS__))))
#define OSPREY_CALLS_EXPAND2(...) OSPREY_CALLS_EXPAND1(OSPREY_CALLS_EXPAND1(OSPREY_CALLS_EXPAND1(OSPREY_CALLS_EXPAND1(__VA_ARGS__))))
#define OSPREY_CALLS_EXPAND1(...) __VA_ARGS__

// The entry of one call, in namespace linux_abi (where the family files define handlers).
#define OSPREY_CALL(name)                                                                         \
    static_assert(SYS_##name < kSyscallCount);                                                    \
    namespace syscall_entries {                                                                   \
    extern const SyscallEntry name;                                                               \
    constinit const SyscallEntry name = adapter::entry<&sys_##name>();                            \
    }
