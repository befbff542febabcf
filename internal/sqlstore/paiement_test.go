package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// banquier creates a vendor with bank details.
func banquier(t testing.TB, db *DB, siret string) *segur.Fournisseur {
	t.Helper()
	f := &segur.Fournisseur{SIRET: siret, Nom: "Éditeur payé " + siret, Email: "compta@editeur.example", IBAN: "FR7630006000011234567890189", BIC: "AGRIFRPP"}
	if err := db.CreateFournisseur(segur.WithActeur(context.Background(), acteur), f); err != nil {
		t.Fatalf("CreateFournisseur: %v", err)
	}
	return f
}

// decidees deposits requests of vendor f (ordinal n) and has marie decide
// them (13 750,00\u202f€ financed each: an advance of 4 125,00\u202f€).
func decidees(t testing.TB, db *DB, ctx context.Context, f *segur.Fournisseur, n int, numeros ...string) []string {
	t.Helper()
	var lignes []ligne
	for _, num := range numeros {
		lignes = append(lignes, ligne{num, ""})
	}
	var asps []string
	for _, d := range enregistrer(t, db, ctx, nouveauDepot(f.ID, n, fmt.Sprintf("json %d %d", f.ID, n), ""), lignes...) {
		inst := []segur.Role{segur.RoleInstructeur}
		for _, m := range []segur.Demarche{{Action: segur.ActionPrendre, Roles: inst, Login: "marie@asp.fr"},
			{Action: segur.ActionValider, Roles: inst, Login: "marie@asp.fr", MontantFinance: 13_750_00}} {
			if _, err := db.AppliquerDemarche(ctx, d.NumeroASP, m, segur.ProgrammeParDefaut, segur.Suites{}); err != nil {
				t.Fatalf("%s %s: %v", d.NumeroASP, m.Action, err)
			}
		}
		asps = append(asps, d.NumeroASP)
	}
	return asps
}

// reglement is what the payments' service prepares to mark batch l paid on
// le: a notice per vendor, with its mail.
func reglement(l *segur.Lot, login string, le hop.Date) segur.Reglement {
	r := segur.Reglement{Login: login, Adresse: "192.0.2.7", Le: le, Aujourdhui: hop.Date{Annee: 2026, Mois: 3, Jour: 1}}
	for _, v := range l.Versements() {
		a := segur.Avis{Reference: segur.ReferenceAvis(l.ID, v.Rang), LotID: l.ID, FournisseurID: v.FournisseurID, DatePaiement: le,
			Montant: v.Montant, Paiements: v.Paiements, Fichier: segur.BlobRef{SHA256: sha(fmt.Sprint("avis ", l.ID, v.Rang)), Taille: 2000},
			HTML: sha(fmt.Sprint("avis html ", l.ID, v.Rang))}
		c := segur.CourrielAvis(&a, &segur.Fournisseur{Nom: "Éditeur", SIRET: "88558855858745", Email: "compta@editeur.example"}, "")
		c.PieceSHA256 = a.Fichier.SHA256
		a.Courriel = &c
		r.Avis = append(r.Avis, a)
	}
	return r
}

