// A dynamically linked C program: stdio, strings, sorting, math, threads, a plugin loaded
// with dlopen ("basics"); users and local names through NSS, getpwuid and getaddrinfo
// ("names"); the locale taken from the environment ("locale"). Prints only what is the
// same on every run and on every Debian host.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <locale.h>
#include <math.h>
#include <netdb.h>
#include <pthread.h>
#include <pwd.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <wchar.h>

static int compare_ints(const void* a, const void* b) {
    int x = *(const int*)a, y = *(const int*)b;
    return (x > y) - (x < y);
}

static void sorting(void) {
    int values[1000];
    unsigned seed = 12345;
    for (int i = 0; i < 1000; i++) {
        seed = seed * 1103515245u + 12345u;
        values[i] = (int)(seed >> 8) % 100000;
    }
    qsort(values, 1000, sizeof values[0], compare_ints);
    long sum = 0;
    for (int i = 0; i < 1000; i++)
        sum += values[i];
    printf("qsort: min %d max %d median %d sum %ld\n", values[0], values[999], values[500], sum);
}

static void math(void) {
    printf("math: sqrt(2)=%.12f sin(1)=%.12f exp(1)=%.12f log10(12345)=%.9f pow=%.3e\n", sqrt(2.0),
           sin(1.0), exp(1.0), log10(12345.0), pow(1.5, 40.0));
    char buffer[64];
    snprintf(buffer, sizeof buffer, "%'.2f|%-8s|%08.3f|%x|%#o", 1234567.891, "left", -3.14159, 48879,
             8);
    printf("format: %s\n", buffer);
    printf("strtod: %.6f %ld\n", strtod("6.02214076e23", NULL) / 1e23, strtol("-0x7fff", NULL, 16));
}

#define THREADS 8
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long total;

static void* worker(void* arg) {
    long id = (long)arg, local = 0;
    for (long i = 0; i < 100000; i++)
        local += (i * (id + 1)) % 7;
    pthread_mutex_lock(&lock);
    total += local;
    pthread_mutex_unlock(&lock);
    return (void*)(id * 10);
}

static void threads(void) {
    pthread_t ids[THREADS];
    for (long i = 0; i < THREADS; i++)
        pthread_create(&ids[i], NULL, worker, (void*)i);
    long joined = 0;
    for (int i = 0; i < THREADS; i++) {
        void* result;
        pthread_join(ids[i], &result);
        joined += (long)result;
    }
    printf("threads: total %ld joined %ld\n", total, joined);
}

// The plugin is a shared library built beside this program, passed as argv[1].
static void plugin(const char* path) {
    void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        printf("dlopen: failed: %s\n", dlerror());
        return;
    }
    int (*mix)(int, int) = (int (*)(int, int))dlsym(handle, "plugin_mix");
    const char* (*name)(void) = (const char* (*)(void))dlsym(handle, "plugin_name");
    if (!mix || !name) {
        printf("dlsym: failed: %s\n", dlerror());
        return;
    }
    printf("dlopen: %s mix(6,7)=%d\n", name(), mix(6, 7));
    void* missing = dlsym(handle, "no_such_symbol");
    printf("dlsym missing: %s\n", missing ? "found?" : "NULL");
    printf("dlclose: %d\n", dlclose(handle));
    void* none = dlopen("/nonexistent/libnothing.so", RTLD_NOW);
    printf("dlopen missing: %s\n", none ? "loaded?" : "NULL");
}

static void users(void) {
    struct passwd* root = getpwuid(0);
    if (root)
        printf("getpwuid(0): %s uid %u gid %u\n", root->pw_name, (unsigned)root->pw_uid,
               (unsigned)root->pw_gid);
    else
        printf("getpwuid(0): not found\n");
    struct passwd* nobody = getpwnam("nobody");
    printf("getpwnam(nobody): %s\n", nobody ? "found" : "not found");
    if (nobody)
        printf("  uid %u\n", (unsigned)nobody->pw_uid);
    struct passwd* missing = getpwnam("no-such-user-here");
    printf("getpwnam(no-such-user-here): %s\n", missing ? "found" : "not found");
    struct group* group = getgrgid(0);
    printf("getgrgid(0): %s\n", group ? group->gr_name : "not found");
}

static void resolve(const char* name, int family) {
    struct addrinfo hints = {0}, *result;
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    int error = getaddrinfo(name, "80", &hints, &result);
    if (error) {
        printf("getaddrinfo(%s): %s\n", name, gai_strerror(error));
        return;
    }
    for (struct addrinfo* entry = result; entry; entry = entry->ai_next) {
        char text[INET6_ADDRSTRLEN];
        const void* address = entry->ai_family == AF_INET
                                  ? (const void*)&((struct sockaddr_in*)entry->ai_addr)->sin_addr
                                  : (const void*)&((struct sockaddr_in6*)entry->ai_addr)->sin6_addr;
        inet_ntop(entry->ai_family, address, text, sizeof text);
        // The hostname's own address differs between machines (127.0.0.1, 127.0.1.1): only
        // its being a loopback address is compared.
        if (strcmp(name, "localhost") != 0 && entry->ai_family == AF_INET)
            printf("getaddrinfo(hostname): loopback %s\n",
                   strncmp(text, "127.", 4) == 0 ? "yes" : text);
        else
            printf("getaddrinfo(%s): %s\n", name, text);
    }
    freeaddrinfo(result);
}

static void names(void) {
    resolve("localhost", AF_INET);
    char host[256];
    if (gethostname(host, sizeof host) != 0) {
        printf("gethostname failed\n");
        return;
    }
    struct utsname uts;
    uname(&uts);
    printf("hostname matches uname: %s\n", strcmp(host, uts.nodename) == 0 ? "yes" : "no");
    resolve(host, AF_INET);
    struct sockaddr_in loopback = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    char reverse[256];
    int error = getnameinfo((struct sockaddr*)&loopback, sizeof loopback, reverse, sizeof reverse,
                            NULL, 0, NI_NAMEREQD);
    printf("getnameinfo(127.0.0.1): %s\n", error ? gai_strerror(error) : reverse);
}

static void locales(void) {
    const char* chosen = setlocale(LC_ALL, "");
    printf("setlocale(\"\"): %s\n", chosen ? chosen : "(null)");
    printf("MB_CUR_MAX in that locale: %zu\n", MB_CUR_MAX);
    const char* utf8 = setlocale(LC_ALL, "C.UTF-8");
    printf("setlocale(C.UTF-8): %s\n", utf8 ? utf8 : "(null)");
    wchar_t wide[16];
    size_t count = mbstowcs(wide, "h\xc3\xa9llo \xe2\x82\xac", 16);
    printf("mbstowcs: %zd characters, last U+%04X\n", (ssize_t)count,
           count != (size_t)-1 && count > 0 ? (unsigned)wide[count - 1] : 0u);
    setlocale(LC_ALL, "C");
}

// dynamic_c basics PLUGIN | names | locale
int main(int argc, char** argv) {
    const char* what = argc > 1 ? argv[1] : "";
    if (strcmp(what, "basics") == 0 && argc == 3) {
        sorting();
        math();
        threads();
        plugin(argv[2]);
    } else if (strcmp(what, "names") == 0) {
        users();
        names();
    } else if (strcmp(what, "locale") == 0) {
        locales();
    } else {
        fprintf(stderr, "usage: %s basics PLUGIN | names | locale\n", argv[0]);
        return 2;
    }
    return 0;
}
