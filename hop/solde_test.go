package hop

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// soldeBase is the balance example of docs/solde.md: the balance of the
// document's worked example, deposited on 15/03/2022.
const soldeBase = "testdata/JSON-1234567890-20220315-001"

const (
	fac = "HOP-RI-Va1-FAC-00001.pdf"
	vsr = "HOP-RI-Va1-VSR-00001.pdf"
)

// exempleSolde returns the balance example file.
func exempleSolde(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile(soldeBase + ".json")
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// depotSolde is the deposit of the balance example.
func depotSolde() Declaration {
	return Declaration{NomFichier: "JSON-1234567890-20220315-001.json", Logiciel: LogicielRI, Date: Date{2022, 3, 15}}
}

func zipSolde(tb testing.TB) []byte {
	return zipOf(tb, fac, pieceExemple(tb, fac), vsr, pieceExemple(tb, vsr))
}

func controlerSolde(tb testing.TB, data string, depot Declaration, opt Options) *Resultat {
	tb.Helper()
	res, err := ControlerSolde([]byte(data), depot, opt)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// fakeAvance answers every ASP number with one state.
type fakeAvance struct{ e EtatAvance }

func (f fakeAvance) EtatAvance(string) (EtatAvance, error) { return f.e, nil }

// The states of an advance request the balance rules tell apart, as a
// portal would report them.
var (
	payee       = EtatAvance{Connue: true, Soldable: true, Statut: "Avance payée", NumeroEditeur: "00001"}
	nonPayee    = EtatAvance{Connue: true, Statut: "Décidée", NumeroEditeur: "00001"}
	soldeDepose = EtatAvance{Connue: true, SoldeEngage: true, Statut: "Solde déposé", NumeroEditeur: "00001"}
)

// avanceCorpus is the portal of a corpus case's --avance.
func avanceCorpus(tb testing.TB, s string) PortailSolde {
	tb.Helper()
	e := payee
	switch s {
	case "payee":
	case "inconnue":
		e = EtatAvance{}
	case "autre":
		e = EtatAvance{Connue: true, AutreFournisseur: true}
	case "editeur":
		e.NumeroEditeur = "00002"
	case "decidee":
		e = nonPayee
	case "solde_deposee":
		e = soldeDepose
	default:
		tb.Fatalf("--avance %s: want payee, inconnue, autre, editeur, decidee or solde_deposee", s)
	}
	return fakeAvance{e}
}

// avances answers from a map; a number it lacks is unknown.
type avances map[string]EtatAvance

func (a avances) EtatAvance(asp string) (EtatAvance, error) { return a[asp], nil }

func TestExempleSoldeAccepte(t *testing.T) {
	a, err := OpenArchive(bytes.NewReader(zipSolde(t)), int64(len(zipSolde(t))))
	if err != nil {
		t.Fatal(err)
	}
	res := controlerSolde(t, exempleSolde(t), depotSolde(), Options{Archive: a, PortailSolde: avanceCorpus(t, "payee")})
	if res.Rejet != nil {
		t.Fatalf("file rejected: %s %s", res.Rejet.Code, res.Rejet.Libelle())
	}
	if len(res.Demandes) != 1 || !res.Demandes[0].Acceptee() {
		t.Fatalf("got %+v, want one accepted line", res.Demandes)
	}
	if got := res.Demandes[0]; res.NumeroASP(0) != "ASP-2021-0000001" || got.NumeroEditeur != "00001" {
		t.Errorf("got %s, %+v; want ASP-2021-0000001 and 00001", res.NumeroASP(0), got)
	}
	if got := controler(t, exemple(t), depotExemple(), Options{}).NumeroASP(0); got != "" {
		t.Errorf("NumeroASP of an advance request: got %q, want none", got)
	}
	if len(res.NonCitees) != 0 {
		t.Errorf("got unnamed %v, want none", res.NonCitees)
	}
	for _, r := range res.Ignorees {
		if info, _ := InfoCode(r.Code); info.Solde() {
			t.Errorf("balance rule %s skipped with a PortailSolde", r.Code)
		}
	}
	// The line keeps its numeroASP in the returned file, with or without
	// numbers given.
	golden(t, "solde.retour-portail.json", retourDe(t, res, "DEP-2022-0000002", nil))
	if got := retourDe(t, res, "DEP-2022-0000002", []string{"ASP-2022-9999999"}); !bytes.Contains(got, []byte(`"numeroASP": "ASP-2021-0000001"`)) {
		t.Errorf("returned file lost the line's numeroASP:\n%s", got)
	}
	want := DonneesSolde{NumLigne: 1, NumeroASP: "ASP-2021-0000001", NumeroEditeur: "00001", NumeroFacture: "FA-2022-0042",
		DateFacture: Date{2022, 3, 1}, MontantFactureHTCents: 13_750_00, DateMiseEnService: Date{2022, 2, 14},
		Pieces: []Piece{{fac, "PDF", TypeFacture}, {vsr, "PDF", TypePVVSR}}}
	if got := res.DonneesSolde(0); !reflect.DeepEqual(got, want) {
		t.Errorf("DonneesSolde: got %+v, want %+v", got, want)
	}
	if got := res.NumerosASP(); !reflect.DeepEqual(got, []string{"ASP-2021-0000001"}) {
		t.Errorf("NumerosASP: got %v", got)
	}
	// Written back from its data, the example is the same file.
	var buf bytes.Buffer
	if err := EcrireSolde(&buf, FichierSolde{NumeroAns: "1234567890", SIRET: "88558855858745", Soldes: []DonneesSolde{want}}); err != nil {
		t.Fatal(err)
	}
	if buf.String() != exempleSolde(t) {
		t.Errorf("EcrireSolde: got\n%s\nwant the example", buf.String())
	}
	for typ, nom := range map[string]string{TypeFacture: fac, TypePVVSR: vsr} {
		if got := NomPiece(LogicielRI, typ, "00001", "PDF"); got != nom {
			t.Errorf("NomPiece(%s): got %s, want %s", typ, got, nom)
		}
	}
}

// TestSoldeHorsLigne: offline, the portal's rules are skipped and listed.
func TestSoldeHorsLigne(t *testing.T) {
	res := controlerSolde(t, exempleSolde(t), depotSolde(), Options{})
	if res.Rejet != nil || res.Acceptees() != 1 {
		t.Fatalf("got %v, %d accepted; want the line accepted", res.Rejet, res.Acceptees())
	}
	var codes []string
	for _, r := range res.Ignorees {
		codes = append(codes, r.Code)
	}
	want := []string{CodeNomFichierOrdre, CodeNumeroAnsInconnu, CodeSoldeASPInconnu, CodeSoldeASPAutre,
		CodeSoldeAvanceNonPayee, CodeSoldeDejaDepose, CodeSoldeEditeur, CodePieceAbsente}
	if !reflect.DeepEqual(codes, want) {
		t.Errorf("skipped rules: got %v, want %v", codes, want)
	}
	for _, c := range codes[2:7] {
		if info, _ := InfoCode(c); !info.Portail || !info.Solde() {
			t.Errorf("%s: got %+v, want a balance rule of the portal", c, info)
		}
	}
}

// TestSoldePortail: the rules only the portal knows, each refused with its
// label; what they let through.
func TestSoldePortail(t *testing.T) {
	for _, tt := range []struct {
		name    string
		etat    EtatAvance
		code    string
		libelle string
	}{
		{"numéro ASP inconnu", EtatAvance{}, CodeSoldeASPInconnu,
			"numeroASP : « ASP-2021-0000001 » ne correspond à aucune demande ; attendu : le numéro ASP d'une demande d'avance acceptée"},
		{"numéro ASP d'un autre fournisseur", EtatAvance{Connue: true, AutreFournisseur: true}, CodeSoldeASPAutre,
			"numeroASP : « ASP-2021-0000001 » n'est pas une demande de ce fournisseur ; attendu : le numéro ASP d'une de ses demandes"},
		{"avance pas encore payée", nonPayee, CodeSoldeAvanceNonPayee,
			"numeroASP : « ASP-2021-0000001 », demande au statut « Décidée » ; attendu : une demande dont l'avance est payée (ou dont le solde a été refusé)"},
		{"solde déjà déposé", soldeDepose, CodeSoldeDejaDepose,
			"numeroASP : « ASP-2021-0000001 », solde déjà déposé (statut « Solde déposé ») ; attendu : un seul solde par demande, sauf après un refus"},
		{"numeroEditeur d'une autre demande", EtatAvance{Connue: true, Soldable: true, Statut: "Avance payée", NumeroEditeur: "00007"}, CodeSoldeEditeur,
			"numeroEditeur : « 00001 » ; attendu : « 00007 », le numeroEditeur de la demande d'avance ASP-2021-0000001"},
		{"avance payée", payee, CodeAcceptee, LibelleAcceptee},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := controlerSolde(t, exempleSolde(t), depotSolde(), Options{PortailSolde: fakeAvance{tt.etat}})
			if res.Rejet != nil {
				t.Fatalf("file rejected: %s", res.Rejet.Libelle())
			}
			d := res.Demandes[0]
			if d.Code() != tt.code || tt.libelle != "" && d.Libelle() != tt.libelle {
				t.Errorf("got %s « %s », want %s « %s »", d.Code(), d.Libelle(), tt.code, tt.libelle)
			}
			// The desk's way: the same outcome, the portal asked afterwards.
			sans := controlerSolde(t, exempleSolde(t), depotSolde(), Options{})
			if err := sans.ControlerAvances(fakeAvance{tt.etat}); err != nil {
				t.Fatal(err)
			}
			if got := sans.Demandes[0].Code(); got != d.Code() {
				t.Errorf("ControlerAvances: got %s, want %s", got, d.Code())
			}
		})
	}
}

