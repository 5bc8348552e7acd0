// AF_UNIX names: what a caller's struct sockaddr_un asks for (a path, an abstract name,
// or autobind), and the name a socket holds once bound. Lengths are Linux's: a path name
// is reported as sizeof(sa_family_t) + its length + 1 (its NUL), an abstract name as
// exactly the length it was bound with (every byte counts), an unnamed socket as 2.
#pragma once

#include <string_view>

#include "fs/inode.h"
#include "lib/ref_counted.h"
#include "net/socket.h"

namespace net::af_unix {

constexpr u32 kFamilyLength = 2;         // sizeof(sa_family_t)
constexpr u32 kMaxAddressLength = 110;   // sizeof(struct sockaddr_un)
constexpr u32 kAutobindLength = kFamilyLength + 6;  // "\0" and five hex digits

// A bound socket's name. Never changes once made, so it is shared without a lock.
class Address final : public RefCounted {
public:
    // Null when out of memory. `inode`: the socket inode a path bind made.
    static RefPtr<Address> create(const u8* bytes, u32 length, RefPtr<fs::Inode> inode = nullptr);

    u32 length() const { return m_length; }
    const u8* bytes() const { return m_bytes; }
    bool abstract() const { return m_bytes[kFamilyLength] == 0; }
    bool same_name(const u8* bytes, u32 length) const;
    fs::Inode* inode() const { return m_inode.get(); }
    // For /proc/net/unix: the path, or the abstract name after its leading NUL.
    std::string_view text() const;
    void copy_to(SocketAddress& out) const;

private:
    Address() = default;
    // A path of 108 bytes with no NUL is reported with one more byte (111): room for it.
    u8 m_bytes[kMaxAddressLength + 2] = {};
    u32 m_length = 0;
    RefPtr<fs::Inode> m_inode;
};

// What bind, connect or sendto was given.
struct Name {
    enum class Kind : u8 { Autobind, Path, Abstract };
    Kind kind;
    // The name as a socket bound to it reports it (a path with its NUL).
    const u8* bytes;
    u32 length;
    std::string_view path;  // Kind::Path: the path, without the NUL
};

// EINVAL for a length below sizeof(sa_family_t) or above sizeof(struct sockaddr_un), or
// another family. The Name points into `address`.
Result<Name> parse_name(const SocketAddress& address);

// The address of an unnamed socket: the family alone.
void unnamed_address(SocketAddress& out);

}  // namespace net::af_unix
