package segur

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/segur-numerique/segur/hop"
)

// The antivirus: every file a vendor sends is scanned before an agent may
// open it. A file is judged once (its content never changes: files are
// stored under their SHA-256), a deposit's zip piece by piece, so that an
// infected piece names itself and its neighbours stay readable.

// ResultatAnalyse is the scanner's verdict on a file or a piece.
type ResultatAnalyse string

const (
	// AnalyseSaine: no signature matched.
	AnalyseSaine ResultatAnalyse = "sain"
	// AnalyseInfectee: a signature matched; the file is quarantined: kept
	// for evidence, never served.
	AnalyseInfectee ResultatAnalyse = "infecte"
	// AnalyseImpossible: the scanner could not judge the file (larger
	// than it accepts, a piece unreadable in its zip); never served.
	AnalyseImpossible ResultatAnalyse = "impossible"
)

// Analyse is the recorded verdict on a stored file, or on one piece of a
// deposit's zip.
type Analyse struct {
	Fichier   string // SHA-256 of the stored file
	Membre    string // the piece's name (nomFichier) in a deposit's zip; "" for the stored file itself
	Resultat  ResultatAnalyse
	Signature string // the signature found (infecte), or why the scan was impossible
	Moteur    string // the scanner and its signature database, as it names them
	Le        time.Time
}

// Ouvrable says whether an agent may open the file or piece a judged: only
// a healthy one. The message says why not, in French.
func (a *Analyse) Ouvrable() (bool, string) {
	switch {
	case a == nil:
		return false, "analyse antivirus en attente : la pièce pourra être ouverte une fois analysée"
	case a.Resultat == AnalyseSaine:
		return true, ""
	case a.Resultat == AnalyseInfectee:
		return false, "pièce en quarantaine : l'antivirus y a trouvé « " + a.Signature + " » ; elle est gardée comme preuve et n'est jamais ouverte"
	}
	return false, "pièce non analysable par l'antivirus (" + a.Signature + ") : elle n'est pas ouverte"
}

// FichierAAnalyser is a stored file that no verdict judges yet, or a
// deposit whose pieces wait for theirs.
type FichierAAnalyser struct {
	SHA256 string
	// DepotID is the deposit whose zip this is, 0 for another file.
	DepotID DepotID
	// Pieces are, for a deposit's zip, the pieces its requests and
	// balances name: each is scanned on its own. Empty for any other file,
	// and for a zip no request names pieces of: scanned whole.
	Pieces []hop.Piece
}

// Verdict is what a scanner says of one file.
type Verdict struct {
	Infecte   bool
	Signature string // when Infecte
	// Impossible, when not empty, says why the scanner could not judge the
	// file (larger than it accepts): retrying is useless.
	Impossible string
}

// Antivirus scans files (clamd, by internal/clamav). An error means that
// the scanner did not answer: the file waits and is scanned again later.
type Antivirus interface {
	Analyser(ctx context.Context, r io.Reader) (Verdict, error)
	// Moteur names the scanner and its signature database, for the record.
	Moteur(ctx context.Context) (string, error)
}

// PireAnalyse is the verdict of a zip from its pieces': infected if one
// is, else impossible if one is, else healthy.
func PireAnalyse(pieces []Analyse) (ResultatAnalyse, string) {
	res, sig := AnalyseSaine, ""
	for _, p := range pieces {
		switch {
		case p.Resultat == AnalyseInfectee && res != AnalyseInfectee:
			res, sig = AnalyseInfectee, p.Membre+" : "+p.Signature
		case p.Resultat == AnalyseImpossible && res == AnalyseSaine:
			res, sig = AnalyseImpossible, p.Membre+" : "+p.Signature
		}
	}
	return res, sig
}

// AlerteAntivirus is what a verdict that is not healthy writes on a
// request, with the verdicts, in their transaction: the audit event
// « antivirus.infecte » or « antivirus.impossible » on the request (its
// history shows it) and the mail that tells the vendor which file.
type AlerteAntivirus struct {
	NumeroASP string
	Analyses  []Analyse // the request's pieces judged unhealthy
	Courriel  *Courriel
}

// CourrielAntivirus composes the mail that tells the vendor that pieces
// of its request d were refused by the antivirus (infected, or impossible
// to scan): their names and why, and that the agency will not open them.
// fournisseur is the vendor's name, a the recipients, lien the request in
// the vendor's space ("" to leave it out).
func CourrielAntivirus(d *Demande, pieces []Analyse, fournisseur string, a []string, lien string) Courriel {
	var b strings.Builder
	b.WriteString("Madame, Monsieur,\n\n")
	b.WriteString("L'antivirus de l'Agence de services et de paiement a écarté des pièces de votre demande de financement : elles ne seront pas ouvertes pour son instruction. Elles sont conservées, sans être ouvertes.\n\n")
	fmt.Fprintf(&b, "  Fournisseur : %s\n", uneLigne(fournisseur))
	fmt.Fprintf(&b, "  Demande : %s\n", d.NumeroASP)
	fmt.Fprintf(&b, "  Votre numéro de demande (numeroEditeur) : %s\n", uneLigne(d.NumeroEditeur))
	b.WriteString("\nPièces écartées :\n")
	for _, p := range pieces {
		nom := p.Membre
		if nom == "" {
			nom = "pièce envoyée après le dépôt"
		}
		if p.Resultat == AnalyseInfectee {
			fmt.Fprintf(&b, "  - %s : infectée (%s)\n", uneLigne(nom), uneLigne(p.Signature))
		} else {
			fmt.Fprintf(&b, "  - %s : impossible à analyser (%s)\n", uneLigne(nom), uneLigne(p.Signature))
		}
	}
	b.WriteString("\nVérifiez ces fichiers avec votre propre antivirus ; l'instructeur vous demandera de les remplacer si l'instruction en a besoin.\n")
	lienVers(&b, "La demande dans votre espace fournisseur", lien)
	signer(&b)
	return Courriel{A: destinataires(a), Sujet: "[Ségur numérique] " + d.NumeroASP + " : pièce écartée par l'antivirus",
		Corps: b.String(), Objet: "demande:" + d.NumeroASP}
}

// EtatAntivirus is where a request stands with the antivirus, as the
// agents' lists show it.
type EtatAntivirus string

const (
	// AntivirusAttente: pieces of its deposit wait for their scan.
	AntivirusAttente EtatAntivirus = "attente"
	// AntivirusAlerte: a piece of it was found infected, or could not be
	// scanned.
	AntivirusAlerte EtatAntivirus = "alerte"
)
