// What /proc/self/maps and /proc/self/fd say about files (issues 7 and 8): every file mapping
// names the file it maps by its canonical path, with the mapping's offset and the file's
// inode (the program's own segments, files in /tmp and next to the binary, shared and
// private, a memfd, a deleted file; anonymous memory has no name); /proc/self/fd/N reads as
// the file's path (followed through symlinks and renames, " (deleted)" once removed), as
// "pipe:[ino]" or "anon_inode:[...]" for the rest; and a path through /proc/self/fd/N
// reaches the open file itself: a deleted file reopens, an O_TMPFILE file gets a name with
// linkat(AT_SYMLINK_FOLLOW), a directory's descriptor leads into it.
//
// Printed only what Linux and Osprey share: paths relative to the test directory, offsets,
// permissions, and whether inode numbers agree with fstat (never the numbers themselves, nor
// addresses or device numbers).
#include "fs_test.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/timerfd.h>

#ifndef O_TMPFILE
#define O_TMPFILE (020000000 | O_DIRECTORY)
#endif

static char g_dir[PATH_MAX];  // the test directory, canonical
static char g_bin_dir[PATH_MAX];
static char g_bin_file[PATH_MAX];  // made next to the binary; its name has the pid

// One line of /proc/self/maps, split.
struct MapsLine {
    unsigned long start, end, offset, inode;
    char perms[8];
    char path[PATH_MAX];
};

// The line of the mapping that starts at `address`; false if there is none.
static int maps_line_at(unsigned long address, struct MapsLine *out) {
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) {
        FAIL("fopen /proc/self/maps: %s", errno_name(errno));
        return 0;
    }
    char line[PATH_MAX + 128];
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        unsigned dev_major, dev_minor;
        int consumed = 0;
        if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %n", &out->start, &out->end, out->perms, &out->offset,
                   &dev_major, &dev_minor, &out->inode, &consumed) < 7)
            continue;
        if (out->start != address)
            continue;
        // The path starts at column 73 (Linux pads it there), after at least one space.
        CHECK(strlen(line) < 74 || line[72] == ' ', "the path column is not at 73: %s", line);
        snprintf(out->path, sizeof out->path, "%s", line + consumed);
        out->path[strcspn(out->path, "\n")] = 0;
        found = 1;
    }
    fclose(f);
    return found;
}

// A path with the test directory (or the binary's) replaced by a placeholder.
static const char *shown(const char *path) {
    static char buf[PATH_MAX + 16];
    size_t n = strlen(g_dir), m = strlen(g_bin_dir);
    if (g_bin_file[0] && strcmp(path, g_bin_file) == 0)
        snprintf(buf, sizeof buf, "BIN/FILE");
    else if (strncmp(path, g_dir, n) == 0 && (path[n] == '/' || path[n] == 0))
        snprintf(buf, sizeof buf, "TMP%s", path + n);
    else if (strncmp(path, g_bin_dir, m) == 0 && (path[m] == '/' || path[m] == 0))
        snprintf(buf, sizeof buf, "BIN%s", path + m);
    else
        snprintf(buf, sizeof buf, "%s", path);
    return buf;
}

static void print_mapping(const char *what, void *address, int fd) {
    struct MapsLine line;
    if (!maps_line_at((unsigned long)address, &line)) {
        FAIL("%s: no /proc/self/maps line at %p", what, address);
        return;
    }
    struct stat st;
    int inode_right = fd >= 0 ? (fstat(fd, &st) == 0 && st.st_ino == line.inode) : line.inode == 0;
    printf("%s: %s %08lx \"%s\" (inode %s)\n", what, line.perms, line.offset, shown(line.path),
           !inode_right ? "WRONG" : fd >= 0 ? "matches fstat" : "0");
}

static int make_file(const char *path, int pages) {
    int fd = OK(open(path, O_RDWR | O_CREAT | O_TRUNC, 0644));
    char page[4096];
    for (int i = 0; i < pages; i++) {
        memset(page, 'a' + i, sizeof page);
        EQ(write(fd, page, sizeof page), (long)sizeof page);
    }
    return fd;
}

