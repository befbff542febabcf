package document

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Paris without the system's zoneinfo

	"github.com/go-pdf/fpdf"
	"golang.org/x/text/encoding/charmap"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/segurtest"
)

var paris = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return loc
}()

// exemple returns valid data of a document of type t.
func exemple(t segur.TypeDocument) Donnees {
	d := Donnees{
		Type:          t,
		Date:          time.Date(2026, 3, 12, 10, 30, 0, 0, paris),
		Fournisseur:   "Le Beau Logiciel SAS",
		SIRET:         "88558855858745",
		NumeroASP:     "ASP-2026-0000042",
		NumeroEditeur: "LBL-2026-0007",
		NumeroAns:     "ANS0000123",
		Logiciel:      hop.LogicielDPI,
		Beneficiaires: []Beneficiaire{
			{"750712184", "Assistance publique – Hôpitaux de Paris"},
			{"2A0000017", "Centre hospitalier d'Ajaccio"},
			{"690781810", "Hospices civils de Lyon"},
		},
	}
	d.Reference = segur.ReferenceDocument(d.NumeroASP, t, 1)
	switch t {
	case segur.DocumentRefus:
		d.RegimeTVA = "TTC"
		d.MontantHT = 25_000_00
		d.MontantPrestation = 30_000_00
		d.Raison = "Le FINESS 750712184 est déjà financé pour le logiciel DPI (demande ASP-2026-0000012)."
	case segur.DocumentDecision:
		d.RegimeTVA = "HT"
		d.MontantHT = 13_750_45
		d.MontantPrestation = 13_750_45
		d.MontantFinance = 13_750_45
		d.Calcul = "montant de la prestation, sous les plafonds des établissements (3 × 15 000,00 € ≥ 13 750,45 €)"
	case segur.DocumentConvention:
		d.RegimeTVA = "TTC"
		d.MontantHT = 50_000_00
		d.MontantPrestation = 60_000_00
		d.MontantFinance = 48_000_00
		d.Calcul = "plafonds des établissements : 40 000,00 € HT, soit 48 000,00 € TTC (TVA 20 %), inférieur à la prestation"
		d.DelaiSignature = segur.DelaiSignature
	}
	d.Avance = segur.Avance(d.MontantFinance)
	d.SoldeMax = d.MontantFinance - d.Avance
	return d
}

func ecrire(tb testing.TB, d Donnees) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := Ecrire(&b, d); err != nil {
		tb.Fatalf("Ecrire: %v", err)
	}
	return b.Bytes()
}

// poppler returns the path of poppler's tool (pdftotext, pdfinfo):
// SEGUR_PDFTOTEXT, else pdftotext on PATH (install it with:
// eval "$(scripts/poppler.sh)"), and the other tools beside it.
func poppler(tb testing.TB, tool string) string {
	tb.Helper()
	path := segurtest.Outil(tb, "SEGUR_PDFTOTEXT", "pdftotext", "to read the documents", "scripts/poppler.sh")
	return filepath.Join(filepath.Dir(path), tool)
}

