#include "arch/x86_64/rtc.h"

#include "arch/x86_64/cpu.h"
#include "time/calendar.h"

namespace rtc {

namespace {

constexpr u16 kIndex = 0x70, kData = 0x71;
constexpr u8 kSeconds = 0x00, kMinutes = 0x02, kHours = 0x04, kDay = 0x07, kMonth = 0x08,
             kYear = 0x09, kStatusA = 0x0a, kStatusB = 0x0b, kCentury = 0x32;
constexpr u8 kUpdateInProgress = 0x80, kBinaryMode = 0x04, k24HourMode = 0x02, kPmBit = 0x80;

u8 read(u8 reg) {
    cpu::outb(kIndex, reg | 0x80);  // bit 7 keeps NMIs disabled while we touch CMOS
    return cpu::inb(kData);
}

struct Raw {
    u8 second, minute, hour, day, month, year, century;
    bool operator==(const Raw&) const = default;
};

Raw read_raw() {
    for (int i = 0; i < 100000 && (read(kStatusA) & kUpdateInProgress); i++) cpu::pause();
    return {read(kSeconds), read(kMinutes), read(kHours), read(kDay), read(kMonth), read(kYear), read(kCentury)};
}

}  // namespace

Result<i64> read_unix_seconds() {
    // Read until two readings agree, so an update between registers cannot tear the time.
    Raw raw = read_raw();
    for (int attempt = 0;; attempt++) {
        Raw again = read_raw();
        if (again == raw) break;
        if (attempt == 10) return Error(EIO);
        raw = again;
    }
    u8 status_b = read(kStatusB);
    bool binary = status_b & kBinaryMode;
    auto decode = [binary](u8 v) -> u32 { return binary ? v : calendar::from_bcd(v); };
    bool pm = !(status_b & k24HourMode) && (raw.hour & kPmBit);
    u32 hour = decode(raw.hour & ~kPmBit);
    if (!(status_b & k24HourMode)) hour = (hour % 12) + (pm ? 12 : 0);
    u32 century = raw.century ? decode(raw.century) : 20;
    if (century < 19 || century > 30) century = 20;
    calendar::DateTime t{century * 100 + decode(raw.year), decode(raw.month), decode(raw.day), hour,
                         decode(raw.minute), decode(raw.second)};
    if (!calendar::is_valid(t)) return Error(EIO);
    return calendar::to_unix_seconds(t);
}

}  // namespace rtc
