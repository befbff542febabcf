package agence

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/blob"
	"github.com/segur-numerique/segur/internal/sepa"
)

// faussesCaisses is a store of one batch whose transaction records the
// notices and the changes the marking writes.
type faussesCaisses struct {
	lot  segur.Lot
	fs   map[segur.FournisseurID]*segur.Fournisseur
	regl *segur.Reglement // the notices recorded, as a settlement
	// changes are the requests moved.
	changes []segur.Changement
}

// caisseTx is the transaction of faussesCaisses: the primitives marking a
// batch paid uses; any other panics (the embedded nil segur.Tx).
type caisseTx struct {
	segur.Tx
	f   *faussesCaisses
	now time.Time
}

func (t *caisseTx) Maintenant() time.Time { return t.now }

func (t *caisseTx) LockLot(ctx context.Context, id segur.LotID) (*segur.Lot, error) {
	l := t.f.lot
	return &l, nil
}

func (t *caisseTx) LockDemande(ctx context.Context, asp string) (*segur.Demande, error) {
	for _, p := range t.f.lot.Paiements {
		if p.NumeroASP == asp {
			st := segur.DemandeDecidee
			if p.Nature == segur.PaiementSolde {
				st = segur.DemandeSoldeValidee
			}
			return &segur.Demande{ID: p.DemandeID, NumeroASP: asp, Statut: st}, nil
		}
	}
	return nil, segur.Errorf(segur.ENOTFOUND, "demande %s introuvable", asp)
}

func (t *caisseTx) FindLotEnAttente(ctx context.Context, id segur.DemandeID) (segur.LotID, bool, error) {
	return t.f.lot.ID, true, nil
}

func (t *caisseTx) CreateChangement(ctx context.Context, d *segur.Demande, c segur.Changement, e segur.Ecriture) error {
	t.f.changes = append(t.f.changes, c)
	return nil
}

func (t *caisseTx) CreateAvis(ctx context.Context, l *segur.Lot, a *segur.Avis) error {
	if t.f.regl == nil {
		t.f.regl = &segur.Reglement{}
	}
	t.f.regl.Avis = append(t.f.regl.Avis, *a)
	return nil
}

func (t *caisseTx) UpdateLot(ctx context.Context, l *segur.Lot, de segur.EtatLot, adresse string) error {
	t.f.regl.Login, t.f.regl.Adresse, t.f.regl.Le = l.MarquePar, adresse, l.PayeLe
	return nil
}

func (f *faussesCaisses) FindLot(ctx context.Context, id segur.LotID) (*segur.Lot, error) {
	l := f.lot
	return &l, nil
}

func (f *faussesCaisses) FindFournisseurByID(ctx context.Context, id segur.FournisseurID) (*segur.Fournisseur, error) {
	return f.fs[id], nil
}

func (f *faussesCaisses) Write(ctx context.Context, fn func(ctx context.Context, tx segur.Tx) error) error {
	return fn(ctx, &caisseTx{f: f, now: time.Date(2026, 6, 2, 23, 30, 0, 0, time.UTC)})
}

