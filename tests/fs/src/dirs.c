// Directories and names: getdents64 listings (names sorted before printing, since the order
// is not specified; d_type checked), small buffers, rewinding, entries added and removed;
// mkdir/rmdir; rename(2) and renameat2 with RENAME_NOREPLACE and RENAME_EXCHANGE; link,
// symlink and readlink.
#include "fs_test.h"

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

// Lists a directory with getdents64 into "name:type" strings, sorted, joined by spaces.
// bufsize picks how many entries each call can return.
static const char *list(const char *path, size_t bufsize) {
    static char out[8192];
    char *names[512];
    int count = 0;
    char buf[8192];
    int fd = OK(open(path, O_RDONLY | O_DIRECTORY));
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, bufsize);
        if (n < 0)
            FATAL("getdents64(%s, %zu): %s", path, bufsize, errno_name(errno));
        if (n == 0)
            break;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            REQUIRE(d->d_reclen > 0 && off + d->d_reclen <= n, "bad d_reclen %u", d->d_reclen);
            CHECK(d->d_reclen % 8 == 0, "d_reclen %u not 8-aligned", d->d_reclen);
            CHECK(d->d_ino != 0, "d_ino 0 for %s", d->d_name);
            char type = '?';
            switch (d->d_type) {
            case DT_REG: type = 'f'; break;
            case DT_DIR: type = 'd'; break;
            case DT_LNK: type = 'l'; break;
            case DT_FIFO: type = 'p'; break;
            case DT_UNKNOWN: type = 'u'; break;
            }
            REQUIRE(count < 512, "too many entries");
            if (asprintf(&names[count++], "%s\001%c", d->d_name, type) < 0)
                FATAL("asprintf");
            off += d->d_reclen;
        }
    }
    close(fd);
    qsort(names, count, sizeof names[0], compare_strings);
    out[0] = 0;
    for (int i = 0; i < count; i++) {
        if (i)
            strcat(out, " ");
        *strchr(names[i], '\001') = ':';  // sorted by name alone
        strcat(out, names[i]);
        free(names[i]);
    }
    return out;
}

static void listings(void) {
    OK(mkdir("d", 0755));
    STREQ(list("d", 8192), ".:d ..:d");
    write_file("d/file", "x");
    OK(mkdir("d/sub", 0755));
    OK(symlink("file", "d/link"));
    OK(link("d/file", "d/hard"));
    const char *expect = ".:d ..:d file:f hard:f link:l sub:d";
    STREQ(list("d", 8192), expect);
    ok("getdents64: %s", expect);

    // Many entries, read with buffers from one entry at a time up.
    char name[64];
    for (int i = 0; i < 200; i++) {
        snprintf(name, sizeof name, "d/sub/entry-with-a-longish-name-%03d", i);
        write_file(name, "");
    }
    char *big = strdup(list("d/sub", 8192));
    const char *small = list("d/sub", 64);
    STREQ(small, big);
    CHECK(strstr(big, "entry-with-a-longish-name-000:f entry-with-a-longish-name-001:f"),
          "listing lacks entries");
    int count = 0;
    for (const char *p = big; (p = strchr(p, ':')); p++)
        count++;
    EQ(count, 202);
    free(big);
    ok("getdents64 of 200 files: the same with a 64-byte buffer as with 8 KiB");

    // A buffer too small for one entry.
    int fd = OK(open("d", O_RDONLY | O_DIRECTORY));
    char tiny[8];
    ERR(syscall(SYS_getdents64, fd, tiny, sizeof tiny), EINVAL);
    // Reading to the end, then rewinding with lseek(0) lists again.
    char buf[4096];
    long n = OK(syscall(SYS_getdents64, fd, buf, sizeof buf));
    CHECK(n > 0, "no entries");
    EQ(syscall(SYS_getdents64, fd, buf, sizeof buf), 0);
    OK(lseek(fd, 0, SEEK_SET));
    EQ(syscall(SYS_getdents64, fd, buf, sizeof buf), n);
    close(fd);
    ok("getdents64: EINVAL for a buffer smaller than an entry; lseek(0) rewinds");

    // libc's opendir/readdir/rewinddir (glibc reads with getdents64 and lseek).
    DIR *dir = opendir("d");
    CHECK(dir, "opendir failed: %s", errno_name(errno));
    int seen = 0;
    struct dirent *e;
    while ((e = readdir(dir)))
        seen++;
    EQ(seen, 6);
    rewinddir(dir);
    seen = 0;
    while ((e = readdir(dir)))
        seen++;
    EQ(seen, 6);
    closedir(dir);
    ok("opendir/readdir/rewinddir see 6 entries");

    // Removed entries disappear; a removed directory cannot be listed or created in.
    OK(unlink("d/hard"));
    OK(unlink("d/link"));
    STREQ(list("d", 8192), ".:d ..:d file:f sub:d");
    OK(mkdir("empty", 0755));
    fd = OK(open("empty", O_RDONLY | O_DIRECTORY));
    OK(rmdir("empty"));
    ERR(syscall(SYS_getdents64, fd, buf, sizeof buf), ENOENT);
    ERR(openat(fd, "new", O_CREAT | O_WRONLY, 0644), ENOENT);
    close(fd);
    ok("unlinked entries leave the listing; getdents64 of a removed directory and creating in it fail with ENOENT");
}

