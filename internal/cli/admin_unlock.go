package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/segur-numerique/segur/internal/sqlstore"
)

// adminUserUnlock forgets the failed logins of a login from every address
// (segur admin user unlock): its owner logs in again at once, wherever
// the failures came from. Those of the addresses stay.
func adminUserUnlock(ctx context.Context, e *env, args []string) int {
	var login *string
	return adminCmd(ctx, e, "user unlock", args, func(fs *flag.FlagSet) func() error {
		login = fs.String("login", "", "identifiant du compte : l'adresse électronique de la personne")
		return required(map[string]*string{"login": login})
	}, func(db *sqlstore.DB) error {
		n, err := db.DeleteEchecsConnexion(ctx, *login)
		if err != nil {
			return err
		}
		switch n {
		case 0:
			fmt.Fprintf(e.stderr, "Aucun échec de connexion en cours pour %s : rien à débloquer.\n", *login)
		case 1:
			fmt.Fprintf(e.stderr, "Connexions de %s débloquées (échecs d'une adresse effacés).\n", *login)
		default:
			fmt.Fprintf(e.stderr, "Connexions de %s débloquées (échecs de %d adresses effacés).\n", *login, n)
		}
		return nil
	})
}
