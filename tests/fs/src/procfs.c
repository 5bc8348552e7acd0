// procfs and sysfs (kept apart: being written): what runtimes read. Every file is checked
// for its format and for agreement with what the process knows of itself (pid, argv,
// environment, auxv, open descriptors, uname); nothing host-specific is printed.
//   procfs ARGS...   (the test passes two arguments, to see them in cmdline)
#include "fs_test.h"

#include <sched.h>
#include <sys/auxv.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

extern char **environ;

// Reads a whole /proc file (sizes are 0 there, so read to EOF) into buf; returns its length.
static ssize_t slurp(const char *path, char *buf, size_t size) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        FAIL("open %s: %s", path, errno_name(errno));
        buf[0] = 0;
        return -1;
    }
    size_t total = 0;
    for (;;) {
        ssize_t n = read(fd, buf + total, size - 1 - total);
        if (n < 0) {
            FAIL("read %s: %s", path, errno_name(errno));
            break;
        }
        if (n == 0 || total + n == size - 1) {
            total += n;
            break;
        }
        total += n;
    }
    close(fd);
    buf[total] = 0;
    return total;
}

static char g_buf[1 << 20];

static void contains(const char *path, const char *text) {
    if (slurp(path, g_buf, sizeof g_buf) >= 0)
        CHECK(strstr(g_buf, text), "%s lacks \"%s\"", path, text);
}