func caisses(t *testing.T) (*Paiements, *faussesCaisses) {
	t.Helper()
	paris, _ := time.LoadLocation("Europe/Paris")
	blobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ps := []segur.Paiement{
		{ID: 1, LotID: 7, DemandeID: 1, NumeroASP: "ASP-2026-0000001", NumeroEditeur: "00001", FournisseurID: 1, Nature: segur.PaiementAvance, Montant: 4_125_00, IBAN: "FR7630006000011234567890189", BIC: "AGRIFRPP"},
		{ID: 2, LotID: 7, DemandeID: 2, NumeroASP: "ASP-2026-0000002", NumeroEditeur: "00002", FournisseurID: 1, Nature: segur.PaiementSolde, Montant: 9_625_00, IBAN: "FR7630006000011234567890189", BIC: "AGRIFRPP"},
		{ID: 3, LotID: 7, DemandeID: 3, NumeroASP: "ASP-2026-0000003", NumeroEditeur: "A0001", FournisseurID: 2, Nature: segur.PaiementAvance, Montant: 1_00, IBAN: "BE68539007547034", BIC: "GKCCBEBB"},
	}
	f := &faussesCaisses{
		lot: segur.Lot{ID: 7, Etat: segur.LotApprouve, Paiements: ps, Nombre: 3, Montant: 13_751_00},
		// Vendor 1's bank details changed after the batch was prepared: the
		// batch keeps those its payments carry.
		fs: map[segur.FournisseurID]*segur.Fournisseur{
			1: {ID: 1, SIRET: "88558855858745", Nom: "Le Beau Logiciel", Email: "contact@lebeaulogiciel.fr", IBAN: "FR7630004008230001234567819", BIC: "BNPAFRPP"},
			2: {ID: 2, SIRET: "35600000000048", Nom: "Autre éditeur", Email: "pas une adresse", IBAN: "BE68539007547034", BIC: "GKCCBEBB"},
		},
	}
	now := time.Date(2026, 6, 2, 23, 30, 0, 0, time.UTC) // 3 June in Paris
	return &Paiements{Store: f, Blobs: blobs, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now },
		Paris: paris, Programme: segur.ProgrammeParDefaut, Payeur: PayeurDemo, Lien: "https://portail.example/paiements"}, f
}

func TestVirement(t *testing.T) {
	p, f := caisses(t)
	var b bytes.Buffer
	nom, err := p.Virement(context.Background(), 7, &b)
	if err != nil || nom != "virement-LOT-000007.xml" {
		t.Fatalf("Virement: %q %v", nom, err)
	}
	o, err := sepa.Lire(&b)
	if err != nil {
		t.Fatal(err)
	}
	r := o.Remises[0]
	if o.MsgID != "SEGUR-LOT-000007" || r.ID != "LOT-000007" || r.Execution != (hop.Date{Annee: 2026, Mois: 6, Jour: 3}) || len(r.Virements) != 2 || o.Total() != 13_751_00 {
		t.Errorf("order: %+v", o)
	}
	v := r.Virements[0]
	if v.InstrID != "LOT-000007-F1" || v.EndToEndID != "AVIS-000007-1" || v.Montant != 13_750_00 ||
		v.Libelle != "AVIS-000007-1 Segur numerique ASP-2026-0000001 ASP-2026-0000002" || r.Virements[1].Creancier.Nom != "Autre editeur" {
		t.Errorf("first transfer: %+v", v)
	}
	if v.Creancier.IBAN != "FR7630006000011234567890189" || v.Creancier.BIC != "AGRIFRPP" {
		t.Errorf("first transfer credits %s %s, want the details in force when the batch was prepared", v.Creancier.IBAN, v.Creancier.BIC)
	}
	// A paid batch's file keeps the transfer's date; a draft has none.
	f.lot.Etat, f.lot.PayeLe = segur.LotPaye, hop.Date{Annee: 2026, Mois: 5, Jour: 29}
	b.Reset()
	if _, err := p.Virement(context.Background(), 7, &b); err != nil || !strings.Contains(b.String(), "<ReqdExctnDt>2026-05-29</ReqdExctnDt>") {
		t.Errorf("paid batch's file: %v", err)
	}
	f.lot.Etat = segur.LotBrouillon
	if _, err := p.Virement(context.Background(), 7, &b); !segur.IsCode(err, segur.EFORBIDDEN) {
		t.Errorf("draft's file: got %v, want EFORBIDDEN", err)
	}
}

