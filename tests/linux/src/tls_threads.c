// Threads through pthreads: __thread variables (initialized and zero) private to each
// thread, 8 threads incrementing a counter under a mutex, a condition-variable
// producer/consumer, pthread_join return values and pthread_key_create destructors.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sched.h>
#include <unistd.h>

#define THREADS 8
#define INCREMENTS 100000

static void fail(const char *what) {
    fprintf(stderr, "FAIL: %s\n", what);
    exit(1);
}

// --- __thread variables ---------------------------------------------------------------

static __thread long tls_initialized = 1234;       // .tdata
static __thread long tls_zero;                     // .tbss
static __thread char tls_buffer[4096];             // a large .tbss object
static __thread long tls_aligned __attribute__((aligned(64))) = 77;

static void *tls_worker(void *arg) {
    long id = (long)(intptr_t)arg;
    if (tls_initialized != 1234 || tls_zero != 0 || tls_aligned != 77)
        return (void *)1;
    if ((uintptr_t)&tls_aligned % 64 != 0)
        return (void *)2;
    for (size_t i = 0; i < sizeof tls_buffer; i++)
        if (tls_buffer[i] != 0)
            return (void *)3;
    tls_initialized += id;
    tls_zero = id * 10;
    memset(tls_buffer, (int)id, sizeof tls_buffer);
    // Let the other threads run and write their own copies.
    for (int i = 0; i < 100; i++)
        sched_yield();
    if (tls_initialized != 1234 + id || tls_zero != id * 10)
        return (void *)4;
    for (size_t i = 0; i < sizeof tls_buffer; i++)
        if (tls_buffer[i] != (char)id)
            return (void *)5;
    return (void *)(intptr_t)(100 + id);
}

static void check_tls(void) {
    if (tls_initialized != 1234 || tls_zero != 0)
        fail("main thread __thread initial values");
    tls_initialized = -1;
    tls_zero = -2;
    pthread_t threads[THREADS];
    for (long i = 0; i < THREADS; i++)
        if (pthread_create(&threads[i], NULL, tls_worker, (void *)(intptr_t)(i + 1)) != 0)
            fail("pthread_create");
    for (long i = 0; i < THREADS; i++) {
        void *result;
        if (pthread_join(threads[i], &result) != 0)
            fail("pthread_join");
        if ((intptr_t)result != 100 + i + 1) {
            fprintf(stderr, "FAIL: tls worker %ld returned %ld\n", i + 1, (long)(intptr_t)result);
            exit(1);
        }
    }
    if (tls_initialized != -1 || tls_zero != -2)
        fail("main thread __thread values changed by other threads");
    printf("__thread: initialized, zero and aligned variables private to each of %d threads\n",
           THREADS);
    printf("pthread_join: every thread's return value received\n");
}

// --- a counter under a mutex --------------------------------------------------------

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *counter_worker(void *arg) {
    (void)arg;
    for (int i = 0; i < INCREMENTS; i++) {
        pthread_mutex_lock(&counter_lock);
        long value = counter;
        // Widen the window a data race would need.
        __asm__ volatile("" ::: "memory");
        counter = value + 1;
        pthread_mutex_unlock(&counter_lock);
    }
    return NULL;
}

static void check_mutex_counter(void) {
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++)
        if (pthread_create(&threads[i], NULL, counter_worker, NULL) != 0)
            fail("pthread_create");
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    if (counter != (long)THREADS * INCREMENTS) {
        fprintf(stderr, "FAIL: counter is %ld, expected %ld\n", counter,
                (long)THREADS * INCREMENTS);
        exit(1);
    }
    printf("mutex: %d threads x %d increments = %ld\n", THREADS, INCREMENTS, counter);
}

// --- producer/consumer with condition variables ------------------------------------

#define QUEUE_SIZE 16
#define ITEMS 20000
#define CONSUMERS 3

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t queue_not_full = PTHREAD_COND_INITIALIZER;
static long queue[QUEUE_SIZE];
static int queue_head, queue_count;

static void queue_put(long item) {
    pthread_mutex_lock(&queue_lock);
    while (queue_count == QUEUE_SIZE)
        pthread_cond_wait(&queue_not_full, &queue_lock);
    queue[(queue_head + queue_count) % QUEUE_SIZE] = item;
    queue_count++;
    pthread_cond_signal(&queue_not_empty);
    pthread_mutex_unlock(&queue_lock);
}

static long queue_take(void) {
    pthread_mutex_lock(&queue_lock);
    while (queue_count == 0)
        pthread_cond_wait(&queue_not_empty, &queue_lock);
    long item = queue[queue_head];
    queue_head = (queue_head + 1) % QUEUE_SIZE;
    queue_count--;
    pthread_cond_signal(&queue_not_full);
    pthread_mutex_unlock(&queue_lock);
    return item;
}

static void *producer(void *arg) {
    (void)arg;
    for (long i = 1; i <= ITEMS; i++)
        queue_put(i);
    for (int i = 0; i < CONSUMERS; i++)
        queue_put(-1);  // One end marker per consumer.
    return NULL;
}

static void *consumer(void *arg) {
    (void)arg;
    long sum = 0;
    for (;;) {
        long item = queue_take();
        if (item < 0)
            break;
        sum += item;
    }
    return (void *)(intptr_t)sum;
}

