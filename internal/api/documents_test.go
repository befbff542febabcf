package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/agence"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// TestDocuments: once a request is validated, its vendor reads the amount
// financed and the décision through the API, and downloads the PDF as it
// was sent; another vendor finds neither.
func TestDocuments(t *testing.T) {
	p := newPortail(t)
	resp, body := p.deposer(t, "88558855858745", "1234567890", p.nom(1), lire(t, exemple+".json"), lire(t, exemple+".zip"))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("deposit: %d %s", resp.StatusCode, body)
	}
	var d DepotJSON
	if err := json.Unmarshal(body, &d); err != nil || len(d.Demandes) != 1 || d.Demandes[0].NumeroASP == nil {
		t.Fatalf("deposit: got %s, want the example accepted", body)
	}
	asp := *d.Demandes[0].NumeroASP
	ctx := segur.WithActeur(context.Background(), segur.Acteur{Login: "test"})
	if _, err := p.db.CreateReference(ctx, segur.ReferenceDemo()); err != nil {
		t.Fatal(err)
	}
	in := &agence.Instruction{Store: p.db, Blobs: p.blobs, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: p.now, Paris: p.paris,
		Programme: segur.ProgrammeParDefaut, DelaiSignature: segur.DelaiSignature, Lien: func(string) string { return "https://portail.example/" }}
	for _, a := range []segur.Action{segur.ActionPrendre, segur.ActionValider} {
		if _, err := in.Agir(ctx, asp, agence.Acte{Demarche: segur.Demarche{Action: a, Roles: []segur.Role{segur.RoleInstructeur}, Login: "marie@asp.fr"}}); err != nil {
			t.Fatal(err)
		}
	}
	resp, body = p.do(t, "GET", "/api/v1/demandes/"+asp, "88558855858745", nil, "")
	var dj DemandeJSON
	if err := json.Unmarshal(body, &dj); err != nil || resp.StatusCode != 200 || dj.Statut != "decidee" || dj.MontantFinance != "13750.00" ||
		len(dj.Documents) != 1 || dj.Documents[0].Type != "decision" {
		t.Fatalf("request: %d %s", resp.StatusCode, body)
	}
	resp, pdf := p.do(t, "GET", dj.Documents[0].URL, "88558855858745", nil, "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Errorf("document: %d %s", resp.StatusCode, resp.Header)
	}
	// Its accessible HTML version, the one the history records.
	doc := dj.Documents[0]
	if doc.URLHTML == nil || *doc.URLHTML != doc.URL+"/html" || doc.SHA256HTML == nil {
		t.Fatalf("the document's HTML version: %s", body)
	}
	resp, page := p.do(t, "GET", *doc.URLHTML, "88558855858745", nil, "")
	sum := sha256.Sum256(page)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" || hex.EncodeToString(sum[:]) != *doc.SHA256HTML ||
		!bytes.Contains(page, []byte(`lang="fr`)) || !bytes.Contains(page, []byte("le service instructeur")) {
		t.Errorf("the HTML version: %d %s, digest %x want %s", resp.StatusCode, resp.Header, sum, *doc.SHA256HTML)
	}
	for _, path := range []string{"/api/v1/demandes/" + asp, dj.Documents[0].URL, *doc.URLHTML} {
		if resp, _ := p.do(t, "GET", path, "35600000000048", nil, ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another vendor GET %s: got %d, want 404", path, resp.StatusCode)
		}
	}
	if resp, _ := p.do(t, "GET", "/api/v1/demandes/"+asp+"/documents/"+asp+"-DEC-9", "88558855858745", nil, ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown document: got %d, want 404", resp.StatusCode)
	}

	// The advance paid: the vendor's software reads its payment notice.
	pay := &agence.Paiements{Store: p.db, Blobs: p.blobs, Log: in.Log, Now: p.now, Paris: p.paris, Programme: segur.ProgrammeParDefaut,
		Payeur: agence.PayeurDemo, Lien: "https://portail.example/paiements"}
	l, err := segurtest.CreerLot(ctx, p.db, nil, "paul@asp.fr")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := segurtest.ApprouverLot(ctx, p.db, l.ID, "anne@asp.fr"); err != nil {
		t.Fatal(err)
	}
	y, m, j := p.now().In(p.paris).Date()
	if _, err := pay.MarquerPaye(ctx, l.ID, hop.Date{Annee: y, Mois: int(m), Jour: j}, "paul@asp.fr", "192.0.2.7"); err != nil {
		t.Fatal(err)
	}
	resp, body = p.do(t, "GET", "/api/v1/avis", "88558855858745", nil, "")
	var liste struct {
		Avis  []AvisJSON `json:"avis"`
		Total int        `json:"total"`
	}
	if err := json.Unmarshal(body, &liste); err != nil || resp.StatusCode != 200 || liste.Total != 1 || len(liste.Avis[0].Paiements) != 1 ||
		liste.Avis[0].Paiements[0].NumeroASP != asp || liste.Avis[0].Paiements[0].Nature != "avance" || liste.Avis[0].Montant != "4125.00" {
		t.Fatalf("notices: %d %s", resp.StatusCode, body)
	}
	resp, pdf = p.do(t, "GET", liste.Avis[0].URL, "88558855858745", nil, "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Errorf("notice PDF: %d %s", resp.StatusCode, resp.Header)
	}
	if u := liste.Avis[0].URLHTML; u == nil || *u != liste.Avis[0].URL+"/html" {
		t.Fatalf("the notice's HTML version: %s", body)
	}
	resp, page = p.do(t, "GET", *liste.Avis[0].URLHTML, "88558855858745", nil, "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" || !bytes.Contains(page, []byte("le service comptable")) {
		t.Errorf("the notice's HTML version: %d %s", resp.StatusCode, resp.Header)
	}
	for _, u := range []string{liste.Avis[0].URL, *liste.Avis[0].URLHTML} {
		if resp, _ := p.do(t, "GET", u, "35600000000048", nil, ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another vendor's notice %s: got %d, want 404", u, resp.StatusCode)
		}
	}
	if resp, body := p.do(t, "GET", "/api/v1/avis", "35600000000048", nil, ""); resp.StatusCode != 200 || !bytes.Contains(body, []byte(`"total": 0`)) {
		t.Errorf("another vendor's list: %d %s", resp.StatusCode, body)
	}
}