// pdftotext returns the text of each page of pdf, read by poppler's
// pdftotext, every run of spaces folded into one.
func pdftotext(tb testing.TB, pdf []byte) []string {
	tb.Helper()
	path := poppler(tb, "pdftotext")
	in := filepath.Join(tb.TempDir(), "document.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		tb.Fatal(err)
	}
	out, err := exec.Command(path, "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	// pdftotext ends each page with a form feed.
	pages := strings.Split(strings.TrimSuffix(string(out), "\f"), "\f")
	for i := range pages {
		pages[i] = espaces(pages[i])
	}
	return pages
}

// espaces folds every run of spaces (line breaks, no-break spaces) into
// one space.
func espaces(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestEcrire(t *testing.T) {
	for _, typ := range []segur.TypeDocument{segur.DocumentRefus, segur.DocumentDecision, segur.DocumentConvention} {
		t.Run(string(typ), func(t *testing.T) {
			d := exemple(typ)
			pdf := ecrire(t, d)
			if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
				t.Fatalf("got %q, want a PDF", pdf[:min(len(pdf), 10)])
			}
			pages := pdftotext(t, pdf)
			text := strings.Join(pages, " ")

			want := []string{
				typ.Libelle(),
				"Agence de services et de paiement — Programme Ségur numérique, couloir Hôpital",
				d.Reference, "12 mars 2026", d.NumeroASP, d.NumeroEditeur, d.NumeroAns,
				d.Fournisseur, d.SIRET, "DPI — Dossier patient informatisé",
				"Pour l'Agence de services et de paiement, le service instructeur", fmt.Sprintf("Page 1 / %d", len(pages)),
				"Assistance publique – Hôpitaux de Paris", "Centre hospitalier d'Ajaccio",
				espaces(segur.Euros(d.MontantHT)), espaces(segur.Euros(d.MontantPrestation)),
				"Régime de TVA", d.RegimeTVA,
			}
			for _, b := range d.Beneficiaires {
				want = append(want, b.FINESS, b.Nom)
			}
			switch typ {
			case segur.DocumentRefus:
				want = append(want, "Elle est refusée pour le motif suivant", d.Raison, "Montant financé 0,00 €",
					"25 000,00 €", "30 000,00 €", "deux mois")
			case segur.DocumentDecision:
				want = append(want,
					"13 750,45 €", "treize mille sept cent cinquante euros et quarante-cinq centimes",
					"4 125,14 €", "quatre mille cent vingt-cinq euros et quatorze centimes",
					"9 625,31 €", "neuf mille six cent vingt-cinq euros et trente et un centimes",
					"une avance de 30 % du montant financé", "à la notification de la présente décision",
					"PV de VSR", "3 × 15 000,00 € >= 13 750,45 €", "deux mois", "ordre de reversement")
			case segur.DocumentConvention:
				want = append(want,
					"48 000,00 €", "quarante-huit mille euros",
					"14 400,00 €", "quatorze mille quatre cents euros",
					"33 600,00 €", "trente-trois mille six cents euros",
					"50 000,00 €", "cinquante mille euros", "60 000,00 €", "soixante mille euros",
					"une avance de 30 % du montant financé", "après la signature de la présente convention",
					"procès-verbal de vérification de service régulier (PV de VSR)",
					"Contrôles a posteriori", "Reversement des sommes indûment perçues", "ordre de reversement",
					"dans un délai de 30 jours à compter du 12 mars 2026, soit au plus tard le 11 avril 2026",
					"empreinte SHA-256", "signé, au format PDF", "Nom, qualité, date et signature")
			}
			for _, w := range want {
				if !strings.Contains(text, w) {
					t.Errorf("the text does not hold %q; got:\n%s", w, text)
				}
			}
			if typ == segur.DocumentRefus && strings.Contains(text, "Avance") {
				t.Errorf("a refusal shows an advance; got:\n%s", text)
			}
		})
	}
}

// TestPlusieursPages writes a convention for 60 establishments: the table
// flows onto the next pages, each page has the header with the reference
// and « Page n / N », the table's header row is repeated.
func TestPlusieursPages(t *testing.T) {
	d := exemple(segur.DocumentConvention)
	d.Beneficiaires = nil
	for i := range 60 {
		d.Beneficiaires = append(d.Beneficiaires, Beneficiaire{fmt.Sprintf("%09d", 100000000+i*1117), fmt.Sprintf("Centre hospitalier n° %d", i+1)})
	}
	pages := pdftotext(t, ecrire(t, d))
	if len(pages) < 3 {
		t.Fatalf("got %d pages, want at least 3", len(pages))
	}
	text := strings.Join(pages, " ")
	for _, b := range d.Beneficiaires {
		if !strings.Contains(text, b.FINESS+" "+b.Nom) {
			t.Errorf("establishment %s %s missing", b.FINESS, b.Nom)
		}
	}
	tableau := 0 // pages that hold a row of the table
	for i, p := range pages {
		for _, w := range []string{
			"Agence de services et de paiement — Programme Ségur numérique, couloir Hôpital",
			fmt.Sprintf("Page %d / %d", i+1, len(pages)),
			"Convention d'attribution — réf. " + d.Reference + " du 12 mars 2026",
		} {
			if !strings.Contains(p, w) {
				t.Errorf("page %d does not hold %q; got:\n%s", i+1, w, p)
			}
		}
		if strings.Contains(p, "Centre hospitalier n° ") {
			tableau++
			if !strings.Contains(p, "N° FINESS PMSI") || !strings.Contains(p, "Établissement") {
				t.Errorf("page %d: a row of the table without its header row; got:\n%s", i+1, p)
			}
		}
	}
	if tableau < 2 {
		t.Errorf("the table is on %d page(s), want at least 2", tableau)
	}
}

// TestDeterministe: the same data give the same bytes, whenever they are
// written; the issue date is the PDF's creation date.
func TestDeterministe(t *testing.T) {
	for _, typ := range []segur.TypeDocument{segur.DocumentRefus, segur.DocumentDecision, segur.DocumentConvention} {
		t.Run(string(typ), func(t *testing.T) {
			d := exemple(typ)
			a, b := ecrire(t, d), ecrire(t, d)
			if sha256.Sum256(a) != sha256.Sum256(b) {
				t.Fatalf("two writes differ: %d and %d bytes", len(a), len(b))
			}
			if !bytes.Contains(a, []byte("/CreationDate (D:20260312103000)")) || !bytes.Contains(a, []byte("/ModDate (D:20260312103000)")) {
				t.Errorf("got no creation or modification date from Date")
			}
			d.Date = d.Date.Add(24 * time.Hour)
			if c := ecrire(t, d); bytes.Equal(a, c) {
				t.Errorf("another date, the same bytes")
			}
		})
	}
}

var update = flag.Bool("update", false, "rewrite the golden PDFs in testdata/")

// TestGolden compares each document with testdata/<type>.pdf, byte for
// byte: a change of this package, of fpdf or of Go that changes the bytes
// would change the SHA-256 of the documents sent, which the agency must be
// able to recompute. Review the change (open the PDFs), then rewrite them
// with: go test ./internal/document/ -run TestGolden -update
func TestGolden(t *testing.T) {
	for _, typ := range []segur.TypeDocument{segur.DocumentRefus, segur.DocumentDecision, segur.DocumentConvention} {
		t.Run(string(typ), func(t *testing.T) {
			got := ecrire(t, exemple(typ))
			path := filepath.Join("testdata", string(typ)+".pdf")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (write it with -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s: got %d bytes, SHA-256 %x; want %d bytes, SHA-256 %x (review, then -update)",
					path, len(got), sha256.Sum256(got), len(want), sha256.Sum256(want))
			}
		})
	}
}

