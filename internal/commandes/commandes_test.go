package commandes

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"github.com/segur-numerique/segur/hop"
)

// enteteFR is the header a French spreadsheet user writes: accents, blanks,
// capitals, in another order than the documentation's.
var enteteFR = []string{"Référence", "Numéro éditeur", "Date commande", "Régime TVA", "Montant HT",
	"Mandataire", "E-mail mandataire", "Téléphone mandataire", "Nom client", "E-mail client",
	"Téléphone client", "FINESS PMSI", "Bon de commande", "Preuve HT"}

// lignesValides are the rows of a valid book: the document's worked example
// (three ES-PMSI under a mandataire, the amount in three spreadsheet forms),
// a single establishment in TTC, and a request known by its numeroEditeur.
var lignesValides = [][]string{
	{"CMD-2021-001", "00001", "15/10/2021", "HT", "13 750,00", "Dupont", "dupont@chsm.fr", "01 23 45 67 89", "Hôpital Saint-Martin", "direction@chsm.fr", "01 23 45 67 00", "999999999", "Bon signé Saint-Martin.pdf", "Attestation HT.pdf"},
	{"CMD-2021-001", "00001", "2021-10-15", "ht", "13750.00", "Dupont", "dupont@chsm.fr", "01 23 45 67 89", "Clinique Saint-Martin", "clinique@chsm.fr", "01 23 45 67 01", "999999991", "Bon signé Saint-Martin.pdf", "Attestation HT.pdf"},
	{"CMD-2021-001", "00001", "15/10/2021", "HT", "13\u00a0750", "Dupont", "dupont@chsm.fr", "01 23 45 67 89", "Centre de soins Saint-Martin", "soins@chsm.fr", "+33 1 23 45 67 02", "999999992", "Bon signé Saint-Martin.pdf", "Attestation HT.pdf"},
	{"CMD-2021-002", "", "03/11/2021", "TTC", "4200,5", "", "", "", "Centre hospitalier d'Épinal", "dsi@ch-epinal.fr", "03.29.00.00.00", "2A0000001", "bdc épinal.PDF", ""},
	{"", "00003", "01/12/2021", "TTC", "999,99", "", "", "", "Clinique des Pins", "dsi@pins.fr", "0400000000", "999999993", "bdc-pins.jpg", ""},
	{"", "00003", "01/12/2021", "TTC", "999,99", "", "", "", "Clinique des Chênes", "dsi@chenes.fr", "0400000001", "999999994", "bdc-pins.jpg", ""},
}

