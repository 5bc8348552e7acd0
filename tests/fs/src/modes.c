// Modes and owners are stored and reported: umask on file and directory creation,
// chmod/fchmod/fchmodat (including setuid/setgid/sticky bits), chown/fchown/lchown/fchownat,
// access/faccessat/faccessat2 by mode bits (X_OK needs an execute bit even for root).
#include "fs_test.h"

static mode_t mode_of(const char *path) {
    struct stat st;
    OK(lstat(path, &st));
    return st.st_mode;
}

int main(void) {
    make_test_dir();

    // umask.
    mode_t old = umask(027);
    (void)old;
    EQ(umask(027), 027);
    int fd = OK(open("u1", O_CREAT | O_WRONLY, 0777));
    close(fd);
    EQ(mode_of("u1"), S_IFREG | 0750);
    OK(mkdir("ud", 0777));
    EQ(mode_of("ud"), S_IFDIR | 0750);
    umask(0);
    fd = OK(open("u2", O_CREAT | O_WRONLY, 0666));
    close(fd);
    EQ(mode_of("u2"), S_IFREG | 0666);
    OK(mkdir("ud2", 01777));
    EQ(mode_of("ud2"), S_IFDIR | 01777);
    umask(0777);
    fd = OK(open("u3", O_CREAT | O_WRONLY, 0666));
    close(fd);
    EQ(mode_of("u3"), S_IFREG | 0);
    umask(022);
    OK(symlink("u1", "ul"));
    EQ(mode_of("ul"), S_IFLNK | 0777);
    ok("umask masks file and directory creation modes (027 -> 0750, 0 -> 0666/01777, 0777 -> 0); "
       "symlinks are 0777");

    // chmod family.
    OK(chmod("u1", 0604));
    EQ(mode_of("u1"), S_IFREG | 0604);
    OK(chmod("u1", 04755));
    EQ(mode_of("u1"), S_IFREG | 04755);
    OK(chmod("u1", 02711));
    EQ(mode_of("u1"), S_IFREG | 02711);
    OK(chmod("ud", 01755));
    EQ(mode_of("ud"), S_IFDIR | 01755);
    fd = OK(open("u2", O_RDONLY));
    OK(fchmod(fd, 0440));
    close(fd);
    EQ(mode_of("u2"), S_IFREG | 0440);
    int dirfd = OK(open("ud", O_RDONLY | O_DIRECTORY));
    write_file_at(dirfd, "inner", "x", 0644);
    OK(fchmodat(dirfd, "inner", 0511, 0));
    EQ(mode_of("ud/inner"), S_IFREG | 0511);
    close(dirfd);
    // chmod through a symlink changes the target.
    OK(chmod("ul", 0700));
    EQ(mode_of("u1"), S_IFREG | 0700);
    EQ(mode_of("ul"), S_IFLNK | 0777);
    ok("chmod, fchmod, fchmodat store all 12 mode bits; chmod follows symlinks");

    // Owners. As root on the host any owner can be set; otherwise only one's own.
    uid_t uid = geteuid() == 0 ? 1234 : getuid();
    gid_t gid = geteuid() == 0 ? 5678 : getgid();
    write_file("owned", "o");
    OK(chown("owned", uid, gid));
    struct stat st;
    OK(stat("owned", &st));
    EQ(st.st_uid, uid);
    EQ(st.st_gid, gid);
    OK(chown("owned", -1, getgid()));
    OK(stat("owned", &st));
    EQ(st.st_uid, uid);
    EQ(st.st_gid, getgid());
    fd = OK(open("owned", O_RDONLY));
    OK(fchown(fd, getuid(), -1));
    OK(fstat(fd, &st));
    EQ(st.st_uid, getuid());
    close(fd);
    OK(symlink("owned", "owned_link"));
    OK(lchown("owned_link", uid, gid));
    OK(lstat("owned_link", &st));
    EQ(st.st_uid, uid);
    EQ(st.st_gid, gid);
    OK(stat("owned_link", &st));
    EQ(st.st_uid, getuid());
    OK(fchownat(AT_FDCWD, "owned_link", uid, -1, 0));
    OK(stat("owned", &st));
    EQ(st.st_uid, uid);
    OK(fchownat(AT_FDCWD, "owned_link", getuid(), getgid(), AT_SYMLINK_NOFOLLOW));
    OK(lstat("owned_link", &st));
    EQ(st.st_uid, getuid());
    ok("chown, fchown, lchown, fchownat store owners; -1 keeps one; lchown changes the link");

    // chown by root clears setuid/setgid on a regular file (Linux does, for security).
    write_file("suid", "s");
    OK(chmod("suid", 06755));
    OK(chown("suid", getuid(), getgid()));
    EQ(mode_of("suid") & 07777, 0755);
    ok("chown clears the setuid and setgid bits of an executable");

    // A set-group-ID directory: what is made in it takes the directory's group, and a new
    // directory the bit as well, so it carries down; elsewhere the creator's group.
    gid_t shared = geteuid() == 0 ? 5678 : getgid();
    OK(mkdir("sg", 0755));
    OK(chown("sg", -1, shared));
    OK(chmod("sg", 02775));
    OK(mkdir("sg/sub", 0755));
    OK(stat("sg/sub", &st));
    EQ(st.st_mode & 07777, 02755);
    EQ(st.st_gid, shared);
    OK(mkdir("sg/sub/deeper", 0700));
    OK(stat("sg/sub/deeper", &st));
    EQ(st.st_mode & 07777, 02700);
    EQ(st.st_gid, shared);
    write_file("sg/sub/file", "f");
    OK(stat("sg/sub/file", &st));
    EQ(st.st_mode & 07777, 0644);
    EQ(st.st_gid, shared);
    OK(symlink("file", "sg/sub/link"));
    OK(lstat("sg/sub/link", &st));
    EQ(st.st_gid, shared);
    OK(mkdir("plain", 0755));
    OK(stat("plain", &st));
    EQ(st.st_mode & 07777, 0755);
    EQ(st.st_gid, getegid());
    ok("in a set-group-ID directory new files, links and directories take its group and "
       "new directories the bit; elsewhere the creator's group");

    // access by mode bits.
    write_file("ax", "#!/bin/true\n");
    OK(chmod("ax", 0644));
    OK(access("ax", R_OK | W_OK));
    ERR(access("ax", X_OK), EACCES);
    OK(chmod("ax", 0744));
    OK(access("ax", X_OK));
    OK(faccessat(AT_FDCWD, "ax", R_OK | X_OK, 0));
    OK(syscall(SYS_faccessat2, AT_FDCWD, "ax", X_OK, AT_EACCESS));
    OK(syscall(SYS_faccessat2, AT_FDCWD, "ul", F_OK, AT_SYMLINK_NOFOLLOW));
    ERR(access("missing", F_OK), ENOENT);
    ERR(access("ax", 0x40), EINVAL);
    ok("access/faccessat/faccessat2: X_OK needs an execute bit; ENOENT; EINVAL for bad bits");
    return 0;
}
