package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

// TestAdminCorrections: the corrections' commands do what the
// administration's pages do: the same changes, refused for the same
// reasons, audited with the state before and after, as « cli ».
func TestAdminCorrections(t *testing.T) {
	data := t.TempDir()
	d := "--data=" + data
	maintenant := time.Now().In(paris())
	heure := func(t time.Time) string { return t.In(paris()).Format("2006-01-02 15:04") }
	steps := []etapeAdmin{
		{"fournisseur", "", []string{"admin", "vendor", "add", d, "--siret", "88558855858745", "--name", "Le Beau Logiciel", "--email", "contact@lebeaulogiciel.fr", "--force"}, 0, "", "enrôlé"},
		{"administrateur", "un mot de passe assez long\n", []string{"admin", "user", "add", d, "--login", "admin@asp.fr", "--name", "Admin", "--role", "instructeur,admin", "--password-stdin"}, 0, "", "créé"},
		{"agent", "un mot de passe assez long\n", []string{"admin", "user", "add", d, "--login", "paul@asp.fr", "--name", "Paul", "--role", "instructeur", "--password-stdin"}, 0, "", "créé"},
		{"le dernier administrateur reste", "", []string{"admin", "user", "disable", d, "--login", "admin@asp.fr"}, 1, "", "dernier administrateur actif"},
		{"son rôle admin reste", "", []string{"admin", "user", "roles", d, "--login", "admin@asp.fr", "--role", "instructeur"}, 1, "", "dernier administrateur actif"},
		{"rôle inconnu", "", []string{"admin", "user", "roles", d, "--login", "paul@asp.fr", "--role", "chef"}, 1, "", "inconnu"},
		{"compte inconnu", "", []string{"admin", "user", "disable", d, "--login", "personne@asp.fr"}, 1, "", "introuvable"},
		{"rôles", "", []string{"admin", "user", "roles", d, "--login", "paul@asp.fr", "--role", "payeur,instructeur"}, 0, "", "Rôles de paul@asp.fr changés : instructeur, payeur (avant : instructeur)."},
		{"désactiver", "", []string{"admin", "user", "disable", d, "--login", "Paul@ASP.fr"}, 0, "", "Compte de paul@asp.fr désactivé"},
		{"désactiver deux fois", "", []string{"admin", "user", "disable", d, "--login", "paul@asp.fr"}, 1, "", "déjà désactivé"},
		{"réinitialiser un compte désactivé", "", []string{"admin", "user", "reset", d, "--login", "paul@asp.fr"}, 1, "", "réactivez-le"},
		{"réactiver", "", []string{"admin", "user", "enable", d, "--login", "paul@asp.fr"}, 0, "", "réactivé"},
		{"réinitialiser", "", []string{"admin", "user", "reset", d, "--login", "paul@asp.fr", "--url", "https://segur.asp.example"}, 0, `^Courriel pour paul@asp\.fr dans la file d'envoi`, "l'ancien ne fonctionne plus"},
		{"le courriel dans la file", "", []string{"admin", "mail", "list", d}, 0, `à envoyer\s+utilisateur:paul@asp\.fr`, ""},
		{"suspendre", "", []string{"admin", "vendor", "suspend", d, "--siret", "88558855858745"}, 0, "", "suspendu"},
		{"suspendre deux fois", "", []string{"admin", "vendor", "suspend", d, "--siret", "88558855858745"}, 1, "", "déjà suspendu"},
		{"liste : suspendu", "", []string{"admin", "vendor", "list", d}, 0, `88558855858745.*suspendu le`, ""},
		{"rétablir", "", []string{"admin", "vendor", "resume", d, "--siret", "88558855858745"}, 0, "", "rétabli"},
		{"courriel invalide", "", []string{"admin", "vendor", "email", d, "--siret", "88558855858745", "--email", "pas une adresse"}, 1, "", "attendu une adresse"},
		{"courriel", "", []string{"admin", "vendor", "email", d, "--siret", "88558855858745", "--email", "compta@lebeaulogiciel.fr"}, 0, "", "compta@lebeaulogiciel.fr (avant : contact@lebeaulogiciel.fr)"},
		{"campagne ouverte", "", []string{"admin", "window", "add", d, "--logiciel", "RI", "--from", heure(maintenant.Add(-2 * time.Hour)), "--to", heure(maintenant.Add(48 * time.Hour))}, 0, "", "ouverte"},
		{"liste : numéro", "", []string{"admin", "window", "list", d}, 0, `(?m)^1\s+RI\s+avance`, ""},
		{"fermeture passée", "", []string{"admin", "window", "edit", d, "--id", "1", "--to", heure(maintenant.Add(-time.Hour))}, 1, "", "est passée"},
		{"numéro illisible", "", []string{"admin", "window", "edit", d, "--id", "x", "--to", heure(maintenant)}, 1, "", "--id"},
		{"campagne inconnue", "", []string{"admin", "window", "close", d, "--id", "9"}, 1, "", "n'existe pas"},
		{"fermeture reculée", "", []string{"admin", "window", "edit", d, "--id", "1", "--to", heure(maintenant.Add(96 * time.Hour))}, 0, "", "au lieu du"},
		{"fermer", "", []string{"admin", "window", "close", d, "--id", "1"}, 0, "", "fermée le"},
		{"une campagne close ne se modifie plus", "", []string{"admin", "window", "edit", d, "--id", "1", "--to", heure(maintenant.Add(96 * time.Hour))}, 1, "", "ne se modifie plus"},
		{"une campagne close ne s'annule pas", "", []string{"admin", "window", "cancel", d, "--id", "1"}, 1, "", "une campagne close ne s'annule plus"},
		{"campagne à venir", "", []string{"admin", "window", "add", d, "--logiciel", "DPI", "--type", "solde", "--from", heure(maintenant.Add(24 * time.Hour)), "--to", heure(maintenant.Add(96 * time.Hour))}, 0, "", "ouverte"},
		{"annuler", "", []string{"admin", "window", "cancel", d, "--id", "2"}, 0, "", "Campagne solde DPI prévue du"},
		{"annuler deux fois", "", []string{"admin", "window", "cancel", d, "--id", "2"}, 1, "", "n'existe pas"},
	}
	runEtapes(t, steps)

	// What the store holds after them, and its audit log.
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(data, "segur.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	paul, err := db.FindUtilisateurByLogin(ctx, "paul@asp.fr")
	if err != nil || !paul.Actif() || paul.RolesTexte() != "instructeur, payeur" || paul.MotDePasse != "" {
		t.Errorf("paul: got %+v, %v; want active, instructeur, payeur, without a password", paul, err)
	}
	admin, _ := db.FindUtilisateurByLogin(ctx, "admin@asp.fr")
	if !admin.Actif() || !admin.A(segur.RoleAdmin) {
		t.Errorf("admin: got %+v; want the last administrator kept", admin)
	}
	if fs, err := db.FindFenetres(ctx); err != nil || len(fs) != 1 || fs[0].Logiciel != "RI" {
		t.Errorf("windows: got %+v, %v; want the RI one, the DPI one cancelled", fs, err)
	}
	f, _ := db.FindFournisseurBySIRET(ctx, "88558855858745")
	if f.Suspendu() || f.Email != "compta@lebeaulogiciel.fr" {
		t.Errorf("vendor: got %+v", f)
	}
	for objet, actions := range map[string][]string{
		"utilisateur:paul@asp.fr":    {"utilisateur.creer", "utilisateur.roles", "utilisateur.desactiver", "utilisateur.reactiver", "utilisateur.reinitialiser", "utilisateur.lien"},
		"fournisseur:88558855858745": {"fournisseur.creer", "fournisseur.suspendre", "fournisseur.retablir", "fournisseur.email"},
		"fenetre:1":                  {"fenetre.creer", "fenetre.modifier", "fenetre.fermer"},
	} {
		evs, err := db.FindEvenements(ctx, objet)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range evs {
			got = append(got, e.Action)
			if e.Acteur.Login != "cli" {
				t.Errorf("%s %s: got actor %s, want cli", objet, e.Action, e.Acteur.Login)
			}
			if e.Action == "utilisateur.creer" || e.Action == "fournisseur.creer" || e.Action == "fenetre.creer" || e.Action == "utilisateur.lien" {
				continue
			}
			var det struct{ Avant, Apres map[string]any }
			if err := json.Unmarshal([]byte(e.Details), &det); err != nil || det.Avant == nil || det.Apres == nil {
				t.Errorf("%s %s: details %s, want avant and apres", objet, e.Action, e.Details)
			}
		}
		if strings.Join(got, " ") != strings.Join(actions, " ") {
			t.Errorf("%s: got events %v, want %v", objet, got, actions)
		}
	}
}
