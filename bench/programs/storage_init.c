// The Linux guest's /init for the storage figures (bench/storage_figures.sh): loads the
// disk's and ext4's kernel modules, mounts the disk on /data, and runs the benchmark.
//
//   storage_init PROGRAM [ARGS...] [--poweroff]
//
// 1. Mounts /proc and /dev (devtmpfs).
// 2. Loads the modules of /bench-modules/ (linux_init.h): Debian builds the virtio
//    transports, virtio_blk, ext4 and what ext4 needs (jbd2, mbcache, crc16, crc32c) as
//    modules.
// 3. Mounts /dev/vda on /data as ext4 with Linux's default options (data=ordered, a
//    journal commit every 5 s, barriers), as `mount /dev/vda /data` would.
// 4. Runs PROGRAM, waits for it, unmounts /data (so the image is clean for e2fsck, as
//    Osprey leaves it at power-off) and, with --poweroff, resets the VM.
#include "linux_init.h"

#include <sys/wait.h>
#include <time.h>

static const char kDisk[] = "/dev/vda";
static const char kMountPoint[] = "/data";

// virtio_blk adds the disk while its module loads, and devtmpfs makes the node from the
// kernel's own thread: wait for it a little.
static void wait_for_disk(void) {
    struct stat st;
    for (int i = 0; i < 200 && stat(kDisk, &st) < 0; i++) {
        struct timespec pause = {0, 25 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    if (stat(kDisk, &st) < 0) fail("/dev/vda (no disk: is there a -device virtio-blk-... on QEMU's command line?)");
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    init_name = "storage_init";
    init_arguments(argc, argv);
    mount_at("proc", "/proc");
    mount_at("devtmpfs", "/dev");
    load_modules();
    wait_for_disk();
    mkdir(kMountPoint, 0755);
    if (mount(kDisk, kMountPoint, "ext4", 0, NULL) < 0) fail("mount /dev/vda on /data as ext4");
    printf("storage_init: %s mounted on %s; starting %s\n", kDisk, kMountPoint, argv[1]);

    int status = 0;
    waitpid(start_program(argv + 1), &status, 0);
    if (umount(kMountPoint) < 0) fail("umount /data");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("error storage_init: %s ended with status %#x\n", argv[1], status);
        finish(1);
    }
    finish(0);
}
