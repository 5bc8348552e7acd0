#include <ctype.h>

#include "wordstats.h"

void for_each_word(const char *line, void (*visit)(const char *word, size_t length, void *context), void *context) {
    const char *p = line;
    while (*p) {
        while (*p && !isalnum((unsigned char)*p)) p++;
        const char *start = p;
        while (*p && isalnum((unsigned char)*p)) p++;
        if (p > start) visit(start, (size_t)(p - start), context);
    }
}
