// stat, lstat, fstat, newfstatat and statx agree on type, mode, size, link count, owner and
// times; nlink follows link/unlink and mkdir/rmdir; utimensat sets times to the nanosecond,
// UTIME_OMIT and UTIME_NOW; writes move mtime; statfs/fstatfs report tmpfs for /dev/shm.
//   stat                 the checks above (compared with the host)
//   stat --fstype PATH   prints PATH's f_type by name (the guest test checks /tmp is tmpfs;
//                        on the host /tmp may be on the disk)
#include "fs_test.h"

#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <time.h>

#ifndef STATX_BASIC_STATS  // musl 1.2.3 has no statx: the kernel's layout
#define STATX_TYPE 0x001U
#define STATX_MODE 0x002U
#define STATX_NLINK 0x004U
#define STATX_UID 0x008U
#define STATX_GID 0x010U
#define STATX_ATIME 0x020U
#define STATX_MTIME 0x040U
#define STATX_CTIME 0x080U
#define STATX_INO 0x100U
#define STATX_SIZE 0x200U
#define STATX_BLOCKS 0x400U
#define STATX_BASIC_STATS 0x7ffU
struct statx_timestamp {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t reserved;
};
struct statx {
    uint32_t stx_mask, stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink, stx_uid, stx_gid;
    uint16_t stx_mode, pad1;
    uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
    struct statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
    uint64_t spare[14];
};
#endif

static long do_statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *stx) {
    return syscall(SYS_statx, dirfd, path, flags, mask, stx);
}

// The same file through all five calls.
static void same_everywhere(const char *path, mode_t mode, off_t size, nlink_t nlink) {
    struct stat a, b, c, d;
    struct statx x;
    OK(stat(path, &a));
    OK(lstat(path, &b));
    int fd = OK(open(path, O_RDONLY | O_NOFOLLOW));
    OK(fstat(fd, &c));
    OK(fstatat(AT_FDCWD, path, &d, AT_SYMLINK_NOFOLLOW));
    OK(do_statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &x));
    close(fd);
    struct stat *all[] = {&a, &b, &c, &d};
    for (int i = 0; i < 4; i++) {
        EQ(all[i]->st_mode, mode);
        if (S_ISREG(mode))
            EQ(all[i]->st_size, size);
        EQ(all[i]->st_nlink, nlink);
        EQ(all[i]->st_ino, a.st_ino);
        EQ(all[i]->st_dev, a.st_dev);
        EQ(all[i]->st_uid, getuid());
        EQ(all[i]->st_gid, getgid());
        EQ(all[i]->st_mtim.tv_sec, a.st_mtim.tv_sec);
        EQ(all[i]->st_mtim.tv_nsec, a.st_mtim.tv_nsec);
        CHECK(all[i]->st_blksize > 0, "st_blksize is 0");
    }
    EQ(x.stx_mask & STATX_BASIC_STATS & ~STATX_BLOCKS, STATX_BASIC_STATS & ~STATX_BLOCKS);
    EQ(x.stx_mode, mode);
    if (S_ISREG(mode))
        EQ(x.stx_size, size);
    EQ(x.stx_nlink, nlink);
    EQ(x.stx_ino, a.st_ino);
    EQ(x.stx_uid, getuid());
    EQ(x.stx_gid, getgid());
    EQ(x.stx_mtime.tv_sec, a.st_mtim.tv_sec);
    EQ(x.stx_mtime.tv_nsec, a.st_mtim.tv_nsec);
    EQ(x.stx_atime.tv_sec, a.st_atim.tv_sec);
    EQ(x.stx_ctime.tv_sec, a.st_ctim.tv_sec);
    EQ(makedev(x.stx_dev_major, x.stx_dev_minor), a.st_dev);
}

