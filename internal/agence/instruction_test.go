package agence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/blob"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

type banc struct {
	in  *Instruction
	db  *sqlstore.DB
	now time.Time
	f   *segur.Fournisseur
}

// nouveauBanc is an instruction on a real SQLite store and blob folder,
// with the demo reference and one request of amount montant (cents HT).
func nouveauBanc(t testing.TB, montants ...int64) (*banc, []string) {
	t.Helper()
	return nouveauBancDe(t, &segur.Fournisseur{SIRET: "88558855858745", Nom: "Le Beau Logiciel", Email: "contact@lebeaulogiciel.fr"}, montants...)
}

// nouveauBancDe is nouveauBanc with vendor f (its bank details, say).
func nouveauBancDe(t testing.TB, f *segur.Fournisseur, montants ...int64) (*banc, []string) {
	t.Helper()
	ctx := segur.WithActeur(context.Background(), segur.Acteur{Login: "test"})
	b := &banc{now: time.Date(2026, 6, 2, 10, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return b.now }
	db, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "segur.db"), clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateReference(ctx, segur.ReferenceDemo()); err != nil {
		t.Fatal(err)
	}
	b.f = f
	if err := db.CreateFournisseur(ctx, b.f); err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	b.db = db
	b.in = &Instruction{Store: db, Blobs: blobs, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: clock, Paris: paris,
		Programme: segur.ProgrammeParDefaut, DelaiSignature: segur.DelaiSignature, Lien: func(asp string) string { return "https://portail.example/demandes/" + asp }}
	var asps []string
	err = db.WithDepotTx(ctx, b.f.ID, func(ctx context.Context, tx segur.DepotTx) error {
		dep := &segur.Depot{FournisseurID: b.f.ID, Type: segur.TypeAvance, NumeroAns: "1234567890", Logiciel: hop.LogicielRI,
			NomFichier: "JSON-1234567890-20260602-001.json", Recu: b.now, Date: hop.Date{Annee: 2026, Mois: 6, Jour: 2}, Ordinal: 1,
			JSON: segur.BlobRef{SHA256: hex.EncodeToString(make([]byte, 32)), Taille: 10}, Statut: segur.DepotTraite, ImpID: "DEP-2026-0000001"}
		if err := tx.CreateDepot(ctx, dep); err != nil {
			return err
		}
		var ds []segur.Demande
		var numeros []string
		for i, m := range montants {
			seq, err := tx.NextASP(ctx)
			if err != nil {
				return err
			}
			d := segur.Demande{NumeroASP: segur.FormatNumeroASP(2026, seq), DepotID: dep.ID, FournisseurID: b.f.ID, NumeroAns: "1234567890",
				Logiciel: hop.LogicielRI, Statut: segur.DemandeDeposee, CreeLe: b.now, DonneesDemande: hop.DonneesDemande{
					NumLigne: i + 1, NumeroEditeur: fmt.Sprintf("E%05d", i+1), DateCommande: hop.Date{Annee: 2026, Mois: 5, Jour: 1}, RegimeTVA: "HT", MontantHTCents: m,
					Clients: []hop.Client{{Contact: hop.Contact{Nom: "HOPITAL SAINT-MARTIN", Email: "d@h.fr", Telephone: "0102030405"}, FINESSPMSI: "999999999"}},
					Pieces:  []hop.Piece{{NomFichier: "bdc.pdf", Format: "PDF", Type: "BON_COMMANDE"}}}}
			ds = append(ds, d)
			numeros = append(numeros, d.NumeroEditeur)
			dep.Lignes = append(dep.Lignes, segur.LigneDepot{NumLigne: i + 1, NumeroEditeur: d.NumeroEditeur, Code: "0000", Libelle: "Demande acceptée", NumeroASP: d.NumeroASP})
			asps = append(asps, d.NumeroASP)
		}
		return tx.FinishDepot(ctx, dep, ds, numeros)
	})
	if err != nil {
		t.Fatal(err)
	}
	return b, asps
}

