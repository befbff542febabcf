// Command grosdepot writes a full deposit for measures: a JSON-HOP file of
// 200 requests, built from the document's example, and its zip of 400
// attachments of incompressible content, just under the 200 Mo bound.
//
//	go run ./internal/segurtest/grosdepot -o /tmp/depot
//	/usr/bin/time -v bin/segur check --date 20211025 \
//	    --pieces /tmp/depot/JSON-1234567890-20211025-001.zip /tmp/depot/JSON-1234567890-20211025-001.json
package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	out := flag.String("o", ".", "dossier de sortie")
	n := flag.Int("n", 200, "nombre de demandes")
	total := flag.Int64("taille", 200<<20-(1<<20), "taille visée du .zip, en octets")
	flag.Parse()
	if err := run(*out, *n, *total); err != nil {
		fmt.Fprintln(os.Stderr, "grosdepot :", err)
		os.Exit(1)
	}
}

func run(dir string, n int, total int64) error {
	ex, err := os.ReadFile("hop/testdata/JSON-1234567890-20211025-001.json")
	if err != nil {
		return fmt.Errorf("à lancer depuis la racine du dépôt : %w", err)
	}
	const open = "\"lignesImport\": [\n"
	i := bytes.Index(ex, []byte(open)) + len(open)
	j := bytes.LastIndexByte(ex, ']')
	req := strings.TrimRight(string(ex[i:j]), " \n")
	var b strings.Builder
	b.Write(ex[:i])
	var names []string
	for k := 1; k <= n; k++ {
		if k > 1 {
			b.WriteString(",\n")
		}
		ed := fmt.Sprintf("%05d", k)
		r := strings.Replace(req, `"numLigne": 1,`, fmt.Sprintf(`"numLigne": %d,`, k), 1)
		r = strings.Replace(r, `"numeroEditeur": "00001"`, `"numeroEditeur": "`+ed+`"`, 1)
		r = strings.ReplaceAll(r, "-00001.pdf", "-"+ed+".pdf")
		b.WriteString(r)
		names = append(names, "HOP-RI-Va1-BDC-"+ed+".pdf", "HOP-RI-Va1-HT-"+ed+".pdf")
	}
	b.Write(ex[j:])
	base := filepath.Join(dir, "JSON-1234567890-20211025-001")
	if err := os.WriteFile(base+".json", []byte(b.String()), 0o644); err != nil {
		return err
	}
	f, err := os.Create(base + ".zip")
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriter(f)
	w := zip.NewWriter(bw)
	per := total / int64(len(names))
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 64<<10)
	for _, name := range names {
		e, err := w.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			return err
		}
		e.Write([]byte("%PDF-1.4\n"))
		for left := per - 9; left > 0; {
			for k := range buf {
				buf[k] = byte(rng.Uint32())
			}
			m := min(left, int64(len(buf)))
			if _, err := e.Write(buf[:m]); err != nil {
				return err
			}
			left -= m
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	return bw.Flush()
}
