// Command groscarnet writes a vendor's order book at scale for measures of
// segur build: n rows (10 000 by default), one establishment and one request
// each, TTC, no numeroEditeur (the ledger gives them), all sharing one order
// form (a scan: incompressible), which it writes beside the book. segur build makes 50 files of 200
// requests from the default book.
//
//	go run ./internal/segurtest/groscarnet -o /tmp/carnet
//	/usr/bin/time -v bin/segur build --ans 1234567890 --siret 88558855858745 \
//	    --date 20261125 --from /tmp/carnet/carnet.csv --out /tmp/carnet/depots
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// BonDeCommande is the name of the shared order form, as the book writes it.
const BonDeCommande = "Bon de commande groupé.pdf"

func main() {
	out := flag.String("o", ".", "dossier de sortie")
	n := flag.Int("n", 10000, "nombre de lignes (une demande par ligne)")
	taille := flag.Int("taille", 2048, "taille du bon de commande partagé, en octets")
	flag.Parse()
	if err := run(*out, *n, *taille); err != nil {
		fmt.Fprintln(os.Stderr, "groscarnet :", err)
		os.Exit(1)
	}
}

func run(dir string, n, taille int) error {
	if n < 1 || n > 99999 {
		return fmt.Errorf("-n %d : attendu de 1 à 99 999 lignes", n)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, BonDeCommande), pdf(taille), 0o644); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "carnet.csv"))
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	w.WriteString("\uFEFFreference;numeroEditeur;dateCommande;regimeTVA;montantHT;mandataire;emailMandataire;telephoneMandataire;nomClient;emailClient;telephoneClient;FINESSPMSI;bonDeCommande;preuveHT\n")
	for k := 1; k <= n; k++ {
		fmt.Fprintf(w, "CMD-%05d;;15/10/2021;TTC;%d 250,00;;;;Établissement %05d;direction%05d@etablissement.fr;01 23 45 %02d %02d;%s;%s;\n",
			k, 1+k%90, k, k, k/100%100, k%100, finess(k), BonDeCommande)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// finess is a 9-digit FINESS PMSI made from k, its ninth digit the Luhn key
// of the first eight.
func finess(k int) string {
	s := fmt.Sprintf("91%06d", k)
	sum := 0
	for i := range 8 {
		d := int(s[7-i] - '0')
		if i%2 == 0 { // doubled: the digits at odd distance from the key
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return fmt.Sprintf("%s%d", s, (10-sum%10)%10)
}

// pdf is a one-page PDF of about taille bytes whose page is a scanned
// image: a stream of incompressible bytes, as a scan's JPEG is, after the
// header that the signature check reads.
func pdf(taille int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n" +
		"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>\nendobj\n")
	fin := "\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
	n := max(0, taille-b.Len()-len(fin)-40)
	fmt.Fprintf(&b, "4 0 obj\n<< /Length %d >>\nstream\n", n)
	rng := rand.New(rand.NewPCG(1, 2))
	for range n {
		b.WriteByte(byte(rng.Uint32()))
	}
	b.WriteString(fin)
	return b.Bytes()
}
