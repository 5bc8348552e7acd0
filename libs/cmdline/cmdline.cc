#include "cmdline/cmdline.h"

#include <limits>

namespace cmdline {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

usize skip_spaces(std::string_view text, usize pos) {
    while (pos < text.size() && is_space(text[pos])) ++pos;
    return pos;
}

usize skip_word(std::string_view text, usize pos) {
    while (pos < text.size() && !is_space(text[pos])) ++pos;
    return pos;
}

// string_view::substr can throw and find calls memchr; the kernel has neither exceptions
// nor memchr, so slicing and searching are done by hand. Both clamp instead of failing.
std::string_view slice(std::string_view text, usize from, usize to) {
    if (to > text.size()) to = text.size();
    if (from > to) from = to;
    return {text.data() + from, to - from};
}

usize find_char(std::string_view text, char c, usize from = 0) {
    for (usize i = from; i < text.size(); ++i)
        if (text[i] == c) return i;
    return text.size();
}

char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (usize i = 0; i < a.size(); ++i)
        if (to_lower(a[i]) != to_lower(b[i])) return false;
    return true;
}

int digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = to_lower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return 99;
}

}  // namespace

CommandLine CommandLine::parse(std::string_view text) {
    CommandLine result;
    usize pos = skip_spaces(text, 0);
    while (pos < text.size()) {
        usize word_end = skip_word(text, pos);
        std::string_view word = slice(text, pos, word_end);
        if (word == "--") {
            result.m_has_separator = true;
            result.m_rest = slice(text, skip_spaces(text, word_end), text.size());
            break;
        }

        Entry entry;
        usize equals = find_char(word, '=');
        usize next = word_end;
        if (equals == word.size()) {
            entry.key = word;
        } else {
            entry.key = slice(word, 0, equals);
            usize value_start = pos + equals + 1;
            if (value_start < text.size() && text[value_start] == '"') {
                // No escapes inside quotes: the views point into the original text, so a
                // value can only be a contiguous slice of it. An unclosed quote runs to the
                // end. Text glued after the closing quote starts the next word.
                usize close = find_char(text, '"', value_start + 1);
                entry.value = slice(text, value_start + 1, close);
                next = close < text.size() ? close + 1 : close;
            } else {
                entry.value = slice(word, equals + 1, word.size());
            }
        }
        pos = skip_spaces(text, next);

        if (entry.key.empty()) continue;  // "=value" names nothing
        if (result.m_count == kCapacity) {
            result.m_overflowed = true;
            continue;
        }
        result.m_entries[result.m_count++] = entry;
    }
    return result;
}

const Entry* CommandLine::find_last(std::string_view key) const {
    for (usize i = m_count; i-- > 0;)
        if (m_entries[i].key == key) return &m_entries[i];
    return nullptr;
}

std::optional<std::string_view> CommandLine::get(std::string_view key) const {
    const Entry* entry = find_last(key);
    if (!entry) return std::nullopt;
    return entry->value;
}

bool CommandLine::has(std::string_view key) const { return find_last(key) != nullptr; }

Result<u64> CommandLine::get_u64(std::string_view key) const {
    const Entry* entry = find_last(key);
    if (!entry) return Error(ENOENT);
    if (!entry->value) return Error(EINVAL);
    return parse_u64(*entry->value);
}

Result<u64> CommandLine::get_size(std::string_view key) const {
    const Entry* entry = find_last(key);
    if (!entry) return Error(ENOENT);
    if (!entry->value) return Error(EINVAL);
    return parse_size(*entry->value);
}

std::optional<bool> CommandLine::get_bool(std::string_view key) const {
    const Entry* entry = find_last(key);
    if (!entry) return std::nullopt;
    if (!entry->value) return true;
    return parse_bool(*entry->value);
}

Result<u64> parse_u64(std::string_view text) {
    u64 base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        text.remove_prefix(2);
    }
    if (text.empty()) return Error(EINVAL);
    u64 value = 0;
    for (char c : text) {
        int digit = digit_value(c);
        if (u64(digit) >= base) return Error(EINVAL);
        if (value > (std::numeric_limits<u64>::max() - u64(digit)) / base)
            return Error(ERANGE);
        value = value * base + u64(digit);
    }
    return value;
}

Result<u64> parse_size(std::string_view text) {
    if (text.empty()) return Error(EINVAL);
    unsigned shift = 0;
    switch (to_lower(text.back())) {
    case 'k': shift = 10; break;
    case 'm': shift = 20; break;
    case 'g': shift = 30; break;
    case 't': shift = 40; break;
    default: break;
    }
    // "0x1f" ends in a hex digit, never in a suffix letter, so there is no ambiguity.
    if (shift) text.remove_suffix(1);
    u64 value = TRY(parse_u64(text));
    if (shift && value > (std::numeric_limits<u64>::max() >> shift)) return Error(ERANGE);
    return value << shift;
}

std::optional<bool> parse_bool(std::string_view text) {
    for (std::string_view yes : {"on", "yes", "1", "true"})
        if (equals_ignoring_case(text, yes)) return true;
    for (std::string_view no : {"off", "no", "0", "false"})
        if (equals_ignoring_case(text, no)) return false;
    return std::nullopt;
}

void ListItems::Iterator::advance() {
    while (!m_remaining.empty()) {
        usize comma = find_char(m_remaining, ',');
        std::string_view item = slice(m_remaining, 0, comma);
        m_remaining = slice(m_remaining, comma + 1, m_remaining.size());
        if (!item.empty()) {
            m_item = item;
            return;
        }
    }
    m_done = true;
}

}  // namespace cmdline
