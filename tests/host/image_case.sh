#!/bin/sh
# Tests of `osprey build`, `osprey inspect` and images given to `osprey run`. Each case
# works in a fresh directory with TMPDIR inside it, checks the exit status and the texts
# expected in the output, and that nothing was left behind (no temporary directory, no
# partial image).
#
#   image_case.sh OSPREY STATIC_PROGRAM KERNEL CASE
# KERNEL is the real kernel for the cases that boot (label guest); the others never boot.
set -u
osprey=$1
static=$2
kernel=$3
case_name=$4

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/tmp" "$work/out"
export TMPDIR="$work/tmp"
# The host's TSC frequency is cached here, not in the user's home (vm/guest_tsc.h).
export XDG_CACHE_HOME="$work/cache"
cd "$work" || exit 2
img="$work/out/app.osprey"

expected_texts=
expect_text() { expected_texts="$expected_texts$1
"; }
unexpected_texts=
# reject_text TEXT: no output line may be exactly TEXT.
reject_text() { unexpected_texts="$unexpected_texts$1
"; }
expected_status=0
output="$work/output"
: >"$output"

# run_dir: the directory of the last --dry-run's own files (its control channel's).
run_dir() { grep -o -- "pipe,id=osctl,path=[^ ]*" "$output" | tail -1 | sed 's/.*path=//; s|/control$||'; }

# step COMMAND...: runs a step and appends its output; the status of the last step counts.
step() {
    echo "--- $*" >>"$output"
    "$@" >>"$output" 2>&1 </dev/null
    status=$?
    echo "--- status $status" >>"$output"
}
# must COMMAND...: a preparatory step that has to succeed.
must() {
    step "$@"
    if [ "$status" -ne 0 ]; then
        cat "$output"
        echo "FAIL: preparatory step failed: $*" >&2
        exit 1
    fi
}

# A shared library and a program that finds it through RUNPATH $ORIGIN/../lib.
make_runpath_program() {
    mkdir -p "$work/app/bin" "$work/app/lib"
    printf 'int osprey_answer(void) { return 42; }\n' >"$work/answer.c"
    printf 'int osprey_answer(void);\nint main(void) { return osprey_answer() == 42 ? 0 : 1; }\n' >"$work/main.c"
    must gcc -shared -fPIC -o "$work/app/lib/libanswer.so" "$work/answer.c"
    must gcc -o "$work/app/bin/prog" "$work/main.c" -L"$work/app/lib" -lanswer \
        '-Wl,-rpath,$ORIGIN/../lib' -Wl,--enable-new-dtags
}

case "$case_name" in
build_inspect)
    must "$osprey" build -o "$img" -e GREETING=hello -w /srv /bin/busybox echo "two words"
    step "$osprey" inspect "$img"
    expect_text "Command:     /bin/busybox echo 'two words'"
    expect_text "GREETING=hello"
    expect_text "Workdir:     /srv"
    # Stored where its path leads, the symlinks on the way kept (/bin -> usr/bin on Debian).
    expect_text "-rwxr-xr-x    $(stat -c %s /bin/busybox)  $(realpath /bin/busybox)"
    expect_text "/etc/passwd"
    expect_text "/etc/resolv.conf"
    expect_text "/.osprey/app"
    expect_text "Contents:    " ;;
inspect_json)
    must "$osprey" build -o "$img" /bin/busybox true
    step "$osprey" inspect --json "$img"
    expect_text '"argv": ['
    expect_text "\"path\": \"$(realpath /bin/busybox)\"" ;;
dynamic)
    # A dynamic program's image holds its interpreter (with the host's symlinks) and libc.
    must "$osprey" build -o "$img" /bin/true
    step "$osprey" inspect "$img"
    expect_text "Interpreter: /lib64/ld-linux-x86-64.so.2"
    expect_text "libc.so.6 => "
    expect_text "ld-linux-x86-64.so.2 -> "
    expect_text "/etc/ld.so.cache"
    # And in the archive itself, read by another tool:
    must sh -c "cpio -it <'$img' >'$work/list' 2>/dev/null"
    step grep -c -e 'x86_64-linux-gnu/libc.so.6$' -e 'x86_64-linux-gnu/ld-linux-x86-64.so.2$' "$work/list"
    expect_text "2" ;;
runpath_origin)
    make_runpath_program
    step "$osprey" build -o "$img" "$work/app/bin/prog"
    step "$osprey" inspect "$img"
    expect_text "libanswer.so => $work/app/lib/libanswer.so"
    expect_text "$work/app/lib/libanswer.so" ;;
