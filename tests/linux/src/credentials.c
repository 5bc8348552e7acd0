// Credentials: the set*id calls as root and after dropping privileges (who may take which
// id), the saved ids, setfsuid's return value, and the supplementary groups.
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <unistd.h>

static const char* result(int r) {
    static char buf[32];
    if (r == 0) return "ok";
    snprintf(buf, sizeof buf, "%s", errno == EPERM ? "EPERM" : errno == EINVAL ? "EINVAL" : strerror(errno));
    return buf;
}

static void ids(const char* when) {
    uid_t r, e, s;
    gid_t gr, ge, gs;
    getresuid(&r, &e, &s);
    getresgid(&gr, &ge, &gs);
    printf("%s: uid %u/%u/%u gid %u/%u/%u\n", when, r, e, s, gr, ge, gs);
}

int main(void) {
    if (geteuid() != 0) {
        printf("not root: nothing to check\n");
        return 0;
    }
    ids("start");
    gid_t groups[3] = {10, 20, 30}, out[8];
    printf("setgroups(3): %s\n", result(setgroups(3, groups)));
    int n = getgroups(8, out);
    printf("getgroups: %d = %u %u %u\n", n, out[0], out[1], out[2]);
    printf("getgroups(0): %d\n", getgroups(0, NULL));
    errno = 0;
    int small = getgroups(1, out);
    printf("getgroups(1): %d %s\n", small, errno == EINVAL ? "EINVAL" : "?");
    printf("setgroups(-1): %s\n", result(setgroups((size_t)-1, groups)));
    printf("setresgid(100,100,0): %s\n", result(setresgid(100, 100, 0)));
    printf("setresuid(1000,1000,0): %s\n", result(setresuid(1000, 1000, 0)));
    ids("dropped, saved 0");
    printf("setgroups as a user: %s\n", result(setgroups(0, NULL)));
    printf("setuid(5): %s\n", result(setuid(5)));
    int before = setfsuid(7);
    printf("setfsuid(7) returns %d, then %d\n", before, setfsuid(-1));
    printf("seteuid(0) through the saved id: %s\n", result(seteuid(0)));
    ids("effective root again");
    printf("setreuid(-1, 1000): %s\n", result(setreuid(-1, 1000)));
    ids("after setreuid");
    printf("setresuid(0,0,0): %s\n", result(setresuid(0, 0, 0)));
    printf("setuid(0) as root: %s\n", result(setuid(0)));
    printf("setresgid(0,0,0): %s\n", result(setresgid(0, 0, 0)));
    const char* cleared = result(setgroups(0, NULL));
    printf("setgroups(0): %s, now %d\n", cleared, getgroups(0, NULL));
    printf("setuid(2000) for good: %s\n", result(setuid(2000)));
    ids("for good");
    printf("setuid(0) back: %s\n", result(setuid(0)));
    return 0;
}