// TestSoldeEditeurCasse: the numeroEditeur is compared with the advance's
// without case.
func TestSoldeEditeurCasse(t *testing.T) {
	data := strings.ReplaceAll(strings.ReplaceAll(exempleSolde(t), `"00001"`, `"Ab0c1"`), "-00001.pdf", "-Ab0c1.pdf")
	res := controlerSolde(t, data, depotSolde(), Options{PortailSolde: fakeAvance{EtatAvance{Connue: true, Soldable: true, Statut: "Avance payée", NumeroEditeur: "AB0C1"}}})
	if got := codesOf(res); !reflect.DeepEqual(got, []string{CodeAcceptee}) {
		t.Errorf("got %v, want the line accepted", got)
	}
}

// TestSoldeFactureNulle: a 0 € invoice is always refused, with its label.
func TestSoldeFactureNulle(t *testing.T) {
	for _, montant := range []string{"0.00", "-1.00"} {
		res := controlerSolde(t, rep(t, exempleSolde(t), "13750.00", montant), depotSolde(), Options{PortailSolde: avanceCorpus(t, "payee")})
		d := res.Demandes[0]
		want := "facture.montantFactureHT : " + montant + " ; attendu : un montant supérieur à 0 (une facture à 0 € est toujours refusée)"
		if d.Code() != CodeSoldeFactureNulle || d.Libelle() != want {
			t.Errorf("%s: got %s « %s », want %s « %s »", montant, d.Code(), d.Libelle(), CodeSoldeFactureNulle, want)
		}
	}
}