static void check_producer_consumer(void) {
    pthread_t prod, cons[CONSUMERS];
    for (int i = 0; i < CONSUMERS; i++)
        if (pthread_create(&cons[i], NULL, consumer, NULL) != 0)
            fail("pthread_create consumer");
    if (pthread_create(&prod, NULL, producer, NULL) != 0)
        fail("pthread_create producer");
    pthread_join(prod, NULL);
    long total = 0;
    for (int i = 0; i < CONSUMERS; i++) {
        void *sum;
        pthread_join(cons[i], &sum);
        total += (long)(intptr_t)sum;
    }
    long expected = (long)ITEMS * (ITEMS + 1) / 2;
    if (total != expected) {
        fprintf(stderr, "FAIL: consumers summed %ld, expected %ld\n", total, expected);
        exit(1);
    }
    printf("condvar: %d items through a %d-slot queue to %d consumers, sum %ld\n", ITEMS,
           QUEUE_SIZE, CONSUMERS, total);
}

// --- pthread_cond_timedwait times out ------------------------------------------------

static void check_timedwait(void) {
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += 20 * 1000 * 1000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&lock);
    int rc = pthread_cond_timedwait(&cond, &lock, &deadline);
    pthread_mutex_unlock(&lock);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (rc != ETIMEDOUT)
        fail("pthread_cond_timedwait did not time out");
    if (now.tv_sec < deadline.tv_sec ||
        (now.tv_sec == deadline.tv_sec && now.tv_nsec < deadline.tv_nsec))
        fail("pthread_cond_timedwait returned before its deadline");
    printf("condvar: timedwait times out, not early\n");
}

// --- pthread_key_create destructors ------------------------------------------------

static pthread_key_t key;
static pthread_mutex_t destructor_lock = PTHREAD_MUTEX_INITIALIZER;
static int destructor_calls;
static long destructor_sum;

static void key_destructor(void *value) {
    pthread_mutex_lock(&destructor_lock);
    destructor_calls++;
    destructor_sum += *(long *)value;
    pthread_mutex_unlock(&destructor_lock);
    free(value);
}

static void *key_worker(void *arg) {
    long *value = malloc(sizeof *value);
    *value = (long)(intptr_t)arg;
    pthread_setspecific(key, value);
    if (pthread_getspecific(key) != value)
        return (void *)1;
    if ((long)(intptr_t)arg % 2)
        pthread_exit(NULL);  // Destructors run on pthread_exit as on return.
    return NULL;
}

static void check_key_destructors(void) {
    if (pthread_key_create(&key, key_destructor) != 0)
        fail("pthread_key_create");
    if (pthread_getspecific(key) != NULL)
        fail("pthread_getspecific of a new key is not NULL");
    pthread_t threads[THREADS];
    for (long i = 0; i < THREADS; i++)
        pthread_create(&threads[i], NULL, key_worker, (void *)(intptr_t)(i + 1));
    for (int i = 0; i < THREADS; i++) {
        void *result;
        pthread_join(threads[i], &result);
        if (result != NULL)
            fail("key worker failed");
    }
    if (destructor_calls != THREADS || destructor_sum != THREADS * (THREADS + 1) / 2) {
        fprintf(stderr, "FAIL: %d key destructor calls summing %ld\n", destructor_calls,
                destructor_sum);
        exit(1);
    }
    printf("pthread_key_create: destructor ran once for each of %d threads\n", THREADS);
}

// --- detached threads, thread ids --------------------------------------------------

static pthread_mutex_t detached_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t detached_done = PTHREAD_COND_INITIALIZER;
static int detached_finished;
static pid_t detached_tids[THREADS];

static void *detached_worker(void *arg) {
    long index = (long)(intptr_t)arg;
    pthread_mutex_lock(&detached_lock);
    detached_tids[index] = gettid();
    detached_finished++;
    pthread_cond_broadcast(&detached_done);
    pthread_mutex_unlock(&detached_lock);
    return NULL;
}

static void check_detached(void) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    for (long i = 0; i < THREADS; i++) {
        pthread_t t;
        if (pthread_create(&t, &attr, detached_worker, (void *)(intptr_t)i) != 0)
            fail("pthread_create detached");
    }
    pthread_attr_destroy(&attr);
    pthread_mutex_lock(&detached_lock);
    while (detached_finished < THREADS)
        pthread_cond_wait(&detached_done, &detached_lock);
    pthread_mutex_unlock(&detached_lock);
    pid_t pid = getpid();
    for (int i = 0; i < THREADS; i++) {
        if (detached_tids[i] == pid || detached_tids[i] <= 0)
            fail("a thread's tid equals the pid");
        for (int j = 0; j < i; j++)
            if (detached_tids[i] == detached_tids[j])
                fail("two threads share a tid");
    }
    if (gettid() != pid)
        fail("the main thread's tid is not the pid");
    printf("detached threads: %d ran with distinct tids; main tid is the pid\n", THREADS);
}

int main(void) {
    check_tls();
    check_mutex_counter();
    check_producer_consumer();
    check_timedwait();
    check_key_destructors();
    check_detached();
    printf("tls_threads ok\n");
    return 0;
}
