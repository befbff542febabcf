package hop_test

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/segur-numerique/segur/hop"
)

// Check a file and its zip of attachments as the portal will at deposit,
// then read each request's result. Offline, the rules only the portal can
// apply are listed, not applied.
func Example() {
	data, err := os.ReadFile("testdata/JSON-1234567890-20211025-001.json")
	if err != nil {
		log.Fatal(err)
	}
	z, err := os.Open("testdata/JSON-1234567890-20211025-001.zip")
	if err != nil {
		log.Fatal(err)
	}
	defer z.Close()
	st, err := z.Stat()
	if err != nil {
		log.Fatal(err)
	}
	// A fault of the zip as a whole is a result of control 1: pass it on.
	archive, archiveErr := hop.OpenArchive(z, st.Size())

	depot := hop.Declaration{
		NomFichier: "JSON-1234567890-20211025-001.json",
		Logiciel:   hop.LogicielRI,
		Date:       hop.Date{Annee: 2021, Mois: 10, Jour: 25},
	}
	res, err := hop.Controler(data, depot, hop.Options{Archive: archive, ArchiveErreur: archiveErr})
	if err != nil {
		log.Fatal(err)
	}
	if res.Rejet != nil {
		fmt.Printf("fichier rejeté : %s %s\n", res.Rejet.Code, res.Rejet.Libelle())
		return
	}
	for _, d := range res.Demandes {
		fmt.Printf("numLigne %d, numeroEditeur %s : %s %s\n", d.Position, d.NumeroEditeur, d.Code(), d.Libelle())
	}
	for _, r := range res.Ignorees {
		fmt.Println("vérifiée au dépôt seulement :", r.Code)
	}
	// Output:
	// numLigne 1, numeroEditeur 00001 : 0000 Demande acceptée
	// vérifiée au dépôt seulement : 1005
	// vérifiée au dépôt seulement : 1027
	// vérifiée au dépôt seulement : 2025
}

// A request with a fault gets its code and a label that names the key,
// the value found and what is expected; the other requests are judged on
// their own.
func ExampleControler() {
	data, err := os.ReadFile("testdata/JSON-1234567890-20211025-001.json")
	if err != nil {
		log.Fatal(err)
	}
	data = bytes.Replace(data, []byte("13750.00"), []byte("13750"), 1)
	res, err := hop.Controler(data, hop.Declaration{Logiciel: hop.LogicielRI, Date: hop.Date{Annee: 2021, Mois: 10, Jour: 25}}, hop.Options{})
	if err != nil {
		log.Fatal(err)
	}
	d := res.Demandes[0]
	fmt.Println(d.Acceptee())
	fmt.Println(d.Code())
	fmt.Println(d.Libelle())
	// Output:
	// false
	// 2034
	// commande.montantSegurHT : 13750 ; attendu : un nombre à deux décimales, .00 pour un entier (ex. 13750.00)
}

// Write a file from typed requests, with its attachments named by the
// nomenclature, then check it before depositing it.
func ExampleEcrireHOP() {
	d := hop.DonneesDemande{
		NumeroEditeur:  "00042",
		DateCommande:   hop.Date{Annee: 2021, Mois: 10, Jour: 15},
		RegimeTVA:      "HT",
		MontantHTCents: 13_750_00,
		Clients: []hop.Client{{
			Contact:    hop.Contact{Nom: "Hôpital Saint-Martin", Email: "direction@hopital-saint-martin.fr", Telephone: "01 23 45 67 89"},
			FINESSPMSI: "999999999",
		}},
	}
	for _, typ := range []string{hop.TypeBonCommande, hop.TypePreuveHT} {
		d.Pieces = append(d.Pieces, hop.Piece{NomFichier: hop.NomPiece(hop.LogicielRI, typ, d.NumeroEditeur, "PDF"), Format: "PDF", Type: typ})
	}
	f := hop.FichierHOP{NumeroAns: "1234567890", SIRET: "88558855858745", Logiciel: hop.LogicielRI, Demandes: []hop.DonneesDemande{d}}

	var buf bytes.Buffer
	if err := hop.EcrireHOP(&buf, f); err != nil {
		log.Fatal(err)
	}
	res, err := hop.Controler(buf.Bytes(), hop.Declaration{Logiciel: hop.LogicielRI, Date: hop.Date{Annee: 2021, Mois: 10, Jour: 25}}, hop.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Demandes[0].Code(), res.Demandes[0].Libelle())
	// The names are written in capitals, the amount with two decimals.
	for _, l := range strings.Split(buf.String(), "\n") {
		if strings.Contains(l, "nomClient") || strings.Contains(l, "montantSegurHT") || strings.Contains(l, "nomFichier") {
			fmt.Println(strings.TrimSpace(l))
		}
	}
	// Output:
	// 0000 Demande acceptée
	// "montantSegurHT": 13750.00
	// "nomClient": "HÔPITAL SAINT-MARTIN",
	// "nomFichier": "HOP-RI-Va1-BDC-00042.pdf",
	// "nomFichier": "HOP-RI-Va1-HT-00042.pdf",
}

