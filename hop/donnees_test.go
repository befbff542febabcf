package hop

import (
	"reflect"
	"testing"
)

func TestDonnees(t *testing.T) {
	res := controler(t, exemple(t), depotExemple(), Options{})
	got := res.Donnees(0)
	want := DonneesDemande{
		NumLigne: 1, NumeroEditeur: "00001", DateCommande: Date{2021, 10, 15}, RegimeTVA: "HT", MontantHTCents: 1375000,
		Mandataire: &Contact{"DUPONT", "direction@hopital-saint-martin.fr", "01 23 45 67 89"},
		Clients: []Client{
			{Contact{"HOPITAL SAINT-MARTIN", "direction@hopital-saint-martin.fr", "01 23 45 67 89"}, "999999999"},
			{Contact{"HOPITAL SAINT-MARTIN - SITE NORD", "site-nord@hopital-saint-martin.fr", "01 23 45 67 90"}, "999999991"},
			{Contact{"HOPITAL SAINT-MARTIN - SITE SUD", "site-sud@hopital-saint-martin.fr", "01 23 45 67 91"}, "999999992"},
		},
		Pieces: []Piece{{"HOP-RI-Va1-BDC-00001.pdf", "PDF", "BON_COMMANDE"}, {"HOP-RI-Va1-HT-00001.pdf", "PDF", "PREUVE_HT"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	for lit, want := range map[string]int64{"0.01": 1, "13750.00": 1375000, "999999999.99": 99999999999} {
		if got := centimes([]byte(lit)); got != want {
			t.Errorf("centimes(%s): got %d, want %d", lit, got, want)
		}
	}
}
