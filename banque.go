package segur

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/segur-numerique/segur/hop"
)

// A vendor's bank details change under four eyes: the classic route of
// payment fraud is to have an agency pay to a new account. One
// administrator proposes the new IBAN and BIC with the bank's statement
// (RIB); a second, different administrator approves it, and only then do
// payments use it; either may reject it with a reason. A proposal not
// approved within ValiditeChangementBanque expires: it can no longer be
// approved, and a new one may be made, with a statement of the day. A
// batch of payments uses the details in force when it was prepared, copied
// on its payment lines, whatever changes after.

// ChangementBanqueID identifies a proposed change of bank details.
type ChangementBanqueID int64

// EtatChangementBanque is where a change of bank details stands.
type EtatChangementBanque string

// The states of a change of bank details: en_attente → approuve,
// en_attente → rejete, or en_attente → expire.
const (
	BanqueEnAttente EtatChangementBanque = "en_attente" // proposed, awaiting a second administrator
	BanqueApprouve  EtatChangementBanque = "approuve"   // in force since DecideLe
	BanqueRejete    EtatChangementBanque = "rejete"     // rejected or withdrawn, with Motif
	BanqueExpire    EtatChangementBanque = "expire"     // not approved in time: expired at DecideLe, decided by no one
)

// ValiditeChangementBanque is how long a proposed change of bank details
// may be approved: 30 days (of 24 hours) from its proposal. A statement
// older than that is no evidence of the account any more, and a proposal
// nobody approves should not wait, ready to be approved, for months. The
// expiry is decided when the change is read (Expirer): nothing needs to
// run at the deadline; a store records it when a new proposal replaces it.
const ValiditeChangementBanque = 30 * 24 * time.Hour

// Libelle is the state as the pages say it.
func (e EtatChangementBanque) Libelle() string {
	switch e {
	case BanqueEnAttente:
		return "En attente d'approbation"
	case BanqueApprouve:
		return "Approuvé"
	case BanqueRejete:
		return "Rejeté"
	case BanqueExpire:
		return "Expiré"
	}
	return string(e)
}

// MaxMotifBanque bounds the reason of a rejection, in characters.
const MaxMotifBanque = 1000

// Justificatif is the document that supports a change of bank details: a
// bank statement (RIB), PDF, PNG or JPG, stored as a blob; Nom is the
// name it was sent under, for display only.
type Justificatif struct {
	Fichier BlobRef
	Format  string // PDF, PNG or JPG, read from its content
	Nom     string
}

// ChangementBanque is a proposed change of a vendor's IBAN and BIC, with
// the details it replaces.
type ChangementBanque struct {
	ID                    ChangementBanqueID
	FournisseurID         FournisseurID
	AncienIBAN, AncienBIC string // the details in force when it was proposed
	IBAN, BIC             string // the new ones, normalised
	Justificatif          Justificatif
	Etat                  EtatChangementBanque
	ProposeLe             time.Time
	ProposePar            string
	DecideLe              time.Time // zero while pending; the expiry of an expired one
	DecidePar             string    // "" while pending, and for an expired one
	Motif                 string    // the reason of a rejection
}

// ChangementBanqueFournisseur is a change of bank details with its
// vendor's name and SIRET, as the administrators' list of the changes
// awaiting approval shows it.
type ChangementBanqueFournisseur struct {
	ChangementBanque
	Nom, SIRET string
}

// ValiderCoordonnees checks bank details typed by a person and returns
// them normalised (upper case, without spaces): an IBAN whose ISO 13616
// key is right, of its country's length, and for a French one its
// national format (bank and branch codes, account number, RIB key); a BIC
// of 8 or 11 characters. Its error is a Fautes of fields iban and bic.
func ValiderCoordonnees(iban, bic string) (string, string, error) {
	iban = hop.NormaliserIBAN(iban)
	bic = strings.ToUpper(strings.Join(strings.Fields(bic), ""))
	var fs Fautes
	switch {
	case iban == "":
		fs.add("iban", "saisissez le nouvel IBAN, tel qu'il figure sur le relevé d'identité bancaire")
	case !hop.IBANValide(iban):
		fs.add("iban", "IBAN « %s » : invalide (pays, longueur ou clé de contrôle)\u202f; recopiez-le depuis le relevé d'identité bancaire", couper(iban, 40))
	case strings.HasPrefix(iban, "FR") && !ribFrancais(iban[4:]):
		fs.add("iban", "IBAN « %s » : un IBAN français compte 5 chiffres de code banque, 5 de code guichet, 11 caractères de numéro de compte et une clé RIB juste", iban)
	}
	switch {
	case bic == "":
		fs.add("bic", "saisissez le nouveau BIC, tel qu'il figure sur le relevé d'identité bancaire")
	case !hop.BICValide(bic):
		fs.add("bic", "BIC « %s » : attendu 8 ou 11 lettres ou chiffres (banque, pays, lieu, agence)", couper(bic, 40))
	}
	if len(fs) > 0 {
		return "", "", fs
	}
	return iban, bic, nil
}

