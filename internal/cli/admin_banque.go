package cli

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/auth"
	"github.com/segur-numerique/segur/internal/blob"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

// A vendor's bank details under four eyes, as its administration page
// does them (internal/web/admin_banque.go): each step names the
// administrator who takes it (--as), since the approver must not be the
// proposer, and that administrator signs in with the portal's password,
// as on the login page: whoever may run segur admin cannot approve in
// another administrator's name. The audit log records that login, from
// segur admin.

// lectureError is a file named on the command line that cannot be read:
// exit status exitLecture.
type lectureError struct {
	path string
	err  error
}

func (e *lectureError) Error() string { return e.path + ": " + e.err.Error() }

// maxMotDePasse bounds a password read from standard input.
const maxMotDePasse = 1024

// administrateur authenticates login (--as) as the administrator who
// takes a step on bank details and returns ctx with it as the actor. Its
// portal password is read from the terminal without echo (the prompt on
// stderr), or from the first line of standard input when it is no
// terminal (a script). It is checked as the login page checks it
// (internal/web/session.go): the attempt counts on the logins' throttle
// (segur.EssaiConnexion, from the address « segur admin HOST »), an
// unknown login costs what a known one costs and is refused as a wrong
// password is, and only who knows the password learns that the account is
// disabled or not an administrator. An account without a password (an
// agent who signs in through ProConnect, or one not yet activated) and,
// with SEGUR_AGENTS_PROCONNECT_SEULEMENT=1, every agent are sent to the
// portal.
func administrateur(ctx context.Context, e *env, db *sqlstore.DB, login string) (context.Context, error) {
	login = strings.ToLower(strings.TrimSpace(login))
	if login == "" || len(login) > segur.MaxLoginConnexion {
		return ctx, segur.Errorf(segur.EINVALID, "--as : attendu votre identifiant d'administrateur du portail (votre adresse électronique)")
	}
	portail := func(pourquoi string) error {
		return segur.Errorf(segur.EFORBIDDEN, "--as %s : %s. Proposez, approuvez ou rejetez le changement sur le portail : Administration, « Coordonnées bancaires en attente », puis la page du fournisseur.", login, pourquoi)
	}
	u, err := db.FindUtilisateurByLogin(ctx, login)
	hash := auth.Leurre // unknown logins cost what known ones cost
	switch {
	case err == nil && u.MotDePasse == "":
		return ctx, portail("ce compte n'a pas de mot de passe du portail (il se connecte par ProConnect, ou n'est pas encore activé), segur admin ne peut pas l'authentifier")
	case err == nil && u.Agent() && os.Getenv("SEGUR_AGENTS_PROCONNECT_SEULEMENT") == "1":
		return ctx, portail("les agents se connectent par ProConnect seulement (SEGUR_AGENTS_PROCONNECT_SEULEMENT=1), jamais par mot de passe")
	case err == nil:
		hash = u.MotDePasse
	case segur.IsCode(err, segur.ENOTFOUND):
		u = nil
	default:
		return ctx, err
	}
	motDePasse, err := lireMotDePasse(e, login)
	if err != nil {
		return ctx, err
	}
	host, _ := os.Hostname()
	essai := segur.EssaiConnexion{Login: login, Adresse: "segur admin " + cmp.Or(host, "local")}
	attente, err := db.CreateEssaiConnexion(ctx, essai, time.Now())
	if err != nil {
		return ctx, err
	}
	if attente > 0 {
		return ctx, segur.Errorf(segur.ETOOMANY, "--as %s : trop d'essais de mot de passe, réessayez dans %s.", login, pluriel(int((attente+time.Minute-1)/time.Minute), "minute", "minutes"))
	}
	ok, err := auth.CheckPassword(hash, motDePasse)
	if err != nil {
		return ctx, err
	}
	if !ok || u == nil {
		return ctx, segur.Errorf(segur.EUNAUTHORIZED, "--as %s : identifiant ou mot de passe du portail incorrect.", login)
	}
	if err := db.DeleteEssaiConnexion(ctx, essai, true); err != nil {
		return ctx, err
	}
	switch {
	case !u.Actif():
		return ctx, segur.Errorf(segur.EFORBIDDEN, "--as %s : %s", login, segur.MsgCompteDesactive)
	case !u.A(segur.RoleAdmin):
		return ctx, segur.Errorf(segur.EFORBIDDEN, "--as %s : ce compte n'est pas administrateur du portail (rôles : %s) ; seul un administrateur propose, approuve ou rejette un changement de coordonnées bancaires.", login, u.RolesTexte())
	}
	a := segur.ActeurFrom(ctx)
	return segur.WithActeur(ctx, segur.Acteur{Login: u.Login, Adresse: "segur admin " + a.Adresse}), nil
}

