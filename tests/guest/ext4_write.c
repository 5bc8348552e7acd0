// Writes a tree on an ext4 volume and checks it, for guest.volume.ext4_write
// (ext4_write.sh). An ordinary Linux program: the host runs it too, to check what debugfs
// copied out of the image.
//
//   ext4_write populate DIR   thousands of files and directories created, written
//                             (pwrite in pieces, holes), renamed (within and across
//                             directories, over existing files, a directory tree moved),
//                             truncated (shrunk, grown), linked, unlinked (one while
//                             open), chmod, utimens; files of 3000 extents cut and
//                             removed; the disk filled to ENOSPC and emptied again
//                             (statfs counts checked); then verify
//   ext4_write verify DIR     the tree is exactly what populate leaves (names, sizes,
//                             every byte, modes, symlinks, times): from the same model
//   ext4_write verify-host DIR  the same, without the link counts (debugfs rdump copies
//                             a hard link as two files)
//   ext4_write remove DIR     everything under DIR removed, listing while deleting
//
// Every file's bytes come from its seed (a position-addressable generator), so the model
// keeps a seed, a size and the length of the written prefix, never the bytes.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <unistd.h>

#include "volume_program.h"

#define FILES 2400
#define DIRS 30
#define TREE_DIRS 600
#define GONE_DIRS 5  // the last GONE_DIRS of the DIRS are emptied and removed

static const char* root;
static int in_guest;  // checks that only the guest's own file system can answer (links)

static uint8_t byte_of(uint64_t seed, uint64_t at) { return (uint8_t)(mix(seed * 1000003u + at / 8) >> (8 * (at % 8))); }

struct file {
    char path[64];  // relative to root; "" once removed
    uint64_t seed, size, written;  // bytes past `written` are zeros (a hole or a grown end)
    unsigned mode;
};
static struct file files[FILES];

static void at(char* out, const char* relative) { snprintf(out, 256, "%s/%s", root, relative); }

// The model: what populate does, with `act` doing it on the disk too.
static void model(int act);

static void write_file(struct file* f) {
    char path[256];
    at(path, f->path);
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
    if (fd < 0) fail("create", path);
    // Pieces of varied length, the second half first: holes filled later.
    uint64_t half = f->size / 2;
    uint64_t ranges[2][2] = {{half, f->size}, {0, half}};
    static uint8_t buffer[70000];
    for (int r = 0; r < 2; r++) {
        uint64_t pos = ranges[r][0];
        while (pos < ranges[r][1]) {
            uint64_t n = 1 + mix(f->seed + pos) % 65000;
            if (n > ranges[r][1] - pos) n = ranges[r][1] - pos;
            for (uint64_t i = 0; i < n; i++) buffer[i] = byte_of(f->seed, pos + i);
            if (pwrite(fd, buffer, n, (off_t)pos) != (ssize_t)n) fail("pwrite", path);
            pos += n;
        }
    }
    if (close(fd)) fail("close", path);
}

static void do_truncate(struct file* f, uint64_t size, int act) {
    if (size < f->written) f->written = size;
    f->size = size;
    if (!act) return;
    char path[256];
    at(path, f->path);
    if (truncate(path, (off_t)size)) fail("truncate", path);
}

static void do_rename(struct file* f, const char* to, int act) {
    // Replacing another file of the model: that one is gone.
    for (int i = 0; i < FILES; i++)
        if (&files[i] != f && !strcmp(files[i].path, to)) files[i].path[0] = '\0';
    if (act) {
        char from[256], dest[256];
        at(from, f->path);
        at(dest, to);
        if (rename(from, dest)) fail("rename", from);
    }
    snprintf(f->path, sizeof f->path, "%s", to);
}

static void do_unlink(struct file* f, int act) {
    if (act) {
        char path[256];
        at(path, f->path);
        if (unlink(path)) fail("unlink", path);
    }
    f->path[0] = '\0';
}

static void make_dir(const char* relative) {
    char path[256];
    at(path, relative);
    if (mkdir(path, 0755)) fail("mkdir", path);
}

