// A write-heavy workload to kill at random moments, and the check of what survives, for
// guest.volume.crash_kill (crash_kill.sh; docs/storage.md, "Crash consistency"). An
// ordinary Linux program: the guest runs it on a volume, the host runs the check on the
// tree debugfs copies out of the image.
//
//   crash_workload run DIR SEED START   forever: files DIR/f<seq> (seq from START on)
//                                       written and fsync'ed, then "S <seq>" on stdout;
//                                       older ones deleted after "D <seq>"; between them,
//                                       unsynced churn seeded by SEED
//   crash_workload check DIR LOG        DIR against the log of every run (their stdouts,
//                                       in order): each file synced and not deleted is
//                                       there with exactly its bytes; no f<seq> is corrupt
//
// A file's size, the way it is written and every byte come from its seq alone (plan()), so
// the log needs only the seq. Each line goes out with one write(2) before the step it
// announces: the kernel sends it through the UART before write returns, so a line that
// would matter ("D" before its unlink) reaches the host even when QEMU dies next.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "volume_program.h"

#define MAX_SIZE (400 * 1024)            // a file's final size
#define MAX_EXTENT (MAX_SIZE + 64 * 1024)  // garbage and overshoot go past it
#define MAX_OPS 1024
#define KEEP 32  // synced files kept; older ones are deleted
#define GARBAGE_SALT 0x5a17c0ffee000001ull

static const char* dir;
static uint64_t churn_state;  // the churn's random source, from SEED

static uint64_t next_random(uint64_t* state) { return mix(*state += 0x632be59bd9b4e019ull); }
static uint64_t below(uint64_t* state, uint64_t n) { return n ? next_random(state) % n : 0; }
static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

// The byte at `at` of the file `seq`, and of the garbage some files get first.
static uint8_t byte_of(uint64_t seed, uint64_t at) { return (uint8_t)(mix(seed * 1000003u + at / 8) >> (8 * (at % 8))); }
static uint8_t content_byte(uint64_t seq, uint64_t at) { return byte_of(seq, at); }
static uint8_t garbage_byte(uint64_t seq, uint64_t at) { return byte_of(seq ^ GARBAGE_SALT, at); }

// One line on stdout, in one write.
static void say(const char* format, ...) {
    char line[128];
    va_list args;
    va_start(args, format);
    int n = vsnprintf(line, sizeof line, format, args);
    va_end(args);
    if (write(1, line, (size_t)n) != n) fail("write", "stdout");
}

// ---- a file's plan: the same steps in the guest and in the check ----

enum { OP_PWRITE, OP_SEEK_WRITE, OP_APPEND, OP_GARBAGE, OP_TRUNCATE };
struct op {
    int kind;
    uint64_t offset, length;  // a truncate's new size is its offset
};
struct plan {
    struct op ops[MAX_OPS];
    int count;
    uint64_t size;  // the final one
    int garbage;    // some bytes may be garbage part way
};

// [from, to) in pieces of up to `scale` bytes; the last piece takes the rest rather than
// overflow the list.
static void add_pieces(struct plan* p, uint64_t* s, int kind, uint64_t from, uint64_t to, uint64_t scale) {
    while (from < to) {
        uint64_t length = 1 + below(s, scale);
        if (p->count >= MAX_OPS - 8 || length > to - from) length = to - from;
        int k = kind == OP_PWRITE && below(s, 3) == 0 ? OP_SEEK_WRITE : kind;
        p->ops[p->count++] = (struct op){k, from, length};
        from += length;
    }
}

