// A shared library that dynamic_c loads with dlopen.
static int calls;

const char* plugin_name(void) { return "osprey test plugin"; }

int plugin_mix(int a, int b) {
    calls++;
    return a * b + calls;
}
