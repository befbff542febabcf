package sepa

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/segurtest"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata")

// schema is the official ISO 20022 schema of pain.001.001.03, as the
// agency's bank validates it.
const (
	schema       = "testdata/pain.001.001.03.xsd"
	schemaSHA256 = "87bd9b06f7f74128764d304af60f96f0d5583c92031113a892048272c8934d14"
)

// TestSchema: the schema in testdata is the official one, unchanged.
func TestSchema(t *testing.T) {
	b, err := os.ReadFile(schema)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != schemaSHA256 {
		t.Errorf("%s: got SHA-256 %x, want %s", schema, sum, schemaSHA256)
	}
}

// valider validates a file against the schema with xmllint, as the bank
// would: nil when valid, else xmllint's report.
func valider(tb testing.TB, doc []byte) error {
	tb.Helper()
	exe := segurtest.Xmllint(tb)
	f := filepath.Join(tb.TempDir(), "virement.xml")
	if err := os.WriteFile(f, doc, 0o644); err != nil {
		tb.Fatal(err)
	}
	out, err := exec.Command(exe, "--noout", "--schema", schema, f).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	if !strings.Contains(string(out), "validates") {
		tb.Fatalf("xmllint: unexpected output %q", out)
	}
	return nil
}

var paris = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return loc
}()

// exemple is a batch of two vendors' transfers.
func exemple() Ordre {
	return Ordre{
		MsgID: "SEGUR-LOT-000012", CreeLe: time.Date(2026, 6, 2, 14, 30, 5, 0, paris), Initiateur: "Agence de services et de paiement",
		Remises: []Remise{{
			ID: "LOT-000012", Execution: hop.Date{Annee: 2026, Mois: 6, Jour: 3},
			Debiteur: Compte{Nom: "Agence de services et de paiement", IBAN: "FR7610071750000000100000177", BIC: "TRPUFRP1"},
			Virements: []Virement{
				{InstrID: "LOT-000012-F1", EndToEndID: "AVIS-000012-1", Montant: 12_375_00,
					Creancier: Compte{Nom: "Le Beau Logiciel", IBAN: "FR7630006000011234567890189", BIC: "AGRIFRPP"},
					Libelle:   Libelle("AVIS-000012-1", []string{"ASP-2026-0000001", "ASP-2026-0000002", "ASP-2026-0000003"})},
				{InstrID: "LOT-000012-F7", EndToEndID: "AVIS-000012-2", Montant: 1,
					Creancier: Compte{Nom: "Société « Œuvres & Santé » — Hôpitaux ﬁnances", IBAN: "BE68539007547034", BIC: "GKCCBEBB"},
					Libelle:   Libelle("AVIS-000012-2", []string{"ASP-2026-0000004"})},
			},
		}},
	}
}

func ecrire(tb testing.TB, o Ordre) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := Ecrire(&b, o); err != nil {
		tb.Fatalf("Ecrire: %v", err)
	}
	return b.Bytes()
}

