package hop

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestLireRetour(t *testing.T) {
	data, err := os.ReadFile("testdata/golden/exemple.retour-portail.json")
	if err != nil {
		t.Fatal(err)
	}
	r, err := LireRetour(data)
	if err != nil {
		t.Fatal(err)
	}
	want := DemandeRetour{NumLigne: 1, NumeroEditeur: "00001", NumeroASP: "ASP-HOP-0000001", CodeTraitement: CodeAcceptee, LibelleTraitement: LibelleAcceptee}
	if r.ImpID != "IMP-2021-000001" || r.NumeroAns != "1234567890" || r.SIRET != "88558855858745" || len(r.Demandes) != 1 || r.Demandes[0] != want || !r.Demandes[0].Acceptee() {
		t.Errorf("got %+v, want impId IMP-2021-000001 and %+v", r, want)
	}

	// What EcrireRetour writes, LireRetour reads: a rejected request among
	// accepted ones, offline (no impId, no ASP numbers).
	req := demandeExemple(t)
	s := fichier(req, rep(t, numeroter(t, req, 2, "00002"), "13750.00", "13750"), numeroter(t, req, 3, "00003"))
	res := controler(t, s, depotExemple(), Options{})
	var buf bytes.Buffer
	if err := res.EcrireRetour(&buf, "", nil); err != nil {
		t.Fatal(err)
	}
	r, err = LireRetour(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if r.ImpID != "" || len(r.Demandes) != 3 {
		t.Fatalf("got %+v, want no impId and 3 requests", r)
	}
	for i, d := range r.Demandes {
		if d.NumLigne != i+1 || d.NumeroASP != "" || d.CodeTraitement != res.Demandes[i].Code() || d.LibelleTraitement != res.Demandes[i].Libelle() {
			t.Errorf("request %d: got %+v, want the result %s « %s »", i+1, d, res.Demandes[i].Code(), res.Demandes[i].Libelle())
		}
	}
	if r.Demandes[1].Acceptee() || r.Demandes[1].CodeTraitement != CodeMontantFormat {
		t.Errorf("request 2: got %+v, want %s", r.Demandes[1], CodeMontantFormat)
	}
}

func TestLireRetourErreurs(t *testing.T) {
	ex := exemple(t)
	for _, tt := range []struct {
		name, data, want string
	}{
		{"le fichier déposé", ex, "lignesImport[1] : codeTraitement ou libelleTraitement null ; attendu : un fichier retour"},
		{"tronqué", ex[:300], "fichier retour illisible : JSON invalide"},
		{"pas du JSON", "<html>", "fichier retour illisible : JSON invalide à l'octet 1"},
		{"sans lignesImport", `{"impId": null}`, "fichier retour illisible : pas de tableau lignesImport"},
		{"numLigne en chaîne", strings.Replace(ex, `"numLigne": 1`, `"numLigne": "1"`, 1), "fichier retour illisible : lignesImport.numLigne est une chaîne ; attendu : un nombre entier"},
		{"numLigne décimal", strings.Replace(ex, `"numLigne": 1`, `"numLigne": 1.5`, 1), "fichier retour illisible : lignesImport.numLigne est le nombre 1.5 ; attendu : un nombre entier"},
		{"trop gros", strings.Repeat(" ", maxRetour+1), "fichier retour de"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := LireRetour([]byte(tt.data))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("got %+v, %v; want an error starting %q", r, err, tt.want)
			}
		})
	}
}
