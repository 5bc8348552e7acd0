#include "linux/initial_stack.h"

#include <cstring>

namespace linux_abi {

namespace {

// Entries the builder adds after the caller's: AT_RANDOM, AT_EXECFN, AT_PLATFORM, AT_NULL.
constexpr usize kBuilderAuxEntries = 4;

bool reserved_aux_type(u64 type) {
    return type == AT_NULL || type == AT_RANDOM || type == AT_EXECFN || type == AT_PLATFORM;
}

bool contains_nul(std::string_view text) {
    for (char c : text)
        if (c == '\0') return true;
    return false;
}

// Adds the bytes of `strings` (each with its NUL) to `total`.
Result<void> measure(std::span<const std::string_view> strings, u64& total) {
    for (std::string_view s : strings) {
        if (contains_nul(s)) return Error(EINVAL);
        if (s.size() + 1 > kMaxArgStringLength) return Error(E2BIG);
        total += s.size() + 1;
    }
    return {};
}

// Writes into the window by user address; every address used was checked to lie in
// [bottom, top) while the layout was computed.
class Window {
public:
    Window(std::span<u8> bytes, u64 bottom) : m_bytes(bytes), m_bottom(bottom) {}

    void put(u64 address, const void* data, usize size) {
        std::memcpy(m_bytes.data() + (address - m_bottom), data, size);
    }
    void put_u64(u64 address, u64 value) { put(address, &value, sizeof value); }
    // Copies NUL-terminated strings one after another from `address`, storing each one's
    // user address at `pointers` (8 bytes apart); returns the address after the last.
    u64 put_strings(u64 address, std::span<const std::string_view> strings, u64 pointers) {
        for (std::string_view s : strings) {
            put(address, s.data(), s.size());
            put_u64(pointers, address);
            address += s.size() + 1;  // the NUL is already there: the range was zeroed
            pointers += 8;
        }
        return address;
    }
    void zero(u64 from, u64 to) { std::memset(m_bytes.data() + (from - m_bottom), 0, to - from); }

private:
    std::span<u8> m_bytes;
    u64 m_bottom;
};

}  // namespace

Result<StackLayout> build_initial_stack(const StackInput& input) {
    const u64 top = input.stack_top;
    if (!is_aligned(top, 16) || input.window.size() > top) return Error(EINVAL);
    const u64 bottom = top - input.window.size();
    if (input.auxv.size() > kMaxAuxEntries) return Error(EINVAL);
    for (const AuxEntry& entry : input.auxv)
        if (reserved_aux_type(entry.type)) return Error(EINVAL);

    static constexpr std::string_view kEmptyArgv[1] = {""};
    const std::span<const std::string_view> argv =
        input.argv.empty() ? std::span<const std::string_view>(kEmptyArgv) : input.argv;
    const std::span<const std::string_view> envp = input.envp;
    // Each string needs at least a pointer: beyond this, the sums below cannot matter.
    if (argv.size() > input.window.size() / 8 || envp.size() > input.window.size() / 8)
        return Error(E2BIG);

    u64 arg_bytes = 0, env_bytes = 0;
    TRY(measure(argv, arg_bytes));
    TRY(measure(envp, env_bytes));
    const std::string_view execfn_list[1] = {input.execfn};
    u64 execfn_bytes = 0;
    TRY(measure(execfn_list, execfn_bytes));

    // Walk down from the top; `take` reserves n bytes below p if the window has room.
    u64 p = top;
    auto take = [&](u64 n) {
        if (p - bottom < n) return false;
        p -= n;
        return true;
    };
    StackLayout layout;
    if (!take(8) || !take(execfn_bytes)) return Error(E2BIG);
    layout.execfn = p;
    if (!take(env_bytes)) return Error(E2BIG);
    layout.env_start = p;
    layout.env_end = p + env_bytes;
    if (!take(arg_bytes)) return Error(E2BIG);
    layout.arg_start = p;
    layout.arg_end = p + arg_bytes;

    // Linux's arch_align_stack (less its random shift): the platform string starts below a
    // 16-byte boundary.
    if (!take(p % 16) || !take(kPlatform.size() + 1)) return Error(E2BIG);
    layout.platform = p;
    if (!take(kRandomBytes)) return Error(E2BIG);
    layout.random = p;

    const u64 aux_count = input.auxv.size() + kBuilderAuxEntries;
    const u64 words = 1 + (argv.size() + 1) + (envp.size() + 1) + 2 * aux_count;
    if (!take(words * 8) || !take(p % 16)) return Error(E2BIG);
    layout.rsp = p;
    layout.argc = argv.size();
    layout.argv = p + 8;
    layout.envp = layout.argv + 8 * (argv.size() + 1);
    layout.auxv = layout.envp + 8 * (envp.size() + 1);

    Window window(input.window, bottom);
    window.zero(layout.rsp, top);
    window.put_strings(layout.arg_start, argv, layout.argv);
    window.put_strings(layout.env_start, envp, layout.envp);
    window.put(layout.execfn, input.execfn.data(), input.execfn.size());
    window.put(layout.platform, kPlatform.data(), kPlatform.size());
    window.put(layout.random, input.random.data(), kRandomBytes);

    window.put_u64(layout.rsp, layout.argc);
    u64 aux = layout.auxv;
    auto put_aux = [&](u64 type, u64 value) {
        window.put_u64(aux, type);
        window.put_u64(aux + 8, value);
        aux += 16;
    };
    for (const AuxEntry& entry : input.auxv) put_aux(entry.type, entry.value);
    put_aux(AT_RANDOM, layout.random);
    put_aux(AT_EXECFN, layout.execfn);
    put_aux(AT_PLATFORM, layout.platform);
    put_aux(AT_NULL, 0);
    // The NULLs after argv and envp are already zero.
    return layout;
}

}  // namespace linux_abi
