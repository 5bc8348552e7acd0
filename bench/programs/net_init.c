// The Linux guest's /init for the network figures (bench/net_figures.sh): loads the NIC's
// kernel modules, configures the network as QEMU's user networking expects it, and runs
// the server in a child process.
//
//   net_init PROGRAM [ARGS...] [--poweroff]
//
// 1. Mounts /proc and /dev (devtmpfs), and makes /tmp (the initramfs itself is writable,
//    and a tmpfs there would hide what the image holds under /tmp).
// 2. Loads the modules listed, in order, in /bench-modules/order (one file name a line,
//    from /bench-modules/) with finit_module. Debian builds virtio, virtio_mmio,
//    virtio_pci, failover, net_failover and virtio_net as modules. virtio_mmio gets the
//    `virtio_mmio.device=` words QEMU's microvm put on the kernel command line: the kernel
//    leaves options of loadable modules to the module loader (modprobe reads /proc/cmdline),
//    so they are handed over here, as modprobe would. QEMU puts those words at the end of
//    the command line, after the `--`, so they also arrive as init's last arguments and
//    are dropped from the program's.
// 3. Brings lo up, gives eth0 10.0.2.15/24 and a default route via 10.0.2.2 (QEMU's user
//    networking: the guest's address and its gateway), with the classic ioctls.
// 4. Starts PROGRAM with Osprey's default environment, waits for it, reports how it ended
//    and, with --poweroff, resets the VM (QEMU runs with -no-reboot; microvm has no ACPI).
//    The servers of the benchmark never end by themselves: the harness stops QEMU.
// Every step that fails prints `error ...` on the console and ends the VM.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int poweroff;

static void finish(int status) {
    fflush(stdout);
    if (poweroff) reboot(RB_AUTOBOOT);
    exit(status);
}

static void fail(const char *what) {
    printf("error net_init: %s: %s\n", what, strerror(errno));
    finish(1);
}

static void mount_at(const char *type, const char *path) {
    mkdir(path, 0755);
    if (mount(type, path, type, 0, NULL) < 0) fail(path);
}

// The `virtio_mmio.device=...` words of the kernel command line, as virtio_mmio's own
// options: "device=512@0xfeb00e00:12 device=...".
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

static void set_address(int s, unsigned long request, const char *device, const char *address) {
    struct ifreq r;
    memset(&r, 0, sizeof r);
    snprintf(r.ifr_name, sizeof r.ifr_name, "%s", device);
    struct sockaddr_in *in = (struct sockaddr_in *)&r.ifr_addr;
    in->sin_family = AF_INET;
    inet_pton(AF_INET, address, &in->sin_addr);
    if (ioctl(s, request, &r) < 0) fail(device);
}

static void bring_up(int s, const char *device) {
    struct ifreq r;
    memset(&r, 0, sizeof r);
    snprintf(r.ifr_name, sizeof r.ifr_name, "%s", device);
    if (ioctl(s, SIOCGIFFLAGS, &r) < 0) fail(device);
    r.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(s, SIOCSIFFLAGS, &r) < 0) fail(device);
}

static void configure_network(void) {
    // virtio_net probes its device while its module loads; wait a little all the same.
    for (int i = 0; i < 100 && if_nametoindex("eth0") == 0; i++) {
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    if (if_nametoindex("eth0") == 0) {
        errno = ENODEV;
        fail("eth0 (no network device: is there a -device virtio-net-... on QEMU's command line?)");
    }
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0) fail("socket");
    bring_up(s, "lo");  // the kernel gives lo 127.0.0.1/8 when it comes up
    set_address(s, SIOCSIFADDR, "eth0", "10.0.2.15");
    set_address(s, SIOCSIFNETMASK, "eth0", "255.255.255.0");
    bring_up(s, "eth0");

    struct rtentry route;
    memset(&route, 0, sizeof route);
    ((struct sockaddr_in *)&route.rt_dst)->sin_family = AF_INET;
    ((struct sockaddr_in *)&route.rt_genmask)->sin_family = AF_INET;
    struct sockaddr_in *gateway = (struct sockaddr_in *)&route.rt_gateway;
    gateway->sin_family = AF_INET;
    inet_pton(AF_INET, "10.0.2.2", &gateway->sin_addr);
    route.rt_flags = RTF_UP | RTF_GATEWAY;
    if (ioctl(s, SIOCADDRT, &route) < 0) fail("default route via 10.0.2.2");
    close(s);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    // QEMU's microvm appends its virtio_mmio.device= words to the kernel command line,
    // after the `--` that starts init's arguments: they are the kernel's, not the program's.
    while (argc > 1 && strncmp(argv[argc - 1], "virtio_mmio.", 12) == 0) argv[--argc] = NULL;
    poweroff = argc > 1 && strcmp(argv[argc - 1], "--poweroff") == 0;
    if (poweroff) argv[--argc] = NULL;
    if (argc < 2) {
        printf("error usage: net_init PROGRAM [ARGS...] [--poweroff]\n");
        finish(2);
    }
    mount_at("proc", "/proc");
    mount_at("devtmpfs", "/dev");
    mkdir("/tmp", 01777);
    load_modules();
    configure_network();
    printf("net_init: eth0 10.0.2.15/24 via 10.0.2.2; starting %s\n", argv[1]);

    pid_t child = fork();
    if (child < 0) fail("fork");
    if (child == 0) {
        char *environment[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/", NULL};
        execve(argv[1], argv + 1, environment);
        printf("error net_init: cannot run %s: %s\n", argv[1], strerror(errno));
        _exit(127);
    }
    int status = 0;
    waitpid(child, &status, 0);
    printf("error net_init: %s ended with status %#x\n", argv[1], status);
    finish(1);
}
