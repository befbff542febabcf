package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/courrier"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

// smtpFlags are segur serve's options of the mails to the vendors.
type smtpFlags struct {
	addr, de, utilisateur, tls *string
}

func addSMTPFlags(fs *flag.FlagSet) smtpFlags {
	return smtpFlags{
		addr: fs.String("smtp", os.Getenv("SEGUR_SMTP"), "serveur SMTP des courriels aux fournisseurs, hôte:port (vide : les courriels restent dans la file d'envoi)"),
		de:   fs.String("smtp-de", envOr("SEGUR_SMTP_DE", courrier.DefaultDe), "expéditeur des courriels"),
		utilisateur: fs.String("smtp-utilisateur", os.Getenv("SEGUR_SMTP_UTILISATEUR"),
			"identifiant SMTP (le mot de passe dans la variable SEGUR_SMTP_MOT_DE_PASSE), envoyé seulement sous TLS ou en local"),
		tls: fs.String("smtp-tls", os.Getenv("SEGUR_SMTP_TLS"),
			"starttls (exigé) ou tls (dès la connexion) ; par défaut STARTTLS quand le serveur l'offre, tls sur le port 465"),
	}
}

// config reads the options into the sender's configuration; ok is false
// without --smtp.
func (f smtpFlags) config(motDePasse string) (s courrier.SMTP, ok bool, err error) {
	addr := strings.TrimSpace(*f.addr)
	if addr == "" {
		return courrier.SMTP{}, false, nil
	}
	s = courrier.SMTP{Addr: addr, De: strings.TrimSpace(*f.de), Utilisateur: strings.TrimSpace(*f.utilisateur),
		MotDePasse: motDePasse, TLS: courrier.ModeTLS(strings.ToLower(strings.TrimSpace(*f.tls)))}
	if _, port, err := net.SplitHostPort(addr); err == nil && port == "465" && s.TLS == courrier.TLSAuto {
		s.TLS = courrier.TLSImplicite // SMTPS: TLS from the first byte
	}
	if s.Utilisateur != "" && s.MotDePasse == "" {
		return courrier.SMTP{}, false, segur.Errorf(segur.EINVALID, "--smtp-utilisateur : le mot de passe est attendu dans la variable SEGUR_SMTP_MOT_DE_PASSE")
	}
	if err := s.Valider(); err != nil {
		return courrier.SMTP{}, false, err
	}
	return s, true, nil
}

// start starts the postman on ctx, if --smtp is set, and returns the
// function that stops it and waits for it (a mail in flight is recorded
// before the store closes). A receive on reveil starts a pass at once.
func (f smtpFlags) start(ctx context.Context, e *env, log *slog.Logger, db *sqlstore.DB, blobs segur.Blobs, reveil <-chan struct{}) (stop func(), err error) {
	s, ok, err := f.config(os.Getenv("SEGUR_SMTP_MOT_DE_PASSE"))
	if err != nil {
		return nil, err
	}
	if !ok {
		fmt.Fprintln(e.stderr, "segur serve : pas de serveur SMTP (--smtp) : les courriels aux fournisseurs restent dans la file d'envoi (segur admin mail list).")
		return func() {}, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	p := &courrier.Postier{Store: db, Blobs: blobs, SMTP: s, Log: log, Reveil: reveil}
	var wg sync.WaitGroup
	wg.Go(func() { p.Run(ctx) })
	fmt.Fprintf(e.stderr, "Courriels aux fournisseurs par le serveur SMTP %s, de « %s ».\n", s.Addr, s.De)
	return func() {
		cancel()
		wg.Wait()
	}, nil
}

func adminMailList(ctx context.Context, e *env, args []string) int {
	var etat *string
	var limit *int
	return adminCmd(ctx, e, "mail list", args, func(fs *flag.FlagSet) func() error {
		etat = fs.String("etat", "", "a_envoyer, en_echec ou envoye (par défaut : tous)")
		limit = fs.Int("limit", 50, "nombre de courriels, les plus récents d'abord")
		return func() error { return nil }
	}, func(db *sqlstore.DB) error {
		cs, total, err := db.FindCourriels(ctx, segur.EtatCourriel(*etat), *limit, 0)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "N°\tÉTAT\tOBJET\tDESTINATAIRES\tCRÉÉ LE\tÉCHECS\tPROCHAIN ESSAI\tDERNIÈRE ERREUR")
		for _, c := range cs {
			prochain := dateHeure(c.ProchainEssai)
			if c.Etat == segur.CourrielEnvoye {
				prochain = "envoyé le " + dateHeure(c.EnvoyeLe)
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", c.ID, c.Etat.Libelle(), c.Objet, strings.Join(c.A, ", "),
				dateHeure(c.CreeLe), c.Tentatives, prochain, abrege(c.DerniereErreur, 100))
		}
		if err := w.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "%s sur %d.\n", pluriel(len(cs), "courriel", "courriels"), total)
		return nil
	})
}

func adminMailRetry(ctx context.Context, e *env, args []string) int {
	var id *string
	return adminCmd(ctx, e, "mail retry", args, func(fs *flag.FlagSet) func() error {
		id = fs.String("id", "", "numéro du courriel (segur admin mail list)")
		return required(map[string]*string{"id": id})
	}, func(db *sqlstore.DB) error {
		n, err := strconv.ParseInt(strings.TrimSpace(*id), 10, 64)
		if err != nil || n <= 0 {
			return segur.Errorf(segur.EINVALID, "--id « %s » : attendu le numéro du courriel", *id)
		}
		if err := db.RetryCourriel(ctx, segur.CourrielID(n)); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "Courriel n° %d relancé : il part au prochain passage de segur serve.\n", n)
		return nil
	})
}

// abrege puts s on one line of at most n characters.
func abrege(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	if s == "" {
		return "-"
	}
	return s
}