static void fields(void) {
    umask(022);
    write_file("file", "0123456789");
    same_everywhere("file", S_IFREG | 0644, 10, 1);
    ok("stat, lstat, fstat, newfstatat and statx agree on a regular file");

    OK(mkdir("dir", 0750));
    same_everywhere("dir", S_IFDIR | 0750, 0, 2);
    OK(mkdir("dir/sub1", 0755));
    OK(mkdir("dir/sub2", 0755));
    write_file("dir/f", "x");
    struct stat st;
    OK(stat("dir", &st));
    EQ(st.st_nlink, 4);
    OK(rmdir("dir/sub2"));
    OK(stat("dir", &st));
    EQ(st.st_nlink, 3);
    OK(stat("dir/sub1", &st));
    EQ(st.st_nlink, 2);
    ok("a directory has nlink 2 + subdirectories, following mkdir and rmdir");

    OK(symlink("file", "link"));
    struct stat l;
    OK(lstat("link", &l));
    EQ(l.st_mode & S_IFMT, S_IFLNK);
    EQ(l.st_size, 4);
    struct statx x;
    OK(do_statx(AT_FDCWD, "link", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &x));
    EQ(x.stx_mode & S_IFMT, S_IFLNK);
    EQ(x.stx_size, 4);
    OK(do_statx(AT_FDCWD, "link", 0, STATX_BASIC_STATS, &x));
    EQ(x.stx_mode, S_IFREG | 0644);
    EQ(x.stx_size, 10);
    int fd = OK(open("file", O_RDONLY));
    OK(do_statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &x));
    EQ(x.stx_size, 10);
    close(fd);
    ok("lstat and statx(AT_SYMLINK_NOFOLLOW) describe the link, statx follows it without");

    // Link counts.
    OK(link("file", "hard1"));
    OK(link("file", "dir/hard2"));
    same_everywhere("file", S_IFREG | 0644, 10, 3);
    same_everywhere("dir/hard2", S_IFREG | 0644, 10, 3);
    OK(unlink("hard1"));
    OK(stat("file", &st));
    EQ(st.st_nlink, 2);
    fd = OK(open("dir/hard2", O_RDWR));
    OK(unlink("dir/hard2"));
    OK(unlink("file"));
    OK(fstat(fd, &st));
    EQ(st.st_nlink, 0);
    EQ(st.st_size, 10);
    // An unlinked open file still reads and writes.
    OK(pwrite(fd, "AB", 2, 10));
    char buf[16] = {0};
    EQ(pread(fd, buf, sizeof buf, 0), 12);
    STREQ(buf, "0123456789AB");
    close(fd);
    ok("nlink follows link and unlink down to 0; an unlinked open file still works");

    // Sizes and blocks after writes.
    fd = OK(open("grow", O_RDWR | O_CREAT, 0600));
    char block[4096];
    memset(block, 'g', sizeof block);
    for (int i = 0; i < 5; i++)
        EQ(write(fd, block, sizeof block), sizeof block);
    OK(fstat(fd, &st));
    EQ(st.st_size, 5 * 4096);
    CHECK(st.st_blocks * 512 >= 5 * 4096, "st_blocks %ld too small for 20 KiB", (long)st.st_blocks);
    close(fd);
    ok("st_size and st_blocks after 20 KiB of writes");
}

