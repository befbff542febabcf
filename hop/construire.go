package hop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// FichierHOP is a JSON-HOP file to write from typed requests: what
// `segur build` makes from a vendor's order book.
type FichierHOP struct {
	NumeroAns string
	SIRET     string
	Logiciel  Logiciel
	Demandes  []DonneesDemande // NumLigne is set from 1 in the file's order
}

// MontantTexte writes cents as the format writes amounts: 13750.00.
func MontantTexte(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }

// NomPiece is the nomenclature name of an attachment:
// HOP-<Logiciel>-Va1-<BDC|HT|FAC|VSR>-<numeroEditeur>.<pdf|jpg|png>, the
// code of its type: BDC for BON_COMMANDE, HT for PREUVE_HT, FAC for FACTURE
// and VSR for PV_VSR (a balance's attachments).
func NomPiece(l Logiciel, typeFichier, numeroEditeur, format string) string {
	code := "HT"
	switch typeFichier {
	case TypeBonCommande:
		code = "BDC"
	case TypeFacture:
		code = "FAC"
	case TypePVVSR:
		code = "VSR"
	}
	return fmt.Sprintf("HOP-%s-Va1-%s-%s.%s", l, code, numeroEditeur, strings.ToLower(format))
}

// The file's layout, keys in the model's order.
type (
	hopFichier struct {
		ImpID        *string      `json:"impId"`
		NumeroAns    string       `json:"numeroAns"`
		SIRET        string       `json:"SIRET"`
		LignesImport []hopDemande `json:"lignesImport"`
	}
	hopDemande struct {
		NumLigne             int         `json:"numLigne"`
		TypeAction           string      `json:"typeAction"`
		NumeroASP            *string     `json:"numeroASP"`
		NumeroEditeur        string      `json:"numeroEditeur"`
		Commande             hopCommande `json:"commande"`
		Beneficiaires        hopBenef    `json:"beneficiaires"`
		PiecesJustificatives []hopPiece  `json:"piecesJustificatives"`
		ScenarioInstallation hopScenario `json:"scenarioInstallation"`
		CodeTraitement       *string     `json:"codeTraitement"`
		LibelleTraitement    *string     `json:"libelleTraitement"`
	}
	hopCommande struct {
		DateCommande   string      `json:"dateCommande"`
		RegimeTVA      string      `json:"regimeTVA"`
		MontantSegurHT json.Number `json:"montantSegurHT"`
	}
	hopBenef struct {
		IsMandataire          bool        `json:"isMandataire"`
		IsClientUnique        bool        `json:"isClientUnique"`
		NomMandataire         *string     `json:"nomMandataire"`
		EmailMandataire       *string     `json:"emailMandataire"`
		TelephoneMandataire   *string     `json:"telephoneMandataire"`
		EtablissementsClients []hopClient `json:"etablissementsClients"`
	}
	hopClient struct {
		NomClient       string `json:"nomClient"`
		EmailClient     string `json:"emailClient"`
		TelephoneClient string `json:"telephoneClient"`
		FINESSPMSI      string `json:"FINESSPMSI"`
	}
	hopPiece struct {
		NomFichier    string `json:"nomFichier"`
		FormatFichier string `json:"formatFichier"`
		TypeFichier   string `json:"typeFichier"`
	}
	hopScenario struct {
		DPI hopDPI `json:"DPI"`
		PFI hopPFI `json:"PFI"`
	}
	hopDPI struct {
		DMP             bool `json:"isPFIpourEnvoiDMPIndependante"`
		MSSPro          bool `json:"isPFIpourEnvoiMSSProIndependante"`
		MSSCitoyen      bool `json:"isPFIpourEnvoiMSSCitoyenIndependante"`
		ProSanteConnect bool `json:"isProSanteConnectNeeded"`
	}
	hopPFI struct {
		CRBIO               bool    `json:"isCRBIOAssociated"`
		CRRAD               bool    `json:"isCRRADAssociated"`
		OperateurMessagerie *string `json:"operateurMessagerie"`
		EnvoiDMP            bool    `json:"isEnvoiDMP"`
		EnvoiMSSPro         bool    `json:"isEnvoiMSSPro"`
		EnvoiMSSCitoyen     bool    `json:"isEnvoiMSSCitoyen"`
	}
)