static void plan_of(uint64_t seq, struct plan* p) {
    uint64_t s = seq * 0x2545f4914f6cdd1dull + 17;
    uint64_t r = below(&s, 100), size;
    if (r < 6)
        size = 0;
    else if (r < 30)
        size = 1 + below(&s, 4096);
    else if (r < 65)
        size = 1 + below(&s, 65536);
    else
        size = 1 + below(&s, MAX_SIZE);
    // Pieces from a few bytes to more than one 64 KiB transaction, at most ~100 a region.
    static const uint64_t scales[] = {512, 4096, 20000, 70000, 200000};
    uint64_t scale = scales[below(&s, 5)];
    if (scale < size / 100) scale = size / 100;
    p->count = 0;
    p->size = size;
    p->garbage = 0;
    switch (below(&s, 5)) {
        case 0:  // front to back, pwrite and lseek+write
            add_pieces(p, &s, OP_PWRITE, 0, size, scale);
            break;
        case 1:  // appended (O_APPEND)
            add_pieces(p, &s, OP_APPEND, 0, size, scale);
            break;
        case 2: {  // pieces in a shuffled order, a third of them left as holes
            uint64_t cuts[10];
            int pieces = 1 + (int)below(&s, 8);
            cuts[0] = 0;
            cuts[pieces] = size;
            for (int i = 1; i < pieces; i++) cuts[i] = below(&s, size + 1);
            for (int i = 1; i < pieces; i++)
                for (int j = i + 1; j < pieces; j++)
                    if (cuts[j] < cuts[i]) {
                        uint64_t t = cuts[i];
                        cuts[i] = cuts[j];
                        cuts[j] = t;
                    }
            int order[9];
            for (int i = 0; i < pieces; i++) order[i] = i;
            for (int i = pieces - 1; i > 0; i--) {
                int j = (int)below(&s, (uint64_t)i + 1), t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int i = 0; i < pieces; i++) {
                if (below(&s, 3) == 0) continue;
                add_pieces(p, &s, OP_PWRITE, cuts[order[i]], cuts[order[i] + 1], scale);
            }
            p->ops[p->count++] = (struct op){OP_TRUNCATE, size, 0};  // a hole at the end stays one
            break;
        }
        case 3: {  // garbage first, then overwritten and cut to size
            uint64_t extra = below(&s, 65536);
            add_pieces(p, &s, OP_GARBAGE, 0, size + extra, scale);
            add_pieces(p, &s, OP_PWRITE, 0, size, scale);
            p->ops[p->count++] = (struct op){OP_TRUNCATE, size, 0};
            p->garbage = 1;
            break;
        }
        default: {  // past the end, cut back below the size, the rest written again
            uint64_t extra = below(&s, 65536), cut = below(&s, size + 1);
            add_pieces(p, &s, OP_PWRITE, 0, size + extra, scale);
            p->ops[p->count++] = (struct op){OP_TRUNCATE, cut, 0};
            add_pieces(p, &s, OP_PWRITE, cut, size, scale);
            break;
        }
    }
}

// ---- run: the workload ----

static uint8_t buffer[MAX_EXTENT];

static void full_write(int fd, const uint8_t* data, uint64_t length, const char* path) {
    ssize_t n = write(fd, data, length);
    if (n != (ssize_t)length) fail("write", path);
}

static void do_op(int fd, uint64_t seq, const struct op* op, const char* path) {
    if (op->kind == OP_TRUNCATE) {
        if (ftruncate(fd, (off_t)op->offset)) fail("ftruncate", path);
        return;
    }
    for (uint64_t i = 0; i < op->length; i++)
        buffer[i] = op->kind == OP_GARBAGE ? garbage_byte(seq, op->offset + i) : content_byte(seq, op->offset + i);
    switch (op->kind) {
        case OP_SEEK_WRITE:
            if (lseek(fd, (off_t)op->offset, SEEK_SET) != (off_t)op->offset) fail("lseek", path);
            full_write(fd, buffer, op->length, path);
            break;
        case OP_APPEND:
            if (fcntl(fd, F_SETFL, O_APPEND)) fail("fcntl O_APPEND", path);
            full_write(fd, buffer, op->length, path);
            if (fcntl(fd, F_SETFL, 0)) fail("fcntl", path);
            break;
        default:
            if (pwrite(fd, buffer, op->length, (off_t)op->offset) != (ssize_t)op->length) fail("pwrite", path);
    }
}

// The churn: scratch files and directories that are never synced, each kind kept to a few
// names. DIR/s<id> files, DIR/h<id> second names of them, DIR/d<id>/e<id>, and files
// unlinked while open (some still open when the VM dies).
#define SCRATCH_MAX 16
#define LINKS_MAX 6
#define DIRS_MAX 4
#define ENTRIES_MAX 4
#define OPEN_MAX 6
static unsigned scratch[SCRATCH_MAX], links_[LINKS_MAX];
static int scratch_count, link_count;
static struct subdir {
    unsigned id, entries[ENTRIES_MAX];
    int count;
} dirs[DIRS_MAX];
static int dir_count;
static int open_fds[OPEN_MAX];
static int open_count;
static unsigned next_id;

