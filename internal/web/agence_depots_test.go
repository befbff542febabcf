package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// exemplesDepotsAgence are the agency's deposit pages.
func exemplesDepotsAgence() map[string]exemple {
	agent := &segur.Utilisateur{Login: "marie@asp.fr", Nom: "Marie Curie", Roles: []segur.Role{segur.RoleInstructeur}}
	return map[string]exemple{
		"agence-depots.html": {PageDepotsAgence{Base: Base{Titre: "Dépôts", Nav: "depots-agence", Utilisateur: agent},
			Filtre:       FiltreDepots{Fournisseur: "1", Resultat: "rejetes", Du: "2026-11-01", Au: "2026-11-30"},
			Fournisseurs: []segur.Fournisseur{{ID: 1, Nom: "Le Beau Logiciel"}, {ID: 2, Nom: "Autre"}},
			Resultats:    []Tri{{"", "Tous", false}, {"rejetes", "Rejetés par le contrôle 1", true}},
			Tailles:      []Tri{{"50", "50", true}, {"100", "100", false}},
			Depots: []DepotAgenceVue{
				{ID: 2, Fournisseur: "Le Beau Logiciel", Recu: "25/11/2026 à 10:05", NomFichier: "JSON-1234567890-20261125-002.json", Type: "avance",
					Resultat: "Fichier rejeté", Badge: "error", Rejete: true, Motif: "Le fichier n'est pas un JSON valide (code 1001, ligne 3, colonne 12)."},
				{ID: 1, ImpID: "DEP-2026-0000001", Fournisseur: "Le Beau Logiciel", Recu: "25/11/2026 à 10:00", NomFichier: "JSON-1234567890-20261125-001.json",
					Type: "avance", Resultat: "3 acceptées sur 4", Badge: "warning", Lignes: 4, Acceptees: 3, Rejetees: 1}},
			Total: 2, Pagination: Pagination{Page: 1, Pages: 1}, CSV: "/agence/depots.csv?resultat=rejetes"},
			"Lignes par page", []string{`aria-current="page">Dépôts</a>`, `href="/agence/depots/2"`, "ligne 3, colonne 12",
				`<td data-label="Acceptées">3 sur 4</td>`, `href="/agence/depots.csv?resultat=rejetes"`, `<option value="1" selected>Le Beau Logiciel</option>`}},
		"agence-depot.html": {PageDepotAgence{PageDepot: PageDepot{Base: Base{Titre: "Dépôt DEP-2026-0000001", Nav: "depots-agence", Utilisateur: agent},
			ID: 1, ImpID: "DEP-2026-0000001", NomFichier: "JSON-1234567890-20261125-001.json", NumeroAns: "1234567890", Recu: "25/11/2026 à 10:00",
			Total: 2, Acceptees: 1, Rejetees: 1, Lignes: []LigneVue{
				{NumLigne: 1, NumeroEditeur: "00001", Code: "0000", Libelle: "Demande acceptée", NumeroASP: "ASP-2026-0000001", Lien: "/agence/demandes/ASP-2026-0000001", Acceptee: true},
				{NumLigne: 2, NumeroEditeur: "00002", Code: "2034", Libelle: "commande.montantSegurHT : 13750 ; attendu : …"}},
			Filtres: []FiltreVue{{"Toutes (2)", "/agence/depots/1", true}, {"Rejetées seulement (1)", "/agence/depots/1?filtre=rejetees", false}}, Pagination: Pagination{Page: 1, Pages: 1}},
			Fournisseur: "Le Beau Logiciel", FournisseurID: 1, Type: "avance"},
			"Résultat de chaque demande", []string{`href="/agence/demandes/ASP-2026-0000001"`, "déposé par <strong>Le Beau Logiciel</strong>",
				`href="/agence/depots/1/fichier-retour"`, `href="/agence/depots/1/fichier"`, `href="/agence/depots?fournisseur=1"`}},
	}
}

// syntaxeCassee breaks the JSON file on its line 10, for control 1.
func syntaxeCassee(b []byte) []byte {
	return bytes.Replace(b, []byte(`"numeroEditeur": "00001",`), []byte(`"numeroEditeur": "00001",,`), 1)
}

