package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/agence"
)

// TestMessages: the vendor reads the agency's message through the API and
// answers; the agent assigned gets the mail; the agents' private notes are
// never served; another vendor finds nothing.
func TestMessages(t *testing.T) {
	p := newPortail(t)
	resp, body := p.deposer(t, "88558855858745", "1234567890", p.nom(1), lire(t, exemple+".json"), lire(t, exemple+".zip"))
	var d DepotJSON
	if err := json.Unmarshal(body, &d); err != nil || resp.StatusCode != http.StatusCreated || len(d.Demandes) != 1 || d.Demandes[0].NumeroASP == nil {
		t.Fatalf("deposit: got %d %s", resp.StatusCode, body)
	}
	asp := *d.Demandes[0].NumeroASP
	ctx := segur.WithActeur(context.Background(), segur.Acteur{Login: "marie@asp.fr"})
	in := &agence.Instruction{Store: p.db, Blobs: p.blobs, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: p.now, Paris: p.paris,
		Programme: segur.ProgrammeParDefaut, Lien: func(string) string { return "" }}
	if _, err := in.Agir(ctx, asp, agence.Acte{Demarche: segur.Demarche{Action: segur.ActionPrendre, Roles: []segur.Role{segur.RoleInstructeur}, Login: "marie@asp.fr"}}); err != nil {
		t.Fatal(err)
	}
	m, _ := segur.NouveauMessage(asp, "marie@asp.fr", segur.CoteAgence, "Le bon de commande est-il signé ?", nil)
	if err := p.db.CreateMessage(ctx, m, nil); err != nil {
		t.Fatal(err)
	}
	n, _ := segur.NouvelleNote(asp, "marie@asp.fr", "Note confidentielle des agents")
	if err := p.db.CreateNote(ctx, n); err != nil {
		t.Fatal(err)
	}
	chemin := "/api/v1/demandes/" + asp + "/messages"

	resp, body = p.do(t, "GET", chemin, "88558855858745", nil, "")
	var fil struct{ Messages []MessageJSON }
	if err := json.Unmarshal(body, &fil); err != nil || resp.StatusCode != http.StatusOK || len(fil.Messages) != 1 ||
		fil.Messages[0].Cote != "agence" || fil.Messages[0].Auteur != "" || !fil.Messages[0].Nouveau || fil.Messages[0].Texte != m.Texte {
		t.Fatalf("thread: got %d %s", resp.StatusCode, body)
	}

	resp, body = p.do(t, "POST", chemin, "88558855858745", strings.NewReader(`{"texte": "  Oui, signé.  "}`), "application/json")
	var rep MessageJSON
	if err := json.Unmarshal(body, &rep); err != nil || resp.StatusCode != http.StatusCreated || rep.Texte != "Oui, signé." || rep.Cote != "fournisseur" ||
		!strings.HasPrefix(rep.Auteur, "jeton:") {
		t.Fatalf("post: got %d %s", resp.StatusCode, body)
	}
	cs, _, err := p.db.FindCourriels(context.Background(), "", 10, 0)
	if err != nil || len(cs) != 1 || cs[0].A[0] != "marie@asp.fr" || !strings.Contains(cs[0].Sujet, asp) {
		t.Errorf("mail to the agent: got %+v, %v", cs, err)
	}

	for _, tc := range []struct{ name, body, ctype string }{
		{"empty", `{"texte": "   "}`, "application/json"},
		{"5 001 characters", `{"texte": "` + strings.Repeat("é", segur.MaxTexteMessage+1) + `"}`, "application/json"},
		{"unknown field", `{"texte": "x", "fichiers": []}`, "application/json"},
		{"not JSON", `texte=x`, "application/x-www-form-urlencoded"},
	} {
		resp, body := p.do(t, "POST", chemin, "88558855858745", strings.NewReader(tc.body), tc.ctype)
		var pb Problem
		if err := json.Unmarshal(body, &pb); err != nil || resp.StatusCode != http.StatusBadRequest || pb.Detail == "" {
			t.Errorf("%s: got %d %s, want 400 with a French detail", tc.name, resp.StatusCode, body)
		}
	}

	// The notes are never served; another vendor finds nothing.
	for _, path := range []string{chemin, "/api/v1/demandes/" + asp} {
		if _, body := p.do(t, "GET", path, "88558855858745", nil, ""); strings.Contains(string(body), "confidentielle") {
			t.Errorf("%s serves a private note: %s", path, body)
		}
	}
	for _, method := range []string{"GET", "POST"} {
		if resp, _ := p.do(t, method, chemin, "35600000000048", strings.NewReader(`{"texte": "intrusion"}`), "application/json"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another vendor's %s: got %d, want 404", method, resp.StatusCode)
		}
	}
	if ms, _ := p.db.FindMessages(context.Background(), asp); len(ms) != 2 {
		t.Errorf("got %d messages, want 2", len(ms))
	}

	// A script flooding the thread: its vendor's bound of the hour holds,
	// each refusal saying in French when to write again.
	for i := 2; i <= segur.MaxMessagesFournisseurHeure; i++ {
		if resp, body := p.do(t, "POST", chemin, "88558855858745", strings.NewReader(fmt.Sprintf(`{"texte": "relance %d"}`, i)), "application/json"); resp.StatusCode != http.StatusCreated {
			t.Fatalf("message %d: got %d %s", i, resp.StatusCode, body)
		}
	}
	resp, body = p.do(t, "POST", chemin, "88558855858745", strings.NewReader(`{"texte": "une de trop"}`), "application/json")
	var pb Problem
	if err := json.Unmarshal(body, &pb); err != nil || resp.StatusCode != http.StatusTooManyRequests ||
		!strings.HasPrefix(pb.Detail, "Trop de messages : votre entreprise en a envoyé 30 à l'agence dans la dernière heure") {
		t.Errorf("flood: got %d %s, want 429 with the bound in French", resp.StatusCode, body)
	}
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 59*60 || ra > 3600 {
		t.Errorf("flood: Retry-After %q, want the hour's end", resp.Header.Get("Retry-After"))
	}
	if ms, _ := p.db.FindMessages(context.Background(), asp); len(ms) != 1+segur.MaxMessagesFournisseurHeure {
		t.Errorf("after the flood: got %d messages, want %d", len(ms), 1+segur.MaxMessagesFournisseurHeure)
	}
}
