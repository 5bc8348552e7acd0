#include "fs/lock_range.h"

namespace locks {

Reshape reshape(const LockRange& held, const LockRange& wanted, bool set) {
    Reshape out;
    // Adjacent locks of the same kind join ("touching": one ends where the other starts).
    bool touches = held.start <= wanted.end && wanted.start <= held.end;
    if (set && held.write == wanted.write && touches) {
        out.absorbed = true;
        out.merged_start = held.start < wanted.start ? held.start : wanted.start;
        out.merged_end = held.end > wanted.end ? held.end : wanted.end;
        return out;
    }
    if (!overlaps(held, wanted)) {
        out.piece_count = 1;
        out.pieces[0] = held;
        return out;
    }
    if (held.start < wanted.start) out.pieces[out.piece_count++] = {held.start, wanted.start, held.write};
    if (held.end > wanted.end) out.pieces[out.piece_count++] = {wanted.end, held.end, held.write};
    return out;
}

}  // namespace locks
