package sqlstore

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/segur-numerique/segur/hop"
)

// TestLireDonnees: what marshalDonnees writes, lireDonnees reads alone, as
// encoding/json does; anything else is left to encoding/json.
func TestLireDonnees(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	textes := []string{"", "CHU DE BREST", "Hôpital « Nord » & <Sud>", `guillemet " et \ barre`, "tab\tligne\nfin", "\u2028", "é\u0301", "😀", "\x00"}
	texte := func() string { return textes[r.IntN(len(textes))] + textes[r.IntN(len(textes))] }
	for i := range 2000 {
		var d hop.DonneesDemande
		if r.IntN(2) == 0 {
			d.Mandataire = &hop.Contact{Nom: texte(), Email: texte(), Telephone: texte()}
		}
		for range r.IntN(4) {
			d.Clients = append(d.Clients, hop.Client{Contact: hop.Contact{Nom: texte(), Email: texte(), Telephone: texte()}, FINESSPMSI: texte()})
		}
		for range r.IntN(4) {
			d.Pieces = append(d.Pieces, hop.Piece{NomFichier: texte(), Format: texte(), Type: texte()})
		}
		for range r.IntN(3) {
			d.Scenario = append(d.Scenario, texte())
		}
		d.OperateurMessagerie = texte()
		s, err := marshalDonnees(&d)
		if err != nil {
			t.Fatal(err)
		}
		var vite, lent hop.DonneesDemande
		if !lireDonnees(s, &vite) {
			t.Fatalf("%d: lireDonnees refused what marshalDonnees wrote: %s", i, s)
		}
		if err := decoderDonnees(s, &lent); err != nil || !reflect.DeepEqual(vite, lent) {
			t.Fatalf("%d: %s\nlireDonnees: %+v\nencoding/json: %+v, %v", i, s, vite, lent, err)
		}
	}
	for _, s := range []string{
		`{}`, ` { "clients" : [ { "nom" : "A" } ] } `, `{"scenario":[]}`, `{"clients":[]}`, `{"mandataire":null}`, `{"Clients":[{"nom":"A"}]}`,
		`{"clients":[{"nom":"A"}],"clients":[{"nom":"B"}]}`, `{"clients":[{"nom":"A","nom":"B"}]}`, `{"autre":1,"clients":[{"nom":"A"}]}`,
		`{"clients":[{"nom":"\ud83d\ude00 \u00e9"}]}`, "{\"clients\":[{\"nom\":\"\xff\"}]}", `{"clients":[{"nom":1}]}`, `{"clients":[{"nom":"A"}]`,
		`{"clients":[{"nom":"A"}]}x`, `{"clients":[{"nom":"A\"}]}`, `[]`, ``, `{"scenario":["a",]}`,
	} {
		var d, lent hop.DonneesDemande
		errLent := decoderDonnees(s, &lent)
		if err := unmarshalDonnees(s, &d); (err == nil) != (errLent == nil) || err == nil && !reflect.DeepEqual(d, lent) {
			t.Errorf("%s: unmarshalDonnees %+v, %v; encoding/json %+v, %v", s, d, err, lent, errLent)
		}
	}
	if !lireDonnees(` { "clients" : [ { "nom" : "A" } ] } `, new(hop.DonneesDemande)) {
		t.Error("lireDonnees refused a plain value")
	}
}

// FuzzLireDonnees: whatever the column holds, unmarshalDonnees reads it as
// encoding/json does, or fails where it fails.
func FuzzLireDonnees(f *testing.F) {
	for _, s := range []string{`{}`, `{"clients":[{"nom":"A","email":"a@b.fr","telephone":"01","finessPMSI":"999999991"}],"pieces":[{"nomFichier":"f.pdf","format":"PDF","type":"BON_COMMANDE"}]}`,
		`{"mandataire":{"nom":"M"},"scenario":["x"],"operateurMessagerie":"o"}`, `{"clients":[{"nom":"\u003c"}]}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var d, lent hop.DonneesDemande
		errLent := decoderDonnees(s, &lent)
		if err := unmarshalDonnees(s, &d); (err == nil) != (errLent == nil) || err == nil && !reflect.DeepEqual(d, lent) {
			t.Errorf("%q: unmarshalDonnees %+v, %v; encoding/json %+v, %v", s, d, err, lent, errLent)
		}
	})
}