// ligneSolde is the example's balance line, as written.
func ligneSolde(tb testing.TB) string {
	tb.Helper()
	ex := exempleSolde(tb)
	i := strings.Index(ex, "    {\n      \"numLigne\"")
	j := strings.LastIndex(ex, "\n  ]\n}")
	if i < 0 || j < 0 {
		tb.Fatal("balance example: line not found")
	}
	return ex[i:j]
}

// numeroterSolde gives the example's line position n, ASP number asp and
// numeroEditeur ed.
func numeroterSolde(tb testing.TB, l string, n int, asp, ed string) string {
	tb.Helper()
	l = rep(tb, l, `"numLigne": 1,`, `"numLigne": `+strconv.Itoa(n)+`,`)
	l = rep(tb, l, `"ASP-2021-0000001"`, `"`+asp+`"`)
	l = rep(tb, l, `"numeroEditeur": "00001"`, `"numeroEditeur": "`+ed+`"`)
	return strings.ReplaceAll(l, "-00001.pdf", "-"+ed+".pdf")
}

// TestSoldePlusieursLignes: a balance file of several lines; a request
// quoted twice in one file, a line judged apart from the others.
func TestSoldePlusieursLignes(t *testing.T) {
	l := ligneSolde(t)
	data := fichier(l, numeroterSolde(t, l, 2, "ASP-2021-0000002", "00002"), numeroterSolde(t, l, 3, "ASP-2021-0000001", "00003"),
		numeroterSolde(t, l, 4, "ASP-2021-0000004", "00004"))
	p := avances{
		"ASP-2021-0000001": payee,
		"ASP-2021-0000002": {Connue: true, Soldable: true, Statut: "Solde refusé", NumeroEditeur: "00002"},
	}
	res := controlerSolde(t, data, Declaration{Logiciel: LogicielRI, Date: Date{2022, 3, 15}}, Options{PortailSolde: p})
	if res.Rejet != nil {
		t.Fatalf("file rejected: %s", res.Rejet.Libelle())
	}
	got := codesOf(res)
	want := []string{CodeAcceptee, CodeAcceptee, CodeSoldeASPFichier, CodeSoldeASPInconnu}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if l := res.Demandes[2].Libelle(); l != "numeroASP : « ASP-2021-0000001 » déjà cité par la ligne 1 du fichier ; attendu : un seul solde par demande" {
		t.Errorf("got label %q", l)
	}
	if got := res.NumerosASP(); !reflect.DeepEqual(got, []string{"ASP-2021-0000001", "ASP-2021-0000002"}) {
		t.Errorf("NumerosASP: got %v", got)
	}
	// The returned file keeps every line's numeroASP, accepted or not.
	out := retourDe(t, res, "DEP-1", nil)
	for _, asp := range []string{"ASP-2021-0000001", "ASP-2021-0000002", "ASP-2021-0000004"} {
		if !bytes.Contains(out, []byte(`"numeroASP": "`+asp+`"`)) {
			t.Errorf("returned file lacks %s", asp)
		}
	}
}

