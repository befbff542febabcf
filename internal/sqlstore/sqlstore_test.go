package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/segurtest"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/segur-numerique/segur"
)

// testNow is the clock of every test store: a time outside UTC, with
// nanoseconds, to check that the store keeps UTC to the microsecond.
func testNow() time.Time {
	return time.Date(2026, 3, 1, 10, 0, 0, 123456789, time.FixedZone("CET", 3600))
}

// stored is testNow as the store keeps it.
var stored = time.Date(2026, 3, 1, 9, 0, 0, 123456000, time.UTC)

// acteur is who makes the tests' changes.
var acteur = segur.Acteur{Login: "admin@ans.example", Adresse: "192.0.2.10"}

func testContext(t *testing.T) context.Context {
	return segur.WithActeur(t.Context(), acteur)
}

func TestSQLite(t *testing.T) {
	runSuite(t, func(t *testing.T) *DB {
		return openMigrated(t, "sqlite://"+filepath.Join(t.TempDir(), "segur.db"))
	})

	t.Run("durability settings", func(t *testing.T) {
		t.Parallel()
		db := openMigrated(t, filepath.Join(t.TempDir(), "segur.db"))
		ctx := t.Context()
		for _, tt := range []struct {
			pool   *sql.DB
			pragma string
			want   string
		}{
			{db.w, "journal_mode", "wal"},
			{db.w, "synchronous", "2"},
			{db.w, "foreign_keys", "1"},
			{db.w, "busy_timeout", "10000"},
			{db.r, "journal_mode", "wal"},
			{db.r, "foreign_keys", "1"},
			{db.r, "busy_timeout", "10000"},
			{db.r, "query_only", "1"},
		} {
			pool := "writer"
			if tt.pool == db.r {
				pool = "reader"
			}
			var got string
			if err := tt.pool.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatalf("%s PRAGMA %s: %v", pool, tt.pragma, err)
			}
			if got != tt.want {
				t.Errorf("%s PRAGMA %s: got %s, want %s", pool, tt.pragma, got, tt.want)
			}
		}
		if got := db.w.Stats().MaxOpenConnections; got != 1 {
			t.Errorf("writer pool: got %d connections at most, want 1", got)
		}
	})

	t.Run("chain: two processes write events at once", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "segur.db")
		testEcrivainsConcurrents(t, openMigrated(t, path), openMigrated(t, path))
	})

	t.Run("two processes write at once", func(t *testing.T) {
		// Two handles on one file stand for segur serve and segur admin:
		// BEGIN IMMEDIATE and busy_timeout make them wait, not fail.
		t.Parallel()
		path := filepath.Join(t.TempDir(), "segur.db")
		a, b := openMigrated(t, path), openMigrated(t, path)
		ctx := testContext(t)
		const n = 40
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for i := range n {
			db := a
			if i%2 == 1 {
				db = b
			}
			wg.Go(func() {
				errs <- db.CreateFournisseur(ctx, &segur.Fournisseur{SIRET: fmt.Sprintf("%014d", i+1), Nom: "Éditeur", Email: "contact@editeur.example"})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("CreateFournisseur: %v", err)
			}
		}
		fs, err := b.FindFournisseurs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != n {
			t.Errorf("got %d vendors, want %d", len(fs), n)
		}
	})

	t.Run("concurrent migrate", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "segur.db")
		migrateConcurrently(t, openUnmigrated(t, path), openUnmigrated(t, path))
	})

	t.Run("migration 0025: tokens' expiry", func(t *testing.T) {
		t.Parallel()
		testMigrationJetons(t, openUnmigrated(t, filepath.Join(t.TempDir(), "segur.db")))
	})

	t.Run("migration 0030: bank details' expiry", func(t *testing.T) {
		t.Parallel()
		testMigrationBanque(t, openUnmigrated(t, filepath.Join(t.TempDir(), "segur.db")))
	})
}

