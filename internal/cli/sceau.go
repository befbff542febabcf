package cli

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/horodatage"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

// The seals of the audit log: segur admin audit seal and verify, and
// serve's daily seal (--tsa).

const adminAuditSealHelp = `Usage : segur admin audit seal --tsa URL [--tsa-ca FICHIER.pem] [--data DOSSIER | --db postgres://...]

Scelle le journal d'audit : demande à l'autorité d'horodatage (RFC 3161) à
l'adresse --tsa (variable SEGUR_TSA) d'horodater la valeur de la chaîne
d'audit à son dernier événement, vérifie le jeton reçu (empreinte, nonce,
signature, certificat réservé à l'horodatage, et avec --tsa-ca, ou
SEGUR_TSA_CA, qu'il remonte à l'une de ces racines), puis l'enregistre
(table sceaux) avec un événement audit.sceller. Les événements scellés ne
peuvent plus être réécrits sans que segur admin audit verify le voie.

Sur la même base que segur serve : --data DOSSIER (SQLite, ./segur-data par
défaut) ou --db postgres://... ; variables SEGUR_DATA et SEGUR_DB.

Exemple :
  segur admin audit seal --tsa https://horodatage.example/tsa --tsa-ca autorite.pem

Code de sortie : 0 scellé ; 1 autorité injoignable, réponse refusée ou
journal vide ; 3 --tsa-ca illisible ; 5 erreur interne ; 7 base de données
injoignable ou refusée ; 64 usage incorrect.
`

const adminAuditVerifyHelp = `Usage : segur admin audit verify [--tsa-ca FICHIER.pem] [--data DOSSIER | --db postgres://...]

Vérifie le journal d'audit, sans rien modifier (utilisable pendant que
segur serve tourne) :
  - la chaîne : chaque événement, lu dans l'ordre, doit suivre le précédent
    du journal et avoir pour maillon le SHA-256 du maillon précédent et de
    son propre contenu ; un événement modifié, supprimé ou ajouté hors du
    portail rompt la chaîne à cet endroit ;
  - chaque sceau : le jeton de l'autorité d'horodatage (signature,
    certificat réservé à l'horodatage, et avec --tsa-ca, ou SEGUR_TSA_CA,
    qu'il remonte à l'une de ces racines) doit attester la valeur de la
    chaîne à l'événement scellé, telle qu'elle est aujourd'hui : un journal
    réécrit en entier, maillons recalculés, ne l'est plus.

Une ligne par problème (« chaîne d'audit rompue à l'événement … »,
« sceau … »), puis ce qui a été vérifié.

Sur la même base que segur serve : --data DOSSIER (SQLite, ./segur-data par
défaut) ou --db postgres://... ; variables SEGUR_DATA et SEGUR_DB.

Exemple :
  segur admin audit verify --tsa-ca autorite.pem

Code de sortie : 0 journal intègre ; 1 problème trouvé ; 3 --tsa-ca
illisible ; 5 erreur interne ; 7 base de données injoignable ou refusée ;
64 usage incorrect.
`

// sceauPeriode is how often serve --tsa seals the audit log, and
// sceauReessai how soon it tries again after a failure.
const (
	sceauPeriode = 24 * time.Hour
	sceauReessai = time.Hour
)

// racinesTSA reads the roots of --tsa-ca (PEM, one certificate or more);
// nil for "".
func racinesTSA(fichier string) (*x509.CertPool, error) {
	if fichier == "" {
		return nil, nil
	}
	b, err := os.ReadFile(fichier)
	if err != nil {
		return nil, &lectureErr{fmt.Sprintf("--tsa-ca « %s » illisible : %s", fichier, plainErr(err))}
	}
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(b) {
		return nil, &lectureErr{fmt.Sprintf("--tsa-ca « %s » : aucun certificat PEM", fichier)}
	}
	return p, nil
}

// lectureErr is a file given that cannot be read: exit 3.
type lectureErr struct{ msg string }

func (e *lectureErr) Error() string { return e.msg }

// sceleur seals the audit log at one authority.
type sceleur struct {
	db     *sqlstore.DB
	client *horodatage.Client
}

