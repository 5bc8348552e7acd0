// A small Go net/http server for the netapps tests: JSON answers to GET and POST, a counter
// kept across requests, and a streamed body. Listens on the address given as its argument
// (HOST:PORT); ends on SIGTERM like any Go program.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"sort"
	"sync"
)

type echoReply struct {
	Method  string `json:"method"`
	Bytes   int    `json:"bytes"`
	SHA256  string `json:"sha256"`
	Type    string `json:"content_type"`
	Decoded any    `json:"decoded,omitempty"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go_http HOST:PORT")
		os.Exit(2)
	}
	var mu sync.Mutex
	count := 0
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		keys := make([]string, 0, len(r.URL.Query()))
		for k := range r.URL.Query() {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		json.NewEncoder(w).Encode(map[string]any{"message": "hello", "path": r.URL.Path, "query": keys})
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		sum := sha256.Sum256(body)
		reply := echoReply{Method: r.Method, Bytes: len(body), SHA256: hex.EncodeToString(sum[:8]),
			Type: r.Header.Get("Content-Type")}
		if reply.Type == "application/json" {
			var decoded any
			if json.Unmarshal(body, &decoded) == nil {
				reply.Decoded = decoded
			}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(reply)
	})
	mux.HandleFunc("/count", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		count++
		n := count
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]int{"count": n})
	})
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		// 2 MiB in 64 KiB chunks, flushed one by one (chunked transfer encoding).
		chunk := make([]byte, 65536)
		for i := range chunk {
			chunk[i] = byte(i * 31)
		}
		flusher, _ := w.(http.Flusher)
		for i := 0; i < 32; i++ {
			w.Write(chunk)
			if flusher != nil {
				flusher.Flush()
			}
		}
	})
	log.Fatal(http.ListenAndServe(os.Args[1], mux))
}
