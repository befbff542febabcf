package segur

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/segur-numerique/segur/hop"
)

// CourrielID identifies a mail of the outbox.
type CourrielID int64

// EtatCourriel is the state of a mail of the outbox.
type EtatCourriel string

// The states of a mail. A mail is never dropped: one that fails stays
// en_echec and is tried again, by Backoff, until it is sent.
const (
	CourrielAEnvoyer EtatCourriel = "a_envoyer" // queued, never tried
	CourrielEnvoye   EtatCourriel = "envoye"    // accepted by the SMTP server
	CourrielEnEchec  EtatCourriel = "en_echec"  // tried and failed, tried again later
)

// EtatsCourriel are the states of a mail, in the order of its life.
var EtatsCourriel = []EtatCourriel{CourrielAEnvoyer, CourrielEnEchec, CourrielEnvoye}

// ParseEtatCourriel reads a mail's state as written in EtatsCourriel.
func ParseEtatCourriel(s string) (EtatCourriel, error) {
	for _, e := range EtatsCourriel {
		if string(e) == strings.TrimSpace(s) {
			return e, nil
		}
	}
	return "", Errorf(EINVALID, "état de courriel « %s » inconnu : attendu a_envoyer, en_echec ou envoye", s)
}

// Libelle is the state as the admins' pages say it.
func (e EtatCourriel) Libelle() string {
	switch e {
	case CourrielAEnvoyer:
		return "à envoyer"
	case CourrielEnvoye:
		return "envoyé"
	case CourrielEnEchec:
		return "en échec"
	}
	return string(e)
}

// Limits of a mail, checked by Valider.
const (
	MaxDestinataires    = 20
	MaxSujet            = 200     // characters
	MaxCorps            = 1 << 16 // bytes
	MaxErreurCourriel   = 1000    // bytes of the last error kept
	maxNomPieceCourriel = 200     // characters
)

// Courriel is a mail of the outbox: composed by the domain, stored in the
// transaction of the change it tells of, sent later by the postman (so a
// mail is never lost when the SMTP server is down), tried again with
// Backoff until the server accepts it.
type Courriel struct {
	ID CourrielID
	A  []string // the recipients' addresses
	// Sujet and Corps are plain text, in French; Corps's lines end in "\n".
	Sujet, Corps string
	// Objet is what the mail is about, as the audit log names it, e.g.
	// "demande:ASP-2026-0000001".
	Objet string
	// PieceNom is the attachment's file name, PieceSHA256 its blob
	// (segur.Blobs); both empty without attachment.
	PieceNom, PieceSHA256 string
	Etat                  EtatCourriel
	CreeLe                time.Time
	// ProchainEssai is when the mail is due; a sender that claims it
	// pushes it forward for the time of its attempt.
	ProchainEssai time.Time
	// ReserveLe is when a sender claimed the mail, zero when none holds it.
	ReserveLe time.Time
	// DernierEssai is when the last attempt failed, EnvoyeLe when the
	// server accepted the mail (zero times until then).
	DernierEssai, EnvoyeLe time.Time
	Tentatives             int    // failed attempts
	DerniereErreur         string // the last failure, for the admins
}

// Valider checks a mail before it is queued: recipients that are plain
// e-mail addresses, and no line break in anything that goes into a header
// (a header injection would let a value add recipients or headers).
func (c *Courriel) Valider() error {
	if len(c.A) == 0 {
		return Errorf(EINVALID, "courriel : aucun destinataire")
	}
	if len(c.A) > MaxDestinataires {
		return Errorf(EINVALID, "courriel : %d destinataires, au plus %d", len(c.A), MaxDestinataires)
	}
	for _, a := range c.A {
		if !AdresseCourrielValide(a) {
			return Errorf(EINVALID, "courriel : destinataire « %s » : attendu une adresse e-mail simple (lettres ASCII, sans espace ni virgule)", imprimable(a))
		}
	}
	if strings.TrimSpace(c.Sujet) == "" || utf8.RuneCountInString(c.Sujet) > MaxSujet || !utf8.ValidString(c.Sujet) || controle(c.Sujet) {
		return Errorf(EINVALID, "courriel : sujet vide, de plus de %d caractères ou avec un retour à la ligne", MaxSujet)
	}
	if strings.TrimSpace(c.Corps) == "" || len(c.Corps) > MaxCorps || !utf8.ValidString(c.Corps) || strings.ContainsRune(c.Corps, 0) {
		return Errorf(EINVALID, "courriel : corps vide, illisible ou de plus de %d octets", MaxCorps)
	}
	if controle(c.Objet) {
		return Errorf(EINVALID, "courriel : objet avec un caractère de contrôle")
	}
	switch {
	case c.PieceNom == "" && c.PieceSHA256 == "":
	case c.PieceNom == "":
		return Errorf(EINVALID, "courriel : pièce jointe sans nom de fichier")
	case c.PieceSHA256 == "":
		// A mail that announces a document always carries it.
		return Errorf(EINVALID, "courriel : pièce jointe « %s » annoncée sans son fichier", imprimable(c.PieceNom))
	case !nomPieceValide(c.PieceNom):
		return Errorf(EINVALID, "courriel : nom de pièce jointe « %s » : attendu au plus %d caractères, sans / ni \\ ni caractère de contrôle", imprimable(c.PieceNom), maxNomPieceCourriel)
	case !sha256Hex(c.PieceSHA256):
		return Errorf(EINVALID, "courriel : empreinte de la pièce jointe : attendu un SHA-256 en hexadécimal minuscule")
	}
	return nil
}

