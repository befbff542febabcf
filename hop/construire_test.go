package hop

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestEcrireHOP: the document's example, read then written again, is the
// same file byte for byte.
func TestEcrireHOP(t *testing.T) {
	ex := exemple(t)
	res := controler(t, ex, depotExemple(), Options{})
	var buf bytes.Buffer
	err := EcrireHOP(&buf, FichierHOP{NumeroAns: "1234567890", SIRET: "88558855858745", Logiciel: LogicielRI,
		Demandes: []DonneesDemande{res.Donnees(0)}})
	if err != nil {
		t.Fatal(err)
	}
	if buf.String() != ex {
		t.Errorf("got:\n%s\nwant the example", buf.String())
	}
	if got := NomPiece(LogicielRI, "BON_COMMANDE", "00001", "PDF"); got != "HOP-RI-Va1-BDC-00001.pdf" {
		t.Errorf("got %s", got)
	}
}

// The file's layout as encoding/json writes it, keys in the model's order:
// the reference that EcrireHOP's direct writer is compared with.
type (
	refFichier struct {
		ImpID        *string      `json:"impId"`
		NumeroAns    string       `json:"numeroAns"`
		SIRET        string       `json:"SIRET"`
		LignesImport []refDemande `json:"lignesImport"`
	}
	refDemande struct {
		NumLigne             int         `json:"numLigne"`
		TypeAction           string      `json:"typeAction"`
		NumeroASP            *string     `json:"numeroASP"`
		NumeroEditeur        string      `json:"numeroEditeur"`
		Commande             refCommande `json:"commande"`
		Beneficiaires        refBenef    `json:"beneficiaires"`
		PiecesJustificatives []hopPiece  `json:"piecesJustificatives"`
		ScenarioInstallation refScenario `json:"scenarioInstallation"`
		CodeTraitement       *string     `json:"codeTraitement"`
		LibelleTraitement    *string     `json:"libelleTraitement"`
	}
	refCommande struct {
		DateCommande   string      `json:"dateCommande"`
		RegimeTVA      string      `json:"regimeTVA"`
		MontantSegurHT json.Number `json:"montantSegurHT"`
	}
	refBenef struct {
		IsMandataire          bool        `json:"isMandataire"`
		IsClientUnique        bool        `json:"isClientUnique"`
		NomMandataire         *string     `json:"nomMandataire"`
		EmailMandataire       *string     `json:"emailMandataire"`
		TelephoneMandataire   *string     `json:"telephoneMandataire"`
		EtablissementsClients []refClient `json:"etablissementsClients"`
	}
	refClient struct {
		NomClient       string `json:"nomClient"`
		EmailClient     string `json:"emailClient"`
		TelephoneClient string `json:"telephoneClient"`
		FINESSPMSI      string `json:"FINESSPMSI"`
	}
	refScenario struct {
		DPI refDPI `json:"DPI"`
		PFI refPFI `json:"PFI"`
	}
	refDPI struct {
		DMP             bool `json:"isPFIpourEnvoiDMPIndependante"`
		MSSPro          bool `json:"isPFIpourEnvoiMSSProIndependante"`
		MSSCitoyen      bool `json:"isPFIpourEnvoiMSSCitoyenIndependante"`
		ProSanteConnect bool `json:"isProSanteConnectNeeded"`
	}
	refPFI struct {
		CRBIO               bool    `json:"isCRBIOAssociated"`
		CRRAD               bool    `json:"isCRRADAssociated"`
		OperateurMessagerie *string `json:"operateurMessagerie"`
		EnvoiDMP            bool    `json:"isEnvoiDMP"`
		EnvoiMSSPro         bool    `json:"isEnvoiMSSPro"`
		EnvoiMSSCitoyen     bool    `json:"isEnvoiMSSCitoyen"`
	}
)

