// The storage benchmark run in both guests on an ext4 volume mounted on DIR (Osprey: the
// application, with `--volume IMAGE:DIR`; Linux: started by bench/programs/storage_init.c
// once it has mounted /dev/vda there). It prints one line per figure,
// `figure NAME VALUE UNIT`, and `done` at the end; bench/storage_figures.sh collects them.
//
//   storage DIR [GROUP...]       GROUP: seq rand small sqlite (kGroups below; default all)
//
// Every figure is a throughput measured with CLOCK_MONOTONIC inside the guest, and counts
// the work until it is on the disk: each measured stretch ends with fsync (or syncfs), so
// a kernel that keeps writes in memory pays for them inside the figure, as one that writes
// through does.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
    kMiB = 1 << 20,
    kSeqBytes = 64 * kMiB,        // written, then read twice
    kSeqChunk = kMiB,             // per write and read call
    kRandFileBytes = 16 * kMiB,   // the file the random writes land in
    kRandBlock = 4096,
    kRandWrites = 500,
    kSmallFiles = 1000,
    kSmallBytes = 1024,
};

// sqlite runs: rows inserted in transactions of `per_transaction` rows each.
static const struct {
    const char *name;
    int rows, per_transaction;
} kSqliteRuns[] = {
    {"sqlite_insert_tx1000.rows", 20000, 1000},
    {"sqlite_insert_tx10.rows", 1000, 10},
};

static const char *dir;
static unsigned char *buffer;  // kSeqChunk bytes of pseudo-random data

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void fail(const char *what) {
    printf("error storage: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void path_of(char *out, size_t size, const char *name) { snprintf(out, size, "%s/%s", dir, name); }

// xorshift64: the same data and the same offsets in both guests, and nothing a disk or
// QEMU could compress or recognise as zeros.
static uint64_t random_state = 0x9e3779b97f4a7c15ull;
static uint64_t next_random(void) {
    random_state ^= random_state << 13;
    random_state ^= random_state >> 7;
    random_state ^= random_state << 17;
    return random_state;
}

static void write_all(int fd, const void *data, size_t length, const char *what) {
    const unsigned char *p = data;
    while (length > 0) {
        ssize_t n = write(fd, p, length);
        if (n <= 0) fail(what);
        p += n;
        length -= (size_t)n;
    }
}

static void report(const char *name, double value, const char *unit) {
    printf("figure %s %.1f %s\n", name, value, unit);
}

// --- sequential write and read --------------------------------------------------------

// Linux keeps what was just written in its page cache, so a read right after the write
// would be a memory copy: throw the file's pages away first (drop_caches needs root, which
// /init is). Osprey keeps no file data in memory but its 2 MiB block cache, so there is
// nothing to drop, and its /proc has no drop_caches. Says which happened.
static void drop_caches(int fd) {
    sync();
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    int control = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
    int dropped = control >= 0 && write(control, "3\n", 2) == 2;
    if (control >= 0) close(control);
    printf("note caches %s\n", dropped ? "dropped (drop_caches)" : "not dropped (no /proc/sys/vm/drop_caches)");
}

static double read_through(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(path);
    double start = now_s();
    size_t total = 0;
    for (uint64_t chunk = 0;; chunk++) {
        size_t got = 0;
        while (got < kSeqChunk) {
            ssize_t n = read(fd, buffer + got, kSeqChunk - got);
            if (n < 0) fail("read");
            if (n == 0) break;
            got += (size_t)n;
        }
        if (got == 0) break;
        // A cheap check that the bytes are the ones written: each chunk starts with its number.
        uint64_t stamp;
        memcpy(&stamp, buffer, sizeof stamp);
        if (got != kSeqChunk || stamp != chunk) {
            errno = EIO;
            fail("read back something else than was written");
        }
        total += got;
    }
    double seconds = now_s() - start;
    close(fd);
    if (total != kSeqBytes) {
        errno = EIO;
        fail("read back a file of the wrong length");
    }
    return seconds;
}

static void bench_seq(void) {
    char path[512];
    path_of(path, sizeof path, "seq");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail(path);
    double start = now_s();
    for (uint64_t chunk = 0; chunk < kSeqBytes / kSeqChunk; chunk++) {
        memcpy(buffer, &chunk, sizeof chunk);
        write_all(fd, buffer, kSeqChunk, "write");
    }
    if (fsync(fd) < 0) fail("fsync");
    report("seq_write.mibps", kSeqBytes / kMiB / (now_s() - start), "MiB/s");

    drop_caches(fd);
    close(fd);
    report("seq_read.mibps", kSeqBytes / kMiB / read_through(path), "MiB/s");
    // The same again: what a cache of file data gives (Linux's page cache holds it now).
    report("seq_reread.mibps", kSeqBytes / kMiB / read_through(path), "MiB/s");
    if (unlink(path) < 0) fail("unlink seq");
}

// --- random 4 KiB writes, each followed by fsync --------------------------------------

static void bench_rand(void) {
    char path[512];
    path_of(path, sizeof path, "rand");
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail(path);
    // Written in full first (not measured), so the writes below overwrite allocated blocks.
    for (size_t done = 0; done < kRandFileBytes; done += kSeqChunk) write_all(fd, buffer, kSeqChunk, "write");
    if (fsync(fd) < 0) fail("fsync");

    double start = now_s();
    for (int i = 0; i < kRandWrites; i++) {
        off_t offset = (off_t)(next_random() % (kRandFileBytes / kRandBlock)) * kRandBlock;
        const unsigned char *data = buffer + (size_t)(i % (kSeqChunk / kRandBlock)) * kRandBlock;
        if (pwrite(fd, data, kRandBlock, offset) != kRandBlock) fail("pwrite");
        if (fsync(fd) < 0) fail("fsync");
    }
    report("rand_write_fsync.ops", kRandWrites / (now_s() - start), "writes/s");
    close(fd);
    if (unlink(path) < 0) fail("unlink rand");
}

// --- many small files created and unlinked ----------------------------------------------

static void bench_small(void) {
    char top[512], path[600];
    path_of(top, sizeof top, "small");
    if (mkdir(top, 0755) < 0) fail(top);
    int top_fd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (top_fd < 0) fail(top);

    double start = now_s();
    for (int i = 0; i < kSmallFiles; i++) {
        snprintf(path, sizeof path, "%s/f%05d", top, i);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) fail(path);
        write_all(fd, buffer + i, kSmallBytes, "write");
        close(fd);
    }
    for (int i = 0; i < kSmallFiles; i++) {
        snprintf(path, sizeof path, "%s/f%05d", top, i);
        if (unlink(path) < 0) fail(path);
    }
    // Until this, Linux may hold all of it in memory; the figure counts reaching the disk.
    if (syncfs(top_fd) < 0) fail("syncfs");
    report("small_files.ops", kSmallFiles / (now_s() - start), "files/s");
    close(top_fd);
    if (rmdir(top) < 0) fail("rmdir small");
}

// --- sqlite3 inserts in transactions ----------------------------------------------------

static void sqlite_check(sqlite3 *db, int code, const char *what) {
    if (code == SQLITE_OK || code == SQLITE_DONE || code == SQLITE_ROW) return;
    printf("error storage: sqlite %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
}

static void sqlite_exec(sqlite3 *db, const char *sql) { sqlite_check(db, sqlite3_exec(db, sql, NULL, NULL, NULL), sql); }

// A new database in DIR with sqlite's defaults (a rollback journal deleted at each commit,
// synchronous=FULL: the journal and the database are fsync'ed at every commit).
static void sqlite_run(const char *name, int rows, int per_transaction) {
    char path[512], journal[600];
    path_of(path, sizeof path, "bench.db");
    snprintf(journal, sizeof journal, "%s-journal", path);
    unlink(path);
    unlink(journal);
    sqlite3 *db = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK) {
        printf("error storage: sqlite open %s: %s\n", path, db ? sqlite3_errmsg(db) : "no memory");
        exit(1);
    }
    sqlite_exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER NOT NULL, v TEXT NOT NULL)");
    sqlite3_stmt *insert = NULL;
    sqlite_check(db, sqlite3_prepare_v2(db, "INSERT INTO t(k, v) VALUES(?1, ?2)", -1, &insert, NULL), "prepare");
    char value[101];

    double start = now_s();
    for (int row = 0; row < rows;) {
        sqlite_exec(db, "BEGIN");
        for (int i = 0; i < per_transaction && row < rows; i++, row++) {
            uint64_t r = next_random();
            for (size_t c = 0; c < sizeof value - 1; c++) value[c] = (char)('a' + (r >> (c % 60)) % 26);
            value[sizeof value - 1] = 0;
            sqlite3_bind_int64(insert, 1, (sqlite3_int64)(r >> 1));
            sqlite3_bind_text(insert, 2, value, -1, SQLITE_STATIC);
            sqlite_check(db, sqlite3_step(insert), "insert");
            sqlite3_reset(insert);
        }
        sqlite_exec(db, "COMMIT");
    }
    report(name, rows / (now_s() - start), "rows/s");
    sqlite3_finalize(insert);

    // Every row is there (not measured).
    sqlite3_stmt *count = NULL;
    sqlite_check(db, sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &count, NULL), "prepare count");
    sqlite_check(db, sqlite3_step(count), "count");
    if (sqlite3_column_int(count, 0) != rows) {
        printf("error storage: sqlite holds %d rows, not %d\n", sqlite3_column_int(count, 0), rows);
        exit(1);
    }
    sqlite3_finalize(count);
    sqlite_check(db, sqlite3_close(db), "close");
    if (unlink(path) < 0) fail("unlink bench.db");
}

