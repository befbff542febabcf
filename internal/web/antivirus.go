package web

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/segur-numerique/segur"
)

// The antivirus's verdicts on the files vendors send (segur serve
// --clamav scans every stored file): the gate every route that serves
// such a file passes, and what the request pages say of each piece.

// verdictPiece picks, among the verdicts as on one stored file, the one
// that judges its piece membre ("" for the file itself): the piece's own
// row; for a zip scanned whole (a balance deposit's, whose pieces no
// request names, or a zip the scanner could not read), the file's row,
// which then judges every piece. Nil when none: the piece waits for its
// scan.
func verdictPiece(as []segur.Analyse, membre string) *segur.Analyse {
	var fichier *segur.Analyse
	parPiece := false
	for i := range as {
		switch a := &as[i]; {
		case a.Membre == membre:
			return a
		case a.Membre == "":
			fichier = a
		default:
			parPiece = true
		}
	}
	if parPiece {
		// The zip was scanned piece by piece, without this one: its own
		// row, the worst of the others', does not judge it.
		return nil
	}
	return fichier
}

// attenteAntivirus refuses a piece that waits for its scan: 409, and the
// page asks to retry.
type attenteAntivirus struct{ nom string }

func (e *attenteAntivirus) Error() string {
	return "Analyse antivirus en attente : la pièce « " + e.nom + " » pourra être ouverte une fois analysée ; réessayez dans quelques minutes."
}

// secondesAntivirus is the Retry-After of a piece that waits for its scan
// (a round scans every minute).
const secondesAntivirus = 120

// controlerAntivirus is the gate before a file a vendor sent is served, to
// an agent or to its vendor alike: piece membre of stored file sum ("" for
// the file itself), named nom. An infected or unscannable piece is never
// served (403, the reason); one without a verdict is not served while the
// portal scans (409, retry later), and is served as before without an
// antivirus.
func (s *Server) controlerAntivirus(ctx context.Context, sum, membre, nom string) error {
	as, err := s.Store.FindAnalyses(ctx, sum)
	if err != nil {
		return err
	}
	a := verdictPiece(as, membre)
	if a == nil {
		if s.Antivirus {
			return &attenteAntivirus{nom: nom}
		}
		return nil
	}
	if ok, pourquoi := a.Ouvrable(); !ok {
		return segur.Errorf(segur.EFORBIDDEN, "%s", phrase(pourquoi))
	}
	return nil
}

// AnalyseVue is what a request's page says of a piece's scan, beside it.
type AnalyseVue struct {
	Texte  string // "" says nothing
	Classe string // the DSFR message's kind: valid, info, warning, error; "" for plain text
}

// vuesAntivirus says, for one request's page, the verdicts on its pieces:
// to an agent (every status) or to the vendor (only a piece refused or
// waiting); it gathers the pieces refused and waiting for the page's
// alerts.
type vuesAntivirus struct {
	s       *Server
	agent   bool
	lus     map[string][]segur.Analyse
	ecartes []string // « nom : infectée (signature) »
	attente []string // names
}

func (s *Server) vuesAntivirus(agent bool) *vuesAntivirus {
	return &vuesAntivirus{s: s, agent: agent, lus: map[string][]segur.Analyse{}}
}

