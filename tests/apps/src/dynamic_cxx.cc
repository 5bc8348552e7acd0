// A dynamically linked C++ program (libstdc++.so, libgcc_s.so): iostreams and string
// streams, exceptions thrown across frames and threads, std::thread with a mutex and a
// condition variable, containers and algorithms. Prints only what is the same on every run.
#include <algorithm>
#include <condition_variable>
#include <exception>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <queue>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

struct ParseError : std::runtime_error {
    int line;
    ParseError(const std::string& what, int line) : std::runtime_error(what), line(line) {}
};

int destructors = 0;
struct Guard {
    ~Guard() { ++destructors; }
};

[[gnu::noinline]] int parse(const std::string& text, int depth) {
    Guard guard;
    if (depth > 0)
        return parse(text, depth - 1) + 1;
    std::size_t used = 0;
    int value = std::stoi(text, &used);
    if (used != text.size())
        throw ParseError("trailing characters in '" + text + "'", 7);
    return value;
}

void exceptions() {
    for (const std::string text : {"42", "17x", "oops", "99999999999"}) {
        try {
            int value = parse(text, 5);
            std::cout << "parse(" << text << ") = " << value << '\n';
        } catch (const ParseError& error) {
            std::cout << text << ": ParseError at line " << error.line << ": " << error.what() << '\n';
        } catch (const std::invalid_argument& error) {
            std::cout << text << ": invalid_argument: " << error.what() << '\n';
        } catch (const std::out_of_range& error) {
            std::cout << text << ": out_of_range: " << error.what() << '\n';
        }
    }
    std::cout << "destructors run while unwinding: " << destructors << '\n';
    try {
        std::vector<int> small(3);
        (void)small.at(10);
    } catch (const std::exception& error) {
        std::cout << "vector::at: " << error.what() << '\n';
    }
    std::ifstream missing;
    missing.exceptions(std::ifstream::failbit);
    try {
        missing.open("/nonexistent/file");
    } catch (const std::ios_base::failure&) {
        std::cout << "ios_base::failure caught\n";
    }
    try {
        try {
            throw std::logic_error("inner");
        } catch (...) {
            std::throw_with_nested(std::runtime_error("outer"));
        }
    } catch (const std::exception& error) {
        std::cout << "nested: " << error.what();
        try {
            std::rethrow_if_nested(error);
        } catch (const std::exception& inner) {
            std::cout << " <- " << inner.what() << '\n';
        }
    }
}

// A bounded queue between producer and consumer threads.
class Channel {
public:
    void put(int value) {
        std::unique_lock lock(mutex_);
        not_full_.wait(lock, [&] { return items_.size() < 16; });
        items_.push(value);
        not_empty_.notify_one();
    }
    int take() {
        std::unique_lock lock(mutex_);
        not_empty_.wait(lock, [&] { return !items_.empty(); });
        int value = items_.front();
        items_.pop();
        not_full_.notify_one();
        return value;
    }

private:
    std::mutex mutex_;
    std::condition_variable not_empty_, not_full_;
    std::queue<int> items_;
};

void threads() {
    Channel channel;
    constexpr int producers = 4, per_producer = 2500;
    std::vector<std::thread> workers;
    for (int p = 0; p < producers; ++p)
        workers.emplace_back([&channel, p] {
            for (int i = 0; i < per_producer; ++i)
                channel.put(p * per_producer + i);
            channel.put(-1);
        });
    long long sum = 0;
    int finished = 0, received = 0;
    while (finished < producers) {
        int value = channel.take();
        if (value < 0) {
            ++finished;
        } else {
            sum += value;
            ++received;
        }
    }
    for (auto& worker : workers)
        worker.join();
    std::cout << "channel: " << received << " values, sum " << sum << '\n';

    // An exception thrown in a thread, carried to the joining thread.
    std::exception_ptr carried;
    std::thread failing([&carried] {
        try {
            throw std::runtime_error("from a thread");
        } catch (...) {
            carried = std::current_exception();
        }
    });
    failing.join();
    try {
        std::rethrow_exception(carried);
    } catch (const std::exception& error) {
        std::cout << "rethrown: " << error.what() << '\n';
    }

    thread_local int counter = 0;
    std::vector<int> seen(4);
    std::vector<std::thread> locals;
    for (int t = 0; t < 4; ++t)
        locals.emplace_back([t, &seen] {
            for (int i = 0; i <= t; ++i)
                ++counter;
            seen[t] = counter;
        });
    for (auto& thread : locals)
        thread.join();
    std::cout << "thread_local counters:";
    for (int value : seen)
        std::cout << ' ' << value;
    std::cout << " (main " << counter << ")\n";
}

void containers() {
    std::istringstream text("the quick brown fox jumps over the lazy dog the end");
    std::map<std::string, int> counts;
    std::unordered_map<std::size_t, int> by_length;
    for (std::string word; text >> word;) {
        ++counts[word];
        ++by_length[word.size()];
    }
    for (const auto& [word, count] : counts)
        std::cout << word << '=' << count << ' ';
    std::cout << '\n';
    std::vector<std::pair<std::size_t, int>> lengths(by_length.begin(), by_length.end());
    std::sort(lengths.begin(), lengths.end());
    for (const auto& [length, count] : lengths)
        std::cout << "len" << length << ':' << count << ' ';
    std::cout << '\n';

    std::vector<double> values(20);
    std::iota(values.begin(), values.end(), 1.0);
    double mean = std::accumulate(values.begin(), values.end(), 0.0) / values.size();
    std::cout << std::fixed << std::setprecision(3) << "mean " << mean << " hex "
              << std::hex << std::showbase << 48879 << std::dec << std::noshowbase << '\n';
    std::ostringstream padded;
    padded << std::setw(10) << std::left << "left" << '|' << std::setw(8) << std::right
           << std::setfill('*') << 42;
    std::cout << padded.str() << '\n';
    auto shared = std::make_shared<std::string>("shared");
    std::weak_ptr<std::string> weak = shared;
    std::cout << "use_count " << shared.use_count() << " expired " << weak.expired();
    shared.reset();
    std::cout << " then " << weak.expired() << '\n';
    std::function<int(int)> fib = [&fib](int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); };
    std::cout << "fib(25) = " << fib(25) << '\n';
}

}  // namespace

int main() {
    std::ios::sync_with_stdio(false);
    std::cout << "dynamic C++\n";
    exceptions();
    threads();
    containers();
    std::cerr << "done\n";
    return 0;
}