// TestEcrire writes a batch, validates it against the schema with
// xmllint, compares it with its golden file, and reads it back: the
// numbers and control sums match the transfers.
func TestEcrire(t *testing.T) {
	doc := ecrire(t, exemple())
	golden := filepath.Join("testdata", "virement.golden.xml")
	if *update {
		if err := os.WriteFile(golden, doc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if !bytes.Equal(doc, want) {
		t.Errorf("got\n%s\nwant (%s)\n%s", doc, golden, want)
	}
	for _, s := range []string{`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">`, "<NbOfTxs>2</NbOfTxs>", "<CtrlSum>12375.01</CtrlSum>",
		`<InstdAmt Ccy="EUR">0.01</InstdAmt>`, "<ReqdExctnDt>2026-06-03</ReqdExctnDt>", "<CreDtTm>2026-06-02T14:30:05</CreDtTm>",
		"<Nm>Societe &#39;OEuvres + Sante&#39; - Hopitaux finances</Nm>", "<Ustrd>AVIS-000012-1 Segur numerique ASP-2026-0000001 ASP-2026-0000002 ASP-2026-0000003</Ustrd>"} {
		if !bytes.Contains(doc, []byte(s)) {
			t.Errorf("file lacks %s", s)
		}
	}
	if err := valider(t, doc); err != nil {
		t.Fatalf("xmllint: %v\n%s", err, doc)
	}
	o, err := Lire(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if o.Nombre() != 2 || o.Total() != 12_375_01 || o.Remises[0].Virements[0].Montant != 12_375_00 || o.Remises[0].Execution != (hop.Date{Annee: 2026, Mois: 6, Jour: 3}) ||
		o.Remises[0].Virements[1].Creancier.IBAN != "BE68539007547034" || o.MsgID != "SEGUR-LOT-000012" {
		t.Errorf("read back: %+v", o)
	}
}

// TestFichiersCasses: the same check refuses a broken file, through the
// schema (xmllint) or through what Lire checks beyond it.
func TestFichiersCasses(t *testing.T) {
	doc := string(ecrire(t, exemple()))
	for _, tt := range []struct {
		name, old, new string
		schema, lire   bool // refused by xmllint, by Lire
	}{
		{"missing execution date", "<ReqdExctnDt>2026-06-03</ReqdExctnDt>", "", true, true},
		{"amount with 6 decimals", `<InstdAmt Ccy="EUR">0.01</InstdAmt>`, `<InstdAmt Ccy="EUR">0.011111</InstdAmt>`, true, true},
		{"negative amount", `<InstdAmt Ccy="EUR">0.01</InstdAmt>`, `<InstdAmt Ccy="EUR">-0.01</InstdAmt>`, true, true},
		{"identifier of 36 characters", "<EndToEndId>AVIS-000012-2</EndToEndId>", "<EndToEndId>" + strings.Repeat("X", 36) + "</EndToEndId>", true, false},
		{"bad BIC", "<BIC>GKCCBEBB</BIC>", "<BIC>GKCCBE01</BIC>", true, false},
		{"missing debtor account", "<DbtrAcct>", "<DbtrAcctX>", true, false},
		// The ISO schema allows 17 decimals in a control sum: the EPC's two
		// decimals are Lire's check.
		{"control sum with 3 decimals", "<CtrlSum>12375.01</CtrlSum>", "<CtrlSum>12375.010</CtrlSum>", false, true},
		{"control sum wrong", "<CtrlSum>12375.01</CtrlSum>", "<CtrlSum>12375.02</CtrlSum>", false, true},
		{"number of transactions wrong", "<NbOfTxs>2</NbOfTxs>", "<NbOfTxs>3</NbOfTxs>", false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(doc, tt.old) {
				t.Fatalf("file lacks %s", tt.old)
			}
			casse := strings.Replace(doc, tt.old, tt.new, 1)
			if tt.name == "missing debtor account" {
				casse = strings.Replace(casse, "</DbtrAcct>", "</DbtrAcctX>", 1)
			}
			if err := valider(t, []byte(casse)); (err != nil) != tt.schema {
				t.Errorf("xmllint: got %v, want refused %v", err, tt.schema)
			}
			if _, err := Lire(strings.NewReader(casse)); (err != nil) != tt.lire {
				t.Errorf("Lire: got %v, want refused %v", err, tt.lire)
			} else if err != nil && !segur.IsCode(err, segur.EINVALID) {
				t.Errorf("Lire: got %v, want an EINVALID", err)
			}
		})
	}
}

func TestValider(t *testing.T) {
	for _, tt := range []struct {
		name   string
		change func(o *Ordre)
		msg    string
	}{
		{"bad IBAN", func(o *Ordre) { o.Remises[0].Virements[0].Creancier.IBAN = "FR7630006000011234567890188" }, "IBAN « FR7630006000011234567890188 » invalide"},
		{"BIC the norm refuses", func(o *Ordre) { o.Remises[0].Debiteur.BIC = "TRPUFR01" }, "BIC « TRPUFR01 »"},
		{"zero amount", func(o *Ordre) { o.Remises[0].Virements[1].Montant = 0 }, "montant 0,00\u202f€"},
		{"amount too large", func(o *Ordre) { o.Remises[0].Virements[1].Montant = MaxMontant + 1 }, "attendu de 0,01\u202f€"},
		{"long identifier", func(o *Ordre) { o.MsgID = strings.Repeat("A", 36) }, "identifiant du message"},
		{"identifier with //", func(o *Ordre) { o.Remises[0].Virements[0].InstrID = "LOT//1" }, "référence d'instruction"},
		{"same end-to-end twice", func(o *Ordre) { o.Remises[0].Virements[1].EndToEndID = "AVIS-000012-1" }, "en double"},
		{"no transfer", func(o *Ordre) { o.Remises[0].Virements = nil }, "sans virement"},
		{"nameless vendor", func(o *Ordre) { o.Remises[0].Virements[0].Creancier.Nom = "★" }, "nom manquant"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := exemple()
			tt.change(&o)
			var b bytes.Buffer
			err := Ecrire(&b, o)
			if !segur.IsCode(err, segur.EINVALID) || !strings.Contains(err.Error(), tt.msg) || b.Len() != 0 {
				t.Errorf("got %v (%d bytes written), want EINVALID with %q", err, b.Len(), tt.msg)
			}
		})
	}
}

func TestLatin(t *testing.T) {
	for in, want := range map[string]string{
		"Société Générale":         "Societe Generale",
		"Œuvre & Cie — n° 3":       "OEuvre + Cie - no 3",
		"Straße  Ærø_ł":            "Strasse AEro-l",
		"L’hôpital « Saint-Jean »": "L'hopital 'Saint-Jean'",
		"ﬁnance\t\n€ 12 ; 3!":      "finance EUR 12 , 3.",
		"漢字 ok ★":                  "ok",
		"a/b-c?d:e(f).g,h'i+j":     "a/b-c?d:e(f).g,h'i+j",
	} {
		if got := Latin(in); got != want {
			t.Errorf("Latin(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestLibelle(t *testing.T) {
	var asps []string
	for i := range 20 {
		asps = append(asps, segur.FormatNumeroASP(2026, int64(i+1)))
	}
	got := Libelle("AVIS-000012-1", asps)
	if len(got) > 140 || !strings.HasPrefix(got, "AVIS-000012-1 Segur numerique ASP-2026-0000001 ") || !strings.HasSuffix(got, " +14") {
		t.Errorf("Libelle of 20 requests: got %q (%d characters)", got, len(got))
	}
	if got := Libelle("AVIS-000012-1", asps[:6]); got != "AVIS-000012-1 Segur numerique "+strings.Join(asps[:6], " ") || len(got) > 140 {
		t.Errorf("Libelle of 6 requests: got %q (%d)", got, len(got))
	}
	if got := Libelle("AVIS-000012-1", asps[:7]); len(got) > 140 || !strings.HasSuffix(got, asps[5]+" +1") {
		t.Errorf("Libelle of 7 requests: got %q (%d)", got, len(got))
	}
}

func TestMontant(t *testing.T) {
	for c, s := range map[int64]string{0: "0.00", 1: "0.01", 1234_56: "1234.56", MaxMontant: "999999999.99", -5: "-0.05"} {
		if got := Montant(c); got != s {
			t.Errorf("Montant(%d): got %s, want %s", c, got, s)
		}
		if c >= 0 {
			if got, err := LireMontant(s); err != nil || got != c {
				t.Errorf("LireMontant(%s): got %d %v", s, got, err)
			}
		}
	}
	for _, s := range []string{"12", "12.5", "12.500", "1e3", ".50", "-1.00", "1,00", "12.5a"} {
		if _, err := LireMontant(s); err == nil {
			t.Errorf("LireMontant(%q): got no error", s)
		}
	}
}

// FuzzLire: a file read back never panics, and one accepted is written
// again with the same sums.
func FuzzLire(f *testing.F) {
	var b bytes.Buffer
	if err := Ecrire(&b, exemple()); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add([]byte(`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/></Document>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := Lire(bytes.NewReader(data))
		if err != nil {
			return
		}
		if o.Nombre() == 0 && len(o.Remises) > 0 && o.Total() != 0 {
			t.Errorf("no transfer but a total of %d", o.Total())
		}
	})
}

// BenchmarkEcrire writes a batch of 1 000 vendors' transfers: the baseline
// is encoding/xml alone on the same document already built; Ecrire adds
// the checks (IBAN, BIC, lengths), the transliteration and the sums.
func BenchmarkEcrire(b *testing.B) {
	o := exemple()
	v := o.Remises[0].Virements[0]
	o.Remises[0].Virements = nil
	for i := range 1000 {
		v.InstrID, v.EndToEndID = fmt.Sprintf("LOT-000012-F%d", i), fmt.Sprintf("AVIS-000012-%d", i)
		o.Remises[0].Virements = append(o.Remises[0].Virements, v)
	}
	var built bytes.Buffer
	if err := Ecrire(&built, o); err != nil {
		b.Fatal(err)
	}
	var doc document
	if err := xml.Unmarshal(built.Bytes(), &doc); err != nil {
		b.Fatal(err)
	}
	b.Run("encoding-xml", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			enc := xml.NewEncoder(io.Discard)
			enc.Indent("", "  ")
			if err := enc.Encode(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Ecrire", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := Ecrire(io.Discard, o); err != nil {
				b.Fatal(err)
			}
		}
	})
}
