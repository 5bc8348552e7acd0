// The small static program the fork + exec + wait figure runs (gcc -static, glibc): it
// exits with 0 at once, so the figure is the kernel's exec, glibc's static start-up and
// the exit. Both guests carry it at /bench/exit0.
int main(void) { return 0; }
