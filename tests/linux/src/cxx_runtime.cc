// The static C++ runtime: exceptions across frames (std::runtime_error, custom types,
// catch(...), rethrow, exceptions in threads), std::thread, std::mutex,
// std::condition_variable, std::chrono::steady_clock, thread_local objects whose
// destructors run at thread exit, static constructors, containers and iostream.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <map>
#include <mutex>
#include <numeric>
#include <queue>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
    if (ok) {
        std::cout << "ok: " << what << '\n';
    } else {
        std::cerr << "FAIL: " << what << '\n';
        ++failures;
    }
}

// A global object with a constructor: static initialization ran before main.
struct StaticInit {
    int value;
    StaticInit() : value(42) {}
};
StaticInit static_init;

struct CustomError {
    int code;
};

[[gnu::noinline]] int throw_runtime_error(int depth) {
    if (depth == 0)
        throw std::runtime_error("deep failure");
    return throw_runtime_error(depth - 1) + 1;
}

char* volatile escape;

[[gnu::noinline]] void throw_custom(int code) { throw CustomError{code}; }

int destroyed_during_unwind = 0;
struct UnwindGuard {
    ~UnwindGuard() { ++destroyed_during_unwind; }
};

[[gnu::noinline]] void unwind_through(int depth) {
    UnwindGuard guard;
    if (depth == 0)
        throw std::out_of_range("bottom");
    unwind_through(depth - 1);
}

void check_exceptions() {
    try {
        throw_runtime_error(20);
        check(false, "std::runtime_error thrown");
    } catch (const std::runtime_error& e) {
        check(std::string(e.what()) == "deep failure",
              "std::runtime_error caught 20 frames up with its message");
    }
    try {
        throw_custom(7);
    } catch (...) {
        check(true, "catch (...) catches a custom type");
    }
    try {
        try {
            throw_custom(9);
        } catch (const CustomError&) {
            throw;  // Rethrow the same object.
        }
    } catch (const CustomError& e) {
        check(e.code == 9, "rethrown exception keeps its value");
    }
    try {
        unwind_through(10);
    } catch (const std::logic_error& e) {
        check(destroyed_during_unwind == 11, "unwinding runs every destructor on the way");
    }
    std::exception_ptr saved;
    try {
        throw std::invalid_argument("saved");
    } catch (...) {
        saved = std::current_exception();
    }
    try {
        std::rethrow_exception(saved);
    } catch (const std::invalid_argument& e) {
        check(std::string(e.what()) == "saved", "std::exception_ptr rethrows");
    }
    try {
        std::vector<int> v(3);
        (void)v.at(10);
    } catch (const std::out_of_range&) {
        check(true, "std::vector::at throws std::out_of_range");
    }
    bool bad_alloc = false;
    try {
        volatile std::size_t huge = std::size_t(1) << 62;
        char* p = new char[huge];
        escape = p;  // Keep the allocation from being optimized away.
        delete[] p;
    } catch (const std::bad_alloc&) {
        bad_alloc = true;
    }
    check(bad_alloc, "an impossible new throws std::bad_alloc");
}

// thread_local objects with destructors.
std::atomic<int> tls_constructed{0}, tls_destroyed{0};
struct Tracked {
    int id = 0;
    Tracked() { ++tls_constructed; }
    ~Tracked() { ++tls_destroyed; }
};
thread_local Tracked tracked;
thread_local int thread_counter = 100;