// sceller timestamps the chain's head and records the seal.
func (s *sceleur) sceller(ctx context.Context) (*segur.Sceau, error) {
	tete, valeur, err := s.db.TeteChaine(ctx)
	if err != nil {
		return nil, err
	}
	j, err := s.client.Horodater(ctx, valeur)
	if err != nil {
		return nil, segur.Errorf(segur.EUNAVAILABLE, "%v", err)
	}
	sc := &segur.Sceau{EvenementID: tete.ID, Valeur: valeur, Jeton: j.DER, HorodateLe: j.GenTime, TSA: s.client.URL}
	if err := s.db.CreateSceau(ctx, sc); err != nil {
		return nil, err
	}
	return sc, nil
}

// adminAuditSeal is segur admin audit seal.
func adminAuditSeal(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "admin audit seal", adminAuditSealHelp)
	dbf := addDBFlags(fs)
	tsa := fs.String("tsa", os.Getenv("SEGUR_TSA"), "adresse de l'autorité d'horodatage (RFC 3161), http:// ou https://")
	ca := fs.String("tsa-ca", os.Getenv("SEGUR_TSA_CA"), "certificats racines de l'autorité d'horodatage (PEM)")
	rest, status, ok := parseArgs(fs, args)
	if !ok {
		return status
	}
	if len(rest) > 0 {
		fmt.Fprintf(e.stderr, "segur admin audit seal : argument « %s » inattendu\n", rest[0])
		return exitUsage
	}
	if err := verifierURLTSA(*tsa); err != nil {
		fmt.Fprintf(e.stderr, "segur admin audit seal : %v\n", err)
		return exitUsage
	}
	racines, err := racinesTSA(*ca)
	if err != nil {
		fmt.Fprintf(e.stderr, "segur admin audit seal : %v\n", err)
		return exitLecture
	}
	db, err := dbf.open(ctx)
	if err != nil {
		return reportErr(e, "admin audit seal", err)
	}
	defer db.Close()
	s := &sceleur{db: db, client: &horodatage.Client{URL: *tsa, Racines: racines}}
	sc, err := s.sceller(ctx)
	if err != nil {
		if segur.IsCode(err, segur.EUNAVAILABLE) {
			// An authority is not the database: 1, not 7.
			fmt.Fprintf(e.stderr, "segur admin audit seal : %v\n", err)
			return 1
		}
		return reportErr(e, "admin audit seal", err)
	}
	fmt.Fprintf(e.stderr, "Sceau %d : chaîne d'audit à l'événement %d (%s…), horodatée le %s par %s.\n",
		sc.ID, sc.EvenementID, hex.EncodeToString(sc.Valeur[:8]), sc.HorodateLe.In(paris()).Format("2006-01-02 15:04:05"), sc.TSA)
	return exitOK
}

// verifierURLTSA checks an authority's address: http or https.
func verifierURLTSA(u string) error {
	switch {
	case u == "":
		return errors.New("--tsa est obligatoire (ou SEGUR_TSA) : l'adresse de l'autorité d'horodatage")
	case !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://"):
		return fmt.Errorf("--tsa « %s » : attendu une adresse http:// ou https://", u)
	}
	return nil
}

