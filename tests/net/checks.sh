# Shared by the guest network case scripts (sourced): checks over a captured output file
# that report what they did not find and set failed=1, so a script reports every miss.
failed=0
check() {  # check WHAT FILE PATTERN: FILE must have a line matching the extended regex PATTERN
    if ! grep -Eq -- "$3" "$2"; then
        echo "FAIL: $1: no line matches '$3' in:" >&2
        sed 's/^/  | /' "$2" >&2
        failed=1
    fi
}