static void times(void) {
    write_file("t", "x");
    struct timespec ts[2] = {{1000000000, 123456789}, {1234567890, 987654321}};
    OK(utimensat(AT_FDCWD, "t", ts, 0));
    struct stat st;
    OK(stat("t", &st));
    EQ(st.st_atim.tv_sec, 1000000000);
    EQ(st.st_atim.tv_nsec, 123456789);
    EQ(st.st_mtim.tv_sec, 1234567890);
    EQ(st.st_mtim.tv_nsec, 987654321);
    struct statx x;
    OK(do_statx(AT_FDCWD, "t", 0, STATX_ATIME | STATX_MTIME, &x));
    EQ(x.stx_atime.tv_sec, 1000000000);
    EQ(x.stx_atime.tv_nsec, 123456789);
    EQ(x.stx_mtime.tv_sec, 1234567890);
    EQ(x.stx_mtime.tv_nsec, 987654321);
    ok("utimensat sets atime and mtime to the nanosecond (stat and statx)");

    struct timespec omit[2] = {{0, UTIME_OMIT}, {1500000000, 5}};
    OK(utimensat(AT_FDCWD, "t", omit, 0));
    OK(stat("t", &st));
    EQ(st.st_atim.tv_sec, 1000000000);
    EQ(st.st_mtim.tv_sec, 1500000000);
    EQ(st.st_mtim.tv_nsec, 5);
    ok("UTIME_OMIT leaves a time alone");

    time_t before = time(NULL);
    struct timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
    OK(utimensat(AT_FDCWD, "t", now, 0));
    OK(stat("t", &st));
    time_t after = time(NULL);
    CHECK(st.st_mtim.tv_sec >= before - 1 && st.st_mtim.tv_sec <= after + 1,
          "UTIME_NOW mtime %ld not within [%ld, %ld]", (long)st.st_mtim.tv_sec, (long)before,
          (long)after);
    CHECK(st.st_atim.tv_sec >= before - 1 && st.st_atim.tv_sec <= after + 1,
          "UTIME_NOW atime %ld not within [%ld, %ld]", (long)st.st_atim.tv_sec, (long)before,
          (long)after);
    OK(utimensat(AT_FDCWD, "t", NULL, 0));
    OK(stat("t", &st));
    CHECK(st.st_mtim.tv_sec >= before - 1 && st.st_mtim.tv_sec <= after + 1,
          "utimensat(NULL) mtime %ld not now", (long)st.st_mtim.tv_sec);
    ok("UTIME_NOW and a NULL times array set the current time");

    // futimens on a descriptor, utimensat on a symlink itself.
    int fd = OK(open("t", O_RDWR));
    OK(futimens(fd, ts));
    OK(fstat(fd, &st));
    EQ(st.st_mtim.tv_sec, 1234567890);
    // A write moves mtime and ctime to now.
    OK(write(fd, "y", 1));
    OK(fstat(fd, &st));
    CHECK(st.st_mtim.tv_sec >= before - 1, "write did not update mtime (%ld)",
          (long)st.st_mtim.tv_sec);
    CHECK(st.st_ctim.tv_sec >= before - 1, "write did not update ctime (%ld)",
          (long)st.st_ctim.tv_sec);
    close(fd);
    OK(symlink("t", "tl"));
    OK(utimensat(AT_FDCWD, "tl", ts, AT_SYMLINK_NOFOLLOW));
    OK(lstat("tl", &st));
    EQ(st.st_mtim.tv_sec, 1234567890);
    OK(stat("tl", &st));
    CHECK(st.st_mtim.tv_sec != 1234567890, "AT_SYMLINK_NOFOLLOW changed the target's time");
    ok("futimens; a write updates mtime and ctime; utimensat(AT_SYMLINK_NOFOLLOW) sets the link's");

    // Creating an entry updates the directory's mtime.
    OK(mkdir("timed", 0755));
    OK(utimensat(AT_FDCWD, "timed", ts, 0));
    write_file("timed/new", "n");
    OK(stat("timed", &st));
    CHECK(st.st_mtim.tv_sec >= before - 1, "creating a file did not update the directory's mtime");
    ok("creating a file updates its directory's mtime");
}

static void filesystems(void) {
    struct statfs sf;
    OK(statfs("/dev/shm", &sf));
    EQ(sf.f_type, TMPFS_MAGIC);
    int fd = OK(open("/dev/shm", O_RDONLY | O_DIRECTORY));
    OK(fstatfs(fd, &sf));
    EQ(sf.f_type, TMPFS_MAGIC);
    CHECK(sf.f_bsize > 0, "f_bsize 0");
    CHECK(sf.f_namelen >= 255, "f_namelen %ld", (long)sf.f_namelen);
    close(fd);
    ERR(statfs("/missing-osprey-fs-test", &sf), ENOENT);
    ok("statfs and fstatfs of /dev/shm report TMPFS_MAGIC");

    // Different mounts have different st_dev; one mount one st_dev.
    struct stat a, b, c;
    OK(stat("/dev/shm", &a));
    OK(stat("/", &b));
    CHECK(a.st_dev != b.st_dev, "/dev/shm and / have the same st_dev");
    OK(stat(".", &c));
    struct stat d;
    write_file("file_for_dev", "d");
    OK(stat("file_for_dev", &d));
    EQ(d.st_dev, c.st_dev);
    ok("st_dev differs between mounts and is the same within one");
}

static const char *fs_name(long type) {
    switch (type) {
    case TMPFS_MAGIC: return "TMPFS_MAGIC";
    case RAMFS_MAGIC: return "RAMFS_MAGIC";
    case PROC_SUPER_MAGIC: return "PROC_SUPER_MAGIC";
    case SYSFS_MAGIC: return "SYSFS_MAGIC";
    case EXT4_SUPER_MAGIC: return "EXT4_SUPER_MAGIC";
    case DEVPTS_SUPER_MAGIC: return "DEVPTS_SUPER_MAGIC";
    default: return "other";
    }
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--fstype") == 0) {
        struct statfs sf;
        OK(statfs(argv[2], &sf));
        printf("%s: %s (%#lx)\n", argv[2], fs_name((long)sf.f_type), (long)sf.f_type);
        return 0;
    }
    make_test_dir();
    fields();
    times();
    filesystems();
    return 0;
}