static void model(int act) {
    char name[64];
    if (act) {
        umask(0);
        if (mkdir(root, 0755)) fail("mkdir", root);
        for (int d = 0; d < DIRS; d++) {
            snprintf(name, sizeof name, "d%02d", d);
            make_dir(name);
        }
    }
    for (int i = 0; i < FILES; i++) {
        struct file* f = &files[i];
        snprintf(f->path, sizeof f->path, "d%02d/f%04d", i % DIRS, i);
        f->seed = (uint64_t)i + 1;
        f->size = i % 100 == 7 ? 300000 + mix(i) % 900000 : mix(i) % 12000;
        f->written = f->size;
        f->mode = 0644;
        if (act) write_file(f);
    }
    for (int i = 0; i < FILES; i++) {
        struct file* f = &files[i];
        if (!f->path[0]) continue;
        if (i % 5 == 1) {
            snprintf(name, sizeof name, "d%02d/r%04d", (i % DIRS + 7) % DIRS, i);
            do_rename(f, name, act);
        } else if (i % 5 == 2) {
            snprintf(name, sizeof name, "d%02d/s%04d", i % DIRS, i);
            do_rename(f, name, act);
        }
        if (i % 50 == 3 && i + 1 < FILES && files[i + 1].path[0]) {
            snprintf(name, sizeof name, "%s", files[i + 1].path);
            do_rename(f, name, act);  // over an existing file
        }
    }
    for (int i = 0; i < FILES; i++) {
        struct file* f = &files[i];
        if (!f->path[0]) continue;
        if (i % 7 == 0) do_truncate(f, f->size / 3, act);
        if (i % 11 == 0) do_truncate(f, f->size + 5000, act);
        if (i % 13 == 0) {
            f->mode = 0600;
            char path[256];
            at(path, f->path);
            if (act && chmod(path, 0600)) fail("chmod", path);
        }
        if (i % 4 == 3) do_unlink(f, act);
    }
    // Whole directories emptied and removed.
    for (int i = 0; i < FILES; i++)
        if (files[i].path[0] && atoi(files[i].path + 1) >= DIRS - GONE_DIRS) do_unlink(&files[i], act);
    if (act) {
        for (int d = DIRS - GONE_DIRS; d < DIRS; d++) {
            char path[256];
            snprintf(name, sizeof name, "d%02d", d);
            at(path, name);
            if (rmdir(path)) fail("rmdir", path);
        }
    }
}

// ---- the parts outside the file model ----

static void tree_and_links(void) {
    char path[256], name[64];
    make_dir("tree");
    for (int i = 0; i < TREE_DIRS; i++) {
        snprintf(name, sizeof name, "tree/t%03d", i);
        make_dir(name);
        if (i % 3 == 0) {
            snprintf(name, sizeof name, "tree/t%03d/sub", i);
            make_dir(name);
        }
    }
    // A deep directory moved to another parent: its ".." follows.
    make_dir("deep");
    char deep[128] = "deep";
    for (int level = 0; level < 8; level++) {
        strcat(deep, "/a");
        make_dir(deep);
    }
    char from[256], to[256];
    at(from, "deep/a");
    at(to, "tree/moved");
    if (rename(from, to)) fail("rename a directory", from);
    struct stat parent, dotdot;
    at(path, "tree");
    if (stat(path, &parent)) fail("stat", path);
    at(path, "tree/moved/..");
    if (stat(path, &dotdot)) fail("stat", path);
    if (parent.st_ino != dotdot.st_ino) {
        fprintf(stderr, "FAIL: tree/moved/.. is not tree\n");
        exit(1);
    }
    at(path, "deep");
    if (rmdir(path)) fail("rmdir", path);
    at(path, "tree/t000");
    if (rmdir(path) == 0 || errno != ENOTEMPTY) fail("rmdir of a non-empty directory", path);
    // Symlinks, short and long; a hard link; a fixed mtime.
    at(path, "short-link");
    if (symlink("d00/f0000", path)) fail("symlink", path);
    at(path, "long-link");
    char target[160];
    memset(target, 'x', 120);
    strcpy(target + 120, "/end");
    if (symlink(target, path)) fail("symlink", path);
    at(from, "d00/f0000");
    at(to, "hard");
    if (link(from, to)) fail("link", to);
    struct timespec times[2] = {{1234567890, 0}, {1234567890, 500}};
    if (utimensat(AT_FDCWD, from, times, 0)) fail("utimensat", from);
}

static uint64_t free_blocks(void) {
    struct statfs s;
    if (statfs(root, &s)) fail("statfs", root);
    return (uint64_t)s.f_bfree;
}