void check_threads() {
    std::mutex lock;
    long counter = 0;
    std::vector<std::thread> threads;
    std::vector<int> thread_values(4);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            tracked.id = t;  // First use constructs this thread's object.
            thread_counter += t;
            for (int i = 0; i < 50000; ++i) {
                std::lock_guard<std::mutex> guard(lock);
                ++counter;
            }
            thread_values[t] = thread_counter;
        });
    }
    for (auto& thread : threads)
        thread.join();
    check(counter == 200000, "std::thread x4 with std::mutex: 200000 increments");
    check(thread_values == std::vector<int>{100, 101, 102, 103} && thread_counter == 100,
          "thread_local int private to each thread");
    check(tls_constructed == 4 && tls_destroyed == 4,
          "thread_local destructors ran at each thread's exit");

    // An exception thrown and caught inside a thread, and one carried out of it.
    std::exception_ptr from_thread;
    bool caught_inside = false;
    std::thread thrower([&] {
        try {
            throw_runtime_error(5);
        } catch (const std::exception&) {
            caught_inside = true;
        }
        try {
            throw_custom(3);
        } catch (...) {
            from_thread = std::current_exception();
        }
    });
    thrower.join();
    bool carried = false;
    try {
        if (from_thread)
            std::rethrow_exception(from_thread);
    } catch (const CustomError& e) {
        carried = e.code == 3;
    }
    check(caught_inside && carried, "exceptions inside a thread and carried out of it");
    check(std::thread::hardware_concurrency() >= 1, "std::thread::hardware_concurrency >= 1");
}

void check_condition_variable() {
    std::mutex lock;
    std::condition_variable ready;
    std::queue<int> queue;
    bool done = false;
    long sum = 0;
    std::thread consumer([&] {
        std::unique_lock<std::mutex> guard(lock);
        for (;;) {
            ready.wait(guard, [&] { return !queue.empty() || done; });
            while (!queue.empty()) {
                sum += queue.front();
                queue.pop();
            }
            if (done)
                return;
        }
    });
    for (int i = 1; i <= 10000; ++i) {
        {
            std::lock_guard<std::mutex> guard(lock);
            queue.push(i);
        }
        ready.notify_one();
    }
    {
        std::lock_guard<std::mutex> guard(lock);
        done = true;
    }
    ready.notify_one();
    consumer.join();
    check(sum == 10000L * 10001 / 2, "std::condition_variable producer/consumer sum");

    std::unique_lock<std::mutex> guard(lock);
    auto start = std::chrono::steady_clock::now();
    bool woken = ready.wait_for(guard, std::chrono::milliseconds(20), [] { return false; });
    auto waited = std::chrono::steady_clock::now() - start;
    check(!woken && waited >= std::chrono::milliseconds(20),
          "condition_variable::wait_for times out, not early");
}

void check_chrono() {
    using namespace std::chrono;
    auto start = steady_clock::now();
    std::this_thread::sleep_for(milliseconds(50));
    auto elapsed = steady_clock::now() - start;
    check(elapsed >= milliseconds(50), "sleep_for 50 ms: steady_clock sees at least 50 ms");
    check(elapsed < seconds(30), "steady_clock: elapsed time sane");
    bool monotonic = true;
    auto previous = steady_clock::now();
    for (int i = 0; i < 10000; ++i) {
        auto now = steady_clock::now();
        monotonic = monotonic && now >= previous;
        previous = now;
    }
    check(monotonic, "steady_clock never goes back");
    auto year = duration_cast<hours>(system_clock::now().time_since_epoch()).count() / 24 / 365;
    check(year >= 50 && year < 130, "system_clock after 2020");
}

void check_containers() {
    std::map<std::string, int> words;
    std::istringstream text("the quick brown fox jumps over the lazy dog the end");
    for (std::string word; text >> word;)
        ++words[word];
    check(words["the"] == 3 && words.size() == 9, "std::map counts words");
    std::vector<int> numbers(1000);
    std::iota(numbers.begin(), numbers.end(), 1);
    check(std::accumulate(numbers.begin(), numbers.end(), 0L) == 500500,
          "std::vector and std::accumulate");
    std::string s;
    for (int i = 0; i < 1000; ++i)
        s += std::to_string(i % 10);
    check(s.size() == 1000 && s.substr(0, 12) == "012345678901", "std::string grows");
    std::ostringstream out;
    out << 3.25 << ' ' << std::hex << 255 << ' ' << std::string("x");
    check(out.str() == "3.25 ff x", "std::ostringstream formatting");
}

}  // namespace

int main() {
    check(static_init.value == 42, "static constructors ran before main");
    check_exceptions();
    check_threads();
    check_condition_variable();
    check_chrono();
    check_containers();
    if (failures) {
        std::cerr << "FAIL: cxx_runtime: " << failures << " checks failed\n";
        return 1;
    }
    std::cout << "cxx_runtime ok" << std::endl;
    return 0;
}
