package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/auth"
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
	var (
		id, login *string
		parJeton  *bool
	)
	return adminCmd(ctx, e, "agent-token revoke", args, func(fs *flag.FlagSet) func() error {
		id = fs.String("id", "", "numéro du jeton (colonne N° de segur admin agent-token list)")
		login = fs.String("login", "", "facultatif : ne révoquer que si le jeton est bien celui de cet agent")
		parJeton = fs.Bool("token-stdin", false, "lire le jeton lui-même (sga_…, celui qui a fuité) sur l'entrée standard, au lieu de --id")
		return func() error {
			if (strings.TrimSpace(*id) == "") == !*parJeton {
				return segur.Errorf(segur.EINVALID, "attendu --id N (colonne N° de segur admin agent-token list) ou --token-stdin (le jeton sur l'entrée standard), l'un des deux")
			}
			return nil
		}
	}, func(db *sqlstore.DB) error {
		var (
			j   *segur.Jeton
			err error
		)
		if *parJeton {
			if j, err = jetonAgentLu(ctx, e, db); err != nil {
				return err
			}
		} else {
			n, err := strconv.ParseInt(strings.TrimSpace(*id), 10, 64)
			if err != nil || n < 1 {
				return segur.Errorf(segur.EINVALID, "--id « %s » : attendu le numéro du jeton, un entier à partir de 1 (colonne N° de segur admin agent-token list)", *id)
			}
			if j, err = db.FindJetonAgentByID(ctx, segur.JetonID(n)); err != nil {
				return err
			}
		}
		n := j.ID
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

// jetonAgentLu finds the agent's token read on standard input (one line,
// 1 KiB at most: a token is 50 characters) by its digest, as the API does;
// the token itself is neither printed nor kept.
func jetonAgentLu(ctx context.Context, e *env, db *sqlstore.DB) (*segur.Jeton, error) {
	ligne, err := bufio.NewReader(io.LimitReader(e.stdin, 1024)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	tok := strings.TrimSpace(ligne)
	switch {
	case tok == "":
		return nil, segur.Errorf(segur.EINVALID, "--token-stdin : aucun jeton lu sur l'entrée standard (attendu sga_… sur une ligne)")
	case !strings.HasPrefix(tok, auth.AgentTokenPrefix):
		return nil, segur.Errorf(segur.EINVALID, "--token-stdin : ce n'est pas un jeton d'agent (attendu %s…) ; un jeton de fournisseur se révoque par segur admin token revoke", auth.AgentTokenPrefix)
	}
	j, err := db.FindJetonAgentByEmpreinte(ctx, auth.TokenDigest(tok))
	if segur.IsCode(err, segur.ENOTFOUND) {
		return nil, segur.Errorf(segur.ENOTFOUND, "--token-stdin : aucun jeton d'agent de ce portail ne correspond : rien n'est révoqué")
	}
	return j, err
}