func compter(t testing.TB, db *DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.r.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// runPaiementSuite tests the batches of payments, on the stores of runSuite.
func runPaiementSuite(t *testing.T, open func(t *testing.T) *DB) {
	prog := segur.ProgrammeParDefaut
	mars1 := hop.Date{Annee: 2026, Mois: 3, Jour: 1}

	t.Run("paiements: lot, approbation, paiement", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		a := banquier(t, db, "88558855858745")
		b := fixture(t, db, "35600000000048") // no bank details
		asps := decidees(t, db, ctx, a, 1, "00001", "00002", "00003")
		sans := decidees(t, db, ctx, b, 2, "00001")
		dus, err := db.FindPaiementsDus(ctx)
		if err != nil || len(dus) != 4 || dus[0].Montant != 4_125_00 || dus[0].Nature != segur.PaiementAvance {
			t.Fatalf("due: %+v %v", dus, err)
		}
		l, err := db.CreateLot(ctx, nil, "paul@asp.fr")
		if err != nil || l.ID == 0 || len(l.Paiements) != 3 || l.Montant != 3*4_125_00 || l.Paiements[0].ID == 0 {
			t.Fatalf("CreateLot: %+v %v", l, err)
		}
		if dus, _ := db.FindPaiementsDus(ctx); len(dus) != 1 || dus[0].NumeroASP != sans[0] {
			t.Errorf("due after the batch: %+v, want only the vendor without bank details", dus)
		}
		// A request is never in two batches: the store refuses, and so
		// does the database underneath.
		if _, err := db.CreateLot(ctx, asps[:1], "paul@asp.fr"); !segur.IsCode(err, segur.ECONFLICT) {
			t.Errorf("a request in two batches: got %v, want ECONFLICT", err)
		}
		if _, err := db.CreateLot(ctx, sans, "paul@asp.fr"); !segur.IsCode(err, segur.EINVALID) || !strings.Contains(err.Error(), "coordonnées bancaires") {
			t.Errorf("a vendor without bank details: got %v", err)
		}
		var autre int64
		if err := db.w.QueryRowContext(ctx, `INSERT INTO lots_paiement (etat, cree_le, cree_par) VALUES ('brouillon', $1, 'x') RETURNING id`, stored).Scan(&autre); err != nil {
			t.Fatal(err)
		}
		_, err = db.w.ExecContext(ctx, `INSERT INTO paiements (lot_id, demande_id, fournisseur_id, nature, montant_cents) VALUES ($1, $2, $3, 'avance', 1)`,
			autre, int64(l.Paiements[0].DemandeID), int64(a.ID))
		if violationOf(err) != uniqueViolation {
			t.Errorf("a second advance payment of a request: got %v, want a unique violation", err)
		}

		// Separation of duties: marie decided every request.
		_, err = db.ApprouverLot(ctx, l.ID, "marie@asp.fr")
		if !segur.IsCode(err, segur.EFORBIDDEN) || !strings.Contains(err.Error(), strings.Join(asps[:2], ", ")+" et "+asps[2]) {
			t.Fatalf("approval by the decider: got %v", err)
		}
		if got, _ := db.FindLot(ctx, l.ID); got.Etat != segur.LotBrouillon {
			t.Errorf("state after a refused approval: %s", got.Etat)
		}
		if _, err := db.MarquerLotPaye(ctx, l.ID, reglement(l, "paul@asp.fr", mars1), prog); !segur.IsCode(err, segur.EFORBIDDEN) {
			t.Errorf("paid as a draft: got %v", err)
		}
		// Four eyes: paul prepared the batch and holds the payer's role, he
		// does not approve it (his login typed otherwise neither); anne does.
		for _, login := range []string{"paul@asp.fr", " PAUL@asp.fr"} {
			_, err = db.ApprouverLot(ctx, l.ID, login)
			if !segur.IsCode(err, segur.EFORBIDDEN) || !strings.Contains(err.Error(), "vous avez préparé le lot "+l.Reference()+"\u202f; un autre payeur doit l'approuver") {
				t.Fatalf("approval by its preparer %q: got %v, want EFORBIDDEN", login, err)
			}
			if got, _ := db.FindLot(ctx, l.ID); got.Etat != segur.LotBrouillon || got.ApprouvePar != "" {
				t.Errorf("after the preparer's refused approval: %s by %q, want a draft", got.Etat, got.ApprouvePar)
			}
		}
		ap, err := db.ApprouverLot(ctx, l.ID, "anne@asp.fr")
		if err != nil || ap.Etat != segur.LotApprouve || ap.ApprouvePar != "anne@asp.fr" || ap.CreePar != "paul@asp.fr" || !ap.ApprouveLe.Equal(stored) {
			t.Fatalf("approval by another payer: %+v %v", ap, err)
		}
		if got, _ := db.FindLot(ctx, l.ID); got.Etat != segur.LotApprouve || got.ApprouvePar != "anne@asp.fr" {
			t.Errorf("stored approval: %s by %q, want approved by anne@asp.fr", got.Etat, got.ApprouvePar)
		}
		if _, err := db.AnnulerLot(ctx, l.ID, "paul@asp.fr"); !segur.IsCode(err, segur.EFORBIDDEN) {
			t.Errorf("cancelling an approved batch: got %v", err)
		}
		// The notices must match the batch.
		faux := reglement(l, "anne@asp.fr", mars1)
		faux.Avis[0].Montant++
		if _, err := db.MarquerLotPaye(ctx, l.ID, faux, prog); err == nil {
			t.Error("notices that do not match: got no error")
		}
		r := reglement(l, "anne@asp.fr", mars1)
		paye, err := db.MarquerLotPaye(ctx, l.ID, r, prog)
		if err != nil || paye.Etat != segur.LotPaye || paye.PayeLe != mars1 || paye.MarquePar != "anne@asp.fr" {
			t.Fatalf("MarquerLotPaye: %+v %v", paye, err)
		}
		for _, asp := range asps {
			d, _ := db.FindDemandeByASP(ctx, asp)
			h, _ := db.FindHistorique(ctx, asp)
			last := h[len(h)-1]
			if d.Statut != segur.DemandeAvancePayee || last.Action != segur.ActionPayerAvance || last.Par != "anne@asp.fr" ||
				last.Document != r.Avis[0].Fichier.SHA256 || last.Adresse != "192.0.2.7" {
				t.Errorf("%s after payment: %s, %+v", asp, d.Statut, last)
			}
		}
		if _, err := db.MarquerLotPaye(ctx, l.ID, r, prog); !segur.IsCode(err, segur.EFORBIDDEN) {
			t.Errorf("paid twice: got %v", err)
		}
		got, err := db.FindLot(ctx, l.ID)
		if err != nil || got.Etat != segur.LotPaye || got.CreePar != "paul@asp.fr" || got.Nombre != 3 || got.Montant != l.Montant || len(got.Paiements) != 3 ||
			got.Paiements[2].NumeroASP != asps[2] || got.Paiements[0].NumeroEditeur != "00001" {
			t.Errorf("FindLot: %+v %v", got, err)
		}
		lots, total, err := db.FindLots(ctx, 10, 0)
		if err != nil || total != 2 || lots[1].ID != l.ID || lots[1].Montant != l.Montant || lots[1].Nombre != 3 || lots[1].Paiements != nil {
			t.Errorf("FindLots: %d %+v %v", total, lots, err)
		}
		avis, err := db.FindAvisDuLot(ctx, l.ID)
		if err != nil || len(avis) != 1 || avis[0].Reference != segur.ReferenceAvis(l.ID, 1) || avis[0].DatePaiement != mars1 || avis[0].Montant != l.Montant {
			t.Errorf("FindAvisDuLot: %+v %v", avis, err)
		}
		mes, n, err := db.FindAvisFournisseur(ctx, a.ID, 10, 0)
		if err != nil || n != 1 || mes[0].Fichier != r.Avis[0].Fichier {
			t.Errorf("FindAvisFournisseur: %+v %d %v", mes, n, err)
		}
		if _, n, _ := db.FindAvisFournisseur(ctx, b.ID, 10, 0); n != 0 {
			t.Errorf("another vendor's notices: %d", n)
		}
		un, err := db.FindAvis(ctx, avis[0].Reference)
		if err != nil || len(un.Paiements) != 3 || un.Paiements[1].NumeroASP != asps[1] {
			t.Errorf("FindAvis: %+v %v", un, err)
		}
		if un.HTML != r.Avis[0].HTML || avis[0].HTML != r.Avis[0].HTML || mes[0].HTML != r.Avis[0].HTML || un.HTML == "" {
			t.Errorf("the notice's HTML version: got %q, %q, %q; want %q", un.HTML, avis[0].HTML, mes[0].HTML, r.Avis[0].HTML)
		}
		if evs, err := db.FindEvenements(ctx, "avis:"+un.Reference); err != nil || len(evs) != 1 || !strings.Contains(evs[0].Details, `"html_sha256":"`+un.HTML+`"`) {
			t.Errorf("the notice's audit event: got %+v %v; want its html_sha256", evs, err)
		}
		if _, err := db.FindAvis(ctx, "AVIS-999999-1"); !segur.IsCode(err, segur.ENOTFOUND) {
			t.Errorf("unknown notice: got %v", err)
		}
		mails, n, err := db.FindCourriels(ctx, "", 10, 0)
		if err != nil || n != 1 || mails[0].PieceSHA256 != r.Avis[0].Fichier.SHA256 || mails[0].Objet != "avis:"+avis[0].Reference {
			t.Errorf("outbox: %d %+v %v", n, mails, err)
		}
		assertEvents(t, db, "lot:"+l.Reference(), "lot.creer", "lot.approuver", "lot.payer")
		for _, q := range []string{`DELETE FROM paiements`, `UPDATE paiements SET montant_cents = 1`, `UPDATE avis_paiement SET montant_cents = 1`, `DELETE FROM avis_paiement`} {
			if _, err := db.w.ExecContext(ctx, q); err == nil {
				t.Errorf("%s: allowed, want refused", q)
			}
		}
	})

	t.Run("paiements: annulation et solde", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		a := banquier(t, db, "88558855858745")
		asps := decidees(t, db, ctx, a, 1, "00001", "00002")
		l, err := db.CreateLot(ctx, asps[:1], "paul@asp.fr")
		if err != nil || len(l.Paiements) != 1 {
			t.Fatalf("CreateLot: %+v %v", l, err)
		}
		an, err := db.AnnulerLot(ctx, l.ID, "paul@asp.fr")
		if err != nil || an.Etat != segur.LotAnnule || an.AnnulePar != "paul@asp.fr" {
			t.Fatalf("AnnulerLot: %+v %v", an, err)
		}
		if _, err := db.ApprouverLot(ctx, l.ID, "paul@asp.fr"); !segur.IsCode(err, segur.EFORBIDDEN) {
			t.Errorf("approving a cancelled batch: got %v", err)
		}
		if _, err := db.w.ExecContext(ctx, `UPDATE paiements SET annule = false`); err == nil {
			t.Error("a cancelled payment revived")
		}
		// Due again: a new batch takes it.
		l2, err := db.CreateLot(ctx, nil, "paul@asp.fr")
		if err != nil || len(l2.Paiements) != 2 {
			t.Fatalf("second batch: %+v %v", l2, err)
		}
		if _, err := db.ApprouverLot(ctx, l2.ID, "anne@asp.fr"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.MarquerLotPaye(ctx, l2.ID, reglement(l2, "paul@asp.fr", mars1), prog); err != nil {
			t.Fatal(err)
		}
		// The balance of the first request, validated by jean.
		asp := asps[0]
		for _, m := range []segur.Demarche{
			{Action: segur.ActionDeposerSolde, Roles: []segur.Role{segur.RoleFournisseur}, Login: "x@editeur.example"},
			{Action: segur.ActionPrendreSolde, Roles: []segur.Role{segur.RoleInstructeur}, Login: "jean@asp.fr"},
			{Action: segur.ActionValiderSolde, Roles: []segur.Role{segur.RoleInstructeur}, Login: "jean@asp.fr", SoldeAPayer: 9_000_00},
		} {
			if _, err := db.AppliquerDemarche(ctx, asp, m, prog, segur.Suites{}); err != nil {
				t.Fatalf("%s: %v", m.Action, err)
			}
		}
		dus, err := db.FindPaiementsDus(ctx)
		if err != nil || len(dus) != 1 || dus[0].Nature != segur.PaiementSolde || dus[0].Montant != 9_000_00 {
			t.Fatalf("balance due: %+v %v", dus, err)
		}
		l3, err := db.CreateLot(ctx, nil, "jean@asp.fr")
		if err != nil {
			t.Fatal(err)
		}
		// jean validated the balance, marie the advance: neither approves.
		for _, who := range []string{"jean@asp.fr", "marie@asp.fr"} {
			if _, err := db.ApprouverLot(ctx, l3.ID, who); !segur.IsCode(err, segur.EFORBIDDEN) || !strings.Contains(err.Error(), asp) {
				t.Errorf("approval by %s: got %v", who, err)
			}
		}
		if _, err := db.ApprouverLot(ctx, l3.ID, "paul@asp.fr"); err != nil {
			t.Fatal(err)
		}
		// A recovery while the balance waits in the approved batch would
		// make the batch unpayable: refused, naming the batch.
		reverser := segur.Demarche{Action: segur.ActionReverser, Roles: []segur.Role{segur.RoleInstructeur}, Login: "luc@asp.fr", Raison: "contrôle"}
		if _, err := db.AppliquerDemarche(ctx, asp, reverser, prog, segur.Suites{}); !segur.IsCode(err, segur.ECONFLICT) || !strings.Contains(err.Error(), l3.Reference()) {
			t.Errorf("recovery while the balance is in %s: got %v", l3.Reference(), err)
		}
		if _, err := db.MarquerLotPaye(ctx, l3.ID, reglement(l3, "paul@asp.fr", mars1), prog); err != nil {
			t.Fatal(err)
		}
		if d, _ := db.FindDemandeByASP(ctx, asp); d.Statut != segur.DemandeSoldee {
			t.Errorf("after the balance: %s, want soldee", d.Statut)
		}
		if n := compter(t, db, `SELECT count(*) FROM paiements WHERE demande_id = (SELECT id FROM demandes WHERE numero_asp = $1) AND NOT annule`, asp); n != 2 {
			t.Errorf("payments of %s: %d, want 2 (advance and balance)", asp, n)
		}
		if c, err := db.AppliquerDemarche(ctx, asp, reverser, prog, segur.Suites{}); err != nil || c.Vers != segur.DemandeReversementOrdonne {
			t.Errorf("recovery once paid: %+v %v", c, err)
		}
		// The notices that paid it: the advance's (batch 2), the balance's (3).
		avis, err := db.FindAvisDeDemande(ctx, asp)
		if err != nil || len(avis) != 2 || avis[0].LotID != l2.ID || avis[1].LotID != l3.ID {
			t.Errorf("notices of %s: %+v %v", asp, avis, err)
		}
		if avis, _ := db.FindAvisDeDemande(ctx, asps[1]); len(avis) != 1 {
			t.Errorf("notices of %s: %+v, want the advance's", asps[1], avis)
		}
	})

	t.Run("paiements: concurrence", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		a := banquier(t, db, "88558855858745")
		b := banquier(t, db, "35600000000048")
		asps := append(decidees(t, db, ctx, a, 1, "00001", "00002"), decidees(t, db, ctx, b, 2, "00001")...)
		const n = 8
		// Batches prepared at once: each payment in one of them only.
		var wg sync.WaitGroup
		lots := make([]*segur.Lot, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { lots[i], errs[i] = db.CreateLot(ctx, asps[i%len(asps):i%len(asps)+1], "paul@asp.fr") })
		}
		wg.Wait()
		var crees []*segur.Lot
		for i, err := range errs {
			switch {
			case err == nil:
				crees = append(crees, lots[i])
			case !segur.IsCode(err, segur.ECONFLICT):
				t.Errorf("CreateLot %d: %v, want ECONFLICT or success", i, err)
			}
		}
		if len(crees) != len(asps) {
			t.Fatalf("%d batches created, want %d (one per request)", len(crees), len(asps))
		}
		if got := compter(t, db, `SELECT count(*) FROM paiements WHERE NOT annule`); got != len(asps) {
			t.Errorf("payments: %d, want %d", got, len(asps))
		}
		// Approvals at once: one wins, the others find it approved.
		l := crees[0]
		var ok int
		var mu sync.Mutex
		for range n {
			wg.Go(func() {
				_, err := db.ApprouverLot(ctx, l.ID, "anne@asp.fr")
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					ok++
				} else if !segur.IsCode(err, segur.EFORBIDDEN) {
					t.Errorf("ApprouverLot: %v", err)
				}
			})
		}
		wg.Wait()
		if ok != 1 {
			t.Fatalf("%d approvals succeeded, want 1", ok)
		}
		// Marked paid at once: the requests are paid once.
		ok = 0
		for i := range n {
			wg.Go(func() {
				_, err := db.MarquerLotPaye(ctx, l.ID, reglement(l, fmt.Sprintf("payeur%d@asp.fr", i), mars1), prog)
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					ok++
				} else if !segur.IsCode(err, segur.EFORBIDDEN) && !segur.IsCode(err, segur.ECONFLICT) {
					t.Errorf("MarquerLotPaye: %v", err)
				}
			})
		}
		wg.Wait()
		if ok != 1 {
			t.Errorf("%d markings succeeded, want 1", ok)
		}
		asp := l.Paiements[0].NumeroASP
		if got := compter(t, db, `SELECT count(*) FROM demande_historique h JOIN demandes d ON d.id = h.demande_id WHERE d.numero_asp = $1 AND h.action = $2`,
			asp, string(segur.ActionPayerAvance)); got != 1 {
			t.Errorf("advance of %s paid %d times, want once", asp, got)
		}
		if got := compter(t, db, `SELECT count(*) FROM avis_paiement`); got != 1 {
			t.Errorf("notices: %d, want 1", got)
		}
		if got := compter(t, db, `SELECT count(*) FROM courriels`); got != 1 {
			t.Errorf("mails: %d, want 1", got)
		}
	})
}
