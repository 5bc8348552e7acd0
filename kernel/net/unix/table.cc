#include "net/unix/table.h"

#include <cstring>

#include "fs/vfs.h"
#include "lib/random.h"
#include "proc/process.h"
#include "net/unix/unix_socket.h"

namespace net::af_unix::table {

namespace {

Mutex g_lock{"unix table"};
IntrusiveList<Endpoint, &Endpoint::table_node> g_endpoints;  // guarded by g_lock
u32 g_autobind_next = 0;                                      // guarded by g_lock
bool g_autobind_seeded = false;

// Under the table lock: the visible socket of `type` with this abstract name.
Endpoint* find_abstract(const u8* bytes, u32 length, int type) {
    Endpoint* found = nullptr;
    g_endpoints.for_each([&](Endpoint& e) {
        if (found || !e.name_visible || e.type != type) return;
        // A visible endpoint's address is set and never changes again.
        RefPtr<Address> name = e.locked([&] { return e.address; });
        if (name && name->abstract() && name->same_name(bytes, length)) found = &e;
    });
    return found;
}

// Under the table lock: the visible socket bound to `inode`.
Endpoint* find_by_inode(const fs::Inode& inode) {
    Endpoint* found = nullptr;
    g_endpoints.for_each([&](Endpoint& e) {
        if (found || !e.name_visible) return;
        RefPtr<Address> name = e.locked([&] { return e.address; });
        if (name && name->inode() == &inode) found = &e;
    });
    return found;
}

// Gives a name to an endpoint that has none, under the table lock; false if it had one.
bool publish(Endpoint& endpoint, RefPtr<Address> address) {
    bool set = endpoint.locked([&] {
        if (endpoint.address) return false;
        endpoint.address = static_cast<RefPtr<Address>&&>(address);
        return true;
    });
    if (set) endpoint.name_visible = true;
    return set;
}

bool bound(Endpoint& endpoint) {
    return endpoint.locked([&] { return static_cast<bool>(endpoint.address); });
}

// Where a relative path starts: the working directory.
Result<RefPtr<fs::Inode>> start_for(std::string_view path) {
    if (!path.empty() && path[0] == '/') return fs::root();
    return proc::Process::current().working_directory();
}

Result<void> bind_path(Endpoint& endpoint, const Name& name) {
    auto start = TRY(start_for(name.path));
    fs::ParentPath parent;
    TRY(fs::resolve_parent(*start, name.path, parent));
    // As mknod would: an existing name (even "." or "..") is in use.
    if (parent.last().empty() || parent.last() == "." || parent.last() == ".." ||
        parent.directory->lookup(parent.last()).is_ok())
        return Error(EADDRINUSE);
    if (parent.trailing_slash) return Error(ENOENT);  // a directory was asked for
    if (bound(endpoint)) return Error(EINVAL);
    auto& process = proc::Process::current();
    u32 umask;
    {
        MutexLocker lock(process.fs_lock);
        umask = process.umask;
    }
    auto owner = process.new_inode_owner(*parent.directory, false, 0777 & ~umask);
    auto created =
        parent.directory->create(parent.last(), fs::InodeType::Socket, owner.permissions, process.cred.fsuid, owner.gid);
    if (created.is_error()) return Error(created.error() == EEXIST ? EADDRINUSE : created.error());
    auto address = Address::create(name.bytes, name.length, created.value());
    if (!address) {
        (void)parent.directory->unlink(parent.last(), false);
        return Error(ENOMEM);
    }
    MutexLocker lock(g_lock);
    if (!publish(endpoint, address)) {
        (void)parent.directory->unlink(parent.last(), false);  // as Linux: bound meanwhile
        return Error(EINVAL);
    }
    return {};
}

Result<void> bind_abstract(Endpoint& endpoint, const Name& name) {
    auto address = Address::create(name.bytes, name.length);
    if (!address) return Error(ENOMEM);
    MutexLocker lock(g_lock);
    if (bound(endpoint)) return Error(EINVAL);
    if (find_abstract(name.bytes, name.length, endpoint.type)) return Error(EADDRINUSE);
    publish(endpoint, address);
    return {};
}

}  // namespace

Mutex& lock() { return g_lock; }

namespace detail {
IntrusiveList<Endpoint, &Endpoint::table_node>& endpoints() { return g_endpoints; }
}  // namespace detail

void add(Endpoint& endpoint) {
    MutexLocker lock(g_lock);
    g_endpoints.push_back(endpoint);
    endpoint.registered = true;
}

void remove(Endpoint& endpoint) {
    MutexLocker lock(g_lock);
    if (!endpoint.registered) return;
    g_endpoints.remove(endpoint);
    endpoint.registered = false;
    endpoint.name_visible = false;
    endpoint.locked([&] { endpoint.file = nullptr; });
}

Result<void> bind(Endpoint& endpoint, const Name& name) {
    switch (name.kind) {
        case Name::Kind::Autobind: return autobind(endpoint);
        case Name::Kind::Path: return bind_path(endpoint, name);
        case Name::Kind::Abstract: return bind_abstract(endpoint, name);
    }
    return Error(EINVAL);
}

Result<void> autobind(Endpoint& endpoint) {
    MutexLocker lock(g_lock);
    if (bound(endpoint)) return {};
    if (!g_autobind_seeded) {
        g_autobind_next = static_cast<u32>(krandom::next_u64());
        g_autobind_seeded = true;
    }
    constexpr u32 kNames = 0x100000;  // five hex digits
    u8 bytes[kAutobindLength] = {AF_UNIX, 0, 0};
    for (u32 tries = 0; tries < kNames; tries++) {
        u32 n = g_autobind_next++ % kNames;
        for (int i = 4; i >= 0; i--, n >>= 4) bytes[kFamilyLength + 1 + i] = "0123456789abcdef"[n & 0xf];
        if (find_abstract(bytes, sizeof bytes, endpoint.type)) continue;
        auto address = Address::create(bytes, sizeof bytes);
        if (!address) return Error(ENOMEM);
        publish(endpoint, address);
        return {};
    }
    return Error(EADDRINUSE);
}

Result<RefPtr<Endpoint>> find(const Name& name, int type) {
    if (name.kind != Name::Kind::Path) {
        // An empty abstract name (the family alone) is nobody's.
        MutexLocker lock(g_lock);
        Endpoint* found = find_abstract(name.bytes, name.length, type);
        if (!found) return Error(ECONNREFUSED);
        return RefPtr<Endpoint>(found);
    }
    auto start = TRY(start_for(name.path));
    auto inode = TRY(fs::resolve(*start, name.path));
    if (inode->type() != fs::InodeType::Socket) return Error(ECONNREFUSED);
    MutexLocker lock(g_lock);
    Endpoint* found = find_by_inode(*inode);
    if (!found) return Error(ECONNREFUSED);
    if (found->type != type) return Error(EPROTOTYPE);
    return RefPtr<Endpoint>(found);
}

void render_proc_net_unix(text::Sink& out) {
    out.write("Num       RefCount Protocol Flags    Type St Inode Path\n");
    constexpr u32 kAcceptConnections = 1 << 16;  // __SO_ACCEPTCON
    enum : u32 { kUnconnected = 1, kConnecting = 2, kConnected = 3, kDisconnecting = 4 };  // SS_*
    MutexLocker lock(g_lock);
    g_endpoints.for_each([&](Endpoint& e) {
        State state;
        bool has_file;
        u64 inode = 0;
        RefPtr<Address> name;
        e.locked([&] {
            state = e.state;
            has_file = e.file != nullptr;
            if (e.file) inode = e.file->inode_number();
            name = e.address;
        });
        u32 socket_state = has_file ? (state == State::Connected ? kConnected : kUnconnected)
                                    : (state == State::Connected ? kConnecting : kDisconnecting);
        // Kernel addresses are not shown (as with kptr_restrict).
        text::format_to(out, "0000000000000000: {:08X} {:08X} {:08X} {:04X} {:02X} {:5}", e.ref_count(), 0u,
                        state == State::Listening ? kAcceptConnections : 0u, static_cast<u32>(e.type), socket_state,
                        inode);
        if (name) {
            out.write(" ");
            if (name->abstract()) out.write("@");
            // An abstract name's NUL bytes show as '@'.
            for (char c : name->text()) out.write(c ? std::string_view(&c, 1) : std::string_view("@"));
        }
        out.write("\n");
    });
}

}  // namespace net::af_unix::table
