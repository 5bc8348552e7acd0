// The manifest of `osprey build -f FILE` (and `osprey run -f FILE`): a TOML file that says
// what goes into an image, for images that must be built the same way again. Every key is
// optional; the command line overrides it (docs/cli.md, "Manifest"):
//
//   program = "/usr/bin/python3"       # BINARY: a path (relative to the manifest) or a name on PATH
//   args    = ["-c", "print('hi')"]    # the default arguments
//   workdir = "/srv"
//   memory  = "256M"                   # or a number of MiB
//   env     = { LANG = "C.UTF-8" }     # or ["LANG=C.UTF-8", "TZ"] (a bare NAME copies the host's)
//   add     = ["site:/srv/site", { host = "conf/app.ini", guest = "/etc/app.ini" }]
//   network = "user"                   # as --network: user, none, tap:IFNAME
//   mac     = "52:54:00:12:34:56"      # as --mac
//   publish = ["8080:80"]              # as -p
//   share   = ["out:/data"]            # as -v (osprey run -f only)
//   volumes = ["data.img:/data", "ref.img:/srv/ref:ro"]   # as --volume (run only)
//   volume_size = "2G"                 # as --volume-size
//
// Unknown keys and wrong types are errors that name the file and line, so a typo never
// passes silently.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "image/host_files.h"

namespace osprey {

struct Manifest {
    std::optional<std::string> program;  // a path is made absolute from the manifest's directory
    std::optional<std::vector<std::string>> args;
    std::vector<std::string> env;  // "NAME=VALUE" or "NAME", in order
    std::optional<std::string> workdir;
    std::optional<std::string> memory;  // as for --memory
    std::vector<AddSpec> add;           // relative HOSTs from the manifest's directory
    // The network options, as typed (checked where the command line's are).
    std::optional<std::string> network;
    std::optional<std::string> mac;
    std::vector<std::string> publish;
    std::optional<std::string> ip;  // as for --ip
    // Host folders for runs, as -v (HOST_DIR:GUEST_PATH[:ro]); relative HOST_DIRs from
    // the manifest's directory. Runs only: an image file carries none.
    std::vector<std::string> share;
    // --volume values, their host images made absolute from the manifest's directory.
    // For runs: an image does not keep them (a disk is attached per run).
    std::vector<std::string> volumes;
    std::optional<std::string> volume_size;  // as for --volume-size
};

// Parses manifest text. `file_name` names it in messages ("FILE:LINE: ..."); relative paths
// are taken from `base_directory`.
std::optional<Manifest> parse_manifest(std::string_view text, const std::string& file_name,
                                       const std::string& base_directory, std::string& error);

// Reads and parses the file at `path`.
std::optional<Manifest> load_manifest(const std::string& path, std::string& error);

}  // namespace osprey