static void name_of(char* out, char kind, unsigned id) { snprintf(out, 256, "%s/%c%u", dir, kind, id); }
static void entry_of(char* out, unsigned d, unsigned e) { snprintf(out, 256, "%s/d%u/e%u", dir, d, e); }

static void random_fill(uint64_t length) {
    for (uint64_t i = 0; i < length; i += 8) {
        uint64_t r = next_random(&churn_state);
        memcpy(buffer + i, &r, 8);
    }
}

// Random bytes at a random place, in a few writes.
static void scribble(int fd, const char* path, uint64_t max) {
    uint64_t at = below(&churn_state, max), length = below(&churn_state, max);
    random_fill(length);
    for (uint64_t done = 0; done < length;) {
        uint64_t n = min_u64(length - done, 1 + below(&churn_state, 70000));
        if (pwrite(fd, buffer + done, n, (off_t)(at + done)) != (ssize_t)n) fail("pwrite", path);
        done += n;
    }
}

static void drop(unsigned* list, int* count, int i) { list[i] = list[--*count]; }

static void close_one_open(void) {
    int i = (int)below(&churn_state, (uint64_t)open_count);
    if (close(open_fds[i])) fail("close", "an unlinked file");
    open_fds[i] = open_fds[--open_count];
}

static void churn_once(void) {
    char a[256], b[256];
    int kind = (int)below(&churn_state, 11);
    if (scratch_count < 2 && kind != 5 && kind != 6 && kind != 7 && kind != 9) kind = 0;  // needs a scratch file
    switch (kind) {
        case 0: {  // a scratch file made and written
            if (scratch_count == SCRATCH_MAX) return;
            unsigned id = next_id++;
            name_of(a, 's', id);
            int fd = open(a, O_CREAT | O_EXCL | O_WRONLY, 0644);
            if (fd < 0) fail("create", a);
            scribble(fd, a, 128 * 1024);
            if (close(fd)) fail("close", a);
            scratch[scratch_count++] = id;
            return;
        }
        case 1: {  // renamed over another, or to a new name
            int i = (int)below(&churn_state, (uint64_t)scratch_count), j = (int)below(&churn_state, (uint64_t)scratch_count);
            name_of(a, 's', scratch[i]);
            if (i == j) {
                unsigned id = next_id++;
                name_of(b, 's', id);
                if (rename(a, b)) fail("rename", a);
                scratch[i] = id;
                return;
            }
            name_of(b, 's', scratch[j]);
            if (rename(a, b)) fail("rename over", a);
            drop(scratch, &scratch_count, i);
            return;
        }
        case 2: {  // cut or grown
            name_of(a, 's', scratch[below(&churn_state, (uint64_t)scratch_count)]);
            if (truncate(a, (off_t)below(&churn_state, 200 * 1024))) fail("truncate", a);
            return;
        }
        case 3: {  // a second name
            if (link_count == LINKS_MAX) return;
            unsigned id = next_id++;
            name_of(a, 's', scratch[below(&churn_state, (uint64_t)scratch_count)]);
            name_of(b, 'h', id);
            if (link(a, b)) fail("link", b);
            links_[link_count++] = id;
            return;
        }
        case 4: {  // a name removed
            if (link_count && below(&churn_state, 2)) {
                int i = (int)below(&churn_state, (uint64_t)link_count);
                name_of(a, 'h', links_[i]);
                if (unlink(a)) fail("unlink", a);
                drop(links_, &link_count, i);
                return;
            }
            int i = (int)below(&churn_state, (uint64_t)scratch_count);
            name_of(a, 's', scratch[i]);
            if (unlink(a)) fail("unlink", a);
            drop(scratch, &scratch_count, i);
            return;
        }
        case 5: {  // a directory with a few files
            if (dir_count == DIRS_MAX) return;
            struct subdir* d = &dirs[dir_count];
            d->id = next_id++;
            d->count = 0;
            name_of(a, 'd', d->id);
            if (mkdir(a, 0755)) fail("mkdir", a);
            dir_count++;
            for (int n = 1 + (int)below(&churn_state, 3); n > 0; n--) {
                unsigned e = next_id++;
                entry_of(b, d->id, e);
                int fd = open(b, O_CREAT | O_EXCL | O_WRONLY, 0600);
                if (fd < 0) fail("create", b);
                scribble(fd, b, 16 * 1024);
                if (close(fd)) fail("close", b);
                d->entries[d->count++] = e;
            }
            return;
        }
        case 6: {  // a file moved to another directory, or a directory renamed
            if (!dir_count) return;
            struct subdir* from = &dirs[below(&churn_state, (uint64_t)dir_count)];
            struct subdir* to = &dirs[below(&churn_state, (uint64_t)dir_count)];
            if (from == to || !from->count || to->count == ENTRIES_MAX) {
                unsigned id = next_id++;
                name_of(a, 'd', from->id);
                name_of(b, 'd', id);
                if (rename(a, b)) fail("rename a directory", a);
                from->id = id;
                return;
            }
            int i = (int)below(&churn_state, (uint64_t)from->count);
            entry_of(a, from->id, from->entries[i]);
            entry_of(b, to->id, from->entries[i]);
            if (rename(a, b)) fail("rename across directories", a);
            to->entries[to->count++] = from->entries[i];
            drop(from->entries, &from->count, i);
            return;
        }
        case 7: {  // a directory emptied and removed
            if (!dir_count) return;
            int i = (int)below(&churn_state, (uint64_t)dir_count);
            struct subdir* d = &dirs[i];
            for (int e = 0; e < d->count; e++) {
                entry_of(a, d->id, d->entries[e]);
                if (unlink(a)) fail("unlink", a);
            }
            name_of(a, 'd', d->id);
            if (rmdir(a)) fail("rmdir", a);
            dirs[i] = dirs[--dir_count];
            return;
        }
        case 8: {  // opened, unlinked, then written: kept open, or closed at once
            int i = (int)below(&churn_state, (uint64_t)scratch_count);
            name_of(a, 's', scratch[i]);
            int fd = open(a, O_RDWR);
            if (fd < 0) fail("open", a);
            if (unlink(a)) fail("unlink an open file", a);
            drop(scratch, &scratch_count, i);
            scribble(fd, a, 256 * 1024);
            if (open_count == OPEN_MAX || below(&churn_state, 3) == 0) {
                if (close(fd)) fail("close", a);
            } else {
                open_fds[open_count++] = fd;
            }
            return;
        }
        case 9: {  // an unlinked open file written or cut, or closed (its blocks freed)
            if (!open_count) return;
            int fd = open_fds[below(&churn_state, (uint64_t)open_count)];
            if (below(&churn_state, 3) == 0)
                close_one_open();
            else if (below(&churn_state, 2))
                scribble(fd, "an unlinked file", 256 * 1024);
            else if (ftruncate(fd, (off_t)below(&churn_state, 128 * 1024)))
                fail("ftruncate", "an unlinked file");
            return;
        }
        default: {  // appended to
            name_of(a, 's', scratch[below(&churn_state, (uint64_t)scratch_count)]);
            int fd = open(a, O_WRONLY | O_APPEND);
            if (fd < 0) fail("open", a);
            uint64_t length = below(&churn_state, 30000);
            random_fill(length);
            full_write(fd, buffer, length, a);
            if (close(fd)) fail("close", a);
            return;
        }
    }
}

