#!/bin/sh
# Puts kernel modules into a Linux guest's initramfs tree for linux_init.h's load_modules():
# copies MODULE.ko from MODULES_DIR (bench/lib/linux_guest.sh's PACKAGE.modules/) into
# DEST_DIR and writes DEST_DIR/order, the file names in an order that loads, each after
# those its `depends=` names (read from the module's .modinfo strings, as `modinfo -F
# depends` would: the host need not have kmod). A dependency missing from the list is an
# error that names it. Soft dependencies (ext4's `softdep=pre: crc32c`) are not followed:
# list them, before the module that wants them.
#
#   bench/lib/linux_modules.sh MODULES_DIR DEST_DIR MODULE...
set -eu
modules=$1 dest=$2
shift 2
wanted="$*"
mkdir -p "$dest"
: >"$dest/order"

loaded=" " left=$wanted
while [ -n "$left" ]; do
    next=""
    for module in $left; do
        [ -f "$modules/$module.ko" ] || { echo "linux_modules: no $module.ko in $modules" >&2; exit 1; }
        ready=1
        for dependency in $(strings -a "$modules/$module.ko" | sed -n 's/^depends=//p' | tr ',' ' '); do
            case "$loaded" in *" $dependency "*) ;; *) ready=0 ;; esac
        done
        if [ "$ready" = 1 ]; then
            cp "$modules/$module.ko" "$dest/"
            echo "$module.ko" >>"$dest/order"
            loaded="$loaded$module "
        else
            next="$next $module"
        fi
    done
    # shellcheck disable=SC2086,SC2116  # echo without quotes: the list with single spaces
    if [ "$next" = " $(echo $left)" ]; then
        for module in $next; do
            echo "linux_modules: $module.ko depends on $(strings -a "$modules/$module.ko" | sed -n 's/^depends=//p')" >&2
        done
        echo "linux_modules: cannot order the modules:$next (a dependency outside: $wanted)" >&2
        exit 1
    fi
    left=$next
done