// adminAuditVerify is segur admin audit verify: exit 1 when the chain
// breaks or a seal fails.
func adminAuditVerify(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "admin audit verify", adminAuditVerifyHelp)
	dbf := addDBFlags(fs)
	ca := fs.String("tsa-ca", os.Getenv("SEGUR_TSA_CA"), "certificats racines des autorités d'horodatage (PEM)")
	rest, status, ok := parseArgs(fs, args)
	if !ok {
		return status
	}
	if len(rest) > 0 {
		fmt.Fprintf(e.stderr, "segur admin audit verify : argument « %s » inattendu\n", rest[0])
		return exitUsage
	}
	racines, err := racinesTSA(*ca)
	if err != nil {
		fmt.Fprintf(e.stderr, "segur admin audit verify : %v\n", err)
		return exitLecture
	}
	// A mistyped --data would otherwise be a new, empty and whole log.
	if dbf.baseAbsente(e, "admin audit verify") {
		return exitBase
	}
	db, err := dbf.open(ctx)
	if err != nil {
		return reportErr(e, "admin audit verify", err)
	}
	defer db.Close()
	sceaux, err := db.FindSceaux(ctx)
	if err != nil {
		return reportErr(e, "admin audit verify", err)
	}
	tetes := make([]int64, len(sceaux))
	for i, s := range sceaux {
		tetes[i] = s.EvenementID
	}
	v, err := db.VerifyChaine(ctx, tetes)
	if err != nil {
		return reportErr(e, "admin audit verify", err)
	}
	n := v.NRuptures
	for _, r := range v.Ruptures {
		quand := "absent"
		if !r.Evenement.Quand.IsZero() {
			quand = r.Evenement.Quand.In(paris()).Format("2006-01-02 15:04")
		}
		fmt.Fprintf(e.stdout, "chaîne d'audit rompue à l'événement %d (%s) : %s\n", r.Evenement.ID, quand, r.Cause)
	}
	if autres := v.NRuptures - len(v.Ruptures); autres > 0 {
		fmt.Fprintf(e.stdout, "chaîne d'audit rompue en %d autres endroits, non détaillés\n", autres)
	}
	for _, s := range sceaux {
		if p := verifierSceau(s, v.Maillons, racines); p != "" {
			n++
			fmt.Fprintf(e.stdout, "sceau %d du %s (événement %d, %s) : %s\n", s.ID,
				s.HorodateLe.In(paris()).Format("2006-01-02 15:04"), s.EvenementID, s.TSA, p)
		}
	}
	// What was checked.
	switch v.Evenements {
	case 0:
		fmt.Fprintln(e.stderr, "Chaîne d'audit : aucun événement.")
	default:
		fmt.Fprintf(e.stderr, "Chaîne d'audit : %s, jusqu'à l'événement %d du %s.\n",
			pluriel(int(v.Evenements), "événement relu", "événements relus"), v.Dernier.ID, v.Dernier.Quand.In(paris()).Format("2006-01-02 15:04"))
	}
	switch len(sceaux) {
	case 0:
		fmt.Fprintln(e.stderr, "Sceaux : aucun ; sans sceau, un journal réécrit en entier, maillons recalculés, passerait inaperçu : voir segur admin audit seal.")
	default:
		d := sceaux[len(sceaux)-1]
		fmt.Fprintf(e.stderr, "Sceaux : %s, le dernier du %s (événement %d, %s) ; %s depuis.\n",
			pluriel(len(sceaux), "vérifié", "vérifiés"), d.HorodateLe.In(paris()).Format("2006-01-02 15:04"), d.EvenementID, d.TSA,
			pluriel(int(apres(v, d.EvenementID)), "événement écrit", "événements écrits"))
		if racines == nil {
			fmt.Fprintln(e.stderr, "Sans --tsa-ca, les certificats des autorités ne sont pas rapportés à une racine de confiance.")
		}
	}
	if n > 0 {
		fmt.Fprintf(e.stderr, "%s.\n", pluriel(n, "problème trouvé", "problèmes trouvés"))
		return 1
	}
	fmt.Fprintln(e.stderr, "Journal d'audit intègre.")
	return exitOK
}

// apres estimates how many events came after event id: the last id less
// id, ids having no gaps but the rolled-back transactions'.
func apres(v *sqlstore.VerificationChaine, id int64) int64 {
	return max(0, v.Dernier.ID-id)
}

// verifierSceau returns what is wrong with seal s, in French, or "":
// maillons holds the stored links of the sealed events.
func verifierSceau(s segur.Sceau, maillons map[int64][]byte, racines *x509.CertPool) string {
	j, err := horodatage.Verifier(s.Jeton, s.Valeur, racines)
	if err != nil {
		return err.Error()
	}
	if !j.GenTime.Truncate(time.Microsecond).Equal(s.HorodateLe) {
		return fmt.Sprintf("sa date enregistrée (%s) n'est pas celle du jeton (%s)", s.HorodateLe.Format(time.RFC3339), j.GenTime.Format(time.RFC3339))
	}
	m, ok := maillons[s.EvenementID]
	switch {
	case !ok:
		return fmt.Sprintf("l'événement %d qu'il scelle manque au journal, ou n'a pas de maillon : il a été supprimé", s.EvenementID)
	case !bytes.Equal(m, s.Valeur):
		return fmt.Sprintf("la chaîne à l'événement %d n'a plus la valeur horodatée : le journal a été réécrit jusqu'à cet événement (maillons recalculés)", s.EvenementID)
	}
	return ""
}

