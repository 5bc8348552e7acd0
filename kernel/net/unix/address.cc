#include "net/unix/address.h"

#include <cstring>
#include <new>

namespace net::af_unix {

namespace {
usize bounded_length(const char* s, usize max) {
    const void* end = memchr(s, 0, max);
    return end ? static_cast<usize>(static_cast<const char*>(end) - s) : max;
}
}  // namespace

RefPtr<Address> Address::create(const u8* bytes, u32 length, RefPtr<fs::Inode> inode) {
    if (length < kFamilyLength || length > sizeof m_bytes) return nullptr;
    auto* address = new (std::nothrow) Address;
    if (!address) return nullptr;
    memcpy(address->m_bytes, bytes, length);
    address->m_length = length;
    address->m_inode = static_cast<RefPtr<fs::Inode>&&>(inode);
    return RefPtr<Address>::adopt(address);
}

bool Address::same_name(const u8* bytes, u32 length) const {
    return length == m_length && memcmp(bytes, m_bytes, length) == 0;
}

std::string_view Address::text() const {
    const char* name = reinterpret_cast<const char*>(m_bytes + kFamilyLength);
    usize length = m_length - kFamilyLength;
    if (abstract()) return {name + 1, length - 1};
    return {name, bounded_length(name, length)};
}

void Address::copy_to(SocketAddress& out) const {
    out = {};
    memcpy(out.bytes, m_bytes, m_length);
    out.length = m_length;
}

Result<Name> parse_name(const SocketAddress& address) {
    if (address.length < kFamilyLength || address.family() != AF_UNIX) return Error(EINVAL);
    if (address.length > kMaxAddressLength) return Error(EINVAL);
    Name name{Name::Kind::Autobind, address.bytes, address.length, {}};
    if (address.length == kFamilyLength) return name;
    if (address.bytes[kFamilyLength] == 0) {
        name.kind = Name::Kind::Abstract;
        return name;
    }
    // A path ends at its NUL, or with the structure: the bytes after the caller's length
    // are zero (SocketAddress is zero-filled and longer than a sockaddr_un).
    const char* path = reinterpret_cast<const char*>(address.bytes + kFamilyLength);
    usize length = bounded_length(path, SocketAddress::kCapacity - kFamilyLength);
    if (length > address.length - kFamilyLength) length = address.length - kFamilyLength;
    name.kind = Name::Kind::Path;
    name.path = {path, length};
    name.length = static_cast<u32>(kFamilyLength + length + 1);
    return name;
}

void unnamed_address(SocketAddress& out) {
    out = {};
    out.bytes[0] = AF_UNIX;
    out.length = kFamilyLength;
}

}  // namespace net::af_unix