// ribFrancais reports whether bban, the 23 characters of a French IBAN
// after its country and key, is a RIB: a 5-digit bank code, a 5-digit
// branch code, an 11-character account number (digits and letters) and a
// 2-digit RIB key such that 89 × bank + 15 × branch + 3 × account + key is
// a multiple of 97, letters read as the RIB does (A and J 1, B K S 2…).
func ribFrancais(bban string) bool {
	if len(bban) != 23 {
		return false
	}
	valeur := func(s string) (int, bool) {
		n := 0
		for i := range len(s) {
			c := s[i]
			var d int
			switch {
			case c >= '0' && c <= '9':
				d = int(c - '0')
			case c >= 'A' && c <= 'I':
				d = int(c-'A') + 1
			case c >= 'J' && c <= 'R':
				d = int(c-'J') + 1
			case c >= 'S' && c <= 'Z':
				d = int(c-'S') + 2
			default:
				return 0, false
			}
			n = (n*10 + d) % 97
		}
		return n, true
	}
	if !chiffresSeuls(bban[:10]) || !chiffresSeuls(bban[21:]) {
		return false
	}
	banque, _ := valeur(bban[:5])
	guichet, _ := valeur(bban[5:10])
	compte, ok := valeur(bban[10:21])
	cle, _ := valeur(bban[21:])
	return ok && (89*banque+15*guichet+3*compte+cle)%97 == 0
}

