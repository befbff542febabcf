package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/auth"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

// The administrator's corrections, as the administration's pages make
// them (internal/web/admin_corrections.go): the same store calls, each one
// transaction audited with the state before and after, as the actor
// « cli ».

// utilisateurDe finds the user of --login.
func utilisateurDe(ctx context.Context, db *sqlstore.DB, login string) (*segur.Utilisateur, error) {
	return db.FindUtilisateurByLogin(ctx, strings.TrimSpace(login))
}

func adminUserDisable(ctx context.Context, e *env, args []string) int {
	return adminUserEtat(ctx, e, args, "user disable", true)
}

func adminUserEnable(ctx context.Context, e *env, args []string) int {
	return adminUserEtat(ctx, e, args, "user enable", false)
}

// adminUserEtat disables the user of --login (desactiver) or enables it
// again.
func adminUserEtat(ctx context.Context, e *env, args []string, name string, desactiver bool) int {
	var login *string
	return adminCmd(ctx, e, name, args, func(fs *flag.FlagSet) func() error {
		login = fs.String("login", "", "identifiant du compte : l'adresse électronique de la personne")
		return required(map[string]*string{"login": login})
	}, func(db *sqlstore.DB) error {
		u, err := utilisateurDe(ctx, db, *login)
		if err != nil {
			return err
		}
		if !desactiver {
			if _, err := db.ReactiverUtilisateur(ctx, u.ID); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "Compte de %s réactivé : ses anciennes sessions et ses anciens jetons restent fermés.\n", u.Login)
			return nil
		}
		if _, err := db.DesactiverUtilisateur(ctx, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "Compte de %s désactivé : ses sessions sont fermées et ses jetons d'API révoqués.\n", u.Login)
		return nil
	})
}

func adminUserRoles(ctx context.Context, e *env, args []string) int {
	var login, role *string
	return adminCmd(ctx, e, "user roles", args, func(fs *flag.FlagSet) func() error {
		login = fs.String("login", "", "identifiant du compte : l'adresse électronique de l'agent")
		role = fs.String("role", "", "rôles de l'agence séparés par des virgules : instructeur, payeur, admin (ex. instructeur,payeur)")
		return required(map[string]*string{"login": login, "role": role})
	}, func(db *sqlstore.DB) error {
		roles, err := segur.ParseRoles(*role)
		if err != nil {
			return err
		}
		u, err := utilisateurDe(ctx, db, *login)
		if err != nil {
			return err
		}
		v, err := db.ChangeRolesUtilisateur(ctx, u.ID, roles)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "Rôles de %s changés : %s (avant : %s).\n", v.Login, v.RolesTexte(), u.RolesTexte())
		return nil
	})
}

func adminUserReset(ctx context.Context, e *env, args []string) int {
	var login, public *string
	return adminCmd(ctx, e, "user reset", args, func(fs *flag.FlagSet) func() error {
		login = fs.String("login", "", "identifiant du compte : l'adresse électronique de la personne")
		public = fs.String("url", envOr("SEGUR_URL", defautURL), "adresse publique du portail, pour le lien du courriel (celle de segur serve --url)")
		return required(map[string]*string{"login": login})
	}, func(db *sqlstore.DB) error {
		base, err := parsePortalURL(*public)
		if err != nil {
			return segur.Errorf(segur.EINVALID, "--url : %v", err)
		}
		u, err := utilisateurDe(ctx, db, *login)
		if err != nil {
			return err
		}
		token, digest := auth.NewLinkToken()
		d := segur.DemandeLien{Login: u.Login, Objet: segur.LienReinitialisation, Empreinte: digest, Administrateur: true,
			URL: segur.LienMotDePasse(base, token), Connexion: strings.TrimRight(base, "/") + "/connexion",
			AgentsProConnect: os.Getenv("SEGUR_AGENTS_PROCONNECT_SEULEMENT") == "1"}
		if _, err := db.ReinitialiserMotDePasse(ctx, u.ID, d); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "Mot de passe de %s réinitialisé : l'ancien ne fonctionne plus, ses sessions sont fermées.\n", u.Login)
		fmt.Fprintf(e.stdout, "Courriel pour %s dans la file d'envoi, avec un lien valable une heure pour choisir un nouveau mot de passe, sur %s (envoyé par segur serve avec --smtp).\n", u.Login, base)
		return nil
	})
}

func adminVendorSuspend(ctx context.Context, e *env, args []string) int {
	return adminVendorEtat(ctx, e, args, "vendor suspend", true)
}

func adminVendorResume(ctx context.Context, e *env, args []string) int {
	return adminVendorEtat(ctx, e, args, "vendor resume", false)
}

