package cli

import (
	"bytes"
	"context"

	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/blob"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

// A vendor's bank details under four eyes, as its administration page
// does them (internal/web/admin_banque.go): each step names the
// administrator who takes it (--as, an active account of role admin),
// since the approver must not be the proposer; the audit log records that
// login, from segur admin.

// lectureError is a file named on the command line that cannot be read:
// exit status exitLecture.
type lectureError struct {
	path string
	err  error
}

func (e *lectureError) Error() string { return e.path + ": " + e.err.Error() }

// administrateur checks that login is an active administrator's account
// and returns ctx with it as the actor.
func administrateur(ctx context.Context, db *sqlstore.DB, login string) (context.Context, error) {
	u, err := db.FindUtilisateurByLogin(ctx, strings.TrimSpace(login))
	if segur.IsCode(err, segur.ENOTFOUND) || (err == nil && (!u.Actif() || !u.A(segur.RoleAdmin))) {
		return ctx, segur.Errorf(segur.EFORBIDDEN, "--as « %s » : attendu l'identifiant d'un administrateur actif du portail, le vôtre", login)
	}
	if err != nil {
		return ctx, err
	}
	a := segur.ActeurFrom(ctx)
	return segur.WithActeur(ctx, segur.Acteur{Login: u.Login, Adresse: "segur admin " + a.Adresse}), nil
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
		as = f.String("as", "", "votre identifiant d'administrateur du portail : un autre administrateur approuvera")
		blobs = f.String("blobs", os.Getenv("SEGUR_BLOBS"), "stockage S3 des fichiers, comme segur serve --blobs (par défaut : le dossier --data)")
		return required(map[string]*string{"siret": siret, "iban": iban, "bic": bic, "justificatif": justificatif, "as": as})
	}, func(db *sqlstore.DB) error {
		ctx, err := administrateur(ctx, db, *as)
		if err != nil {
			return err
		}
		f, err := db.FindFournisseurBySIRET(ctx, strings.TrimSpace(*siret))
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
		as = f.String("as", "", "votre identifiant d'administrateur du portail : pas celui qui a proposé le changement")
		contact = f.String("contact", os.Getenv("SEGUR_CONTACT"), "adresse que le courriel donne au fournisseur s'il n'a pas demandé ce changement (celle de segur serve --contact)")
		return required(map[string]*string{"siret": siret, "as": as})
	}, func(db *sqlstore.DB) error {
		ctx, err := administrateur(ctx, db, *as)
		if err != nil {
			return err
		}
		f, err := db.FindFournisseurBySIRET(ctx, strings.TrimSpace(*siret))
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
		as = f.String("as", "", "votre identifiant d'administrateur du portail")
		return required(map[string]*string{"siret": siret, "reason": reason, "as": as})
	}, func(db *sqlstore.DB) error {
		ctx, err := administrateur(ctx, db, *as)
		if err != nil {
			return err
		}
		f, err := db.FindFournisseurBySIRET(ctx, strings.TrimSpace(*siret))
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