static void self(const char *argv0, int argc, char **argv) {
    char link[PATH_MAX], expect[64];
    ssize_t n = readlink("/proc/self", link, sizeof link - 1);
    if (n < 0)
        FAIL("readlink /proc/self: %s", errno_name(errno));
    else {
        link[n] = 0;
        snprintf(expect, sizeof expect, "%d", (int)getpid());
        STREQ(link, expect);
    }
    n = readlink("/proc/self/exe", link, sizeof link - 1);
    if (n < 0)
        FAIL("readlink /proc/self/exe: %s", errno_name(errno));
    else {
        link[n] = 0;
        STREQ(link, argv0);
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/exe", (int)getpid());
    n = readlink(path, link, sizeof link - 1);
    if (n < 0)
        FAIL("readlink %s: %s", path, errno_name(errno));
    else {
        link[n] = 0;
        STREQ(link, argv0);
    }
    ok("/proc/self links to the pid; /proc/self/exe and /proc/<pid>/exe to the binary");

    // cmdline: the arguments, each ended by a NUL.
    n = slurp("/proc/self/cmdline", g_buf, sizeof g_buf);
    size_t expect_len = 0;
    for (int i = 0; i < argc; i++)
        expect_len += strlen(argv[i]) + 1;
    EQ(n, expect_len);
    const char *p = g_buf;
    for (int i = 0; i < argc && n > 0; i++) {
        STREQ(p, argv[i]);
        p += strlen(p) + 1;
    }
    // environ: the environment, the same way.
    n = slurp("/proc/self/environ", g_buf, sizeof g_buf);
    p = g_buf;
    for (char **e = environ; *e && n >= 0; e++) {
        STREQ(p, *e);
        p += strlen(p) + 1;
    }
    EQ(p - g_buf, n);
    ok("/proc/self/cmdline and environ hold argv and the environment, NUL-separated");

    // auxv: (type, value) pairs ending with AT_NULL, agreeing with getauxval.
    n = slurp("/proc/self/auxv", g_buf, sizeof g_buf);
    CHECK(n > 0 && n % 16 == 0, "/proc/self/auxv is %zd bytes", n);
    unsigned long *aux = (unsigned long *)g_buf;
    int found = 0;
    for (ssize_t i = 0; i + 1 < n / 8; i += 2) {
        if (aux[i] == AT_NULL)
            break;
        if (aux[i] == AT_PAGESZ || aux[i] == AT_ENTRY || aux[i] == AT_PHDR || aux[i] == AT_RANDOM) {
            CHECK(aux[i + 1] == getauxval(aux[i]), "auxv type %lu: %#lx, getauxval says %#lx",
                  aux[i], aux[i + 1], getauxval(aux[i]));
            found++;
        }
    }
    EQ(found, 4);
    ok("/proc/self/auxv agrees with getauxval on AT_PAGESZ, AT_ENTRY, AT_PHDR, AT_RANDOM");

    // maps: the binary, the stack, the heap, in the documented format.
    slurp("/proc/self/maps", g_buf, sizeof g_buf);
    CHECK(strstr(g_buf, argv0), "/proc/self/maps does not name the binary");
    CHECK(strstr(g_buf, "[stack]"), "/proc/self/maps has no [stack]");
    unsigned long lo, hi, off;
    char perms[8];
    CHECK(sscanf(g_buf, "%lx-%lx %4s %lx", &lo, &hi, perms, &off) == 4 && lo < hi,
          "/proc/self/maps first line malformed: %.80s", g_buf);
    unsigned long here = (unsigned long)(void *)&self;
    int covered = 0;
    for (char *line = g_buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 && lo <= here && here < hi)
            covered = perms[2] == 'x';
    CHECK(covered, "no executable line of /proc/self/maps covers this function");
    ok("/proc/self/maps lists the binary, [stack], and an executable range holding this code");

    // status, stat, statm.
    slurp("/proc/self/status", g_buf, sizeof g_buf);
    char line[128];
    snprintf(line, sizeof line, "\nPid:\t%d\n", (int)getpid());
    CHECK(strstr(g_buf, line), "/proc/self/status lacks \"Pid:\\t%d\"", (int)getpid());
    CHECK(strncmp(g_buf, "Name:\tprocfs", 12) == 0, "/proc/self/status Name: %.30s", g_buf);
    const char *fields[] = {"\nState:\t", "\nPPid:\t", "\nUid:\t", "\nGid:\t", "\nThreads:\t1\n",
                            "\nVmRSS:\t", "\nVmSize:\t", "\nSigBlk:\t"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        CHECK(strstr(g_buf, fields[i]), "/proc/self/status lacks \"%s\"", fields[i] + 1);
    slurp("/proc/self/stat", g_buf, sizeof g_buf);
    int pid = 0;
    char comm[64], state = 0;
    CHECK(sscanf(g_buf, "%d (%63[^)]) %c", &pid, comm, &state) == 3, "/proc/self/stat: %.60s",
          g_buf);
    EQ(pid, getpid());
    CHECK(strncmp(comm, "procfs", 6) == 0, "/proc/self/stat comm is %s", comm);
    int fields_count = 0;
    for (char *s = strrchr(g_buf, ')'); s && *s; s++)
        fields_count += *s == ' ';
    CHECK(fields_count >= 50, "/proc/self/stat has %d fields after comm", fields_count);
    slurp("/proc/self/statm", g_buf, sizeof g_buf);
    long v[7];
    EQ(sscanf(g_buf, "%ld %ld %ld %ld %ld %ld %ld", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
              &v[6]), 7);
    CHECK(v[0] > 0 && v[1] > 0 && v[1] <= v[0], "/proc/self/statm: %s", g_buf);
    ok("/proc/self/status, stat and statm in their formats, with this pid and name");

    // fd/: the open descriptors, as links to what they are.
    make_test_dir();
    write_file("target", "t");
    int fd = OK(open("target", O_RDONLY));
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    n = readlink(path, link, sizeof link - 1);
    char want[PATH_MAX];
    snprintf(want, sizeof want, "%s/target", g_test_dir);
    if (n < 0)
        FAIL("readlink %s: %s", path, errno_name(errno));
    else {
        link[n] = 0;
        STREQ(link, want);
    }
    // Opening /proc/self/fd/N opens the same file.
    int again = open(path, O_RDONLY);
    CHECK(again >= 0, "open %s: %s", path, errno_name(errno));
    if (again >= 0) {
        struct stat a, b;
        OK(fstat(fd, &a));
        OK(fstat(again, &b));
        EQ(a.st_ino, b.st_ino);
        close(again);
    }
    DIR *dir = opendir("/proc/self/fd");
    int seen_fd = 0, seen_0 = 0, entries = 0;
    if (!dir)
        FAIL("opendir /proc/self/fd: %s", errno_name(errno));
    else {
        struct dirent *e;
        while ((e = readdir(dir))) {
            entries++;
            seen_fd |= atoi(e->d_name) == fd;
            seen_0 |= strcmp(e->d_name, "0") == 0;
        }
        closedir(dir);
    }
    CHECK(seen_fd && seen_0, "/proc/self/fd lacks 0 or %d", fd);
    int pp[2];
    OK(pipe(pp));
    snprintf(path, sizeof path, "/proc/self/fd/%d", pp[0]);
    n = readlink(path, link, sizeof link - 1);
    if (n > 0) {
        link[n] = 0;
        CHECK(strncmp(link, "pipe:[", 6) == 0, "a pipe's fd link is \"%s\"", link);
    } else
        FAIL("readlink %s: %s", path, errno_name(errno));
    close(pp[0]);
    close(pp[1]);
    close(fd);
    ok("/proc/self/fd lists descriptors; links name the file (and pipe:[N]); opening one works");

    // mountinfo, mounts, cgroup.
    contains("/proc/self/mountinfo", " / / ");
    contains("/proc/self/mountinfo", " /dev/shm ");
    contains("/proc/self/mounts", " /dev/shm tmpfs ");
    contains("/proc/mounts", " /dev/shm tmpfs ");
    slurp("/proc/self/cgroup", g_buf, sizeof g_buf);
    CHECK(strstr(g_buf, "0::/"), "/proc/self/cgroup lacks a v2 line \"0::/\": %.60s", g_buf);
    ok("/proc/self/mountinfo, mounts and /proc/mounts list / and /dev/shm; cgroup has 0::/");
}

static void system_files(void) {
    int cpus = get_nprocs();
    slurp("/proc/cpuinfo", g_buf, sizeof g_buf);
    int processors = 0;
    for (char *s = g_buf; (s = strstr(s, "processor\t: ")); s++)
        processors++;
    EQ(processors, cpus);
    CHECK(strstr(g_buf, "\nflags\t\t: "), "/proc/cpuinfo has no flags line");
    CHECK(strstr(g_buf, "\nvendor_id\t: "), "/proc/cpuinfo has no vendor_id line");
    ok("/proc/cpuinfo: one processor block per online CPU, with vendor_id and flags");

    slurp("/proc/meminfo", g_buf, sizeof g_buf);
    long total = 0, avail = 0, free_kb = 0;
    char *s = strstr(g_buf, "MemTotal:");
    CHECK(s && sscanf(s, "MemTotal: %ld kB", &total) == 1 && total > 0, "MemTotal");
    s = strstr(g_buf, "MemFree:");
    CHECK(s && sscanf(s, "MemFree: %ld kB", &free_kb) == 1 && free_kb <= total, "MemFree");
    s = strstr(g_buf, "MemAvailable:");
    CHECK(s && sscanf(s, "MemAvailable: %ld kB", &avail) == 1 && avail <= total, "MemAvailable");
    struct sysinfo si;
    OK(sysinfo(&si));
    long si_total = (long)(si.totalram * si.mem_unit / 1024);
    CHECK(labs(si_total - total) <= total / 100 + 4, "MemTotal %ld kB, sysinfo %ld kB", total,
          si_total);
    ok("/proc/meminfo: MemTotal, MemFree, MemAvailable in kB, agreeing with sysinfo");

    slurp("/proc/stat", g_buf, sizeof g_buf);
    CHECK(strncmp(g_buf, "cpu ", 4) == 0, "/proc/stat does not start with \"cpu \"");
    CHECK(strstr(g_buf, "\ncpu0 "), "/proc/stat has no cpu0 line");
    CHECK(strstr(g_buf, "\nbtime "), "/proc/stat has no btime");
    double up = 0, idle = 0;
    slurp("/proc/uptime", g_buf, sizeof g_buf);
    CHECK(sscanf(g_buf, "%lf %lf", &up, &idle) == 2 && up > 0, "/proc/uptime: %s", g_buf);
    double l1, l5, l15;
    int running, threads, last;
    slurp("/proc/loadavg", g_buf, sizeof g_buf);
    CHECK(sscanf(g_buf, "%lf %lf %lf %d/%d %d", &l1, &l5, &l15, &running, &threads, &last) == 6,
          "/proc/loadavg: %s", g_buf);
    slurp("/proc/version", g_buf, sizeof g_buf);
    CHECK(strncmp(g_buf, "Linux version ", 14) == 0, "/proc/version: %.40s", g_buf);
    contains("/proc/filesystems", "\ttmpfs\n");
    contains("/proc/filesystems", "nodev\tproc\n");
    ok("/proc/stat, uptime, loadavg, version, filesystems in their formats");

    struct utsname u;
    OK(uname(&u));
    char text[256];
    slurp("/proc/sys/kernel/osrelease", text, sizeof text);
    CHECK(strlen(text) > 0 && text[strlen(text) - 1] == '\n', "osrelease has no newline");
    text[strcspn(text, "\n")] = 0;
    STREQ(text, u.release);
    slurp("/proc/sys/kernel/ostype", text, sizeof text);
    STREQ(text, "Linux\n");
    slurp("/proc/sys/kernel/hostname", text, sizeof text);
    text[strcspn(text, "\n")] = 0;
    STREQ(text, u.nodename);
    slurp("/proc/sys/kernel/pid_max", text, sizeof text);
    CHECK(atol(text) >= getpid(), "pid_max %s", text);
    slurp("/proc/sys/kernel/random/boot_id", text, sizeof text);
    unsigned a1, a2, a3, a4;
    unsigned long long a5;
    CHECK(sscanf(text, "%8x-%4x-%4x-%4x-%12llx", &a1, &a2, &a3, &a4, &a5) == 5 &&
              strlen(text) == 37,
          "boot_id: %s", text);
    char uuid1[64], uuid2[64];
    slurp("/proc/sys/kernel/random/uuid", uuid1, sizeof uuid1);
    slurp("/proc/sys/kernel/random/uuid", uuid2, sizeof uuid2);
    CHECK(strlen(uuid1) == 37 && strcmp(uuid1, uuid2) != 0, "random/uuid: %s then %s", uuid1,
          uuid2);
    slurp("/proc/sys/vm/overcommit_memory", text, sizeof text);
    CHECK(text[0] >= '0' && text[0] <= '2' && text[1] == '\n', "overcommit_memory: %s", text);
    ok("/proc/sys/kernel osrelease, ostype, hostname agree with uname; pid_max, boot_id, uuid, "
       "vm/overcommit_memory");

    cpu_set_t set;
    OK(sched_getaffinity(0, sizeof set, &set));
    for (int i = 0; i < 2; i++) {
        const char *path = i ? "/sys/devices/system/cpu/possible" : "/sys/devices/system/cpu/online";
        slurp(path, text, sizeof text);
        int lo = -1, hi = -1;
        int fields = sscanf(text, "%d-%d", &lo, &hi);
        if (fields == 1)
            hi = lo;
        CHECK(fields >= 1 && lo == 0 && text[strlen(text) - 1] == '\n', "%s: \"%s\"", path, text);
        if (i == 0)
            EQ(hi + 1, CPU_COUNT(&set));
        else
            CHECK(hi + 1 >= CPU_COUNT(&set), "%s: %s", path, text);
    }
    ok("/sys/devices/system/cpu/online and possible as ranges from 0, online = the affinity mask");
}

int main(int argc, char **argv) {
    self(argv[0], argc, argv);
    system_files();
    return 0;
}