// AdresseCourrielValide reports whether s is a plain e-mail address the
// outbox can send to: hop.EmailValide, in printable ASCII (no SMTPUTF8),
// one '@', and none of the characters that have a meaning in an address
// list (space, comma, quotes, angle brackets…).
//
// Two rules exist on purpose. hop.EmailValide is the agency's rule for the
// addresses a file carries: a deposit is refused by it and by nothing
// stricter. This one is what SMTP can deliver, and checks every address the
// portal writes to: a mail's recipients, a vendor's contact, a user's
// login.
func AdresseCourrielValide(s string) bool {
	if s == "" || len(s) > 254 || !hop.EmailValide(s) || strings.Count(s, "@") != 1 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`,;:<>()[]\"`, c) >= 0 {
			return false
		}
	}
	local, dom, _ := strings.Cut(s, "@")
	return len(local) <= 64 && !strings.HasPrefix(dom, ".") && !strings.HasSuffix(dom, ".") && !strings.Contains(dom, "..")
}

// controle reports whether s holds a control character: a line break, a
// tab, a NUL…, none of which belongs in a header.
func controle(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

func nomPieceValide(s string) bool {
	return strings.TrimSpace(s) != "" && utf8.ValidString(s) && utf8.RuneCountInString(s) <= maxNomPieceCourriel &&
		!controle(s) && !strings.ContainsAny(s, `/\"`)
}

func sha256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// imprimable quotes s for an error message: control characters escaped,
// at most 100 bytes.
func imprimable(s string) string {
	q := fmt.Sprintf("%q", s)
	q = q[1 : len(q)-1]
	if len(q) > 100 {
		q = q[:100] + "…"
	}
	return q
}

// Backoff is the wait before the next attempt after a mail's n-th failed
// attempt: 1 minute, doubling at each failure, at most 1 hour. A mail is
// tried again every hour for as long as it fails: it is never dropped, and
// the admins see it en_echec.
func Backoff(n int) time.Duration {
	const premier, plafond = time.Minute, time.Hour
	if n <= 1 {
		return premier
	}
	if n > 7 { // 2^6 minutes is past the ceiling already; no overflow
		return plafond
	}
	return min(premier<<(n-1), plafond)
}

// CourrielDemarche composes the mail that tells the vendor of change c of
// request d, the one its transition names (Transition.Courriel): a refusal or the withdrawal of a convention with
// its reason, a request for completion with its reason (which attachment,
// and why), a décision, a convention to sign, the refusal of a balance with
// its reason, the validation of a balance (with d's SoldeAPayer or
// ARecouvrer). It reports false for a transition that mails nothing.
//
// fournisseur is the vendor's name, a the recipients, lien the address of
// the request in the vendor's space ("" to leave it out). For a refusal, a
// withdrawal, a décision and a convention, the mail announces its document
// attached: PieceNom is set (refus-ASP-….pdf, retrait-…, decision-…,
// convention-…) and the caller sets PieceSHA256 to the document's blob;
// Valider refuses the mail without it, so a mail never announces a
// document it does not carry.
func CourrielDemarche(c Changement, d *Demande, fournisseur string, a []string, lien string) (Courriel, bool) {
	asp := d.NumeroASP
	var sujet, annonce, motif, piece, suite string
	switch courrielDe(c.Action, c.Vers) {
	case CourrielRefusSolde:
		sujet = "refus de votre demande de solde"
		annonce = "Après instruction, l'Agence de services et de paiement refuse votre demande de solde. Vous pouvez déposer une nouvelle demande de solde pour cette demande, corrigée, dans un fichier de solde."
		motif = "Motif du refus"
		suite = "La demande et son historique restent disponibles dans votre espace fournisseur"
	case CourrielValidationSolde:
		sujet = "validation de votre demande de solde"
		switch {
		case d.ARecouvrer > 0:
			annonce = "Après instruction, l'Agence de services et de paiement valide votre demande de solde. Le montant retenu est inférieur à l'avance versée : " +
				Euros(d.ARecouvrer) + " sont à reverser ; un ordre de reversement vous sera adressé."
		case d.SoldeAPayer == 0:
			annonce = "Après instruction, l'Agence de services et de paiement valide votre demande de solde. L'avance versée couvre le montant retenu : aucun solde n'est à payer et la demande est soldée."
		default:
			annonce = "Après instruction, l'Agence de services et de paiement valide votre demande de solde : un solde de " +
				Euros(d.SoldeAPayer) + " vous sera versé, avec un avis de paiement."
		}
		suite = "Le détail du calcul est disponible dans votre espace fournisseur"
	case CourrielRetrait:
		sujet = "retrait de la convention d'attribution"
		annonce = "La convention d'attribution proposée pour votre demande de financement n'a pas été signée dans le délai : l'offre est retirée et la demande est refusée."
		motif, piece = "Motif du retrait", "retrait-"+asp+".pdf"
		suite = "Le courrier de retrait est joint à ce message (" + piece + ") ; il reste disponible dans votre espace fournisseur"
	case CourrielRefus:
		sujet = "refus de votre demande de financement"
		annonce = "Après instruction, l'Agence de services et de paiement refuse votre demande de financement."
		motif, piece = "Motif du refus", "refus-"+asp+".pdf"
		suite = "La notification de refus est jointe à ce message (" + piece + ") ; elle reste disponible dans votre espace fournisseur"
	case CourrielComplement:
		sujet = "pièce à compléter"
		annonce = "L'instruction de votre demande de financement est suspendue : une pièce justificative est à compléter ou à remplacer."
		motif = "Pièce demandée et motif"
		suite = "Déposez la pièce dans votre espace fournisseur, sur la page de la demande ; l'instruction reprendra à sa réception"
	case CourrielDecision:
		sujet = "décision de financement"
		annonce = "L'Agence de services et de paiement accorde le financement de votre demande par une décision de financement."
		piece = "decision-" + asp + ".pdf"
		suite = "La décision de financement est jointe à ce message (" + piece + ") ; elle reste disponible dans votre espace fournisseur"
	case CourrielConvention:
		sujet = "convention d'attribution à signer"
		annonce = "L'Agence de services et de paiement accorde le financement de votre demande. Vu son montant, il fait l'objet d'une convention d'attribution, que vous signez dans votre espace fournisseur : aucun paiement n'a lieu avant sa signature."
		piece = "convention-" + asp + ".pdf"
		suite = "La convention d'attribution est jointe à ce message (" + piece + ") ; signez-la dans votre espace fournisseur, sur la page de la demande"
	default:
		return Courriel{}, false
	}

	var b strings.Builder
	b.WriteString("Madame, Monsieur,\n\n")
	b.WriteString(annonce + "\n\n")
	fmt.Fprintf(&b, "  Fournisseur : %s\n", uneLigne(fournisseur))
	fmt.Fprintf(&b, "  Demande : %s\n", asp)
	fmt.Fprintf(&b, "  Votre numéro de demande (numeroEditeur) : %s\n", uneLigne(d.NumeroEditeur))
	if d.NumeroAns != "" {
		fmt.Fprintf(&b, "  Numéro de référencement ANS : %s\n", uneLigne(d.NumeroAns))
	}
	if motif != "" && strings.TrimSpace(c.Raison) != "" {
		fmt.Fprintf(&b, "\n%s :\n", motif)
		indenter(&b, c.Raison)
	}
	lienVers(&b, suite, lien)
	signer(&b)

	return Courriel{
		A:        destinataires(a),
		Sujet:    "[Ségur numérique] " + asp + " : " + sujet,
		Corps:    b.String(),
		Objet:    "demande:" + asp,
		PieceNom: piece,
	}, true
}

// destinataires trims the addresses and drops the empty ones and the
// duplicates (compared without case).
func destinataires(a []string) []string {
	out := make([]string, 0, len(a))
	vus := map[string]bool{}
	for _, s := range a {
		s = strings.TrimSpace(s)
		if k := strings.ToLower(s); s != "" && !vus[k] {
			vus[k] = true
			out = append(out, s)
		}
	}
	return out
}

// uneLigne flattens s to one line, for a value quoted in a body.
func uneLigne(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// indenter writes s, a reason or a message typed by an agent, indented by
// two spaces, line by line.
func indenter(b *strings.Builder, s string) {
	for l := range strings.SplitSeq(strings.TrimSpace(strings.ReplaceAll(s, "\r", "")), "\n") {
		b.WriteString(strings.TrimRight("  "+l, " \t") + "\n")
	}
}

// lienVers writes the sentence suite, followed by the link to the
// vendor's space when there is one.
func lienVers(b *strings.Builder, suite, lien string) {
	if lien = uneLigne(lien); lien != "" {
		fmt.Fprintf(b, "\n%s :\n%s\n", suite, lien)
	} else {
		fmt.Fprintf(b, "\n%s.\n", suite)
	}
}

// signer closes a mail with the agency's signature.
func signer(b *strings.Builder) {
	b.WriteString("\nVeuillez agréer, Madame, Monsieur, nos salutations distinguées.\n\n")
	b.WriteString("L'Agence de services et de paiement\n")
	b.WriteString("Programme Ségur numérique\n\n")
	b.WriteString("Ce message est envoyé automatiquement : merci de ne pas y répondre.\n")
}