func TestDepotsAgence(t *testing.T) {
	L := lecteur{t}
	ctx := context.Background()
	p := newPortail(t)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	deposerForm(t, vendeur, p, "00001", "13750.00", 1, true)
	deposerFormAvec(t, vendeur, p, "00002", "13750.00", 2, true, syntaxeCassee)
	ds, _, err := p.db.FindDepotsAgence(ctx, segur.DepotFilter{})
	if err != nil || len(ds) != 2 {
		t.Fatalf("FindDepotsAgence: got %d deposits, %v; want 2", len(ds), err)
	}
	rejete, accepte := ds[0], ds[1]
	if rejete.Statut != segur.DepotRejete || rejete.Motif == nil || rejete.Motif.Ligne == 0 || accepte.Resultat.Acceptees != 1 {
		t.Fatalf("deposits: got %+v and %+v, want a file rejected at a line, then one request accepted", rejete, accepte)
	}
	motif := html.EscapeString(segur.Typographie(motifTexte(rejete.Motif)))
	inst := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	url := func(chemin string) string { return p.srv.URL + chemin }
	id := func(d segur.DepotResume) string { return strconv.FormatInt(int64(d.ID), 10) }

	t.Run("list and filters", func(t *testing.T) {
		paris, _ := time.LoadLocation("Europe/Paris")
		aujourdhui := p.now.In(paris).Format("2006-01-02")
		hier := p.now.In(paris).AddDate(0, 0, -1).Format("2006-01-02")
		f := strconv.FormatInt(int64(accepte.FournisseurID), 10)
		for _, tt := range []struct {
			name, query string
			want        []segur.DepotResume
			message     string // a field message, "" for none
		}{
			{"all", "", []segur.DepotResume{rejete, accepte}, ""},
			{"vendor", "?fournisseur=" + f, []segur.DepotResume{rejete, accepte}, ""},
			{"another vendor", "?fournisseur=999", nil, ""},
			{"rejected by control 1", "?resultat=rejetes", []segur.DepotResume{rejete}, ""},
			{"all accepted", "?resultat=tout-accepte", []segur.DepotResume{accepte}, ""},
			{"with rejections", "?resultat=avec-rejets", nil, ""},
			{"today", "?du=" + aujourdhui + "&au=" + aujourdhui, []segur.DepotResume{rejete, accepte}, ""},
			{"until yesterday", "?au=" + hier, nil, ""},
			{"page size", "?taille=20", []segur.DepotResume{rejete, accepte}, ""},
			{"unknown outcome", "?resultat=autre", []segur.DepotResume{rejete, accepte}, "Résultat : choisissez un résultat de la liste."},
			{"bad date", "?du=hier", []segur.DepotResume{rejete, accepte}, "Reçu du : « hier » n'est pas une date ; attendu AAAA-MM-JJ."},
			{"bad page size", "?taille=7", []segur.DepotResume{rejete, accepte}, "Lignes par page : choisissez un nombre de la liste."},
		} {
			t.Run(tt.name, func(t *testing.T) {
				code, body := L.lire(inst.Get(url("/agence/depots" + tt.query)))
				if code != http.StatusOK {
					t.Fatalf("GET: got %d, want 200", code)
				}
				for _, d := range []segur.DepotResume{rejete, accepte} {
					lien := `href="/agence/depots/` + id(d) + `"`
					want := false
					for _, w := range tt.want {
						want = want || w.ID == d.ID
					}
					if got := strings.Contains(body, lien); got != want {
						t.Errorf("deposit %s listed: got %v, want %v", d.NomFichier, got, want)
					}
				}
				if len(tt.want) == 0 && !strings.Contains(body, "Aucun dépôt ne correspond.") {
					t.Error("lacks « Aucun dépôt ne correspond. »")
				}
				if tt.message != "" && !strings.Contains(body, tt.message) {
					t.Errorf("lacks the message %q", tt.message)
				}
			})
		}
		_, body := L.lire(inst.Get(url("/agence/depots")))
		for _, want := range []string{motif, `fr-badge--error fr-badge--sm segur-insecable">Fichier rejeté</p>`,
			`fr-badge--success fr-badge--sm segur-insecable">Demande acceptée</p>`, `<td data-label="Acceptées">1 sur 1</td>`, "Le Beau Logiciel"} {
			if !strings.Contains(body, want) {
				t.Errorf("the list lacks %q", want)
			}
		}
	})

	t.Run("a rejected file's page", func(t *testing.T) {
		code, body := L.lire(inst.Get(url("/agence/depots/" + id(rejete))))
		if code != http.StatusOK || !strings.Contains(body, "Fichier rejeté en entier (contrôle 1)") || !strings.Contains(body, motif) {
			t.Errorf("GET: got %d, want 200 with the reason %q", code, motif)
		}
		if strings.Contains(body, "fichier-retour") {
			t.Error("a rejected file has no returned file, but the page links to one")
		}
		if code, _ := L.lire(inst.Get(url("/agence/depots/" + id(rejete) + "/fichier-retour"))); code != http.StatusNotFound {
			t.Errorf("returned file of a rejected deposit: got %d, want 404", code)
		}
		resp, err := inst.Get(url("/agence/depots/" + id(rejete) + "/fichier"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Disposition"), rejete.NomFichier) {
			t.Errorf("deposited file: got %d, %q; want 200, an attachment named %s", resp.StatusCode, resp.Header.Get("Content-Disposition"), rejete.NomFichier)
		}
	})

	t.Run("an accepted deposit's page", func(t *testing.T) {
		demandes, _, err := p.db.FindDemandes(ctx, segur.DemandeFilter{})
		if err != nil || len(demandes) != 1 {
			t.Fatalf("FindDemandes: got %d, %v; want 1", len(demandes), err)
		}
		code, body := L.lire(inst.Get(url("/agence/depots/" + id(accepte))))
		if code != http.StatusOK || !strings.Contains(body, `href="/agence/demandes/`+demandes[0].NumeroASP+`"`) {
			t.Errorf("GET: got %d, want 200 with a link to the agent's page of %s", code, demandes[0].NumeroASP)
		}
		if code, _ := L.lire(inst.Get(url("/agence/depots/" + id(accepte) + "/fichier-retour"))); code != http.StatusOK {
			t.Errorf("returned file: got %d, want 200", code)
		}
		if code, _ := L.lire(inst.Get(url("/agence/depots/999999"))); code != http.StatusNotFound {
			t.Errorf("unknown deposit: got %d, want 404", code)
		}
	})

	t.Run("export", func(t *testing.T) {
		resp, err := inst.Get(url("/agence/depots.csv"))
		if err != nil {
			t.Fatal(err)
		}
		code, body := L.lire(resp, nil)
		if code != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("GET: got %d, %s; want 200, CSV", code, resp.Header.Get("Content-Type"))
		}
		r := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF")))
		r.Comma = ';'
		rows, err := r.ReadAll()
		if err != nil {
			t.Fatalf("CSV: %v", err)
		}
		paris, _ := time.LoadLocation("Europe/Paris")
		recu := p.now.In(paris).Format(time.RFC3339)
		want := [][]string{
			{"Référence", "Fournisseur", "Reçu le", "Fichier", "Type", "Numéro ANS", "Résultat", "Demandes", "Acceptées", "Rejetées", "Code du rejet", "Motif du rejet", "Ligne", "Colonne"},
			{rejete.ImpID, "Le Beau Logiciel", recu, rejete.NomFichier, "avance", "1234567890", "Fichier rejeté", "0", "0", "0",
				rejete.Motif.Code, phrase(rejete.Motif.Libelle()), strconv.Itoa(rejete.Motif.Ligne), strconv.Itoa(rejete.Motif.Colonne)},
			{accepte.ImpID, "Le Beau Logiciel", recu, accepte.NomFichier, "avance", "1234567890", "Demande acceptée", "1", "1", "0", "", "", "", ""},
		}
		if len(rows) != len(want) {
			t.Fatalf("CSV: got %d rows %q, want %d", len(rows), rows, len(want))
		}
		for i := range want {
			if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
				t.Errorf("row %d: got %q, want %q", i, rows[i], want[i])
			}
		}
		_, body = L.lire(inst.Get(url("/agence/depots.csv?resultat=tout-accepte")))
		if strings.Count(body, "\n") != 2 || !strings.Contains(body, accepte.NomFichier) {
			t.Errorf("filtered export: got %q, want the header and the accepted deposit", body)
		}
		if code, _ := L.lire(inst.Get(url("/agence/depots.csv?du=hier"))); code != http.StatusUnprocessableEntity && code != http.StatusBadRequest {
			t.Errorf("export with a bad date: got %d, want a refusal", code)
		}
	})

	t.Run("refused to vendors and payers", func(t *testing.T) {
		payeur := agentClient(t, p, "payeur@asp.fr", segur.RolePayeur)
		for _, chemin := range []string{"/agence/depots", "/agence/depots.csv", "/agence/depots/" + id(accepte),
			"/agence/depots/" + id(accepte) + "/fichier", "/agence/depots/" + id(accepte) + "/fichier-retour"} {
			if code, body := L.lire(vendeur.Get(url(chemin))); code != http.StatusForbidden || !strings.Contains(body, "réservée aux agents") {
				t.Errorf("vendor GET %s: got %d, want 403", chemin, code)
			}
			if code, _ := L.lire(payeur.Get(url(chemin))); code != http.StatusForbidden {
				t.Errorf("payer GET %s: got %d, want 403", chemin, code)
			}
		}
	})
}