missing_library)
    make_runpath_program
    rm "$work/app/lib/libanswer.so"
    step "$osprey" build -o "$img" "$work/app/bin/prog"
    expected_status=125
    expect_text "osprey: $work/app/bin/prog: shared library libanswer.so (needed by $work/app/bin/prog) not found; searched:"
    expect_text "  $work/app/bin/../lib (RUNPATH of $work/app/bin/prog)"
    expect_text "  /usr/lib/x86_64-linux-gnu" ;;
missing_library_run)
    make_runpath_program
    rm "$work/app/lib/libanswer.so"
    step "$osprey" run --kernel "$static" "$work/app/bin/prog"
    expected_status=125
    expect_text "shared library libanswer.so (needed by $work/app/bin/prog) not found" ;;
add_tree)
    mkdir -p "$work/site/css"
    printf '<h1>hi</h1>' >"$work/site/index.html"
    printf 'body{}' >"$work/site/css/a.css"
    chmod 600 "$work/site/css/a.css"
    ln -s index.html "$work/site/home.html"
    touch -d '2001-09-09 01:46:40 UTC' "$work/site/index.html"
    must "$osprey" build -o "$img" --add "$work/site:/srv/www" --add "$work/site/index.html:/etc/motd" /bin/busybox true
    step "$osprey" inspect --json "$img"
    expect_text '"path": "/srv/www/home.html",'
    expect_text '"target": "index.html"'
    expect_text '"mtime": 1000000000'
    expect_text '"mode": 384'
    expect_text '"path": "/etc/motd",'
    must sh -c "cpio -itv <'$img' 2>/dev/null | grep home.html"
    expect_text "srv/www/home.html -> index.html" ;;
discover)
    # A trial run on the host finds the file cat reads; files under /tmp stay out.
    printf 'scratch\n' >"$work/scratch.txt"
    must "$osprey" build --discover --discover-time 20 -o "$img" /bin/cat /usr/share/common-licenses/GPL-3 "$work/scratch.txt"
    expect_text "osprey: --discover: the trial run on the host (exit status 0) added"
    step "$osprey" inspect --json "$img"
    expect_text '"path": "/usr/share/common-licenses/GPL-3",'
    expect_text '"discovered": ['
    # The last step: no file entry for the scratch file (grep finds none: status 1).
    step sh -c "'$osprey' inspect --json '$img' | grep -c '\"path\": \"$work/scratch.txt\"'"
    expected_status=1 ;;
add_missing)
    step "$osprey" build -o "$img" --add "$work/nothing:/x" /bin/busybox true
    expected_status=125
    expect_text "osprey: --add $work/nothing: no such file or directory" ;;
manifest)
    mkdir -p "$work/conf"
    printf 'key=1\n' >"$work/conf/app.ini"
    cat >"$work/osprey.toml" <<'TOML'
# A manifest: everything an image needs, in one file.
program = "/bin/busybox"
args    = ["echo", "from the manifest"]
workdir = "/srv"
memory  = "192M"
env     = { LANG = "C.UTF-8" }
add     = ["conf:/etc/app"]
TOML
    must "$osprey" build -f "$work/osprey.toml" -o "$img" -e EXTRA=1
    step "$osprey" inspect "$img"
    expect_text "Command:     /bin/busybox echo 'from the manifest'"
    expect_text "LANG=C.UTF-8"
    expect_text "EXTRA=1"
    expect_text "Memory:      192M"
    expect_text "/etc/app/app.ini" ;;
manifest_network)
    # A manifest's network keys: kept in the image as its runs' defaults; a run's --network
    # replaces them; -p with a network that cannot forward is refused, naming the manifest.
    cat >"$work/osprey.toml" <<'TOML'
program = "/bin/busybox"
args    = ["true"]
network = "tap:osprey-t0"
mac     = "52:54:00:00:00:42"
ip      = "192.168.50.2/24,gw=192.168.50.1"
TOML
    must "$osprey" build -f "$work/osprey.toml" -o "$img"
    # A known TSC frequency, so that the ip= value is known to end the command line's
    # options before it (these runs never boot).
    mkdir -p "$XDG_CACHE_HOME/osprey"
    printf 'osprey-host-tsc-v1 %s 2000000\n' "$(cat /proc/sys/kernel/random/boot_id)" >"$XDG_CACHE_HOME/osprey/host-tsc"
    step "$osprey" run --kernel "$static" --dry-run "$img"
    expect_text "-netdev tap,id=osnet,ifname=osprey-t0,script=no,downscript=no -device virtio-net-device,netdev=osnet,mac=52:54:00:00:00:42"
    expect_text "ip=192.168.50.2/24,gw=192.168.50.1 overlay=opt/osprey/overlay tsc_khz=2000000'"
    rm -rf "$(run_dir)"
    step "$osprey" run --kernel "$static" --dry-run --network user --ip dhcp "$img"
    expect_text "-netdev user,id=osnet -device virtio-net-device,netdev=osnet,mac=52:54:00:00:00:42"
    expect_text "ip=dhcp overlay=opt/osprey/overlay tsc_khz=2000000'"
    rm -rf "$(run_dir)"
    printf 'program = "/bin/busybox"\nnetwork = "none"\npublish = ["8080:80"]\n' >"$work/bad.toml"
    step "$osprey" build -f "$work/bad.toml" -o "$img"
    expected_status=125
    expect_text "osprey: $work/bad.toml: -p 8080:80: ports are forwarded by QEMU user networking, not with --network none"
    printf 'program = "/bin/busybox"\nip = "10.0.2.15"\n' >"$work/bad_ip.toml"
    step "$osprey" build -f "$work/bad_ip.toml" -o "$img"
    expect_text "osprey: $work/bad_ip.toml: --ip 10.0.2.15: " ;;