var demandesValides = []Demande{
	{
		Reference: "CMD-2021-001", NumeroEditeur: "00001", Lignes: []int{2, 3, 4},
		BonDeCommande: "Bon signé Saint-Martin.pdf", PreuveHT: "Attestation HT.pdf",
		Donnees: hop.DonneesDemande{
			NumLigne: 1, NumeroEditeur: "00001", DateCommande: hop.Date{Annee: 2021, Mois: 10, Jour: 15},
			RegimeTVA: "HT", MontantHTCents: 1375000,
			Mandataire: &hop.Contact{Nom: "DUPONT", Email: "dupont@chsm.fr", Telephone: "01 23 45 67 89"},
			Clients: []hop.Client{
				{Contact: hop.Contact{Nom: "HÔPITAL SAINT-MARTIN", Email: "direction@chsm.fr", Telephone: "01 23 45 67 00"}, FINESSPMSI: "999999999"},
				{Contact: hop.Contact{Nom: "CLINIQUE SAINT-MARTIN", Email: "clinique@chsm.fr", Telephone: "01 23 45 67 01"}, FINESSPMSI: "999999991"},
				{Contact: hop.Contact{Nom: "CENTRE DE SOINS SAINT-MARTIN", Email: "soins@chsm.fr", Telephone: "+33 1 23 45 67 02"}, FINESSPMSI: "999999992"},
			},
		},
	},
	{
		Reference: "CMD-2021-002", Lignes: []int{5}, BonDeCommande: "bdc épinal.PDF",
		Donnees: hop.DonneesDemande{
			NumLigne: 2, DateCommande: hop.Date{Annee: 2021, Mois: 11, Jour: 3}, RegimeTVA: "TTC", MontantHTCents: 420050,
			Clients: []hop.Client{{Contact: hop.Contact{Nom: "CENTRE HOSPITALIER D'ÉPINAL", Email: "dsi@ch-epinal.fr", Telephone: "03.29.00.00.00"}, FINESSPMSI: "2A0000001"}},
		},
	},
	{
		NumeroEditeur: "00003", Lignes: []int{6, 7}, BonDeCommande: "bdc-pins.jpg",
		Donnees: hop.DonneesDemande{
			NumLigne: 3, NumeroEditeur: "00003", DateCommande: hop.Date{Annee: 2021, Mois: 12, Jour: 1}, RegimeTVA: "TTC", MontantHTCents: 99999,
			Clients: []hop.Client{
				{Contact: hop.Contact{Nom: "CLINIQUE DES PINS", Email: "dsi@pins.fr", Telephone: "0400000000"}, FINESSPMSI: "999999993"},
				{Contact: hop.Contact{Nom: "CLINIQUE DES CHÊNES", Email: "dsi@chenes.fr", Telephone: "0400000001"}, FINESSPMSI: "999999994"},
			},
		},
	},
}

// csvDe writes rows as a spreadsheet's CSV export: every field quoted when
// it holds the separator or a quote, CRLF line ends.
func csvDe(sep string, lignes ...[]string) string {
	var b strings.Builder
	for _, l := range lignes {
		for i, v := range l {
			if i > 0 {
				b.WriteString(sep)
			}
			if strings.ContainsAny(v, sep+"\"\n") {
				v = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
			}
			b.WriteString(v)
		}
		b.WriteString("\r\n")
	}
	return b.String()
}

