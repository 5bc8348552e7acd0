// What the Linux guest's /init programs of the benchmarks share (net_init.c,
// storage_init.c): their arguments, ending the VM, failing loudly, mounting, loading the
// kernel modules the initramfs carries, and starting the benchmark's program.
//
// Their command line is the kernel's after `--`: PROGRAM [ARGS...] [--poweroff]. Every
// step that fails prints `error INIT_NAME: ...` on the console and ends the VM.
#ifndef BENCH_LINUX_INIT_H
#define BENCH_LINUX_INIT_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *init_name = "init";  // in messages; each /init sets its own
static int poweroff;

// With --poweroff, resets the VM (QEMU runs with -no-reboot; microvm has no ACPI).
static void finish(int status) {
    fflush(stdout);
    if (poweroff) reboot(RB_AUTOBOOT);
    exit(status);
}

static void fail(const char *what) {
    printf("error %s: %s: %s\n", init_name, what, strerror(errno));
    finish(1);
}

// Takes init's own words off the end of its arguments and returns the program's argc:
// QEMU's microvm appends its `virtio_mmio.device=` words to the kernel command line, after
// the `--` that starts init's arguments (they are the kernel's, not the program's), and
// the harness ends it with --poweroff.
static int init_arguments(int argc, char **argv) {
    while (argc > 1 && strncmp(argv[argc - 1], "virtio_mmio.", 12) == 0) argv[--argc] = NULL;
    poweroff = argc > 1 && strcmp(argv[argc - 1], "--poweroff") == 0;
    if (poweroff) argv[--argc] = NULL;
    if (argc < 2) {
        printf("error usage: %s PROGRAM [ARGS...] [--poweroff]\n", init_name);
        finish(2);
    }
    return argc;
}

static void mount_at(const char *type, const char *path) {
    mkdir(path, 0755);
    if (mount(type, path, type, 0, NULL) < 0) fail(path);
}

// The `virtio_mmio.device=...` words of the kernel command line, as virtio_mmio's own
// options: "device=512@0xfeb00e00:12 device=...". The kernel leaves options of loadable
// modules to the module loader (modprobe reads /proc/cmdline), so they are handed over
// here, as modprobe would.
static void virtio_mmio_options(char *out, size_t size) {
    static const char kPrefix[] = "virtio_mmio.";
    char line[4096] = "";
    FILE *f = fopen("/proc/cmdline", "r");
    if (f) {
        if (!fgets(line, sizeof line, f)) line[0] = 0;
        fclose(f);
    }
    out[0] = 0;
    for (char *word = strtok(line, " \n"); word; word = strtok(NULL, " \n")) {
        if (strncmp(word, kPrefix, sizeof kPrefix - 1) != 0) continue;
        if (strlen(out) + strlen(word) + 2 > size) break;
        if (out[0]) strcat(out, " ");
        strcat(out, word + sizeof kPrefix - 1);
    }
}

// Loads the modules listed, in order, in /bench-modules/order (one file name a line, from
// /bench-modules/; bench/lib/linux_modules.sh writes both) with finit_module. Needs /proc.
static void load_modules(void) {
    char mmio[1024], name[256];
    virtio_mmio_options(mmio, sizeof mmio);
    FILE *order = fopen("/bench-modules/order", "r");
    if (!order) fail("/bench-modules/order");
    while (fgets(name, sizeof name, order)) {
        name[strcspn(name, "\n")] = 0;
        if (!name[0]) continue;
        char path[512];
        snprintf(path, sizeof path, "/bench-modules/%s", name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) fail(path);
        const char *options = strcmp(name, "virtio_mmio.ko") == 0 ? mmio : "";
        if (syscall(SYS_finit_module, fd, options, 0) < 0 && errno != EEXIST) fail(path);
        close(fd);
    }
    fclose(order);
}

// Starts argv[0] in a child process with Osprey's default environment.
static pid_t start_program(char **argv) {
    pid_t child = fork();
    if (child < 0) fail("fork");
    if (child == 0) {
        char *environment[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/", NULL};
        execve(argv[0], argv, environment);
        printf("error %s: cannot run %s: %s\n", init_name, argv[0], strerror(errno));
        _exit(127);
    }
    return child;
}

#endif