// TestMetadonnees reads the title, subject, author and language.
func TestMetadonnees(t *testing.T) {
	d := exemple(segur.DocumentConvention)
	pdf := ecrire(t, d)
	if !bytes.Contains(pdf, []byte("/Lang (fr-FR)")) {
		t.Errorf("no /Lang (fr-FR) in the catalog")
	}
	pdfinfo := poppler(t, "pdfinfo")
	in := filepath.Join(t.TempDir(), "document.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdfinfo, "-enc", "UTF-8", in).Output()
	if err != nil {
		t.Fatalf("%s: %v", pdfinfo, err)
	}
	info := string(out)
	for _, w := range []string{
		"Title:           Convention d'attribution ASP-2026-0000042-CONV-1",
		"Subject:         Programme Ségur numérique, couloir Hôpital — demande n° ASP ASP-2026-0000042, Le Beau Logiciel SAS",
		"Author:          Agence de services et de paiement",
		"Creator:         segur",
		"Page size:       595.28 x 841.89 pts (A4)",
	} {
		if !strings.Contains(info, w) {
			t.Errorf("pdfinfo does not show %q; got:\n%s", w, info)
		}
	}
}

func TestValider(t *testing.T) {
	for _, tc := range []struct {
		name  string
		typ   segur.TypeDocument
		edit  func(*Donnees)
		wantE string // in the message
	}{
		{"type inconnu", segur.DocumentRefus, func(d *Donnees) { d.Type = "avis" }, "type « avis » impossible à écrire"},
		{"sans référence", segur.DocumentDecision, func(d *Donnees) { d.Reference = " " }, "décision attributive de financement : la référence du document est obligatoire"},
		{"sans date", segur.DocumentDecision, func(d *Donnees) { d.Date = time.Time{} }, "la date d'émission est obligatoire"},
		{"sans fournisseur", segur.DocumentDecision, func(d *Donnees) { d.Fournisseur = "" }, "la raison sociale du fournisseur est obligatoire"},
		{"SIRET court", segur.DocumentDecision, func(d *Donnees) { d.SIRET = "123" }, "SIRET « 123 » : attendu 14 chiffres"},
		{"sans numéro ASP", segur.DocumentConvention, func(d *Donnees) { d.NumeroASP = "" }, "le numéro ASP de la demande est obligatoire"},
		{"sans numéro éditeur", segur.DocumentConvention, func(d *Donnees) { d.NumeroEditeur = "" }, "numéro éditeur (numeroEditeur)"},
		{"numéro ANS", segur.DocumentConvention, func(d *Donnees) { d.NumeroAns = "ANS-1" }, "numéro ANS « ANS-1 » : attendu 10 lettres ou chiffres"},
		{"logiciel", segur.DocumentConvention, func(d *Donnees) { d.Logiciel = "XYZ" }, "logiciel « XYZ » inconnu"},
		{"sans bénéficiaire", segur.DocumentRefus, func(d *Donnees) { d.Beneficiaires = nil }, "au moins un établissement bénéficiaire est obligatoire"},
		{"FINESS", segur.DocumentRefus, func(d *Donnees) { d.Beneficiaires[1].FINESS = "2C0000017" }, "bénéficiaire n° 2 : FINESS « 2C0000017 »"},
		{"nom du bénéficiaire", segur.DocumentRefus, func(d *Donnees) { d.Beneficiaires[2].Nom = "" }, "bénéficiaire n° 3 (FINESS 690781810) : le nom est obligatoire"},
		{"régime", segur.DocumentDecision, func(d *Donnees) { d.RegimeTVA = "ht" }, "régime de TVA « ht » : attendu HT ou TTC"},
		{"HT négatif", segur.DocumentRefus, func(d *Donnees) { d.MontantHT = -1 }, "attendu un montant positif ou nul"},
		{"prestation HT", segur.DocumentDecision, func(d *Donnees) { d.MontantPrestation++ }, "régime HT : le montant de la prestation"},
		{"refus sans motif", segur.DocumentRefus, func(d *Donnees) { d.Raison = "  " }, "notification de refus : le motif du refus est obligatoire"},
		{"refus financé", segur.DocumentRefus, func(d *Donnees) { d.MontantFinance = 100 }, "doivent être nuls dans un refus"},
		{"rien financé", segur.DocumentDecision, func(d *Donnees) { d.MontantFinance, d.Avance, d.SoldeMax = 0, 0, 0 }, "le montant financé doit être supérieur à 0"},
		{"financé au-delà", segur.DocumentConvention, func(d *Donnees) { d.MontantFinance = 60_000_01 }, "le montant financé (60 000,01 €) dépasse le montant de la prestation (60 000,00 €)"},
		{"avance", segur.DocumentConvention, func(d *Donnees) { d.Avance++ }, "avance 14 400,01 € : attendu 30 % du montant financé, soit 14 400,00 €"},
		{"solde", segur.DocumentConvention, func(d *Donnees) { d.SoldeMax = d.MontantFinance }, "solde maximal 48 000,00 € : attendu le montant financé moins l'avance, soit 33 600,00 €"},
		{"sans calcul", segur.DocumentDecision, func(d *Donnees) { d.Calcul = "" }, "le calcul du montant financé est obligatoire"},
		{"sans délai", segur.DocumentConvention, func(d *Donnees) { d.DelaiSignature = 0 }, "convention d'attribution : le délai de signature (en jours) est obligatoire"},
		{"caractère absent", segur.DocumentRefus, func(d *Donnees) { d.Raison = "Prestation ≠ commande" }, "motif du refus : caractère « ≠ » (U+2260) impossible à imprimer"},
		{"calcul", segur.DocumentDecision, func(d *Donnees) { d.Calcul = "a\x00b" }, "calcul du montant financé : caractère de contrôle U+0000 interdit"},
		{"contrôle", segur.DocumentRefus, func(d *Donnees) { d.NumeroEditeur = "a\nb" }, "numéro éditeur : caractère de contrôle U+000A interdit"},
		{"nom trop long", segur.DocumentRefus, func(d *Donnees) { d.Beneficiaires[0].Nom = strings.Repeat("é", 201) }, "bénéficiaire n° 1, nom : 201 caractères, au plus 200 attendus"},
		{"référence trop longue", segur.DocumentRefus, func(d *Donnees) { d.Reference = strings.Repeat("R", 41) }, "référence : 41 caractères, au plus 40 attendus"},
		{"UTF-8", segur.DocumentRefus, func(d *Donnees) { d.Raison = "\xff" }, "motif du refus : texte qui n'est pas de l'UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := exemple(tc.typ)
			d.Beneficiaires = append([]Beneficiaire(nil), d.Beneficiaires...)
			tc.edit(&d)
			var b bytes.Buffer
			err := Ecrire(&b, d)
			var e *segur.Error
			if !errors.As(err, &e) || e.Code != segur.EINVALID {
				t.Fatalf("got %v, want a segur.Error %s", err, segur.EINVALID)
			}
			if !strings.Contains(espaces(e.Message), tc.wantE) {
				t.Errorf("got %q, want it to hold %q", e.Message, tc.wantE)
			}
			if b.Len() != 0 {
				t.Errorf("got %d bytes written, want none", b.Len())
			}
		})
	}
}