static void bench_sqlite(void) {
    for (size_t i = 0; i < sizeof kSqliteRuns / sizeof kSqliteRuns[0]; i++)
        sqlite_run(kSqliteRuns[i].name, kSqliteRuns[i].rows, kSqliteRuns[i].per_transaction);
}

// --- main -------------------------------------------------------------------------------

static const struct {
    const char *name;
    void (*run)(void);
} kGroups[] = {
    {"seq", bench_seq},
    {"rand", bench_rand},
    {"small", bench_small},
    {"sqlite", bench_sqlite},
};
enum { kGroupCount = sizeof kGroups / sizeof kGroups[0] };

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);  // each line out at once, terminal or not
    if (argc < 2) {
        printf("error usage: storage DIR [seq|rand|small|sqlite...]\n");
        return 2;
    }
    dir = argv[1];
    buffer = malloc(kSeqChunk);
    if (!buffer) fail("malloc");
    for (size_t i = 0; i < kSeqChunk; i += sizeof(uint64_t)) {
        uint64_t r = next_random();
        memcpy(buffer + i, &r, sizeof r);
    }

    for (int i = 2; i < argc; i++) {
        int known = 0;
        for (size_t g = 0; g < kGroupCount; g++) known |= strcmp(argv[i], kGroups[g].name) == 0;
        if (!known) {
            printf("error unknown group %s\n", argv[i]);
            return 2;
        }
    }
    for (size_t g = 0; g < kGroupCount; g++) {
        int wanted = argc == 2;
        for (int i = 2; i < argc; i++) wanted |= strcmp(argv[i], kGroups[g].name) == 0;
        if (wanted) kGroups[g].run();
    }
    printf("done\n");
    return 0;
}
