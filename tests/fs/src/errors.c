// The error cases issue 7 names, each from several calls: ENOENT, EEXIST, ENOTDIR, EISDIR,
// ENOTEMPTY, EBADF, ELOOP, EXDEV (rename and link between file systems: /tmp, /dev/shm,
// which is tmpfs on Linux and in Osprey, and the directory of this binary, on the root file
// system in Osprey and on the disk on the host), EAGAIN on an empty non-blocking pipe, and
// a few neighbours (EINVAL, ESPIPE, EPIPE, ENAMETOOLONG).
#include "fs_test.h"

#include <signal.h>
#include <sys/uio.h>

int main(int argc, char **argv) {
    (void)argc;
    const char *top = make_test_dir();
    struct stat st;
    char buf[64];

    // ENOENT.
    ERR(open("missing", O_RDONLY), ENOENT);
    ERR(open("missing/file", O_WRONLY | O_CREAT, 0644), ENOENT);
    ERR(stat("missing", &st), ENOENT);
    ERR(unlink("missing"), ENOENT);
    ERR(rmdir("missing"), ENOENT);
    ERR(rename("missing", "other"), ENOENT);
    ERR(link("missing", "other"), ENOENT);
    ERR(mkdir("missing/sub", 0755), ENOENT);
    ERR(chdir("missing"), ENOENT);
    ERR(truncate("missing", 0), ENOENT);
    ERR(chmod("missing", 0644), ENOENT);
    ERR(readlink("missing", buf, sizeof buf), ENOENT);
    ERR(access("missing", F_OK), ENOENT);
    OK(symlink("missing", "dangling"));
    ERR(stat("dangling", &st), ENOENT);
    ERR(open("dangling", O_RDONLY), ENOENT);
    ok("ENOENT: open, O_CREAT in a missing directory, stat, unlink, rmdir, rename, link, mkdir, "
       "chdir, truncate, chmod, readlink, access, a dangling symlink");

    // A directory removed while open: no listing, nothing made in it (its file system's
    // own check: ext4 once listed it as empty).
    OK(mkdir("removed", 0755));
    int removed = OK(open("removed", O_RDONLY | O_DIRECTORY));
    OK(rmdir("removed"));
    char entries[1024];
    ERR(syscall(SYS_getdents64, removed, entries, sizeof entries), ENOENT);
    ERR(openat(removed, "new", O_WRONLY | O_CREAT, 0644), ENOENT);
    ERR(mkdirat(removed, "sub", 0755), ENOENT);
    close(removed);
    ok("ENOENT in a directory removed while open: getdents64, openat O_CREAT, mkdirat");

    // EEXIST.
    write_file("file", "data\n");
    OK(mkdir("dir", 0755));
    ERR(open("file", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
    ERR(mkdir("file", 0755), EEXIST);
    ERR(mkdir("dir", 0755), EEXIST);
    ERR(mkdir("dangling", 0755), EEXIST);
    ERR(link("file", "dir"), EEXIST);
    ERR(link("file", "dangling"), EEXIST);
    ERR(symlink("x", "file"), EEXIST);
    ERR(syscall(SYS_renameat2, AT_FDCWD, "file", AT_FDCWD, "dangling", RENAME_NOREPLACE), EEXIST);
    // "." and ".." always exist: nothing can be made under those names (sysfuzz found a
    // symlink named "." that no rmdir could then remove).
    ERR(symlink("file", "."), EEXIST);
    ERR(symlink("file", "dir/.."), EEXIST);
    ERR(link("file", "."), EEXIST);
    ERR(link("file", "dir/.."), EEXIST);
    ERR(mkdir("dir/.", 0755), EEXIST);
    ok("EEXIST: O_EXCL, mkdir over a file, a directory and a symlink, link, symlink, "
       "RENAME_NOREPLACE");

    // ENOTDIR.
    ERR(open("file/x", O_RDONLY), ENOTDIR);
    ERR(open("file/x", O_WRONLY | O_CREAT, 0644), ENOTDIR);
    ERR(mkdir("file/x", 0755), ENOTDIR);
    ERR(open("file", O_RDONLY | O_DIRECTORY), ENOTDIR);
    ERR(rmdir("file"), ENOTDIR);
    ERR(chdir("file"), ENOTDIR);
    ERR(stat("file/", &st), ENOTDIR);
    ERR(rename("dir", "file"), ENOTDIR);
    ERR(unlinkat(AT_FDCWD, "file", AT_REMOVEDIR), ENOTDIR);
    int filefd = OK(open("file", O_RDONLY));
    ERR(openat(filefd, "x", O_RDONLY), ENOTDIR);
    ERR(syscall(SYS_getdents64, filefd, buf, sizeof buf), ENOTDIR);
    ok("ENOTDIR: a file as a path component, O_DIRECTORY, rmdir, chdir, a trailing slash, "
       "renaming a directory over a file, openat and getdents64 on a file");

    // EISDIR.
    ERR(open("dir", O_WRONLY), EISDIR);
    ERR(open("dir", O_RDWR), EISDIR);
    ERR(open("dir", O_WRONLY | O_CREAT, 0644), EISDIR);
    ERR(unlink("dir"), EISDIR);
    ERR(unlink("."), EISDIR);
    ERR(unlink("dir/.."), EISDIR);
    ERR(rename("file", "dir"), EISDIR);
    ERR(truncate("dir", 0), EISDIR);
    int dirfd = OK(open("dir", O_RDONLY | O_DIRECTORY));
    ERR(read(dirfd, buf, sizeof buf), EISDIR);
    ERR(pread(dirfd, buf, sizeof buf, 0), EISDIR);
    ok("EISDIR: opening a directory for writing, unlink, renaming a file over a directory, "
       "truncate, read and pread of a directory");

    // EBUSY: a mount point (/proc is one on Linux and in Osprey) neither moves nor goes
    // (sysfuzz once renamed /tmp's mount point away).
    ERR(rename("/proc", "/proc-moved"), EBUSY);
    ERR(rmdir("/proc"), EBUSY);
    ERR(rename(".", "elsewhere"), EBUSY);
    ok("EBUSY: renaming or removing a mount point, renaming \".\"");

    // ENOTEMPTY.
    write_file("dir/inside", "x");
    ERR(rmdir("dir"), ENOTEMPTY);
    ERR(unlinkat(AT_FDCWD, "dir", AT_REMOVEDIR), ENOTEMPTY);
    OK(mkdir("dir2", 0755));
    OK(mkdir("dir2/sub", 0755));
    ERR(rename("dir2", "dir"), ENOTEMPTY);
    OK(rename("dir", "dir2/sub"));  // over an empty directory: allowed
    OK(stat("dir2/sub/inside", &st));
    ok("ENOTEMPTY: rmdir, unlinkat(AT_REMOVEDIR), rename over a non-empty directory; "
       "rename over an empty one works");

    // EINVAL around directories.
    ERR(rename("dir2", "dir2/sub/into_itself"), EINVAL);
    ERR(rmdir("."), EINVAL);
    ERR(rmdir("dir2/sub/."), EINVAL);
    ok("EINVAL: renaming a directory into itself, rmdir of '.'");

    // EBADF.
    ERR(read(999, buf, 1), EBADF);
    ERR(write(999, buf, 1), EBADF);
    ERR(close(999), EBADF);
    ERR(close(-1), EBADF);
    ERR(fstat(999, &st), EBADF);
    ERR(lseek(999, 0, SEEK_SET), EBADF);
    ERR(dup(999), EBADF);
    ERR(dup2(999, 5), EBADF);
    ERR(fcntl(999, F_GETFD), EBADF);
    ERR(fchdir(999), EBADF);
    ERR(fsync(999), EBADF);
    ERR(ftruncate(999, 0), EBADF);
    int closed = OK(dup(filefd));
    OK(close(closed));
    ERR(read(closed, buf, 1), EBADF);
    ERR(close(closed), EBADF);
    ERR(write(filefd, "x", 1), EBADF);  // opened O_RDONLY
    ERR(ftruncate(filefd, 0), EINVAL);  // Linux: EINVAL for a fd not open for writing
    int wfd = OK(open("file", O_WRONLY));
    ERR(read(wfd, buf, 1), EBADF);
    close(wfd);
    ok("EBADF: unopened, closed and wrong-mode descriptors in read, write, close, fstat, lseek, "
       "dup, dup2, fcntl, fchdir, fsync, ftruncate");

    // ELOOP.
    OK(symlink("loop_b", "loop_a"));
    OK(symlink("loop_a", "loop_b"));
    ERR(open("loop_a", O_RDONLY), ELOOP);
    ERR(stat("loop_a", &st), ELOOP);
    ERR(open("loop_a/x", O_WRONLY | O_CREAT, 0644), ELOOP);
    ERR(chdir("loop_a"), ELOOP);
    OK(symlink("file", "to_file"));
    ERR(open("to_file", O_RDONLY | O_NOFOLLOW), ELOOP);
    ok("ELOOP: a symlink loop (open, stat, as a component, chdir) and O_NOFOLLOW");

    // EXDEV: rename and link across mounts.
    write_file("cross", "x");
    char shm[64], shm_path[PATH_MAX];
    snprintf(shm, sizeof shm, "/dev/shm/osprey-fs-test-xdev-%d", (int)getpid());
    OK(mkdir(shm, 0755));
    remove_at_exit(shm);
    snprintf(shm_path, sizeof shm_path, "%s/cross", shm);
    ERR(rename("cross", shm_path), EXDEV);
    ERR(link("cross", shm_path), EXDEV);
    snprintf(shm_path, sizeof shm_path, "%s/back", shm);
    write_file(shm_path, "y");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/back", top);
    ERR(rename(shm_path, path), EXDEV);
    snprintf(path, sizeof path, "%s/osprey-fs-test-xdev-never-created", exe_dir(argv[0]));
    ERR(rename(shm_path, path), EXDEV);
    ERR(link(shm_path, path), EXDEV);
    ERR(access(path, F_OK), ENOENT);
    OK(stat(shm_path, &st));
    remove_tree(shm);
    ok("EXDEV: rename and link between /tmp and /dev/shm and between /dev/shm and the root, "
       "leaving the source in place");

    // EAGAIN on an empty non-blocking pipe; EPIPE with no reader.
    int p[2];
    OK(pipe2(p, O_NONBLOCK));
    ERR(read(p[0], buf, sizeof buf), EAGAIN);
    signal(SIGPIPE, SIG_IGN);
    OK(close(p[0]));
    ERR(write(p[1], "x", 1), EPIPE);
    close(p[1]);
    OK(pipe(p));
    OK(fcntl(p[0], F_SETFL, O_NONBLOCK));
    ERR(read(p[0], buf, sizeof buf), EAGAIN);
    close(p[1]);
    EQ(read(p[0], buf, sizeof buf), 0);  // no writer: end of file, not EAGAIN
    close(p[0]);
    ok("EAGAIN on an empty non-blocking pipe (pipe2 and F_SETFL), EOF once the writer closes, "
       "EPIPE with no reader");

    // ESPIPE, EINVAL, ENAMETOOLONG.
    OK(pipe(p));
    ERR(lseek(p[0], 0, SEEK_SET), ESPIPE);
    ERR(pread(p[0], buf, 1, 0), ESPIPE);
    close(p[0]);
    close(p[1]);
    ERR(lseek(filefd, -1, SEEK_SET), EINVAL);
    ERR(lseek(filefd, 0, 42), EINVAL);
    ERR(open("file", O_RDONLY | O_CREAT | O_DIRECTORY, 0644), EINVAL);
    char longname[300];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    ERR(open(longname, O_RDONLY | O_CREAT, 0644), ENAMETOOLONG);
    ERR(mkdir(longname, 0755), ENAMETOOLONG);
    ok("ESPIPE on a pipe, EINVAL for a bad lseek and O_CREAT|O_DIRECTORY, ENAMETOOLONG");
    close(filefd);
    close(dirfd);
    return 0;
}