// TestValiderAccepte: what a document may hold.
func TestValiderAccepte(t *testing.T) {
	for _, tc := range []struct {
		name string
		typ  segur.TypeDocument
		edit func(*Donnees)
	}{
		{"refus avec calcul, commande à 0 €", segur.DocumentRefus, func(d *Donnees) { d.Calcul = "sans objet"; d.MontantHT, d.MontantPrestation = 0, 0 }},
		{"motif sur plusieurs lignes", segur.DocumentRefus, func(d *Donnees) { d.Raison = "Pièce illisible.\r\nFacture absente.\tÀ compléter." }},
		{"typographie", segur.DocumentDecision, func(d *Donnees) {
			d.Calcul = "min(prestation ; plafonds) − 0\u2009€ ≤ plafond → œuvre « ok »…"
		}},
		{"FINESS corse", segur.DocumentDecision, func(d *Donnees) { d.Beneficiaires = []Beneficiaire{{"2B0000012", "Centre hospitalier de Bastia"}} }},
		{"financé à 1 centime", segur.DocumentDecision, func(d *Donnees) { d.MontantFinance, d.Avance, d.SoldeMax = 1, 0, 1 }},
		{"délai d'un jour", segur.DocumentConvention, func(d *Donnees) { d.DelaiSignature = 1 }},
		{"motif ignoré hors refus", segur.DocumentDecision, func(d *Donnees) { d.Raison = "commentaire de l'agent ≠ motif" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := exemple(tc.typ)
			tc.edit(&d)
			if err := Ecrire(io.Discard, d); err != nil {
				t.Fatalf("got %v, want no error", err)
			}
		})
	}
}

