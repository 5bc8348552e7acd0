#include "net/resolv_conf.h"

#include "fs/vfs.h"
#include "lib/log.h"
#include "text/format.h"

namespace net {

namespace {

Result<RefPtr<fs::Inode>> etc_directory() {
    auto etc = fs::resolve(*fs::root(), "/etc");
    if (etc.is_ok()) return etc;
    return fs::root()->create("etc", fs::InodeType::Directory, 0755, 0, 0);
}

Result<void> replace(fs::Inode& directory, std::string_view name, std::string_view content) {
    auto file = directory.lookup(name);
    RefPtr<fs::Inode> inode;
    if (file.is_ok())
        inode = file.release_value();
    else
        inode = TRY(directory.create(name, fs::InodeType::Regular, 0644, 0, 0));
    TRY(inode->truncate(0));
    usize written = TRY(inode->write(0, fs::IoBuffer::kernel(const_cast<char*>(content.data()), content.size())));
    if (written != content.size()) return Error(ENOSPC);
    return {};
}

}  // namespace

void write_resolv_conf(const IpConfig& config) {
    char text[256];
    text::BufferSink out(text, sizeof text);
    out.write("# Written by Osprey from the network configuration\n");
    if (config.domain[0]) text::format_to(out, "search {}\n", config.domain);
    for (usize i = 0; i < config.dns_count; i++) {
        Ipv4Address a = config.dns[i];
        text::format_to(out, "nameserver {}.{}.{}.{}\n", a.octet(0), a.octet(1), a.octet(2), a.octet(3));
    }
    auto written = [&]() -> Result<void> {
        auto etc = TRY(etc_directory());
        return replace(*etc, "resolv.conf", out.view());
    }();
    if (written.is_error()) klog::warn("net: /etc/resolv.conf not written ({})", err::name(written.error()));
}

}  // namespace net