// TestSoldeFichierAvance: an advance file deposited as a balance is
// rejected line by line, on its first unknown key.
func TestSoldeFichierAvance(t *testing.T) {
	res := controlerSolde(t, exemple(t), depotExemple(), Options{})
	if res.Rejet != nil || len(res.Demandes) != 1 {
		t.Fatalf("got %v", res.Rejet)
	}
	if got := res.Demandes[0].Libelle(); got != "balise « commande » inconnue ; attendu : les seules balises du modèle JSON-HOP" {
		t.Errorf("got %q", got)
	}
	// And a balance file deposited as an advance.
	res = controler(t, exempleSolde(t), depotSolde(), Options{})
	if got := res.Demandes[0].Code(); got != CodeInconnue {
		t.Errorf("balance file as an advance: got %s, want %s", got, CodeInconnue)
	}
}

// The balance corpus: testdata/corpus-solde/CODE-slug.json, each balance
// file rejected with CODE, as the advance corpus (corpus_test.go); the
// deposit is the balance example's unless its .args say otherwise. go test
// -update rewrites it from corpusSoldeCases.
const corpusSoldeDir = "testdata/corpus-solde"

func corpusSoldeCases() []corpusCase {
	ex := func(muts ...string) func(tb testing.TB) string {
		return func(tb testing.TB) string {
			s := exempleSolde(tb)
			for i := 0; i+1 < len(muts); i += 2 {
				s = rep(tb, s, muts[i], muts[i+1])
			}
			return s
		}
	}
	const pieceVSR = `,
        {
          "nomFichier": "HOP-RI-Va1-VSR-00001.pdf",
          "formatFichier": "PDF",
          "typeFichier": "PV_VSR"
        }`
	return []corpusCase{
		{code: CodeZipManquant, slug: "zip-manquant", json: ex(), args: "--sans-zip"},
		{code: CodeSIRETDeclare, slug: "siret-declare", json: ex(), args: "--siret 35600000000048"},
		{code: CodeManquante, slug: "facture-manquante", json: func(tb testing.TB) string {
			s := exempleSolde(tb)
			i := strings.Index(s, `"facture": {`)
			j := strings.Index(s, `"dateMiseEnService"`)
			return s[:i] + s[j:]
		}},
		{code: CodeInconnue, slug: "fichier-avance", json: func(tb testing.TB) string { return exemple(tb) }, args: "--nom JSON-1234567890-20211025-001.json --date 20211025"},
		{code: CodeCasse, slug: "numeroasp-casse", json: ex(`"numeroASP"`, `"numeroAsp"`)},
		{code: CodeType, slug: "numeroasp-null", json: ex(`"ASP-2021-0000001"`, `null`)},
		{code: CodeVide, slug: "numerofacture-vide", json: ex(`"FA-2022-0042"`, `""`)},
		{code: CodeTropLong, slug: "numerofacture-trop-long", json: ex(`"FA-2022-0042"`, `"`+strings.Repeat("F", 50)+`"`)},
		{code: CodeNonNull, slug: "codetraitement", json: ex(`"codeTraitement": null`, `"codeTraitement": "0000"`)},
		{code: CodeTableauVide, slug: "pieces-vide", json: func(tb testing.TB) string {
			s := exempleSolde(tb)
			i := strings.Index(s, `"piecesJustificatives": [`) + len(`"piecesJustificatives": [`)
			j := strings.Index(s, `"codeTraitement"`)
			return s[:i] + "],\n      " + s[j:]
		}},
		{code: CodeNumLignePosition, slug: "numligne-position", json: ex(`"numLigne": 1,`, `"numLigne": 2,`)},
		{code: CodeTypeAction, slug: "typeaction", json: ex(`"typeAction": "C"`, `"typeAction": "S"`)},
		{code: CodeNumeroEditeur, slug: "numeroediteur", json: ex(`"numeroEditeur": "00001"`, `"numeroEditeur": "0001"`)},
		{code: CodeNomPieceLogiciel, slug: "nomfichier-logiciel", json: ex(`"HOP-RI-Va1-FAC-00001.pdf"`, `"HOP-DPI-Va1-FAC-00001.pdf"`)},
		{code: CodeNomPieceEditeur, slug: "nomfichier-editeur", json: ex(`"HOP-RI-Va1-FAC-00001.pdf"`, `"HOP-RI-Va1-FAC-00002.pdf"`)},
		{code: CodeFormatFichier, slug: "formatfichier", json: ex(`"formatFichier": "PDF"`, `"formatFichier": "DOCX"`)},
		{code: CodeExtension, slug: "extension", json: ex(`"formatFichier": "PDF"`, `"formatFichier": "JPG"`)},
		{code: CodeCodeTypeFichier, slug: "code-typefichier", json: ex(`"typeFichier": "FACTURE"`, `"typeFichier": "X"`, `"typeFichier": "PV_VSR"`, `"typeFichier": "FACTURE"`, `"typeFichier": "X"`, `"typeFichier": "PV_VSR"`)},
		{code: CodePieceDoublon, slug: "piece-doublon", json: ex(`"HOP-RI-Va1-VSR-00001.pdf"`, `"HOP-RI-Va1-VSR-00001.pdf",
          "formatFichier": "PDF",
          "typeFichier": "PV_VSR"
        },
        {
          "nomFichier": "HOP-RI-Va1-VSR-00001.pdf"`)},
		{code: CodePieceAbsente, slug: "piece-absente", json: ex(), zip: func(tb testing.TB) []byte { return zipOf(tb, fac, pieceExemple(tb, fac)) }},
		{code: CodePieceFormat, slug: "piece-format", json: ex(), zip: func(tb testing.TB) []byte {
			return zipOf(tb, fac, pieceExemple(tb, fac), vsr, "\xff\xd8\xff\xe0 pas un PDF")
		}},

		{code: CodeSoldeNumeroASP, slug: "numeroasp", json: ex(`"ASP-2021-0000001"`, `"ASP0001"`)},
		{code: CodeSoldeASPFichier, slug: "numeroasp-doublon", json: func(tb testing.TB) string {
			l := ligneSolde(tb)
			return fichier(l, numeroterSolde(tb, l, 2, "ASP-2021-0000001", "00002"))
		}},
		{code: CodeSoldeASPInconnu, slug: "numeroasp-inconnu", json: ex(), args: "--avance inconnue"},
		{code: CodeSoldeASPAutre, slug: "numeroasp-autre-fournisseur", json: ex(), args: "--avance autre"},
		{code: CodeSoldeAvanceNonPayee, slug: "avance-non-payee", json: ex(), args: "--avance decidee"},
		{code: CodeSoldeDejaDepose, slug: "solde-deja-depose", json: ex(), args: "--avance solde_deposee"},
		{code: CodeSoldeEditeur, slug: "numeroediteur-avance", json: ex(), args: "--avance editeur"},
		{code: CodeSoldeDateFormat, slug: "datefacture-format", json: ex(`"01/03/2022"`, `"2022-03-01"`)},
		{code: CodeSoldeDateInexistante, slug: "datemiseenservice-inexistante", json: ex(`"14/02/2022"`, `"30/02/2022"`)},
		{code: CodeSoldeDateFuture, slug: "datefacture-future", json: ex(`"01/03/2022"`, `"16/03/2022"`)},
		{code: CodeSoldeMontantFormat, slug: "montant-entier", json: ex(`13750.00`, `13750`)},
		{code: CodeSoldeFactureNulle, slug: "facture-zero", json: ex(`13750.00`, `0.00`)},
		{code: CodeSoldeMontantMax, slug: "montant-max", json: ex(`13750.00`, `1000000000.00`)},
		{code: CodeSoldeNomPiece, slug: "nomfichier", json: ex(`"HOP-RI-Va1-FAC-00001.pdf"`, `"facture.pdf"`)},
		{code: CodeSoldeTypeFichier, slug: "typefichier", json: ex(`"typeFichier": "PV_VSR"`, `"typeFichier": "BON_COMMANDE"`)},
		{code: CodeSoldeSansFacture, slug: "sans-facture", json: ex(`"typeFichier": "FACTURE"`, `"typeFichier": "PV_VSR"`)},
		{code: CodeSoldeFactures, slug: "deux-factures", json: ex(`"typeFichier": "PV_VSR"`, `"typeFichier": "FACTURE"`)},
		{code: CodeSoldeSansPV, slug: "sans-pv", json: ex(pieceVSR, ``)},
	}
}