static void unlinked_while_open(void) {
    char path[256];
    at(path, "open-then-unlinked");
    uint64_t before = free_blocks();
    int fd = open(path, O_CREAT | O_RDWR, 0644);
    if (fd < 0) fail("create", path);
    static uint8_t data[200000], back[200000];
    for (int i = 0; i < 200000; i++) data[i] = byte_of(77, i);
    if (write(fd, data, 100000) != 100000) fail("write", path);
    if (unlink(path)) fail("unlink while open", path);
    if (write(fd, data + 100000, 100000) != 100000) fail("write after unlink", path);
    struct stat st;
    if (fstat(fd, &st) || st.st_nlink != 0 || st.st_size != 200000) fail("fstat after unlink", path);
    if (pread(fd, back, sizeof back, 0) != 200000 || memcmp(back, data, sizeof data)) fail("read after unlink", path);
    if (free_blocks() >= before) fail("an open unlinked file holds no blocks", path);
    close(fd);
    if (free_blocks() != before) {
        fprintf(stderr, "FAIL: %llu free blocks after the last close, %llu before\n",
                (unsigned long long)free_blocks(), (unsigned long long)before);
        exit(1);
    }
}

static void fill_to_enospc(void) {
    char path[256];
    at(path, "filler");
    uint64_t before = free_blocks();
    int fd = open(path, O_CREAT | O_RDWR, 0644);
    if (fd < 0) fail("create", path);
    static uint8_t chunk[1 << 20];
    for (int i = 0; i < (1 << 20); i++) chunk[i] = byte_of(99, i);
    uint64_t total = 0;
    int error = 0;
    for (;;) {
        ssize_t n = write(fd, chunk, sizeof chunk);
        if (n < 0) {
            error = errno;
            break;
        }
        total += (uint64_t)n;
        if (total > (1ull << 32)) break;
    }
    if (error != ENOSPC) {
        fprintf(stderr, "FAIL: filling the disk ended with %s after %llu bytes\n", strerror(error),
                (unsigned long long)total);
        exit(1);
    }
    if (fsync(fd)) fail("fsync", path);
    // What was written before ENOSPC is all there.
    static uint8_t back[1 << 20];
    for (uint64_t pos = 0; pos < total; pos += sizeof back) {
        uint64_t n = total - pos < sizeof back ? total - pos : sizeof back;
        if (pread(fd, back, n, (off_t)pos) != (ssize_t)n) fail("read back", path);
        for (uint64_t i = 0; i < n; i++)
            if (back[i] != byte_of(99, (pos + i) % (1 << 20))) fail("data before ENOSPC lost", path);
    }
    struct statfs s;
    if (statfs(root, &s)) fail("statfs", root);
    printf("filled: %llu bytes before ENOSPC; %llu blocks free then\n", (unsigned long long)total,
           (unsigned long long)s.f_bfree);
    if (s.f_bavail > 64) fail("statfs says room is left on a full disk", root);
    close(fd);
    if (unlink(path)) fail("unlink", path);
    if (free_blocks() != before) {
        fprintf(stderr, "FAIL: %llu free blocks after removing the filler, %llu before\n",
                (unsigned long long)free_blocks(), (unsigned long long)before);
        exit(1);
    }
}

// Files of thousands of extents (a byte in every other block, so an extent tree of two
// levels): one cut to nothing, another unlinked. Every block comes back (statfs).
static void fragmented(void) {
    struct stat st;
    if (stat(root, &st)) fail("stat", root);
    long extents = 3000;
    uint64_t before = free_blocks();
    const char* names[2] = {"fragmented-cut", "fragmented-unlinked"};
    for (int f = 0; f < 2; f++) {
        char path[256];
        at(path, names[f]);
        int fd = open(path, O_CREAT | O_RDWR, 0644);
        if (fd < 0) fail("create", path);
        for (long i = 0; i < extents; i++) {
            uint8_t b = (uint8_t)(i + 1);
            if (pwrite(fd, &b, 1, (off_t)(2 * i * st.st_blksize)) != 1) fail("pwrite", path);
        }
        uint8_t b;
        if (pread(fd, &b, 1, (off_t)(2 * 777 * st.st_blksize)) != 1 || b != (uint8_t)778) fail("read back", path);
        if (f == 0) {
            if (ftruncate(fd, 0)) fail("ftruncate to nothing", path);
            if (fstat(fd, &st) || st.st_size != 0 || st.st_blocks != 0) fail("the cut file keeps blocks", path);
        }
        close(fd);
        if (unlink(path)) fail("unlink", path);
    }
    if (free_blocks() != before) {
        fprintf(stderr, "FAIL: %llu free blocks after the fragmented files, %llu before\n",
                (unsigned long long)free_blocks(), (unsigned long long)before);
        exit(1);
    }
    printf("fragmented: %ld extents a file, freed\n", extents);
}

// ---- checking ----

