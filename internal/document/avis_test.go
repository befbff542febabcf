package document

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// exempleAvis is a notice of three payments.
func exempleAvis() Avis {
	return Avis{
		Reference: "AVIS-000012-1", Lot: "LOT-000012", Date: time.Date(2026, 6, 2, 16, 45, 0, 0, paris),
		DatePaiement: hop.Date{Annee: 2026, Mois: 6, Jour: 1}, Payeur: "Agence de services et de paiement",
		Fournisseur: "Le Beau Logiciel SAS", SIRET: "88558855858745", IBAN: "FR7630006000011234567890189", BIC: "AGRIFRPP",
		Lignes: []LigneAvis{
			{NumeroASP: "ASP-2026-0000001", NumeroEditeur: "00001", Nature: segur.PaiementAvance, Montant: 4_125_00},
			{NumeroASP: "ASP-2026-0000002", NumeroEditeur: "00002", Nature: segur.PaiementAvance, Montant: 14_400_00},
			{NumeroASP: "ASP-2026-0000003", NumeroEditeur: "00003", Nature: segur.PaiementSolde, Montant: 9_625_31},
		},
	}
}

func ecrireAvis(tb testing.TB, a Avis) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := EcrireAvis(&b, a); err != nil {
		tb.Fatalf("EcrireAvis: %v", err)
	}
	return b.Bytes()
}

func TestEcrireAvis(t *testing.T) {
	a := exempleAvis()
	pdf := ecrireAvis(t, a)
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("got %q, want a PDF", pdf[:min(len(pdf), 10)])
	}
	if again := ecrireAvis(t, a); !bytes.Equal(pdf, again) {
		t.Error("the same notice written twice differs")
	}
	pages := pdftotext(t, pdf)
	text := strings.Join(pages, " ")
	for _, want := range []string{
		"Avis de paiement", "Agence de services et de paiement — Programme Ségur numérique, couloir Hôpital",
		"AVIS-000012-1", "LOT-000012", "2 juin 2026", "virement SEPA exécuté le 1er juin 2026",
		"Le Beau Logiciel SAS", "88558855858745", "FR** **** **** **** **** ***0 189", "AGRIFRPP", "Donneur d'ordre",
		"ASP-2026-0000001 00001 Avance (30 %) 4 125,00 €", "ASP-2026-0000003 00003 Solde 9 625,31 €",
		"3 paiements 28 150,31 € Total",
		"vingt-huit mille cent cinquante euros et trente et un centimes",
		"Pour l'Agence de services et de paiement, le service comptable", "Avis de paiement — réf. AVIS-000012-1 du 2 juin 2026", "Page 1 / 1",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the text does not hold %q; got:\n%s", want, text)
		}
	}
	if strings.Contains(text, "7890189") || strings.Contains(text, "30006") {
		t.Errorf("the notice shows the whole IBAN:\n%s", text)
	}
	if a.Lignes[0].NumeroEditeur != "00001" || a.Total() != 28_150_31 {
		t.Errorf("EcrireAvis changed its data: %+v", a)
	}
}

// TestAvisPlusieursPages: a notice of 80 payments flows onto several
// pages, each with its footer.
func TestAvisPlusieursPages(t *testing.T) {
	a := exempleAvis()
	a.Lignes = nil
	for i := range 80 {
		a.Lignes = append(a.Lignes, LigneAvis{NumeroASP: segur.FormatNumeroASP(2026, int64(i+1)), NumeroEditeur: fmt.Sprintf("E%04d", i), Nature: segur.PaiementAvance, Montant: 100_00})
	}
	pages := pdftotext(t, ecrireAvis(t, a))
	if len(pages) < 3 {
		t.Fatalf("got %d pages, want at least 3", len(pages))
	}
	for i, p := range pages {
		if !strings.Contains(p, fmt.Sprintf("Page %d / %d", i+1, len(pages))) || !strings.Contains(p, "AVIS-000012-1") {
			t.Errorf("page %d lacks its footer or reference:\n%s", i+1, p)
		}
		// The table's header row is repeated on each page it spans.
		if strings.Contains(p, "ASP-2026-00000") && (!strings.Contains(p, "Demande n° ASP Numéro éditeur Nature") || !strings.Contains(p, "Montant")) {
			t.Errorf("page %d lacks the table's header row:\n%s", i+1, p)
		}
	}
	if text := strings.Join(pages, " "); !strings.Contains(text, "ASP-2026-0000080 E0079") || !strings.Contains(text, "80 paiements 8 000,00 € Total") {
		t.Errorf("the last line or the total is missing")
	}
}

func TestValiderAvis(t *testing.T) {
	for _, tt := range []struct {
		name   string
		change func(a *Avis)
		msg    string
	}{
		{"no reference", func(a *Avis) { a.Reference = "" }, "la référence de l'avis est obligatoire"},
		{"no payment date", func(a *Avis) { a.DatePaiement = hop.Date{} }, "la date du virement est obligatoire"},
		{"bad SIRET", func(a *Avis) { a.SIRET = "123" }, "SIRET « 123 »"},
		{"bad IBAN", func(a *Avis) { a.IBAN = "FR7630006000011234567890188" }, "IBAN du fournisseur invalide"},
		{"no line", func(a *Avis) { a.Lignes = nil }, "au moins un paiement"},
		{"zero amount", func(a *Avis) { a.Lignes[1].Montant = 0 }, "ligne 2 (ASP-2026-0000002) : montant 0,00\u202f€"},
		{"unknown kind", func(a *Avis) { a.Lignes[0].Nature = "prime" }, "nature « prime »"},
		{"unprintable payer", func(a *Avis) { a.Payeur = "Анна" }, "compte payeur : caractère « А »"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := exempleAvis()
			tt.change(&a)
			var b bytes.Buffer
			err := EcrireAvis(&b, a)
			if !segur.IsCode(err, segur.EINVALID) || !strings.Contains(err.Error(), tt.msg) || b.Len() != 0 {
				t.Errorf("got %v (%d bytes), want EINVALID with %q", err, b.Len(), tt.msg)
			}
		})
	}
	// A vendor's name the encoding lacks is folded, not refused.
	a := exempleAvis()
	a.Fournisseur = "Zając Software ﬁ"
	if text := strings.Join(pdftotext(t, ecrireAvis(t, a)), " "); !strings.Contains(text, "Zajac Software fi") {
		t.Errorf("folded name missing:\n%s", text)
	}
}
