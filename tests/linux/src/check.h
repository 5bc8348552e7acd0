// The check every "ok:" case prints through: "ok: WHAT" on stdout (compared with the host's
// run), "FAIL: WHAT" on stderr, and a count of failures for main's exit status.
#pragma once

#include <stdio.h>

static int failures;

static void check(int ok, const char *what) {
    if (ok) {
        printf("ok: %s\n", what);
    } else {
        fprintf(stderr, "FAIL: %s\n", what);
        failures++;
    }
}
