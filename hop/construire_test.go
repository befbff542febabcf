package hop

import (
	"bytes"
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