static int parse_seq(const char* name, uint64_t* seq) {
    if (name[0] != 'f' || !name[1]) return 0;
    char* end;
    errno = 0;
    *seq = strtoull(name + 1, &end, 10);
    return !*end && !errno && name[1] >= '0' && name[1] <= '9';
}

static void remove_tree(int parent, const char* name) {
    if (unlinkat(parent, name, 0) == 0) return;
    if (errno != EISDIR && errno != EPERM) fail("unlink", name);
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY);
    if (fd < 0) fail("open", name);
    DIR* d = fdopendir(fd);
    if (!d) fail("fdopendir", name);
    for (struct dirent* e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) remove_tree(fd, e->d_name);
    closedir(d);
    if (unlinkat(parent, name, AT_REMOVEDIR)) fail("rmdir", name);
}

static int compare_u64(const void* a, const void* b) {
    uint64_t x = *(const uint64_t*)a, y = *(const uint64_t*)b;
    return x < y ? -1 : x > y;
}

static struct plan the_plan;

static void write_synced(uint64_t seq) {
    char path[256];
    snprintf(path, sizeof path, "%s/f%llu", dir, (unsigned long long)seq);
    plan_of(seq, &the_plan);
    say("W %llu\n", (unsigned long long)seq);
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
    if (fd < 0) fail("create", path);
    for (int i = 0; i < the_plan.count; i++) {
        if (below(&churn_state, 6) == 0) churn_once();
        do_op(fd, seq, &the_plan.ops[i], path);
    }
    if (fsync(fd)) fail("fsync", path);
    if (close(fd)) fail("close", path);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd < 0) fail("open", dir);
    if (fsync(dfd)) fail("fsync", dir);
    close(dfd);
    say("S %llu\n", (unsigned long long)seq);
}

