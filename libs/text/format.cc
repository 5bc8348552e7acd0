#include "text/format.h"

namespace text {

void BufferSink::write(std::string_view bytes) {
    if (m_capacity == 0) {
        m_truncated = m_truncated || !bytes.empty();
        return;
    }
    usize room = m_capacity - 1 - m_length;
    usize n = bytes.size() < room ? bytes.size() : room;
    for (usize i = 0; i < n; i++) m_buffer[m_length + i] = bytes[i];
    m_length += n;
    m_buffer[m_length] = '\0';
    if (n < bytes.size()) m_truncated = true;
}

namespace {

struct Spec {
    char fill = ' ';
    bool left = false;
    bool alternate = false;
    usize width = 0;
    char type = 0;  // 0 means "natural" for the argument's kind
};

// Parses the text between ':' and '}'; unknown characters are ignored rather than trapped,
// because a malformed log format must never take the kernel down.
Spec parse_spec(std::string_view s) {
    Spec spec;
    usize i = 0;
    if (s.size() >= 2 && (s[1] == '<' || s[1] == '>')) {
        spec.fill = s[0];
        spec.left = s[1] == '<';
        i = 2;
    } else if (!s.empty() && (s[0] == '<' || s[0] == '>')) {
        spec.left = s[0] == '<';
        i = 1;
    }
    if (i < s.size() && s[i] == '#') {
        spec.alternate = true;
        i++;
    }
    if (i < s.size() && s[i] == '0') {
        spec.fill = '0';
        i++;
    }
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') spec.width = spec.width * 10 + (s[i++] - '0');
    if (i < s.size()) spec.type = s[i];
    return spec;
}

void pad(Sink& sink, char fill, usize count) {
    char chunk[16];
    for (char& c : chunk) c = fill;
    while (count) {
        usize n = count < sizeof chunk ? count : sizeof chunk;
        sink.write({chunk, n});
        count -= n;
    }
}

// Writes prefix+body padded to the spec's width. Zero fill goes between prefix and body.
void emit(Sink& sink, const Spec& spec, std::string_view prefix, std::string_view body) {
    usize len = prefix.size() + body.size();
    usize padding = spec.width > len ? spec.width - len : 0;
    if (spec.fill == '0' && !spec.left) {
        sink.write(prefix);
        pad(sink, '0', padding);
        sink.write(body);
        return;
    }
    if (!spec.left) pad(sink, spec.fill, padding);
    sink.write(prefix);
    sink.write(body);
    if (spec.left) pad(sink, spec.fill, padding);
}

void emit_unsigned(Sink& sink, const Spec& spec, u64 value, bool negative) {
    unsigned base = 10;
    const char* digits = "0123456789abcdef";
    std::string_view prefix = negative ? "-" : "";
    switch (spec.type) {
        case 'x':
            base = 16;
            if (spec.alternate) prefix = "0x";
            break;
        case 'X':
            base = 16;
            digits = "0123456789ABCDEF";
            if (spec.alternate) prefix = "0X";
            break;
        case 'b':
            base = 2;
            if (spec.alternate) prefix = "0b";
            break;
        case 'o':
            base = 8;
            if (spec.alternate) prefix = "0";
            break;
        default:
            break;
    }
    char buffer[64];
    usize pos = sizeof buffer;
    do {
        buffer[--pos] = digits[value % base];
        value /= base;
    } while (value);
    emit(sink, spec, prefix, {buffer + pos, sizeof buffer - pos});
}

void emit_arg(Sink& sink, const Spec& spec, const Arg& arg) {
    switch (arg.kind) {
        case Arg::Kind::Signed:
            if (arg.s < 0 && spec.type != 'x' && spec.type != 'X' && spec.type != 'b')
                emit_unsigned(sink, spec, 0 - static_cast<u64>(arg.s), true);
            else
                emit_unsigned(sink, spec, static_cast<u64>(arg.s), false);
            return;
        case Arg::Kind::Unsigned:
            if (spec.type == 'c') {
                char c = static_cast<char>(arg.u);
                emit(sink, spec, "", {&c, 1});
                return;
            }
            emit_unsigned(sink, spec, arg.u, false);
            return;
        case Arg::Kind::Bool:
            emit(sink, spec, "", arg.b ? "true" : "false");
            return;
        case Arg::Kind::Char:
            if (spec.type == 'x' || spec.type == 'd' || spec.type == 'X')
                emit_unsigned(sink, spec, static_cast<u8>(arg.c), false);
            else
                emit(sink, spec, "", {&arg.c, 1});
            return;
        case Arg::Kind::String:
            emit(sink, spec, "", {arg.str.data, arg.str.size});
            return;
        case Arg::Kind::Pointer: {
            Spec hex = spec;
            hex.type = 'x';
            hex.alternate = true;
            emit_unsigned(sink, hex, reinterpret_cast<uptr>(arg.p), false);
            return;
        }
    }
}

}  // namespace

void vformat(Sink& sink, std::string_view format, std::span<const Arg> args) {
    usize next_arg = 0;
    usize i = 0;
    while (i < format.size()) {
        usize start = i;
        while (i < format.size() && format[i] != '{' && format[i] != '}') i++;
        if (i > start) sink.write(format.substr(start, i - start));
        if (i >= format.size()) break;
        // "{{" and "}}" are literal braces.
        if (i + 1 < format.size() && format[i + 1] == format[i]) {
            sink.write(format.substr(i, 1));
            i += 2;
            continue;
        }
        if (format[i] == '}') {  // a stray '}' is printed as is
            sink.write("}");
            i++;
            continue;
        }
        usize close = format.find('}', i);
        if (close == std::string_view::npos) {
            sink.write(format.substr(i));
            break;
        }
        std::string_view inside = format.substr(i + 1, close - i - 1);
        Spec spec;
        if (!inside.empty() && inside[0] == ':') spec = parse_spec(inside.substr(1));
        if (next_arg < args.size())
            emit_arg(sink, spec, args[next_arg++]);
        else
            sink.write("{?}");
        i = close + 1;
    }
}

}  // namespace text