static void file_mappings(void) {
    // A shared mapping of a tmpfs file, from its second page.
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/data", g_dir);
    int fd = make_file(path, 3);
    char *shared = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
    REQUIRE(shared != MAP_FAILED, "mmap shared: %s", errno_name(errno));
    EQ(shared[0], 'b');
    print_mapping("shared tmpfs file at 4096", shared, fd);

    // A private read-only mapping of a file next to the binary, reached through a symlink.
    char *bin_file = g_bin_file, link[PATH_MAX];
    snprintf(bin_file, sizeof g_bin_file, "%s/proc_paths-%d.data", g_bin_dir, (int)getpid());
    remove_at_exit(bin_file);
    int bin_fd = make_file(bin_file, 2);
    close(bin_fd);
    snprintf(link, sizeof link, "%s/link-to-bin-file", g_dir);
    OK(symlink(bin_file, link));
    bin_fd = OK(open(link, O_RDONLY));
    char *private = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, bin_fd, 0);
    REQUIRE(private != MAP_FAILED, "mmap private: %s", errno_name(errno));
    struct MapsLine line;
    if (maps_line_at((unsigned long)private, &line)) {
        char expected[PATH_MAX];
        snprintf(expected, sizeof expected, "%s", bin_file);
        CHECK(strcmp(line.path, expected) == 0, "file next to the binary mapped as \"%s\", expected \"%s\"",
              line.path, expected);
    }
    print_mapping("private file next to the binary via a symlink",
                  private, bin_fd);

    // Writable private, at an offset, then the file removed: " (deleted)".
    snprintf(path, sizeof path, "%s/gone", g_dir);
    int gone_fd = make_file(path, 4);
    char *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, gone_fd, 3 * 4096);
    REQUIRE(gone != MAP_FAILED, "mmap gone: %s", errno_name(errno));
    OK(unlink(path));
    EQ(gone[0], 'd');
    print_mapping("private file removed after mapping", gone, gone_fd);

    // A memfd.
    int memfd = OK(syscall(SYS_memfd_create, "osprey-test", 0));
    OK(ftruncate(memfd, 8192));
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
    REQUIRE(m != MAP_FAILED, "mmap memfd: %s", errno_name(errno));
    print_mapping("memfd", m, memfd);

    // Anonymous memory: no name, inode 0.
    char *anonymous = mmap(NULL, 4096 * 3, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(anonymous != MAP_FAILED, "mmap anonymous: %s", errno_name(errno));
    print_mapping("anonymous", anonymous, -1);

    // A file renamed after mapping: the new name.
    snprintf(path, sizeof path, "%s/before", g_dir);
    int renamed_fd = make_file(path, 1);
    char *renamed = mmap(NULL, 4096, PROT_READ, MAP_SHARED, renamed_fd, 0);
    REQUIRE(renamed != MAP_FAILED, "mmap renamed: %s", errno_name(errno));
    char after[PATH_MAX];
    snprintf(after, sizeof after, "%s/after", g_dir);
    OK(rename(path, after));
    print_mapping("file renamed after mapping", renamed, renamed_fd);

    munmap(shared, 8192);
    munmap(private, 8192);
    munmap(gone, 4096);
    munmap(m, 8192);
    munmap(anonymous, 4096 * 3);
    munmap(renamed, 4096);
    close(fd);
    close(bin_fd);
    close(gone_fd);
    close(memfd);
    close(renamed_fd);
    ok("file mappings name their files, offsets and inodes");
}

