// A Go program built with cgo (dynamically linked against glibc): C calls in both
// directions of the cgo boundary, goroutines on several OS threads, channels, a
// sync.WaitGroup, maps, sorting, encoding/json and crypto/sha256. Prints only what is the
// same on every run.
package main

/*
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pwd.h>

static int c_add(int a, int b) { return a + b; }

static char* c_upper(const char* text) {
	char* copy = strdup(text);
	for (char* p = copy; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p -= 32;
	return copy;
}

static long c_sum(const int* values, int count) {
	long sum = 0;
	for (int i = 0; i < count; i++)
		sum += values[i];
	return sum;
}

static const char* c_user(void) {
	struct passwd* entry = getpwuid(0);
	return entry ? entry->pw_name : "unknown";
}
*/
import "C"

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"unsafe"
)

func cgo() {
	fmt.Println("c_add(40, 2) =", C.c_add(40, 2))
	text := C.CString("hello from go")
	defer C.free(unsafe.Pointer(text))
	upper := C.c_upper(text)
	fmt.Println("c_upper:", C.GoString(upper))
	C.free(unsafe.Pointer(upper))
	values := []C.int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	fmt.Println("c_sum:", C.c_sum(&values[0], C.int(len(values))))
	fmt.Println("getpwuid(0):", C.GoString(C.c_user()))
}

func goroutines() {
	runtime.GOMAXPROCS(4)
	jobs := make(chan int, 100)
	results := make(chan [2]int, 100)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range jobs {
				// Each job also calls into C, so cgo calls run on many threads.
				results <- [2]int{n, int(C.c_add(C.int(n*n), 1))}
			}
		}()
	}
	go func() {
		for n := 0; n < 1000; n++ {
			jobs <- n
		}
		close(jobs)
	}()
	go func() { wg.Wait(); close(results) }()
	sum := 0
	byN := map[int]int{}
	for r := range results {
		byN[r[0]] = r[1]
		sum += r[1]
	}
	fmt.Println("goroutines: results", len(byN), "sum", sum, "byN[999]", byN[999])

	var mu sync.Mutex
	counter := 0
	var group sync.WaitGroup
	for g := 0; g < 50; g++ {
		group.Add(1)
		go func() {
			defer group.Done()
			for i := 0; i < 1000; i++ {
				mu.Lock()
				counter++
				mu.Unlock()
			}
		}()
	}
	group.Wait()
	fmt.Println("mutex counter:", counter)
}

type Record struct {
	Name  string   `json:"name"`
	Count int      `json:"count"`
	Tags  []string `json:"tags,omitempty"`
}

func library() {
	words := strings.Fields("the quick brown fox jumps over the lazy dog the end")
	counts := map[string]int{}
	for _, w := range words {
		counts[w]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	records := []Record{}
	for _, k := range keys {
		records = append(records, Record{Name: k, Count: counts[k]})
	}
	records[0].Tags = []string{"first"}
	encoded, _ := json.Marshal(records)
	fmt.Println("json:", string(encoded))
	var decoded []Record
	if err := json.Unmarshal(encoded, &decoded); err != nil {
		fmt.Println("json error:", err)
	}
	fmt.Println("decoded:", len(decoded), decoded[len(decoded)-1].Name)
	fmt.Printf("sha256: %x\n", sha256.Sum256([]byte(strings.Repeat("osprey", 1000))))
	_, err := os.Open("/nonexistent/file")
	fmt.Println("open error:", err)
}

func main() {
	fmt.Println("go with cgo:", strings.Join(os.Args[1:], " "))
	cgo()
	goroutines()
	library()
}