static _Noreturn void run(uint64_t seed, uint64_t seq) {
    churn_state = seed;
    if (mkdir(dir, 0755) && errno != EEXIST) fail("mkdir", dir);
    say("crash workload: started (seed %llu)\n", (unsigned long long)seed);
    // What the last run left: its f files stay (the oldest deleted in turn, as ours are);
    // its churn goes.
    static uint64_t live[4096];
    int live_count = 0;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) fail("open", dir);
    DIR* d = fdopendir(fd);
    if (!d) fail("fdopendir", dir);
    for (struct dirent* e; (e = readdir(d));) {
        uint64_t n;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (parse_seq(e->d_name, &n) && live_count < 4096) {
            live[live_count++] = n;
            if (n >= seq) seq = n + 1;
        } else {
            remove_tree(fd, e->d_name);
        }
    }
    closedir(d);
    qsort(live, (size_t)live_count, sizeof live[0], compare_u64);
    for (;;) {
        for (int n = (int)below(&churn_state, 4); n > 0; n--) churn_once();
        write_synced(seq);
        live[live_count++] = seq++;
        while (live_count > KEEP) {  // one of the older half goes
            int i = (int)below(&churn_state, (uint64_t)live_count / 2);
            char path[256];
            snprintf(path, sizeof path, "%s/f%llu", dir, (unsigned long long)live[i]);
            say("D %llu\n", (unsigned long long)live[i]);
            if (unlink(path)) fail("unlink", path);
            memmove(live + i, live + i + 1, (size_t)(live_count - i - 1) * sizeof live[0]);
            live_count--;
        }
    }
}

// ---- check: the tree against the log ----

enum { UNSEEN, BEGUN, SYNCED, DELETED };
struct record {
    unsigned char state, was_synced, found;
};
static struct record* records;
static uint64_t record_count;
static uint8_t expected[MAX_EXTENT], actual[MAX_EXTENT + 1];
static int failures;

static void complain(uint64_t seq, const char* format, ...) {
    va_list args;
    va_start(args, format);
    fprintf(stderr, "FAIL: f%llu: ", (unsigned long long)seq);
    vfprintf(stderr, format, args);
    fprintf(stderr, "\n");
    va_end(args);
    failures++;
}

static struct record* record_of(uint64_t seq) {
    if (seq >= 100000000) return NULL;
    if (seq >= record_count) {
        uint64_t count = record_count ? record_count : 1024;
        while (count <= seq) count *= 2;
        records = realloc(records, count * sizeof *records);
        if (!records) fail("realloc", "records");
        memset(records + record_count, 0, (count - record_count) * sizeof *records);
        record_count = count;
    }
    return &records[seq];
}

static void read_log(const char* log) {
    FILE* f = fopen(log, "r");
    if (!f) fail("open", log);
    char line[256];
    while (fgets(line, sizeof line, f)) {
        char what;
        unsigned long long seq;
        if (sscanf(line, "%c %llu", &what, &seq) != 2 || !strchr("WSD", what) || line[1] != ' ') continue;
        struct record* r = record_of(seq);
        if (!r) continue;
        if (what == 'W') {
            if (r->state != UNSEEN) complain(seq, "begun twice in the log");
            r->state = BEGUN;
        } else if (what == 'S') {
            r->state = SYNCED;
            r->was_synced = 1;
        } else {
            r->state = DELETED;
        }
    }
    fclose(f);
}

// Reads the file into `actual`; its size, or -1.
static int64_t read_file(const char* path, uint64_t seq) {
    struct stat st;
    if (lstat(path, &st)) fail("lstat", path);
    if (!S_ISREG(st.st_mode)) {
        complain(seq, "not a regular file (mode %o)", st.st_mode);
        return -1;
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0) fail("open", path);
    uint64_t size = 0;
    for (;;) {
        ssize_t n = read(fd, actual + size, sizeof actual - size);
        if (n < 0) fail("read", path);
        if (n == 0 || size + (uint64_t)n == sizeof actual) {
            size += (uint64_t)n;
            break;
        }
        size += (uint64_t)n;
    }
    close(fd);
    if ((uint64_t)st.st_size != size && size < sizeof actual) complain(seq, "st_size %lld but %llu bytes read",
                                                                       (long long)st.st_size, (unsigned long long)size);
    return (int64_t)size;
}

