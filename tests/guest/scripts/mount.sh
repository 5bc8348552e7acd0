# mount(2) and umount2 in the guest (docs/storage.md): run by guest.mount.busybox with a
# host folder shared as share0.
mkdir -p /mnt/t /mnt/h
mount -t tmpfs none /mnt/t && echo "tmpfs mounted"
echo hi >/mnt/t/f && cat /mnt/t/f
grep -q "^tmpfs /mnt/t tmpfs" /proc/mounts && echo "tmpfs in /proc/mounts"
cd /mnt/t
umount /mnt/t 2>/dev/null || echo "busy while a shell works there"
cd /
umount /mnt/t && echo "tmpfs unmounted"
[ -e /mnt/t/f ] || echo "its files gone from the tree"
mount -t 9p -o trans=virtio,ro share0 /mnt/h && echo "9p mounted"
cat /mnt/h/in.txt
touch /mnt/h/new 2>/dev/null || echo "read-only 9p refuses a new file"
exec 3</mnt/h/in.txt
umount -l /mnt/h && echo "detached while a file is open"
cat <&3
mount -t ext2 /dev/vda /mnt/h 2>/dev/null || echo "ext2: refused"
mount -t 9p nosuchtag /mnt/h 2>/dev/null || echo "unknown tag: refused"
umount / 2>/dev/null || echo "root stays"
mount -t tmpfs -o ro none /mnt/t 2>/dev/null || echo "read-only tmpfs: refused"
mount -t tmpfs -o noexec none /mnt/t && cp /bin/busybox /mnt/t/bb && chmod 755 /mnt/t/bb
/mnt/t/bb true 2>/dev/null || echo "noexec: the program does not run"
umount /mnt/t
