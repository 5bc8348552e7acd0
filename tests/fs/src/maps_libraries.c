// A dynamically linked program's /proc/self/maps (issue 8): the files mapped are the program,
// ld.so and the libraries ld.so maps with mmap, each by its canonical path (Linux prints
// /usr/lib/x86_64-linux-gnu/libc.so.6 where /lib links to usr/lib), each with the inode of
// the file that path names. Prints the paths sorted and unique, the program's own as "EXE".
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int compare(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(void) {
    char exe[PATH_MAX];
    if (!realpath("/proc/self/exe", exe)) {
        perror("realpath /proc/self/exe");
        return 1;
    }
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) {
        perror("/proc/self/maps");
        return 1;
    }
    static char *paths[512];
    int count = 0, failures = 0;
    char line[PATH_MAX + 128];
    while (fgets(line, sizeof line, f) && count < 512) {
        unsigned long inode;
        int consumed = 0;
        if (sscanf(line, "%*x-%*x %*s %*x %*x:%*x %lu %n", &inode, &consumed) < 1)
            continue;
        char *path = line + consumed;
        path[strcspn(path, "\n")] = 0;
        if (path[0] != '/')
            continue;  // anonymous, [heap], [stack], [vdso]...
        struct stat st;
        if (stat(path, &st) != 0 || st.st_ino != inode) {
            fprintf(stderr, "FAIL: %s mapped with inode %lu, stat says otherwise\n", path, inode);
            failures++;
        }
        paths[count++] = strdup(strcmp(path, exe) == 0 ? "EXE" : path);
    }
    fclose(f);
    qsort(paths, count, sizeof paths[0], compare);
    for (int i = 0; i < count; i++)
        if (i == 0 || strcmp(paths[i], paths[i - 1]) != 0)
            printf("%s\n", paths[i]);
    return failures ? 1 : 0;
}
