package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// sha is the hex SHA-256 of s, a stored file's name in the tests.
func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// juin2 is the business date of the tests' deposits.
var juin2 = hop.Date{Annee: 2026, Mois: 6, Jour: 2}

// nouveauDepot returns a processed deposit of vendor f for ANS number
// 1234567890 on juin2, whose JSON file is named by fichier.
func nouveauDepot(f segur.FournisseurID, ordinal int, fichier, zip string) *segur.Depot {
	d := &segur.Depot{
		FournisseurID: f, Type: segur.TypeAvance, NumeroAns: "1234567890", Logiciel: hop.LogicielRI,
		NomFichier: fmt.Sprintf("JSON-1234567890-20260602-%03d.json", ordinal),
		Recu:       time.Date(2026, 6, 1, 22, 30, 0, 0, time.UTC), Date: juin2, Ordinal: ordinal,
		JSON: segur.BlobRef{SHA256: sha(fichier), Taille: 1000}, Statut: segur.DepotTraite,
	}
	if zip != "" {
		d.Zip = segur.BlobRef{SHA256: sha(zip), Taille: 2000}
	}
	return d
}

// donnees returns the content of a request of numeroEditeur n, every field
// filled.
func donnees(numLigne int, n string) hop.DonneesDemande {
	return hop.DonneesDemande{
		NumLigne: numLigne, NumeroEditeur: n, DateCommande: hop.Date{Annee: 2026, Mois: 3, Jour: 15},
		RegimeTVA: "HT", MontantHTCents: 1375000,
		Mandataire: &hop.Contact{Nom: "Mandataire « Santé »", Email: "m@mandataire.example", Telephone: "0102030405"},
		Clients: []hop.Client{
			{Contact: hop.Contact{Nom: "Clinique A", Email: "a@clinique.example", Telephone: "0600000001"}, FINESSPMSI: "750000001"},
			{Contact: hop.Contact{Nom: "Hôpital B", Email: "b@hopital.example", Telephone: "0600000002"}, FINESSPMSI: "750000002"},
		},
		Pieces: []hop.Piece{
			{NomFichier: "HOP-RI-Va1-BDC-" + n + ".pdf", Format: "pdf", Type: "BON_COMMANDE"},
			{NomFichier: "HOP-RI-Va1-HT-" + n + ".png", Format: "png", Type: "PREUVE_HT"},
		},
		Scenario:            []string{"isRIEchangeDMP", "isRIMSSante"},
		OperateurMessagerie: "Opérateur X",
	}
}

// ligne is one request of a deposit to record: accepted or rejected with
// code.
type ligne struct {
	numero string
	code   string // "" for accepted
}

// enregistrer records deposit d with its lines, as the desk does: an ASP
// number per accepted line, its request, the numeroEditeur of every line.
// It returns the accepted requests.
func enregistrer(t testing.TB, db *DB, ctx context.Context, d *segur.Depot, lignes ...ligne) []segur.Demande {
	t.Helper()
	var demandes []segur.Demande
	err := db.WithDepotTx(ctx, d.FournisseurID, func(ctx context.Context, tx segur.DepotTx) error {
		var err error
		demandes, err = remplir(ctx, tx, d, lignes...)
		return err
	})
	if err != nil {
		t.Fatalf("WithDepotTx: %v", err)
	}
	return demandes
}

// remplir inserts and finishes d in tx.
func remplir(ctx context.Context, tx segur.DepotTx, d *segur.Depot, lignes ...ligne) ([]segur.Demande, error) {
	if err := tx.CreateDepot(ctx, d); err != nil {
		return nil, err
	}
	d.ImpID = segur.FormatImpID(d.Date.Annee, int64(d.ID))
	var demandes []segur.Demande
	var numeros []string
	d.Lignes = nil
	for i, l := range lignes {
		numeros = append(numeros, l.numero)
		ld := segur.LigneDepot{NumLigne: i + 1, NumeroEditeur: l.numero, Code: l.code}
		if l.code == "" {
			seq, err := tx.NextASP(ctx)
			if err != nil {
				return nil, err
			}
			ld.Code, ld.Libelle, ld.NumeroASP = hop.CodeAcceptee, hop.LibelleAcceptee, segur.FormatNumeroASP(d.Date.Annee, seq)
			demandes = append(demandes, segur.Demande{NumeroASP: ld.NumeroASP, DepotID: d.ID, FournisseurID: d.FournisseurID,
				NumeroAns: d.NumeroAns, Logiciel: d.Logiciel, Statut: segur.DemandeDeposee, DonneesDemande: donnees(i+1, l.numero)})
		} else {
			ld.Libelle = hop.Erreur{Code: l.code, Balise: "piecesJustificatives[0]", Offset: -1}.Libelle()
		}
		d.Lignes = append(d.Lignes, ld)
	}
	if d.Statut == segur.DepotTraite {
		d.Retour = segur.BlobRef{SHA256: sha("retour " + d.NomFichier), Taille: 1100}
	}
	if err := tx.FinishDepot(ctx, d, demandes, numeros); err != nil {
		return nil, err
	}
	return demandes, nil
}

