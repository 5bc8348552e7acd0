// A static Go program: 1,000 goroutines sending on channels, a sync.WaitGroup, a mutex,
// time.Sleep, select with a timeout, and asynchronous preemption of a goroutine that
// never yields (the runtime's SIGURG through tgkill). Prints deterministic results.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	// 1,000 goroutines each send their number; the sum arrives through a channel.
	numbers := make(chan int)
	var wg sync.WaitGroup
	for i := 0; i < 1000; i++ {
		wg.Add(1)
		go func(n int) {
			defer wg.Done()
			numbers <- n
		}(i)
	}
	go func() {
		wg.Wait()
		close(numbers)
	}()
	sum, count := 0, 0
	for n := range numbers {
		sum += n
		count++
	}
	if count != 1000 || sum != 499500 {
		fail("goroutines: %d values summing %d", count, sum)
	}
	fmt.Printf("goroutines: %d sent, sum %d\n", count, sum)

	// A pipeline of buffered channels.
	stage1 := make(chan int, 16)
	stage2 := make(chan int, 16)
	go func() {
		for i := 1; i <= 100; i++ {
			stage1 <- i
		}
		close(stage1)
	}()
	go func() {
		for v := range stage1 {
			stage2 <- v * v
		}
		close(stage2)
	}()
	squares := 0
	for v := range stage2 {
		squares += v
	}
	fmt.Printf("pipeline: sum of squares 1..100 = %d\n", squares)

	// A mutex shared by many goroutines.
	var mu sync.Mutex
	counter := 0
	var wg2 sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			for i := 0; i < 10000; i++ {
				mu.Lock()
				counter++
				mu.Unlock()
			}
		}()
	}
	wg2.Wait()
	fmt.Printf("mutex: counter %d\n", counter)

	// time.Sleep and a select timeout never finish early.
	start := time.Now()
	time.Sleep(10 * time.Millisecond)
	if time.Since(start) < 10*time.Millisecond {
		fail("time.Sleep(10ms) returned early")
	}
	never := make(chan int)
	start = time.Now()
	select {
	case <-never:
		fail("received from a channel nobody sends on")
	case <-time.After(20 * time.Millisecond):
	}
	if time.Since(start) < 20*time.Millisecond {
		fail("time.After(20ms) fired early")
	}
	fmt.Println("sleep: time.Sleep and time.After not early")

	// With one P, a goroutine spinning without function calls can only be stopped by
	// asynchronous preemption; the main goroutine must still wake from its sleep.
	runtime.GOMAXPROCS(1)
	var stop int32
	var spins int64
	go func() {
		for atomic.LoadInt32(&stop) == 0 {
			spins++
		}
	}()
	time.Sleep(50 * time.Millisecond)
	atomic.StoreInt32(&stop, 1)
	fmt.Println("preemption: main ran while a goroutine spun")

	fmt.Println("go_hello ok")
}
