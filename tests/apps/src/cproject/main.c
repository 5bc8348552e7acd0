#include <stdio.h>

#include "wordstats.h"

int main(void) {
    struct word_stats stats = {0, 0, 0, 14695981039346656037ul};
    char line[1024];
    size_t lines = 0;
    while (fgets(line, sizeof line, stdin)) {
        lines++;
        for_each_word(line, count_word, &stats);
    }
    printf("lines %zu, words %zu, letters %zu, longest %zu\n", lines, stats.words, stats.letters, stats.longest);
    printf("mean length %.3f, checksum %016lx\n", stats.words ? (double)stats.letters / stats.words : 0.0,
           stats.checksum);
    return 0;
}