// inTx runs fn in a deposit transaction of vendor f and fails the test on
// an error.
func inTx(t testing.TB, db *DB, ctx context.Context, f segur.FournisseurID, fn func(tx segur.DepotTx) error) {
	t.Helper()
	if err := db.WithDepotTx(ctx, f, func(_ context.Context, tx segur.DepotTx) error { return fn(tx) }); err != nil {
		t.Fatalf("WithDepotTx: %v", err)
	}
}

// assertNothingRecorded checks vendor f has no deposit, request or
// numeroEditeur.
func assertNothingRecorded(t testing.TB, db *DB, f segur.FournisseurID) {
	t.Helper()
	ctx := context.Background()
	ds, n, err := db.FindDepots(ctx, f, 0, 0)
	if err != nil || n != 0 || len(ds) != 0 {
		t.Errorf("FindDepots: got %d of %d, %v; want none", len(ds), n, err)
	}
	dms, n, err := db.FindDemandes(ctx, segur.DemandeFilter{FournisseurID: f})
	if err != nil || n != 0 || len(dms) != 0 {
		t.Errorf("FindDemandes: got %d of %d, %v; want none", len(dms), n, err)
	}
	ns, err := db.FindNumerosEditeur(ctx, f)
	if err != nil || len(ns) != 0 {
		t.Errorf("FindNumerosEditeur: got %q, %v; want none", ns, err)
	}
}

