package sqlstore

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// runChaineSuite tests the audit log's hash chain.
func runChaineSuite(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("chain: every event linked, in id order", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		for i := range 3 {
			fixture(t, db, fmt.Sprintf("%014d", i+1))
		}
		v := assertChaine(t, db, 3)
		tete, valeur, err := db.TeteChaine(ctx)
		if err != nil {
			t.Fatalf("TeteChaine: %v", err)
		}
		if tete.ID != v.Dernier.ID || tete.Action != "fournisseur.creer" {
			t.Errorf("TeteChaine: got event %d %s, want %d fournisseur.creer", tete.ID, tete.Action, v.Dernier.ID)
		}
		// The head's link, recomputed from the events as they read.
		m := segur.ChaineOrigine()
		evs, err := queryAll(ctx, db.r, scanEvenement, "evenements", `SELECT id, quand, login, adresse, action, objet, details FROM evenements ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		for i := range evs {
			m = evs[i].Maillon(m)
		}
		if !bytes.Equal(m, valeur) {
			t.Errorf("head's link: got %x, want %x", valeur, m)
		}
	})

	t.Run("chain: a rolled-back change leaves no event", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		fixture(t, db, "88558855858745")
		err := db.CreateFournisseur(ctx, &segur.Fournisseur{SIRET: "88558855858745", Nom: "Doublon", Email: "d@example.org"})
		assertCode(t, err, segur.ECONFLICT)
		fixture(t, db, "73282932000074")
		assertChaine(t, db, 2)
	})

	t.Run("chain: events written without a link are chained", func(t *testing.T) {
		// As by a portal of an earlier version, or before migration 0015:
		// the next change, and Migrate, chain them, in id order.
		t.Parallel()
		db, ctx := open(t), testContext(t)
		fixture(t, db, "88558855858745")
		brut := func() {
			t.Helper()
			if _, err := db.w.ExecContext(ctx, `INSERT INTO evenements (quand, login, adresse, action, objet, details) VALUES ($1, 'ancien', '', 'ancien.ecrire', 'ancien:1', '{"a":1}')`, stored); err != nil {
				t.Fatal(err)
			}
		}
		brut()
		brut()
		if v, err := db.VerifyChaine(ctx, nil); err != nil || v.NRuptures != 2 {
			t.Fatalf("VerifyChaine with 2 events without a link: got %+v, %v; want 2 breaks", v, err)
		} else if !strings.Contains(v.Ruptures[0].Cause, "pas de maillon") {
			t.Errorf("break: got %q, want « pas de maillon »", v.Ruptures[0].Cause)
		}
		fixture(t, db, "73282932000074")
		assertChaine(t, db, 4)
		brut()
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		assertChaine(t, db, 5)
	})
}

// testEcrivainsConcurrents has eight writers write events at once, on two
// handles of one database (two servers): the chain stays one sequence in
// id order, without a fork or a failed write.
func testEcrivainsConcurrents(t *testing.T, a, b *DB) {
	ctx := testContext(t)
	const writers, each = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		db := a
		if w%2 == 1 {
			db = b
		}
		wg.Go(func() {
			for i := range each {
				errs <- db.CreateFournisseur(ctx, &segur.Fournisseur{SIRET: fmt.Sprintf("%07d%07d", w+1, i+1), Nom: "Éditeur", Email: "contact@editeur.example"})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("CreateFournisseur: %v", err)
		}
	}
	assertChaine(t, a, writers*each)
}

// assertChaine checks that the whole chain holds, over n events.
func assertChaine(t *testing.T, db *DB, n int64) *VerificationChaine {
	t.Helper()
	v, err := db.VerifyChaine(t.Context(), nil)
	if err != nil {
		t.Fatalf("VerifyChaine: %v", err)
	}
	if v.NRuptures != 0 || v.Evenements != n {
		t.Fatalf("VerifyChaine: got %d events, breaks %+v; want %d events, no break", v.Evenements, v.Ruptures, n)
	}
	return v
}

// BenchmarkEcritureAuditee measures a change and its audit event (and its
// link): CreateFournisseur, on SQLite and, when there, PostgreSQL.
func BenchmarkEcritureAuditee(b *testing.B) {
	for _, tt := range []struct {
		name string
		url  func(b *testing.B) string
	}{
		{"sqlite", func(b *testing.B) string { return filepath.Join(b.TempDir(), "segur.db") }},
		{"postgres", func(b *testing.B) string { return segurtest.FreshSchema(b, segurtest.PostgresDSN(b)) }},
	} {
		b.Run(tt.name, func(b *testing.B) {
			db, err := Open(b.Context(), tt.url(b), testNow)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if err := db.Migrate(b.Context()); err != nil {
				b.Fatal(err)
			}
			ctx := segur.WithActeur(b.Context(), acteur)
			i := 0
			for b.Loop() {
				i++
				if err := db.CreateFournisseur(ctx, &segur.Fournisseur{SIRET: fmt.Sprintf("%014d", i), Nom: "Éditeur", Email: "contact@editeur.example"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
