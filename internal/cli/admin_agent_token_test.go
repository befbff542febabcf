package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/auth"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

// TestAdminAgentToken: an operator lists an agent's tokens and revokes
// one by its number, without the web: the store's revocation, audited as
// the account page's (jeton_agent.revoquer) but by « cli »; a wrong
// number, or one of another agent than --login says, revokes nothing.
func TestAdminAgentToken(t *testing.T) {
	data := t.TempDir()
	d := "--data=" + data
	for _, args := range [][]string{
		{"vendor", "add", d, "--siret", "88558855858745", "--name", "Le Beau Logiciel", "--email", "contact@lebeaulogiciel.fr", "--force"},
		{"user", "add", d, "--login", "admin@asp.fr", "--name", "Admin", "--role", "admin", "--password-stdin"},
		{"user", "add", d, "--login", "marie@asp.fr", "--name", "Marie", "--role", "instructeur", "--password-stdin"},
		{"user", "add", d, "--login", "jean@lebeaulogiciel.fr", "--name", "Jean", "--role", "fournisseur", "--siret", "88558855858745", "--password-stdin"},
	} {
		if code, _, errs := runIn(t, "un mot de passe assez long\n", append([]string{"admin"}, args...)...); code != 0 {
			t.Fatalf("%v: got exit %d; %s", args, code, errs)
		}
	}
	// The agents create their tokens on their account page.
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(data, "segur.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	jetons := map[*segur.Jeton]string{} // the tokens themselves
	jeton := func(login string) *segur.Jeton {
		t.Helper()
		u, err := db.FindUtilisateurByLogin(ctx, login)
		if err != nil {
			t.Fatal(err)
		}
		tok, digest, prefix, err := auth.NewAgentToken()
		if err != nil {
			t.Fatal(err)
		}
		j := &segur.Jeton{UtilisateurID: u.ID, Empreinte: digest, Prefixe: prefix}
		if err := db.CreateJetonAgent(segur.WithActeur(ctx, segur.Acteur{Login: login}), j); err != nil {
			t.Fatal(err)
		}
		jetons[j] = tok
		return j
	}
	fuite, autre, admin, vole := jeton("marie@asp.fr"), jeton("marie@asp.fr"), jeton("admin@asp.fr"), jeton("admin@asp.fr")
	db.Close()

	date := `\d\d/\d\d/\d{4} \d\d:\d\d`
	cmd := func(args ...string) []string { return append([]string{"admin", "agent-token"}, args...) }
	runEtapes(t, []etapeAdmin{
		{"liste", "", cmd("list", d, "--login", "Marie@asp.fr"), 0,
			fmt.Sprintf(`^N°\s+PRÉFIXE\s+CRÉÉ LE\s+EXPIRE LE\s+DERNIER USAGE\s+RÉVOQUÉ LE\n%d\s+%s\s+%s\s+%s\s+-\s+-\n%d\s+%s\s`, fuite.ID, fuite.Prefixe, date, date, autre.ID, autre.Prefixe),
			"2 jetons d'agent pour marie@asp.fr."},
		{"liste sans --login", "", cmd("list", d), exitUsage, "", "--login est obligatoire"},
		{"compte inconnu", "", cmd("list", d, "--login", "personne@asp.fr"), 1, "", "introuvable"},
		{"compte d'un fournisseur", "", cmd("list", d, "--login", "jean@lebeaulogiciel.fr"), 1, "", "jean@lebeaulogiciel.fr n'est pas un agent de l'agence : les jetons d'un fournisseur se listent par segur admin token list --siret SIRET"},
		{"révoquer sans --id", "", cmd("revoke", d), exitUsage, "", "attendu --id N (colonne N° de segur admin agent-token list) ou --token-stdin"},
		{"--id et --token-stdin", "", cmd("revoke", d, "--id", "1", "--token-stdin"), exitUsage, "", "l'un des deux"},
		{"jeton lu vide", "\n", cmd("revoke", d, "--token-stdin"), 1, "", "aucun jeton lu sur l'entrée standard"},
		{"jeton lu d'un fournisseur", "sgr_AbCdEfGh\n", cmd("revoke", d, "--token-stdin"), 1, "", "ce n'est pas un jeton d'agent (attendu sga_…)"},
		{"jeton lu inconnu", "sga_inconnu\n", cmd("revoke", d, "--token-stdin"), 1, "", "aucun jeton d'agent de ce portail ne correspond : rien n'est révoqué"},
		{"révoquer le jeton lu", jetons[vole] + "\n", cmd("revoke", d, "--token-stdin"), 0, "",
			"Jeton " + vole.Prefixe + "… de admin@asp.fr révoqué : l'API de l'agence le refuse dès sa prochaine requête."},
		{"numéro illisible", "", cmd("revoke", d, "--id", "sga_abc"), 1, "", "--id « sga_abc » : attendu le numéro du jeton"},
		{"numéro inconnu", "", cmd("revoke", d, "--id", "999"), 1, "", "jeton d'agent n° 999 introuvable"},
		{"jeton d'un autre agent", "", cmd("revoke", d, "--id", fmt.Sprint(admin.ID), "--login", "marie@asp.fr"), 1, "",
			fmt.Sprintf("le jeton d'agent n° %d n'est pas celui de marie@asp.fr : rien n'est révoqué", admin.ID)},
		{"révoquer", "", cmd("revoke", d, "--id", fmt.Sprint(fuite.ID)), 0, "",
			"Jeton " + fuite.Prefixe + "… de marie@asp.fr révoqué : l'API de l'agence le refuse dès sa prochaine requête."},
		{"révoquer deux fois", "", cmd("revoke", d, "--id", fmt.Sprint(fuite.ID)), 0, "", "Jeton " + fuite.Prefixe + "… de marie@asp.fr déjà révoqué le "},
		{"révoquer, l'agent vérifié", "", cmd("revoke", d, "--id", fmt.Sprint(autre.ID), "--login", "MARIE@asp.fr"), 0, "", "révoqué"},
		{"liste des révoqués", "", cmd("list", d, "--login", "marie@asp.fr"), 0,
			fmt.Sprintf(`(?m)^%d\s+%s\s+%s\s+%s\s+-\s+%s\n%d\s+%s\s+%s\s+%s\s+-\s+%s\n$`, fuite.ID, fuite.Prefixe, date, date, date, autre.ID, autre.Prefixe, date, date, date), ""},
	})

	// The store after them: the two of marie revoked, the admin's not,
	// each revocation audited once, by cli.
	db, err = sqlstore.Open(ctx, "sqlite://"+filepath.Join(data, "segur.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		j       *segur.Jeton
		revoque bool
		actions string
	}{
		{fuite, true, "jeton_agent.creer marie@asp.fr, jeton_agent.revoquer cli"},
		{autre, true, "jeton_agent.creer marie@asp.fr, jeton_agent.revoquer cli"},
		{admin, false, "jeton_agent.creer admin@asp.fr"},
		{vole, true, "jeton_agent.creer admin@asp.fr, jeton_agent.revoquer cli"},
	} {
		j, err := db.FindJetonAgentByEmpreinte(ctx, c.j.Empreinte)
		if err != nil || j.RevoqueLe.IsZero() == c.revoque {
			t.Errorf("token %s: got %+v, %v; want revoked %v", c.j.Prefixe, j, err, c.revoque)
		}
		evs, err := db.FindEvenements(ctx, "jeton:"+c.j.Prefixe)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range evs {
			got = append(got, e.Action+" "+e.Acteur.Login)
		}
		if strings.Join(got, ", ") != c.actions {
			t.Errorf("events of %s: got %q, want %q", c.j.Prefixe, strings.Join(got, ", "), c.actions)
		}
	}
}