static void renames(void) {
    OK(mkdir("r", 0755));
    OK(chdir("r"));
    write_file("a", "A");
    write_file("b", "B");
    OK(rename("a", "b"));
    STREQ(read_file("b"), "A");
    ERR(access("a", F_OK), ENOENT);
    STREQ(list(".", 8192), ".:d ..:d b:f");
    ok("rename replaces an existing file");

    OK(mkdir("x", 0755));
    OK(mkdir("y", 0755));
    write_file("x/inner", "in x");
    OK(rename("b", "x/b"));
    OK(rename("x", "y/x"));
    STREQ(read_file("y/x/inner"), "in x");
    STREQ(read_file("y/x/b"), "A");
    struct stat st;
    OK(stat("y", &st));
    EQ(st.st_nlink, 3);
    OK(stat(".", &st));
    EQ(st.st_nlink, 3);  // ".", "..", and y (x moved into y)
    // ".." of a moved directory is its new parent.
    STREQ(read_file("y/x/../x/inner"), "in x");
    struct stat parent, dotdot;
    OK(stat("y", &parent));
    OK(stat("y/x/..", &dotdot));
    EQ(dotdot.st_ino, parent.st_ino);
    ok("rename moves files and directories between directories; '..' and nlink follow");

    // Renaming onto itself or onto another link of the same file does nothing.
    OK(rename("y/x/b", "y/x/b"));
    OK(link("y/x/b", "y/b2"));
    OK(rename("y/x/b", "y/b2"));
    OK(stat("y/x/b", &st));
    EQ(st.st_nlink, 2);
    ok("rename onto itself or onto a hard link of the same file is a no-op");

    // RENAME_NOREPLACE.
    write_file("n1", "one");
    write_file("n2", "two");
    ERR(syscall(SYS_renameat2, AT_FDCWD, "n1", AT_FDCWD, "n2", RENAME_NOREPLACE), EEXIST);
    STREQ(read_file("n2"), "two");
    OK(syscall(SYS_renameat2, AT_FDCWD, "n1", AT_FDCWD, "n3", RENAME_NOREPLACE));
    STREQ(read_file("n3"), "one");
    ERR(access("n1", F_OK), ENOENT);
    ok("RENAME_NOREPLACE: EEXIST when the target exists, else a rename");

    // RENAME_EXCHANGE: two files, a file and a directory, and with a dirfd.
    OK(syscall(SYS_renameat2, AT_FDCWD, "n2", AT_FDCWD, "n3", RENAME_EXCHANGE));
    STREQ(read_file("n2"), "one");
    STREQ(read_file("n3"), "two");
    OK(syscall(SYS_renameat2, AT_FDCWD, "n2", AT_FDCWD, "y", RENAME_EXCHANGE));
    STREQ(read_file("y"), "one");
    STREQ(read_file("n2/x/inner"), "in x");
    int dirfd = OK(open("n2", O_RDONLY | O_DIRECTORY));
    OK(syscall(SYS_renameat2, dirfd, "b2", AT_FDCWD, "n3", RENAME_EXCHANGE));
    STREQ(read_file("n3"), "A");
    STREQ(read_file("n2/b2"), "two");
    close(dirfd);
    ERR(syscall(SYS_renameat2, AT_FDCWD, "n3", AT_FDCWD, "missing", RENAME_EXCHANGE), ENOENT);
    ERR(syscall(SYS_renameat2, AT_FDCWD, "n3", AT_FDCWD, "y", RENAME_EXCHANGE | RENAME_NOREPLACE),
        EINVAL);
    STREQ(list(".", 8192), ".:d ..:d n2:d n3:f y:f");
    ok("RENAME_EXCHANGE swaps files, a file and a directory, across directories; ENOENT without "
       "a target; EINVAL with RENAME_NOREPLACE");

    // Renaming a symlink moves the link, not the target.
    OK(symlink("n3", "sl"));
    OK(rename("sl", "sl2"));
    char buf[64];
    ssize_t n = OK(readlink("sl2", buf, sizeof buf));
    buf[n] = 0;
    STREQ(buf, "n3");
    STREQ(read_file("n3"), "A");
    ok("renaming a symlink moves the link");
    OK(chdir(".."));
}

static void links(void) {
    write_file("orig", "original\n");
    OK(link("orig", "hard"));
    struct stat a, b;
    OK(stat("orig", &a));
    OK(stat("hard", &b));
    EQ(a.st_ino, b.st_ino);
    EQ(a.st_nlink, 2);
    int fd = OK(open("hard", O_WRONLY | O_APPEND));
    OK(write(fd, "more\n", 5));
    close(fd);
    STREQ(read_file("orig"), "original\nmore\n");
    OK(unlink("orig"));
    STREQ(read_file("hard"), "original\nmore\n");
    OK(mkdir("ldir", 0755));
    ERR(link("ldir", "ldir2"), EPERM);
    ok("link: one inode, shared data, survives unlinking the other name; EPERM on a directory");

    OK(symlink("hard", "soft"));
    OK(symlink("/an/absolute/target/that/does/not/exist", "abs"));
    ERR(symlink("", "empty"), ENOENT);
    char buf[128];
    ssize_t n = OK(readlink("abs", buf, sizeof buf));
    EQ(n, 39);
    buf[n] = 0;
    STREQ(buf, "/an/absolute/target/that/does/not/exist");
    n = OK(readlinkat(AT_FDCWD, "soft", buf, sizeof buf));
    buf[n] = 0;
    STREQ(buf, "hard");
    STREQ(read_file("soft"), "original\nmore\n");
    OK(unlink("soft"));
    STREQ(read_file("hard"), "original\nmore\n");
    ok("symlink and readlink; an empty target ENOENT; unlinking a symlink leaves its target");
}

int main(void) {
    make_test_dir();
    umask(022);
    listings();
    renames();
    links();
    return 0;
}
