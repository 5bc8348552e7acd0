// The kernel command line: `key`, `key=value` and `key="value with spaces"` words, then an
// optional standalone `--` after which the text belongs to the application (its argv).
//
//   auto cmdline = cmdline::CommandLine::parse(text);
//   auto level = cmdline.get("loglevel").value_or("warn");
//   for (auto name : cmdline::split_list(cmdline.get("selftest").value_or(""))) ...
//
// Keys and values are views into the caller's text, which must outlive the CommandLine:
// parsing copies nothing, so it works before there is a heap. Syntax: docs/cmdline.md.
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string_view>

#include "base/result.h"
#include "base/types.h"

namespace cmdline {

struct Entry {
    std::string_view key;
    std::optional<std::string_view> value;  // nullopt for a bare flag such as `quiet`
};

class CommandLine {
public:
    static constexpr usize kCapacity = 64;

    static CommandLine parse(std::string_view text);

    // The value of the last occurrence of key (Linux semantics: later words override).
    // A bare flag has no value, so get() of it is nullopt; use has() to test for presence.
    std::optional<std::string_view> get(std::string_view key) const;
    bool has(std::string_view key) const;

    // ENOENT when the key is absent, EINVAL for a bare flag or junk, ERANGE on overflow.
    Result<u64> get_u64(std::string_view key) const;   // decimal or 0x hex
    Result<u64> get_size(std::string_view key) const;  // 4096, 16K, 64M, 2G, 1T
    // nullopt when absent or not a boolean; a bare flag is true.
    std::optional<bool> get_bool(std::string_view key) const;

    std::span<const Entry> entries() const { return {m_entries.data(), m_count}; }
    const Entry* begin() const { return m_entries.data(); }
    const Entry* end() const { return m_entries.data() + m_count; }
    usize size() const { return m_count; }

    // The text after a standalone `--` (leading whitespace skipped, otherwise verbatim), or
    // empty. has_separator() tells "`--` with nothing after it" from "no `--` at all".
    std::string_view rest() const { return m_rest; }
    bool has_separator() const { return m_has_separator; }

    // More words than kCapacity: the extra ones were dropped. Later duplicates of a kept
    // key are dropped too, so last-wins no longer holds for them.
    bool overflowed() const { return m_overflowed; }

private:
    const Entry* find_last(std::string_view key) const;

    std::array<Entry, kCapacity> m_entries {};
    usize m_count = 0;
    std::string_view m_rest;
    bool m_has_separator = false;
    bool m_overflowed = false;
};

// Value parsers, also usable on their own (e.g. on a list item).
Result<u64> parse_u64(std::string_view text);
Result<u64> parse_size(std::string_view text);
std::optional<bool> parse_bool(std::string_view text);

// The items of a comma-separated list, empty items skipped: "heap,,frames" -> heap, frames.
class ListItems {
public:
    class Iterator {
    public:
        Iterator(std::string_view remaining) : m_remaining(remaining) { advance(); }
        std::string_view operator*() const { return m_item; }
        Iterator& operator++() {
            advance();
            return *this;
        }
        bool operator==(const Iterator& other) const {
            if (m_done || other.m_done) return m_done == other.m_done;
            return m_item.data() == other.m_item.data();
        }

    private:
        void advance();
        std::string_view m_remaining;
        std::string_view m_item;
        bool m_done = false;
    };

    explicit ListItems(std::string_view list) : m_list(list) {}
    Iterator begin() const { return Iterator(m_list); }
    Iterator end() const { return Iterator(std::string_view()); }

private:
    std::string_view m_list;
};

inline ListItems split_list(std::string_view list) { return ListItems(list); }

template <typename Callback>
void for_each_item(std::string_view list, Callback&& callback) {
    for (std::string_view item : split_list(list)) callback(item);
}

}  // namespace cmdline