// The program's own segments: every line naming it has its inode and a page-aligned offset.
static void program_segments(void) {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    REQUIRE(n > 0, "readlink /proc/self/exe: %s", errno_name(errno));
    exe[n] = 0;
    char real[PATH_MAX];
    REQUIRE(realpath(exe, real), "realpath %s: %s", exe, errno_name(errno));
    STREQ(exe, real);
    struct stat st;
    OK(stat(exe, &st));
    FILE *f = fopen("/proc/self/maps", "r");
    REQUIRE(f, "fopen /proc/self/maps");
    char line[PATH_MAX + 128];
    int segments = 0, executable = 0, offset_zero = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long start, end, offset, inode;
        unsigned dev_major, dev_minor;
        char perms[8];
        int consumed = 0;
        if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %n", &start, &end, perms, &offset, &dev_major, &dev_minor,
                   &inode, &consumed) < 7)
            continue;
        char *path = line + consumed;
        path[strcspn(path, "\n")] = 0;
        if (strcmp(path, exe) != 0)
            continue;
        segments++;
        CHECK(inode == st.st_ino, "segment of the program with inode %lu, expected %lu", inode,
              (unsigned long)st.st_ino);
        CHECK(offset % 4096 == 0, "segment offset %#lx not page-aligned", offset);
        if (perms[2] == 'x') {
            executable++;
            CHECK(offset != 0, "the code segment at offset 0");
        }
        if (offset == 0)
            offset_zero++;
    }
    fclose(f);
    CHECK(segments >= 2, "%d segments name the program", segments);
    EQ(executable, 1);
    EQ(offset_zero, 1);
    ok("the program's segments name it, with its inode and their file offsets");
}

// readlink("/proc/self/fd/N") into a static buffer.
static const char *fd_link(int fd) {
    static char buf[PATH_MAX + 32];
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, buf, sizeof buf - 1);
    if (n < 0) {
        FAIL("readlink %s: %s", path, errno_name(errno));
        return "(failed)";
    }
    buf[n] = 0;
    return buf;
}

static void fd_links(void) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/file", g_dir);
    int file = make_file(path, 1);
    printf("file: %s\n", shown(fd_link(file)));
    int dir = OK(open(g_dir, O_RDONLY | O_DIRECTORY));
    printf("directory: %s\n", shown(fd_link(dir)));
    int dot = OK(open(".", O_RDONLY | O_DIRECTORY));
    printf("directory as \".\": %s\n", shown(fd_link(dot)));
    int root = OK(open("/", O_RDONLY | O_DIRECTORY));
    printf("root: %s\n", fd_link(root));

    // Through a symlink (and a relative path with ".."): the file's own path.
    OK(mkdir("sub", 0755));
    OK(symlink("../file", "sub/link"));
    int via_link = OK(open("sub/../sub/link", O_RDONLY));
    printf("opened through a symlink: %s\n", shown(fd_link(via_link)));

    // Renamed, and its directory renamed: where it is now.
    OK(mkdir("d1", 0755));
    write_file("d1/f", "x");
    int moved = OK(open("d1/f", O_RDONLY));
    OK(rename("d1/f", "d1/g"));
    printf("renamed: %s\n", shown(fd_link(moved)));
    OK(rename("d1", "d2"));
    printf("directory renamed: %s\n", shown(fd_link(moved)));

    // Removed: the old path and " (deleted)".
    write_file("doomed", "still here");
    int doomed = OK(open("doomed", O_RDWR));
    OK(unlink("doomed"));
    printf("removed file: %s\n", shown(fd_link(doomed)));
    OK(mkdir("doomed-dir", 0755));
    int doomed_dir = OK(open("doomed-dir", O_RDONLY | O_DIRECTORY));
    OK(rmdir("doomed-dir"));
    printf("removed directory: %s\n", shown(fd_link(doomed_dir)));

    int pipe_fds[2];
    OK(pipe(pipe_fds));
    struct stat st;
    OK(fstat(pipe_fds[0], &st));
    char expected[64];
    snprintf(expected, sizeof expected, "pipe:[%lu]", (unsigned long)st.st_ino);
    printf("pipe: %s\n", strcmp(fd_link(pipe_fds[0]), expected) == 0 ? "pipe:[its inode]" : fd_link(pipe_fds[0]));
    int efd = OK(eventfd(0, 0));
    printf("eventfd: %s\n", fd_link(efd));
    int epfd = OK(epoll_create1(0));
    printf("epoll: %s\n", fd_link(epfd));
    int tfd = OK(timerfd_create(CLOCK_MONOTONIC, 0));
    printf("timerfd: %s\n", fd_link(tfd));
    int memfd = OK(syscall(SYS_memfd_create, "osprey-test", 0));
    printf("memfd: %s\n", fd_link(memfd));

    // O_TMPFILE: "DIR/#INO (deleted)" on Linux.
    int tmp = OK(open(g_dir, O_TMPFILE | O_RDWR, 0600));
    const char *link = fd_link(tmp);
    size_t n = strlen(g_dir);
    int form = strncmp(link, g_dir, n) == 0 && strncmp(link + n, "/#", 2) == 0 &&
               strlen(link) > 10 && strcmp(link + strlen(link) - 10, " (deleted)") == 0;
    printf("O_TMPFILE: %s\n", form ? "TMP/#INO (deleted)" : link);

    int fds[] = {file, dir, dot, root, via_link, moved, doomed, doomed_dir, pipe_fds[0], pipe_fds[1],
                 efd, epfd, tfd, memfd, tmp};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        close(fds[i]);
    ok("/proc/self/fd links name files, directories, pipes and anonymous inodes");
}

