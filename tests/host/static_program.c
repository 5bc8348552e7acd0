// A tiny static program for the host tests of `osprey run`: they check what osprey does
// before booting, so this program never actually runs in them.
#include <stdio.h>

int main(void) {
    puts("hello from a static program");
    return 0;
}
