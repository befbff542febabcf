package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

// TestAdminVendorIban: the bank details under four eyes from segur admin:
// the proposer cannot approve, a second administrator does, the mail is
// queued, bad input and a rejection change nothing; each step is audited
// under the administrator's login.
func TestAdminVendorIban(t *testing.T) {
	data := t.TempDir()
	d := "--data=" + data
	rib := filepath.Join(t.TempDir(), "rib.pdf")
	if err := os.WriteFile(rib, []byte("%PDF-1.4\n% RIB\n%%EOF\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(t.TempDir(), "rib.exe")
	if err := os.WriteFile(exe, []byte("MZ\x90\x00 programme"), 0o600); err != nil {
		t.Fatal(err)
	}
	const siret, iban = "88558855858745", "FR7630004008230001234567819"
	propose := func(as, iban, fichier string) []string {
		return []string{"admin", "vendor", "iban", "propose", d, "--siret", siret, "--iban", iban, "--bic", "BNPAFRPP", "--justificatif", fichier, "--as", as}
	}
	steps := []struct {
		name    string
		stdin   string
		args    []string
		code    int
		errPart string
	}{
		{"fournisseur", "", []string{"admin", "vendor", "add", d, "--siret", siret, "--name", "Le Beau Logiciel", "--email", "contact@lebeaulogiciel.fr", "--iban", "FR7630006000011234567890189", "--bic", "AGRIFRPP", "--force"}, 0, "enrôlé"},
		{"alice", "un mot de passe assez long\n", []string{"admin", "user", "add", d, "--login", "alice@asp.fr", "--name", "Alice", "--role", "admin", "--password-stdin"}, 0, "créé"},
		{"bob", "un mot de passe assez long\n", []string{"admin", "user", "add", d, "--login", "bob@asp.fr", "--name", "Bob", "--role", "admin", "--password-stdin"}, 0, "créé"},
		{"paul", "un mot de passe assez long\n", []string{"admin", "user", "add", d, "--login", "paul@asp.fr", "--name", "Paul", "--role", "payeur", "--password-stdin"}, 0, "créé"},
		{"salarié", "un mot de passe assez long\n", []string{"admin", "user", "add", d, "--login", "jean@lebeaulogiciel.fr", "--name", "Jean", "--role", "fournisseur", "--siret", siret, "--password-stdin"}, 0, "créé"},
		{"sans --as", "", []string{"admin", "vendor", "iban", "propose", d, "--siret", siret, "--iban", iban, "--bic", "BNPAFRPP", "--justificatif", rib}, exitUsage, "--as est obligatoire"},
		{"pas administrateur", "", propose("paul@asp.fr", iban, rib), 1, "attendu l'identifiant d'un administrateur actif"},
		{"IBAN faux", "", propose("alice@asp.fr", "FR7730004008230001234567819", rib), 1, "invalide (pays, longueur ou clé de contrôle)"},
		{"fichier absent", "", propose("alice@asp.fr", iban, filepath.Join(data, "absent.pdf")), exitLecture, "impossible de lire"},
		{"un exécutable", "", propose("alice@asp.fr", iban, exe), 1, "format non reconnu"},
		{"proposer", "", propose("alice@asp.fr", iban, rib), 0, "Changement de coordonnées bancaires de Le Beau Logiciel proposé : IBAN " + iban},
		{"un seul en attente", "", propose("bob@asp.fr", iban, rib), 1, "attend déjà son approbation"},
		{"le proposant n'approuve pas", "", []string{"admin", "vendor", "iban", "approve", d, "--siret", siret, "--as", "ALICE@asp.fr"}, 1, "Séparation des tâches : vous avez proposé"},
		{"approuver", "", []string{"admin", "vendor", "iban", "approve", d, "--siret", siret, "--as", "bob@asp.fr", "--contact", "fraude@asp.example"}, 0, "Nouvelles coordonnées bancaires de Le Beau Logiciel en vigueur : IBAN " + iban},
		{"plus rien à approuver", "", []string{"admin", "vendor", "iban", "approve", d, "--siret", siret, "--as", "bob@asp.fr"}, 1, "n'attend d'approbation"},
		{"le courriel dans la file", "", []string{"admin", "mail", "list", d}, 0, ""},
		{"proposer encore", "", propose("bob@asp.fr", "FR7630006000011234567890189", rib), 0, "proposé"},
		{"rejeter", "", []string{"admin", "vendor", "iban", "reject", d, "--siret", siret, "--reason", "Erreur de saisie.", "--as", "bob@asp.fr"}, 0, "rejeté : les coordonnées en vigueur restent inchangées"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			code, _, errs := runIn(t, s.stdin, s.args...)
			if code != s.code {
				t.Fatalf("got exit %d, want %d; stderr:\n%s", code, s.code, errs)
			}
			if !strings.Contains(errs, s.errPart) {
				t.Errorf("got stderr %q, want it to contain %q", errs, s.errPart)
			}
		})
	}

	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(data, "segur.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f, _ := db.FindFournisseurBySIRET(ctx, siret)
	if f.IBAN != iban || f.BIC != "BNPAFRPP" {
		t.Errorf("vendor's details: got %s %s, want %s BNPAFRPP", f.IBAN, f.BIC, iban)
	}
	mails, n, _ := db.FindCourriels(ctx, "", 10, 0)
	if n != 1 || strings.Join(mails[0].A, ",") != "contact@lebeaulogiciel.fr,jean@lebeaulogiciel.fr" || !strings.Contains(mails[0].Corps, "fraude@asp.example") {
		t.Errorf("mails: %d %+v", n, mails)
	}
	evs, err := db.FindEvenements(ctx, "fournisseur:"+siret)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		if strings.HasPrefix(e.Action, "fournisseur.banque.") {
			got = append(got, e.Action+" "+e.Acteur.Login)
		}
	}
	want := "fournisseur.banque.proposer alice@asp.fr,fournisseur.banque.approuver bob@asp.fr,fournisseur.banque.proposer bob@asp.fr,fournisseur.banque.rejeter bob@asp.fr"
	if strings.Join(got, ",") != want {
		t.Errorf("events: got %v, want %s", got, want)
	}
	cs, _ := db.FindChangementsBanque(ctx, f.ID)
	if len(cs) != 2 || cs[1].Justificatif.Nom != "rib.pdf" || cs[1].Etat != segur.BanqueApprouve {
		t.Errorf("changes: %+v", cs)
	}
}