// adminVendorEtat suspends (suspendre) or re-enables a vendor.
func adminVendorEtat(ctx context.Context, e *env, args []string, name string, suspendre bool) int {
	var siret *string
	return adminCmd(ctx, e, name, args, func(fs *flag.FlagSet) func() error {
		siret = fs.String("siret", "", "SIRET du fournisseur")
		return required(map[string]*string{"siret": siret})
	}, func(db *sqlstore.DB) error {
		f, err := db.FindFournisseurBySIRET(ctx, strings.TrimSpace(*siret))
		if err != nil {
			return err
		}
		if _, err := db.SuspendreFournisseur(ctx, f.ID, suspendre); err != nil {
			return err
		}
		if suspendre {
			fmt.Fprintf(e.stderr, "Fournisseur %s suspendu : ses dépôts sont refusés\u202f; ses données restent consultables.\n", f.Nom)
		} else {
			fmt.Fprintf(e.stderr, "Fournisseur %s rétabli : ses dépôts sont de nouveau acceptés.\n", f.Nom)
		}
		return nil
	})
}

func adminVendorEmail(ctx context.Context, e *env, args []string) int {
	var siret, email *string
	return adminCmd(ctx, e, "vendor email", args, func(fs *flag.FlagSet) func() error {
		siret = fs.String("siret", "", "SIRET du fournisseur")
		email = fs.String("email", "", "nouvelle adresse électronique de contact")
		return required(map[string]*string{"siret": siret, "email": email})
	}, func(db *sqlstore.DB) error {
		f, err := db.FindFournisseurBySIRET(ctx, strings.TrimSpace(*siret))
		if err != nil {
			return err
		}
		g, err := db.ChangeEmailFournisseur(ctx, f.ID, *email)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "Courriel de contact de %s changé : %s (avant : %s).\n", g.Nom, g.Email, f.Email)
		return nil
	})
}

// fenetreID reads --id.
func fenetreID(id string) (segur.FenetreID, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
	if err != nil || n <= 0 {
		return 0, segur.Errorf(segur.EINVALID, "--id « %s » : attendu le numéro d'une campagne (segur admin window list)", id)
	}
	return segur.FenetreID(n), nil
}

func adminWindowEdit(ctx context.Context, e *env, args []string) int {
	var id, to *string
	return adminCmd(ctx, e, "window edit", args, func(fs *flag.FlagSet) func() error {
		id = fs.String("id", "", "numéro de la campagne (segur admin window list)")
		to = fs.String("to", "", "nouvelle fermeture, « AAAA-MM-JJ HH:MM » heure de Paris, plus tôt ou plus tard mais pas passée")
		return required(map[string]*string{"id": id, "to": to})
	}, func(db *sqlstore.DB) error {
		n, err := fenetreID(*id)
		if err != nil {
			return err
		}
		fin, err := time.ParseInLocation("2006-01-02 15:04", strings.TrimSpace(*to), paris())
		if err != nil {
			return segur.Errorf(segur.EINVALID, "--to : attendu « AAAA-MM-JJ HH:MM », par exemple « 2027-03-31 12:00 »")
		}
		avant, apres, err := db.ChangeFinFenetre(ctx, n, fin.UTC(), paris())
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "Campagne %s %s : fermeture le %s au lieu du %s (heure de Paris).\n", apres.Type, apres.Logiciel, dateHeure(apres.Fin), dateHeure(avant.Fin))
		return nil
	})
}

func adminWindowClose(ctx context.Context, e *env, args []string) int {
	var id *string
	return adminCmd(ctx, e, "window close", args, func(fs *flag.FlagSet) func() error {
		id = fs.String("id", "", "numéro de la campagne (segur admin window list)")
		return required(map[string]*string{"id": id})
	}, func(db *sqlstore.DB) error {
		n, err := fenetreID(*id)
		if err != nil {
			return err
		}
		avant, apres, err := db.ChangeFinFenetre(ctx, n, time.Time{}, paris())
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "Campagne %s %s fermée le %s (heure de Paris), au lieu du %s.\n", apres.Type, apres.Logiciel, dateHeure(apres.Fin), dateHeure(avant.Fin))
		return nil
	})
}

func adminWindowCancel(ctx context.Context, e *env, args []string) int {
	var id *string
	return adminCmd(ctx, e, "window cancel", args, func(fs *flag.FlagSet) func() error {
		id = fs.String("id", "", "numéro de la campagne (segur admin window list)")
		return required(map[string]*string{"id": id})
	}, func(db *sqlstore.DB) error {
		n, err := fenetreID(*id)
		if err != nil {
			return err
		}
		f, err := db.AnnulerFenetre(ctx, n, paris())
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "Campagne %s %s prévue du %s au %s (heure de Paris) annulée : elle n'ouvrira pas.\n", f.Type, f.Logiciel, dateHeure(f.Debut), dateHeure(f.Fin))
		return nil
	})
}
