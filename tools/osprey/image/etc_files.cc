#include "image/etc_files.h"

namespace osprey {

const std::vector<std::pair<std::string, std::string>>& default_etc_files() {
    // The program runs as root (uid 0); nobody/nogroup are what daemons drop to.
    // The hostname (uname's nodename) resolves to 127.0.1.1, as on Debian.
    // 10.0.2.3 is the DNS server of QEMU's user networking.
    static const std::vector<std::pair<std::string, std::string>> files = {
        {"/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"},
        {"/etc/group", "root:x:0:\nnogroup:x:65534:\n"},
        {"/etc/hosts", "127.0.0.1\tlocalhost\n127.0.1.1\tosprey\n::1\tlocalhost ip6-localhost ip6-loopback\n"},
        {"/etc/resolv.conf", "nameserver 10.0.2.3\n"},
        {"/etc/nsswitch.conf",
         "passwd:    files\ngroup:     files\nshadow:    files\nhosts:     files dns\nnetworks:  files\n"
         "protocols: files\nservices:  files\n"},
        {"/etc/hostname", "osprey\n"},
    };
    return files;
}

}  // namespace osprey
