package sqlstore

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// payer moves request asp, deposited, to its advance paid, with an amount
// financed of finance cents.
func payer(t testing.TB, db *DB, ctx context.Context, asp string, finance int64) {
	t.Helper()
	inst := []segur.Role{segur.RoleInstructeur}
	for _, m := range []segur.Demarche{
		{Action: segur.ActionPrendre, Roles: inst, Login: "marie@asp.fr"},
		{Action: segur.ActionValider, Roles: inst, Login: "marie@asp.fr", MontantFinance: finance},
		{Action: segur.ActionPayerAvance, Roles: []segur.Role{segur.RolePayeur}, Login: "paul@asp.fr"},
	} {
		if _, err := db.AppliquerDemarche(ctx, asp, m, segur.ProgrammeParDefaut, segur.Suites{}); err != nil {
			t.Fatalf("%s %s: %v", asp, m.Action, err)
		}
	}
}

// runControleSuite tests the controls a posteriori and the dashboard, on
// the stores of runSuite.
func runControleSuite(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("tirage", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		ds := enregistrer(t, db, ctx, nouveauDepot(f.ID, 1, "json 1", ""), ligne{"00001", ""}, ligne{"00002", ""}, ligne{"00003", ""})
		payer(t, db, ctx, ds[0].NumeroASP, 10_000_00)
		payer(t, db, ctx, ds[2].NumeroASP, 20_000_00)

		tir, err := db.TirerEchantillon(ctx, 5000, 77, "marie@asp.fr")
		if err != nil {
			t.Fatal(err)
		}
		pop := []string{ds[0].NumeroASP, ds[2].NumeroASP}
		if tir.ID == 0 || tir.Population != 2 || len(tir.Echantillon) != 1 || !slices.Contains(pop, tir.Echantillon[0]) ||
			tir.Empreinte != segur.EmpreintePopulation(pop) || tir.Par != "marie@asp.fr" {
			t.Fatalf("draw: %+v", tir)
		}
		assertStamp(t, "Quand", tir.Quand)
		got, err := db.FindTirage(ctx, tir.ID)
		if err != nil || !slices.Equal(got.Candidats, pop) || !slices.Equal(got.Echantillon, tir.Echantillon) || got.Graine != 77 || got.Taux != 5000 {
			t.Fatalf("FindTirage: %+v, %v", got, err)
		}
		if !got.Verifier() {
			t.Error("the recorded draw does not draw again the same")
		}
		tirs, n, err := db.FindTirages(ctx, 10, 0)
		if err != nil || n != 1 || tirs[0].ID != tir.ID || tirs[0].Tires != 1 || tirs[0].Echantillon != nil {
			t.Errorf("FindTirages: %+v, %d, %v", tirs, n, err)
		}
		assertEvents(t, db, "tirage:1", "controle.tirer")

		// The request drawn has an open control: the next draw leaves it out.
		tir2, err := db.TirerEchantillon(ctx, 10000, 1, "marie@asp.fr")
		if err != nil || tir2.Population != 1 || slices.Contains(tir2.Echantillon, tir.Echantillon[0]) {
			t.Fatalf("second draw: %+v, %v", tir2, err)
		}
		if _, err := db.TirerEchantillon(ctx, 10000, 1, "marie@asp.fr"); err == nil {
			t.Fatal("a draw from nothing: got no error")
		} else {
			assertCode(t, err, segur.EINVALID)
		}
		cs, n, err := db.FindControles(ctx, segur.ControleFilter{TirageID: tir.ID})
		if err != nil || n != 1 || cs[0].NumeroASP != tir.Echantillon[0] || cs[0].Etat != segur.ControleOuvert || cs[0].FournisseurID != f.ID {
			t.Errorf("controls of the draw: %+v, %d, %v", cs, n, err)
		}

		// By hand: a request not paid, one controlled already, one unknown.
		for _, tt := range []struct {
			asp  string
			code segur.ErrorCode
		}{{ds[1].NumeroASP, segur.ECONFLICT}, {ds[0].NumeroASP, segur.ECONFLICT}, {"ASP-2026-9999999", segur.ENOTFOUND}} {
			if _, err := db.OuvrirControle(ctx, tt.asp, "marie@asp.fr"); err == nil {
				t.Errorf("OuvrirControle(%s): got no error", tt.asp)
			} else {
				assertCode(t, err, tt.code)
			}
		}
		if _, err := db.w.ExecContext(ctx, `UPDATE tirages SET graine = 1`); err == nil {
			t.Error("draw changed, want draws append-only")
		}
	})

	t.Run("contrôle", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		ds := enregistrer(t, db, ctx, nouveauDepot(f.ID, 1, "json 1", ""), ligne{"00001", ""}, ligne{"00002", ""})
		a, b := ds[0].NumeroASP, ds[1].NumeroASP
		payer(t, db, ctx, a, 10_000_00)
		payer(t, db, ctx, b, 10_000_00)
		c, err := db.OuvrirControle(ctx, a, "marie@asp.fr")
		if err != nil || c.ID == 0 || c.FournisseurID != f.ID {
			t.Fatalf("OuvrirControle: %+v, %v", c, err)
		}
		mail := &segur.Courriel{A: []string{"contact@editeur.example"}, Sujet: "Pièces", Corps: "La facture\n", Objet: "controle:1"}
		m := &segur.MessageControle{Texte: "La facture, le PV de VSR", Par: "marie@asp.fr"}
		if err := db.AjouterMessageControle(ctx, c.ID, m, mail); err != nil || m.ID == 0 {
			t.Fatalf("AjouterMessageControle: %v", err)
		}
		p := &segur.PieceControle{Nom: "facture « 12 ».pdf", Format: "PDF", Fichier: segur.BlobRef{SHA256: sha("facture"), Taille: 1234}, Par: "jean@x.fr"}
		if err := db.AjouterPieceControle(ctx, c.ID, p); err != nil || p.ID == 0 {
			t.Fatalf("AjouterPieceControle: %v", err)
		}
		got, err := db.FindControle(ctx, c.ID)
		if err != nil || len(got.Messages) != 1 || got.Messages[0].Texte != m.Texte || len(got.Pieces) != 1 || got.Pieces[0].Nom != p.Nom ||
			got.Pieces[0].Fichier != p.Fichier || got.NumeroASP != a {
			t.Fatalf("FindControle: %+v, %v", got, err)
		}
		assertStamp(t, "DeposeLe", got.Pieces[0].DeposeLe)
		if mails, n, _ := db.FindCourriels(ctx, "", 10, 0); n != 1 || mails[0].Objet != "controle:1" {
			t.Errorf("outbox: %d %+v", n, mails)
		}
		if _, err := db.w.ExecContext(ctx, `DELETE FROM controle_pieces`); err == nil {
			t.Error("file deleted, want files append-only")
		}
		if _, err := db.FindControle(ctx, 999); err == nil {
			t.Error("FindControle(999): got no error")
		} else {
			assertCode(t, err, segur.ENOTFOUND)
		}

		// Compliant.
		if err := got.Conclure(segur.Conclusion{Conforme: true}, 3000_00, "marie@asp.fr", time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := db.ConclureControle(ctx, got, segur.Demarche{}, segur.ProgrammeParDefaut, segur.Suites{}); err != nil {
			t.Fatal(err)
		}
		assertStamp(t, "ConcluLe", got.ConcluLe)
		if err := db.ConclureControle(ctx, got, segur.Demarche{}, segur.ProgrammeParDefaut, segur.Suites{}); err == nil {
			t.Error("concluded twice: got no error")
		} else {
			assertCode(t, err, segur.ECONFLICT)
		}
		if err := db.AjouterPieceControle(ctx, c.ID, p); err == nil {
			t.Error("a file for a closed control: got no error")
		} else {
			assertCode(t, err, segur.ECONFLICT)
		}
		if _, err := db.w.ExecContext(ctx, `UPDATE controles SET motif = 'x'`); !refusedByTrigger(err) {
			t.Errorf("concluded control changed: got %v, want a trigger's refusal", err)
		}
		assertEvents(t, db, "controle:1", "controle.ouvrir", "controle.message", "controle.piece", "controle.conclure")
		// Concluded, the request may be controlled again.
		if _, err := db.OuvrirControle(ctx, a, "marie@asp.fr"); err != nil {
			t.Errorf("a second control: %v", err)
		}

		// Not compliant: the order, the status, the mail, together.
		c2, err := db.OuvrirControle(ctx, b, "marie@asp.fr")
		if err != nil {
			t.Fatal(err)
		}
		if err := c2.Conclure(segur.Conclusion{Motif: "PV de VSR absent", Montant: 1000_00}, 3000_00, "marie@asp.fr", time.Now()); err != nil {
			t.Fatal(err)
		}
		doc := &segur.Document{Type: segur.DocumentReversement, Reference: segur.ReferenceDocument(b, segur.DocumentReversement, 1),
			Fichier: segur.BlobRef{SHA256: sha("ordre"), Taille: 999}}
		c2.Ordre = doc.Reference
		m2 := segur.Demarche{Action: segur.ActionReverser, Roles: []segur.Role{segur.RoleInstructeur}, Login: "marie@asp.fr", Raison: c2.Motif}
		// A bad mail rolls everything back.
		bad := segur.Suites{Attendu: segur.DemandeAvancePayee, Document: doc, Courriel: &segur.Courriel{Sujet: "x", Corps: "y"}}
		if err := db.ConclureControle(ctx, c2, m2, segur.ProgrammeParDefaut, bad); err == nil {
			t.Fatal("invalid mail: got no error")
		}
		if d, _ := db.FindDemandeByASP(ctx, b); d.Statut != segur.DemandeAvancePayee {
			t.Fatalf("status %s after a rolled-back conclusion", d.Statut)
		}
		if got, _ := db.FindControle(ctx, c2.ID); got.Etat != segur.ControleOuvert {
			t.Fatalf("control %s after a rolled-back conclusion", got.Etat)
		}
		ordre := &segur.Courriel{A: []string{"contact@editeur.example"}, Sujet: "Ordre", Corps: "Reversez\n", Objet: "demande:" + b,
			PieceNom: "reversement-" + b + ".pdf", PieceSHA256: doc.Fichier.SHA256}
		if err := db.ConclureControle(ctx, c2, m2, segur.ProgrammeParDefaut, segur.Suites{Attendu: segur.DemandeAvancePayee, Document: doc, Courriel: ordre}); err != nil {
			t.Fatal(err)
		}
		d, err := db.FindDemandeByASP(ctx, b)
		if err != nil || d.Statut != segur.DemandeReversementOrdonne {
			t.Errorf("request after the order: %+v, %v", d, err)
		}
		docs, _ := db.FindDocuments(ctx, b)
		if len(docs) != 1 || docs[0].Type != segur.DocumentReversement || docs[0].Reference != b+"-ORV-1" {
			t.Errorf("documents: %+v", docs)
		}
		h, _ := db.FindHistorique(ctx, b)
		if last := h[len(h)-1]; last.Action != segur.ActionReverser || last.Raison != "PV de VSR absent" || last.Document != doc.Fichier.SHA256 {
			t.Errorf("history: %+v", last)
		}
		got, _ = db.FindControle(ctx, c2.ID)
		if got.Etat != segur.ControleNonConforme || got.MontantReverse != 1000_00 || got.Ordre != doc.Reference || got.Motif != "PV de VSR absent" {
			t.Errorf("control after the order: %+v", got)
		}
		cs, n, err := db.FindControles(ctx, segur.ControleFilter{Etat: segur.ControleNonConforme, FournisseurID: f.ID})
		if err != nil || n != 1 || cs[0].ID != c2.ID {
			t.Errorf("FindControles(non_conforme): %+v, %d, %v", cs, n, err)
		}
		if _, n, _ := db.FindControles(ctx, segur.ControleFilter{FournisseurID: f.ID + 1}); n != 0 {
			t.Errorf("another vendor's controls: %d", n)
		}
		if _, err := db.OuvrirControle(ctx, b, "marie@asp.fr"); err == nil {
			t.Error("a control of a request whose recovery is ordered: got no error")
		}
	})

	t.Run("pilotage", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		vide, err := db.FindPilotage(ctx, segur.PilotageFiltre{})
		if err != nil || len(vide.ParStatut)+len(vide.ParJour)+len(vide.Codes)+len(vide.ParLogiciel) != 0 {
			t.Fatalf("empty store: %+v, %v", vide, err)
		}
		// 2 June: one deposit, 3 requests accepted, one rejected (2034).
		ds := enregistrer(t, db, ctx, nouveauDepot(f.ID, 1, "json 1", ""), ligne{"00001", ""}, ligne{"00002", ""}, ligne{"00003", ""}, ligne{"00004", hop.CodeMontantFormat})
		// 2 June: a file rejected by control 1 (1012).
		r := nouveauDepot(f.ID, 0, "json 2", "")
		r.Statut, r.Motif = segur.DepotRejete, &hop.Erreur{Code: hop.CodeSyntaxe, Offset: 3}
		enregistrer(t, db, ctx, r)
		// 16 June (two weeks later): one request, one more 2034 and a 2001.
		d3 := nouveauDepot(f.ID, 2, "json 3", "")
		d3.Date = hop.Date{Annee: 2026, Mois: 6, Jour: 16}
		d3.NomFichier = "JSON-1234567890-20260616-002.json"
		ds = append(ds, enregistrer(t, db, ctx, d3, ligne{"00005", ""}, ligne{"00006", hop.CodeMontantFormat}, ligne{"00007", hop.CodeManquante})...)
		payer(t, db, ctx, ds[0].NumeroASP, 10_000_01) // advance 3 000,00 (3 000,003 rounded)
		payer(t, db, ctx, ds[1].NumeroASP, 10_000_05) // advance 3 000,02 (3 000,015 rounded half up)
		inst := []segur.Role{segur.RoleInstructeur}
		for _, m := range []segur.Demarche{
			{Action: segur.ActionPrendre, Roles: inst, Login: "marie@asp.fr"},
			{Action: segur.ActionValider, Roles: inst, Login: "marie@asp.fr", MontantFinance: 5_000_00},
		} {
			if _, err := db.AppliquerDemarche(ctx, ds[2].NumeroASP, m, segur.ProgrammeParDefaut, segur.Suites{}); err != nil {
				t.Fatal(err)
			}
		}
		p, err := db.FindPilotage(ctx, segur.PilotageFiltre{})
		if err != nil {
			t.Fatal(err)
		}
		statuts := map[segur.StatutDemande]segur.PilotageStatut{}
		for _, l := range p.ParStatut {
			statuts[l.Statut] = l
		}
		if l := statuts[segur.DemandeAvancePayee]; l.Nombre != 2 || l.Finance != 20_000_06 || l.Avance != 6_000_02 || l.MontantHT != 2*1375000 {
			t.Errorf("avance_payee: %+v", l)
		}
		if l := statuts[segur.DemandeDecidee]; l.Nombre != 1 || l.Finance != 5_000_00 {
			t.Errorf("decidee: %+v", l)
		}
		if l := statuts[segur.DemandeDeposee]; l.Nombre != 1 || l.Finance != 0 {
			t.Errorf("deposee: %+v", l)
		}
		engage, paye, reste := p.Montants()
		if engage != 25_000_06 || paye != 6_000_02 || reste != 19_000_04 {
			t.Errorf("Montants: got %d, %d, %d; want 2500006, 600002, 1900004", engage, paye, reste)
		}
		if len(p.ParLogiciel) != 1 || p.ParLogiciel[0].Logiciel != hop.LogicielRI || p.ParLogiciel[0].Nombre != 4 || p.ParLogiciel[0].Finance != 25_000_06 {
			t.Errorf("ParLogiciel: %+v", p.ParLogiciel)
		}
		want := []segur.PilotageJour{
			{Jour: juin2, Depots: 2, DepotsRejetes: 1, Demandes: 3, MontantHT: 3 * 1375000},
			{Jour: d3.Date, Depots: 1, Demandes: 1, MontantHT: 1375000},
		}
		if !slices.Equal(p.ParJour, want) {
			t.Errorf("ParJour: got %+v, want %+v", p.ParJour, want)
		}
		sem := p.Semaines()
		if len(sem) != 3 || sem[0].Semaine != (segur.Semaine{Annee: 2026, Numero: 23}) || sem[1].Depots != 0 || sem[2].Demandes != 1 {
			t.Errorf("Semaines: %+v", sem)
		}
		codes := p.CodesFrequents(10)
		wantCodes := []segur.PilotageCode{{Code: hop.CodeMontantFormat, Nombre: 2}, {Code: hop.CodeSyntaxe, Nombre: 1}, {Code: hop.CodeManquante, Nombre: 1}}
		if !slices.Equal(codes, wantCodes) {
			t.Errorf("CodesFrequents: got %+v, want %+v", codes, wantCodes)
		}
	})

	t.Run("versements", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		ds := enregistrer(t, db, ctx, nouveauDepot(f.ID, 1, "json 1", ""), ligne{"00001", ""}, ligne{"00002", ""})
		a, b := ds[0].NumeroASP, ds[1].NumeroASP
		payer(t, db, ctx, a, 10_000_00)
		payer(t, db, ctx, b, 10_000_00)
		// Batches as the payments write them: one paid, a draft, one cancelled.
		lots := make([]int64, 3)
		for i, q := range []string{
			`INSERT INTO lots_paiement (etat, cree_le, cree_par, approuve_le, approuve_par, paye_le, marque_le, marque_par)
				VALUES ('paye', $1, 'paul@asp.fr', $1, 'pierre@asp.fr', '2026-06-05', $1, 'paul@asp.fr') RETURNING id`,
			`INSERT INTO lots_paiement (etat, cree_le, cree_par) VALUES ('brouillon', $1, 'paul@asp.fr') RETURNING id`,
			`INSERT INTO lots_paiement (etat, cree_le, cree_par, annule_le, annule_par) VALUES ('annule', $1, 'paul@asp.fr', $1, 'paul@asp.fr') RETURNING id`,
		} {
			if err := db.w.QueryRowContext(ctx, q, stored).Scan(&lots[i]); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range []struct {
			lot, demande int64
			annule       bool
		}{{lots[0], int64(ds[0].ID), false}, {lots[2], int64(ds[1].ID), true}, {lots[1], int64(ds[1].ID), false}} {
			if _, err := db.w.ExecContext(ctx, `INSERT INTO paiements (lot_id, demande_id, fournisseur_id, nature, montant_cents, annule) VALUES ($1, $2, $3, 'avance', 300000, $4)`,
				p.lot, p.demande, int64(f.ID), p.annule); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.w.ExecContext(ctx, `INSERT INTO avis_paiement (reference, lot_id, fournisseur_id, date_paiement, montant_cents, sha256, taille, cree_le, par)
			VALUES ('AVIS-000001-1', $1, $2, '2026-06-05', 300000, $3, 10, $4, 'paul@asp.fr')`, lots[0], int64(f.ID), sha("avis"), stored); err != nil {
			t.Fatal(err)
		}
		if av, so, err := db.FindVersements(ctx, a); err != nil || av != 3000_00 || so != 0 {
			t.Errorf("FindVersements(%s): got %d, %d, %v; want 300000, 0", a, av, so, err)
		}
		if av, so, err := db.FindVersements(ctx, b); err != nil || av != 0 || so != 0 {
			t.Errorf("FindVersements(%s), in a draft and a cancelled batch: got %d, %d, %v; want 0", b, av, so, err)
		}
		p, err := db.FindPilotage(ctx, segur.PilotageFiltre{})
		if err != nil || p.Virements != 3000_00 {
			t.Errorf("Virements: got %+v, %v; want 300000", p, err)
		}
		var ls []segur.LignePaiement
		err = db.EachLignePaiement(ctx, func(l *segur.LignePaiement) error {
			ls = append(ls, *l)
			return nil
		})
		want := []segur.LignePaiement{
			{Lot: segur.LotID(lots[0]), EtatLot: segur.LotPaye, PayeLe: hop.Date{Annee: 2026, Mois: 6, Jour: 5}, NumeroASP: a, NumeroEditeur: "00001", FournisseurID: f.ID,
				Nature: segur.PaiementAvance, Montant: 3000_00, Avis: "AVIS-000001-1"},
			{Lot: segur.LotID(lots[1]), EtatLot: segur.LotBrouillon, NumeroASP: b, NumeroEditeur: "00002", FournisseurID: f.ID, Nature: segur.PaiementAvance, Montant: 3000_00},
			{Lot: segur.LotID(lots[2]), EtatLot: segur.LotAnnule, NumeroASP: b, NumeroEditeur: "00002", FournisseurID: f.ID, Nature: segur.PaiementAvance, Montant: 3000_00, Annule: true},
		}
		if err != nil || !slices.Equal(ls, want) {
			t.Errorf("EachLignePaiement: got %+v, %v; want %+v", ls, err, want)
		}
		// fn's error stops the reading, returned as it is.
		arret, vus := errors.New("arrêt"), 0
		if err := db.EachLignePaiement(ctx, func(*segur.LignePaiement) error { vus++; return arret }); err != arret || vus != 1 {
			t.Errorf("EachLignePaiement stopped by fn: got %v after %d rows; want its error after 1", err, vus)
		}
	})
}
