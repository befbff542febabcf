package segur

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur/hop"
)

// population returns n ASP numbers.
func population(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = FormatNumeroASP(2026, int64(i+1))
	}
	return out
}

// TestTirerReproductible: the same seed and population give the same
// sample, whatever the population's order; another seed another sample.
func TestTirerReproductible(t *testing.T) {
	pop := population(1000)
	a, err := Tirer(pop, 500, 42)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Echantillon) != 50 || a.Population != 1000 || a.Taux != 500 || a.Graine != 42 {
		t.Fatalf("got %d drawn of %d, want 50 of 1000", len(a.Echantillon), a.Population)
	}
	if !slices.IsSorted(a.Echantillon) || len(slices.Compact(slices.Clone(a.Echantillon))) != 50 {
		t.Errorf("sample not sorted or with repeats: %v", a.Echantillon)
	}
	for _, asp := range a.Echantillon {
		if !slices.Contains(pop, asp) {
			t.Errorf("drew %s, not in the population", asp)
		}
	}
	melange := slices.Clone(pop)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(melange), func(i, j int) { melange[i], melange[j] = melange[j], melange[i] })
	b, _ := Tirer(melange, 500, 42)
	if !slices.Equal(a.Echantillon, b.Echantillon) || a.Empreinte != b.Empreinte {
		t.Errorf("same seed, population in another order: got %v, want %v", b.Echantillon, a.Echantillon)
	}
	if !a.Verifier() {
		t.Error("Verifier: got false for a draw as made")
	}
	vus := map[string]bool{strings.Join(a.Echantillon, ","): true}
	for g := range int64(20) {
		c, _ := Tirer(pop, 500, 1000+g)
		k := strings.Join(c.Echantillon, ",")
		if vus[k] {
			t.Errorf("seed %d: the same sample as another seed", 1000+g)
		}
		vus[k] = true
	}
	// A draw whose sample or population was changed does not check.
	faux := *a
	faux.Echantillon = append(slices.Clone(a.Echantillon[1:]), pop[999])
	slices.Sort(faux.Echantillon)
	if slices.Equal(faux.Echantillon, a.Echantillon) {
		faux.Echantillon[0] = pop[998]
	}
	if faux.Verifier() {
		t.Error("Verifier: got true for a changed sample")
	}
	faux = *a
	faux.Candidats = pop[:999]
	if faux.Verifier() {
		t.Error("Verifier: got true for another population")
	}
}

// TestTirerStable pins one draw: a change of the algorithm, or of the
// generator, would change the samples the agency recorded.
func TestTirerStable(t *testing.T) {
	got, err := Tirer(population(20), 2000, 20260301)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ASP-2026-0000007", "ASP-2026-0000008", "ASP-2026-0000010", "ASP-2026-0000014"}
	if !slices.Equal(got.Echantillon, want) {
		t.Errorf("got %q, want %q", got.Echantillon, want)
	}
	if got.Empreinte != EmpreintePopulation(population(20)) || len(got.Empreinte) != 64 {
		t.Errorf("digest %s", got.Empreinte)
	}
}

// TestTirerUniforme: over many seeds, each request is drawn about as often.
func TestTirerUniforme(t *testing.T) {
	pop := population(10)
	counts := map[string]int{}
	for g := range int64(5000) {
		d, _ := Tirer(pop, 1000, g)
		counts[d.Echantillon[0]]++
	}
	for _, asp := range pop {
		if n := counts[asp]; n < 400 || n > 600 {
			t.Errorf("%s drawn %d times of 5000, want about 500", asp, n)
		}
	}
}

func TestTailleEchantillon(t *testing.T) {
	for _, tt := range []struct{ pop, taux, want int }{
		{0, 500, 0}, {1, 1, 1}, {10, 500, 1}, {20, 500, 1}, {21, 500, 2}, {100, 250, 3}, {7, 10000, 7}, {1000, 1, 1}, {1000, 0, 0},
	} {
		if got := TailleEchantillon(tt.pop, tt.taux); got != tt.want {
			t.Errorf("TailleEchantillon(%d, %d): got %d, want %d", tt.pop, tt.taux, got, tt.want)
		}
	}
	if _, err := Tirer(population(3), 0, 1); !IsCode(err, EINVALID) {
		t.Errorf("rate 0: got %v, want EINVALID", err)
	}
	if _, err := Tirer(population(3), 100, -1); !IsCode(err, EINVALID) {
		t.Errorf("seed -1: got %v, want EINVALID", err)
	}
	if d, err := Tirer(nil, 100, 1); err != nil || len(d.Echantillon) != 0 || d.Population != 0 {
		t.Errorf("empty population: got %+v, %v", d, err)
	}
}