// TestLongs: a reason longer than a page flows over the pages; a long
// reference fits its cell.
func TestLongs(t *testing.T) {
	d := exemple(segur.DocumentRefus)
	var b strings.Builder
	for i := range 120 {
		fmt.Fprintf(&b, "Ligne %d du motif.\n", i+1)
	}
	d.Raison = b.String()
	d.Reference = strings.Repeat("ASP-2026-", 3) + "0000001-REF-1" // 40 characters
	text := strings.Join(pdftotext(t, ecrire(t, d)), " ")
	for _, w := range []string{"Ligne 1 du motif.", "Ligne 60 du motif.", "Ligne 120 du motif.", d.Reference} {
		if !strings.Contains(text, w) {
			t.Errorf("the text does not hold %q; got:\n%s", w, text)
		}
	}
}

// TestDepuisDemande writes the document of a request as the domain
// computes it: the amount financed, and its Calcul, with the demo
// reference's ceilings.
func TestDepuisDemande(t *testing.T) {
	ref := segur.ReferenceDemo()
	finess := slices.Sorted(maps.Keys(ref))[:2]
	dem := &segur.Demande{
		NumeroASP: segur.FormatNumeroASP(2026, 42), NumeroAns: "ANS0000123", Logiciel: hop.LogicielRI,
		DonneesDemande: hop.DonneesDemande{NumeroEditeur: "A1B2C", RegimeTVA: "TTC", MontantHTCents: 900_000_00},
	}
	var benef []Beneficiaire
	for _, f := range finess {
		dem.Clients = append(dem.Clients, hop.Client{FINESSPMSI: f, Contact: hop.Contact{Nom: ref[f].Nom}})
		benef = append(benef, Beneficiaire{f, ref[f].Nom})
	}
	prog := segur.ProgrammeParDefaut
	finance, calcul := segur.CalculFinancement(dem, ref, prog)
	typ := segur.DocumentDecision
	if finance > prog.SeuilConvention {
		typ = segur.DocumentConvention
	}
	d := Donnees{
		Type: typ, Reference: segur.ReferenceDocument(dem.NumeroASP, typ, 1), Date: time.Date(2026, 1, 1, 0, 0, 0, 0, paris),
		Fournisseur: "Le Beau Logiciel SAS", SIRET: "88558855858745",
		NumeroASP: dem.NumeroASP, NumeroEditeur: dem.NumeroEditeur, NumeroAns: dem.NumeroAns, Logiciel: dem.Logiciel,
		Beneficiaires: benef, RegimeTVA: dem.RegimeTVA, MontantHT: dem.MontantHTCents,
		MontantPrestation: segur.MontantPrestation(dem.RegimeTVA, dem.MontantHTCents, prog),
		MontantFinance:    finance, Avance: segur.Avance(finance), SoldeMax: finance - segur.Avance(finance),
		Calcul: calcul, DelaiSignature: segur.DelaiSignature,
	}
	text := strings.Join(pdftotext(t, ecrire(t, d)), " ")
	for _, w := range []string{espaces(calcul), EnLettres(finance), "1er janvier 2026", "RI — Référentiel d'identité"} {
		if !strings.Contains(text, w) {
			t.Errorf("the text does not hold %q; got:\n%s", w, text)
		}
	}
}

