// mount(2) and umount2 of ext4 by the program, for guest.volume.ext4_mount (ext4_mount.sh).
// An ordinary Linux program; run as root in a VM with four disks, named by serial:
//
//   ext4_mount DATA BOOTED BLANK READONLY
//     DATA      an ext4 image attached without a guest path (the program mounts it)
//     BOOTED    an ext4 image the kernel mounted on /vol at boot, holding a block special
//               file `nodisk` whose device number no disk has
//     BLANK     zeros: no file system
//     READONLY  an ext4 image attached read-only, holding `hello`
//
// The disks are found by their serial numbers in /sys/block/NAME/serial, as on Linux.
// What Linux answers is the reference: ENOENT, EINVAL, ENOTBLK, ENXIO, EACCES, EBUSY,
// ENODEV for a bad mount; EROFS for a write to a read-only mount; EPERM for a user.
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "volume_program.h"

#define PATTERN_BYTES (300 * 1024)
static const char kKept[] = "kept across umount\n";
static const char kThird[] = "and a third mount\n";

static void check(int ok, const char* what) {
    if (!ok) {
        fprintf(stderr, "FAIL: %s\n", what);
        exit(1);
    }
}

// A call that must fail with `want`.
static void expect_errno(long result, int want, const char* what) {
    if (result >= 0) {
        fprintf(stderr, "FAIL: %s succeeded; expected %s\n", what, strerror(want));
        exit(1);
    }
    if (errno != want) {
        fprintf(stderr, "FAIL: %s: %s; expected %s\n", what, strerror(errno), strerror(want));
        exit(1);
    }
}
#define EXPECT_ERRNO(call, want) expect_errno((long)(call), want, #call)
#define MUST(call) \
    do { \
        if ((long)(call) < 0) fail(#call, ""); \
    } while (0)

// "/dev/vdX" for the disk with this serial number.
static char* device_of(const char* serial) {
    static char paths[4][64];
    static int used;
    DIR* dir = opendir("/sys/block");
    if (!dir) fail("opendir", "/sys/block");
    struct dirent* entry;
    while ((entry = readdir(dir))) {
        if (entry->d_name[0] == '.') continue;
        char path[300], text[64] = "";
        snprintf(path, sizeof path, "/sys/block/%s/serial", entry->d_name);
        int fd = open(path, O_RDONLY);
        if (fd < 0) continue;
        ssize_t n = read(fd, text, sizeof text - 1);
        close(fd);
        if (n > 0 && text[n - 1] == '\n') n--;
        if (n < 0 || (size_t)n != strlen(serial) || memcmp(text, serial, n)) continue;
        char* out = paths[used++ % 4];
        snprintf(out, 64, "/dev/%s", entry->d_name);
        closedir(dir);
        return out;
    }
    fprintf(stderr, "FAIL: no disk has the serial %s in /sys/block\n", serial);
    exit(1);
}

static void write_all(const char* path, const void* data, size_t size, int flags) {
    int fd = open(path, O_WRONLY | O_CREAT | flags, 0644);
    if (fd < 0) fail("open for writing", path);
    if (write(fd, data, size) != (ssize_t)size) fail("write", path);
    if (close(fd)) fail("close", path);
}

static size_t read_all(const char* path, void* out, size_t capacity) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) fail("open for reading", path);
    size_t done = 0;
    for (ssize_t n; done < capacity && (n = read(fd, (char*)out + done, capacity - done)) != 0; done += n)
        if (n < 0) fail("read", path);
    close(fd);
    return done;
}

static unsigned char pattern_byte(size_t at) { return (unsigned char)(mix(at / 8) >> (8 * (at % 8))); }

// Whether ext4's needs_recovery flag is set in the superblock on the disk itself (read
// raw): set while a journal is live, cleared when the unmount stopped it.
static int needs_recovery(const char* device) {
    unsigned char incompat;
    int fd = open(device, O_RDONLY);
    if (fd < 0) fail("open", device);
    if (pread(fd, &incompat, 1, 1024 + 0x60) != 1) fail("pread", device);
    close(fd);
    return (incompat & 4) != 0;
}