// A file of the document's example under three numeroEditeur, for a test
// of one's own deposit chain: its zip holds the attachments its requests
// name.
func ExampleFichierExemple() {
	f := hop.FichierExemple("T0001", "T0002", "T0003")
	var buf bytes.Buffer
	if err := hop.EcrireHOP(&buf, f); err != nil {
		log.Fatal(err)
	}
	res, err := hop.Controler(buf.Bytes(), hop.Declaration{Logiciel: hop.LogicielRI, Date: hop.Date{Annee: 2021, Mois: 10, Jour: 25}}, hop.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Acceptees(), "demandes acceptées")
	for _, p := range f.Demandes[2].Pieces {
		fmt.Println(p.NomFichier)
	}
	// Output:
	// 3 demandes acceptées
	// HOP-RI-Va1-BDC-T0003.pdf
	// HOP-RI-Va1-HT-T0003.pdf
}

// Read the returned file the portal sends back: each request's code, label
// and, when accepted, its ASP number, to quote in the balance request.
func ExampleLireRetour() {
	data, err := os.ReadFile("testdata/golden/exemple.retour-portail.json")
	if err != nil {
		log.Fatal(err)
	}
	r, err := hop.LireRetour(data)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("dépôt", r.ImpID)
	for _, d := range r.Demandes {
		if d.Acceptee() {
			fmt.Printf("numeroEditeur %s : acceptée, numéro ASP %s\n", d.NumeroEditeur, d.NumeroASP)
		} else {
			fmt.Printf("numeroEditeur %s : rejetée, %s %s\n", d.NumeroEditeur, d.CodeTraitement, d.LibelleTraitement)
		}
	}
	// Output:
	// dépôt IMP-2021-000001
	// numeroEditeur 00001 : acceptée, numéro ASP ASP-HOP-0000001
}

// registre is what a vendor's software knows of its own deposits: the
// numeroEditeur it already used. It answers the portal's questions so that
// an offline check applies those rules too.
type registre struct{ utilises map[string]bool }

func (registre) NumeroAnsEnregistre(string) (bool, error) { return true, nil }
func (registre) OrdinalPris(int) (bool, int, error)       { return false, 0, nil }
func (r registre) NumeroEditeurUtilise(n string) (bool, error) {
	return r.utilises[strings.ToUpper(n)], nil
}

// The rules only the portal knows run when the caller answers them.
func ExamplePortail() {
	data, err := os.ReadFile("testdata/JSON-1234567890-20211025-001.json")
	if err != nil {
		log.Fatal(err)
	}
	deja := registre{utilises: map[string]bool{"00001": true}}
	res, err := hop.Controler(data, hop.Declaration{Logiciel: hop.LogicielRI, Date: hop.Date{Annee: 2021, Mois: 10, Jour: 25}, SIRET: "88558855858745"},
		hop.Options{Portail: deja})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Demandes[0].Code(), res.Demandes[0].Libelle())
	// Output:
	// 2025 numeroEditeur : « 00001 » déjà utilisé dans un dépôt précédent ; attendu : un numéro jamais utilisé
}

// Resultat.EcrireRetour writes the returned file of a checked file: what
// the portal sends back, here offline (no deposit reference, no ASP number).
func ExampleResultat_EcrireRetour() {
	data, err := os.ReadFile("testdata/JSON-1234567890-20211025-001.json")
	if err != nil {
		log.Fatal(err)
	}
	res, err := hop.Controler(data, hop.Declaration{Logiciel: hop.LogicielRI, Date: hop.Date{Annee: 2021, Mois: 10, Jour: 25}}, hop.Options{})
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	if err := res.EcrireRetour(&buf, "", nil); err != nil {
		log.Fatal(err)
	}
	lignes := strings.Split(strings.TrimSpace(buf.String()), "\n")
	fmt.Println(strings.Join(lignes[len(lignes)-5:], "\n"))
	// Output:
	//       "codeTraitement": "0000",
	//       "libelleTraitement": "Demande acceptée"
	//     }
	//   ]
	// }
}