manifest_error)
    printf 'program = "/bin/busybox"\n\nargz = ["x"]\n' >"$work/bad.toml"
    step "$osprey" build -f "$work/bad.toml" -o "$img"
    expected_status=125
    expect_text "osprey: $work/bad.toml:3: unknown key 'argz'" ;;
build_errors)
    step "$osprey" build /bin/busybox true
    expect_text "--output is required"
    step "$osprey" build -o "$img" "$work/none"
    expect_text "osprey: $work/none: no such file"
    step "$osprey" build -o "$work/no/such/dir/x" /bin/busybox
    expected_status=125
    expect_text "cannot create $work/no/such/dir/x.partial-" ;;
not_an_image)
    printf 'hello' >"$work/junk"
    step "$osprey" inspect "$work/junk"
    expect_text "osprey: $work/junk: not an Osprey image"
    printf '070701garbage' >"$work/fake"
    step "$osprey" inspect "$work/fake"
    expected_status=125
    expect_text "osprey: $work/fake: not an Osprey image (cpio archive:" ;;
kvm_unusable)
    OSPREY_KVM_DEVICE="$work/no-kvm" step "$osprey" run --kernel "$static" --accel kvm /bin/busybox true
    expected_status=125
    expect_text "osprey: --accel kvm: KVM is not usable here ($work/no-kvm: No such file or directory)" ;;
image_memory_too_small)
    must "$osprey" build -o "$img" -m 4M /bin/busybox true
    step "$osprey" run --kernel "$static" "$img"
    expected_status=125
    expect_text "osprey: --memory 4M is too small for this image" ;;
image_dry_run)
    # An image run writes its own copy with the new arguments; the image is untouched.
    must "$osprey" build -o "$img" /bin/busybox echo default
    cp "$img" "$work/before"
    step "$osprey" run --kernel "$static" --dry-run "$img" replaced args
    # QEMU loads the image as it is; the run's /.osprey/app comes in the overlay.
    expect_text "-initrd $img -fw_cfg name=opt/osprey/overlay,file=$TMPDIR/osprey-"
    expect_text " overlay=opt/osprey/overlay "
    overlay=$(grep -o -- "name=opt/osprey/overlay,file=[^ ]*" "$output" | sed 's/.*file=//')
    (cd "$work" && cpio -i --quiet --to-stdout .osprey/app <"$overlay" | tr '\0' ' ' >"$work/app")
    must grep -q "/bin/busybox replaced args" "$work/app"
    rm -rf "$(run_dir)"
    step cmp "$img" "$work/before"
    # With files added, the run writes its own copy of the image.
    step "$osprey" run --kernel "$static" --dry-run --add "$static:/extra" "$img" replaced args
    expect_text "-initrd $TMPDIR/osprey-"
    copy=$(grep -o -- "-initrd [^ ]*" "$output" | tail -1 | cut -d' ' -f2)
    step "$osprey" inspect "$copy"
    expect_text "Command:     /bin/busybox replaced args"
    expect_text "/extra"
    rm -rf "$(run_dir)"
    step cmp "$img" "$work/before" ;;
image_cpus)
    # --cpus is kept as the image's default, and runs pass it to QEMU.
    step "$osprey" build -o "$img" --cpus 0 /bin/busybox true
    expect_text "osprey: --cpus 0: expected a whole number from 1 to 64"
    must "$osprey" build -o "$img" --cpus 2 /bin/busybox true
    must "$osprey" inspect "$img"
    expect_text "CPUs:        2"
    must "$osprey" inspect --json "$img"
    expect_text '"cpus": 2'
    must "$osprey" run --kernel "$static" --dry-run "$img"
    expect_text " -smp 2 "
    rm -rf "$(run_dir)"
    # A run's --cpus 1 overrides the image's 2: no -smp in its command.
    smp_lines=$(grep -c -- " -smp " "$output")
    step "$osprey" run --kernel "$static" --dry-run --cpus 1 "$img"
    rm -rf "$(run_dir)"
    if [ "$(grep -c -- " -smp " "$output")" -ne "$smp_lines" ]; then
        cat "$output"
        echo "FAIL: --cpus 1 still gave QEMU -smp" >&2
        exit 1
    fi ;;