func cp1252(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// xlsxDe writes rows as a workbook, the dates of the first column that has
// them as real date cells, the amounts as numbers with a French format.
func xlsxDe(tb testing.TB, lignes ...[]string) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	feuille := f.GetSheetName(0)
	dateFmt, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("dd/mm/yyyy")})
	if err != nil {
		tb.Fatal(err)
	}
	montantFmt, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr(`#,##0.00\ "€"`)})
	if err != nil {
		tb.Fatal(err)
	}
	for i, l := range lignes {
		for j, v := range l {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			var val any = v
			if i > 0 && j == 2 && len(v) == 10 && v[4] == '-' {
				t, err := time.Parse("2006-01-02", v)
				if err != nil {
					tb.Fatal(err)
				}
				val = t
				f.SetCellStyle(feuille, cell, cell, dateFmt)
			}
			if i > 0 && j == 4 {
				var m float64
				if _, err := fmt.Sscan(strings.NewReplacer(" ", "", "\u00a0", "", ",", ".").Replace(v), &m); err == nil {
					val = m
					f.SetCellStyle(feuille, cell, cell, montantFmt)
				}
			}
			if err := f.SetCellValue(feuille, cell, val); err != nil {
				tb.Fatal(err)
			}
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func ptr[T any](v T) *T { return &v }

func lire(tb testing.TB, data []byte) ([]Demande, []Erreur) {
	tb.Helper()
	d, e, err := Lire(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatalf("Lire: %v", err)
	}
	if d != nil && e != nil {
		tb.Fatalf("Lire returned both %d requests and %d errors", len(d), len(e))
	}
	return d, e
}

func TestLireValide(t *testing.T) {
	livre := append([][]string{enteteFR}, lignesValides...)
	tests := []struct {
		name string
		data []byte
	}{
		{"csv ; utf-8 BOM", append([]byte("\xef\xbb\xbf"), csvDe(";", livre...)...)},
		{"csv , windows-1252", cp1252(t, csvDe(",", livre...))},
		{"xlsx", xlsxDe(t, livre...)},
		{"csv ; documentation keys", []byte(csvDe(";", append([][]string{{"reference", "numeroEditeur", "dateCommande", "regimeTVA", "montantHT", "mandataire", "emailMandataire", "telephoneMandataire", "nomClient", "emailClient", "telephoneClient", "FINESSPMSI", "bonDeCommande", "preuveHT"}}, lignesValides...)...))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := lire(t, tt.data)
			if errs != nil {
				t.Fatalf("got errors %v, want none", errs)
			}
			if !reflect.DeepEqual(got, demandesValides) {
				t.Errorf("got\n%+v\nwant\n%+v", got, demandesValides)
			}
		})
	}
}

func TestLireTestdata(t *testing.T) {
	for _, name := range []string{"testdata/carnet-valide.csv", "../../docs/exemple-carnet.csv"} {
		t.Run(filepath.Base(name), func(t *testing.T) {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			got, errs := lire(t, data)
			if errs != nil || len(got) == 0 {
				t.Fatalf("got %d requests and errors %v, want requests and no error", len(got), errs)
			}
		})
	}
}

func TestLireMontant(t *testing.T) {
	tests := []struct {
		texte, nombre string
		cents         int64
		ok            bool
	}{
		{"13 750,00", "", 1375000, true},
		{"13750,00", "", 1375000, true},
		{"13750.00", "", 1375000, true},
		{"13 750", "", 1375000, true},
		{"13\u00a0750,00", "", 1375000, true},
		{"13\u202f750,5", "", 1375050, true},
		{"13 750,00\u202f€", "", 1375000, true},
		{"0,01", "", 1, true},
		{"999999999,99", "", 99999999999, true},
		{"13,750.00 €", "13750", 1375000, true},
		{"1234,57", "1234.5678", 0, false},
		{"0,00", "", 0, false},
		{"12,345", "", 0, false},
		{"-5", "", 0, false},
		{"1000000000", "", 0, false},
		{"13.750,00", "", 0, false},
		{"abc", "", 0, false},
		{"12,", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.texte, func(t *testing.T) {
			cents, msg := lireMontant(tt.texte, tt.nombre)
			if (msg == "") != tt.ok || cents != tt.cents {
				t.Errorf("got %d %q, want %d ok=%v", cents, msg, tt.cents, tt.ok)
			}
		})
	}
}

// row is a row in the documentation's column order (enteteFR).
func ligne(ref string, modif ...string) []string {
	l := []string{ref, "", "15/10/2021", "TTC", "1000,00", "", "", "", "CH A", "a@ch.fr", "0123456789", "999999999", "bdc.pdf", ""}
	for i := 0; i+1 < len(modif); i += 2 {
		for j, h := range enteteFR {
			if h == modif[i] {
				l[j] = modif[i+1]
			}
		}
	}
	return l
}

func TestLireDixErreurs(t *testing.T) {
	livre := [][]string{
		enteteFR,
		ligne("R1", "FINESS PMSI", "99999999"),
		ligne("R2", "E-mail client", "a@"),
		ligne("R3", "Téléphone client", "0123"),
		ligne("R4", "Date commande", "31/02/2021"),
		ligne("R5", "Montant HT", "12,345"),
		ligne("R6", "Régime TVA", "HTT"),
		ligne("R7", "Numéro éditeur", "0001"),
		ligne("R8"),
		ligne("R8", "Montant HT", "2000,00", "FINESS PMSI", "999999991"),
		ligne("R9"),
		ligne("R9"),
		ligne("R10", "Mandataire", "Dupont", "E-mail mandataire", "d@ch.fr", "Téléphone mandataire", "0123456789"),
	}
	want := []string{
		"ligne 2, colonne FINESS PMSI : 8 caractères, 9 attendus",
		"ligne 3, colonne e-mail du client",
		"ligne 4, colonne téléphone du client",
		"ligne 5, colonne date de commande",
		"ligne 6, colonne montant HT : « 12",
		"ligne 7, colonne régime TVA",
		"ligne 8, colonne numéro éditeur",
		"ligne 10, colonne montant HT : « 2 000,00 » diffère de la ligne 9 (« 1 000,00 »)",
		"ligne 12, colonne FINESS PMSI : « 999999999 » déjà à la ligne 11",
		"ligne 13, colonne mandataire : un mandataire porte une commande de plusieurs ES-PMSI",
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"csv", []byte(csvDe(";", livre...))},
		{"xlsx", xlsxDe(t, livre...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, errs := lire(t, tc.data)
			if got != nil {
				t.Fatalf("got %d requests, want none", len(got))
			}
			if len(errs) != len(want) {
				t.Fatalf("got %d errors %q, want %d", len(errs), errs, len(want))
			}
			for i, e := range errs {
				if !strings.HasPrefix(e.Error(), want[i]) {
					t.Errorf("error %d: got %q, want prefix %q", i, e.Error(), want[i])
				}
			}
		})
	}
}

