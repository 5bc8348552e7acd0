#!/bin/sh
# Normalises `ls -lan` output for comparing file systems: what legitimately differs goes.
#   - "total N" lines: block counts depend on the file system's allocation (ext4 vs tmpfs).
#   - ".." of the listed directory: it is the work directory's parent, made at different
#     times on the host and in the image.
#   - the size of directories: ext4 reports 4096 per block, tmpfs and Osprey's in-memory
#     file systems report their own figures (Linux's tmpfs: 20 bytes per entry).
#   - owner and group: the host test may run as any user; --add stores no owners.
# Whitespace is squeezed because column widths follow the widest value.
awk '/^total / { next }
     $NF == ".." { next }
     { $3 = "-"; $4 = "-"; if ($1 ~ /^d/) $5 = "-"; $1 = $1; print }'