func chiffresSeuls(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ProposerBanque checks that administrator par may propose the new bank
// details iban and bic of f, supported by j, and returns the pending
// change, its details normalised. enAttente is the vendor's pending
// change, nil if none: there is at most one; one expired at quand does
// not stand in the way (the caller records its expiry). Its error is a
// Fautes of fields iban, bic and justificatif, or an ECONFLICT.
func (f *Fournisseur) ProposerBanque(iban, bic string, j Justificatif, par string, enAttente *ChangementBanque, quand time.Time) (*ChangementBanque, error) {
	if enAttente != nil && !enAttente.Expirer(quand) {
		return nil, Errorf(ECONFLICT, "Un changement de coordonnées bancaires de %s, proposé par %s, attend déjà son approbation : approuvez-le ou rejetez-le avant d'en proposer un autre.", f.Nom, enAttente.ProposePar)
	}
	iban, bic, err := ValiderCoordonnees(iban, bic)
	var fs Fautes
	if err != nil && !errors.As(err, &fs) {
		return nil, err
	} else if err == nil && iban == f.IBAN && bic == f.BIC {
		fs.add("iban", "ce sont déjà les coordonnées bancaires de %s : rien n'est changé", f.Nom)
	}
	switch {
	case j.Fichier.SHA256 == "" || j.Fichier.Taille <= 0:
		fs.add("justificatif", "joignez le relevé d'identité bancaire (RIB) du nouveau compte : un PDF, un PNG ou un JPG")
	case j.Format != "PDF" && j.Format != "PNG" && j.Format != "JPG":
		fs.add("justificatif", "format non reconnu : le relevé d'identité bancaire doit être un PDF, un PNG ou un JPG (vérifié sur son contenu)")
	case j.Fichier.Taille > hop.MaxPiece:
		fs.add("justificatif", "fichier trop volumineux : au plus %d Mo", hop.MaxPiece>>20)
	}
	if len(fs) > 0 {
		return nil, fs
	}
	j.Nom = strings.TrimSpace(j.Nom)
	if j.Nom == "" || utf8.RuneCountInString(j.Nom) > MaxNomPiece || controle(j.Nom) {
		j.Nom = "rib." + strings.ToLower(j.Format)
	}
	return &ChangementBanque{FournisseurID: f.ID, AncienIBAN: f.IBAN, AncienBIC: f.BIC, IBAN: iban, BIC: bic, Justificatif: j,
		Etat: BanqueEnAttente, ProposeLe: quand.UTC(), ProposePar: strings.TrimSpace(par)}, nil
}

// ExpireLe is when pending change c expires: ValiditeChangementBanque
// after its proposal.
func (c *ChangementBanque) ExpireLe() time.Time {
	return c.ProposeLe.Add(ValiditeChangementBanque)
}

// Expirer records, at quand, the expiry of c if it is pending and
// ValiditeChangementBanque has passed since its proposal: its state
// becomes BanqueExpire, expired at c.ExpireLe(). It reports whether c is
// expired, now or before.
func (c *ChangementBanque) Expirer(quand time.Time) bool {
	if c.Etat == BanqueEnAttente && !quand.Before(c.ExpireLe()) {
		c.Etat, c.DecideLe, c.DecidePar = BanqueExpire, c.ExpireLe().UTC(), ""
	}
	return c.Etat == BanqueExpire
}

// enAttente refuses a decision at quand on a change that is no longer
// pending: decided, or expired (saying when, in paris, and what to do).
func (c *ChangementBanque) enAttente(quand time.Time, paris *time.Location) error {
	if c.Expirer(quand) {
		return Errorf(ECONFLICT, "Ce changement de coordonnées bancaires, proposé par %s le %s, a expiré le %s (heure de Paris) sans avoir été approuvé : il ne peut plus l'être. Si le fournisseur change bien de compte, proposez de nouveau le changement avec un relevé d'identité bancaire récent\u202f; un autre administrateur l'approuvera dans les %d jours.",
			c.ProposePar, c.ProposeLe.In(paris).Format("02/01/2006"), c.ExpireLe().In(paris).Format("02/01/2006 à 15:04"), int(ValiditeChangementBanque/(24*time.Hour)))
	}
	if c.Etat != BanqueEnAttente {
		return Errorf(ECONFLICT, "Ce changement de coordonnées bancaires est déjà %s : rechargez la page.", strings.ToLower(c.Etat.Libelle()))
	}
	return nil
}

// Approuver approves pending change c by administrator par at quand: par
// is not the one who proposed it (separation of duties), and c has not
// expired (its refusal says when, in paris).
func (c *ChangementBanque) Approuver(par string, quand time.Time, paris *time.Location) error {
	if err := c.enAttente(quand, paris); err != nil {
		return err
	}
	par = strings.TrimSpace(par)
	if par == "" || strings.EqualFold(par, c.ProposePar) {
		return Errorf(EFORBIDDEN, "Séparation des tâches : vous avez proposé ce changement de coordonnées bancaires, un autre administrateur doit l'approuver. Vous pouvez le retirer en le rejetant.")
	}
	c.Etat, c.DecideLe, c.DecidePar = BanqueApprouve, quand.UTC(), par
	return nil
}

// Rejeter rejects pending change c by administrator par at quand, for
// motif: the proposer withdraws it, another administrator refuses it. An
// expired change is no longer pending: nothing to reject. Its error is a
// Fautes of field motif, or an ECONFLICT (dates in paris).
func (c *ChangementBanque) Rejeter(par, motif string, quand time.Time, paris *time.Location) error {
	if err := c.enAttente(quand, paris); err != nil {
		return err
	}
	motif = strings.TrimSpace(strings.ReplaceAll(motif, "\r\n", "\n"))
	switch {
	case motif == "":
		return faute("motif", "écrivez le motif du rejet : il reste dans l'historique du fournisseur")
	case !utf8.ValidString(motif) || strings.ContainsRune(motif, 0):
		return faute("motif", "motif illisible")
	case utf8.RuneCountInString(motif) > MaxMotifBanque:
		return faute("motif", "motif : au plus %d caractères", MaxMotifBanque)
	}
	c.Etat, c.DecideLe, c.DecidePar, c.Motif = BanqueRejete, quand.UTC(), strings.TrimSpace(par), motif
	return nil
}

// CourrielBanque composes the mail that tells vendor f (before the
// change: its contact address then) and its users (a) that its bank
// details changed by c, approved at c.DecideLe (shown in paris), the new
// IBAN masked but its last four characters, and whom to tell if it did
// not ask for it: contact (segur serve --contact), "" for the agency.
func CourrielBanque(c *ChangementBanque, f *Fournisseur, a []string, contact string, paris *time.Location) Courriel {
	var b strings.Builder
	b.WriteString("Madame, Monsieur,\n\n")
	fmt.Fprintf(&b, "Les coordonnées bancaires sur lesquelles l'Agence de services et de paiement verse les paiements du programme Ségur numérique à %s ont changé le %s (heure de Paris).\n\n",
		uneLigne(f.Nom), c.DecideLe.In(paris).Format("02/01/2006 à 15:04"))
	fmt.Fprintf(&b, "  Fournisseur : %s (SIRET %s)\n", uneLigne(f.Nom), f.SIRET)
	fmt.Fprintf(&b, "  Nouveau compte : IBAN %s\n", MasquerIBAN(c.IBAN))
	if c.AncienIBAN != "" {
		fmt.Fprintf(&b, "  Ancien compte : IBAN %s\n", MasquerIBAN(c.AncienIBAN))
	}
	b.WriteString("\nLes prochains lots de paiement seront versés sur le nouveau compte\u202f; les lots déjà préparés gardent le compte en vigueur à leur préparation.\n")
	qui := "l'Agence de services et de paiement (ASP), administrateur du portail Ségur numérique"
	if c := uneLigne(contact); c != "" {
		qui = "l'Agence de services et de paiement (ASP) à " + c
	}
	fmt.Fprintf(&b, "\nSi vous n'avez pas demandé ce changement, prévenez sans attendre %s : c'est peut-être une tentative de fraude au virement.\n", qui)
	signer(&b)
	return Courriel{
		A:     destinataires(a),
		Sujet: "[Ségur numérique] Changement de vos coordonnées bancaires",
		Corps: b.String(),
		Objet: "fournisseur:" + f.SIRET,
	}
}
