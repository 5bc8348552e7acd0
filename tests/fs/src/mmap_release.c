// A file's mapping lets go of the file when it is unmapped: 400 rounds of create a 1 MiB
// file in /tmp, map it shared, write through the mapping, unmap, close and remove it. If
// unmapping kept the file alive, the 400 MiB would outgrow the guest's memory (tmpfs pages)
// and the loop would fail; on Linux it is the ordinary page-cache life of a removed file.
// Also: pieces of one mapping left by munmap and mprotect keep their file, and their pages
// still fault in from it.
#include "fs_test.h"

#include <sys/mman.h>

enum { SIZE = 1 << 20, ROUNDS = 400, PAGE = 4096 };

// Per process: the host runs the static and musl builds at the same time.
static char g_release_path[64], g_pieces_path[64];

static void rounds_of_removed_files(void) {
    for (int round = 0; round < ROUNDS; round++) {
        int fd = OK(open(g_release_path, O_RDWR | O_CREAT | O_TRUNC, 0600));
        REQUIRE(fd >= 0, "open in round %d", round);
        REQUIRE(ftruncate(fd, SIZE) == 0, "ftruncate in round %d: %s", round, errno_name(errno));
        unsigned char *map = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        REQUIRE(map != MAP_FAILED, "mmap in round %d: %s", round, errno_name(errno));
        for (int i = 0; i < SIZE; i += PAGE) map[i] = (unsigned char)(round + i / PAGE);
        CHECK(map[SIZE - PAGE] == (unsigned char)(round + SIZE / PAGE - 1), "last page in round %d", round);
        OK(munmap(map, SIZE));
        OK(close(fd));
        OK(unlink(g_release_path));
    }
    ok("%d rounds of a 1 MiB file mapped shared, written, unmapped and removed", ROUNDS);
}

static void pieces_keep_their_file(void) {
    int fd = OK(open(g_pieces_path, O_RDWR | O_CREAT | O_TRUNC, 0600));
    unsigned char page[PAGE];
    for (int p = 0; p < 8; p++) {
        memset(page, 'a' + p, sizeof page);
        EQ(write(fd, page, sizeof page), PAGE);
    }
    unsigned char *map = mmap(NULL, 8 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    REQUIRE(map != MAP_FAILED, "mmap: %s", errno_name(errno));
    OK(close(fd));
    OK(unlink(g_pieces_path));
    // Nothing touched yet: every page below faults in from the removed file.
    OK(munmap(map + 2 * PAGE, 2 * PAGE));        // pieces [0,2) and [4,8)
    OK(mprotect(map + 5 * PAGE, PAGE, PROT_NONE));  // [4,5) [5,6) [6,8)
    OK(munmap(map, PAGE));                        // [1,2) left of the first piece
    EQ(map[1 * PAGE], 'b');
    EQ(map[4 * PAGE], 'e');
    EQ(map[6 * PAGE + 100], 'g');
    EQ(map[7 * PAGE + PAGE - 1], 'h');
    OK(mprotect(map + 5 * PAGE, PAGE, PROT_READ));
    EQ(map[5 * PAGE], 'f');
    OK(munmap(map, 8 * PAGE));  // the rest, holes included
    ok("pieces of a mapping of a removed file keep faulting in its bytes");
}

int main(void) {
    snprintf(g_release_path, sizeof g_release_path, "/tmp/osprey-mmap-release-%d", (int)getpid());
    snprintf(g_pieces_path, sizeof g_pieces_path, "/tmp/osprey-mmap-pieces-%d", (int)getpid());
    rounds_of_removed_files();
    pieces_keep_their_file();
    return g_failures ? 1 : 0;
}
