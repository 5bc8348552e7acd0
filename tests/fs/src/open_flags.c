// open/openat/creat flags: O_CREAT (mode and umask), O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY,
// O_NOFOLLOW, O_CLOEXEC, O_PATH, O_NONBLOCK, O_RDONLY/O_WRONLY/O_RDWR access checks, and
// F_GETFL reporting them.
#include "fs_test.h"

int main(void) {
    make_test_dir();
    umask(022);
    struct stat st;
    char buf[64];

    // O_CREAT: creates with mode & ~umask, and opens an existing file without touching it.
    int fd = OK(open("f", O_WRONLY | O_CREAT, 0666));
    OK(fstat(fd, &st));
    EQ(st.st_mode, S_IFREG | 0644);
    EQ(st.st_size, 0);
    OK(write(fd, "hello", 5));
    close(fd);
    fd = OK(open("f", O_RDONLY | O_CREAT, 0600));
    OK(fstat(fd, &st));
    EQ(st.st_mode, S_IFREG | 0644);
    EQ(st.st_size, 5);
    close(fd);
    ERR(open("missing", O_RDONLY), ENOENT);
    fd = OK(creat("c", 0751));
    OK(fstat(fd, &st));
    EQ(st.st_mode, S_IFREG | (0751 & ~022));
    ERR(read(fd, buf, 1), EBADF);  // creat is O_WRONLY
    close(fd);
    ok("O_CREAT creates with mode & ~umask and leaves an existing file alone; creat is write-only");

    // O_EXCL.
    ERR(open("f", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
    fd = OK(open("g", O_WRONLY | O_CREAT | O_EXCL, 0600));
    close(fd);
    OK(symlink("nowhere", "dangling"));
    ERR(open("dangling", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
    ERR(lstat("nowhere", &st), ENOENT);
    ok("O_CREAT|O_EXCL fails with EEXIST on a file and on a dangling symlink");

    // O_TRUNC.
    fd = OK(open("f", O_RDWR | O_TRUNC));
    OK(fstat(fd, &st));
    EQ(st.st_size, 0);
    EQ(read(fd, buf, sizeof buf), 0);
    close(fd);
    write_file("t", "0123456789");
    fd = OK(open("t", O_RDONLY | O_TRUNC));  // Linux truncates even with O_RDONLY
    close(fd);
    OK(stat("t", &st));
    EQ(st.st_size, 0);
    ok("O_TRUNC empties the file");

    // O_APPEND: every write goes to the end, whatever the offset.
    write_file("ap", "abc");
    fd = OK(open("ap", O_RDWR | O_APPEND));
    EQ(lseek(fd, 0, SEEK_CUR), 0);
    OK(write(fd, "def", 3));
    EQ(lseek(fd, 0, SEEK_CUR), 6);
    OK(lseek(fd, 0, SEEK_SET));
    OK(write(fd, "ghi", 3));
    EQ(lseek(fd, 0, SEEK_CUR), 9);
    OK(lseek(fd, 0, SEEK_SET));
    EQ(read(fd, buf, sizeof buf), 9);
    CHECK(memcmp(buf, "abcdefghi", 9) == 0, "O_APPEND content wrong");
    int other = OK(open("ap", O_WRONLY));
    OK(write(other, "XY", 2));  // not O_APPEND: overwrites at 0
    close(other);
    OK(write(fd, "!", 1));
    close(fd);
    STREQ(read_file("ap"), "XYcdefghi!");
    EQ(fcntl(OK(open("ap", O_WRONLY | O_APPEND)), F_GETFL) & O_APPEND, O_APPEND);
    ok("O_APPEND writes at the end regardless of the offset");

    // O_DIRECTORY.
    OK(mkdir("d", 0755));
    fd = OK(open("d", O_RDONLY | O_DIRECTORY));
    close(fd);
    ERR(open("f", O_RDONLY | O_DIRECTORY), ENOTDIR);
    OK(symlink("d", "dlink"));
    fd = OK(open("dlink", O_RDONLY | O_DIRECTORY));
    close(fd);
    ok("O_DIRECTORY opens directories (also through a symlink), ENOTDIR on files");

    // O_NOFOLLOW.
    OK(symlink("f", "flink"));
    ERR(open("flink", O_RDONLY | O_NOFOLLOW), ELOOP);
    fd = OK(open("f", O_RDONLY | O_NOFOLLOW));
    close(fd);
    // Only the last component: a symlink earlier in the path is followed.
    write_file("d/inner", "inner");
    fd = OK(open("dlink/inner", O_RDONLY | O_NOFOLLOW));
    close(fd);
    ok("O_NOFOLLOW fails with ELOOP on a final symlink only");

    // O_CLOEXEC.
    fd = OK(open("f", O_RDONLY | O_CLOEXEC));
    EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    close(fd);
    fd = OK(open("f", O_RDONLY));
    EQ(fcntl(fd, F_GETFD), 0);
    OK(fcntl(fd, F_SETFD, FD_CLOEXEC));
    EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    EQ(fcntl(fd, F_GETFL) & O_CLOEXEC, 0);  // a descriptor flag, not a file status flag
    close(fd);
    ok("O_CLOEXEC shows in F_GETFD; F_SETFD sets it");

    // O_PATH: a handle for *at calls and fstat, no I/O.
    write_file("p", "path");
    fd = OK(open("p", O_PATH));
    ERR(read(fd, buf, 1), EBADF);
    ERR(write(fd, "x", 1), EBADF);
    OK(fstat(fd, &st));
    EQ(st.st_size, 4);
    EQ(fcntl(fd, F_GETFL) & O_PATH, O_PATH);
    close(fd);
    int dirpath = OK(open("d", O_PATH | O_DIRECTORY));
    STREQ(read_file_at(dirpath, "inner"), "inner");
    ERR(syscall(SYS_fchmod, dirpath, 0700), EBADF);  // raw: musl retries through /proc
    close(dirpath);
    int linkpath = OK(open("flink", O_PATH | O_NOFOLLOW));
    OK(fstat(linkpath, &st));
    CHECK(S_ISLNK(st.st_mode), "O_PATH|O_NOFOLLOW of a symlink is not the link");
    close(linkpath);
    // O_PATH on a file with no permissions at all still works (no access check).
    write_file("noperm", "x");
    OK(chmod("noperm", 0));
    fd = OK(open("noperm", O_PATH));
    close(fd);
    ok("O_PATH: no read/write (EBADF), fstat and *at work, also on a symlink itself");

    // O_NONBLOCK is reported by F_GETFL and settable by F_SETFL; regular files ignore it.
    fd = OK(open("ap", O_RDONLY | O_NONBLOCK));
    EQ(fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    EQ(read(fd, buf, 4), 4);
    OK(fcntl(fd, F_SETFL, 0));
    EQ(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
    OK(fcntl(fd, F_SETFL, O_NONBLOCK | O_APPEND));
    EQ(fcntl(fd, F_GETFL) & (O_NONBLOCK | O_APPEND), O_NONBLOCK | O_APPEND);
    close(fd);
    ok("O_NONBLOCK and O_APPEND in F_GETFL/F_SETFL");

    // The access mode.
    fd = OK(open("ap", O_RDONLY));
    EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
    ERR(write(fd, "x", 1), EBADF);
    close(fd);
    fd = OK(open("ap", O_WRONLY));
    EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_WRONLY);
    ERR(read(fd, buf, 1), EBADF);
    close(fd);
    fd = OK(open("ap", O_RDWR));
    EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
    close(fd);
    ERR(open("d", O_WRONLY), EISDIR);
    ERR(open("d", O_RDWR), EISDIR);
    ERR(open("d", O_WRONLY | O_CREAT, 0644), EISDIR);
    ok("access modes in F_GETFL; writing a read-only fd EBADF; a directory for writing EISDIR");

    // openat2-free extras: O_CREAT with a trailing slash, O_EXCL without O_CREAT on a dir.
    ERR(open("newdir/", O_WRONLY | O_CREAT, 0644), EISDIR);
    ok("O_CREAT of a name with a trailing slash fails with EISDIR");
    return 0;
}
