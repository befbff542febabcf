package sqlstore

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
)

// runAntivirusSuite tests the antivirus's verdicts, on the stores of
// runSuite.
func runAntivirusSuite(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("antivirus", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		demandes := enregistrer(t, db, ctx, nouveauDepot(f.ID, 1, "json 1", "zip 1"), ligne{"00001", ""}, ligne{"00002", ""})
		enregistrer(t, db, ctx, nouveauDepot(f.ID, 2, "json 2", ""), ligne{"00003", ""})

		// The zip first, with its requests' pieces, each name once; then
		// the other files (the JSON and returned files), never the zip again.
		todo, err := db.FindFichiersAAnalyser(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(todo) != 5 || todo[0].SHA256 != sha("zip 1") {
			t.Fatalf("FindFichiersAAnalyser: got %+v, want the zip then the JSON and returned files", todo)
		}
		var noms []string
		for _, p := range todo[0].Pieces {
			noms = append(noms, p.NomFichier)
		}
		if want := []string{"HOP-RI-Va1-BDC-00001.pdf", "HOP-RI-Va1-HT-00001.png", "HOP-RI-Va1-BDC-00002.pdf", "HOP-RI-Va1-HT-00002.png"}; !slices.Equal(noms, want) {
			t.Errorf("the zip's pieces: got %v, want %v", noms, want)
		}
		var autres []string
		for _, f := range todo[1:] {
			if len(f.Pieces) != 0 || f.SHA256 == sha("zip 1") {
				t.Errorf("another file: got %+v", f)
			}
			autres = append(autres, f.SHA256)
		}
		if !slices.Contains(autres, sha("json 1")) || !slices.Contains(autres, sha("json 2")) {
			t.Errorf("the other files: got %v, want the JSON files among them", autres)
		}
		if one, err := db.FindFichiersAAnalyser(ctx, 1); err != nil || len(one) != 1 || one[0].SHA256 != sha("zip 1") {
			t.Errorf("limit 1: got %+v %v", one, err)
		}

		le := time.Date(2026, 12, 3, 10, 0, 0, 123456789, time.UTC)
		zip := []segur.Analyse{
			{Fichier: sha("zip 1"), Membre: "HOP-RI-Va1-BDC-00001.pdf", Resultat: segur.AnalyseSaine, Moteur: "ClamAV 1.4.6", Le: le},
			{Fichier: sha("zip 1"), Membre: "HOP-RI-Va1-HT-00001.png", Resultat: segur.AnalyseInfectee, Signature: "Segur.Test.EICAR", Moteur: "ClamAV 1.4.6", Le: le},
			{Fichier: sha("zip 1"), Resultat: segur.AnalyseInfectee, Signature: "HOP-RI-Va1-HT-00001.png : Segur.Test.EICAR", Moteur: "ClamAV 1.4.6", Le: le},
		}
		// The requests of the zip's deposit, for the alerts.
		du, err := db.FindDemandesDuFichier(ctx, sha("zip 1"))
		if err != nil || len(du) != 2 || du[0].NumeroASP != demandes[0].NumeroASP || du[1].NumeroASP != demandes[1].NumeroASP {
			t.Fatalf("FindDemandesDuFichier: got %+v %v, want the deposit's two requests", du, err)
		}
		asps := []string{du[0].NumeroASP, du[1].NumeroASP, "ASP-INCONNU"}
		sansZip := enregistrer(t, db, ctx, nouveauDepot(f.ID, 3, "json 3", ""), ligne{"00004", ""})
		asps = append(asps, sansZip[0].NumeroASP)
		if n, oldest, err := db.CountDepotsAAnalyser(ctx); err != nil || n != 1 || !oldest.Equal(time.Date(2026, 6, 1, 22, 30, 0, 0, time.UTC)) {
			t.Errorf("CountDepotsAAnalyser before the verdict: got %d %v %v, want 1 and the deposit's reception", n, oldest, err)
		}
		etats, err := db.FindEtatsAntivirus(ctx, asps)
		if want := map[string]segur.EtatAntivirus{du[0].NumeroASP: segur.AntivirusAttente, du[1].NumeroASP: segur.AntivirusAttente}; err != nil || !reflect.DeepEqual(etats, want) {
			t.Errorf("FindEtatsAntivirus before the verdict: got %v %v, want %v", etats, err, want)
		}
		alerte := func() []segur.AlerteAntivirus {
			mail := segur.CourrielAntivirus(&du[0], zip[1:2], "Éditeur Démo", []string{"contact@demo.example"}, "")
			return []segur.AlerteAntivirus{{NumeroASP: du[0].NumeroASP, Analyses: zip[1:2], Courriel: &mail}}
		}
		if err := db.CreateAnalyses(segur.WithActeur(ctx, acteur), du[0].DepotID, zip, alerte()); err != nil {
			t.Fatal(err)
		}
		if n, oldest, err := db.CountDepotsAAnalyser(ctx); err != nil || n != 0 || !oldest.IsZero() {
			t.Errorf("CountDepotsAAnalyser after the verdict: got %d %v %v, want none", n, oldest, err)
		}
		etats, err = db.FindEtatsAntivirus(ctx, asps)
		if want := map[string]segur.EtatAntivirus{du[0].NumeroASP: segur.AntivirusAlerte}; err != nil || !reflect.DeepEqual(etats, want) {
			t.Errorf("FindEtatsAntivirus after the verdict: got %v %v, want %v", etats, err, want)
		}
		evs := assertEvents(t, db, "demande:"+du[0].NumeroASP, "antivirus.infecte")
		if !strings.Contains(evs[0].Details, `"membre":"HOP-RI-Va1-HT-00001.png"`) || !strings.Contains(evs[0].Details, `"signature":"Segur.Test.EICAR"`) {
			t.Errorf("the alert's event: %s", evs[0].Details)
		}
		mails, n, err := db.FindCourriels(ctx, "", 10, 0)
		if err != nil || n != 1 || !strings.Contains(mails[0].Corps, "HOP-RI-Va1-HT-00001.png : infectée (Segur.Test.EICAR)") {
			t.Errorf("the vendor's mail: got %d %+v %v", n, mails, err)
		}
		// A second server's verdict on the same file: the first stands,
		// and its alerts are not written again.
		autre := zip[1]
		autre.Resultat, autre.Signature = segur.AnalyseSaine, ""
		if err := db.CreateAnalyses(segur.WithActeur(ctx, acteur), du[0].DepotID, []segur.Analyse{autre}, alerte()); err != nil {
			t.Fatal(err)
		}
		assertEvents(t, db, "demande:"+du[0].NumeroASP, "antivirus.infecte")
		if _, n, _ := db.FindCourriels(ctx, "", 10, 0); n != 1 {
			t.Errorf("mails after a second verdict: got %d, want 1", n)
		}
		got, err := db.FindAnalyses(ctx, sha("zip 1"))
		if err != nil {
			t.Fatal(err)
		}
		for i := range zip {
			zip[i].Le = stamp(le)
		}
		if want := []segur.Analyse{zip[2], zip[0], zip[1]}; !reflect.DeepEqual(got, want) {
			t.Errorf("FindAnalyses: got %+v, want %+v", got, want)
		}
		if todo, err := db.FindFichiersAAnalyser(ctx, 10); err != nil || len(todo) != 6 || len(todo[0].Pieces) != 0 {
			t.Errorf("after the zip's verdict: got %+v %v, want the six other files (a third deposit added since)", todo, err)
		}
		if none, err := db.FindAnalyses(ctx, sha("json 1")); err != nil || len(none) != 0 {
			t.Errorf("FindAnalyses of a file waiting: got %+v %v", none, err)
		}

		// The same zip deposited again, with another request: that deposit
		// waits, with its own pieces, and its verdicts raise its own alerts
		// though the zip's rows are all there.
		encore := enregistrer(t, db, ctx, nouveauDepot(f.ID, 4, "json 4", "zip 1"), ligne{"00005", ""})
		todo, err = db.FindFichiersAAnalyser(ctx, 1)
		if err != nil || len(todo) != 1 || todo[0].DepotID != encore[0].DepotID || todo[0].SHA256 != sha("zip 1") ||
			len(todo[0].Pieces) != 2 || todo[0].Pieces[0].NomFichier != "HOP-RI-Va1-BDC-00005.pdf" {
			t.Fatalf("the zip deposited again: got %+v %v, want its deposit with its pieces", todo, err)
		}
		if etats, _ := db.FindEtatsAntivirus(ctx, []string{encore[0].NumeroASP}); etats[encore[0].NumeroASP] != segur.AntivirusAttente {
			t.Errorf("the zip deposited again: got %v, want its request waiting", etats)
		}
		mail := segur.CourrielAntivirus(&encore[0], zip[2:], "Éditeur Démo", []string{"contact@demo.example"}, "")
		if err := db.CreateAnalyses(segur.WithActeur(ctx, acteur), encore[0].DepotID, zip[2:],
			[]segur.AlerteAntivirus{{NumeroASP: encore[0].NumeroASP, Analyses: zip[2:], Courriel: &mail}}); err != nil {
			t.Fatal(err)
		}
		assertEvents(t, db, "demande:"+encore[0].NumeroASP, "antivirus.infecte")
		if etats, _ := db.FindEtatsAntivirus(ctx, []string{encore[0].NumeroASP}); etats[encore[0].NumeroASP] != segur.AntivirusAlerte {
			t.Errorf("the zip deposited again, judged: got %v, want its alert", etats)
		}

		// Evidence: never changed nor deleted.
		if _, err := db.w.ExecContext(ctx, `UPDATE analyses_antivirus SET resultat = 'sain', signature = ''`); err == nil {
			t.Error("verdict changed, want the table append-only")
		}
		if _, err := db.w.ExecContext(ctx, `DELETE FROM analyses_antivirus`); err == nil {
			t.Error("verdict deleted, want the table append-only")
		}
		// A healthy verdict has no signature, another one has one.
		bad := segur.Analyse{Fichier: sha("json 1"), Resultat: segur.AnalyseInfectee, Le: le}
		if err := db.CreateAnalyses(ctx, 0, []segur.Analyse{bad}, nil); err == nil {
			t.Error("an infected verdict without its signature was recorded")
		}
	})
}