// EcrireHOP writes f as the agency's model lays it out: the model's keys in
// its order, two-space indentation, amounts with two decimals, names in
// capitals, a final newline.
func EcrireHOP(w io.Writer, f FichierHOP) error {
	out := hopFichier{NumeroAns: f.NumeroAns, SIRET: f.SIRET, LignesImport: []hopDemande{}}
	for i, d := range f.Demandes {
		h := hopDemande{NumLigne: i + 1, TypeAction: "C", NumeroEditeur: d.NumeroEditeur,
			Commande: hopCommande{DateCommande: d.DateCommande.String(), RegimeTVA: d.RegimeTVA,
				MontantSegurHT: json.Number(MontantTexte(d.MontantHTCents))},
			PiecesJustificatives: hopPieces(d.Pieces)}
		if d.Mandataire != nil {
			nom := strings.ToUpper(d.Mandataire.Nom)
			h.Beneficiaires.IsMandataire = true
			h.Beneficiaires.NomMandataire, h.Beneficiaires.EmailMandataire, h.Beneficiaires.TelephoneMandataire =
				&nom, &d.Mandataire.Email, &d.Mandataire.Telephone
		}
		h.Beneficiaires.IsClientUnique = len(d.Clients) == 1 && d.Mandataire == nil
		h.Beneficiaires.EtablissementsClients = []hopClient{}
		for _, c := range d.Clients {
			h.Beneficiaires.EtablissementsClients = append(h.Beneficiaires.EtablissementsClients,
				hopClient{strings.ToUpper(c.Nom), c.Email, c.Telephone, strings.ToUpper(c.FINESSPMSI)})
		}
		for _, s := range d.Scenario {
			switch s {
			case "DPI.isPFIpourEnvoiDMPIndependante":
				h.ScenarioInstallation.DPI.DMP = true
			case "DPI.isPFIpourEnvoiMSSProIndependante":
				h.ScenarioInstallation.DPI.MSSPro = true
			case "DPI.isPFIpourEnvoiMSSCitoyenIndependante":
				h.ScenarioInstallation.DPI.MSSCitoyen = true
			case "DPI.isProSanteConnectNeeded":
				h.ScenarioInstallation.DPI.ProSanteConnect = true
			case "PFI.isCRBIOAssociated":
				h.ScenarioInstallation.PFI.CRBIO = true
			case "PFI.isCRRADAssociated":
				h.ScenarioInstallation.PFI.CRRAD = true
			case "PFI.isEnvoiDMP":
				h.ScenarioInstallation.PFI.EnvoiDMP = true
			case "PFI.isEnvoiMSSPro":
				h.ScenarioInstallation.PFI.EnvoiMSSPro = true
			case "PFI.isEnvoiMSSCitoyen":
				h.ScenarioInstallation.PFI.EnvoiMSSCitoyen = true
			}
		}
		if d.OperateurMessagerie != "" {
			op := d.OperateurMessagerie
			h.ScenarioInstallation.PFI.OperateurMessagerie = &op
		}
		out.LignesImport = append(out.LignesImport, h)
	}
	return ecrireJSON(w, out)
}

// FichierSolde is a balance file to write from typed balance lines
// (docs/solde.md).
type FichierSolde struct {
	NumeroAns string
	SIRET     string
	Soldes    []DonneesSolde // NumLigne is set from 1 in the file's order
}

type (
	soldeFichier struct {
		ImpID        *string      `json:"impId"`
		NumeroAns    string       `json:"numeroAns"`
		SIRET        string       `json:"SIRET"`
		LignesImport []soldeLigne `json:"lignesImport"`
	}
	soldeLigne struct {
		NumLigne             int          `json:"numLigne"`
		TypeAction           string       `json:"typeAction"`
		NumeroASP            string       `json:"numeroASP"`
		NumeroEditeur        string       `json:"numeroEditeur"`
		Facture              soldeFacture `json:"facture"`
		DateMiseEnService    string       `json:"dateMiseEnService"`
		PiecesJustificatives []hopPiece   `json:"piecesJustificatives"`
		CodeTraitement       *string      `json:"codeTraitement"`
		LibelleTraitement    *string      `json:"libelleTraitement"`
	}
	soldeFacture struct {
		NumeroFacture    string      `json:"numeroFacture"`
		DateFacture      string      `json:"dateFacture"`
		MontantFactureHT json.Number `json:"montantFactureHT"`
	}
)

// EcrireSolde writes f as the balance model lays it out: the model's keys in
// its order, two-space indentation, amounts with two decimals, a final
// newline.
func EcrireSolde(w io.Writer, f FichierSolde) error {
	out := soldeFichier{NumeroAns: f.NumeroAns, SIRET: f.SIRET, LignesImport: []soldeLigne{}}
	for i, s := range f.Soldes {
		l := soldeLigne{NumLigne: i + 1, TypeAction: "C", NumeroASP: s.NumeroASP, NumeroEditeur: s.NumeroEditeur,
			Facture: soldeFacture{NumeroFacture: s.NumeroFacture, DateFacture: s.DateFacture.String(),
				MontantFactureHT: json.Number(MontantTexte(s.MontantFactureHTCents))},
			DateMiseEnService: s.DateMiseEnService.String(), PiecesJustificatives: hopPieces(s.Pieces)}
		out.LignesImport = append(out.LignesImport, l)
	}
	return ecrireJSON(w, out)
}

// hopPieces are attachments as the files write them; never nil.
func hopPieces(ps []Piece) []hopPiece {
	out := make([]hopPiece, 0, len(ps))
	for _, p := range ps {
		out = append(out, hopPiece{p.NomFichier, p.Format, p.Type})
	}
	return out
}

// ecrireJSON writes v as the agency's files are laid out: two-space
// indentation, no HTML escaping, a final newline; all or nothing.
func ecrireJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}
