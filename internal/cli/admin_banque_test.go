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
// each step's administrator signs in with the portal password (read on
// standard input here), the proposer cannot approve, a second
// administrator does, the mail is queued, bad input and a rejection change
// nothing; each step is audited under the administrator's login; the
// changes awaiting approval are listed.
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
	const mdp = "un mot de passe assez long\n"
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
		{"pas administrateur", mdp, propose("paul@asp.fr", iban, rib), 1, "--as paul@asp.fr : ce compte n'est pas administrateur du portail (rôles : payeur)"},
		{"sans mot de passe", "", propose("alice@asp.fr", iban, rib), 1, "--as alice@asp.fr : mot de passe du portail attendu sur l'entrée standard"},
		{"mot de passe faux", "pas le bon mot de passe\n", propose("alice@asp.fr", iban, rib), 1, "--as alice@asp.fr : identifiant ou mot de passe du portail incorrect."},
		{"identifiant inconnu", mdp, propose("mallory@asp.fr", iban, rib), 1, "--as mallory@asp.fr : identifiant ou mot de passe du portail incorrect."},
		{"IBAN faux", mdp, propose("alice@asp.fr", "FR7730004008230001234567819", rib), 1, "invalide (pays, longueur ou clé de contrôle)"},
		{"fichier absent", mdp, propose("alice@asp.fr", iban, filepath.Join(data, "absent.pdf")), exitLecture, "impossible de lire"},
		{"un exécutable", mdp, propose("alice@asp.fr", iban, exe), 1, "format non reconnu"},
		{"proposer", mdp, propose("alice@asp.fr", iban, rib), 0, "Changement de coordonnées bancaires de Le Beau Logiciel proposé : IBAN " + iban},
		{"un seul en attente", mdp, propose("bob@asp.fr", iban, rib), 1, "attend déjà son approbation"},
		{"le proposant n'approuve pas", mdp, []string{"admin", "vendor", "iban", "approve", d, "--siret", siret, "--as", "ALICE@asp.fr"}, 1, "Séparation des tâches : vous avez proposé"},
		{"liste", "", []string{"admin", "vendor", "iban", "list", d}, 0, "1 changement à approuver"},
		{"approuver", mdp, []string{"admin", "vendor", "iban", "approve", d, "--siret", siret, "--as", "bob@asp.fr", "--contact", "fraude@asp.example"}, 0, "Nouvelles coordonnées bancaires de Le Beau Logiciel en vigueur : IBAN " + iban},
		{"plus rien à approuver", mdp, []string{"admin", "vendor", "iban", "approve", d, "--siret", siret, "--as", "bob@asp.fr"}, 1, "n'attend d'approbation"},
		{"liste vide", "", []string{"admin", "vendor", "iban", "list", d}, 0, "Aucun changement de coordonnées bancaires n'attend d'approbation."},
		{"le courriel dans la file", "", []string{"admin", "mail", "list", d}, 0, ""},
		{"proposer encore", mdp, propose("bob@asp.fr", "FR7630006000011234567890189", rib), 0, "proposé"},
		{"rejeter", mdp, []string{"admin", "vendor", "iban", "reject", d, "--siret", siret, "--reason", "Erreur de saisie.", "--as", "bob@asp.fr"}, 0, "rejeté : les coordonnées en vigueur restent inchangées"},
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

