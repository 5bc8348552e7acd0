#!/bin/sh
# Reads a tar archive on stdin and prints the md5sum of each named member, one at a time
# (the archive's own order is the directory order, which differs between file systems).
#   tar_members.sh GNU_TAR MEMBER...
tar=$1
shift
archive=$(mktemp)
trap 'rm -f "$archive"' EXIT
cat >"$archive"
for member in "$@"; do
    printf '%s ' "$member"
    "$tar" -xOf "$archive" "$member" | md5sum
done
