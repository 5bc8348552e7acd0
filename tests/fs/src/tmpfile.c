// O_TMPFILE: an unnamed regular file in a directory's file system (tmpfs for /tmp and
// /dev/shm, the root file system next to this binary in Osprey, the disk on the host):
// readable and writable, nlink 0, in no listing; linkat(AT_EMPTY_PATH) gives it a name
// unless it was opened with O_EXCL, and only once while it has none; the errors Linux
// gives (EINVAL, ENOTDIR, ENOENT, EOPNOTSUPP on /proc, EXDEV across mounts).
#include "fs_test.h"

#include <sys/mman.h>

#ifndef O_TMPFILE
#define O_TMPFILE (020000000 | O_DIRECTORY)
#endif
#define O_TMPFILE_ONLY 020000000  // without O_DIRECTORY: EINVAL

static int count_entries(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) {
        FAIL("opendir %s: %s", dir, errno_name(errno));
        return -1;
    }
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

// An unnamed file in `dir`, written, read, mapped, then linked as `dir`/`name`.
static void unnamed_then_linked(const char *dir, const char *name, const char *where) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int before = count_entries(dir);
    int fd = OK(open(dir, O_TMPFILE | O_RDWR, 0640));
    if (fd < 0)
        return;
    EQ(count_entries(dir), before);
    EQ(write(fd, "hello, unnamed", 14), 14);
    char buf[32] = {0};
    EQ(pread(fd, buf, sizeof buf - 1, 0), 14);
    STREQ(buf, "hello, unnamed");
    struct stat st;
    OK(fstat(fd, &st));
    CHECK(S_ISREG(st.st_mode), "%s: not a regular file: %o", where, st.st_mode);
    EQ(st.st_mode & 07777, 0640 & ~022);
    EQ(st.st_nlink, 0);
    EQ(st.st_size, 14);
    char *map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(map != MAP_FAILED, "%s: mmap: %s", where, errno_name(errno));
    if (map != MAP_FAILED) {
        map[0] = 'H';
        munmap(map, 4096);
    }
    ok("%s: O_TMPFILE makes a regular file with no name (nlink 0, in no listing) that reads, "
       "writes and maps",
       where);

    OK(linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH));
    struct stat named;
    OK(stat(path, &named));
    EQ(named.st_ino, st.st_ino);
    EQ(named.st_nlink, 1);
    STREQ(read_file(path), "Hello, unnamed");
    EQ(count_entries(dir), before + 1);
    ERR(linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH), EEXIST);
    // Named once, it becomes an ordinary file: more names are fine...
    char second[PATH_MAX];
    snprintf(second, sizeof second, "%s.2", path);
    OK(linkat(fd, "", AT_FDCWD, second, AT_EMPTY_PATH));
    OK(fstat(fd, &st));
    EQ(st.st_nlink, 2);
    OK(unlink(second));
    OK(unlink(path));
    OK(fstat(fd, &st));
    EQ(st.st_nlink, 0);
    // ...but once it has lost them all, it cannot be linked again.
    ERR(linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH), ENOENT);
    ERR(access(path, F_OK), ENOENT);
    close(fd);
    ok("%s: linkat(AT_EMPTY_PATH) names it (same inode, data kept), EEXIST on a taken name; "
       "unlinked again it cannot be relinked (ENOENT)",
       where);

    fd = OK(open(dir, O_TMPFILE | O_WRONLY | O_EXCL, 0600));
    EQ(write(fd, "x", 1), 1);
    ERR(linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH), ENOENT);
    ERR(access(path, F_OK), ENOENT);
    close(fd);
    ok("%s: O_TMPFILE|O_EXCL: linkat fails with ENOENT", where);
}

int main(int argc, char **argv) {
    (void)argc;
    umask(022);
    const char *top = make_test_dir();
    unnamed_then_linked(top, "named", "/tmp");

    char shm[64];
    snprintf(shm, sizeof shm, "/dev/shm/osprey-fs-test-tmpfile-%d", (int)getpid());
    OK(mkdir(shm, 0755));
    remove_at_exit(shm);
    unnamed_then_linked(shm, "named", "/dev/shm");

    // Next to this binary: the root file system in Osprey.
    char beside[PATH_MAX];
    snprintf(beside, sizeof beside, "%s/osprey-fs-test-tmpfile-%d", exe_dir(argv[0]), (int)getpid());
    OK(mkdir(beside, 0755));
    remove_at_exit(beside);
    unnamed_then_linked(beside, "named", "the binary's directory");

    // An ordinary file that was opened and then unlinked cannot be linked back either.
    write_file("gone", "x");
    int fd = OK(open("gone", O_RDWR));
    OK(unlink("gone"));
    ERR(linkat(fd, "", AT_FDCWD, "back", AT_EMPTY_PATH), ENOENT);
    close(fd);
    ok("linkat(AT_EMPTY_PATH) of an unlinked ordinary file fails with ENOENT");

    // Errors.
    write_file("file", "x");
    ERR(open(".", O_TMPFILE | O_RDONLY, 0600), EINVAL);
    ERR(open(".", O_TMPFILE | O_RDWR | O_CREAT, 0600), EINVAL);
    ERR(open(".", O_TMPFILE_ONLY | O_RDWR, 0600), EINVAL);
    fd = OK(open(".", O_TMPFILE | O_RDWR | O_PATH, 0600));  // O_PATH drops O_TMPFILE
    struct stat st;
    OK(fstat(fd, &st));
    CHECK(S_ISDIR(st.st_mode), "O_TMPFILE|O_PATH opened a %o, not the directory", st.st_mode);
    close(fd);
    ERR(open("file", O_TMPFILE | O_RDWR, 0600), ENOTDIR);
    ERR(open("missing", O_TMPFILE | O_RDWR, 0600), ENOENT);
    ERR(open("missing/dir", O_TMPFILE | O_RDWR, 0600), ENOENT);
    ERR(open("/proc", O_TMPFILE | O_RDWR, 0600), EOPNOTSUPP);
    ok("O_TMPFILE errors: EINVAL read-only, with O_CREAT, without O_DIRECTORY (O_PATH drops it); "
       "ENOTDIR on a file; ENOENT for a missing directory; EOPNOTSUPP on /proc");

    // The name must be on the unnamed file's own file system.
    fd = OK(open(shm, O_TMPFILE | O_RDWR, 0600));
    ERR(linkat(fd, "", AT_FDCWD, "from_shm", AT_EMPTY_PATH), EXDEV);
    ERR(access("from_shm", F_OK), ENOENT);
    close(fd);
    // The directory may be given by a descriptor and an empty path is not one.
    int dirfd = OK(open(".", O_RDONLY | O_DIRECTORY));
    fd = OK(openat(dirfd, ".", O_TMPFILE | O_RDWR, 0600));
    OK(linkat(fd, "", dirfd, "via_dirfd", AT_EMPTY_PATH));
    close(fd);
    EQ(access("via_dirfd", F_OK), 0);
    ERR(openat(dirfd, "", O_TMPFILE | O_RDWR, 0600), ENOENT);
    close(dirfd);
    ok("O_TMPFILE: linkat across file systems fails with EXDEV; openat from a directory "
       "descriptor; an empty path ENOENT");
    return 0;
}