// ecrireHOPReference is EcrireHOP as it was written with encoding/json.
func ecrireHOPReference(w io.Writer, f FichierHOP) error {
	out := refFichier{NumeroAns: f.NumeroAns, SIRET: f.SIRET, LignesImport: []refDemande{}}
	for i, d := range f.Demandes {
		h := refDemande{NumLigne: i + 1, TypeAction: "C", NumeroEditeur: d.NumeroEditeur,
			Commande: refCommande{DateCommande: d.DateCommande.String(), RegimeTVA: d.RegimeTVA,
				MontantSegurHT: json.Number(MontantTexte(d.MontantHTCents))},
			PiecesJustificatives: hopPieces(d.Pieces)}
		if d.Mandataire != nil {
			nom := strings.ToUpper(d.Mandataire.Nom)
			h.Beneficiaires.IsMandataire = true
			h.Beneficiaires.NomMandataire, h.Beneficiaires.EmailMandataire, h.Beneficiaires.TelephoneMandataire =
				&nom, &d.Mandataire.Email, &d.Mandataire.Telephone
		}
		h.Beneficiaires.IsClientUnique = len(d.Clients) == 1 && d.Mandataire == nil
		h.Beneficiaires.EtablissementsClients = []refClient{}
		for _, c := range d.Clients {
			h.Beneficiaires.EtablissementsClients = append(h.Beneficiaires.EtablissementsClients,
				refClient{strings.ToUpper(c.Nom), c.Email, c.Telephone, strings.ToUpper(c.FINESSPMSI)})
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

// TestEcrireHOPReference: EcrireHOP writes the bytes encoding/json writes,
// for random files whose strings hold what needs escaping (quotes, control
// characters, U+2028, invalid UTF-8, HTML's characters), with and without
// a mandataire, clients, attachments, scenario and operator.
func TestEcrireHOPReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 2026))
	bouts := []string{"", "a", "Hôpital", `"`, `\`, "\n", "\t", "\x01", "\x1f", "\b\f\r", "<&>", "\u2028", "\u2029", "\xff", "\xe2\x80", "é\xc3", "€", "𝄞", " ", "/"}
	texte := func() string {
		var b strings.Builder
		for range rng.IntN(4) {
			b.WriteString(bouts[rng.IntN(len(bouts))])
		}
		return b.String()
	}
	for i := range 300 {
		f := FichierHOP{NumeroAns: texte(), SIRET: texte(), Logiciel: LogicielRI}
		for range rng.IntN(4) {
			d := DonneesDemande{NumeroEditeur: texte(), DateCommande: Date{Annee: 2021, Mois: 1 + rng.IntN(12), Jour: 1 + rng.IntN(28)},
				RegimeTVA: texte(), MontantHTCents: rng.Int64N(1e12)}
			if rng.IntN(2) == 0 {
				d.Mandataire = &Contact{Nom: texte(), Email: texte(), Telephone: texte()}
			}
			for range rng.IntN(3) {
				d.Clients = append(d.Clients, Client{Contact{texte(), texte(), texte()}, texte()})
			}
			for range rng.IntN(3) {
				d.Pieces = append(d.Pieces, Piece{NomFichier: texte(), Format: texte(), Type: texte()})
			}
			for _, k := range scenarioCles {
				if rng.IntN(3) == 0 {
					d.Scenario = append(d.Scenario, k)
				}
			}
			if rng.IntN(2) == 0 {
				d.OperateurMessagerie = texte()
			}
			f.Demandes = append(f.Demandes, d)
		}
		var got, want bytes.Buffer
		errGot, errWant := EcrireHOP(&got, f), ecrireHOPReference(&want, f)
		if errGot != nil || errWant != nil {
			t.Fatalf("file %d: got error %v, reference %v", i, errGot, errWant)
		}
		if got.String() != want.String() {
			t.Fatalf("file %d: got:\n%s\nwant:\n%s", i, got.String(), want.String())
		}
	}
	// A negative amount is refused, in French, whatever encoding/json would
	// have made of it.
	for _, c := range []int64{-100, -50, -150} {
		f := FichierHOP{Demandes: []DonneesDemande{{NumeroEditeur: "E1", MontantHTCents: c}}}
		var got bytes.Buffer
		err := EcrireHOP(&got, f)
		if err == nil || !strings.Contains(err.Error(), "montantSegurHT négatif") || got.Len() > 0 {
			t.Errorf("%d cents: got %v %q, want a French refusal and nothing written", c, err, got.String())
		}
	}
}