var marie = segur.Demarche{Roles: []segur.Role{segur.RoleInstructeur}, Login: "marie@asp.fr"}

func (b *banc) agir(t *testing.T, asp string, a segur.Action, raison string) (segur.Changement, error) {
	t.Helper()
	m := marie
	m.Action, m.Raison = a, raison
	return b.in.Agir(context.Background(), asp, Acte{Demarche: m, Adresse: "192.0.2.7"})
}

func TestValiderAuSeuil(t *testing.T) {
	// 999999999's RI ceiling is 30 000 €: 23 000,00\u202f€ gets a décision,
	// 23 000,01\u202f€ a convention, 40 000 € is financed 30 000 € (convention).
	b, asps := nouveauBanc(t, 23_000_00, 23_000_01, 40_000_00)
	want := []struct {
		statut  segur.StatutDemande
		finance int64
		doc     segur.TypeDocument
	}{{segur.DemandeDecidee, 23_000_00, segur.DocumentDecision}, {segur.DemandeConventionASigner, 23_000_01, segur.DocumentConvention},
		{segur.DemandeConventionASigner, 30_000_00, segur.DocumentConvention}}
	ctx := context.Background()
	for i, asp := range asps {
		if _, err := b.agir(t, asp, segur.ActionPrendre, ""); err != nil {
			t.Fatal(err)
		}
		c, err := b.agir(t, asp, segur.ActionValider, "")
		if err != nil || c.Vers != want[i].statut {
			t.Fatalf("%s: %+v %v, want %s", asp, c, err, want[i].statut)
		}
		d, _ := b.db.FindDemandeByASP(ctx, asp)
		if d.MontantFinance != want[i].finance || d.Calcul == "" {
			t.Errorf("%s: financed %d (%q), want %d", asp, d.MontantFinance, d.Calcul, want[i].finance)
		}
		docs, _ := b.db.FindDocuments(ctx, asp)
		if len(docs) != 1 || docs[0].Type != want[i].doc || c.Document != docs[0].Fichier.SHA256 {
			t.Fatalf("%s: documents %+v", asp, docs)
		}
		f, err := b.in.Blobs.Open(ctx, docs[0].Fichier.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(f)
		f.Close()
		sum := sha256.Sum256(raw)
		if hex.EncodeToString(sum[:]) != docs[0].Fichier.SHA256 || string(raw[:5]) != "%PDF-" {
			t.Errorf("%s: stored document is not the PDF of its hash", asp)
		}
		// Its HTML version, stored beside it, recorded in the history.
		if docs[0].HTML == "" || c.DocumentHTML != docs[0].HTML {
			t.Fatalf("%s: HTML version %q, change's %q", asp, docs[0].HTML, c.DocumentHTML)
		}
		if h := lireBlob(t, b.in.Blobs, docs[0].HTML); !strings.HasPrefix(h, "<!DOCTYPE html>") || !strings.Contains(h, docs[0].Reference) ||
			!strings.Contains(h, "le service instructeur") || strings.Contains(h, "marie@asp.fr") {
			t.Errorf("%s: stored HTML version:\n%s", asp, h)
		}
	}
	mails, n, _ := b.db.FindCourriels(ctx, "", 10, 0)
	if n != 3 {
		t.Fatalf("outbox: %d mails, want 3", n)
	}
	for _, m := range mails {
		if m.PieceSHA256 == "" || m.A[0] != "contact@lebeaulogiciel.fr" {
			t.Errorf("mail %+v", m)
		}
	}
}

func TestRetirerApresLeDelai(t *testing.T) {
	b, asps := nouveauBanc(t, 30_000_00)
	asp := asps[0]
	for _, a := range []segur.Action{segur.ActionPrendre, segur.ActionValider} {
		if _, err := b.agir(t, asp, a, ""); err != nil {
			t.Fatal(err)
		}
	}
	b.now = b.now.AddDate(0, 0, 29)
	if _, err := b.agir(t, asp, segur.ActionRetirer, "non signée"); !segur.IsCode(err, segur.EFORBIDDEN) {
		t.Fatalf("withdrawal within the signing period: got %v, want EFORBIDDEN", err)
	}
	b.now = b.now.AddDate(0, 0, 2)
	c, err := b.agir(t, asp, segur.ActionRetirer, "convention non signée dans le délai")
	if err != nil || c.Vers != segur.DemandeRefusee {
		t.Fatalf("withdrawal: %+v %v", c, err)
	}
	docs, _ := b.db.FindDocuments(context.Background(), asp)
	if len(docs) != 2 || docs[1].Type != segur.DocumentRefus || docs[1].Reference != asp+"-REF-1" {
		t.Errorf("documents: %+v", docs)
	}
}

func TestSignatureDuFournisseur(t *testing.T) {
	b, asps := nouveauBanc(t, 30_000_00)
	asp := asps[0]
	for _, a := range []segur.Action{segur.ActionPrendre, segur.ActionValider} {
		if _, err := b.agir(t, asp, a, ""); err != nil {
			t.Fatal(err)
		}
	}
	vendeur := Acte{Demarche: segur.Demarche{Action: segur.ActionSigner, Roles: []segur.Role{segur.RoleFournisseur}, Login: "jean@x.fr"}, Adresse: "198.51.100.4"}
	autre := vendeur
	autre.Fournisseur = b.f.ID + 1
	if _, err := b.in.Agir(context.Background(), asp, autre); !segur.IsCode(err, segur.ENOTFOUND) {
		t.Errorf("another vendor signing: got %v, want ENOTFOUND", err)
	}
	vendeur.Fournisseur = b.f.ID
	c, err := b.in.Agir(context.Background(), asp, vendeur)
	docs, _ := b.db.FindDocuments(context.Background(), asp)
	if err != nil || c.Vers != segur.DemandeConventionSignee || c.Document != docs[0].Fichier.SHA256 || c.Adresse != "198.51.100.4" {
		t.Errorf("signature: %+v %v", c, err)
	}
	if _, err := b.in.Agir(context.Background(), asp, vendeur); !segur.IsCode(err, segur.EFORBIDDEN) {
		t.Errorf("signing twice: got %v, want EFORBIDDEN", err)
	}
}

// BenchmarkDemarche measures one démarche through the instruction, each on
// its own request of a real SQLite store: taking a request (status,
// history, audit: the baseline) against validating it (plus the amount's
// calculation, the décision as PDF stored as a blob, the mail queued).
func BenchmarkDemarche(b *testing.B) {
	for _, c := range []struct {
		nom     string
		actions []segur.Action
	}{{"prendre", []segur.Action{segur.ActionPrendre}}, {"valider", []segur.Action{segur.ActionPrendre, segur.ActionValider}}} {
		b.Run(c.nom, func(b *testing.B) {
			montants := make([]int64, b.N)
			for i := range montants {
				montants[i] = 13_750_00
			}
			banc, asps := nouveauBanc(b, montants...)
			// Every request but the measured action is taken beforehand.
			ctx := context.Background()
			pre := c.actions[:len(c.actions)-1]
			for _, asp := range asps {
				for _, a := range pre {
					m := marie
					m.Action = a
					if _, err := banc.in.Agir(ctx, asp, Acte{Demarche: m}); err != nil {
						b.Fatal(err)
					}
				}
			}
			m := marie
			m.Action = c.actions[len(c.actions)-1]
			b.ReportAllocs()
			b.ResetTimer()
			for _, asp := range asps {
				if _, err := banc.in.Agir(ctx, asp, Acte{Demarche: m}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// lireBlob reads stored file sha256, checking that its content is of that
// hash.
func lireBlob(t *testing.T, blobs segur.Blobs, sum string) string {
	t.Helper()
	f, err := blobs.Open(context.Background(), sum)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw, _ := io.ReadAll(f)
	if got := sha256.Sum256(raw); hex.EncodeToString(got[:]) != sum {
		t.Fatalf("blob %s holds content of SHA-256 %x", sum, got)
	}
	return string(raw)
}