func TestParseTaux(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
	}{{"5", 500}, {"2,5", 250}, {"0.25 %", 25}, {" 100 ", 10000}, {"0,01", 1}, {"12%", 1200}} {
		if got, err := ParseTaux(tt.in); err != nil || got != tt.want {
			t.Errorf("ParseTaux(%q): got %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "0", "100,01", "101", "-5", "5,123", "abc", "1e2", "5,"} {
		if got, err := ParseTaux(in); !IsCode(err, EINVALID) {
			t.Errorf("ParseTaux(%q): got %d, %v; want EINVALID", in, got, err)
		}
	}
	for _, tt := range []struct {
		taux int
		want string
	}{{500, "5\u00a0%"}, {250, "2,5\u00a0%"}, {25, "0,25\u00a0%"}, {10000, "100\u00a0%"}} {
		if got := FormatTaux(tt.taux); got != tt.want {
			t.Errorf("FormatTaux(%d): got %q, want %q", tt.taux, got, tt.want)
		}
	}
	for _, in := range []string{"", "-1", "+3", "9223372036854775808", "1.5"} {
		if _, err := ParseGraine(in); !IsCode(err, EINVALID) {
			t.Errorf("ParseGraine(%q): got %v, want EINVALID", in, err)
		}
	}
	if g, err := ParseGraine(" 9223372036854775807 "); err != nil || g != GraineMax {
		t.Errorf("ParseGraine(max): got %d, %v", g, err)
	}
}

func TestConclure(t *testing.T) {
	quand := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	ouvert := func() *Controle {
		return &Controle{ID: 7, NumeroASP: "ASP-2026-0000001", Etat: ControleOuvert}
	}
	for _, tt := range []struct {
		nom     string
		cl      Conclusion
		verse   int64
		etat    EtatControle
		montant int64
		code    ErrorCode
	}{
		{"conforme", Conclusion{Conforme: true}, 4125_00, ControleConforme, 0, ""},
		{"tout reverser", Conclusion{Motif: "PV de VSR absent"}, 4125_00, ControleNonConforme, 4125_00, ""},
		{"en partie", Conclusion{Motif: "un établissement non livré", Montant: 1000_00}, 4125_00, ControleNonConforme, 1000_00, ""},
		{"sans motif", Conclusion{Montant: 1}, 4125_00, "", 0, EINVALID},
		{"plus que versé", Conclusion{Motif: "x", Montant: 4125_01}, 4125_00, "", 0, EINVALID},
		{"négatif", Conclusion{Motif: "x", Montant: -1}, 4125_00, "", 0, EINVALID},
		{"rien versé", Conclusion{Motif: "x"}, 0, "", 0, ECONFLICT},
		{"motif trop long", Conclusion{Motif: strings.Repeat("é", MaxMotifControle+1)}, 4125_00, "", 0, EINVALID},
	} {
		t.Run(tt.nom, func(t *testing.T) {
			c := ouvert()
			err := c.Conclure(tt.cl, tt.verse, "marie@asp.fr", quand)
			if tt.code != "" {
				if !IsCode(err, tt.code) {
					t.Fatalf("got %v, want %s", err, tt.code)
				}
				return
			}
			if err != nil || c.Etat != tt.etat || c.MontantReverse != tt.montant || c.ConcluPar != "marie@asp.fr" || !c.ConcluLe.Equal(quand) {
				t.Errorf("got %+v, %v; want %s, %d", c, err, tt.etat, tt.montant)
			}
		})
	}
	c := &Controle{ID: 7, Etat: ControleConforme}
	if err := c.Conclure(Conclusion{Conforme: true}, 1, "x", quand); !IsCode(err, ECONFLICT) {
		t.Errorf("concluding again: got %v, want ECONFLICT", err)
	}
	if err := c.ValiderPiece(&PieceControle{Nom: "a.pdf", Format: "PDF", Fichier: BlobRef{Taille: 1}}); !IsCode(err, ECONFLICT) {
		t.Errorf("a file for a closed control: got %v, want ECONFLICT", err)
	}
}

func TestMontantsVerses(t *testing.T) {
	for _, tt := range []struct {
		statut        StatutDemande
		avance, solde int64
	}{
		{DemandeDecidee, 0, 0}, {DemandeAvancePayee, 3000_00, 0}, {DemandeSoldeValidee, 3000_00, 0},
		{DemandeSoldee, 3000_00, 6500_00}, {DemandeReversementOrdonne, 3000_00, 0},
	} {
		d := &Demande{Statut: tt.statut, MontantFinance: 10_000_00, SoldeAPayer: 6500_00}
		if a, s := MontantsVerses(d); a != tt.avance || s != tt.solde {
			t.Errorf("%s: got %d + %d, want %d + %d", tt.statut, a, s, tt.avance, tt.solde)
		}
	}
	if DemandeReversementOrdonne.Controlable() || !DemandeSoldee.Controlable() || DemandeDecidee.Controlable() {
		t.Error("Controlable: wrong statuses")
	}
}

func TestCourrielsControle(t *testing.T) {
	d := &Demande{NumeroASP: "ASP-2026-0000001", DonneesDemande: hop.DonneesDemande{NumeroEditeur: "00001"}}
	c := &Controle{ID: 3, NumeroASP: d.NumeroASP, Etat: ControleOuvert}
	m := CourrielPiecesControle(c, d, "Le Beau\nLogiciel", []string{"a@b.fr", "A@B.fr"}, "La facture\nLe PV de VSR", "https://portail.example/controles/3")
	if err := m.Valider(); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"  La facture\n  Le PV de VSR\n", "CTL-0000003", "Le Beau Logiciel", "https://portail.example/controles/3"} {
		if !strings.Contains(m.Corps, w) {
			t.Errorf("mail lacks %q:\n%s", w, m.Corps)
		}
	}
	if len(m.A) != 1 || m.Objet != "controle:3" {
		t.Errorf("recipients %v, objet %s", m.A, m.Objet)
	}
	c.Etat, c.MontantReverse, c.Motif = ControleNonConforme, 1234_50, "Facture absente"
	m = CourrielConclusionControle(c, d, "Le Beau Logiciel", []string{"a@b.fr"}, "")
	if m.Valider() == nil {
		t.Error("an order announced without its file: want Valider to refuse it")
	}
	m.PieceSHA256 = strings.Repeat("a", 64)
	if err := m.Valider(); err != nil || !strings.Contains(m.Corps, "1\u202f234,50\u202f€") || !strings.Contains(m.Corps, "Facture absente") ||
		m.PieceNom != "reversement-ASP-2026-0000001.pdf" {
		t.Errorf("order mail: %v\n%s", err, m.Corps)
	}
	c.Etat = ControleConforme
	if m := CourrielConclusionControle(c, d, "x", []string{"a@b.fr"}, ""); m.Valider() != nil || m.PieceNom != "" || !strings.Contains(m.Sujet, "conforme") {
		t.Errorf("compliant mail: %+v", m)
	}
	if got := fmt.Sprint(ReferenceDocument(d.NumeroASP, DocumentReversement, 1)); got != "ASP-2026-0000001-ORV-1" {
		t.Errorf("reference: got %s", got)
	}
}

// TestEcheanceControle: an open control is answered within
// DelaiReponseControle days of its opening; a closed one has no date.
func TestEcheanceControle(t *testing.T) {
	ouvert := time.Date(2026, 12, 3, 23, 30, 0, 0, time.UTC)
	c := Controle{Etat: ControleOuvert, OuvertLe: ouvert}
	if got, want := c.Echeance(), ouvert.AddDate(0, 0, 30); !got.Equal(want) || DelaiReponseControle != 30 {
		t.Errorf("open: %v, want %v", got, want)
	}
	for _, e := range []EtatControle{ControleConforme, ControleNonConforme} {
		if c := (Controle{Etat: e, OuvertLe: ouvert}); !c.Echeance().IsZero() {
			t.Errorf("%s: a date to answer by, %v", e, c.Echeance())
		}
	}
}
