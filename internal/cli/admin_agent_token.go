package cli

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

// The agents' API tokens (sga_…, for the agency's read-only API): each
// agent creates his own on his account page; here an operator lists an
// agent's and revokes one without the web, by the store calls of that
// page, audited (jeton_agent.revoquer) as the actor « cli ». There is no
// create: a token is its agent's own, and one made here would be read by
// the operator first.

func adminAgentTokenList(ctx context.Context, e *env, args []string) int {
	var login *string
	return adminCmd(ctx, e, "agent-token list", args, func(fs *flag.FlagSet) func() error {
		login = fs.String("login", "", "identifiant de l'agent : son adresse électronique")
		return required(map[string]*string{"login": login})
	}, func(db *sqlstore.DB) error {
		u, err := utilisateurDe(ctx, db, *login)
		if err != nil {
			return err
		}
		js, err := db.FindJetonsAgent(ctx, u.ID)
		if err != nil {
			return err
		}
		if !u.Agent() && len(js) == 0 {
			return segur.Errorf(segur.EINVALID, "%s n'est pas un agent de l'agence : les jetons d'un fournisseur se listent par segur admin token list --siret SIRET", u.Login)
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "N°\tPRÉFIXE\tCRÉÉ LE\tEXPIRE LE\tDERNIER USAGE\tRÉVOQUÉ LE")
		for _, j := range js {
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", j.ID, j.Prefixe, dateHeure(j.CreeLe), dateHeure(j.ExpireLe), dateHeure(j.DernierUsage), dateHeure(j.RevoqueLe))
		}
		if err := w.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "%s pour %s.\n", pluriel(len(js), "jeton d'agent", "jetons d'agent"), u.Login)
		return nil
	})
}

func adminAgentTokenRevoke(ctx context.Context, e *env, args []string) int {
	var id, login *string
	return adminCmd(ctx, e, "agent-token revoke", args, func(fs *flag.FlagSet) func() error {
		id = fs.String("id", "", "numéro du jeton (colonne N° de segur admin agent-token list)")
		login = fs.String("login", "", "facultatif : ne révoquer que si le jeton est bien celui de cet agent")
		return required(map[string]*string{"id": id})
	}, func(db *sqlstore.DB) error {
		n, err := strconv.ParseInt(strings.TrimSpace(*id), 10, 64)
		if err != nil || n < 1 {
			return segur.Errorf(segur.EINVALID, "--id « %s » : attendu le numéro du jeton, un entier à partir de 1 (colonne N° de segur admin agent-token list)", *id)
		}
		j, err := db.FindJetonAgentByID(ctx, segur.JetonID(n))
		if err != nil {
			return err
		}
		u, err := db.FindUtilisateurByID(ctx, j.UtilisateurID)
		if err != nil {
			return err
		}
		if l := strings.TrimSpace(*login); l != "" && !strings.EqualFold(l, u.Login) {
			return segur.Errorf(segur.ENOTFOUND, "le jeton d'agent n° %d n'est pas celui de %s : rien n'est révoqué", n, l)
		}
		if !j.RevoqueLe.IsZero() {
			fmt.Fprintf(e.stderr, "Jeton %s… de %s déjà révoqué le %s : rien à faire.\n", j.Prefixe, u.Login, dateHeure(j.RevoqueLe))
			return nil
		}
		if err := db.RevokeJetonAgent(ctx, j.ID); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "Jeton %s… de %s révoqué : l'API de l'agence le refuse dès sa prochaine requête.\n", j.Prefixe, u.Login)
		return nil
	})
}
