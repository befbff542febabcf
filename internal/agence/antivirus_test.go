package agence

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/blob"
)

// antivirusFaux judges by content: « VIRUS » is infected, « ÉNORME » too
// large for it; down, it does not answer.
type antivirusFaux struct {
	down bool
	mu   sync.Mutex
	lus  []string
}

func (f *antivirusFaux) Analyser(ctx context.Context, r io.Reader) (segur.Verdict, error) {
	if f.down {
		return segur.Verdict{}, segur.Errorf(segur.EUNAVAILABLE, "antivirus injoignable")
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return segur.Verdict{}, err
	}
	f.mu.Lock()
	f.lus = append(f.lus, string(b))
	f.mu.Unlock()
	switch {
	case bytes.Contains(b, []byte("VIRUS")):
		return segur.Verdict{Infecte: true, Signature: "Segur.Test.Signature"}, nil
	case bytes.Contains(b, []byte("PANNE")):
		return segur.Verdict{}, errors.New("Can't allocate memory ERROR")
	case bytes.Contains(b, []byte("ÉNORME")):
		return segur.Verdict{Impossible: "plus grand que ce que l'antivirus accepte"}, nil
	}
	return segur.Verdict{}, nil
}

func (f *antivirusFaux) Moteur(ctx context.Context) (string, error) {
	if f.down {
		return "", segur.Errorf(segur.EUNAVAILABLE, "antivirus injoignable")
	}
	return "Faux 1.0", nil
}

// magasinFaux hands out its files once, and keeps the verdicts and the
// alerts.
type magasinFaux struct {
	fichiers []segur.FichierAAnalyser
	demandes map[string][]segur.Demande // by file
	verdicts [][]segur.Analyse
	alertes  []segur.AlerteAntivirus
}

func (m *magasinFaux) FindDemandesDuFichier(ctx context.Context, sum string) ([]segur.Demande, error) {
	return m.demandes[sum], nil
}

func (m *magasinFaux) FindFournisseurByID(ctx context.Context, id segur.FournisseurID) (*segur.Fournisseur, error) {
	return &segur.Fournisseur{ID: id, Nom: "Le Beau Logiciel", Email: "contact@lebeaulogiciel.fr"}, nil
}

func (m *magasinFaux) FindFichiersAAnalyser(ctx context.Context, limit int) ([]segur.FichierAAnalyser, error) {
	var out []segur.FichierAAnalyser
	for _, f := range m.fichiers {
		juge := false
		for _, v := range m.verdicts {
			juge = juge || v[len(v)-1].Fichier == f.SHA256
		}
		if !juge && len(out) < limit {
			out = append(out, f)
		}
	}
	return out, nil
}

func (m *magasinFaux) CreateAnalyses(ctx context.Context, depot segur.DepotID, a []segur.Analyse, alertes []segur.AlerteAntivirus) error {
	m.verdicts = append(m.verdicts, a)
	m.alertes = append(m.alertes, alertes...)
	return nil
}