func TestLireErreurs(t *testing.T) {
	entete := strings.Join(enteteFR, ";")
	valide := strings.Join(ligne("R1"), ";")
	tests := []struct {
		name string
		csv  string
		want []string
	}{
		{"unknown column", entete + ";Commentaire\n" + valide + ";rien\n",
			[]string{"ligne 1, colonne Commentaire : colonne inconnue"}},
		{"missing column", strings.Replace(entete, "FINESS PMSI", "", 1) + "\n" + valide + "\n",
			[]string{"ligne 1, colonne FINESS PMSI : colonne manquante"}},
		{"duplicate column", entete + ";FINESS PMSI\n" + valide + ";999999999\n",
			[]string{"ligne 1, colonne FINESS PMSI : colonne en double"}},
		{"HT without proof", entete + "\n" + strings.Join(ligne("R1", "Régime TVA", "HT"), ";") + "\n",
			[]string{"ligne 2, colonne preuve HT : valeur manquante"}},
		{"TTC with proof", entete + "\n" + strings.Join(ligne("R1", "Preuve HT", "ht.pdf"), ";") + "\n",
			[]string{"ligne 2, colonne preuve HT : « ht.pdf » : pas de preuve HT pour une commande TTC"}},
		{"no reference nor numeroEditeur", entete + "\n" + valide[2:] + "\n",
			[]string{"ligne 2, colonne référence : valeur manquante"}},
		{"numeroEditeur of two requests", entete + "\n" + strings.Join(ligne("R1", "Numéro éditeur", "00001"), ";") + "\n" + strings.Join(ligne("R2", "Numéro éditeur", "00001", "FINESS PMSI", "999999991"), ";") + "\n",
			[]string{"ligne 3, colonne numéro éditeur : « 00001 » déjà pris par la commande de la ligne 2"}},
		{"mandataire without e-mail", entete + "\n" + strings.Join(ligne("R1", "Mandataire", "Dupont", "Téléphone mandataire", "0123456789"), ";") + "\n" + strings.Join(ligne("R1", "Mandataire", "Dupont", "Téléphone mandataire", "0123456789", "FINESS PMSI", "999999991"), ";") + "\n",
			[]string{"ligne 2, colonne e-mail du mandataire : valeur manquante", "ligne 3, colonne e-mail du mandataire : valeur manquante"}},
		{"bad quote", entete + "\n" + valide + "\nR2;\"x\"y;\n",
			[]string{"ligne 3 : CSV illisible"}},
		{"empty", "", []string{"carnet vide"}},
		{"header only", entete + "\n;;;\n", []string{"ligne 2 : aucune commande"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := lire(t, []byte(tt.csv))
			if got != nil {
				t.Fatalf("got %d requests, want none", len(got))
			}
			if len(errs) != len(tt.want) {
				t.Fatalf("got errors %q, want %q", errs, tt.want)
			}
			for i, e := range errs {
				if !strings.HasPrefix(e.Error(), tt.want[i]) {
					t.Errorf("error %d: got %q, want prefix %q", i, e.Error(), tt.want[i])
				}
			}
		})
	}
}