e2e_default_args)
    must "$osprey" build -o "$img" /bin/busybox echo built
    step "$osprey" run --kernel "$kernel" --timeout 60 "$img"
    expect_text "built" ;;
e2e_override_args)
    must "$osprey" build -o "$img" -e WHO=env /bin/busybox echo built
    step "$osprey" run --kernel "$kernel" --timeout 60 -e WHO=run "$img" sh -c 'echo "$WHO overridden"'
    expect_text "run overridden"
    reject_text "built" ;;
e2e_cache)
    # `osprey run BINARY` through the image cache: runs of one program with other arguments
    # share one entry and each prints its own arguments (they travel in the overlay); a
    # changed --add file is seen by the next run, which replaces the entry (its record; the
    # image it named stays a minute, for a run that may be booting it); another -e makes
    # another entry.
    mkdir "$work/data" && printf 'first-note\n' >"$work/data/note.txt"
    step "$osprey" run --kernel "$kernel" --timeout 60 --add "$work/data:/data" /bin/busybox echo alpha-one
    expect_text "alpha-one"
    step "$osprey" run --kernel "$kernel" --timeout 60 --add "$work/data:/data" /bin/busybox cat /data/note.txt
    expect_text "first-note"
    step ls "$XDG_CACHE_HOME/osprey/images"
    printf 'second-note, longer\n' >"$work/data/note.txt"
    step "$osprey" run --kernel "$kernel" --timeout 60 --add "$work/data:/data" /bin/busybox cat /data/note.txt
    expect_text "second-note, longer"
    entries=$(ls "$XDG_CACHE_HOME/osprey/images" | grep -c '\.deps$')
    must test "$entries" -eq 1
    step "$osprey" run --kernel "$kernel" --timeout 60 -e WHO=beta --add "$work/data:/data" /bin/busybox sh -c 'echo "$WHO-two"'
    expect_text "beta-two"
    entries=$(ls "$XDG_CACHE_HOME/osprey/images" | grep -c '\.deps$')
    must test "$entries" -eq 2
    # A run without the cache is the same to the program.
    step "$osprey" run --kernel "$kernel" --timeout 60 --no-cache /bin/busybox echo gamma-three
    expect_text "gamma-three" ;;
e2e_added_file)
    mkdir "$work/data" && printf 'from the host\n' >"$work/data/note.txt"
    ln -s note.txt "$work/data/link.txt"
    must "$osprey" build -o "$img" --add "$work/data:/data" -w /data /bin/busybox cat link.txt
    step "$osprey" run --kernel "$kernel" --timeout 60 "$img"
    expect_text "from the host" ;;
e2e_discover)
    # Without a trial run the guest has no /etc/debian_version; with one, cat prints it.
    step "$osprey" run --kernel "$kernel" --timeout 60 /bin/cat /etc/debian_version
    expect_text "/bin/cat: /etc/debian_version: No such file or directory"
    step "$osprey" run --kernel "$kernel" --timeout 60 --discover /bin/cat /etc/debian_version
    expect_text "$(cat /etc/debian_version)" ;;
e2e_manifest_run)
    printf 'program = "/bin/busybox"\nargs = ["echo", "manifest run"]\n' >"$work/m.toml"
    step "$osprey" run --kernel "$kernel" --timeout 60 -f "$work/m.toml"
    expect_text "manifest run" ;;
*)
    echo "image_case.sh: unknown case $case_name" >&2
    exit 2 ;;
esac

cat "$output"
failed=0
if [ "$status" -ne "$expected_status" ]; then
    echo "FAIL: exit status $status, expected $expected_status" >&2
    failed=1
fi
printf '%s' "$expected_texts" | while IFS= read -r text; do
    [ -n "$text" ] || continue
    if ! grep -qF -- "$text" "$output"; then
        echo "FAIL: output lacks: $text" >&2
        exit 1
    fi
done || failed=1
printf '%s' "$unexpected_texts" | while IFS= read -r text; do
    [ -n "$text" ] || continue
    if grep -qxF -- "$text" "$output"; then
        echo "FAIL: output has: $text" >&2
        exit 1
    fi
done || failed=1
if [ -n "$(ls -A "$TMPDIR")" ]; then
    echo "FAIL: osprey left files behind in TMPDIR:" >&2
    ls -lA "$TMPDIR" >&2
    failed=1
fi
if ls "$work/out" | grep -q partial; then
    echo "FAIL: a partial image was left behind" >&2
    failed=1
fi
exit $failed
