package api

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// deposerSolde posts a balance deposit.
func (p *portail) deposerSolde(t *testing.T, siret, ans, nom string, data, zipb []byte) (*http.Response, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("typeDemande", "solde")
	w.WriteField("numeroAns", ans)
	fw, _ := w.CreateFormFile("fichier", nom)
	fw.Write(data)
	zw, _ := w.CreateFormFile("pieces", "soldes.zip")
	zw.Write(zipb)
	w.Close()
	return p.do(t, "POST", "/api/v1/depots", siret, &buf, w.FormDataContentType())
}

// soldeAPI is a balance file of vendor 88558855858745 whose lines balance
// the requests asps (numeroEditeur eds) with invoices of montants cents HT,
// and its zip.
func soldeAPI(t *testing.T, asps, eds []string, montants []int64) ([]byte, []byte) {
	t.Helper()
	f := hop.FichierSolde{NumeroAns: "1234567890", SIRET: "88558855858745"}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	pdf := lire(t, "../../hop/testdata/HOP-RI-Va1-FAC-00001.pdf")
	vus := map[string]bool{}
	aujourdhui := time.Now().In(segurtest.Paris()) // the year of the portal's day (segurtest.Midi)
	for i, asp := range asps {
		ed := eds[i]
		s := hop.DonneesSolde{NumeroASP: asp, NumeroEditeur: ed, NumeroFacture: "FA-" + ed,
			DateFacture:           hop.Date{Annee: aujourdhui.Year(), Mois: 1, Jour: 1},
			MontantFactureHTCents: montants[i], DateMiseEnService: hop.Date{Annee: aujourdhui.Year(), Mois: 1, Jour: 1}}
		for _, typ := range []string{hop.TypeFacture, hop.TypePVVSR} {
			nom := hop.NomPiece(hop.LogicielRI, typ, ed, "PDF")
			s.Pieces = append(s.Pieces, hop.Piece{NomFichier: nom, Format: "PDF", Type: typ})
			if !vus[nom] {
				vus[nom] = true
				w, _ := zw.Create(nom)
				w.Write(pdf)
			}
		}
		f.Soldes = append(f.Soldes, s)
	}
	zw.Close()
	var out bytes.Buffer
	if err := hop.EcrireSolde(&out, f); err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), buf.Bytes()
}

// TestAPISolde: balance deposits through the API, on SQLite and on
// PostgreSQL, each line refused with its label when its request is
// unknown, another vendor's, not paid its advance, quoted twice, balanced
// already, or its invoice is 0 €.
func TestAPISolde(t *testing.T) {
	for _, base := range []string{"sqlite", "postgres"} {
		t.Run(base, func(t *testing.T) {
			url := ""
			if base == "postgres" {
				url = segurtest.FreshSchema(t, segurtest.PostgresDSN(t))
			}
			testAPISolde(t, newPortailSur(t, url))
		})
	}
}

