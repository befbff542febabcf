// Command grosdepot writes a full deposit for measures: a JSON-HOP file of
// 200 requests, the document's example numbered 00001 to 00200
// (hop.FichierExemple), and its zip of 400 attachments of incompressible
// content, just under the 200 Mo bound.
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

	"github.com/segur-numerique/segur/hop"
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
	if n < 1 {
		return fmt.Errorf("-n %d : attendu au moins une demande", n)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	numeros := make([]string, n)
	for k := range numeros {
		numeros[k] = fmt.Sprintf("%05d", k+1)
	}
	fichier := hop.FichierExemple(numeros...)
	var b bytes.Buffer
	if err := hop.EcrireHOP(&b, fichier); err != nil {
		return err
	}
	var names []string
	for _, d := range fichier.Demandes {
		for _, p := range d.Pieces {
			names = append(names, p.NomFichier)
		}
	}
	base := filepath.Join(dir, "JSON-1234567890-20211025-001")
	if err := os.WriteFile(base+".json", b.Bytes(), 0o644); err != nil {
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