// TestParcoursDepotsAgence walks the agency's deposit pages in Chromium,
// at 1280 and 390 px, with axe: an instructor opens « Dépôts » from the
// menu, keeps the files rejected by control 1 with the form, and reads a
// rejected file's reason and an accepted deposit's lines.
func TestParcoursDepotsAgence(t *testing.T) {
	p := newPortailDSFR(t, dsfrDir(t))
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	deposerForm(t, vendeur, p, "00001", "13750.00", 1, true)
	deposerFormAvec(t, vendeur, p, "00002", "13750.00", 2, true, syntaxeCassee)
	deposerForm(t, vendeur, p, "00003", "13750.00", 3, false)
	ds, _, err := p.db.FindDepotsAgence(context.Background(), segur.DepotFilter{})
	if err != nil || len(ds) != 3 {
		t.Fatalf("FindDepotsAgence: got %d, %v; want 3", len(ds), err)
	}
	agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	ctx, do, texte := parcours(t)
	do("connexion", chromedp.Navigate(p.srv.URL+"/connexion"),
		chromedp.SendKeys(chromedp.CSS("#login"), "marie@asp.fr"),
		chromedp.SendKeys(chromedp.CSS("#motdepasse"), "mot de passe de l'agent"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitReady(chromedp.CSS(`form[action="/deconnexion"]`))) // the login page has an h1 too
	for _, largeur := range []int64{1280, 390} {
		ecran := func(nom string) {
			t.Helper()
			segurtest.Screenshot(t, ctx, fmt.Sprintf("i18-depots-%s-%d", nom, largeur))
			segurtest.Axe(t, ctx)
			large, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`))
			if err != nil {
				t.Fatalf("%s: width: %v", nom, err)
			}
			if largeur == 390 && large > largeur {
				t.Errorf("%s at 390 px: the page is %d px wide, want no horizontal scroll", nom, large)
			}
		}
		do(fmt.Sprintf("%d px", largeur), chromedp.EmulateViewport(largeur, 844))
		do("liste", chromedp.Navigate(p.srv.URL+"/agence/depots"), chromedp.WaitVisible(chromedp.CSS("h1")))
		if got := texte("main table caption"); got != "3 dépôts" {
			t.Errorf("caption: got %q, want « 3 dépôts »", got)
		}
		ecran("liste")
		// The page before the form's is marked: the wait is for the next one.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.body.dataset.avant = "1", true`)); err != nil {
			t.Fatal(err)
		}
		do("filtre", chromedp.SetValue(chromedp.CSS("#resultat"), "rejetes"),
			chromedp.Click(chromedp.CSS("main form button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("body:not([data-avant]) main table caption")))
		if got := texte("main table caption"); got != "2 dépôts" {
			t.Errorf("rejected files: got %q, want « 2 dépôts »", got)
		}
		ecran("rejetes")
		do("rejet", chromedp.Click(chromedp.CSS(`main a[href="/agence/depots/`+strconv.FormatInt(int64(ds[1].ID), 10)+`"]`)),
			chromedp.WaitVisible(chromedp.CSS(".fr-alert--error")))
		if got := texte(".fr-alert--error p"); !strings.Contains(got, "ligne ") {
			t.Errorf("reason: got %q, want its line", got)
		}
		ecran("depot-rejete")
		do("depot", chromedp.Navigate(p.srv.URL+"/agence/depots/"+strconv.FormatInt(int64(ds[2].ID), 10)), chromedp.WaitVisible(chromedp.CSS("main table")))
		ecran("depot")
	}
}
