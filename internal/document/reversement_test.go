package document

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// exempleReversement returns a valid order of recovery.
func exempleReversement() Reversement {
	return Reversement{
		Reference: segur.ReferenceDocument("ASP-2026-0000042", segur.DocumentReversement, 1),
		Date:      time.Date(2026, 9, 1, 23, 30, 0, 0, paris),
		// A name with a character Windows-1252 lacks: folded, not refused.
		Fournisseur: "Le Beau Logiciel SAS – Łódź", SIRET: "88558855858745",
		NumeroASP: "ASP-2026-0000042", NumeroEditeur: "LBL07", NumeroAns: "ANS0000123", Logiciel: hop.LogicielDPI,
		Controle:       "CTL-0000003",
		MontantFinance: 13_750_45, AvanceVersee: 4_125_14, SoldeVerse: 9_625_31, MontantReverse: 13_750_45,
		Motif:         "Le procès-verbal de vérification de service régulier n'a pas été transmis.\nLa facture ne mentionne pas l'établissement 750712184.",
		DelaiPaiement: 30,
	}
}

func ecrireReversement(tb testing.TB, r Reversement) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := EcrireReversement(&b, r); err != nil {
		tb.Fatalf("EcrireReversement: %v", err)
	}
	return b.Bytes()
}

func TestEcrireReversement(t *testing.T) {
	r := exempleReversement()
	pdf := ecrireReversement(t, r)
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("got %q, want a PDF", pdf[:min(len(pdf), 10)])
	}
	text := strings.Join(pdftotext(t, pdf), " ")
	for _, w := range []string{
		"Ordre de reversement", r.Reference, "1er septembre 2026", r.NumeroASP, r.NumeroEditeur, r.NumeroAns,
		"Le Beau Logiciel SAS – ?ódz", r.SIRET, "DPI — Dossier patient informatisé", "Contrôle a posteriori CTL-0000003",
		"À l'issue du contrôle a posteriori n° CTL-0000003",
		"Le procès-verbal de vérification de service régulier n'a pas été transmis.",
		"La facture ne mentionne pas l'établissement 750712184.",
		"Avance versée 4 125,14 € quatre mille cent vingt-cinq euros et quatorze centimes",
		"Solde versé 9 625,31 €", "Total versé 13 750,45 €",
		"Montant à reverser 13 750,45 € treize mille sept cent cinquante euros et quarante-cinq centimes",
		"la somme de 13 750,45 € (treize mille sept cent cinquante euros et quarante-cinq centimes)",
		"dans un délai de 30 jours à compter du 1er septembre 2026, soit au plus tard le 1er octobre 2026",
		"Le présent ordre de reversement peut faire l'objet d'un recours", "Pour l'Agence de services et de paiement, le service instructeur", "Page 1 / ",
		"Ordre de reversement — réf. ASP-2026-0000042-ORV-1 du 1er septembre 2026",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("the text does not hold %q; got:\n%s", w, text)
		}
	}

	// A recovery without a control (a balance below the advance).
	r.Controle, r.SoldeVerse, r.MontantReverse = "", 0, 1_000_00
	text = strings.Join(pdftotext(t, ecrireReversement(t, r)), " ")
	if strings.Contains(text, "CTL-") || !strings.Contains(text, "Après examen de la demande") || !strings.Contains(text, "Solde versé 0,00 € zéro euro") {
		t.Errorf("without control: got\n%s", text)
	}
}

func TestReversementInvalide(t *testing.T) {
	for _, tt := range []struct {
		nom    string
		change func(r *Reversement)
		want   string
	}{
		{"sans motif", func(r *Reversement) { r.Motif = " " }, "le motif est obligatoire"},
		{"rien à reverser", func(r *Reversement) { r.MontantReverse = 0 }, "supérieur à 0"},
		{"plus que versé", func(r *Reversement) { r.SoldeVerse, r.MontantReverse = 0, 4_125_15 }, "dépasse les montants versés"},
		{"versé plus que financé", func(r *Reversement) { r.AvanceVersee = 5_000_00 }, "dépassent le montant financé"},
		{"sans délai", func(r *Reversement) { r.DelaiPaiement = 0 }, "délai de paiement"},
		{"SIRET", func(r *Reversement) { r.SIRET = "123" }, "SIRET « 123 »"},
		{"motif imprimable", func(r *Reversement) { r.Motif = "voir ☃" }, "motif : caractère « ☃ »"},
		{"sans date", func(r *Reversement) { r.Date = time.Time{} }, "date d'émission"},
	} {
		t.Run(tt.nom, func(t *testing.T) {
			r := exempleReversement()
			tt.change(&r)
			var b bytes.Buffer
			err := EcrireReversement(&b, r)
			if !segur.IsCode(err, segur.EINVALID) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want EINVALID with %q", err, tt.want)
			}
			if b.Len() != 0 {
				t.Errorf("wrote %d bytes of an invalid order", b.Len())
			}
		})
	}
}

// TestReversementGolden: the order is deterministic and its bytes pinned
// in testdata/reversement.pdf (rewrite with -update, after review).
func TestReversementGolden(t *testing.T) {
	a, b := ecrireReversement(t, exempleReversement()), ecrireReversement(t, exempleReversement())
	if !bytes.Equal(a, b) {
		t.Fatalf("two writes differ: %d and %d bytes", len(a), len(b))
	}
	path := filepath.Join("testdata", "reversement.pdf")
	if *update {
		if err := os.WriteFile(path, a, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (write it with -update)", err)
	}
	if !bytes.Equal(a, want) {
		t.Errorf("%s: got %d bytes, SHA-256 %x; want %d bytes, SHA-256 %x (review, then -update)",
			path, len(a), sha256.Sum256(a), len(want), sha256.Sum256(want))
	}
}
