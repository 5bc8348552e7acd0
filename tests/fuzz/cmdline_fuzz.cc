// libFuzzer target: arbitrary text as the kernel command line: CommandLine::parse, every
// getter on every key it found, the value parsers and split_list on every value.
//
// Beyond not crashing: keys and values are views into the text; get() and has() answer from
// the last occurrence of a key; get_u64, get_size and get_bool agree with the value parsers;
// a number parsed prints back as its digits; list items are the non-empty pieces between
// commas; and the entries written out again (`key`, `key=value`, `key="value with spaces"`,
// then `-- rest`) parse to the same command line.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cmdline/cmdline.h"
#include "fuzz_check.h"

namespace {

using namespace cmdline;

bool inside(std::string_view text, std::string_view view) {
    return within(text.data(), text.size(), view.data(), view.size());
}

bool has_space(std::string_view text) {
    for (char c : text)
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return true;
    return false;
}

bool same_result(const Result<u64>& a, const Result<u64>& b) {
    if (a.is_ok() != b.is_ok()) return false;
    return a.is_ok() ? a.value() == b.value() : a.error() == b.error();
}

void check_number(std::string_view text) {
    auto number = parse_u64(text);
    if (number.is_error()) {
        FUZZ_CHECK(number.error() == EINVAL || number.error() == ERANGE);
        return;
    }
    // Decimal or 0x hex digits, read back through the other base.
    bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    std::string printed = hex ? std::to_string(number.value()) : "0x" + [&] {
        std::string digits;
        u64 value = number.value();
        do {
            digits.insert(digits.begin(), "0123456789abcdef"[value % 16]);
            value /= 16;
        } while (value);
        return digits;
    }();
    auto again = parse_u64(printed);
    FUZZ_CHECK(again.is_ok() && again.value() == number.value());
}

void check_size(std::string_view text) {
    auto size = parse_size(text);
    if (size.is_error()) {
        FUZZ_CHECK(size.error() == EINVAL || size.error() == ERANGE);
        return;
    }
    auto number = parse_u64(text);
    if (number.is_ok()) FUZZ_CHECK(size.value() == number.value());  // no suffix
}

void check_list(std::string_view list) {
    usize items = 0;
    for (std::string_view item : split_list(list)) {
        FUZZ_CHECK(!item.empty() && item.find(',') == std::string_view::npos && inside(list, item));
        items++;
    }
    usize expected = 0;
    bool in_item = false;
    for (char c : list) {
        if (c != ',' && !in_item) expected++;
        in_item = c != ',';
    }
    FUZZ_CHECK(items == expected);
}

// The command line written out again; empty when it cannot be (a value that holds both a
// space and a quote cannot come from parse(), so it never can't).
std::string write_out(const CommandLine& line) {
    std::string text;
    for (const Entry& entry : line) {
        text += entry.key;
        if (entry.value) {
            text += '=';
            if (has_space(*entry.value))
                text += '"' + std::string(*entry.value) + '"';
            else
                text += *entry.value;
        }
        text += ' ';
    }
    if (line.has_separator()) text += "-- " + std::string(line.rest());
    return text;
}

void check_entries(const CommandLine& line, std::string_view text) {
    FUZZ_CHECK(line.size() <= CommandLine::kCapacity && line.entries().size() == line.size());
    for (const Entry& entry : line) {
        FUZZ_CHECK(!entry.key.empty() && inside(text, entry.key));
        FUZZ_CHECK(!has_space(entry.key) && entry.key.find('=') == std::string_view::npos);
        if (entry.value) {
            FUZZ_CHECK(inside(text, *entry.value));
            // Only a quoted value holds a space, and a quoted value ends at its quote.
            if (has_space(*entry.value)) FUZZ_CHECK(entry.value->find('"') == std::string_view::npos);
            check_number(*entry.value);
            check_size(*entry.value);
            check_list(*entry.value);
        }

        const Entry* last = nullptr;
        for (const Entry& other : line)
            if (other.key == entry.key) last = &other;
        FUZZ_CHECK(line.has(entry.key) && line.get(entry.key) == last->value);
        if (!last->value) {
            FUZZ_CHECK(line.get_u64(entry.key).error() == EINVAL && line.get_size(entry.key).error() == EINVAL);
            FUZZ_CHECK(line.get_bool(entry.key) == true);
            continue;
        }
        FUZZ_CHECK(same_result(line.get_u64(entry.key), parse_u64(*last->value)));
        FUZZ_CHECK(same_result(line.get_size(entry.key), parse_size(*last->value)));
        FUZZ_CHECK(line.get_bool(entry.key) == parse_bool(*last->value));
    }
    if (line.has_separator()) {
        FUZZ_CHECK(inside(text, line.rest()) && line.rest().data() + line.rest().size() == text.data() + text.size());
        FUZZ_CHECK(line.rest().empty() || !has_space(line.rest().substr(0, 1)));
    } else {
        FUZZ_CHECK(line.rest().empty());
    }
}

void check_rewritten(const CommandLine& line) {
    if (line.overflowed()) return;  // the dropped words would come back
    std::string text = write_out(line);
    CommandLine again = CommandLine::parse(text);
    FUZZ_CHECK(again.size() == line.size() && !again.overflowed());
    for (usize i = 0; i < line.size(); i++) {
        FUZZ_CHECK(again.entries()[i].key == line.entries()[i].key);
        FUZZ_CHECK(again.entries()[i].value == line.entries()[i].value);
    }
    FUZZ_CHECK(again.has_separator() == line.has_separator() && again.rest() == line.rest());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    CommandLine line = CommandLine::parse(text);
    check_entries(line, text);
    check_rewritten(line);
    FUZZ_CHECK(!line.has("") && !line.get("") && line.get_u64("").error() == ENOENT);
    check_list(text);
    return 0;
}
