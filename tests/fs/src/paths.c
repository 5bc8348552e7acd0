// Path resolution: absolute and relative paths, "." and "..", ".." at the root, symlinks
// (relative, absolute, to directories, dangling, a loop, the 40-link limit), the *at calls
// with a directory descriptor and AT_FDCWD, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, and
// getcwd/chdir/fchdir.
#include "fs_test.h"

static void absolute_and_relative(const char *top) {
    char path[PATH_MAX];
    OK(mkdir("a", 0755));
    OK(mkdir("a/b", 0755));
    OK(mkdir("a/b/c", 0755));
    write_file("a/b/c/file", "deep\n");
    snprintf(path, sizeof path, "%s/a/b/c/file", top);
    STREQ(read_file(path), "deep\n");
    STREQ(read_file("a/b/c/file"), "deep\n");
    STREQ(read_file("./a/./b/c/./file"), "deep\n");
    STREQ(read_file("a/b/../b/c/../c/file"), "deep\n");
    STREQ(read_file("a//b///c/file"), "deep\n");
    snprintf(path, sizeof path, "%s/a/b/c/../../../a/b/c/file", top);
    STREQ(read_file(path), "deep\n");
    ok("absolute, relative, '.', '..' and repeated slashes reach the same file");

    struct stat root, up;
    OK(stat("/", &root));
    OK(stat("/..", &up));
    EQ(up.st_ino, root.st_ino);
    OK(stat("/../../..", &up));
    EQ(up.st_ino, root.st_ino);
    EQ(up.st_dev, root.st_dev);
    ok("'..' at the root is the root");

    // A trailing slash needs a directory.
    struct stat st;
    OK(stat("a/b/", &st));
    CHECK(S_ISDIR(st.st_mode), "a/b/ is not a directory");
    ERR(stat("a/b/c/file/", &st), ENOTDIR);
    ERR(open("a/b/c/file/", O_RDONLY), ENOTDIR);
    ok("a trailing slash resolves directories and fails with ENOTDIR on files");

    ERR(stat("", &st), ENOENT);
    ERR(open("", O_RDONLY), ENOENT);
    ok("an empty path fails with ENOENT");
}

static void symlinks(const char *top) {
    char path[PATH_MAX], target[PATH_MAX];
    struct stat st, lst;

    OK(symlink("a/b/c/file", "rel"));
    STREQ(read_file("rel"), "deep\n");
    snprintf(target, sizeof target, "%s/a/b/c/file", top);
    OK(symlink(target, "abs"));
    STREQ(read_file("abs"), "deep\n");
    OK(symlink("a/b", "dirlink"));
    STREQ(read_file("dirlink/c/file"), "deep\n");
    // ".." after a symlink to a directory goes up from the target, not from the link.
    STREQ(read_file("dirlink/../b/c/file"), "deep\n");
    // A relative symlink is resolved from the directory that holds it.
    OK(symlink("../x", "a/b/up"));
    write_file("a/x", "from a\n");
    STREQ(read_file("a/b/up"), "from a\n");
    // A chain of links, and a link through a link to a directory.
    OK(symlink("rel", "chain1"));
    OK(symlink("chain1", "chain2"));
    STREQ(read_file("chain2"), "deep\n");
    OK(symlink("dirlink/c", "a/c_link_rel_to_a"));
    OK(symlink("../dirlink/c", "a/c_link"));
    STREQ(read_file("a/c_link/file"), "deep\n");
    ok("relative, absolute, chained and directory symlinks resolve");

    OK(stat("abs", &st));
    OK(lstat("abs", &lst));
    CHECK(S_ISREG(st.st_mode), "stat of a symlink did not follow it");
    CHECK(S_ISLNK(lst.st_mode), "lstat of a symlink followed it");
    EQ(lst.st_size, (long)strlen(target));
    ok("stat follows symlinks, lstat does not (link size is the target's length)");

    char buf[PATH_MAX];
    ssize_t n = OK(readlink("rel", buf, sizeof buf));
    buf[n] = 0;
    STREQ(buf, "a/b/c/file");
    n = OK(readlink("rel", buf, 3));
    EQ(n, 3);
    CHECK(memcmp(buf, "a/b", 3) == 0, "readlink truncation wrong");
    ERR(readlink("a/x", buf, sizeof buf), EINVAL);
    ok("readlink returns the target, truncates to the buffer, EINVAL on a file");

    OK(symlink("does-not-exist", "dangling"));
    ERR(stat("dangling", &st), ENOENT);
    OK(lstat("dangling", &st));
    CHECK(S_ISLNK(st.st_mode), "dangling link not a link");
    // Creating through a dangling symlink creates its target.
    int fd = OK(open("dangling", O_WRONLY | O_CREAT, 0644));
    close(fd);
    OK(stat("does-not-exist", &st));
    CHECK(S_ISREG(st.st_mode), "O_CREAT through a dangling symlink did not create the target");
    ok("a dangling symlink: stat ENOENT, lstat works, O_CREAT creates its target");

    OK(symlink("loop2", "loop1"));
    OK(symlink("loop1", "loop2"));
    ERR(open("loop1", O_RDONLY), ELOOP);
    ERR(stat("loop1", &st), ELOOP);
    ERR(stat("loop1/x", &st), ELOOP);
    OK(lstat("loop1", &st));
    OK(symlink("self", "self"));
    ERR(open("self", O_RDONLY), ELOOP);
    ok("a symlink loop fails with ELOOP");

    // Linux follows at most 40 links in one lookup.
    write_file("limit0", "end of the chain\n");
    for (int i = 1; i <= 41; i++) {
        char name[32], to[32];
        snprintf(name, sizeof name, "limit%d", i);
        snprintf(to, sizeof to, "limit%d", i - 1);
        OK(symlink(to, name));
    }
    STREQ(read_file("limit40"), "end of the chain\n");
    ERR(open("limit41", O_RDONLY), ELOOP);
    ok("40 symlinks in a row resolve, 41 fail with ELOOP");
    (void)path;
}

