#!/bin/bash
# How the guest gets its address (osprey run --ip): busybox's ifconfig, route and cat
# inside Osprey under QEMU user networking must show what was asked for.
#   address_case.sh OSPREY BUSYBOX dhcp|static|default
#     dhcp     --ip dhcp: the kernel's DHCP client leases QEMU's 10.0.2.15 with the router
#              10.0.2.2 and the name server 10.0.2.3 (the log says the lease came by DHCP)
#     static   --ip 10.0.2.42/24,gw=10.0.2.2,dns=10.0.2.3: exactly that, no DHCP
#     default  nothing: QEMU user networking's fixed 10.0.2.15/24, no DHCP
set -u
osprey=$1 busybox=$2 mode=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

case $mode in
    dhcp) ip=(--ip dhcp) address=10.0.2.15 how="(DHCP)" ;;
    static) ip=(--ip 10.0.2.42/24,gw=10.0.2.2,dns=10.0.2.3) address=10.0.2.42 how="(static)" ;;
    default) ip=() address=10.0.2.15 how="(static)" ;;
    *) echo "usage: $0 OSPREY BUSYBOX dhcp|static|default" >&2; exit 2 ;;
esac

. "$(dirname "$0")/checks.sh"
run() {  # run NAME ARGS...: osprey run --verbose with the mode's --ip; stdout to NAME.out, log to NAME.log
    local name=$1
    shift
    if ! "$osprey" run --timeout 120 --verbose "${ip[@]}" "$@" >"$work/$name.out" 2>"$work/$name.log" </dev/null; then
        echo "FAIL: osprey run ${ip[*]} $* did not exit 0:" >&2
        tail -n 20 "$work/$name.log" >&2
        failed=1
    fi
}

run ifconfig "$busybox" ifconfig eth0
check "ifconfig eth0" "$work/ifconfig.out" "inet addr:${address//./\\.} +Bcast:10\.0\.2\.255 +Mask:255\.255\.255\.0"
check "the kernel's log" "$work/ifconfig.log" "net: eth0 is ${address//./\\.}/24, gateway 10\.0\.2\.2 \\$how"

run route "$busybox" route -n
check "route -n" "$work/route.out" "^0\.0\.0\.0 +10\.0\.2\.2 +0\.0\.0\.0 +UG .* eth0$"
check "route -n" "$work/route.out" "^10\.0\.2\.0 +0\.0\.0\.0 +255\.255\.255\.0 +U .* eth0$"

run resolv "$busybox" cat /etc/resolv.conf
check "/etc/resolv.conf" "$work/resolv.out" "^nameserver 10\.0\.2\.3$"

[ $failed -eq 0 ] && echo "PASS: $mode: eth0 is $address/24 via 10.0.2.2, name server 10.0.2.3"
exit $failed
