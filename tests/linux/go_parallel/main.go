// A static Go program for several CPUs (run with GOMAXPROCS=2 and --cpus 2): four
// goroutines count primes in parts of a range at once, a fifth sums a channel, and a
// sync.Mutex-guarded map is filled from all of them. Prints deterministic results.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync"
)

func isPrime(n int) bool {
	if n < 2 {
		return false
	}
	for d := 2; d*d <= n; d++ {
		if n%d == 0 {
			return false
		}
	}
	return true
}

func main() {
	fmt.Println("GOMAXPROCS:", runtime.GOMAXPROCS(0))
	const limit, parts = 400000, 4
	counts := make(chan int, parts)
	var mu sync.Mutex
	lastDigits := map[int]int{}
	var wg sync.WaitGroup
	for p := 0; p < parts; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			count := 0
			local := map[int]int{}
			for n := p * limit / parts; n < (p+1)*limit/parts; n++ {
				if isPrime(n) {
					count++
					local[n%10]++
				}
			}
			mu.Lock()
			for k, v := range local {
				lastDigits[k] += v
			}
			mu.Unlock()
			counts <- count
		}(p)
	}
	wg.Wait()
	close(counts)
	total := 0
	for c := range counts {
		total += c
	}
	fmt.Println("primes below", limit, ":", total)
	keys := make([]int, 0, len(lastDigits))
	for k := range lastDigits {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	for _, k := range keys {
		fmt.Printf("ending in %d: %d\n", k, lastDigits[k])
	}
	if total != 33860 {
		fmt.Fprintln(os.Stderr, "FAIL: wrong count")
		os.Exit(1)
	}
}