static void at_calls(const char *top) {
    struct stat st, st2;
    int dirfd = OK(open("a/b", O_RDONLY | O_DIRECTORY));
    STREQ(read_file_at(dirfd, "c/file"), "deep\n");
    STREQ(read_file_at(dirfd, "../x"), "from a\n");
    // An absolute path ignores the dirfd.
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/a/x", top);
    STREQ(read_file_at(dirfd, path), "from a\n");
    STREQ(read_file_at(AT_FDCWD, "a/x"), "from a\n");
    ok("openat: relative to a dirfd, absolute ignoring it, AT_FDCWD");

    OK(mkdirat(dirfd, "made_at", 0755));
    OK(stat("a/b/made_at", &st));
    CHECK(S_ISDIR(st.st_mode), "mkdirat made no directory");
    write_file_at(dirfd, "made_at/f", "at\n", 0600);
    OK(linkat(dirfd, "made_at/f", AT_FDCWD, "hard_at", 0));
    OK(symlinkat("made_at/f", dirfd, "sym_at"));
    char buf[64];
    ssize_t n = OK(readlinkat(dirfd, "sym_at", buf, sizeof buf));
    buf[n] = 0;
    STREQ(buf, "made_at/f");
    OK(renameat(dirfd, "sym_at", AT_FDCWD, "a/b/sym_renamed"));
    STREQ(read_file("a/b/sym_renamed"), "at\n");
    OK(fstatat(dirfd, "made_at/f", &st, 0));
    EQ(st.st_nlink, 2);
    OK(unlinkat(dirfd, "made_at/f", 0));
    OK(unlinkat(dirfd, "sym_renamed", 0));
    OK(unlinkat(dirfd, "made_at", AT_REMOVEDIR));
    ERR(fstatat(dirfd, "made_at", &st, 0), ENOENT);
    OK(faccessat(dirfd, "c/file", R_OK | W_OK, 0));
    OK(fchmodat(dirfd, "c/file", 0640, 0));
    OK(fstatat(dirfd, "c/file", &st, 0));
    EQ(st.st_mode & 07777, 0640);
    ok("mkdirat, linkat, symlinkat, readlinkat, renameat, unlinkat, faccessat, fchmodat use the dirfd");

    // A dirfd that is not a directory, and a closed one.
    int filefd = OK(open("a/x", O_RDONLY));
    ERR(openat(filefd, "y", O_RDONLY), ENOTDIR);
    ERR(fstatat(filefd, "y", &st, 0), ENOTDIR);
    ERR(openat(999, "y", O_RDONLY), EBADF);
    ok("a relative *at path with a file dirfd fails with ENOTDIR, with a bad one EBADF");

    // AT_SYMLINK_NOFOLLOW.
    OK(fstatat(AT_FDCWD, "abs", &st, AT_SYMLINK_NOFOLLOW));
    CHECK(S_ISLNK(st.st_mode), "AT_SYMLINK_NOFOLLOW followed the link");
    OK(fstatat(AT_FDCWD, "abs", &st, 0));
    CHECK(S_ISREG(st.st_mode), "fstatat without AT_SYMLINK_NOFOLLOW did not follow");
    // linkat without AT_SYMLINK_FOLLOW links the symlink itself, with it the target.
    OK(linkat(AT_FDCWD, "rel", AT_FDCWD, "link_to_symlink", 0));
    OK(lstat("link_to_symlink", &st));
    CHECK(S_ISLNK(st.st_mode), "linkat(0) did not link the symlink itself");
    OK(linkat(AT_FDCWD, "rel", AT_FDCWD, "link_to_target", AT_SYMLINK_FOLLOW));
    OK(lstat("link_to_target", &st));
    CHECK(S_ISREG(st.st_mode), "linkat(AT_SYMLINK_FOLLOW) did not link the target");
    EQ(st.st_nlink, 2);
    ok("AT_SYMLINK_NOFOLLOW in fstatat, AT_SYMLINK_FOLLOW in linkat");

    // AT_EMPTY_PATH: the dirfd itself.
    int fd = OK(open("a/x", O_RDONLY));
    OK(fstatat(fd, "", &st, AT_EMPTY_PATH));
    OK(fstat(fd, &st2));
    EQ(st.st_ino, st2.st_ino);
    EQ(st.st_size, 7);
    ERR(fstatat(fd, "", &st, 0), ENOENT);
    int pathfd = OK(open("abs", O_PATH | O_NOFOLLOW));
    OK(fstatat(pathfd, "", &st, AT_EMPTY_PATH));
    CHECK(S_ISLNK(st.st_mode), "AT_EMPTY_PATH on an O_PATH|O_NOFOLLOW symlink fd is not the link");
    n = OK(readlinkat(pathfd, "", buf, sizeof buf));
    CHECK(n > 0 && buf[0] == '/', "readlinkat(fd, \"\") did not read the link");
    OK(fstatat(AT_FDCWD, "", &st, AT_EMPTY_PATH));
    CHECK(S_ISDIR(st.st_mode), "AT_EMPTY_PATH with AT_FDCWD is not the cwd");
    OK(fchownat(fd, "", getuid(), getgid(), AT_EMPTY_PATH));
    OK(linkat(fd, "", AT_FDCWD, "linked_by_fd", AT_EMPTY_PATH));
    STREQ(read_file("linked_by_fd"), "from a\n");
    ok("AT_EMPTY_PATH: fstatat, readlinkat, fchownat and linkat on the descriptor itself");
    close(fd);
    close(pathfd);
    close(filefd);
    close(dirfd);
}