func testAPISolde(t *testing.T, p *portail) {
	ctx := segur.WithActeur(context.Background(), segur.Acteur{Login: "test"})
	var asps []string
	for i, ed := range []string{"00001", "00002", "00003"} {
		data, zipb := depotNumero(t, ed)
		if resp, body := p.deposer(t, "88558855858745", "1234567890", p.nom(i+1), data, zipb); resp.StatusCode != http.StatusCreated {
			t.Fatalf("advance deposit: %d %s", resp.StatusCode, body)
		}
	}
	ds, _, err := p.db.FindDemandes(ctx, segur.DemandeFilter{})
	if err != nil || len(ds) != 3 {
		t.Fatalf("requests: %d %v", len(ds), err)
	}
	for _, d := range ds {
		asps = append(asps, d.NumeroASP)
	}
	// Another vendor's request.
	data, zipb := depotNumero(t, "00009")
	data = bytes.ReplaceAll(bytes.ReplaceAll(data, []byte("1234567890"), []byte("0987654321")), []byte("88558855858745"), []byte("35600000000048"))
	nomB := strings.Replace(p.nom(1), "1234567890", "0987654321", 1)
	if resp, body := p.deposer(t, "35600000000048", "0987654321", nomB, data, zipb); resp.StatusCode != http.StatusCreated {
		t.Fatalf("other vendor's deposit: %d %s", resp.StatusCode, body)
	}
	autres, _, _ := p.db.FindDemandes(ctx, segur.DemandeFilter{NumeroEditeur: "00009"})
	autre := autres[0].NumeroASP
	// The first two have their advance paid.
	inst := []segur.Role{segur.RoleInstructeur}
	for _, asp := range asps[:2] {
		for _, m := range []segur.Demarche{{Action: segur.ActionPrendre, Roles: inst, Login: "marie@asp.fr"},
			{Action: segur.ActionValider, Roles: inst, Login: "marie@asp.fr", MontantFinance: 13_750_00},
			{Action: segur.ActionPayerAvance, Roles: []segur.Role{segur.RolePayeur}, Login: "paul@asp.fr"}} {
			if _, err := segurtest.Appliquer(ctx, p.db, asp, m, segur.ProgrammeParDefaut, segur.Suites{}); err != nil {
				t.Fatal(err)
			}
		}
	}

	lignes := []struct {
		asp, ed string
		montant int64
		code    string
		libelle string
	}{
		{asps[0], "00001", 13_750_00, hop.CodeAcceptee, hop.LibelleAcceptee},
		{"ASP-2020-0000042", "00004", 1_00, hop.CodeSoldeASPInconnu, "numeroASP : « ASP-2020-0000042 » ne correspond à aucune demande ; attendu : le numéro ASP d'une demande d'avance acceptée"},
		{autre, "00009", 1_00, hop.CodeSoldeASPAutre, "numeroASP : « " + autre + " » n'est pas une demande de ce fournisseur ; attendu : le numéro ASP d'une de ses demandes"},
		{asps[2], "00003", 1_00, hop.CodeSoldeAvanceNonPayee, "numeroASP : « " + asps[2] + " », demande au statut « Déposée » ; attendu : une demande dont l'avance est payée (ou dont le solde a été refusé)"},
		{asps[2], "00003", 0, hop.CodeSoldeFactureNulle, "facture.montantFactureHT : 0.00 ; attendu : un montant supérieur à 0 (une facture à 0 € est toujours refusée)"},
		{asps[0], "00001", 1_00, hop.CodeSoldeASPFichier, "numeroASP : « " + asps[0] + " » déjà cité par la ligne 1 du fichier ; attendu : un seul solde par demande"},
		{asps[1], "00003", 1_00, hop.CodeSoldeEditeur, "numeroEditeur : « 00003 » ; attendu : « 00002 », le numeroEditeur de la demande d'avance " + asps[1]},
	}
	var la, le []string
	var lm []int64
	for _, l := range lignes {
		la, le, lm = append(la, l.asp), append(le, l.ed), append(lm, l.montant)
	}
	data, zipb = soldeAPI(t, la, le, lm)
	resp, body := p.deposerSolde(t, "88558855858745", "1234567890", p.nom(4), data, zipb)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("balance deposit: %d %s", resp.StatusCode, body)
	}
	var dep DepotJSON
	if err := json.Unmarshal(body, &dep); err != nil {
		t.Fatal(err)
	}
	if dep.TypeDemande != "solde" || dep.Statut != "traite" || len(dep.Demandes) != len(lignes) {
		t.Fatalf("balance deposit: %s", body)
	}
	for i, l := range lignes {
		got := dep.Demandes[i]
		if got.CodeTraitement != l.code || got.LibelleTraitement != l.libelle {
			t.Errorf("line %d: got %s « %s », want %s « %s »", i+1, got.CodeTraitement, got.LibelleTraitement, l.code, l.libelle)
		}
		if accepted := got.NumeroASP != nil; accepted != (l.code == hop.CodeAcceptee) || accepted && *got.NumeroASP != l.asp {
			t.Errorf("line %d: numeroASP %v", i+1, got.NumeroASP)
		}
	}
	// The returned file keeps each line's numeroASP.
	resp, retour := p.do(t, "GET", fmt.Sprintf("/api/v1/depots/%d/fichier-retour", dep.ID), "88558855858745", nil, "")
	if resp.StatusCode != 200 || !bytes.Contains(retour, []byte(`"numeroASP": "ASP-2020-0000042"`)) || !bytes.Contains(retour, []byte(`"impId": "`+dep.ImpID+`"`)) {
		t.Errorf("returned file: %d\n%s", resp.StatusCode, retour)
	}
	if d, _ := p.db.FindDemandeByASP(ctx, asps[0]); d.Statut != segur.DemandeSoldeDeposee {
		t.Errorf("request balanced: %s, want solde_deposee", d.Statut)
	}
	if d, _ := p.db.FindDemandeByASP(ctx, asps[1]); d.Statut != segur.DemandeAvancePayee {
		t.Errorf("request refused its balance: %s, want avance_payee", d.Statut)
	}

	// Deposited twice: the second balance is refused.
	data, zipb = soldeAPI(t, []string{asps[0]}, []string{"00001"}, []int64{12_000_00})
	_, body = p.deposerSolde(t, "88558855858745", "1234567890", p.nom(5), data, zipb)
	if err := json.Unmarshal(body, &dep); err != nil || len(dep.Demandes) != 1 || dep.Demandes[0].CodeTraitement != hop.CodeSoldeDejaDepose {
		t.Errorf("balance deposited twice: %s", body)
	}
	// The same files again: refused whole, nothing recorded.
	if resp, body := p.deposerSolde(t, "88558855858745", "1234567890", p.nom(5), data, zipb); resp.StatusCode != http.StatusConflict {
		t.Errorf("same balance files again: got %d %s, want 409", resp.StatusCode, body)
	}
	// The ordinals are shared with the advances: 001 is taken today.
	data, zipb = soldeAPI(t, []string{asps[0]}, []string{"00001"}, []int64{11_000_00})
	_, body = p.deposerSolde(t, "88558855858745", "1234567890", p.nom(1), data, zipb)
	if err := json.Unmarshal(body, &dep); err != nil || dep.Statut != "rejete" || dep.Motif == nil || dep.Motif.Code != hop.CodeNomFichierOrdre {
		t.Errorf("balance on a taken ordinal: %s", body)
	}
}
