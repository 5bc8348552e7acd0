// How many kernel objects of each kind exist, for leak checks: /proc/osprey/objects, the
// summary on the kernel log at power-off, and the system-call fuzzer, which compares them
// before and after a run (docs/reliability.md). A kind is counted by a member:
//
//   class File { ... objects::Counted<objects::Kind::File> m_counted; };
#pragma once

#include "base/types.h"

namespace objects {

enum class Kind : u8 { Process, AddressSpace, File, Socket, Inode, Count };

void created(Kind kind);
void destroyed(Kind kind);
u64 live(Kind kind);
const char* name(Kind kind);

template <Kind K>
class Counted {
public:
    Counted() { created(K); }
    Counted(const Counted&) { created(K); }
    Counted& operator=(const Counted&) { return *this; }
    ~Counted() { destroyed(K); }
};

}  // namespace objects