static int compare_file(const struct file* f) {
    char path[256];
    at(path, f->path);
    struct stat st;
    if (lstat(path, &st)) fail("stat", path);
    if ((uint64_t)st.st_size != f->size || (st.st_mode & 07777) != f->mode || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "FAIL: %s: size %lld mode %o, expected %llu %o\n", path, (long long)st.st_size,
                st.st_mode & 07777, (unsigned long long)f->size, f->mode);
        return 1;
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0) fail("open", path);
    static uint8_t buffer[65536];
    uint64_t pos = 0;
    for (;;) {
        ssize_t n = read(fd, buffer, sizeof buffer);
        if (n < 0) fail("read", path);
        if (n == 0) break;
        for (ssize_t i = 0; i < n; i++) {
            uint8_t want = pos + i < f->written ? byte_of(f->seed, pos + i) : 0;
            if (buffer[i] != want) {
                fprintf(stderr, "FAIL: %s: byte %llu differs\n", path, (unsigned long long)(pos + i));
                close(fd);
                return 1;
            }
        }
        pos += (uint64_t)n;
    }
    close(fd);
    return 0;
}

static int count_entries(const char* relative) {
    char path[256];
    at(path, relative);
    DIR* d = opendir(path);
    if (!d) fail("opendir", path);
    int n = 0;
    struct dirent* e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

static void verify(void) {
    model(0);
    int failures = 0, kept = 0;
    int per_dir[DIRS] = {0};
    for (int i = 0; i < FILES; i++) {
        if (!files[i].path[0]) continue;
        kept++;
        per_dir[atoi(files[i].path + 1)]++;
        failures += compare_file(&files[i]);
    }
    for (int d = 0; d < DIRS - GONE_DIRS; d++) {
        char name[16];
        snprintf(name, sizeof name, "d%02d", d);
        int want = per_dir[d];
        if (count_entries(name) != want) {
            fprintf(stderr, "FAIL: %s holds %d entries, expected %d\n", name, count_entries(name), want);
            failures++;
        }
    }
    char path[256], link_target[256];
    for (int d = DIRS - GONE_DIRS; d < DIRS; d++) {
        snprintf(link_target, sizeof link_target, "d%02d", d);
        at(path, link_target);
        if (access(path, F_OK) == 0) fail("a removed directory is there", path);
    }
    if (count_entries("tree") != TREE_DIRS + 1) failures++, fprintf(stderr, "FAIL: tree's entries\n");
    at(path, "tree/moved/a/a/a/a/a/a/a");
    struct stat st;
    if (stat(path, &st) || !S_ISDIR(st.st_mode)) fail("the moved tree", path);
    at(path, "short-link");
    ssize_t n = readlink(path, link_target, sizeof link_target);
    if (n != 9 || memcmp(link_target, "d00/f0000", 9)) fail("readlink", path);
    at(path, "long-link");
    n = readlink(path, link_target, sizeof link_target);
    if (n != 124 || memcmp(link_target + 120, "/end", 4)) fail("readlink", path);
    at(path, "hard");
    if (stat(path, &st)) fail("stat", path);
    if (in_guest && st.st_nlink != 2) fail("the hard link's count", path);
    at(path, "d00/f0000");
    if (stat(path, &st) || st.st_mtim.tv_sec != 1234567890) fail("the mtime set", path);
    if (access(path, F_OK) != 0) fail("stat", path);
    at(path, "open-then-unlinked");
    if (access(path, F_OK) == 0) fail("an unlinked file is there", path);
    if (failures) {
        fprintf(stderr, "FAIL: %d differences\n", failures);
        exit(1);
    }
    printf("verified: %d files, %d directories\n", kept, DIRS - GONE_DIRS + TREE_DIRS + TREE_DIRS / 3 + 9);
}

static void remove_tree(const char* path) {
    DIR* d = opendir(path);
    if (!d) fail("opendir", path);
    struct dirent* e;
    // Removing while listing: every entry must still be seen once.
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char child[512];
        snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        if (e->d_type == DT_DIR)
            remove_tree(child);
        else if (unlink(child))
            fail("unlink", child);
    }
    closedir(d);
    if (rmdir(path)) fail("rmdir", path);
}

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s populate|verify|verify-host|remove DIR\n", argv[0]);
        return 2;
    }
    root = argv[2];
    in_guest = strcmp(argv[1], "verify-host") != 0;
    if (!strcmp(argv[1], "populate")) {
        model(1);
        printf("populated\n");
        tree_and_links();
        unlinked_while_open();
        fragmented();
        fill_to_enospc();
        sync();
        memset(files, 0, sizeof files);
        verify();
    } else if (!strcmp(argv[1], "verify") || !strcmp(argv[1], "verify-host")) {
        verify();
    } else if (!strcmp(argv[1], "remove")) {
        remove_tree(root);
        printf("removed\n");
    } else {
        return 2;
    }
    return 0;
}
