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
// Steps 2 and 4 and the failures are linux_init.h's, shared with storage_init.c.
#include "linux_init.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

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
    init_name = "net_init";
    init_arguments(argc, argv);
    mount_at("proc", "/proc");
    mount_at("devtmpfs", "/dev");
    mkdir("/tmp", 01777);
    load_modules();
    configure_network();
    printf("net_init: eth0 10.0.2.15/24 via 10.0.2.2; starting %s\n", argv[1]);

    int status = 0;
    waitpid(start_program(argv + 1), &status, 0);
    printf("error net_init: %s ended with status %#x\n", argv[1], status);
    finish(1);
}
