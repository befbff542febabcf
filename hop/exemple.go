package hop

// FichierExemple returns the document's worked example as a file of one
// request per numeroEditeur of numeros, in their order: each the example's
// request (an RI order of 13 750,00 € HT by a mandatary for three
// establishments) under its own number, its two attachments, an order
// form and a proof of the amount in PDF, named after it. EcrireHOP writes
// FichierExemple("00001") as the example, byte for byte; with 200 numbers
// it writes a full file (about 430 KB), the one the portal's benchmarks
// deposit. A vendor's tests may deposit it with a zip holding each request's
// two attachments (NomPiece).
func FichierExemple(numeros ...string) FichierHOP {
	f := FichierHOP{NumeroAns: "1234567890", SIRET: "88558855858745", Logiciel: LogicielRI,
		Demandes: make([]DonneesDemande, 0, len(numeros))}
	for _, n := range numeros {
		d := DonneesDemande{NumLigne: len(f.Demandes) + 1, NumeroEditeur: n,
			DateCommande: Date{Annee: 2021, Mois: 10, Jour: 15}, RegimeTVA: "HT", MontantHTCents: 13_750_00,
			Mandataire: &Contact{Nom: "DUPONT", Email: "direction@hopital-saint-martin.fr", Telephone: "01 23 45 67 89"},
			Clients: []Client{
				{Contact{"HOPITAL SAINT-MARTIN", "direction@hopital-saint-martin.fr", "01 23 45 67 89"}, "999999999"},
				{Contact{"HOPITAL SAINT-MARTIN - SITE NORD", "site-nord@hopital-saint-martin.fr", "01 23 45 67 90"}, "999999991"},
				{Contact{"HOPITAL SAINT-MARTIN - SITE SUD", "site-sud@hopital-saint-martin.fr", "01 23 45 67 91"}, "999999992"},
			}}
		for _, typ := range []string{TypeBonCommande, TypePreuveHT} {
			d.Pieces = append(d.Pieces, Piece{NomFichier: NomPiece(LogicielRI, typ, n, "PDF"), Format: "PDF", Type: typ})
		}
		f.Demandes = append(f.Demandes, d)
	}
	return f
}
