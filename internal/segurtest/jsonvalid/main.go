// Command jsonvalid reads a file and runs encoding/json's Valid on it once:
// the floor a whole process that checks a JSON-HOP file is measured against
// (make bench-processus, BenchmarkProcessus in cmd/segur).
//
//	go build -o /tmp/jsonvalid ./internal/segurtest/jsonvalid
//	hyperfine -N '/tmp/jsonvalid FICHIER.json' 'bin/segur check -o /dev/null FICHIER.json'
package main

import (
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage : jsonvalid FICHIER.json")
		os.Exit(64)
	}
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "jsonvalid :", err)
		os.Exit(3)
	}
	if !json.Valid(b) {
		fmt.Fprintln(os.Stderr, "jsonvalid : JSON invalide")
		os.Exit(2)
	}
}