// Whether /proc/mounts has "DEVICE PATH ext4 MODE,..." (mode "rw" or "ro"); any device
// for a null one.
static int mounted_at(const char* device, const char* path, const char* mode) {
    char text[4096], needle[128];
    size_t n = read_all("/proc/mounts", text, sizeof text - 1);
    text[n] = 0;
    snprintf(needle, sizeof needle, "%s %s ext4 %s,", device ? device : "", path, mode);
    return strstr(text, needle) != NULL;
}

int main(int argc, char** argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: ext4_mount DATA BOOTED BLANK READONLY (serial numbers)\n");
        return 2;
    }
    const char* data = device_of(argv[1]);
    const char* booted = device_of(argv[2]);
    const char* blank = device_of(argv[3]);
    const char* readonly = device_of(argv[4]);
    struct stat st;
    MUST(stat(data, &st));
    check(S_ISBLK(st.st_mode) && major(st.st_rdev) == 254, "the disk is a block special file of major 254");
    if (mkdir("/mnt", 0755) && errno != EEXIST) fail("mkdir", "/mnt");
    if (mkdir("/mnt2", 0755) && errno != EEXIST) fail("mkdir", "/mnt2");

    // What is refused, and why.
    EXPECT_ERRNO(mount("/no/such/disk", "/mnt", "ext4", 0, NULL), ENOENT);
    EXPECT_ERRNO(mount(NULL, "/mnt", "ext4", 0, NULL), EINVAL);
    EXPECT_ERRNO(mount("/dev/null", "/mnt", "ext4", 0, NULL), ENOTBLK);
    EXPECT_ERRNO(mount("/mnt2", "/mnt", "ext4", 0, NULL), ENOTBLK);
    EXPECT_ERRNO(mount("/vol/nodisk", "/mnt", "ext4", 0, NULL), ENXIO);
    EXPECT_ERRNO(mount(booted, "/mnt", "ext4", 0, NULL), EBUSY);
    EXPECT_ERRNO(mount(blank, "/mnt", "ext4", 0, NULL), EINVAL);
    EXPECT_ERRNO(mount(readonly, "/mnt", "ext4", 0, NULL), EACCES);
    EXPECT_ERRNO(mount(data, "/mnt", "no-such-fs", 0, NULL), ENODEV);
    EXPECT_ERRNO(mount(data, "/mnt/kept.txt", "ext4", 0, NULL), ENOENT);
    EXPECT_ERRNO(mount(data, "/dev/null", "ext4", 0, NULL), ENOTDIR);

    // Read-write: written, held against a second mount, unmounted clean.
    MUST(mount(data, "/mnt", "ext4", 0, NULL));
    struct statfs sf;
    MUST(statfs("/mnt", &sf));
    check(sf.f_type == 0xEF53 && !(sf.f_flags & ST_RDONLY), "statfs says ext4, writable");
    check(mounted_at(data, "/mnt", "rw"), "/proc/mounts lists the disk on /mnt as ext4, rw");
    EXPECT_ERRNO(mount(data, "/mnt2", "ext4", 0, NULL), EBUSY);
    EXPECT_ERRNO(mount(data, "/mnt2", "ext4", MS_RDONLY, NULL), EBUSY);
    write_all("/mnt/kept.txt", kKept, sizeof kKept - 1, O_TRUNC);
    static unsigned char pattern[PATTERN_BYTES], back[PATTERN_BYTES + 1];
    for (size_t i = 0; i < PATTERN_BYTES; i++) pattern[i] = pattern_byte(i);
    MUST(mkdir("/mnt/dir", 0755));
    write_all("/mnt/dir/pattern", pattern, PATTERN_BYTES, O_TRUNC);
    check(needs_recovery(data), "the journal is live while mounted read-write");
    int open_file = open("/mnt/kept.txt", O_RDONLY);
    MUST(open_file);
    EXPECT_ERRNO(umount2("/mnt", 0), EBUSY);
    MUST(close(open_file));
    MUST(umount2("/mnt", 0));
    check(!mounted_at(NULL, "/mnt", "rw"), "/mnt is gone from /proc/mounts");
    EXPECT_ERRNO(access("/mnt/kept.txt", F_OK), ENOENT);
    check(!needs_recovery(data), "umount stopped the journal");
    printf("read-write mount written and unmounted\n");

    // Read-only (MS_RDONLY): what was written is there; every change is EROFS.
    MUST(mount(data, "/mnt", "ext4", MS_RDONLY, NULL));
    char text[256];
    size_t n = read_all("/mnt/kept.txt", text, sizeof text);
    check(n == sizeof kKept - 1 && !memcmp(text, kKept, n), "the file written before umount reads back");
    check(read_all("/mnt/dir/pattern", back, sizeof back) == PATTERN_BYTES && !memcmp(back, pattern, PATTERN_BYTES),
          "the 300 KiB file reads back byte for byte");
    EXPECT_ERRNO(open("/mnt/new", O_WRONLY | O_CREAT, 0644), EROFS);
    EXPECT_ERRNO(open("/mnt/kept.txt", O_WRONLY), EROFS);
    EXPECT_ERRNO(mkdir("/mnt/other", 0755), EROFS);
    EXPECT_ERRNO(unlink("/mnt/kept.txt"), EROFS);
    EXPECT_ERRNO(rename("/mnt/kept.txt", "/mnt/moved"), EROFS);
    EXPECT_ERRNO(mount(data, "/mnt2", "ext4", 0, NULL), EBUSY);
    check(mounted_at(data, "/mnt", "ro"), "/proc/mounts lists the disk on /mnt as ext4, ro");
    MUST(statfs("/mnt", &sf));
    check(sf.f_flags & ST_RDONLY, "statfs says ST_RDONLY");
    check(!needs_recovery(data), "a read-only mount starts no journal");
    MUST(umount2("/mnt", 0));
    printf("read-only mount read back, changes refused with EROFS\n");

    // A read-only disk mounts with MS_RDONLY.
    MUST(mount(readonly, "/mnt2", "ext4", MS_RDONLY, NULL));
    n = read_all("/mnt2/hello", text, sizeof text);
    check(n == 15 && !memcmp(text, "read-only disk\n", 15), "the read-only disk's file reads");
    EXPECT_ERRNO(open("/mnt2/new", O_WRONLY | O_CREAT, 0644), EROFS);
    MUST(umount2("/mnt2", 0));

    // The disk the kernel mounted at boot is free for mount(2) once unmounted.
    MUST(umount2("/vol", 0));
    MUST(mount(booted, "/mnt2", "ext4", 0, NULL));
    MUST(lstat("/mnt2/nodisk", &st));
    check(S_ISBLK(st.st_mode), "the boot volume's block special file is there");
    write_all("/mnt2/after-boot.txt", kKept, sizeof kKept - 1, O_TRUNC);
    // Left mounted: the kernel stops its journal when the program ends.

    // A third mount, read-write again, after a read-only one; through a symlink to the
    // device, which is followed as Linux does.
    MUST(symlink(data, "/tmp/data-disk"));
    MUST(mount("/tmp/data-disk", "/mnt", "ext4", 0, NULL));
    write_all("/mnt/kept.txt", kThird, sizeof kThird - 1, O_APPEND);
    MUST(umount2("/mnt", 0));
    printf("the boot volume remounted by the program; a third mount appended\n");

    // Not root: EPERM for both calls.
    MUST(setresgid(1000, 1000, 1000));
    MUST(setresuid(1000, 1000, 1000));
    EXPECT_ERRNO(mount(data, "/mnt", "ext4", MS_RDONLY, NULL), EPERM);
    EXPECT_ERRNO(umount2("/mnt2", 0), EPERM);
    printf("ok: ext4 mount(2) and umount2\n");
    return 0;
}