// zipDe returns a zip of the named PDF pieces and their contents.
func zipDe(t *testing.T, pieces map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for nom, contenu := range pieces {
		w, err := zw.Create(nom)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, "%PDF-1.4\n"+contenu+"\n%%EOF\n")
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAnalyses(t *testing.T) {
	ctx := context.Background()
	blobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	put := func(b []byte) string {
		ref, err := blobs.Put(ctx, bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		return ref.SHA256
	}
	z := put(zipDe(t, map[string]string{"A.pdf": "sain", "B.pdf": "VIRUS", "C.pdf": "ÉNORME"}))
	panne := put([]byte("%PDF-1.4\nPANNE\n%%EOF\n"))
	seul := put([]byte("%PDF-1.4\nune pièce envoyée après le dépôt\n%%EOF\n"))
	pdf := func(nom string) hop.Piece { return hop.Piece{NomFichier: nom, Format: "PDF"} }
	m := &magasinFaux{fichiers: []segur.FichierAAnalyser{
		{SHA256: z, Pieces: []hop.Piece{pdf("A.pdf"), pdf("B.pdf"), pdf("C.pdf"), pdf("absente.pdf")}},
		{SHA256: panne},
		{SHA256: seul},
	}}
	demande := func(asp string, pieces ...string) segur.Demande {
		d := segur.Demande{NumeroASP: asp, FournisseurID: 7}
		d.NumeroEditeur = "E-" + asp
		for _, p := range pieces {
			d.Pieces = append(d.Pieces, pdf(p))
		}
		return d
	}
	m.demandes = map[string][]segur.Demande{z: {demande("ASP-1", "A.pdf", "B.pdf"), demande("ASP-2", "C.pdf", "absente.pdf"), demande("ASP-3", "A.pdf")}}
	av := &antivirusFaux{down: true}
	le := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	a := &Analyses{Store: m, Blobs: blobs, Antivirus: av, Now: func() time.Time { return le },
		Lien: func(asp string) string { return "https://portail.example/demandes/" + asp }}

	// The scanner down: nothing judged, nothing recorded; the files wait.
	if n, err := a.Tourner(ctx); n != 0 || err == nil || len(m.verdicts) != 0 {
		t.Fatalf("scanner down: got %d %v, %d verdicts; want 0, an error, none", n, err, len(m.verdicts))
	}
	av.down = false
	// A file the scanner answers with an error waits for the next round;
	// the file after it is judged.
	if n, err := a.Tourner(ctx); n != 2 || err == nil || !strings.Contains(err.Error(), "ERROR") {
		t.Fatalf("got %d %v, want 2 files judged and the third's error", n, err)
	}
	if len(m.verdicts) != 2 {
		t.Fatalf("got %d recordings, want one per file", len(m.verdicts))
	}
	got := map[string]segur.Analyse{}
	for _, v := range m.verdicts[0] {
		if v.Fichier != z || v.Moteur != "Faux 1.0" || !v.Le.Equal(le) {
			t.Errorf("verdict %+v: want the zip's, by Faux 1.0, at %v", v, le)
		}
		got[v.Membre] = v
	}
	for membre, want := range map[string]struct {
		r   segur.ResultatAnalyse
		sig string
	}{
		"A.pdf":       {segur.AnalyseSaine, ""},
		"B.pdf":       {segur.AnalyseInfectee, "Segur.Test.Signature"},
		"C.pdf":       {segur.AnalyseImpossible, "plus grand que ce que l'antivirus accepte"},
		"absente.pdf": {segur.AnalyseImpossible, "pièce illisible dans l'archive : "},
		"":            {segur.AnalyseInfectee, "B.pdf : Segur.Test.Signature"},
	} {
		v, ok := got[membre]
		if !ok || v.Resultat != want.r || !strings.HasPrefix(v.Signature, want.sig) {
			t.Errorf("verdict on %q: got %+v, want %s %q", membre, v, want.r, want.sig)
		}
	}
	if len(m.verdicts[0]) != 5 || m.verdicts[0][4].Membre != "" {
		t.Errorf("the zip's recording: got %+v, want its 4 pieces then its own verdict", m.verdicts[0])
	}
	// Each piece was scanned alone, as served: its content, not the zip.
	if len(av.lus) != 5 || !slices.ContainsFunc(av.lus, func(l string) bool { return l == "%PDF-1.4\nsain\n%%EOF\n" }) {
		t.Errorf("scanned: %q", av.lus)
	}
	if v := m.verdicts[1]; len(v) != 1 || v[0].Fichier != seul || v[0].Membre != "" || v[0].Resultat != segur.AnalyseSaine {
		t.Errorf("the lone file: got %+v", v)
	}
	if n, err := a.Tourner(ctx); n != 0 || err == nil {
		t.Errorf("only the failing file left: got %d %v", n, err)
	}

	// The alerts: each request with its own unhealthy pieces, and a mail
	// that names them; the request whose pieces are healthy has none.
	if len(m.alertes) != 2 || m.alertes[0].NumeroASP != "ASP-1" || m.alertes[1].NumeroASP != "ASP-2" {
		t.Fatalf("alerts: got %+v, want ASP-1 and ASP-2", m.alertes)
	}
	if a := m.alertes[0]; len(a.Analyses) != 1 || a.Analyses[0].Membre != "B.pdf" ||
		!strings.Contains(a.Courriel.Corps, "  - B.pdf : infectée (Segur.Test.Signature)\n") ||
		!strings.Contains(a.Courriel.Corps, "https://portail.example/demandes/ASP-1") ||
		a.Courriel.Sujet != "[Ségur numérique] ASP-1 : pièce écartée par l'antivirus" || a.Courriel.A[0] != "contact@lebeaulogiciel.fr" {
		t.Errorf("ASP-1's alert: %+v\n%s", a, a.Courriel.Corps)
	}
	if a := m.alertes[1]; len(a.Analyses) != 2 || !strings.Contains(a.Courriel.Corps, "  - C.pdf : impossible à analyser (plus grand que ce que l'antivirus accepte)\n") ||
		!strings.Contains(a.Courriel.Corps, "  - absente.pdf : impossible à analyser (pièce illisible dans l'archive") {
		t.Errorf("ASP-2's alert: %+v\n%s", a, a.Courriel.Corps)
	}
	if err := m.alertes[0].Courriel.Valider(); err != nil {
		t.Errorf("the alert's mail: %v", err)
	}
}

// A piece never makes the scan wait for its extraction, nor the
// extraction for a scan that stopped reading.
func TestAnalysesArretPrecoce(t *testing.T) {
	ctx := context.Background()
	blobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	gros := strings.Repeat("données ", 300_000) // 2.4 MB, under hop.MaxPiece
	b := zipDe(t, map[string]string{"G.pdf": gros})
	ref, err := blobs.Put(ctx, bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	m := &magasinFaux{fichiers: []segur.FichierAAnalyser{{SHA256: ref.SHA256, Pieces: []hop.Piece{{NomFichier: "G.pdf", Format: "PDF"}}}}}
	a := &Analyses{Store: m, Blobs: blobs, Antivirus: antivirusPresse{}}
	if n, err := a.Tourner(ctx); n != 1 || err != nil || m.verdicts[0][0].Resultat != segur.AnalyseImpossible {
		t.Errorf("got %d %v %+v", n, err, m.verdicts)
	}
}

// antivirusPresse reads 1 KiB and refuses the rest, as clamd past its
// StreamMaxLength.
type antivirusPresse struct{}

func (antivirusPresse) Analyser(ctx context.Context, r io.Reader) (segur.Verdict, error) {
	io.CopyN(io.Discard, r, 1024)
	return segur.Verdict{Impossible: "trop grand"}, nil
}

func (antivirusPresse) Moteur(ctx context.Context) (string, error) { return "Pressé", nil }

// antivirusCompte counts the scans in flight, and fails (unavailable)
// from the panne-th on when panne > 0.
type antivirusCompte struct {
	mu                   sync.Mutex
	enCours, max, appels int
	panne                int
}

func (c *antivirusCompte) Analyser(ctx context.Context, r io.Reader) (segur.Verdict, error) {
	c.mu.Lock()
	c.enCours++
	c.appels++
	c.max = max(c.max, c.enCours)
	n := c.appels
	c.mu.Unlock()
	defer func() { c.mu.Lock(); c.enCours--; c.mu.Unlock() }()
	b, err := io.ReadAll(r)
	if err != nil {
		return segur.Verdict{}, err
	}
	if c.panne > 0 && n >= c.panne {
		return segur.Verdict{}, segur.Errorf(segur.EUNAVAILABLE, "antivirus injoignable")
	}
	if bytes.Contains(b, []byte("VIRUS")) {
		return segur.Verdict{Infecte: true, Signature: "S"}, nil
	}
	return segur.Verdict{}, nil
}

func (c *antivirusCompte) Moteur(ctx context.Context) (string, error) { return "Compte", nil }

// A zip's pieces are scanned a few at a time, never more than Paralleles,
// their verdicts in the pieces' order; the scanner lost midway, nothing is
// recorded.
func TestAnalysesParalleles(t *testing.T) {
	ctx := context.Background()
	blobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	contenus := map[string]string{}
	var pieces []hop.Piece
	for i := range 12 {
		nom := fmt.Sprintf("P%02d.pdf", i)
		contenus[nom] = strings.Repeat("x", 200_000)
		if i == 7 {
			contenus[nom] = "VIRUS"
		}
		pieces = append(pieces, hop.Piece{NomFichier: nom, Format: "PDF"})
	}
	b := zipDe(t, contenus)
	ref, err := blobs.Put(ctx, bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	m := &magasinFaux{fichiers: []segur.FichierAAnalyser{{SHA256: ref.SHA256, DepotID: 1, Pieces: pieces}}}
	av := &antivirusCompte{}
	a := &Analyses{Store: m, Blobs: blobs, Antivirus: av, Paralleles: 3}
	if n, err := a.Tourner(ctx); n != 1 || err != nil {
		t.Fatalf("got %d %v", n, err)
	}
	if av.max > 3 || av.appels != 12 {
		t.Errorf("scans: %d at most at once (want ≤ 3), %d in all (want 12)", av.max, av.appels)
	}
	v := m.verdicts[0]
	for i, p := range pieces {
		if v[i].Membre != p.NomFichier {
			t.Fatalf("verdict %d is %q's, want %q's: the pieces' order", i, v[i].Membre, p.NomFichier)
		}
	}
	if v[7].Resultat != segur.AnalyseInfectee || v[12].Resultat != segur.AnalyseInfectee || v[0].Resultat != segur.AnalyseSaine {
		t.Errorf("verdicts: %+v", v)
	}

	m2 := &magasinFaux{fichiers: m.fichiers}
	a = &Analyses{Store: m2, Blobs: blobs, Antivirus: &antivirusCompte{panne: 5}, Paralleles: 3}
	if n, err := a.Tourner(ctx); n != 0 || err == nil || len(m2.verdicts) != 0 {
		t.Errorf("scanner lost midway: got %d %v, %d recordings; want 0, an error, none", n, err, len(m2.verdicts))
	}
}