// lireMotDePasse reads login's portal password: from the terminal without
// echo when standard input is one, asking on stderr; otherwise the first
// line of standard input.
func lireMotDePasse(e *env, login string) (string, error) {
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(e.stderr, "Mot de passe du portail de %s : ", login)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", fmt.Errorf("lecture du mot de passe : %w", err)
		}
		if len(b) == 0 {
			return "", segur.Errorf(segur.EINVALID, "--as %s : mot de passe vide.", login)
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(io.LimitReader(e.stdin, maxMotDePasse+1)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("lecture du mot de passe : %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	switch {
	case line == "":
		return "", segur.Errorf(segur.EINVALID, "--as %s : mot de passe du portail attendu sur l'entrée standard (une ligne), ou saisi au terminal.", login)
	case len(line) > maxMotDePasse:
		return "", segur.Errorf(segur.EINVALID, "--as %s : mot de passe trop long (au plus %d octets).", login, maxMotDePasse)
	}
	return line, nil
}

// lireJustificatif reads the statement at path as a piece is read: at
// most hop.MaxPiece bytes, PDF, PNG or JPG by its content; its name is
// kept for display only.
func lireJustificatif(path string) ([]byte, string, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", "", &lectureError{path, err}
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, hop.MaxPiece+1))
	if err != nil {
		return nil, "", "", &lectureError{path, err}
	}
	switch {
	case len(b) > hop.MaxPiece:
		return nil, "", "", segur.Errorf(segur.ETOOLARGE, "--justificatif %s : fichier trop volumineux, au plus 3 Mo", path)
	case len(b) == 0:
		return nil, "", "", segur.Errorf(segur.EINVALID, "--justificatif %s : fichier vide", path)
	}
	format := hop.FormatPiece(b[:min(len(b), 8)])
	if format == "" {
		return nil, "", "", segur.Errorf(segur.EINVALID, "--justificatif %s : format non reconnu, le relevé d'identité bancaire doit être un PDF, un PNG ou un JPG (vérifié sur son contenu)", path)
	}
	return b, format, filepath.Base(path), nil
}

func adminVendorIbanPropose(ctx context.Context, e *env, args []string) int {
	var siret, iban, bic, justificatif, as, blobs *string
	var fs *flag.FlagSet
	return adminCmd(ctx, e, "vendor iban propose", args, func(f *flag.FlagSet) func() error {
		fs = f
		siret = f.String("siret", "", "SIRET du fournisseur")
		iban = f.String("iban", "", "nouvel IBAN, tel qu'il figure sur le relevé d'identité bancaire")
		bic = f.String("bic", "", "nouveau BIC")
		justificatif = f.String("justificatif", "", "relevé d'identité bancaire (RIB) du nouveau compte : PDF, PNG ou JPG, 3 Mo au plus")
		as = f.String("as", "", "votre identifiant d'administrateur du portail, authentifié par votre mot de passe du portail (saisi au terminal, ou lu sur l'entrée standard) : un autre administrateur approuvera")
		blobs = f.String("blobs", os.Getenv("SEGUR_BLOBS"), "stockage S3 des fichiers, comme segur serve --blobs (par défaut : le dossier --data)")
		return required(map[string]*string{"siret": siret, "iban": iban, "bic": bic, "justificatif": justificatif, "as": as})
	}, func(db *sqlstore.DB) error {
		ctx, f, err := administrateurEtFournisseur(ctx, e, db, *as, *siret)
		if err != nil {
			return err
		}
		// The details are checked before the file is stored.
		if _, _, err := segur.ValiderCoordonnees(*iban, *bic); err != nil {
			return err
		}
		b, format, nom, err := lireJustificatif(*justificatif)
		if err != nil {
			return err
		}
		store, err := blob.Open(ctx, *blobs, fs.Lookup("data").Value.String())
		if err != nil {
			return err
		}
		ref, err := store.Put(ctx, bytes.NewReader(b), hop.MaxPiece)
		if err != nil {
			return err
		}
		c, err := db.ProposerChangementBanque(ctx, f.ID, *iban, *bic, segur.Justificatif{Fichier: ref, Format: format, Nom: nom})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "Changement de coordonnées bancaires de %s proposé : IBAN %s, BIC %s (en vigueur : %s). Il prendra effet quand un autre administrateur l'aura approuvé (segur admin vendor iban approve).\n",
			f.Nom, c.IBAN, c.BIC, ibanOuAucun(c.AncienIBAN))
		return nil
	})
}

// administrateurEtFournisseur authenticates the administrator of --as
// (administrateur) and reads the vendor of --siret: the first steps of
// the three bank details commands.
func administrateurEtFournisseur(ctx context.Context, e *env, db *sqlstore.DB, as, siret string) (context.Context, *segur.Fournisseur, error) {
	ctx, err := administrateur(ctx, e, db, as)
	if err != nil {
		return ctx, nil, err
	}
	f, err := db.FindFournisseurBySIRET(ctx, strings.TrimSpace(siret))
	return ctx, f, err
}

// ibanOuAucun is iban, or « aucun ».
func ibanOuAucun(iban string) string {
	if iban == "" {
		return "aucun"
	}
	return "IBAN " + iban
}