func TestMarquerPaye(t *testing.T) {
	p, f := caisses(t)
	ctx := context.Background()
	// Tomorrow in Paris: refused before any document is made.
	if _, err := p.MarquerPaye(ctx, 7, hop.Date{Annee: 2026, Mois: 6, Jour: 4}, "anne@asp.fr", "192.0.2.1"); !segur.IsCode(err, segur.EINVALID) || f.regl != nil {
		t.Fatalf("paid tomorrow: got %v, settlement %v", err, f.regl)
	}
	le := hop.Date{Annee: 2026, Mois: 6, Jour: 3}
	if _, err := p.MarquerPaye(ctx, 7, le, "anne@asp.fr", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	r := f.regl
	if r.Login != "anne@asp.fr" || r.Adresse != "192.0.2.1" || r.Le != le || len(r.Avis) != 2 {
		t.Fatalf("settlement: %+v", r)
	}
	if len(f.changes) != 3 || f.changes[0].Action != segur.ActionPayerAvance || f.changes[1].Action != segur.ActionPayerSolde {
		t.Errorf("requests moved: %+v", f.changes)
	}
	a := r.Avis[0]
	if a.Reference != "AVIS-000007-1" || a.FournisseurID != 1 || a.Montant != 13_750_00 || len(a.Paiements) != 2 || a.Courriel == nil ||
		a.Courriel.PieceSHA256 != a.Fichier.SHA256 || a.Courriel.A[0] != "contact@lebeaulogiciel.fr" || !strings.Contains(a.Courriel.Corps, "https://portail.example/paiements") ||
		!strings.Contains(a.Courriel.Corps, "***0 189") {
		t.Errorf("first notice: %+v", a)
	}
	blob, err := p.Blobs.Open(ctx, a.Fichier.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(blob)
	blob.Close()
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || int64(len(pdf)) != a.Fichier.Taille {
		t.Errorf("notice PDF: %d bytes", len(pdf))
	}
	// Its HTML version, stored beside it, signed by the accounting service.
	if h := lireBlob(t, p.Blobs, a.HTML); !strings.Contains(h, "<h1>Avis de paiement</h1>") || !strings.Contains(h, "le service comptable") ||
		strings.Contains(h, "anne@asp.fr") {
		t.Errorf("notice's HTML version:\n%s", h)
	}
	// The second vendor's address cannot be written to: its notice is
	// recorded, without a mail.
	if r.Avis[1].Reference != "AVIS-000007-2" || r.Avis[1].Courriel != nil {
		t.Errorf("second notice: %+v", r.Avis[1])
	}
}

// TestQuatreYeux: through the service on a real store, the payment
// officer who prepared a batch does not approve it, even holding the
// payer's role and having decided none of its requests; another officer
// does.
func TestQuatreYeux(t *testing.T) {
	b, asps := nouveauBancDe(t, &segur.Fournisseur{SIRET: "88558855858745", Nom: "Le Beau Logiciel", Email: "contact@lebeaulogiciel.fr",
		IBAN: "FR7630006000011234567890189", BIC: "AGRIFRPP"}, 10_000_00)
	for _, a := range []segur.Action{segur.ActionPrendre, segur.ActionValider} {
		if _, err := b.agir(t, asps[0], a, ""); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	ctx := context.Background()
	p := &Paiements{Store: b.db, Blobs: b.in.Blobs, Log: b.in.Log, Now: b.in.Now, Paris: b.in.Paris, Programme: segur.ProgrammeParDefaut, Payeur: PayeurDemo}
	l, err := p.Creer(ctx, nil, "paul@asp.fr")
	if err != nil || l.Nombre != 1 || l.Montant != 3_000_00 {
		t.Fatalf("Creer: %+v %v", l, err)
	}
	_, err = p.Approuver(ctx, l.ID, "paul@asp.fr")
	if want := "séparation des tâches : vous avez préparé le lot " + l.Reference() + "\u202f; un autre payeur doit l'approuver"; !segur.IsCode(err, segur.EFORBIDDEN) || !strings.Contains(err.Error(), want) {
		t.Fatalf("approval by its preparer: got %v, want EFORBIDDEN %q", err, want)
	}
	if got, _ := b.db.FindLot(ctx, l.ID); got.Etat != segur.LotBrouillon {
		t.Fatalf("after the refusal: %s, want a draft", got.Etat)
	}
	ap, err := p.Approuver(ctx, l.ID, "anne@asp.fr")
	if err != nil || ap.Etat != segur.LotApprouve || ap.ApprouvePar != "anne@asp.fr" {
		t.Fatalf("approval by another payer: %+v %v", ap, err)
	}
	if got, _ := b.db.FindLot(ctx, l.ID); got.Etat != segur.LotApprouve || got.CreePar != "paul@asp.fr" || got.ApprouvePar != "anne@asp.fr" {
		t.Errorf("stored: %s, prepared by %q, approved by %q", got.Etat, got.CreePar, got.ApprouvePar)
	}
}