// Sceaux is serve's daily seal of the audit log (--tsa, --tsa-ca):
// addSceaux defines its flags, Demarrer starts it.
type Sceaux struct {
	tsa, ca *string
	// reessai is how soon a failed seal is tried again (sceauReessai);
	// fait, when not nil, gets the outcome of each try, and attend how
	// long the next waits (tests).
	reessai time.Duration
	fait    func(*segur.Sceau, error)
	attend  func(time.Duration)
}

// addSceaux defines serve's flags --tsa and --tsa-ca.
func addSceaux(fs *flag.FlagSet) *Sceaux {
	return &Sceaux{
		tsa:     fs.String("tsa", os.Getenv("SEGUR_TSA"), "autorité d'horodatage (RFC 3161) qui scelle le journal d'audit chaque jour (http:// ou https://)"),
		ca:      fs.String("tsa-ca", os.Getenv("SEGUR_TSA_CA"), "certificats racines de l'autorité d'horodatage (PEM)"),
		reessai: sceauReessai,
	}
}

// Demarrer starts, with --tsa, the daily seal of the audit log: at once
// when the last seal is older than a day (or there is none), then a day
// after the last one; a seal that fails (authority unreachable, answer
// refused) is logged and tried again an hour later: the portal never
// waits for it. The returned function stops it. An invalid --tsa or
// unreadable --tsa-ca is an error: serve refuses to start.
func (s *Sceaux) Demarrer(ctx context.Context, e *env, log *slog.Logger, db *sqlstore.DB) (stop func(), err error) {
	if *s.tsa == "" {
		fmt.Fprintln(e.stderr, "segur serve : pas d'autorité d'horodatage (--tsa) : le journal d'audit n'est pas scellé chaque jour.")
		return func() {}, nil
	}
	if err := verifierURLTSA(*s.tsa); err != nil {
		return nil, segur.Errorf(segur.EINVALID, "%v", err)
	}
	racines, err := racinesTSA(*s.ca)
	if err != nil {
		return nil, segur.Errorf(segur.EINVALID, "%v", err)
	}
	sc := &sceleur{db: db, client: &horodatage.Client{URL: *s.tsa, Racines: racines}}
	ctx, cancel := context.WithCancel(segur.WithActeur(ctx, segur.Acteur{Login: "sceau", Adresse: "segur serve"}))
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.run(ctx, log, sc)
	}()
	log.Info("sceaux", "tsa", *s.tsa, "periode", sceauPeriode.String())
	return func() { cancel(); <-done }, nil
}

// run seals when due, until ctx ends.
func (s *Sceaux) run(ctx context.Context, log *slog.Logger, sc *sceleur) {
	for {
		attente := time.Duration(0)
		d, err := sc.db.DernierSceau(ctx)
		switch {
		case err == nil:
			attente = time.Until(d.ScelleLe.Add(sceauPeriode))
		case !segur.IsCode(err, segur.ENOTFOUND):
			log.Warn("sceau du journal d'audit", "erreur", err.Error())
			attente = s.reessai
		}
		if attente > 0 {
			if s.attend != nil {
				s.attend(attente)
			}
			t := time.NewTimer(attente)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		scelle, err := sc.sceller(ctx)
		if ctx.Err() != nil {
			return
		}
		if s.fait != nil {
			s.fait(scelle, err)
		}
		if err != nil {
			log.Warn("sceau du journal d'audit", "tsa", sc.client.URL, "erreur", err.Error(), "reessai", s.reessai.String())
			t := time.NewTimer(s.reessai)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			continue
		}
		log.Info("sceau du journal d'audit", "sceau", scelle.ID, "evenement", scelle.EvenementID, "horodate_le", scelle.HorodateLe)
	}
}