func adminVendorIbanApprove(ctx context.Context, e *env, args []string) int {
	var siret, as, contact *string
	return adminCmd(ctx, e, "vendor iban approve", args, func(f *flag.FlagSet) func() error {
		siret = f.String("siret", "", "SIRET du fournisseur")
		as = f.String("as", "", "votre identifiant d'administrateur du portail, authentifié par votre mot de passe du portail (saisi au terminal, ou lu sur l'entrée standard) : pas celui qui a proposé le changement")
		contact = f.String("contact", os.Getenv("SEGUR_CONTACT"), "adresse que le courriel donne au fournisseur s'il n'a pas demandé ce changement (celle de segur serve --contact)")
		return required(map[string]*string{"siret": siret, "as": as})
	}, func(db *sqlstore.DB) error {
		ctx, f, err := administrateurEtFournisseur(ctx, e, db, *as, *siret)
		if err != nil {
			return err
		}
		c, err := db.ApprouverChangementBanque(ctx, f.ID, strings.TrimSpace(*contact), paris())
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "Nouvelles coordonnées bancaires de %s en vigueur : IBAN %s, BIC %s (avant : %s). Le fournisseur et ses utilisateurs en sont avertis par courriel (envoyé par segur serve avec --smtp).\n",
			f.Nom, c.IBAN, c.BIC, ibanOuAucun(c.AncienIBAN))
		return nil
	})
}

func adminVendorIbanReject(ctx context.Context, e *env, args []string) int {
	var siret, reason, as *string
	return adminCmd(ctx, e, "vendor iban reject", args, func(f *flag.FlagSet) func() error {
		siret = f.String("siret", "", "SIRET du fournisseur")
		reason = f.String("reason", "", "motif du rejet, gardé dans l'historique du fournisseur")
		as = f.String("as", "", "votre identifiant d'administrateur du portail, authentifié par votre mot de passe du portail (saisi au terminal, ou lu sur l'entrée standard)")
		return required(map[string]*string{"siret": siret, "reason": reason, "as": as})
	}, func(db *sqlstore.DB) error {
		ctx, f, err := administrateurEtFournisseur(ctx, e, db, *as, *siret)
		if err != nil {
			return err
		}
		if _, err := db.RejeterChangementBanque(ctx, f.ID, *reason, paris()); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "Changement de coordonnées bancaires de %s rejeté : les coordonnées en vigueur restent inchangées.\n", f.Nom)
		return nil
	})
}

// adminVendorIbanList lists every vendor's change of bank details not yet
// decided, as /agence/admin/banque does: the longest waiting first, IBANs
// masked but their last four characters; an expired one can no longer be
// approved.
func adminVendorIbanList(ctx context.Context, e *env, args []string) int {
	return adminCmd(ctx, e, "vendor iban list", args, func(*flag.FlagSet) func() error { return func() error { return nil } },
		func(db *sqlstore.DB) error {
			cs, err := db.FindChangementsBanqueEnAttente(ctx)
			if err != nil {
				return err
			}
			now := time.Now()
			w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "SIRET\tFOURNISSEUR\tPROPOSÉ PAR\tLE\tEN VIGUEUR\tNOUVEAU\tATTENTE\tÉTAT")
			expires := 0
			for _, c := range cs {
				attente, etat := now.Sub(c.ProposeLe), "en attente, à approuver avant le "+dateHeure(c.ExpireLe())
				if c.Etat == segur.BanqueExpire {
					attente, etat = c.ExpireLe().Sub(c.ProposeLe), "expiré le "+dateHeure(c.ExpireLe())+" : à proposer de nouveau"
					expires++
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.SIRET, c.Nom, c.ProposePar, dateHeure(c.ProposeLe),
					ibanMasque(c.AncienIBAN, c.AncienBIC), ibanMasque(c.IBAN, c.BIC), jours(attente), etat)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			switch {
			case len(cs) == 0:
				fmt.Fprintln(e.stderr, "Aucun changement de coordonnées bancaires n'attend d'approbation.")
			case expires < len(cs):
				fmt.Fprintf(e.stderr, "%s à approuver, par un autre administrateur que celui qui l'a proposé, après l'avoir comparé au relevé d'identité bancaire (page du fournisseur) : segur admin vendor iban approve --siret S --as LOGIN.\n",
					pluriel(len(cs)-expires, "changement", "changements"))
			}
			return nil
		})
}

// ibanMasque writes an IBAN masked but its last four characters, with its
// BIC; « aucun » for none.
func ibanMasque(iban, bic string) string {
	if iban == "" {
		return "aucun"
	}
	return "•••• " + iban[max(0, len(iban)-4):] + " (" + bic + ")"
}

// jours says a wait in whole days.
func jours(d time.Duration) string {
	n := int(d / (24 * time.Hour))
	if n < 1 {
		return "moins d'un jour"
	}
	return pluriel(n, "jour", "jours")
}
