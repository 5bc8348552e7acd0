// Prints argc, every argument and the OSPREY_TEST_* environment variables (sorted), so a
// runner can pass arguments and environment and compare the output with the host's.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int compare_strings(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
    printf("argc: %d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]: [%s]\n", i, argv[i]);
    if (argv[argc] != NULL) {
        fprintf(stderr, "FAIL: argv[argc] is not NULL\n");
        return 1;
    }

    size_t count = 0;
    for (char **e = environ; *e; e++)
        if (strncmp(*e, "OSPREY_TEST_", 12) == 0)
            count++;
    char **selected = calloc(count + 1, sizeof *selected);
    if (!selected) {
        fprintf(stderr, "FAIL: calloc\n");
        return 1;
    }
    size_t n = 0;
    for (char **e = environ; *e; e++)
        if (strncmp(*e, "OSPREY_TEST_", 12) == 0)
            selected[n++] = *e;
    qsort(selected, n, sizeof *selected, compare_strings);
    printf("env: %zu OSPREY_TEST_ variables\n", n);
    for (size_t i = 0; i < n; i++)
        printf("env: [%s]\n", selected[i]);

    // getenv must agree with the environment block.
    for (size_t i = 0; i < n; i++) {
        char name[256];
        const char *eq = strchr(selected[i], '=');
        size_t len = eq ? (size_t)(eq - selected[i]) : strlen(selected[i]);
        if (len >= sizeof name)
            continue;
        memcpy(name, selected[i], len);
        name[len] = 0;
        const char *value = getenv(name);
        if (!value || !eq || strcmp(value, eq + 1) != 0) {
            fprintf(stderr, "FAIL: getenv(%s) disagrees with environ\n", name);
            return 1;
        }
    }
    printf("args ok\n");
    return 0;
}
