package sqlstore

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

func runInstructionSuite(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("instruction", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		demandes := enregistrer(t, db, ctx, nouveauDepot(f.ID, 1, "json 1", ""), ligne{"00001", ""})
		asp := demandes[0].NumeroASP
		p := segur.ProgrammeParDefaut
		inst := []segur.Role{segur.RoleInstructeur}
		steps := []struct {
			m    segur.Demarche
			vers segur.StatutDemande
			code segur.ErrorCode
		}{
			{segur.Demarche{Action: segur.ActionValider, Roles: inst, MontantFinance: 1}, "", segur.EFORBIDDEN},
			{segur.Demarche{Action: segur.ActionPrendre, Roles: []segur.Role{segur.RoleFournisseur}}, "", segur.EFORBIDDEN},
			{segur.Demarche{Action: segur.ActionPrendre, Roles: inst, Login: "marie@asp.fr"}, segur.DemandeEnInstruction, ""},
			{segur.Demarche{Action: segur.ActionValider, Roles: inst, Login: "marie@asp.fr", MontantFinance: 2_300_001}, segur.DemandeConventionASigner, ""},
			{segur.Demarche{Action: segur.ActionSigner, Roles: []segur.Role{segur.RoleFournisseur}, Login: "jean@x.fr"}, segur.DemandeConventionSignee, ""},
		}
		for _, s := range steps {
			c, err := db.AppliquerDemarche(ctx, asp, s.m, p, segur.Suites{})
			if s.code != "" {
				assertCode(t, err, s.code)
				continue
			}
			if err != nil || c.Vers != s.vers {
				t.Fatalf("%s: got %+v, %v; want %s", s.m.Action, c, err, s.vers)
			}
		}
		d, err := db.FindDemandeByASP(ctx, asp)
		if err != nil || d.Statut != segur.DemandeConventionSignee {
			t.Errorf("got %v %v, want convention_signee", d, err)
		}
		h, err := db.FindHistorique(ctx, asp)
		if err != nil || len(h) != 3 || h[0].Par != "marie@asp.fr" || h[1].Vers != segur.DemandeConventionASigner || h[2].De != segur.DemandeConventionASigner {
			t.Errorf("history: %+v %v", h, err)
		}
		if _, err := db.w.ExecContext(ctx, `UPDATE demande_historique SET raison = 'x'`); err == nil {
			t.Error("history updated, want it append-only")
		}
		if _, err := db.AppliquerDemarche(ctx, "ASP-0000-0000000", steps[2].m, p, segur.Suites{}); err == nil {
			t.Error("unknown request: got no error")
		} else {
			assertCode(t, err, segur.ENOTFOUND)
		}
	})

	t.Run("documents et leur version HTML", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		ds := enregistrer(t, db, ctx, nouveauDepot(f.ID, 1, "json 1", ""), ligne{"00001", ""}, ligne{"00002", ""})
		inst := []segur.Role{segur.RoleInstructeur}
		p := segur.ProgrammeParDefaut
		prendre := segur.Demarche{Action: segur.ActionPrendre, Roles: inst, Login: "marie@asp.fr"}
		refuser := segur.Demarche{Action: segur.ActionRefuser, Roles: inst, Login: "marie@asp.fr", Raison: "hors programme"}
		for _, d := range ds {
			if _, err := db.AppliquerDemarche(ctx, d.NumeroASP, prendre, p, segur.Suites{}); err != nil {
				t.Fatal(err)
			}
		}
		// A document issued with its HTML version: both references stored,
		// in the documents, the history and the audit log.
		asp := ds[0].NumeroASP
		doc := &segur.Document{Type: segur.DocumentRefus, Reference: segur.ReferenceDocument(asp, segur.DocumentRefus, 1),
			Fichier: segur.BlobRef{SHA256: sha("refus pdf"), Taille: 1234}, HTML: sha("refus html")}
		c, err := db.AppliquerDemarche(ctx, asp, refuser, p, segur.Suites{Document: doc})
		if err != nil || c.Document != doc.Fichier.SHA256 || c.DocumentHTML != doc.HTML {
			t.Fatalf("refuser: %+v %v", c, err)
		}
		docs, err := db.FindDocuments(ctx, asp)
		if err != nil || len(docs) != 1 || docs[0].Fichier != doc.Fichier || docs[0].HTML != doc.HTML {
			t.Errorf("documents: got %+v %v; want HTML %s", docs, err, doc.HTML)
		}
		h, err := db.FindHistorique(ctx, asp)
		if err != nil || len(h) != 2 || h[1].Document != doc.Fichier.SHA256 || h[1].DocumentHTML != doc.HTML || h[0].DocumentHTML != "" {
			t.Errorf("history: got %+v %v; want the HTML's SHA-256 beside the PDF's", h, err)
		}
		evs, err := db.FindEvenements(ctx, "demande:"+asp)
		if err != nil || len(evs) == 0 || !strings.Contains(evs[len(evs)-1].Details, `"document_html":"`+doc.HTML+`"`) {
			t.Errorf("audit: got %+v %v; want document_html %s", evs, err, doc.HTML)
		}
		// A document without HTML version (issued before migration 0016)
		// reads as such.
		autre := ds[1].NumeroASP
		ancien := &segur.Document{Type: segur.DocumentRefus, Reference: segur.ReferenceDocument(autre, segur.DocumentRefus, 1),
			Fichier: segur.BlobRef{SHA256: sha("ancien pdf"), Taille: 99}}
		if _, err := db.AppliquerDemarche(ctx, autre, refuser, p, segur.Suites{Document: ancien}); err != nil {
			t.Fatal(err)
		}
		if docs, err := db.FindDocuments(ctx, autre); err != nil || len(docs) != 1 || docs[0].HTML != "" {
			t.Errorf("document without HTML: got %+v %v", docs, err)
		}
		if h, err := db.FindHistorique(ctx, autre); err != nil || h[len(h)-1].DocumentHTML != "" || h[len(h)-1].Document != ancien.Fichier.SHA256 {
			t.Errorf("history without HTML: got %+v %v", h, err)
		}
		// The column holds a SHA-256 or nothing, and stays append-only.
		if _, err := db.w.ExecContext(ctx, `INSERT INTO documents (demande_id, type, reference, sha256, taille, cree_le, par, html_sha256)
			VALUES ($1, 'refus', 'X-REF-9', $2, 1, $3, 'x', 'abc')`, int64(ds[1].ID), sha("x"), stored); err == nil {
			t.Error("html_sha256 'abc' accepted; want the CHECK to refuse it")
		}
		if _, err := db.w.ExecContext(ctx, `UPDATE documents SET html_sha256 = $1`, sha("y")); err == nil {
			t.Error("html_sha256 updated, want documents append-only")
		}
	})

	t.Run("instruction et ses suites", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		ds := enregistrer(t, db, ctx, nouveauDepot(f.ID, 1, "json 1", ""), ligne{"00001", ""}, ligne{"00002", ""})
		asp, autre := ds[0].NumeroASP, ds[1].NumeroASP
		inst := []segur.Role{segur.RoleInstructeur}
		p := segur.ProgrammeParDefaut
		prendre := segur.Demarche{Action: segur.ActionPrendre, Roles: inst, Login: "marie@asp.fr"}
		// Prepared on « deposee » but the request moved: nothing written.
		if _, err := db.AppliquerDemarche(ctx, asp, prendre, p, segur.Suites{Attendu: segur.DemandeEnInstruction}); err == nil {
			t.Fatal("stale démarche: got no error")
		} else {
			assertCode(t, err, segur.ECONFLICT)
		}
		if _, err := db.AppliquerDemarche(ctx, asp, prendre, p, segur.Suites{Attendu: segur.DemandeDeposee, Adresse: "192.0.2.1"}); err != nil {
			t.Fatal(err)
		}
		doc := &segur.Document{Type: segur.DocumentDecision, Reference: segur.ReferenceDocument(asp, segur.DocumentDecision, 1),
			Fichier: segur.BlobRef{SHA256: sha("decision"), Taille: 1234}}
		mail := &segur.Courriel{A: []string{"contact@editeur.example"}, Sujet: "Décision", Corps: "Bonjour\n", Objet: "demande:" + asp,
			PieceNom: doc.NomFichier(), PieceSHA256: doc.Fichier.SHA256}
		valider := segur.Demarche{Action: segur.ActionValider, Roles: inst, Login: "marie@asp.fr", MontantFinance: 13_750_00}
		// A failing mail (no recipient) rolls the whole change back.
		if _, err := db.AppliquerDemarche(ctx, asp, valider, p, segur.Suites{Document: doc, Courriel: &segur.Courriel{Sujet: "x", Corps: "y"}}); err == nil {
			t.Fatal("invalid mail: got no error")
		}
		if docs, _ := db.FindDocuments(ctx, asp); len(docs) != 0 {
			t.Fatalf("document written by a rolled-back change: %+v", docs)
		}
		c, err := db.AppliquerDemarche(ctx, asp, valider, p, segur.Suites{Attendu: segur.DemandeEnInstruction, Calcul: "13 750,00\u202f€ HT", Document: doc, Courriel: mail, Adresse: "192.0.2.1"})
		if err != nil || c.Vers != segur.DemandeDecidee || c.Document != doc.Fichier.SHA256 {
			t.Fatalf("valider: %+v %v", c, err)
		}
		d, err := db.FindDemandeByASP(ctx, asp)
		if err != nil || d.Agent != "marie@asp.fr" || d.MontantFinance != 13_750_00 || d.Calcul != "13 750,00\u202f€ HT" {
			t.Errorf("request after validation: %+v %v", d, err)
		}
		docs, err := db.FindDocuments(ctx, asp)
		if err != nil || len(docs) != 1 || docs[0].Reference != asp+"-DEC-1" || docs[0].Par != "marie@asp.fr" {
			t.Errorf("documents: %+v %v", docs, err)
		}
		if _, err := db.w.ExecContext(ctx, `DELETE FROM documents`); err == nil {
			t.Error("document deleted, want documents append-only")
		}
		h, _ := db.FindHistorique(ctx, asp)
		if len(h) != 2 || h[1].Adresse != "192.0.2.1" || h[1].Document != doc.Fichier.SHA256 {
			t.Errorf("history: %+v", h)
		}
		mails, n, err := db.FindCourriels(ctx, "", 10, 0)
		if err != nil || n != 1 || mails[0].PieceSHA256 != doc.Fichier.SHA256 {
			t.Errorf("outbox: %d %+v %v", n, mails, err)
		}
		fin, err := db.FindFinancements(ctx, hop.LogicielRI, nil)
		if err != nil || fin["750000001"] != asp || fin["750000002"] != asp || len(fin) != 2 {
			t.Errorf("financements: %v %v", fin, err)
		}
		if fin, _ := db.FindFinancements(ctx, hop.LogicielDPI, nil); len(fin) != 0 {
			t.Errorf("financements DPI: %v", fin)
		}
		if fin, _ := db.FindFinancements(ctx, hop.LogicielRI, []string{"750000002", "999999999"}); len(fin) != 1 {
			t.Errorf("financements of two FINESS: %v", fin)
		}
		counts, err := db.CountStatuts(ctx, segur.DemandeFilter{FournisseurID: f.ID})
		if err != nil || counts[segur.DemandeDecidee] != 1 || counts[segur.DemandeDeposee] != 1 {
			t.Errorf("counts: %v %v", counts, err)
		}
		got, total, err := db.FindDemandes(ctx, segur.DemandeFilter{Agent: "marie@asp.fr"})
		if err != nil || total != 1 || got[0].NumeroASP != asp {
			t.Errorf("filter by agent: %d %v", total, err)
		}
		if _, total, _ := db.FindDemandes(ctx, segur.DemandeFilter{MontantMin: 13_750_01}); total != 0 {
			t.Errorf("filter by amount: got %d", total)
		}
		if _, total, _ := db.FindDemandes(ctx, segur.DemandeFilter{Logiciel: hop.LogicielRI, NumeroAns: "1234567890", MontantMax: 13_750_00}); total != 2 {
			t.Errorf("filter by software, ANS, amount: got %d, want 2", total)
		}
		// A completion keeps every version of the attachment.
		for _, m := range []segur.Demarche{prendre, {Action: segur.ActionCompleter, Roles: inst, Login: "marie@asp.fr", Raison: "bon de commande illisible"}} {
			if _, err := db.AppliquerDemarche(ctx, autre, m, p, segur.Suites{}); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 2 {
			if i == 1 {
				if _, err := db.AppliquerDemarche(ctx, autre, segur.Demarche{Action: segur.ActionCompleter, Roles: inst, Login: "marie@asp.fr", Raison: "encore"}, p, segur.Suites{}); err != nil {
					t.Fatal(err)
				}
			}
			piece := &segur.PieceVersion{Type: "BON_COMMANDE", Nom: "bdc.pdf", Format: "PDF", Fichier: segur.BlobRef{SHA256: sha(fmt.Sprint("v", i)), Taille: 10}}
			if _, err := db.AppliquerDemarche(ctx, autre, segur.Demarche{Action: segur.ActionComplete, Roles: []segur.Role{segur.RoleFournisseur}, Login: "jean@x.fr"}, p, segur.Suites{Piece: piece}); err != nil {
				t.Fatal(err)
			}
		}
		vs, err := db.FindPiecesVersions(ctx, autre)
		if err != nil || len(vs) != 2 || vs[0].Par != "jean@x.fr" || vs[1].Fichier.SHA256 != sha("v1") {
			t.Errorf("versions: %+v %v", vs, err)
		}
	})

	t.Run("instruction concurrente", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		asp := enregistrer(t, db, ctx, nouveauDepot(f.ID, 1, "json 1", ""), ligne{"00001", ""})[0].NumeroASP
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := db.AppliquerDemarche(ctx, asp, segur.Demarche{Action: segur.ActionPrendre, Roles: []segur.Role{segur.RoleInstructeur}, Login: "x"}, segur.ProgrammeParDefaut, segur.Suites{})
				if err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if ok != 1 {
			t.Errorf("got %d takes, want exactly 1", ok)
		}
		if h, _ := db.FindHistorique(ctx, asp); len(h) != 1 {
			t.Errorf("got %d history rows, want 1", len(h))
		}
	})
}
