// A Rust program built with Debian's cargo (no external crates): threads with channels,
// Arc<Mutex>, scoped threads and atomics; std collections; formatting; panics caught with
// catch_unwind. Prints only what is the same on every run.
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex, RwLock};
use std::thread;

fn primes_below(limit: usize) -> Vec<usize> {
    let mut sieve = vec![true; limit];
    sieve[0] = false;
    sieve[1] = false;
    let mut i = 2;
    while i * i < limit {
        if sieve[i] {
            let mut j = i * i;
            while j < limit {
                sieve[j] = false;
                j += i;
            }
        }
        i += 1;
    }
    (0..limit).filter(|&n| sieve[n]).collect()
}

fn threads() {
    // Workers send partial sums over a channel.
    let (sender, receiver) = mpsc::channel();
    let mut handles = Vec::new();
    for id in 0..6u64 {
        let sender = sender.clone();
        handles.push(thread::spawn(move || {
            let sum: u64 = (id * 100_000..(id + 1) * 100_000).filter(|n| n % 3 == 0).sum();
            sender.send((id, sum)).unwrap();
            id * 2
        }));
    }
    drop(sender);
    let mut results: Vec<(u64, u64)> = receiver.iter().collect();
    results.sort();
    let joined: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    println!("channel: {:?}", results);
    println!("joined: {}", joined);

    // A shared map behind a mutex, a counter behind an atomic.
    let shared = Arc::new(Mutex::new(BTreeMap::new()));
    let counter = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..4)
        .map(|t| {
            let shared = Arc::clone(&shared);
            let counter = Arc::clone(&counter);
            thread::spawn(move || {
                for i in 0..1000 {
                    *shared.lock().unwrap().entry(i % 10).or_insert(0) += t + 1;
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    println!("mutex map: {:?}", shared.lock().unwrap());
    println!("atomic: {}", counter.load(Ordering::SeqCst));

    // Scoped threads borrowing from the stack, a condition variable, a read-write lock.
    let data: Vec<u32> = (1..=1000).collect();
    let chunks: Vec<u32> = thread::scope(|scope| {
        let handles: Vec<_> = data.chunks(250).map(|c| scope.spawn(move || c.iter().sum::<u32>())).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    println!("scoped sums: {:?}", chunks);
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let signaller = Arc::clone(&pair);
    let waiter = thread::spawn(move || {
        let (lock, cvar) = &*signaller;
        *lock.lock().unwrap() = true;
        cvar.notify_one();
    });
    let (lock, cvar) = &*pair;
    let mut ready = lock.lock().unwrap();
    while !*ready {
        ready = cvar.wait(ready).unwrap();
    }
    drop(ready);
    waiter.join().unwrap();
    let table = RwLock::new(vec![1, 2, 3]);
    table.write().unwrap().push(4);
    println!("condvar: ready; rwlock: {:?}", *table.read().unwrap());

    // A panic in a thread is reported to the joiner.
    let result = thread::Builder::new()
        .name("panicky".into())
        .spawn(|| {
            std::panic::set_hook(Box::new(|_| {}));
            panic!("deliberate");
        })
        .unwrap()
        .join();
    let _ = std::panic::take_hook();
    match result {
        Err(payload) => println!("thread panicked: {}", payload.downcast_ref::<&str>().unwrap_or(&"?")),
        Ok(()) => println!("thread did not panic"),
    }
}

fn collections() {
    let text = "it was the best of times it was the worst of times it was the age of wisdom";
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for word in text.split_whitespace() {
        *counts.entry(word).or_default() += 1;
    }
    let mut sorted: Vec<_> = counts.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    println!("word counts: {:?}", sorted);
    let unique: HashSet<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    let ordered: BTreeSet<char> = unique.into_iter().collect();
    println!("letters: {}", ordered.iter().collect::<String>());
    let mut heap: BinaryHeap<(u32, &str)> = [(3, "c"), (9, "i"), (1, "a"), (7, "g")].into_iter().collect();
    let mut popped = Vec::new();
    while let Some((priority, name)) = heap.pop() {
        popped.push(format!("{}{}", name, priority));
    }
    println!("heap: {}", popped.join(","));
    let mut deque: VecDeque<i32> = (1..=5).collect();
    deque.rotate_left(2);
    deque.push_front(0);
    println!("deque: {:?}", deque);
    let primes = primes_below(100_000);
    println!("primes below 100000: {} (last {})", primes.len(), primes.last().unwrap());
    let squares: BTreeMap<u32, u32> = (1..=5).map(|n| (n, n * n)).collect();
    println!("squares: {:?} sum {}", squares, squares.values().sum::<u32>());
    println!("format: {:>8.3}|{:<6}|{:#x}|{:08b}|{:e}", std::f64::consts::PI, "ab", 255, 5, 1234.5);
}

fn main() {
    println!("rust: {}", std::env::args().skip(1).collect::<Vec<_>>().join(" "));
    collections();
    threads();
    let status: i32 = std::env::var("RUST_APP_STATUS").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    std::process::exit(status);
}