// piece returns what the page says of piece membre of stored file sum
// (see controlerAntivirus), named nom, and whether its link is shown: the
// page links what the gate serves.
func (v *vuesAntivirus) piece(ctx context.Context, sum, membre, nom string) (AnalyseVue, bool, error) {
	as, ok := v.lus[sum]
	if !ok {
		var err error
		if as, err = v.s.Store.FindAnalyses(ctx, sum); err != nil {
			return AnalyseVue{}, false, err
		}
		v.lus[sum] = as
	}
	a := verdictPiece(as, membre)
	switch {
	case a == nil && !v.s.Antivirus:
		if v.agent {
			return AnalyseVue{Texte: "Non analysée"}, true, nil
		}
		return AnalyseVue{}, true, nil
	case a == nil:
		v.attente = append(v.attente, nom)
		if v.agent {
			return AnalyseVue{Texte: "Analyse antivirus en attente", Classe: "info"}, false, nil
		}
		return AnalyseVue{Texte: "en cours d'analyse", Classe: "info"}, false, nil
	case a.Resultat == segur.AnalyseSaine:
		if v.agent {
			return AnalyseVue{Texte: "Analysée le " + v.s.date(a.Le) + " : saine", Classe: "valid"}, true, nil
		}
		return AnalyseVue{}, true, nil
	case a.Resultat == segur.AnalyseInfectee:
		v.ecartes = append(v.ecartes, nom+" : infectée ("+a.Signature+")")
		if v.agent {
			return AnalyseVue{Texte: "Infectée (" + a.Signature + ") : en quarantaine, non ouverte", Classe: "error"}, false, nil
		}
		return AnalyseVue{Texte: "écartée par l'antivirus (infectée : " + a.Signature + ")", Classe: "error"}, false, nil
	}
	v.ecartes = append(v.ecartes, nom+" : non analysable ("+a.Signature+")")
	if v.agent {
		return AnalyseVue{Texte: "Non analysable (" + a.Signature + ") : non ouverte", Classe: "warning"}, false, nil
	}
	return AnalyseVue{Texte: "écartée par l'antivirus (non analysable : " + a.Signature + ")", Classe: "error"}, false, nil
}

// marquer sets the verdict of piece p, piece membre of stored file sum
// (see controlerAntivirus); its link goes when the gate would refuse it.
func (v *vuesAntivirus) marquer(ctx context.Context, p *PieceVue, sum, membre string) error {
	av, ouvrable, err := v.piece(ctx, sum, membre, p.Nom)
	if err != nil {
		return err
	}
	p.Antivirus = av
	if !ouvrable {
		p.Lien = ""
	}
	return nil
}

// avecTexte says whether one of pieces ps has a verdict to show: the
// pieces' table then has its column.
func avecTexte(ps []PieceVue) bool {
	for _, p := range ps {
		if p.Antivirus.Texte != "" {
			return true
		}
	}
	return false
}

// attenteTexte is the page's notice of the pieces waiting for their scan.
func (v *vuesAntivirus) attenteTexte() string {
	switch len(v.attente) {
	case 0:
		return ""
	case 1:
		return "Analyse antivirus en attente : la pièce « " + v.attente[0] + " » pourra être ouverte une fois analysée ; rechargez la page dans quelques minutes."
	}
	return "Analyse antivirus en attente : les pièces « " + strings.Join(v.attente, " », « ") +
		" » pourront être ouvertes une fois analysées ; rechargez la page dans quelques minutes."
}

// evenementAntivirus is an antivirus's alert on a request as its history
// shows it (the audit event's details, see sqlstore.CreateAnalyses); noms
// names the files sent after the deposit by their SHA-256.
func evenementAntivirus(e segur.Evenement, noms map[string]string) string {
	var d struct {
		Pieces []struct {
			Fichier   string `json:"fichier"`
			Membre    string `json:"membre"`
			Resultat  string `json:"resultat"`
			Signature string `json:"signature"`
		} `json:"pieces"`
	}
	if err := json.Unmarshal([]byte(e.Details), &d); err != nil || len(d.Pieces) == 0 {
		if e.Action == "antivirus."+string(segur.AnalyseInfectee) {
			return "Antivirus : pièce infectée"
		}
		return "Antivirus : pièce non analysable"
	}
	var out []string
	for _, p := range d.Pieces {
		nom := p.Membre
		if nom == "" {
			nom = noms[p.Fichier]
		}
		if nom == "" {
			nom = "fichier " + p.Fichier[:min(len(p.Fichier), 12)]
		}
		if p.Resultat == string(segur.AnalyseInfectee) {
			out = append(out, nom+" infectée ("+p.Signature+")")
		} else {
			out = append(out, nom+" non analysable ("+p.Signature+")")
		}
	}
	return "Antivirus : " + strings.Join(out, " ; ")
}