// TestTypographie: the folded characters reach the page.
func TestTypographie(t *testing.T) {
	d := exemple(segur.DocumentRefus)
	d.Raison = "Montant : 1\u202f000,00 € − avance ≤ 0 ; « œuvre » – ‘x’…"
	text := strings.Join(pdftotext(t, ecrire(t, d)), " ")
	if w := "Montant : 1 000,00 € - avance <= 0 ; « œuvre » – ‘x’…"; !strings.Contains(text, w) {
		t.Errorf("the text does not hold %q; got:\n%s", w, text)
	}
	d = exemple(segur.DocumentConvention)
	d.DelaiSignature = 1
	text = strings.Join(pdftotext(t, ecrire(t, d)), " ")
	if w := "dans un délai de 1 jour à compter du 12 mars 2026, soit au plus tard le 13 mars 2026"; !strings.Contains(text, w) {
		t.Errorf("the text does not hold %q; got:\n%s", w, text)
	}
}

// TestNoms: the names from the vendor's data are folded into what the PDF
// prints, not refused.
func TestNoms(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"HÔPITAL SAINT-LOUIS", "HÔPITAL SAINT-LOUIS"},
		{"Łódź Soft", "?ódz Soft"},
		{"CH 🏥 NORD", "CH ? NORD"},
		{"ŒUVRE – « ANNÉE »", "ŒUVRE – « ANNÉE »"},
		{"A\tB\nC", "A B C"},
		{"Ǆ ŠKODA", "DŽ ŠKODA"},
		{"ﬁnance", "finance"},
		{"\xffX", "?X"},
	} {
		if got := nom(tc.in); got != tc.want {
			t.Errorf("nom(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
	d := exemple(segur.DocumentDecision)
	d.Fournisseur = "Łódź Soft"
	d.Beneficiaires = []Beneficiaire{{"750712184", "CH 🏥 NORD"}}
	text := strings.Join(pdftotext(t, ecrire(t, d)), " ")
	for _, w := range []string{"?ódz Soft", "CH ? NORD"} {
		if !strings.Contains(text, w) {
			t.Errorf("the text does not hold %q; got:\n%s", w, text)
		}
	}
}

// TestTraducteur: fpdf's Windows-1252 table, which writes the text, and
// x/text's, which Valider checks against, agree on every character.
func TestTraducteur(t *testing.T) {
	tr := fpdf.New("P", "mm", "A4", "").UnicodeTranslatorFromDescriptor("")
	for r := rune(0xA0); r <= 0x2122; r++ {
		b, ok := charmap.Windows1252.EncodeRune(r)
		if !ok || r < 0xA0 && r >= 0x80 {
			continue
		}
		if got := tr(string(r)); got != string([]byte{b}) {
			t.Errorf("U+%04X: fpdf writes %q, x/text %q", r, got, []byte{b})
		}
	}
	if got := tr("\u20ac"); got != "\x80" {
		t.Errorf("€: got %q, want \\x80", got)
	}
}

func TestDateLongue(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 3, 1, 0, 0, 0, 0, paris), "1er mars 2026"},
		{time.Date(2026, 8, 15, 23, 59, 0, 0, paris), "15 août 2026"},
		{time.Date(2026, 12, 31, 0, 0, 0, 0, paris), "31 décembre 2026"},
		// 23:30 UTC on 31 December is already 1 January in Paris.
		{time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC).In(paris), "1er janvier 2027"},
	} {
		if got := dateLongue(tc.t); got != tc.want {
			t.Errorf("dateLongue(%v): got %q, want %q", tc.t, got, tc.want)
		}
	}
}

// BenchmarkEcrire writes a convention for 10 establishments.
func BenchmarkEcrire(b *testing.B) {
	d := exemple(segur.DocumentConvention)
	d.Beneficiaires = nil
	for i := range 10 {
		d.Beneficiaires = append(d.Beneficiaires, Beneficiaire{fmt.Sprintf("%09d", 100000000+i), fmt.Sprintf("Centre hospitalier n° %d", i+1)})
	}
	b.ReportAllocs()
	var n int
	for b.Loop() {
		var buf bytes.Buffer
		if err := Ecrire(&buf, d); err != nil {
			b.Fatal(err)
		}
		n = buf.Len()
	}
	b.ReportMetric(float64(n), "bytes/doc")
}