// testMigrationJetons migrates db up to 0024, records a token three years
// old as a portal of that version did, then migrates on: 0025 gives the
// token a year from the migration, not from its creation, so that it does
// not expire on the upgrade.
func testMigrationJetons(t *testing.T, db *DB) {
	t.Helper()
	ctx := testContext(t)
	ms, err := migrations(db.dialect)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(ms, func(m migration) bool { return strings.HasPrefix(m.version, "0025_") })
	if i < 0 {
		t.Fatal("no migration 0025")
	}
	for _, m := range ms[:i] {
		if err := db.write(ctx, func(tx *sql.Tx) error { return db.apply(ctx, tx, m) }); err != nil {
			t.Fatalf("migration %s: %v", m.version, err)
		}
	}
	f := &segur.Fournisseur{SIRET: "88558855858745", Nom: "Éditeur", Email: "contact@editeur.example"}
	if err := db.CreateFournisseur(ctx, f); err != nil {
		t.Fatal(err)
	}
	cree := stored.AddDate(-3, 0, 0)
	if _, err := db.w.ExecContext(ctx, `INSERT INTO jetons (fournisseur_id, empreinte, prefixe, cree_le) VALUES ($1, $2, 'sgr_ancien', $3)`,
		int64(f.ID), empreinte("sgr_ancien"), cree); err != nil {
		t.Fatal(err)
	}
	avant := time.Now()
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	apres := time.Now()
	js, err := db.FindJetons(ctx, f.ID)
	if err != nil || len(js) != 1 {
		t.Fatalf("FindJetons: %+v %v", js, err)
	}
	j := js[0]
	// The database's clock, not the store's: allow a little skew.
	if j.ExpireLe.Before(avant.AddDate(1, 0, 0).Add(-time.Minute)) || j.ExpireLe.After(apres.AddDate(1, 0, 0).Add(time.Minute)) || !j.CreeLe.Equal(cree) {
		t.Errorf("token after 0025: created %v, expires %v; want created %v, expiring a year after the migration (%v)", j.CreeLe, j.ExpireLe, cree, avant.AddDate(1, 0, 0))
	}
	if j.Expire(apres) {
		t.Errorf("token after 0025: expired at %v, want it valid for a year", apres)
	}
	// A token written without expiry is refused by the database (PostgreSQL)
	// or born expired (SQLite's default), never valid for ever.
	_, err = db.w.ExecContext(ctx, `INSERT INTO jetons (fournisseur_id, empreinte, prefixe, cree_le) VALUES ($1, $2, 'sgr_sansdate', $3)`,
		int64(f.ID), empreinte("sgr_sansdate"), stored)
	if err == nil {
		sans, err := db.FindJetonByEmpreinte(ctx, empreinte("sgr_sansdate"))
		if err != nil || !sans.Expire(stored) {
			t.Errorf("token written without expiry: %+v %v, want it expired", sans, err)
		}
	}
}

func TestPostgres(t *testing.T) {
	dsn := segurtest.PostgresDSN(t)
	runSuite(t, func(t *testing.T) *DB {
		return openMigrated(t, segurtest.FreshSchema(t, dsn))
	})

	t.Run("concurrent migrate", func(t *testing.T) {
		t.Parallel()
		u := segurtest.FreshSchema(t, dsn)
		migrateConcurrently(t, openUnmigrated(t, u), openUnmigrated(t, u))
	})

	t.Run("migration 0025: tokens' expiry", func(t *testing.T) {
		t.Parallel()
		testMigrationJetons(t, openUnmigrated(t, segurtest.FreshSchema(t, dsn)))
	})

	t.Run("migration 0030: bank details' expiry", func(t *testing.T) {
		t.Parallel()
		testMigrationBanque(t, openUnmigrated(t, segurtest.FreshSchema(t, dsn)))
	})

	t.Run("chain: two servers write events at once", func(t *testing.T) {
		t.Parallel()
		u := segurtest.FreshSchema(t, dsn)
		testEcrivainsConcurrents(t, openMigrated(t, u), openMigrated(t, u))
	})

	t.Run("bad address hides the password", func(t *testing.T) {
		t.Parallel()
		_, err := Open(t.Context(), "postgres://app:s3cr3t@127.0.0.1:1/app?sslmode=disable&connect_timeout=2", testNow)
		if err == nil {
			t.Fatal("got no error, want a connection error")
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("got %q, want an error without the password", err)
		}
	})
}