func writeCorpusSolde(t *testing.T) {
	if err := os.RemoveAll(corpusSoldeDir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(corpusSoldeDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range corpusSoldeCases() {
		base := filepath.Join(corpusSoldeDir, c.code+"-"+c.slug)
		if err := os.WriteFile(base+".json", []byte(c.json(t)), 0o644); err != nil {
			t.Fatal(err)
		}
		if c.zip != nil {
			if err := os.WriteFile(base+".zip", c.zip(t), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if c.args != "" {
			if err := os.WriteFile(base+".args", []byte(c.args+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// corpusSoldeFiles lists the balance corpus's JSON files.
func corpusSoldeFiles(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(corpusSoldeDir, "*.json"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("empty balance corpus (%v): run go test -run TestCorpusSolde -update", err)
	}
	sort.Strings(files)
	return files
}

// runCorpusSoldeFile runs one balance corpus file through the controls.
func runCorpusSoldeFile(tb testing.TB, path string) *Resultat {
	tb.Helper()
	base := strings.TrimSuffix(path, ".json")
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	args, _ := os.ReadFile(base + ".args")
	zipBytes, err := os.ReadFile(base + ".zip")
	if err != nil {
		zipBytes = nil
	}
	r := optionsCorpusDe(tb, depotSolde(), string(args), zipBytes)
	res, err := ControlerSolde(data, r.depot, r.opt)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

func TestCorpusSolde(t *testing.T) {
	if *update {
		writeCorpusSolde(t)
	}
	produced := map[string]bool{}
	for _, path := range corpusSoldeFiles(t) {
		name := filepath.Base(path)
		want := name[:4]
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			res := runCorpusSoldeFile(t, path)
			codes := codesOf(res)
			found := false
			for _, c := range codes {
				if _, ok := InfoCode(c); !ok {
					t.Errorf("code %s is not in the catalogue", c)
				}
				produced[c] = true
				found = found || c == want
			}
			if !found {
				t.Errorf("got codes %v, want %s", codes, want)
			}
			for _, e := range allErrors(res) {
				l := e.Libelle()
				if strings.Contains(l, "{") && strings.Contains(l, "}") && strings.Contains(l, "{p") {
					t.Errorf("label with a placeholder left: %s", l)
				}
				if n := len([]rune(l)); n > MaxLibelle {
					t.Errorf("label of %d code points, want at most %d", n, MaxLibelle)
				}
			}
		})
	}
	for _, c := range Catalogue {
		if c.Solde() && !produced[c.Code] {
			t.Errorf("balance code %s (%s) is never produced by the balance corpus", c.Code, c.Titre)
		}
	}
}

// TestCatalogueSolde: the balance's own codes are control 2, titled as
// such, and their labels name a key.
func TestCatalogueSolde(t *testing.T) {
	n := 0
	for _, c := range Catalogue {
		if !c.Solde() {
			continue
		}
		n++
		if c.Controle != 2 || !strings.HasPrefix(c.Titre, "Solde : ") {
			t.Errorf("%s: got control %d, title %q; want control 2, « Solde : … »", c.Code, c.Controle, c.Titre)
		}
		if !strings.Contains(c.Modele, "{balise}") && !strings.ContainsAny(strings.SplitN(c.Modele, " ", 2)[0], ".") &&
			!strings.HasPrefix(c.Modele, "numero") && !strings.HasPrefix(c.Modele, "pieces") && !strings.HasPrefix(c.Modele, "facture") {
			t.Errorf("%s: label %q names no key", c.Code, c.Modele)
		}
	}
	if n != 18 {
		t.Errorf("got %d balance codes, want 18", n)
	}
}
