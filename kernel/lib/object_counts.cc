#include "lib/object_counts.h"

#include "lib/atomic.h"

namespace objects {

namespace {
constexpr usize kKinds = static_cast<usize>(Kind::Count);
kstd::Atomic<u64> g_live[kKinds];
}  // namespace

void created(Kind kind) { g_live[static_cast<usize>(kind)].fetch_add(1, kstd::relaxed); }
void destroyed(Kind kind) { g_live[static_cast<usize>(kind)].fetch_sub(1, kstd::relaxed); }
u64 live(Kind kind) { return g_live[static_cast<usize>(kind)].load(kstd::relaxed); }

const char* name(Kind kind) {
    switch (kind) {
        case Kind::Process: return "processes";
        case Kind::AddressSpace: return "address_spaces";
        case Kind::File: return "open_files";
        case Kind::Socket: return "sockets";
        case Kind::Inode: return "inodes";
        case Kind::Count: break;
    }
    return "?";
}

}  // namespace objects
