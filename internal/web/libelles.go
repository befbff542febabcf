package web

import "github.com/segur-numerique/segur/hop"

// libellesPieces are the attachments' types in words, as the pages say
// them; the file's key (BON_COMMANDE) stays in the returned file.
var libellesPieces = map[string]string{
	hop.TypeBonCommande: "Bon de commande",
	hop.TypePreuveHT:    "Justificatif du régime HT",
	hop.TypeFacture:     "Facture",
	hop.TypePVVSR:       "Procès-verbal de vérification de service régulier",
	"MANDAT":            "Mandat",
	"AUTRE":             "Autre pièce",
}

// libellePiece is an attachment's type t in words, or t when the portal
// knows no words for it.
func libellePiece(t string) string {
	if l, ok := libellesPieces[t]; ok {
		return l
	}
	return t
}