// TestAdminVendorIbanAuthentification: --as is authenticated by the
// portal password as the login page does: a disabled administrator, an
// agent without a password (ProConnect, or not yet activated) and, with
// SEGUR_AGENTS_PROCONNECT_SEULEMENT=1, every agent are refused with what
// to do; wrong passwords are throttled with the login page's counters;
// segur admin vendor iban list shows the pending change masked.
func TestAdminVendorIbanAuthentification(t *testing.T) {
	data := t.TempDir()
	d := "--data=" + data
	rib := filepath.Join(t.TempDir(), "rib.pdf")
	if err := os.WriteFile(rib, []byte("%PDF-1.4\n% RIB\n%%EOF\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const siret, iban, mdp = "88558855858745", "FR7630004008230001234567819", "un mot de passe assez long\n"
	propose := func(as string) []string {
		return []string{"admin", "vendor", "iban", "propose", d, "--siret", siret, "--iban", iban, "--bic", "BNPAFRPP", "--justificatif", rib, "--as", as}
	}
	for _, args := range [][]string{
		{"admin", "vendor", "add", d, "--siret", siret, "--name", "Le Beau Logiciel", "--email", "contact@lebeaulogiciel.fr", "--iban", "FR7630006000011234567890189", "--bic", "AGRIFRPP", "--force"},
		{"admin", "user", "add", d, "--login", "alice@asp.fr", "--name", "Alice", "--role", "admin", "--password-stdin"},
		{"admin", "user", "add", d, "--login", "carole@asp.fr", "--name", "Carole", "--role", "admin", "--password-stdin"},
		{"admin", "user", "add", d, "--login", "paul@asp.fr", "--name", "Paul", "--role", "payeur", "--password-stdin"},
		{"admin", "user", "add", d, "--login", "pc@asp.fr", "--name", "Par ProConnect", "--role", "admin"},
		{"admin", "user", "disable", d, "--login", "carole@asp.fr"},
	} {
		if code, _, errs := runIn(t, mdp, args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, errs)
		}
	}
	for _, tc := range []struct {
		name, stdin, as, want string
	}{
		{"disabled", mdp, "carole@asp.fr", "--as carole@asp.fr : " + segur.MsgCompteDesactive},
		{"no password", mdp, "pc@asp.fr", "--as pc@asp.fr : ce compte n'a pas de mot de passe du portail (il se connecte par ProConnect, ou n'est pas encore activé), segur admin ne peut pas l'authentifier. Proposez, approuvez ou rejetez le changement sur le portail"},
		{"disabled, wrong password", "faux mot de passe\n", "carole@asp.fr", "identifiant ou mot de passe du portail incorrect"},
	} {
		code, _, errs := runIn(t, tc.stdin, propose(tc.as)...)
		if code != 1 || !strings.Contains(errs, tc.want) {
			t.Errorf("%s: got exit %d, stderr %q, want 1 with %q", tc.name, code, errs, tc.want)
		}
	}
	t.Run("agents through ProConnect only", func(t *testing.T) {
		t.Setenv("SEGUR_AGENTS_PROCONNECT_SEULEMENT", "1")
		code, _, errs := runIn(t, mdp, propose("alice@asp.fr")...)
		if code != 1 || !strings.Contains(errs, "les agents se connectent par ProConnect seulement") || !strings.Contains(errs, "sur le portail") {
			t.Errorf("got exit %d, stderr %q", code, errs)
		}
	})

	// The login page's throttle: 5 failures of a login from one address,
	// then a wait, even with the right password.
	for i := range segur.MaxEchecsPaire {
		if code, _, errs := runIn(t, "faux mot de passe\n", propose("paul@asp.fr")...); code != 1 || !strings.Contains(errs, "incorrect") {
			t.Fatalf("failure %d: exit %d %q", i+1, code, errs)
		}
	}
	if code, _, errs := runIn(t, mdp, propose("paul@asp.fr")...); code != 1 || !strings.Contains(errs, "--as paul@asp.fr : trop d'essais de mot de passe, réessayez dans 1 minute.") {
		t.Errorf("after %d failures: exit %d %q", segur.MaxEchecsPaire, code, errs)
	}

	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(data, "segur.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if cs, err := db.FindChangementsBanqueEnAttente(ctx); err != nil || len(cs) != 0 {
		t.Fatalf("after refused proposals: %+v %v", cs, err)
	}

	if code, _, errs := runIn(t, mdp, propose("alice@asp.fr")...); code != 0 {
		t.Fatalf("proposal: exit %d %q", code, errs)
	}
	code, out, errs := runIn(t, "", "admin", "vendor", "iban", "list", d)
	for _, want := range []string{"SIRET", "PROPOSÉ PAR", siret, "Le Beau Logiciel", "alice@asp.fr", "•••• 0189 (AGRIFRPP)", "•••• 7819 (BNPAFRPP)", "moins d'un jour", "en attente, à approuver avant le "} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("list: exit %d, stdout lacks %q:\n%s", code, want, out)
		}
	}
	if strings.Contains(out, iban) || !strings.Contains(errs, "1 changement à approuver") {
		t.Errorf("list: the IBAN in full, or stderr %q", errs)
	}
}