// tailleSeule is a ReaderAt that must not be read.
type tailleSeule struct{ tb testing.TB }

func (r tailleSeule) ReadAt([]byte, int64) (int, error) {
	r.tb.Error("read a file over the size bound")
	return 0, fmt.Errorf("not readable")
}

func TestLireBornes(t *testing.T) {
	entete := strings.Join(enteteFR, ";")
	valide := strings.Join(ligne("R1"), ";")
	t.Run("size", func(t *testing.T) {
		d, errs, err := Lire(tailleSeule{t}, TailleMax+1)
		if err != nil || d != nil || len(errs) != 1 || !strings.Contains(errs[0].Error(), "10 Mo") {
			t.Errorf("got %v %v %v, want one error on the size", d, errs, err)
		}
	})
	t.Run("rows", func(t *testing.T) {
		var b strings.Builder
		b.WriteString(entete + "\n")
		for i := range LignesMax {
			fmt.Fprintf(&b, "R%d;;15/10/2021;TTC;1000;;;;CH;a@ch.fr;0123456789;999999999;b.pdf;\n", i)
		}
		_, errs := lire(t, []byte(b.String()))
		if len(errs) != 1 || errs[0].Ligne != LignesMax+1 {
			t.Errorf("got %d errors %.200q, want one at row %d", len(errs), errs, LignesMax+1)
		}
	})
	t.Run("columns", func(t *testing.T) {
		_, errs := lire(t, []byte(entete+"\n"+valide+strings.Repeat(";x", 60)+"\n"))
		if len(errs) != 2 || errs[0].Ligne != 2 || !strings.Contains(errs[0].Message, "64 au plus") || !strings.Contains(errs[1].Message, "hors de l'en-tête") {
			t.Errorf("got %q, want two errors on the columns of row 2", errs)
		}
	})
	t.Run("cell", func(t *testing.T) {
		_, errs := lire(t, []byte(entete+"\n"+strings.Replace(valide, "CH A", strings.Repeat("É", 1001), 1)+"\n"))
		want := "ligne 2, colonne nom du client : 1001 caractères, 1000 au plus"
		if len(errs) != 1 || errs[0].Error() != want {
			t.Errorf("got %q, want %q", errs, want)
		}
	})
	t.Run("xlsx rows", func(t *testing.T) {
		if testing.Short() {
			t.Skip("a workbook of 100 000 rows: skipped with -short")
		}
		f := excelize.NewFile()
		defer f.Close()
		sw, err := f.NewStreamWriter("Sheet1")
		if err != nil {
			t.Fatal(err)
		}
		head := make([]any, len(enteteFR))
		for i, h := range enteteFR {
			head[i] = h
		}
		sw.SetRow("A1", head)
		for i := 2; i <= LignesMax+1; i++ {
			cell, _ := excelize.CoordinatesToCellName(1, i)
			sw.SetRow(cell, []any{fmt.Sprintf("R%d", i), "", "15/10/2021", "TTC", 1000, "", "", "", "CH", "a@ch.fr", "0123456789", "999999999", "b.pdf"})
		}
		if err := sw.Flush(); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := f.Write(&b); err != nil {
			t.Fatal(err)
		}
		_, errs := lire(t, b.Bytes())
		if len(errs) != 1 || errs[0].Ligne != LignesMax+1 {
			t.Errorf("got %d errors %.200q, want one at row %d", len(errs), errs, LignesMax+1)
		}
	})
	t.Run("not a workbook", func(t *testing.T) {
		data := []byte("PK\x03\x04 not a zip")
		if _, _, err := Lire(bytes.NewReader(data), int64(len(data))); err == nil {
			t.Error("got no error, want an unreadable file")
		}
	})
}