static void magic_links(void) {
    char path[64];
    // A removed file reopens through its descriptor's link: a new description.
    write_file("secret", "hidden text");
    int fd = OK(open("secret", O_RDWR));
    OK(unlink("secret"));
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int again = OK(open(path, O_RDONLY));
    struct stat a, b;
    OK(fstat(fd, &a));
    OK(fstat(again, &b));
    EQ(a.st_ino, b.st_ino);
    EQ(b.st_nlink, 0);
    char buf[32] = {0};
    EQ(read(again, buf, sizeof buf - 1), 11);
    STREQ(buf, "hidden text");
    EQ(lseek(fd, 0, SEEK_CUR), 0);  // its own offset
    OK(stat(path, &b));
    EQ(a.st_ino, b.st_ino);
    printf("reopened: %s\n", shown(fd_link(again)));
    close(again);
    close(fd);
    ok("a removed file reopens through /proc/self/fd");

    // O_TMPFILE: named through the link with AT_SYMLINK_FOLLOW (not with O_EXCL).
    int tmp = OK(open(".", O_TMPFILE | O_RDWR, 0600));
    EQ(write(tmp, "unnamed", 7), 7);
    snprintf(path, sizeof path, "/proc/self/fd/%d", tmp);
    ERR(linkat(AT_FDCWD, path, AT_FDCWD, "named-nofollow", 0), EXDEV);  // the link itself, on /proc
    OK(linkat(AT_FDCWD, path, AT_FDCWD, "named", AT_SYMLINK_FOLLOW));
    STREQ(read_file("named"), "unnamed");
    OK(fstat(tmp, &a));
    OK(stat("named", &b));
    EQ(a.st_ino, b.st_ino);
    EQ(a.st_nlink, 1);
    int excl = OK(open(".", O_TMPFILE | O_RDWR | O_EXCL, 0600));
    snprintf(path, sizeof path, "/proc/self/fd/%d", excl);
    ERR(linkat(AT_FDCWD, path, AT_FDCWD, "excl", AT_SYMLINK_FOLLOW), ENOENT);
    close(excl);
    close(tmp);
    ok("linkat(AT_SYMLINK_FOLLOW) through /proc/self/fd names an O_TMPFILE file");

    // A directory's descriptor leads into the directory.
    OK(mkdir("inside", 0755));
    write_file("inside/x", "in x");
    int dir = OK(open("inside", O_RDONLY | O_DIRECTORY));
    char through[128];
    snprintf(through, sizeof through, "/proc/self/fd/%d/x", dir);
    STREQ(read_file(through), "in x");
    OK(rename("inside", "moved-inside"));
    STREQ(read_file(through), "in x");
    close(dir);
    ok("a path through a directory's /proc/self/fd link reaches into it");
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    make_test_dir();
    REQUIRE(realpath(g_test_dir, g_dir), "realpath %s", g_test_dir);
    char exe[PATH_MAX];
    REQUIRE(realpath("/proc/self/exe", exe), "realpath /proc/self/exe: %s", errno_name(errno));
    snprintf(g_bin_dir, sizeof g_bin_dir, "%s", exe);
    *strrchr(g_bin_dir, '/') = 0;
    file_mappings();
    program_segments();
    fd_links();
    magic_links();
    return 0;
}