// runDepotSuite tests the deposits' store (segur.DepotStore), on SQLite and
// on PostgreSQL. open returns a fresh, migrated store for one test.
func runDepotSuite(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("depot round trip", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		d := nouveauDepot(f.ID, 1, "json", "zip")
		d.Recu = time.Date(2026, 6, 2, 0, 30, 0, 123456789, time.FixedZone("CEST", 2*3600))
		demandes := enregistrer(t, db, ctx, d, ligne{"00001", ""}, ligne{"xyz99", hop.CodePieceAbsente}, ligne{"abc12", ""})

		if d.ID == 0 {
			t.Fatal("CreateDepot: got ID 0, want it set")
		}
		if want := time.Date(2026, 6, 1, 22, 30, 0, 123456000, time.UTC); d.Recu != want {
			t.Errorf("Recu after CreateDepot: got %v, want %v (UTC, to the microsecond)", d.Recu, want)
		}
		if len(demandes) != 2 {
			t.Fatalf("got %d requests, want 2", len(demandes))
		}
		for _, dm := range demandes {
			if dm.ID == 0 {
				t.Errorf("demande %s: got ID 0, want it set", dm.NumeroASP)
			}
			assertStamp(t, "CreeLe of "+dm.NumeroASP, dm.CreeLe)
		}

		got, err := db.FindDepotByID(ctx, d.ID)
		if err != nil {
			t.Fatalf("FindDepotByID: %v", err)
		}
		if !reflect.DeepEqual(got, d) {
			t.Errorf("FindDepotByID:\ngot  %+v\nwant %+v", got, d)
		}
		for _, dm := range demandes {
			got, err := db.FindDemandeByASP(ctx, dm.NumeroASP)
			if err != nil {
				t.Fatalf("FindDemandeByASP(%s): %v", dm.NumeroASP, err)
			}
			if !reflect.DeepEqual(*got, dm) {
				t.Errorf("FindDemandeByASP(%s):\ngot  %+v\nwant %+v", dm.NumeroASP, *got, dm)
			}
		}
		all, total, err := db.FindDemandes(ctx, segur.DemandeFilter{FournisseurID: f.ID})
		if err != nil || total != 2 || !reflect.DeepEqual(all, demandes) {
			t.Errorf("FindDemandes: got %+v, %d, %v; want %+v, 2", all, total, err, demandes)
		}
		ns, err := db.FindNumerosEditeur(ctx, f.ID)
		if want := []string{"00001", "xyz99", "abc12"}; err != nil || !reflect.DeepEqual(ns, want) {
			t.Errorf("FindNumerosEditeur: got %q, %v; want %q", ns, err, want)
		}

		evs := assertEvents(t, db, fmt.Sprintf("depot:%d", d.ID), "depot.deposer")
		if want := `{"statut":"traite","lignes":3,"acceptees":2}`; evs[0].Details != want {
			t.Errorf("details: got %s, want %s", evs[0].Details, want)
		}

		// Without optional parts: no mandataire, no scenario, no operator.
		e := nouveauDepot(f.ID, 2, "json 2", "")
		inTx(t, db, ctx, f.ID, func(tx segur.DepotTx) error {
			if err := tx.CreateDepot(ctx, e); err != nil {
				return err
			}
			seq, err := tx.NextASP(ctx)
			if err != nil {
				return err
			}
			dd := donnees(1, "MIN01")
			dd.Mandataire, dd.Scenario, dd.OperateurMessagerie = nil, nil, ""
			dm := segur.Demande{NumeroASP: segur.FormatNumeroASP(2026, seq), DepotID: e.ID, FournisseurID: f.ID, NumeroAns: e.NumeroAns,
				Logiciel: e.Logiciel, Statut: segur.DemandeDeposee, DonneesDemande: dd}
			e.Lignes = []segur.LigneDepot{{NumLigne: 1, NumeroEditeur: "MIN01", Code: hop.CodeAcceptee, Libelle: hop.LibelleAcceptee, NumeroASP: dm.NumeroASP}}
			demandes = []segur.Demande{dm}
			return tx.FinishDepot(ctx, e, demandes, []string{"MIN01"})
		})
		got, err = db.FindDepotByID(ctx, e.ID)
		if err != nil || !reflect.DeepEqual(got, e) {
			t.Errorf("FindDepotByID without zip: got %+v, %v; want %+v", got, err, e)
		}
		dm, err := db.FindDemandeByASP(ctx, demandes[0].NumeroASP)
		if err != nil || !reflect.DeepEqual(*dm, demandes[0]) {
			t.Errorf("FindDemandeByASP without optional parts: got %+v, %v; want %+v", dm, err, demandes[0])
		}
	})

	t.Run("rejected depot", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		for _, motif := range []*hop.Erreur{
			{Code: hop.CodeSyntaxe, Valeur: "« } »", P1: "une valeur", Offset: 57, Ligne: 3, Colonne: 12},
			{Code: hop.CodeNomFichierOrdre, Valeur: "001", P1: "002", Offset: -1},
		} {
			t.Run(motif.Code, func(t *testing.T) {
				d := nouveauDepot(f.ID, 0, "rejet "+motif.Code, "")
				d.Statut, d.Motif = segur.DepotRejete, motif
				enregistrer(t, db, ctx, d)
				got, err := db.FindDepotByID(ctx, d.ID)
				if err != nil {
					t.Fatalf("FindDepotByID: %v", err)
				}
				if !reflect.DeepEqual(got, d) {
					t.Errorf("FindDepotByID:\ngot  %+v\nwant %+v", got, d)
				}
				if got.Motif == nil || got.Motif.Libelle() != motif.Libelle() {
					t.Errorf("Motif.Libelle(): got %+v, want %q", got.Motif, motif.Libelle())
				}
				var ordinal, retour any
				var libelle string
				if err := db.r.QueryRowContext(ctx, `SELECT ordinal, retour_sha256, motif_libelle FROM depots WHERE id = $1`, int64(d.ID)).Scan(&ordinal, &retour, &libelle); err != nil {
					t.Fatal(err)
				}
				if ordinal != nil || retour != nil || libelle != motif.Libelle() {
					t.Errorf("columns: got ordinal %v, retour %v, label %q; want NULL, NULL, %q", ordinal, retour, libelle, motif.Libelle())
				}
				evs := assertEvents(t, db, fmt.Sprintf("depot:%d", d.ID), "depot.deposer")
				if want := `{"statut":"rejete","lignes":0,"acceptees":0}`; evs[0].Details != want {
					t.Errorf("details: got %s, want %s", evs[0].Details, want)
				}
			})
		}
		// Rejected files use no ordinal: the day's first is still free.
		inTx(t, db, ctx, f.ID, func(tx segur.DepotTx) error {
			pris, libre, err := tx.OrdinalPris(ctx, "1234567890", juin2, 1)
			if err != nil || pris || libre != 1 {
				t.Errorf("OrdinalPris(001) after rejected files only: got %v, %d, %v; want false, 1", pris, libre, err)
			}
			return nil
		})
		if ns, err := db.FindNumerosEditeur(ctx, f.ID); err != nil || len(ns) != 0 {
			t.Errorf("FindNumerosEditeur after rejected files only: got %q, %v; want none", ns, err)
		}
	})

	t.Run("ordinal taken and next free", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		for _, o := range []int{1, 2, 4} {
			enregistrer(t, db, ctx, nouveauDepot(f.ID, o, fmt.Sprint("json ", o), ""), ligne{fmt.Sprintf("N%04d", o), ""})
		}
		juin3 := hop.Date{Annee: 2026, Mois: 6, Jour: 3}
		inTx(t, db, ctx, f.ID, func(tx segur.DepotTx) error {
			for _, tt := range []struct {
				ans     string
				date    hop.Date
				ordinal int
				pris    bool
				libre   int
			}{
				{"1234567890", juin2, 1, true, 3},
				{"1234567890", juin2, 2, true, 3},
				{"1234567890", juin2, 3, false, 3},
				{"1234567890", juin2, 4, true, 3},
				{"1234567890", juin2, 5, false, 3},
				{"1234567890", juin3, 1, false, 1},
				{"0000000001", juin2, 1, false, 1},
			} {
				pris, libre, err := tx.OrdinalPris(ctx, tt.ans, tt.date, tt.ordinal)
				if err != nil || pris != tt.pris || libre != tt.libre {
					t.Errorf("OrdinalPris(%s, %s, %03d): got %v, %d, %v; want %v, %d", tt.ans, tt.date, tt.ordinal, pris, libre, err, tt.pris, tt.libre)
				}
			}
			return nil
		})
		// The store refuses a taken ordinal even when asked to insert it.
		err := db.WithDepotTx(ctx, f.ID, func(ctx context.Context, tx segur.DepotTx) error {
			_, err := remplir(ctx, tx, nouveauDepot(f.ID, 2, "json bis", ""), ligne{"BIS01", ""})
			return err
		})
		assertCode(t, err, segur.ECONFLICT)
		if ns, _ := db.FindNumerosEditeur(ctx, f.ID); len(ns) != 3 {
			t.Errorf("FindNumerosEditeur after a refused ordinal: got %q, want the 3 first", ns)
		}
	})

	t.Run("numeroEditeur used, case-insensitively", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f, g := fixture(t, db, "88558855858745"), fixture(t, db, "73282932000074")
		enregistrer(t, db, ctx, nouveauDepot(f.ID, 1, "json", ""), ligne{"abC12", ""}, ligne{"REJ01", hop.CodePieceAbsente})
		inTx(t, db, ctx, f.ID, func(tx segur.DepotTx) error {
			for _, tt := range []struct {
				f      segur.FournisseurID
				numero string
				want   bool
			}{
				{f.ID, "abC12", true},
				{f.ID, "ABC12", true},
				{f.ID, "abc12", true},
				{f.ID, "rej01", true}, // used by a rejected request all the same
				{f.ID, "abc13", false},
				{g.ID, "abc12", false},
			} {
				got, err := tx.NumeroEditeurUtilise(ctx, tt.f, tt.numero)
				if err != nil || got != tt.want {
					t.Errorf("NumeroEditeurUtilise(%d, %s): got %v, %v; want %v", tt.f, tt.numero, got, err, tt.want)
				}
			}
			return nil
		})
		// The safety net: FinishDepot refuses an accepted request whose
		// number was already used.
		err := db.WithDepotTx(ctx, f.ID, func(ctx context.Context, tx segur.DepotTx) error {
			_, err := remplir(ctx, tx, nouveauDepot(f.ID, 2, "json 2", ""), ligne{"ABC12", ""})
			return err
		})
		assertCode(t, err, segur.ECONFLICT)
		// Another vendor may use it.
		gd := nouveauDepot(g.ID, 1, "json g", "")
		gd.NumeroAns = "0000000001"
		enregistrer(t, db, ctx, gd, ligne{"abc12", ""})
		ns, err := db.FindNumerosEditeur(ctx, f.ID)
		if want := []string{"abC12", "REJ01"}; err != nil || !reflect.DeepEqual(ns, want) {
			t.Errorf("FindNumerosEditeur: got %q, %v; want %q", ns, err, want)
		}
	})

	t.Run("identical depot", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f, g := fixture(t, db, "88558855858745"), fixture(t, db, "73282932000074")
		avecZip := nouveauDepot(f.ID, 1, "json 1", "zip 1")
		sansZip := nouveauDepot(f.ID, 2, "json 2", "")
		rejete := nouveauDepot(f.ID, 0, "json 3", "zip 3")
		rejete.Statut, rejete.Motif = segur.DepotRejete, &hop.Erreur{Code: hop.CodeZipIllisible, Offset: -1}
		for _, d := range []*segur.Depot{avecZip, sansZip, rejete} {
			enregistrer(t, db, ctx, d)
		}
		// A later copy of sansZip: the first one is the answer.
		enregistrer(t, db, ctx, nouveauDepot(f.ID, 3, "json 2", ""))
		inTx(t, db, ctx, f.ID, func(tx segur.DepotTx) error {
			for _, tt := range []struct {
				name      string
				f         segur.FournisseurID
				json, zip string
				want      segur.DepotID
			}{
				{"same json and zip", f.ID, sha("json 1"), sha("zip 1"), avecZip.ID},
				{"same json, no zip", f.ID, sha("json 1"), "", 0},
				{"same json, other zip", f.ID, sha("json 1"), sha("zip 2"), 0},
				{"same json, both without zip", f.ID, sha("json 2"), "", sansZip.ID},
				{"same json, a zip this time", f.ID, sha("json 2"), sha("zip 1"), 0},
				{"same files as a rejected depot", f.ID, sha("json 3"), sha("zip 3"), 0},
				{"another vendor", g.ID, sha("json 1"), sha("zip 1"), 0},
			} {
				id, ok, err := tx.FindDepotIdentique(ctx, tt.f, tt.json, tt.zip)
				if err != nil || ok != (tt.want != 0) || id != tt.want {
					t.Errorf("FindDepotIdentique %s: got %d, %v, %v; want %d", tt.name, id, ok, err, tt.want)
				}
			}
			return nil
		})
	})

	t.Run("ASP sequence", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		var seqs []int64
		next := func(tx segur.DepotTx) int64 {
			v, err := tx.NextASP(ctx)
			if err != nil {
				t.Fatalf("NextASP: %v", err)
			}
			return v
		}
		inTx(t, db, ctx, f.ID, func(tx segur.DepotTx) error {
			for range 3 {
				seqs = append(seqs, next(tx))
			}
			return nil
		})
		var perdu int64
		boom := errors.New("boom")
		if err := db.WithDepotTx(ctx, f.ID, func(ctx context.Context, tx segur.DepotTx) error {
			perdu = next(tx)
			return boom
		}); err != boom {
			t.Fatalf("WithDepotTx: got %v, want boom", err)
		}
		inTx(t, db, ctx, f.ID, func(tx segur.DepotTx) error {
			seqs = append(seqs, next(tx))
			return nil
		})
		for i := 1; i < len(seqs); i++ {
			if seqs[i] <= seqs[i-1] {
				t.Errorf("NextASP: got %v, want strictly increasing values", seqs)
			}
		}
		if seqs[0] < 1 {
			t.Errorf("NextASP: got first %d, want at least 1", seqs[0])
		}
		// PostgreSQL never gives a value twice; SQLite may give again a
		// value whose transaction rolled back, which nobody saw.
		if db.dialect == dialectPostgres && seqs[3] <= perdu {
			t.Errorf("NextASP after a rollback: got %d, want more than the rolled-back %d", seqs[3], perdu)
		}
	})

	t.Run("fn error rolls back", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		boom := errors.New("boom")
		conflit := segur.Errorf(segur.ECONFLICT, "déjà déposé")
		for _, want := range []error{boom, conflit} {
			var d *segur.Depot
			err := db.WithDepotTx(ctx, f.ID, func(ctx context.Context, tx segur.DepotTx) error {
				d = nouveauDepot(f.ID, 1, "json", "")
				if _, err := remplir(ctx, tx, d, ligne{"00001", ""}, ligne{"00002", hop.CodePieceAbsente}); err != nil {
					t.Fatalf("remplir: %v", err)
				}
				return want
			})
			if err != want {
				t.Fatalf("WithDepotTx: got %v (%T), want fn's error unchanged", err, err)
			}
			assertNothingRecorded(t, db, f.ID)
			if _, err := db.FindDepotByID(ctx, d.ID); !segur.IsCode(err, segur.ENOTFOUND) {
				t.Errorf("FindDepotByID(%d) after rollback: got %v, want ENOTFOUND", d.ID, err)
			}
			assertEvents(t, db, fmt.Sprintf("depot:%d", d.ID))
			inTx(t, db, ctx, f.ID, func(tx segur.DepotTx) error {
				if used, err := tx.NumeroEditeurUtilise(ctx, f.ID, "00001"); err != nil || used {
					t.Errorf("NumeroEditeurUtilise after rollback: got %v, %v; want false", used, err)
				}
				if pris, _, err := tx.OrdinalPris(ctx, "1234567890", juin2, 1); err != nil || pris {
					t.Errorf("OrdinalPris after rollback: got %v, %v; want false", pris, err)
				}
				return nil
			})
		}
	})

	t.Run("find demandes and depots", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f, g := fixture(t, db, "88558855858745"), fixture(t, db, "73282932000074")
		var ds []*segur.Depot
		var fs, gs []segur.Demande
		for i := range 3 {
			d := nouveauDepot(f.ID, i+1, fmt.Sprint("json f ", i), "")
			fs = append(fs, enregistrer(t, db, ctx, d, ligne{fmt.Sprintf("F%d001", i), ""}, ligne{fmt.Sprintf("F%d002", i), ""})...)
			ds = append(ds, d)
		}
		gd := nouveauDepot(g.ID, 1, "json g", "")
		gd.NumeroAns = "0000000001"
		gs = enregistrer(t, db, ctx, gd, ligne{"abc01", ""}, ligne{"G0002", hop.CodePieceAbsente}, ligne{"F0001", ""})
		all := append(append([]segur.Demande{}, fs...), gs...)

		for _, tt := range []struct {
			name   string
			filter segur.DemandeFilter
			want   []segur.Demande
			total  int
		}{
			{"all", segur.DemandeFilter{}, all, 8},
			{"vendor", segur.DemandeFilter{FournisseurID: f.ID}, fs, 6},
			{"first page", segur.DemandeFilter{FournisseurID: f.ID, Limit: 4}, fs[:4], 6},
			{"last page", segur.DemandeFilter{FournisseurID: f.ID, Limit: 4, Offset: 4}, fs[4:], 6},
			{"past the end", segur.DemandeFilter{FournisseurID: f.ID, Limit: 4, Offset: 8}, []segur.Demande{}, 6},
			{"ASP number", segur.DemandeFilter{NumeroASP: fs[3].NumeroASP}, fs[3:4], 1},
			{"ASP number of another vendor", segur.DemandeFilter{FournisseurID: g.ID, NumeroASP: fs[3].NumeroASP}, []segur.Demande{}, 0},
			{"numeroEditeur, other case", segur.DemandeFilter{FournisseurID: g.ID, NumeroEditeur: "ABC01"}, gs[:1], 1},
			{"numeroEditeur of two vendors", segur.DemandeFilter{NumeroEditeur: "f0001"}, []segur.Demande{fs[0], gs[1]}, 2},
			{"numeroEditeur of a rejected request", segur.DemandeFilter{NumeroEditeur: "G0002"}, []segur.Demande{}, 0},
			{"statut", segur.DemandeFilter{FournisseurID: g.ID, Statut: segur.DemandeDeposee}, gs, 2},
			{"other statut", segur.DemandeFilter{Statut: "payee"}, []segur.Demande{}, 0},
		} {
			t.Run(tt.name, func(t *testing.T) {
				got, total, err := db.FindDemandes(ctx, tt.filter)
				if err != nil {
					t.Fatalf("FindDemandes: %v", err)
				}
				if total != tt.total || !reflect.DeepEqual(got, tt.want) {
					t.Errorf("FindDemandes(%+v): got %d of %d: %v; want %d of %d: %v", tt.filter, len(got), total, asps(got), len(tt.want), tt.total, asps(tt.want))
				}
			})
		}

		// Newest first, without their lines.
		var want []segur.Depot
		for i := len(ds) - 1; i >= 0; i-- {
			d := *ds[i]
			d.Lignes = nil
			want = append(want, d)
		}
		for _, tt := range []struct {
			limit, offset int
			want          []segur.Depot
		}{
			{0, 0, want},
			{2, 0, want[:2]},
			{2, 2, want[2:]},
			{2, 4, []segur.Depot{}},
		} {
			got, total, err := db.FindDepots(ctx, f.ID, tt.limit, tt.offset)
			if err != nil || total != 3 || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("FindDepots(%d, %d): got %+v, %d, %v; want %+v, 3", tt.limit, tt.offset, got, total, err, tt.want)
			}
		}
		got, total, err := db.FindDepots(ctx, 999999, 10, 0)
		if err != nil || total != 0 || got == nil || len(got) != 0 {
			t.Errorf("FindDepots of an unknown vendor: got %v, %d, %v; want an empty slice", got, total, err)
		}
		ns, err := db.FindNumerosEditeur(ctx, 999999)
		if err != nil || ns == nil || len(ns) != 0 {
			t.Errorf("FindNumerosEditeur of an unknown vendor: got %v, %v; want an empty slice", ns, err)
		}
	})

	t.Run("depot errors", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		for _, tt := range []struct {
			name string
			fn   func() error
			want segur.ErrorCode
			msg  string
		}{
			{"unknown depot", func() error { _, err := db.FindDepotByID(ctx, 999999); return err }, segur.ENOTFOUND, "dépôt 999999 introuvable"},
			{"unknown ASP number", func() error { _, err := db.FindDemandeByASP(ctx, "ASP-2026-9999999"); return err }, segur.ENOTFOUND, "demande ASP-2026-9999999 introuvable"},
			{"depot of an unknown vendor", func() error {
				return db.WithDepotTx(ctx, 999999, func(ctx context.Context, tx segur.DepotTx) error {
					return tx.CreateDepot(ctx, nouveauDepot(999999, 1, "json", ""))
				})
			}, segur.ENOTFOUND, "999999"},
			{"finish an unknown depot", func() error {
				return db.WithDepotTx(ctx, f.ID, func(ctx context.Context, tx segur.DepotTx) error {
					d := nouveauDepot(f.ID, 1, "json", "")
					d.ID = 999999
					return tx.FinishDepot(ctx, d, nil, nil)
				})
			}, segur.ENOTFOUND, "999999"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				err := tt.fn()
				assertCode(t, err, tt.want)
				if !strings.Contains(err.Error(), tt.msg) {
					t.Errorf("got message %q, want it to contain %q", err, tt.msg)
				}
			})
		}
		assertNothingRecorded(t, db, f.ID)
	})

	t.Run("same numeroEditeur at once", func(t *testing.T) {
		// Eight deposits of one vendor check numeroEditeur 00001 and, if
		// unused, record it: the lock makes them run one after the other,
		// so exactly one records it and none fails.
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		const n = 8
		errs := make([]error, n)
		recorded := make([]bool, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				errs[i] = db.WithDepotTx(ctx, f.ID, func(ctx context.Context, tx segur.DepotTx) error {
					used, err := tx.NumeroEditeurUtilise(ctx, f.ID, "00001")
					if err != nil || used {
						return err
					}
					// Each its own ordinal: only numeros_editeur could clash.
					if _, err := remplir(ctx, tx, nouveauDepot(f.ID, i+1, fmt.Sprint("json ", i), ""), ligne{"00001", ""}); err != nil {
						return err
					}
					recorded[i] = true
					return nil
				})
			})
		}
		wg.Wait()
		ok := 0
		for i, err := range errs {
			if err != nil {
				t.Errorf("WithDepotTx %d: %v", i, err)
			}
			if recorded[i] {
				ok++
			}
		}
		if ok != 1 {
			t.Errorf("got %d deposits recording 00001, want exactly 1", ok)
		}
		if _, total, err := db.FindDepots(ctx, f.ID, 0, 0); err != nil || total != 1 {
			t.Errorf("FindDepots: got %d, %v; want 1", total, err)
		}
		if ns, err := db.FindNumerosEditeur(ctx, f.ID); err != nil || !reflect.DeepEqual(ns, []string{"00001"}) {
			t.Errorf("FindNumerosEditeur: got %q, %v; want [00001]", ns, err)
		}
	})
}

// asps lists the ASP numbers of ds, for messages.
func asps(ds []segur.Demande) []string {
	out := []string{}
	for _, d := range ds {
		out = append(out, d.NumeroASP)
	}
	return out
}