func TestErreurError(t *testing.T) {
	tests := []struct {
		e    Erreur
		want string
	}{
		{Erreur{14, "FINESS PMSI", "8 caractères, 9 attendus"}, "ligne 14, colonne FINESS PMSI : 8 caractères, 9 attendus"},
		{Erreur{3, "", "CSV illisible"}, "ligne 3 : CSV illisible"},
		{Erreur{0, "", "carnet vide"}, "carnet vide"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

// TestLecteurVerifications: the caller's checks of attachment files and
// numeroEditeur run on every row, those with other mistakes included, so
// that one reading reports them all; each request's file is looked for
// once, whatever its number of rows.
func TestLecteurVerifications(t *testing.T) {
	livre := [][]string{
		enteteFR,
		ligne("R1", "FINESS PMSI", "99999999"), // 2: FINESS
		ligne("R2", "Bon de commande", "absent.pdf"),                                              // 3: missing file
		ligne("R3", "Bon de commande", "absent.pdf", "Date commande", "31/02/2021"),               // 4: date and missing file
		ligne("R4", "Régime TVA", "HT", "Preuve HT", "ht absente.pdf", "Numéro éditeur", "00007"), // 5: missing proof, used number
		ligne("R5", "Bon de commande", "partagé.pdf"),                                             // 6
		ligne("R5", "Bon de commande", "partagé.pdf", "FINESS PMSI", "999999991"),                 // 7: same request
		ligne("", "Bon de commande", "absent.pdf"),                                                // 8: no request, missing file
		ligne("R6", "Bon de commande", "absent.docx"),                                             // 9: bad name, not looked for
	}
	want := []string{
		"ligne 2, colonne FINESS PMSI : 8 caractères, 9 attendus",
		"ligne 3, colonne bon de commande : « absent.pdf » introuvable",
		"ligne 4, colonne date de commande",
		"ligne 4, colonne bon de commande : « absent.pdf » introuvable",
		"ligne 5, colonne preuve HT : « ht absente.pdf » introuvable",
		"ligne 5, colonne numéro éditeur : « 00007 » déjà utilisé",
		"ligne 8, colonne référence : valeur manquante",
		"ligne 8, colonne bon de commande : « absent.pdf » introuvable",
		"ligne 9, colonne bon de commande : « absent.docx » : attendu un fichier .pdf, .jpg ou .png",
	}
	vus := map[string]int{}
	l := Lecteur{
		Piece: func(nom string) error {
			vus[nom]++
			if strings.Contains(nom, "absent") {
				return fmt.Errorf("« %s » introuvable", nom)
			}
			return nil
		},
		NumeroEditeur: func(n string) error {
			if n == "00007" {
				return fmt.Errorf("« %s » déjà utilisé", n)
			}
			return nil
		},
	}
	data := []byte(csvDe(";", livre...))
	got, errs, err := l.Lire(bytes.NewReader(data), int64(len(data)))
	if err != nil || got != nil {
		t.Fatalf("got %d requests, %v; want none", len(got), err)
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d errors %q, want %d", len(errs), errs, len(want))
	}
	for i, e := range errs {
		if !strings.HasPrefix(e.Error(), want[i]) {
			t.Errorf("error %d: got %q, want prefix %q", i, e.Error(), want[i])
		}
	}
	// bdc.pdf: rows 2 and 5 (R1, R4); partagé.pdf once for its request of two rows.
	if w := map[string]int{"bdc.pdf": 2, "absent.pdf": 3, "ht absente.pdf": 1, "partagé.pdf": 1}; !reflect.DeepEqual(vus, w) {
		t.Errorf("files looked for: got %v, want %v", vus, w)
	}
}
