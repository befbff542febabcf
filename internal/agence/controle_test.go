package agence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// controlesDu returns the controls service on b's store, with requests asps
// paid (their advance) and financed 10 000 €.
func controlesDu(t *testing.T, b *banc, asps ...string) *Controles {
	t.Helper()
	ctx := segur.WithActeur(context.Background(), segur.Acteur{Login: "test"})
	for _, asp := range asps {
		for _, m := range []segur.Demarche{
			{Action: segur.ActionPrendre, Roles: marie.Roles, Login: marie.Login},
			{Action: segur.ActionValider, Roles: marie.Roles, Login: marie.Login, MontantFinance: 10_000_00},
			{Action: segur.ActionPayerAvance, Roles: []segur.Role{segur.RolePayeur}, Login: "paul@asp.fr"},
		} {
			if _, err := segurtest.Appliquer(ctx, b.db, asp, m, segur.ProgrammeParDefaut, segur.Suites{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return &Controles{Store: b.db, Blobs: b.in.Blobs, Log: b.in.Log, Now: b.in.Now, Paris: b.in.Paris, Programme: b.in.Programme,
		LienControle: func(id segur.ControleID) string { return "https://portail.example/controles/1" }}
}

func TestControleNonConforme(t *testing.T) {
	b, asps := nouveauBanc(t, 10_000_00, 10_000_00)
	cs := controlesDu(t, b, asps...)
	ctx := segur.WithActeur(context.Background(), segur.Acteur{Login: "marie@asp.fr"})
	c, err := cs.Ouvrir(ctx, asps[0], "marie@asp.fr")
	if err != nil {
		t.Fatal(err)
	}
	if err := cs.Demander(ctx, c.ID, "  ", "marie@asp.fr"); !segur.IsCode(err, segur.EINVALID) {
		t.Errorf("an empty message: got %v, want EINVALID", err)
	}
	if err := cs.Demander(ctx, c.ID, "La facture, s'il vous plaît.", "marie@asp.fr"); err != nil {
		t.Fatal(err)
	}
	// A file of another vendor's control is not found.
	p := &segur.PieceControle{Nom: "f.pdf", Format: "PDF", Fichier: segur.BlobRef{SHA256: strings.Repeat("a", 64), Taille: 10}, Par: "jean@x.fr"}
	if err := cs.Deposer(ctx, c.ID, b.f.ID+1, p); !segur.IsCode(err, segur.ENOTFOUND) {
		t.Errorf("another vendor's file: got %v, want ENOTFOUND", err)
	}
	if err := cs.Deposer(ctx, c.ID, b.f.ID, p); err != nil {
		t.Fatal(err)
	}

	// The role is checked before any document is made.
	payeur := Acte{Demarche: segur.Demarche{Roles: []segur.Role{segur.RolePayeur}, Login: "paul@asp.fr"}}
	if _, err := cs.Conclure(ctx, c.ID, segur.Conclusion{Motif: "x"}, payeur); !segur.IsCode(err, segur.EFORBIDDEN) {
		t.Fatalf("a payer ordering a recovery: got %v, want EFORBIDDEN", err)
	}
	if docs, _ := b.db.FindDocuments(ctx, asps[0]); len(docs) != 0 {
		t.Fatalf("documents after a refusal: %+v", docs)
	}
	fin, err := cs.Conclure(ctx, c.ID, segur.Conclusion{Motif: "Le PV de VSR n'a pas été transmis."}, Acte{Demarche: marie, Adresse: "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	// Everything paid so far by default: the advance, 30 % of 10 000 €.
	if fin.Etat != segur.ControleNonConforme || fin.MontantReverse != 3000_00 || fin.Ordre != asps[0]+"-ORV-1" {
		t.Errorf("outcome: %+v", fin)
	}
	d, _ := b.db.FindDemandeByASP(ctx, asps[0])
	docs, _ := b.db.FindDocuments(ctx, asps[0])
	if d.Statut != segur.DemandeReversementOrdonne || len(docs) != 1 || docs[0].Reference != fin.Ordre || docs[0].Par != "marie@asp.fr" {
		t.Fatalf("request %s, documents %+v", d.Statut, docs)
	}
	f, err := b.in.Blobs.Open(ctx, docs[0].Fichier.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(f)
	f.Close()
	if sum := sha256.Sum256(raw); hex.EncodeToString(sum[:]) != docs[0].Fichier.SHA256 || string(raw[:5]) != "%PDF-" {
		t.Error("the stored order is not the PDF of its hash")
	}
	if h := lireBlob(t, b.in.Blobs, docs[0].HTML); !strings.Contains(h, "<h1>Ordre de reversement</h1>") || !strings.Contains(h, "le service instructeur") ||
		strings.Contains(h, "marie@asp.fr") {
		t.Errorf("the stored order's HTML version:\n%s", h)
	}
	h, _ := b.db.FindHistorique(ctx, asps[0])
	if last := h[len(h)-1]; last.Action != segur.ActionReverser || last.Adresse != "192.0.2.7" || last.Raison != "Le PV de VSR n'a pas été transmis." {
		t.Errorf("history: %+v", last)
	}
	mails, n, _ := b.db.FindCourriels(ctx, "", 10, 0)
	if n != 2 || mails[0].PieceSHA256 != docs[0].Fichier.SHA256 || !strings.Contains(mails[0].Corps, "3\u202f000,00\u202f€") ||
		!strings.Contains(mails[1].Corps, "La facture, s'il vous plaît.") || !strings.Contains(mails[1].Corps, "https://portail.example/controles/1") {
		t.Errorf("mails: %+v", mails)
	}
	if err := cs.Demander(ctx, c.ID, "encore", "marie@asp.fr"); !segur.IsCode(err, segur.ECONFLICT) {
		t.Errorf("a message after the outcome: got %v, want ECONFLICT", err)
	}

	// Compliant: nothing but the mail.
	c2, err := cs.Ouvrir(ctx, asps[1], "marie@asp.fr")
	if err != nil {
		t.Fatal(err)
	}
	if fin, err := cs.Conclure(ctx, c2.ID, segur.Conclusion{Conforme: true}, Acte{Demarche: marie}); err != nil || fin.Etat != segur.ControleConforme {
		t.Fatalf("compliant: %+v, %v", fin, err)
	}
	if d, _ := b.db.FindDemandeByASP(ctx, asps[1]); d.Statut != segur.DemandeAvancePayee {
		t.Errorf("a compliant request moved to %s", d.Statut)
	}
}

// TestVerse: the payments of the paid batches when there are, else the
// statuses.
func TestVerse(t *testing.T) {
	d := &segur.Demande{NumeroASP: "ASP-2026-0000001", Statut: segur.DemandeSoldee, MontantFinance: 10_000_00, SoldeAPayer: 5_000_00}
	for _, tt := range []struct {
		av, so         int64
		wantAv, wantSo int64
	}{{0, 0, 3000_00, 5000_00}, {2999_99, 0, 2999_99, 0}, {3000_00, 4000_00, 3000_00, 4000_00}} {
		av, so, err := Verse(context.Background(), versements{tt.av, tt.so}, d)
		if err != nil || av != tt.wantAv || so != tt.wantSo {
			t.Errorf("payments %d + %d: got %d + %d, %v; want %d + %d", tt.av, tt.so, av, so, err, tt.wantAv, tt.wantSo)
		}
	}
}

type versements struct{ av, so int64 }

func (v versements) FindVersements(context.Context, string) (int64, int64, error) {
	return v.av, v.so, nil
}

// TestPrevoirControles: the previews of a draw, an opening and an outcome
// say what Tirer, Ouvrir and Conclure would do, or refuse as they would,
// and write nothing: no draw number used up, no control, no document.
func TestPrevoirControles(t *testing.T) {
	b, asps := nouveauBanc(t, 10_000_00, 10_000_00, 10_000_00)
	cs := controlesDu(t, b, asps[:2]...)
	ctx := segur.WithActeur(context.Background(), segur.Acteur{Login: "marie@asp.fr"})

	// A draw: the sample Tirer draws with the same seed, nothing recorded.
	t1, err := cs.PrevoirTirage(ctx, 5000, 7)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := segur.Tirer(asps[:2], 5000, 7)
	if t1.Population != 2 || t1.Tires != 1 || t1.Echantillon[0] != want.Echantillon[0] || t1.ID != 0 {
		t.Errorf("draw preview: got %+v, want the sample %v of 2", t1, want.Echantillon)
	}
	if _, n, _ := b.db.FindControles(ctx, segur.ControleFilter{}); n != 0 {
		t.Errorf("after the draw's preview: %d controls, want none", n)
	}
	if _, err := cs.PrevoirTirage(ctx, 0, 7); !segur.IsCode(err, segur.EINVALID) {
		t.Errorf("a rate of 0: got %v, want EINVALID", err)
	}
	tir, err := cs.Tirer(ctx, 5000, 7, "marie@asp.fr")
	if err != nil || tir.ID != 1 || tir.Echantillon[0] != t1.Echantillon[0] {
		t.Fatalf("the draw after its preview: got %+v, %v; want number 1, the sample previewed", tir, err)
	}

	// An opening: refused as Ouvrir refuses.
	tire := tir.Echantillon[0]
	reste := asps[0]
	if reste == tire {
		reste = asps[1]
	}
	for _, tc := range []struct {
		asp  string
		code segur.ErrorCode
	}{{tire, segur.ECONFLICT}, {asps[2], segur.ECONFLICT}, {"ASP-2026-9999999", segur.ENOTFOUND}} {
		if _, err := cs.PrevoirOuverture(ctx, tc.asp); !segur.IsCode(err, tc.code) {
			t.Errorf("opening %s: got %v, want %s", tc.asp, err, tc.code)
		}
	}
	if d, err := cs.PrevoirOuverture(ctx, reste); err != nil || d.NumeroASP != reste {
		t.Errorf("opening %s: got %v, %v", reste, d, err)
	}

	// An outcome: the amount to recover and the change, nothing written.
	cl := segur.Conclusion{Motif: "Facture absente.", Montant: 1000_00}
	controles, _, _ := b.db.FindControles(ctx, segur.ControleFilter{})
	id := controles[0].ID
	ap, err := cs.PrevoirConclusion(ctx, id, cl, Acte{Demarche: marie})
	if err != nil {
		t.Fatal(err)
	}
	if ap.Controle.Etat != segur.ControleNonConforme || ap.Controle.MontantReverse != 1000_00 || ap.Avance != 3000_00 ||
		ap.Changement.Vers != segur.DemandeReversementOrdonne || ap.DelaiReversement != 30 {
		t.Errorf("outcome preview: %+v", ap)
	}
	if c, _ := b.db.FindControle(ctx, id); c.Etat != segur.ControleOuvert {
		t.Errorf("after the outcome's preview: control %s, want open", c.Etat)
	}
	if docs, _ := b.db.FindDocuments(ctx, tire); len(docs) != 0 {
		t.Errorf("after the outcome's preview: %d documents, want none", len(docs))
	}
	for _, tc := range []struct {
		name string
		cl   segur.Conclusion
		acte Acte
		code segur.ErrorCode
	}{
		{"no reason", segur.Conclusion{}, Acte{Demarche: marie}, segur.EINVALID},
		{"above what was paid", segur.Conclusion{Motif: "x", Montant: 3000_01}, Acte{Demarche: marie}, segur.EINVALID},
		{"a payer", segur.Conclusion{Motif: "x"}, Acte{Demarche: segur.Demarche{Roles: []segur.Role{segur.RolePayeur}, Login: "paul@asp.fr"}}, segur.EFORBIDDEN},
	} {
		if _, err := cs.PrevoirConclusion(ctx, id, tc.cl, tc.acte); !segur.IsCode(err, tc.code) {
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.code)
		}
	}
}