static void working_directory(const char *top) {
    char cwd[PATH_MAX];
    OK((long)getcwd(cwd, sizeof cwd) ? 0 : -1);
    STREQ(cwd, top);
    OK(chdir("a/b"));
    OK((long)getcwd(cwd, sizeof cwd) ? 0 : -1);
    char expect[PATH_MAX];
    snprintf(expect, sizeof expect, "%s/a/b", top);
    STREQ(cwd, expect);
    STREQ(read_file("c/file"), "deep\n");
    OK(chdir(".."));
    OK((long)getcwd(cwd, sizeof cwd) ? 0 : -1);
    snprintf(expect, sizeof expect, "%s/a", top);
    STREQ(cwd, expect);
    // chdir through a symlink: getcwd reports the real path.
    OK(chdir(top));
    OK(chdir("dirlink"));
    OK((long)getcwd(cwd, sizeof cwd) ? 0 : -1);
    snprintf(expect, sizeof expect, "%s/a/b", top);
    STREQ(cwd, expect);
    ok("chdir relative and through a symlink; getcwd gives the real path");

    int dirfd = OK(open(top, O_RDONLY | O_DIRECTORY));
    OK(chdir("/"));
    OK(fchdir(dirfd));
    OK((long)getcwd(cwd, sizeof cwd) ? 0 : -1);
    STREQ(cwd, top);
    int filefd = OK(open("a/x", O_RDONLY));
    ERR(fchdir(filefd), ENOTDIR);
    ERR(chdir("a/x"), ENOTDIR);
    ERR(chdir("missing"), ENOENT);
    ERR(fchdir(999), EBADF);
    close(filefd);
    ok("fchdir; chdir to a file ENOTDIR, to a missing path ENOENT; fchdir of a bad fd EBADF");

    // getcwd with a buffer too small.
    errno = 0;
    CHECK(getcwd(cwd, 2) == NULL && errno == ERANGE, "getcwd(buf, 2): expected ERANGE, got %s",
          errno_name(errno));
    ok("getcwd with a short buffer fails with ERANGE");

    // The cwd removed under the process: getcwd fails with ENOENT, "." still stats.
    OK(mkdir("gone", 0755));
    OK(chdir("gone"));
    OK(rmdir(g_test_dir[0] ? "../gone" : "../gone"));
    long r = (long)syscall(SYS_getcwd, cwd, sizeof cwd);
    CHECK(r == -1 && errno == ENOENT, "getcwd in a removed directory: expected ENOENT, got %ld %s",
          r, errno_name(errno));
    ERR(open("new", O_CREAT | O_WRONLY, 0644), ENOENT);
    OK(fchdir(dirfd));
    close(dirfd);
    ok("in a removed cwd: getcwd ENOENT, creating a file ENOENT");
}

int main(void) {
    const char *top = make_test_dir();
    absolute_and_relative(top);
    symlinks(top);
    at_calls(top);
    working_directory(top);
    return 0;
}
