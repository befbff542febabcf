package sqlstore

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// TestVerify: a healthy store passes; a sequence behind its numbers, an
// impId given twice and a dropped trigger are each reported, on both
// dialects.
func TestVerify(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		testVerify(t, openMigrated(t, "sqlite://"+filepath.Join(t.TempDir(), "segur.db")))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		testVerify(t, openMigrated(t, segurtest.FreshSchema(t, segurtest.PostgresDSN(t))))
	})
}

func testVerify(t *testing.T, db *DB) {
	ctx := segur.WithActeur(context.Background(), acteur)
	verifier := func(want ...string) {
		t.Helper()
		v, err := db.Verify(ctx)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if v.Integrite == "" {
			t.Error("got no description of the integrity check, want one")
		}
		if len(v.Problemes) != len(want) {
			t.Fatalf("got problems %q, want %d containing %q", v.Problemes, len(want), want)
		}
		for i, w := range want {
			if !strings.Contains(v.Problemes[i], w) {
				t.Errorf("problem %d: got %q, want it to contain %q", i, v.Problemes[i], w)
			}
		}
	}
	exec := func(q string, args ...any) error {
		t.Helper()
		_, err := db.w.ExecContext(ctx, q, args...)
		return err
	}
	prendreIMP := func() {
		t.Helper()
		if err := db.withSequences(ctx, func(q querier) error { _, err := db.nextIMP(ctx, q); return err }); err != nil {
			t.Fatal(err)
		}
	}

	verifier()

	// The fixtures' impIds are their deposits' ids, not taken from the
	// sequence: it is behind until it gives as many.
	f := fixture(t, db, "88558855858745")
	d1 := nouveauDepot(f.ID, 1, "fichier 1", "zip 1")
	enregistrer(t, db, ctx, d1, ligne{numero: "00001"}, ligne{numero: "00002"})
	verifier("séquence imp_seq en retard")
	prendreIMP()
	verifier()

	d2 := nouveauDepot(f.ID, 2, "fichier 2", "")
	enregistrer(t, db, ctx, d2, ligne{numero: "00003"})
	prendreIMP()
	verifier()

	// Every row's reference to a stored file, by table, column and row.
	refs, err := db.FindBlobsReferenceRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := map[BlobReference]bool{}
	for _, r := range refs {
		found[r] = true
	}
	for _, want := range []BlobReference{
		{"depots", "json_sha256", int64(d1.ID), sha("fichier 1")},
		{"depots", "zip_sha256", int64(d1.ID), sha("zip 1")},
		{"depots", "retour_sha256", int64(d2.ID), d2.Retour.SHA256},
	} {
		if !found[want] {
			t.Errorf("FindBlobsReferenceRows: got %+v, want %+v among them", refs, want)
		}
	}
	if len(refs) != 5 {
		t.Errorf("FindBlobsReferenceRows: got %d references, want 5", len(refs))
	}

	// The same impId twice.
	if err := exec(`UPDATE depots SET imp_id = $1 WHERE id = $2`, d1.ImpID, d2.ID); err != nil {
		t.Fatal(err)
	}
	verifier("référence de dépôt " + d1.ImpID + " donné deux fois")
	if err := exec(`UPDATE depots SET imp_id = $1 WHERE id = $2`, d2.ImpID, d2.ID); err != nil {
		t.Fatal(err)
	}
	verifier()

	// The audit log refuses a change while its trigger is there; once it
	// is dropped, a change goes through, and verify reports the trigger.
	if err := exec(`UPDATE evenements SET action = 'falsifie'`); !refusedByTrigger(err) {
		t.Fatalf("UPDATE evenements with its trigger: got %v, want refused by the trigger", err)
	}
	if err := exec(`DROP TRIGGER evenements_sans_modification` + map[dialect]string{dialectPostgres: " ON evenements"}[db.dialect]); err != nil {
		t.Fatal(err)
	}
	if err := exec(`UPDATE evenements SET action = 'falsifie'`); err != nil {
		t.Fatalf("UPDATE evenements without its trigger: %v", err)
	}
	verifier("déclencheur evenements_sans_modification absent : la table evenements")
}

// TestExpectedTriggers: the triggers read from the migrations hold those
// of the append-only tables, on their tables, on both dialects.
func TestExpectedTriggers(t *testing.T) {
	for _, d := range []dialect{dialectSQLite, dialectPostgres} {
		want, err := expectedTriggers(d)
		if err != nil {
			t.Fatal(err)
		}
		for n, table := range map[string]string{
			"evenements_sans_modification":         "evenements",
			"demande_historique_sans_modification": "demande_historique",
			"documents_sans_modification":          "documents",
			"avis_paiement_sans_modification":      "avis_paiement",
			"controle_messages_sans_modification":  "controle_messages",
			"pieces_versions_sans_modification":    "pieces_versions",
			"soldes_sans_modification":             "soldes",
			"tirages_sans_modification":            "tirages",
			"controle_pieces_sans_modification":    "controle_pieces",
			"controles_sans_suppression":           "controles",
			"demande_historique_sans_" + map[dialect]string{dialectSQLite: "suppression", dialectPostgres: "vidage"}[d]: "demande_historique",
		} {
			if want[n] != table {
				t.Errorf("%s: trigger %s: got table %q, want %q", d, n, want[n], table)
			}
		}
	}
}