func openUnmigrated(t *testing.T, url string) *DB {
	t.Helper()
	db, err := Open(t.Context(), url, testNow)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

func openMigrated(t *testing.T, url string) *DB {
	t.Helper()
	db := openUnmigrated(t, url)
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return db
}

// migrateConcurrently migrates one database from two handles at once and
// checks each migration is applied once.
func migrateConcurrently(t *testing.T, a, b *DB) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, db := range []*DB{a, b} {
		wg.Go(func() { errs[i] = db.Migrate(t.Context()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate %d: %v", i, err)
		}
	}
	assertMigrated(t, a)
}

func assertMigrated(t *testing.T, db *DB) {
	t.Helper()
	ms, err := migrations(db.dialect)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.r.QueryRowContext(t.Context(), `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) {
		t.Errorf("schema_migrations: got %d rows, want %d", n, len(ms))
	}
}

func TestMigrationsPair(t *testing.T) {
	names := func(d dialect) []string {
		entries, err := fs.ReadDir(migrationFiles, "migrations/"+string(d))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	lite, pg := names(dialectSQLite), names(dialectPostgres)
	if len(lite) == 0 {
		t.Fatal("got no migration, want at least one")
	}
	if !reflect.DeepEqual(lite, pg) {
		t.Errorf("migrations: got sqlite %v and postgres %v, want the same names", lite, pg)
	}
	for _, d := range []dialect{dialectSQLite, dialectPostgres} {
		if _, err := migrations(d); err != nil {
			t.Errorf("%s: %v", d, err)
		}
	}
}

func TestOpenRefuses(t *testing.T) {
	for _, tt := range []struct{ name, url string }{
		{"unknown type", "mysql://root:s3cr3t@localhost/segur"},
		{"empty sqlite path", "sqlite://"},
		{"in memory", ":memory:"},
		{"query in path", "sqlite:///tmp/segur.db?_pragma=foreign_keys(0)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(t.Context(), tt.url, nil)
			if db != nil {
				db.Close()
			}
			assertCode(t, err, segur.EINVALID)
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("got %q, want a message without the password", err)
			}
		})
	}
}

// assertCode checks err is a *segur.Error of code want.
func assertCode(t testing.TB, err error, want segur.ErrorCode) {
	t.Helper()
	var e *segur.Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v (%T), want a *segur.Error %s", err, err, want)
	}
	if e.Code != want {
		t.Fatalf("got code %s (%s), want %s", e.Code, e.Message, want)
	}
}

// assertEvents checks the audit events of objet: their actions, in order,
// and that each has the test's actor and time.
func assertEvents(t testing.TB, db *DB, objet string, actions ...string) []segur.Evenement {
	t.Helper()
	evs, err := db.FindEvenements(context.Background(), objet)
	if err != nil {
		t.Fatalf("FindEvenements(%s): %v", objet, err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, e.Action)
		if e.Acteur != acteur || !e.Quand.Equal(stored) || e.Quand.Location() != time.UTC || e.Objet != objet {
			t.Errorf("event %+v: want actor %+v, time %v UTC, objet %s", e, acteur, stored, objet)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(e.Details), &m); err != nil {
			t.Errorf("event %s details %q: want a JSON object: %v", e.Action, e.Details, err)
		}
	}
	if !reflect.DeepEqual(got, actions) {
		t.Fatalf("events of %s: got %q, want %q", objet, got, actions)
	}
	return evs
}

func assertStamp(t testing.TB, what string, got time.Time) {
	t.Helper()
	if !got.Equal(stored) || got.Location() != time.UTC {
		t.Errorf("%s: got %v, want %v", what, got, stored)
	}
}

// refusedByTrigger reports whether err is a trigger's refusal: RAISE(ABORT)
// on SQLite, RAISE EXCEPTION on PostgreSQL.
func refusedByTrigger(err error) bool {
	var pe *pgconn.PgError
	var se *sqlite.Error
	return errors.As(err, &pe) && pe.Code == "P0001" ||
		errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_TRIGGER
}

func empreinte(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// fixture creates a vendor for the tests that need one.
func fixture(t testing.TB, db *DB, siret string) *segur.Fournisseur {
	t.Helper()
	f := &segur.Fournisseur{SIRET: siret, Nom: "Éditeur " + siret, Email: "contact@editeur.example"}
	if err := db.CreateFournisseur(segur.WithActeur(context.Background(), acteur), f); err != nil {
		t.Fatalf("CreateFournisseur: %v", err)
	}
	return f
}

// runSuite is the store's test suite, run on SQLite and on PostgreSQL. open
// returns a fresh, migrated store for one test.
func runSuite(t *testing.T, open func(t *testing.T) *DB) {
	runAdminSuite(t, open)
	runDepotSuite(t, open)
	runInstructionSuite(t, open)
	runReferenceSuite(t, open)
	runSessionSuite(t, open)
	runCourrielSuite(t, open)
	runSoldeSuite(t, open)
	runControleSuite(t, open)
	runPaiementSuite(t, open)
	runNestedSuite(t, open)
	runAntivirusSuite(t, open)
	runChaineSuite(t, open)
	runAFaireSuite(t, open)
	runAlertesSuite(t, open)
	runDepotsAgenceSuite(t, open)
	runFileSuite(t, open)
	runPagesSuite(t, open)
	runMessagesSuite(t, open)
	runCalculAlertesSuite(t, open)
	t.Run("corrections", func(t *testing.T) { runCorrectionsSuite(t, open) })
	runPilotageSuite(t, open)
	t.Run("banque", func(t *testing.T) { runBanqueSuite(t, open) })
	t.Run("agence API", func(t *testing.T) { runAgenceAPISuite(t, open) })
	t.Run("tokens alike", func(t *testing.T) { runJetonsSuite(t, open) })
	t.Run("liens", func(t *testing.T) { runLienSuite(t, open) })

	t.Run("migrate again", func(t *testing.T) {
		t.Parallel()
		db := open(t)
		for range 2 {
			if err := db.Migrate(t.Context()); err != nil {
				t.Fatalf("Migrate again: %v", err)
			}
		}
		assertMigrated(t, db)
	})

	t.Run("fournisseurs", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		none, err := db.FindFournisseurs(ctx)
		if err != nil || none == nil || len(none) != 0 {
			t.Fatalf("FindFournisseurs on an empty store: got %v, %v; want an empty slice", none, err)
		}
		f := &segur.Fournisseur{SIRET: "88558855858745", Nom: "Éditeur Démo", Email: "contact@demo.example", IBAN: "FR7630006000011234567890189", BIC: "AGRIFRPP"}
		if err := db.CreateFournisseur(ctx, f); err != nil {
			t.Fatalf("CreateFournisseur: %v", err)
		}
		if f.ID == 0 {
			t.Fatal("CreateFournisseur: got ID 0, want it set")
		}
		assertStamp(t, "CreeLe", f.CreeLe)
		g := &segur.Fournisseur{SIRET: "73282932000074", Nom: "Autre", Email: "a@autre.example"}
		if err := db.CreateFournisseur(ctx, g); err != nil {
			t.Fatalf("CreateFournisseur: %v", err)
		}

		byID, err := db.FindFournisseurByID(ctx, f.ID)
		if err != nil {
			t.Fatalf("FindFournisseurByID: %v", err)
		}
		if !reflect.DeepEqual(byID, f) {
			t.Errorf("FindFournisseurByID: got %+v, want %+v", byID, f)
		}
		bySIRET, err := db.FindFournisseurBySIRET(ctx, f.SIRET)
		if err != nil {
			t.Fatalf("FindFournisseurBySIRET: %v", err)
		}
		if !reflect.DeepEqual(bySIRET, f) {
			t.Errorf("FindFournisseurBySIRET: got %+v, want %+v", bySIRET, f)
		}
		all, err := db.FindFournisseurs(ctx)
		if err != nil {
			t.Fatalf("FindFournisseurs: %v", err)
		}
		if want := []segur.Fournisseur{*f, *g}; !reflect.DeepEqual(all, want) {
			t.Errorf("FindFournisseurs: got %+v, want %+v", all, want)
		}

		evs := assertEvents(t, db, "fournisseur:88558855858745", "fournisseur.creer")
		want := fmt.Sprintf(`{"id":%d,"siret":"88558855858745","nom":"Éditeur Démo","email":"contact@demo.example","iban":"FR7630006000011234567890189","bic":"AGRIFRPP"}`, f.ID)
		if evs[0].Details != want {
			t.Errorf("details: got %s, want %s", evs[0].Details, want)
		}
	})

	t.Run("produits", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		p := &segur.Produit{NumeroAns: "1234567890", FournisseurID: f.ID, Logiciel: hop.LogicielRI, Nom: "Mon RI"}
		if err := db.CreateProduit(ctx, p); err != nil {
			t.Fatalf("CreateProduit: %v", err)
		}
		assertStamp(t, "CreeLe", p.CreeLe)
		q := &segur.Produit{NumeroAns: "0000000001", FournisseurID: f.ID, Logiciel: hop.LogicielPFI, Nom: "Ma PFI"}
		if err := db.CreateProduit(ctx, q); err != nil {
			t.Fatalf("CreateProduit: %v", err)
		}
		got, err := db.FindProduit(ctx, p.NumeroAns)
		if err != nil {
			t.Fatalf("FindProduit: %v", err)
		}
		if !reflect.DeepEqual(got, p) {
			t.Errorf("FindProduit: got %+v, want %+v", got, p)
		}
		all, err := db.FindProduits(ctx, f.ID)
		if err != nil {
			t.Fatalf("FindProduits: %v", err)
		}
		if want := []segur.Produit{*q, *p}; !reflect.DeepEqual(all, want) {
			t.Errorf("FindProduits: got %+v, want %+v", all, want)
		}
		assertEvents(t, db, "produit:1234567890", "produit.creer")
	})

	t.Run("utilisateurs", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		u := &segur.Utilisateur{Login: "  Jeanne.Martin@Editeur.Example ", Nom: "Jeanne Martin", Roles: []segur.Role{segur.RoleFournisseur}, FournisseurID: f.ID, MotDePasse: "$argon2id$v=19$premier"}
		if err := db.CreateUtilisateur(ctx, u); err != nil {
			t.Fatalf("CreateUtilisateur: %v", err)
		}
		if u.ID == 0 || u.Login != "jeanne.martin@editeur.example" {
			t.Errorf("CreateUtilisateur: got ID %d, login %q; want an ID and the login lower-cased", u.ID, u.Login)
		}
		assertStamp(t, "CreeLe", u.CreeLe)
		admin := &segur.Utilisateur{Login: "admin@ans.example", Nom: "Admin", Roles: []segur.Role{segur.RoleAdmin}}
		if err := db.CreateUtilisateur(ctx, admin); err != nil {
			t.Fatalf("CreateUtilisateur admin: %v", err)
		}

		for _, login := range []string{"jeanne.martin@editeur.example", "JEANNE.MARTIN@EDITEUR.EXAMPLE", "Jeanne.Martin@editeur.example"} {
			got, err := db.FindUtilisateurByLogin(ctx, login)
			if err != nil {
				t.Fatalf("FindUtilisateurByLogin(%s): %v", login, err)
			}
			if !reflect.DeepEqual(got, u) {
				t.Errorf("FindUtilisateurByLogin(%s): got %+v, want %+v", login, got, u)
			}
		}
		got, err := db.FindUtilisateurByLogin(ctx, "ADMIN@ans.example")
		if err != nil || got.FournisseurID != 0 || !got.A(segur.RoleAdmin) {
			t.Errorf("FindUtilisateurByLogin(admin): got %+v, %v; want the admin, without vendor", got, err)
		}

		if err := db.SetMotDePasse(ctx, u.ID, "$argon2id$v=19$second"); err != nil {
			t.Fatalf("SetMotDePasse: %v", err)
		}
		got, err = db.FindUtilisateurByLogin(ctx, u.Login)
		if err != nil || got.MotDePasse != "$argon2id$v=19$second" {
			t.Errorf("after SetMotDePasse: got %+v, %v; want the new hash", got, err)
		}
		evs := assertEvents(t, db, "utilisateur:jeanne.martin@editeur.example", "utilisateur.creer", "utilisateur.mot_de_passe")
		for _, e := range evs {
			if strings.Contains(e.Details, "argon2id") || strings.Contains(e.Details, "mot_de_passe") {
				t.Errorf("event %s: got details %s, want no password hash", e.Action, e.Details)
			}
		}
	})

	t.Run("jetons", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		j := &segur.Jeton{FournisseurID: f.ID, Empreinte: empreinte("segur_abcd1234secret"), Prefixe: "segur_abcd"}
		if err := db.CreateJeton(ctx, j); err != nil {
			t.Fatalf("CreateJeton: %v", err)
		}
		if j.ID == 0 {
			t.Fatal("CreateJeton: got ID 0, want it set")
		}
		assertStamp(t, "CreeLe", j.CreeLe)
		if want := time.Date(2027, 3, 1, 9, 0, 0, 123456000, time.UTC); !j.ExpireLe.Equal(want) {
			t.Errorf("CreateJeton: ExpireLe %v, want %v (a year after its creation)", j.ExpireLe, want)
		}
		k := &segur.Jeton{FournisseurID: f.ID, Empreinte: empreinte("segur_efgh5678secret"), Prefixe: "segur_efgh"}
		if err := db.CreateJeton(ctx, k); err != nil {
			t.Fatalf("CreateJeton: %v", err)
		}

		got, err := db.FindJetonByEmpreinte(ctx, empreinte("segur_abcd1234secret"))
		if err != nil {
			t.Fatalf("FindJetonByEmpreinte: %v", err)
		}
		if !reflect.DeepEqual(got, j) {
			t.Errorf("FindJetonByEmpreinte: got %+v, want %+v", got, j)
		}

		used := time.Date(2026, 3, 2, 15, 4, 5, 999999999, time.FixedZone("CET", 3600))
		if err := db.TouchJeton(ctx, j.ID, used); err != nil {
			t.Fatalf("TouchJeton: %v", err)
		}
		// Within the minute of the use recorded, a use is not written; a
		// minute after, it is.
		if err := db.TouchJeton(ctx, j.ID, used.Add(59*time.Second)); err != nil {
			t.Fatalf("TouchJeton within the minute: %v", err)
		}
		if err := db.TouchJeton(ctx, k.ID, used); err != nil {
			t.Fatalf("TouchJeton: %v", err)
		}
		if err := db.TouchJeton(ctx, k.ID, used.Add(segur.UsageJeton)); err != nil {
			t.Fatalf("TouchJeton a minute after: %v", err)
		}

		// Renewed once expired, two years on: a year from then, audited.
		db.now = func() time.Time { return stored.AddDate(2, 0, 0) }
		if !k.Expire(db.clock()) {
			t.Fatalf("token expiring %v: not expired two years on", k.ExpireLe)
		}
		r, err := db.RenewJeton(ctx, k.ID)
		if want := stored.AddDate(3, 0, 0); err != nil || !r.ExpireLe.Equal(want) || r.Prefixe != k.Prefixe || !r.CreeLe.Equal(k.CreeLe) {
			t.Fatalf("RenewJeton: %+v %v, want ExpireLe %v", r, err, want)
		}
		db.now = testNow
		k.ExpireLe = stored.AddDate(3, 0, 0)
		if _, err := db.RenewJeton(ctx, 999999); !segur.IsCode(err, segur.ENOTFOUND) {
			t.Errorf("RenewJeton of an unknown token: got %v, want ENOTFOUND", err)
		}
		if err := db.RevokeJeton(ctx, j.ID); err != nil {
			t.Fatalf("RevokeJeton: %v", err)
		}
		if err := db.RevokeJeton(ctx, j.ID); err != nil {
			t.Fatalf("RevokeJeton again: got %v, want nil", err)
		}
		all, err := db.FindJetons(ctx, f.ID)
		if err != nil {
			t.Fatalf("FindJetons: %v", err)
		}
		want := []segur.Jeton{*j, *k}
		want[0].DernierUsage = time.Date(2026, 3, 2, 14, 4, 5, 999999000, time.UTC)
		want[0].RevoqueLe = stored
		want[1].DernierUsage = want[0].DernierUsage.Add(segur.UsageJeton)
		if !reflect.DeepEqual(all, want) {
			t.Errorf("FindJetons: got %+v, want %+v", all, want)
		}
		// A revoked token is not renewed.
		if _, err := db.RenewJeton(ctx, j.ID); !segur.IsCode(err, segur.ECONFLICT) || !strings.Contains(err.Error(), "révoqué") {
			t.Errorf("RenewJeton of a revoked token: got %v, want ECONFLICT", err)
		}
		if got, _ := db.FindJetonByEmpreinte(ctx, j.Empreinte); !got.ExpireLe.Equal(j.ExpireLe) {
			t.Errorf("revoked token's expiry after a refused renewal: %v, want %v", got.ExpireLe, j.ExpireLe)
		}
		// A touch is no change worth auditing; a renewal and a revocation
		// are, once each.
		if evs, err := db.FindEvenements(ctx, "jeton:segur_efgh"); err != nil || len(evs) != 2 || evs[1].Action != "jeton.renouveler" ||
			!evs[1].Quand.Equal(stored.AddDate(2, 0, 0)) || !strings.Contains(evs[1].Details, `"expire_le":"2029-03-01T09:00:00.123456Z"`) {
			t.Errorf("events of the renewed token: %+v %v, want its creation, then its renewal two years on, to 2029", evs, err)
		}
		evs := assertEvents(t, db, "jeton:segur_abcd", "jeton.creer", "jeton.revoquer")
		for _, e := range evs {
			if strings.Contains(e.Details, "empreinte") || strings.Contains(e.Details, hex.EncodeToString(j.Empreinte)) {
				t.Errorf("event %s: got details %s, want no token digest", e.Action, e.Details)
			}
		}
	})

	t.Run("fenetres", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		paris := time.FixedZone("CEST", 2*3600)
		solde := &segur.Fenetre{Logiciel: hop.LogicielRI, Type: segur.TypeSolde,
			Debut: time.Date(2026, 9, 1, 9, 0, 0, 0, paris), Fin: time.Date(2026, 9, 30, 18, 0, 0, 0, paris)}
		avance := &segur.Fenetre{Logiciel: hop.LogicielRI, Type: segur.TypeAvance,
			Debut: time.Date(2026, 6, 1, 9, 0, 0, 0, paris), Fin: time.Date(2026, 6, 30, 18, 0, 0, 0, paris)}
		for _, f := range []*segur.Fenetre{solde, avance} {
			if err := db.CreateFenetre(ctx, f); err != nil {
				t.Fatalf("CreateFenetre: %v", err)
			}
			if f.ID == 0 {
				t.Fatal("CreateFenetre: got ID 0, want it set")
			}
		}
		all, err := db.FindFenetres(ctx)
		if err != nil {
			t.Fatalf("FindFenetres: %v", err)
		}
		if len(all) != 2 {
			t.Fatalf("FindFenetres: got %d windows, want 2", len(all))
		}
		for i, want := range []*segur.Fenetre{avance, solde} {
			got := all[i]
			if got.ID != want.ID || got.Logiciel != want.Logiciel || got.Type != want.Type ||
				!got.Debut.Equal(want.Debut) || !got.Fin.Equal(want.Fin) || got.Debut.Location() != time.UTC {
				t.Errorf("FindFenetres[%d]: got %+v, want %+v in UTC", i, got, want)
			}
		}
		assertEvents(t, db, fmt.Sprintf("fenetre:%d", avance.ID), "fenetre.creer")
	})

	t.Run("errors", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		f := fixture(t, db, "88558855858745")
		p := &segur.Produit{NumeroAns: "1234567890", FournisseurID: f.ID, Logiciel: hop.LogicielDPI, Nom: "DPI"}
		if err := db.CreateProduit(ctx, p); err != nil {
			t.Fatal(err)
		}
		u := &segur.Utilisateur{Login: "jeanne@editeur.example", Nom: "Jeanne", Roles: []segur.Role{segur.RoleFournisseur}, FournisseurID: f.ID}
		if err := db.CreateUtilisateur(ctx, u); err != nil {
			t.Fatal(err)
		}
		j := &segur.Jeton{FournisseurID: f.ID, Empreinte: empreinte("x"), Prefixe: "segur_x"}
		if err := db.CreateJeton(ctx, j); err != nil {
			t.Fatal(err)
		}
		const inconnu = 999999
		jour := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

		for _, tt := range []struct {
			name string
			fn   func() error
			want segur.ErrorCode
			msg  string // a part of the message
		}{
			{"fournisseur by unknown id", func() error { _, err := db.FindFournisseurByID(ctx, inconnu); return err }, segur.ENOTFOUND, "999999"},
			{"fournisseur by unknown SIRET", func() error { _, err := db.FindFournisseurBySIRET(ctx, "11111111111111"); return err }, segur.ENOTFOUND, "11111111111111"},
			{"SIRET already enrolled", func() error {
				return db.CreateFournisseur(ctx, &segur.Fournisseur{SIRET: "88558855858745", Nom: "Doublon", Email: "d@d.example"})
			}, segur.ECONFLICT, "le SIRET 88558855858745 est déjà enrôlé"},
			{"SIRET not 14 digits", func() error {
				return db.CreateFournisseur(ctx, &segur.Fournisseur{SIRET: "123", Nom: "Court", Email: "c@c.example"})
			}, segur.EINVALID, "SIRET"},
			{"IBAN without BIC", func() error {
				return db.CreateFournisseur(ctx, &segur.Fournisseur{SIRET: "22222222222222", Nom: "X", Email: "x@x.example", IBAN: "FR76"})
			}, segur.EINVALID, "BIC"},
			{"unknown product", func() error { _, err := db.FindProduit(ctx, "ZZZZZZZZZZ"); return err }, segur.ENOTFOUND, "ZZZZZZZZZZ"},
			{"ANS number already registered", func() error {
				return db.CreateProduit(ctx, &segur.Produit{NumeroAns: "1234567890", FournisseurID: f.ID, Logiciel: hop.LogicielRI, Nom: "Bis"})
			}, segur.ECONFLICT, "1234567890"},
			{"product of an unknown vendor", func() error {
				return db.CreateProduit(ctx, &segur.Produit{NumeroAns: "ABCDEFGHIJ", FournisseurID: inconnu, Logiciel: hop.LogicielRI, Nom: "Orphelin"})
			}, segur.ENOTFOUND, "999999"},
			{"product of an unknown software type", func() error {
				return db.CreateProduit(ctx, &segur.Produit{NumeroAns: "ABCDEFGHIJ", FournisseurID: f.ID, Logiciel: "XYZ", Nom: "Inconnu"})
			}, segur.EINVALID, "RI, DPI ou PFI"},
			{"unknown login", func() error { _, err := db.FindUtilisateurByLogin(ctx, "personne@nulle.part"); return err }, segur.ENOTFOUND, "personne@nulle.part"},
			{"login already used, other case", func() error {
				return db.CreateUtilisateur(ctx, &segur.Utilisateur{Login: "JEANNE@Editeur.example", Nom: "J", Roles: []segur.Role{segur.RoleInstructeur}})
			}, segur.ECONFLICT, "jeanne@editeur.example"},
			{"vendor user without vendor", func() error {
				return db.CreateUtilisateur(ctx, &segur.Utilisateur{Login: "sans@editeur.example", Nom: "S", Roles: []segur.Role{segur.RoleFournisseur}})
			}, segur.EINVALID, "rattaché"},
			{"agent with a vendor", func() error {
				return db.CreateUtilisateur(ctx, &segur.Utilisateur{Login: "agent@ans.example", Nom: "A", Roles: []segur.Role{segur.RoleInstructeur}, FournisseurID: f.ID})
			}, segur.EINVALID, "seul"},
			{"unknown role", func() error {
				return db.CreateUtilisateur(ctx, &segur.Utilisateur{Login: "x@ans.example", Nom: "X", Roles: []segur.Role{"chef"}})
			}, segur.EINVALID, "rôle"},
			{"user of an unknown vendor", func() error {
				return db.CreateUtilisateur(ctx, &segur.Utilisateur{Login: "o@editeur.example", Nom: "O", Roles: []segur.Role{segur.RoleFournisseur}, FournisseurID: inconnu})
			}, segur.ENOTFOUND, "999999"},
			{"password of an unknown user", func() error { return db.SetMotDePasse(ctx, inconnu, "h") }, segur.ENOTFOUND, "999999"},
			{"unknown token", func() error { _, err := db.FindJetonByEmpreinte(ctx, empreinte("inconnu")); return err }, segur.ENOTFOUND, "jeton"},
			{"token already stored", func() error {
				return db.CreateJeton(ctx, &segur.Jeton{FournisseurID: f.ID, Empreinte: empreinte("x"), Prefixe: "segur_y"})
			}, segur.ECONFLICT, "jeton"},
			{"token of an unknown vendor", func() error {
				return db.CreateJeton(ctx, &segur.Jeton{FournisseurID: inconnu, Empreinte: empreinte("z"), Prefixe: "segur_z"})
			}, segur.ENOTFOUND, "999999"},
			{"token digest not SHA-256", func() error {
				return db.CreateJeton(ctx, &segur.Jeton{FournisseurID: f.ID, Empreinte: []byte("court"), Prefixe: "segur_c"})
			}, segur.EINVALID, "32 octets"},
			{"touch an unknown token", func() error { return db.TouchJeton(ctx, inconnu, jour) }, segur.ENOTFOUND, "999999"},
			{"revoke an unknown token", func() error { return db.RevokeJeton(ctx, inconnu) }, segur.ENOTFOUND, "999999"},
			{"window ending before it starts", func() error {
				return db.CreateFenetre(ctx, &segur.Fenetre{Logiciel: hop.LogicielRI, Type: segur.TypeAvance, Debut: jour, Fin: jour})
			}, segur.EINVALID, "début avant la fin"},
			{"window of an unknown type", func() error {
				return db.CreateFenetre(ctx, &segur.Fenetre{Logiciel: hop.LogicielRI, Type: "acompte", Debut: jour, Fin: jour.Add(time.Hour)})
			}, segur.EINVALID, "avance ou solde"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				err := tt.fn()
				assertCode(t, err, tt.want)
				if !strings.Contains(err.Error(), tt.msg) {
					t.Errorf("got message %q, want it to contain %q", err, tt.msg)
				}
			})
		}
		// A refused change leaves no trace, and a conflict no second event.
		assertEvents(t, db, "fournisseur:88558855858745", "fournisseur.creer")
		assertEvents(t, db, "utilisateur:sans@editeur.example")
		if _, err := db.FindFournisseurBySIRET(ctx, "22222222222222"); err == nil {
			t.Error("FindFournisseurBySIRET after a refused enrolment: got a vendor, want none")
		}
	})

	t.Run("audit log is append-only", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		fixture(t, db, "88558855858745")
		before := assertEvents(t, db, "fournisseur:88558855858745", "fournisseur.creer")
		stmts := []string{
			`UPDATE evenements SET login = 'pirate'`,
			`UPDATE evenements SET details = '{}' WHERE id = 1`,
			`DELETE FROM evenements`,
		}
		if db.dialect == dialectPostgres {
			stmts = append(stmts, `TRUNCATE evenements`)
		}
		for _, stmt := range stmts {
			if _, err := db.w.ExecContext(ctx, stmt); !refusedByTrigger(err) {
				t.Errorf("%s: got %v, want the trigger's refusal", stmt, err)
			}
		}
		after := assertEvents(t, db, "fournisseur:88558855858745", "fournisseur.creer")
		if !reflect.DeepEqual(after, before) {
			t.Errorf("events: got %+v, want unchanged %+v", after, before)
		}
	})

	t.Run("no actor", func(t *testing.T) {
		t.Parallel()
		db := open(t)
		f := &segur.Fournisseur{SIRET: "88558855858745", Nom: "N", Email: "n@n.example"}
		if err := db.CreateFournisseur(t.Context(), f); err != nil {
			t.Fatalf("CreateFournisseur: %v", err)
		}
		evs, err := db.FindEvenements(t.Context(), "fournisseur:88558855858745")
		if err != nil || len(evs) != 1 || evs[0].Acteur != (segur.Acteur{}) {
			t.Errorf("FindEvenements: got %+v, %v; want one event with an empty actor", evs, err)
		}
	})

	t.Run("same SIRET at once", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		const n = 16
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				errs[i] = db.CreateFournisseur(ctx, &segur.Fournisseur{SIRET: "88558855858745", Nom: fmt.Sprintf("Éditeur %d", i), Email: "e@e.example"})
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
				continue
			}
			assertCode(t, err, segur.ECONFLICT)
		}
		if ok != 1 {
			t.Errorf("got %d enrolments, want exactly 1", ok)
		}
		assertEvents(t, db, "fournisseur:88558855858745", "fournisseur.creer")
	})
}
