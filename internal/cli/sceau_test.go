package cli

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/segurtest"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

// baseAudit is a database for the tests of the audit log's seals: its
// options for segur admin, and a raw handle that acts as its owner could,
// past the triggers.
type baseAudit struct {
	args    []string
	url     string
	raw     *sql.DB
	postgre bool
}

// nouvelleBaseAudit makes a database with five vendors enrolled (events
// 1 to 5).
func nouvelleBaseAudit(t *testing.T, postgres bool) baseAudit {
	t.Helper()
	var b baseAudit
	if postgres {
		b.url = segurtest.FreshSchema(t, segurtest.PostgresDSN(t))
		b.args = []string{"--db", b.url}
		b.postgre = true
	} else {
		data := t.TempDir()
		b.url = filepath.Join(data, "segur.db")
		b.args = []string{"--data", data}
	}
	db := b.open(t)
	ctx := segur.WithActeur(context.Background(), segur.Acteur{Login: "admin@ans.example", Adresse: "192.0.2.1"})
	for i := range 5 {
		if err := db.CreateFournisseur(ctx, &segur.Fournisseur{SIRET: fmt.Sprintf("%014d", i+1), Nom: "Éditeur", Email: "contact@editeur.example"}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	driver := "sqlite"
	if postgres {
		driver = "pgx"
	}
	raw, err := sql.Open(driver, b.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	b.raw = raw
	return b
}

// open opens the database with the store, migrated (which chains the
// events without a link).
func (b baseAudit) open(t *testing.T) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), b.url, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// commeProprietaire runs stmts on tables whose triggers are set aside, as
// the database's owner can: dropped and created again on SQLite, disabled
// then enabled on PostgreSQL.
func (b baseAudit) commeProprietaire(t *testing.T, tables []string, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	var recreer []string
	for _, table := range tables {
		if b.postgre {
			stmts = append([]string{"ALTER TABLE " + table + " DISABLE TRIGGER USER"}, stmts...)
			recreer = append(recreer, "ALTER TABLE "+table+" ENABLE TRIGGER USER")
			continue
		}
		rows, err := b.raw.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = $1`, table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var nom, def string
			if err := rows.Scan(&nom, &def); err != nil {
				t.Fatal(err)
			}
			stmts = append([]string{"DROP TRIGGER " + nom}, stmts...)
			recreer = append(recreer, def)
		}
		rows.Close()
	}
	for _, s := range append(stmts, recreer...) {
		if _, err := b.raw.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func (b baseAudit) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runIn(t, "", append(append([]string{"admin", "audit"}, args...), b.args...)...)
}

// TestAuditSceaux: on SQLite and PostgreSQL, with a real time-stamping
// authority (openssl ts), a sealed log verifies (exit 0); an event
// changed, an event deleted, a log rewritten with its links recomputed,
// the last events deleted, a seal's token changed, and a seal by an
// authority whose root is not --tsa-ca are each reported, with where, and
// exit 1.
func TestAuditSceaux(t *testing.T) {
	t.Setenv("SEGUR_DB", "")
	t.Setenv("SEGUR_DATA", "")
	t.Setenv("SEGUR_TSA", "")
	t.Setenv("SEGUR_TSA_CA", "")
	tsa := segurtest.NouvelleTSA(t, segurtest.OptionsTSA{})
	autre := segurtest.NouvelleTSA(t, segurtest.OptionsTSA{RSA: true})
	for _, postgres := range []bool{false, true} {
		nom := "sqlite"
		if postgres {
			nom = "postgres"
		}
		t.Run(nom, func(t *testing.T) {
			if postgres {
				segurtest.PostgresDSN(t)
			}
			for _, tt := range []struct {
				name    string
				alterer func(t *testing.T, b baseAudit)
				want    []string // a line of stdout: its start, and a part
				wantErr string
			}{
				{"intact", func(t *testing.T, b baseAudit) {}, nil,
					"Chaîne d'audit : 6 événements relus, jusqu'à l'événement 6 du "},
				{"event changed", func(t *testing.T, b baseAudit) {
					b.commeProprietaire(t, []string{"evenements"}, `UPDATE evenements SET details = '{"iban":"FR7600000000000000000000000"}' WHERE id = 3`)
				}, []string{"chaîne d'audit rompue à l'événement 3 (20", "l'événement ne correspond plus à son maillon"}, "1 problème trouvé."},
				{"event deleted", func(t *testing.T, b baseAudit) {
					b.commeProprietaire(t, []string{"evenements", "chaine_audit"}, `DELETE FROM evenements WHERE id = 3`, `DELETE FROM chaine_audit WHERE evenement_id = 3`)
				}, []string{"chaîne d'audit rompue à l'événement 4 (20", "son maillon suit l'événement 3, absent du journal"}, "1 problème trouvé."},
				{"log rewritten, links recomputed", func(t *testing.T, b baseAudit) {
					// The links from event 3 on removed, and the head put
					// back at event 2: the store chains the events again
					// (Migrate), the changed one with them.
					b.commeProprietaire(t, []string{"evenements", "chaine_audit"},
						`UPDATE evenements SET details = '{"iban":"FR7600000000000000000000000"}' WHERE id = 3`,
						`DELETE FROM chaine_audit WHERE evenement_id >= 3`,
						`UPDATE chaine_tete SET evenement_id = 2, valeur = (SELECT valeur FROM chaine_audit WHERE evenement_id = 2)`)
					b.open(t).Close()
				}, []string{"sceau 1 du ", "la chaîne à l'événement 5 n'a plus la valeur horodatée"}, "1 problème trouvé."},
				{"last events deleted", func(t *testing.T, b baseAudit) {
					b.commeProprietaire(t, []string{"evenements", "chaine_audit"}, `DELETE FROM evenements WHERE id >= 5`, `DELETE FROM chaine_audit WHERE evenement_id >= 5`)
				}, []string{"chaîne d'audit rompue à l'événement 6 (absent) : ", "les derniers événements du journal ont été supprimés"}, "2 problèmes trouvés."},
				{"seal's token changed", func(t *testing.T, b baseAudit) {
					var jeton []byte
					if err := b.raw.QueryRow(`SELECT jeton FROM sceaux WHERE id = 1`).Scan(&jeton); err != nil {
						t.Fatal(err)
					}
					jeton[len(jeton)-10] ^= 0x01 // in the signature
					q := `UPDATE sceaux SET jeton = x'` + fmt.Sprintf("%x", jeton) + `' WHERE id = 1`
					if postgres {
						q = `UPDATE sceaux SET jeton = '\x` + fmt.Sprintf("%x", jeton) + `' WHERE id = 1`
					}
					b.commeProprietaire(t, []string{"sceaux"}, q)
				}, []string{"sceau 1 du ", "jeton d'horodatage : signature invalide"}, "1 problème trouvé."},
				{"seal by another authority", func(t *testing.T, b baseAudit) {
					if code, _, errs := b.run(t, "seal", "--tsa", autre.URL); code != 0 {
						t.Fatalf("seal by another authority: exit %d\n%s", code, errs)
					}
				}, []string{"sceau 2 du ", "ne remonte à aucune des racines de confiance"}, "1 problème trouvé."},
			} {
				t.Run(tt.name, func(t *testing.T) {
					b := nouvelleBaseAudit(t, postgres)
					code, _, errs := b.run(t, "seal", "--tsa", tsa.URL, "--tsa-ca", tsa.CAFile)
					if code != 0 || !strings.HasPrefix(errs, "Sceau 1 : chaîne d'audit à l'événement 5 (") {
						t.Fatalf("seal: got exit %d %q, want 0 and « Sceau 1 : chaîne d'audit à l'événement 5 (… »", code, errs)
					}
					tt.alterer(t, b)
					code, out, errs := b.run(t, "verify", "--tsa-ca", tsa.CAFile)
					lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
					if out == "" {
						lines = nil
					}
					wantCode := 0
					if len(tt.want) > 0 {
						wantCode = 1
					}
					ok := code == wantCode && (len(lines) > 0) == (len(tt.want) > 0) && strings.Contains(errs, tt.wantErr)
					if ok && len(tt.want) > 0 {
						ok = strings.HasPrefix(lines[0], tt.want[0]) && strings.Contains(lines[0], tt.want[1])
					}
					if tt.name == "last events deleted" && !strings.Contains(out, "l'événement 5 qu'il scelle manque au journal") {
						t.Errorf("verify: got %q, want the seal of event 5 reported too", out)
					}
					if !ok {
						t.Errorf("verify: got exit %d\n%s\n%s\nwant exit %d, a first line %q, and %q", code, out, errs, wantCode, tt.want, tt.wantErr)
					}
					if wantCode == 0 && !strings.Contains(errs, "Journal d'audit intègre.") {
						t.Errorf("verify: got %q, want « Journal d'audit intègre. »", errs)
					}
				})
			}
		})
	}
}

// TestAuditSealRefuses: the refusals of segur admin audit seal.
func TestAuditSealRefuses(t *testing.T) {
	t.Setenv("SEGUR_DB", "")
	t.Setenv("SEGUR_DATA", "")
	t.Setenv("SEGUR_TSA", "")
	t.Setenv("SEGUR_TSA_CA", "")
	tsa := segurtest.NouvelleTSA(t, segurtest.OptionsTSA{})
	autre := segurtest.NouvelleTSA(t, segurtest.OptionsTSA{})
	b := nouvelleBaseAudit(t, false)
	vide := []string{"--data", t.TempDir()}
	tsa.Panne(true)
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no --tsa", b.args, exitUsage, "--tsa est obligatoire"},
		{"not http", append([]string{"--tsa", "ftp://tsa.example"}, b.args...), exitUsage, "attendu une adresse http:// ou https://"},
		{"unreadable --tsa-ca", append([]string{"--tsa", tsa.URL, "--tsa-ca", "/nulle/part.pem"}, b.args...), exitLecture, "--tsa-ca « /nulle/part.pem » illisible"},
		{"authority down", append([]string{"--tsa", tsa.URL}, b.args...), 1, "503"},
		{"authority not trusted", append([]string{"--tsa", autre.URL, "--tsa-ca", tsa.CAFile}, b.args...), 1, "ne remonte à aucune des racines"},
		{"empty log", append([]string{"--tsa", autre.URL}, vide...), 1, "journal d'audit vide : rien à sceller"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := runIn(t, "", append([]string{"admin", "audit", "seal"}, tt.args...)...)
			if code != tt.code || !strings.Contains(errs, tt.want) {
				t.Errorf("got exit %d %q, want %d and %q", code, errs, tt.code, tt.want)
			}
		})
	}
}

// TestSceauxServe: serve's daily seal seals at once when there is no
// seal, tries again when the authority is down, and does not seal again
// before a day.
func TestSceauxServe(t *testing.T) {
	tsa := segurtest.NouvelleTSA(t, segurtest.OptionsTSA{})
	b := nouvelleBaseAudit(t, false)
	db := b.open(t)
	defer db.Close()
	tsa.Panne(true)
	s := &Sceaux{tsa: &tsa.URL, ca: &tsa.CAFile, reessai: time.Millisecond}
	essais := make(chan error, 10)
	s.fait = func(_ *segur.Sceau, err error) { essais <- err }
	var stderr bytes.Buffer
	stop, err := s.Demarrer(context.Background(), &env{stdout: io.Discard, stderr: &stderr}, slog.New(slog.DiscardHandler), db)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-essais; err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("first try, authority down: got %v, want a 503", err)
	}
	tsa.Panne(false)
	for err := range essais {
		if err == nil {
			break
		}
	}
	stop()
	sceaux, err := db.FindSceaux(context.Background())
	if err != nil || len(sceaux) != 1 {
		t.Fatalf("after serve's seal: got %d seals (%v), want 1", len(sceaux), err)
	}
	// Started again: the last seal is less than a day old, nothing to do.
	n := tsa.Demandes()
	s.fait = func(_ *segur.Sceau, err error) { t.Errorf("sealed again before a day: %v", err) }
	attentes := make(chan time.Duration, 1)
	s.attend = func(d time.Duration) { attentes <- d }
	stop, err = s.Demarrer(context.Background(), &env{stdout: io.Discard, stderr: &stderr}, slog.New(slog.DiscardHandler), db)
	if err != nil {
		t.Fatal(err)
	}
	if d := <-attentes; d < 23*time.Hour || d > 24*time.Hour {
		t.Errorf("next seal: got in %v, want in about a day", d)
	}
	stop()
	if got := tsa.Demandes(); got != n {
		t.Errorf("authority asked %d times more, want 0", got-n)
	}
	if code, _, errs := b.run(t, "verify", "--tsa-ca", tsa.CAFile); code != 0 {
		t.Errorf("verify after serve's seal: exit %d\n%s", code, errs)
	}
}