// The file as its plan leaves it; returns the largest size it had on the way.
static uint64_t simulate(uint64_t seq, uint64_t* final_size) {
    plan_of(seq, &the_plan);
    memset(expected, 0, sizeof expected);
    uint64_t size = 0, largest = 0;
    for (int i = 0; i < the_plan.count; i++) {
        const struct op* op = &the_plan.ops[i];
        if (op->kind == OP_TRUNCATE) {
            if (op->offset < size) memset(expected + op->offset, 0, size - op->offset);
            size = op->offset;
        } else {
            for (uint64_t j = 0; j < op->length; j++)
                expected[op->offset + j] = op->kind == OP_GARBAGE ? garbage_byte(seq, op->offset + j)
                                                                  : content_byte(seq, op->offset + j);
            if (op->offset + op->length > size) size = op->offset + op->length;
        }
        if (size > largest) largest = size;
    }
    *final_size = size;
    return largest;
}

static int check(const char* log) {
    read_log(log);
    DIR* d = opendir(dir);
    if (!d) fail("opendir", dir);
    unsigned synced = 0, deleted_there = 0, unfinished = 0;
    uint64_t bytes = 0;
    for (struct dirent* e; (e = readdir(d));) {
        uint64_t seq;
        if (!parse_seq(e->d_name, &seq)) continue;
        struct record* r = record_of(seq);
        if (!r || r->state == UNSEEN) {
            complain(seq, "a file the log never began");
            continue;
        }
        r->found = 1;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        int64_t size = read_file(path, seq);
        if (size < 0) continue;
        bytes += (uint64_t)size;
        uint64_t final_size, largest = simulate(seq, &final_size);
        if (r->was_synced) {
            // Synced: exactly its bytes, also when deleted since (an unlink is all or nothing).
            if ((uint64_t)size != final_size) {
                complain(seq, "synced with %llu bytes, found %lld", (unsigned long long)final_size, (long long)size);
                continue;
            }
            for (uint64_t i = 0; i < final_size; i++)
                if (actual[i] != expected[i]) {
                    complain(seq, "synced, but byte %llu is %#x, not %#x", (unsigned long long)i, actual[i],
                             expected[i]);
                    break;
                }
            if (r->state == SYNCED)
                synced++;
            else
                deleted_there++;
            continue;
        }
        // Unfinished when the VM died: any state on the way; every byte is one the plan
        // wrote there, or zero (a hole, or not written yet).
        unfinished++;
        if ((uint64_t)size > largest) {
            complain(seq, "unfinished, %lld bytes, more than its plan ever makes (%llu)", (long long)size,
                     (unsigned long long)largest);
            continue;
        }
        for (uint64_t i = 0; i < (uint64_t)size; i++) {
            uint8_t b = actual[i];
            if (b == 0 || b == content_byte(seq, i) || (the_plan.garbage && b == garbage_byte(seq, i))) continue;
            complain(seq, "unfinished, byte %llu is %#x: neither its own, nor zero", (unsigned long long)i, b);
            break;
        }
    }
    closedir(d);
    unsigned missing = 0;
    for (uint64_t seq = 0; seq < record_count; seq++)
        if (records[seq].state == SYNCED && !records[seq].found) {
            complain(seq, "synced and never deleted, but missing");
            missing++;
        }
    printf("%u synced files intact, %u deleted but still there intact, %u unfinished valid, %llu bytes read\n",
           synced, deleted_there, unfinished, (unsigned long long)bytes);
    return failures ? 1 : 0;
}

int main(int argc, char** argv) {
    if (argc == 5 && !strcmp(argv[1], "run")) {
        dir = argv[2];
        run(strtoull(argv[3], NULL, 0), strtoull(argv[4], NULL, 0));
    }
    if (argc == 4 && !strcmp(argv[1], "check")) {
        dir = argv[2];
        return check(argv[3]);
    }
    fprintf(stderr, "usage: %s run DIR SEED START | check DIR LOG\n", argv[0]);
    return 2;
}
