// wordstats: counts the words of its standard input and prints a few figures about them.
#pragma once

#include <stddef.h>

struct word_stats {
    size_t words;
    size_t letters;
    size_t longest;
    unsigned long checksum;  // FNV-1a over the words in order, so order matters
};

// Calls `visit` for each word (a run of letters and digits) of `line`.
void for_each_word(const char *line, void (*visit)(const char *word, size_t length, void *context), void *context);

// Adds one word to the figures.
void count_word(const char *word, size_t length, void *stats);
