package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/segur-numerique/segur"
)

// TestAlertesVues: an agent marks alerts seen with a reason, the SIRET
// key's once for the vendor; the queue filters on alert types and on
// alerts not seen; a batch validation leaves out a request with an alert
// not seen and names it.
func TestAlertesVues(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asps := demandesDeposees(t, p, vendeur, "13750.00", "23000.00")
	a, b := asps[0], asps[1]
	inst := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	ctx := context.Background()
	marquer := func(asp, code, raison string) (int, string) {
		return L.lire(inst.PostForm(p.srv.URL+"/agence/demandes/"+asp+"/alertes", url.Values{"code": {code}, "raison": {raison}, "champ": {"alerte-1"}}))
	}

	// Each alert with its explanation, what to check, and its form.
	code, body := L.lire(inst.Get(p.srv.URL + "/agence/demandes/" + a))
	for _, want := range []string{`data-alerte="cle_siret"`, " alertes non vues</h2>", "Clé SIRET", "À vérifier", "vaut pour toutes les demandes du fournisseur", "Marquer comme vue",
		"Les types d'alertes et ce qu'il faut vérifier"} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("request page (%d) lacks %q", code, want)
		}
	}
	codes := map[string]bool{}
	for _, m := range regexp.MustCompile(`data-alerte="([a-z_]+)"`).FindAllStringSubmatch(body, -1) {
		codes[m[1]] = true
	}
	if !codes["cle_siret"] || len(codes) < 2 {
		t.Fatalf("alerts of %s: got %v, want the SIRET key and another", a, codes)
	}

	// Without a reason: refused, nothing recorded.
	if code, body := marquer(a, "cle_siret", "  "); code != http.StatusUnprocessableEntity || !strings.Contains(body, "raison obligatoire") || !strings.Contains(body, `href="#alerte-1-raison"`) {
		t.Errorf("marking without a reason: got %d", code)
	}
	if code, _ := marquer(a, "deja_finance", "vu"); code != http.StatusUnprocessableEntity {
		t.Errorf("marking an alert the request does not carry: got %d, want 422", code)
	}
	if vues, _ := p.db.FindAlertesVues(ctx, asps); len(vues) != 0 {
		t.Fatalf("got %+v recorded after refusals, want none", vues)
	}
	// With a reason: once for the vendor, seen on its other request.
	code, body = marquer(a, "cle_siret", "SIRET vérifié dans l'annuaire")
	if code != http.StatusOK || !strings.Contains(body, "marquée vue pour toutes les demandes du fournisseur") {
		t.Fatalf("marking the SIRET key: got %d", code)
	}
	if code, _ := marquer(b, "cle_siret", "encore"); code != http.StatusUnprocessableEntity {
		t.Errorf("marking the vendor's SIRET key again: got %d, want 422", code)
	}
	code, body = L.lire(inst.Get(p.srv.URL + "/agence/demandes/" + b))
	if code != http.StatusOK || !regexp.MustCompile(`data-alerte="cle_siret" data-vue>`).MatchString(body) || !regexp.MustCompile(` alertes, dont \d+ non vues?</h2>`).MatchString(body) ||
		!strings.Contains(body, "vue par marie@asp.fr le ") || !strings.Contains(body, "SIRET vérifié dans l'annuaire") {
		t.Errorf("other request of the vendor (%d): want the SIRET key seen by marie", code)
	}
	h, _ := p.db.FindHistorique(ctx, a)
	if len(h) != 1 || h[0].Action != segur.ActionAlerteVue || h[0].Par != "marie@asp.fr" || !strings.Contains(h[0].Raison, "SIRET vérifié") {
		t.Errorf("history of %s: got %+v", a, h)
	}
	// Request a: every alert seen; b keeps the others.
	for c := range codes {
		if c != "cle_siret" {
			if code, _ := marquer(a, c, "vérifié au répertoire"); code != http.StatusOK {
				t.Fatalf("marking %s: got %d", c, code)
			}
		}
	}

	// The queue: by type, not seen only.
	for _, tc := range []struct {
		query  string
		avec   []string
		sans   []string
		erreur bool
	}{
		{"statut=toutes&alerte=cle_siret", []string{a, b}, nil, false},
		{"statut=toutes&alerte=cle_siret&nonvues=1", nil, []string{a, b}, false},
		{"statut=toutes&nonvues=1", []string{b}, []string{a}, false},
		{"statut=toutes&alerte=inconnue", nil, nil, true},
	} {
		code, body := L.lire(inst.Get(p.srv.URL + "/agence/demandes?" + tc.query))
		if code != http.StatusOK {
			t.Errorf("%s: got %d", tc.query, code)
		}
		for _, asp := range tc.avec {
			if !strings.Contains(body, `href="/agence/demandes/`+asp+`"`) {
				t.Errorf("%s: lacks %s", tc.query, asp)
			}
		}
		for _, asp := range tc.sans {
			if strings.Contains(body, `href="/agence/demandes/`+asp+`"`) {
				t.Errorf("%s: shows %s", tc.query, asp)
			}
		}
		if got := strings.Contains(body, "Type d'alerte : choisissez un type de la liste."); got != tc.erreur {
			t.Errorf("%s: error on the type %v, want %v", tc.query, got, tc.erreur)
		}
	}

	// A batch: both taken, then validated: b is left out and named.
	if code, body := L.lire(inst.PostForm(p.srv.URL+"/agence/demandes/lot", url.Values{"asp": asps, "action": {"prendre"}})); code != http.StatusOK || !strings.Contains(body, "2 demandes traitées sur 2") {
		t.Fatalf("batch take: got %d", code)
	}
	// Its confirmation says so before anything runs.
	code, body = L.lire(inst.PostForm(p.srv.URL+"/agence/demandes/lot", url.Values{"asp": asps, "action": {"valider"}}))
	if code != http.StatusOK || !strings.Contains(body, "Confirmer : validation de 2 demandes") || !strings.Contains(body, "alertes non vues (Clé FINESS)") {
		t.Errorf("batch validation's confirmation (%d): want b named as left out\n%s", code, body)
	}
	code, body = L.lire(inst.PostForm(p.srv.URL+"/agence/demandes/lot", url.Values{"asp": asps, "action": {"valider"}, "confirmer": {"1"}}))
	if code != http.StatusOK || !strings.Contains(body, "1 demande traitée sur 2") || !strings.Contains(body, "non validée : alerte") ||
		!strings.Contains(body, "Clé FINESS") {
		t.Errorf("batch validation (%d): want b left out, its alert named", code)
	}
	for asp, want := range map[string]segur.StatutDemande{a: segur.DemandeDecidee, b: segur.DemandeEnInstruction} {
		if d, _ := p.db.FindDemandeByASP(ctx, asp); d.Statut != want {
			t.Errorf("%s: got %s, want %s", asp, d.Statut, want)
		}
	}
}

// TestParcoursAlertes: in a real Chromium, at 1280 px an instructor marks
// the SIRET key seen for the vendor from one request and finds it seen on
// the vendor's other request; at 390 px marks a FINESS key seen on one
// request; every page checked with axe-core, none wider than the screen.
func TestParcoursAlertes(t *testing.T) {
	p := newPortailDSFR(t, dsfrDir(t))
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asps := demandesDeposees(t, p, vendeur, "13750.00", "23000.00")
	a, b := asps[0], asps[1]
	agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	ctx, do, texte := parcours(t)
	do("connexion", chromedp.Navigate(p.srv.URL+"/connexion"),
		chromedp.SendKeys(chromedp.CSS("#login"), "marie@asp.fr"),
		chromedp.SendKeys(chromedp.CSS("#motdepasse"), "mot de passe de l'agent"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitReady(chromedp.CSS(`form[action="/deconnexion"]`))) // the login page has an h1 too
	verifier := ecran(t, ctx)
	marquer := func(code, raison string) {
		t.Helper()
		li := `li[data-alerte="` + code + `"]`
		do("marquer "+code, chromedp.SendKeys(chromedp.CSS(li+` input[name=raison]`), raison),
			chromedp.Click(chromedp.CSS(li+` button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(li+`[data-vue] .segur-alerte-vue`)))
	}

	do("1280 px", chromedp.EmulateViewport(1280, 900))
	do("demande a", chromedp.Navigate(p.srv.URL+"/agence/demandes/"+a), chromedp.WaitVisible(chromedp.CSS(`li[data-alerte="cle_siret"] input[name=raison]`)))
	verifier("demande-a", 1280)
	// The reason is required by the form itself: nothing is sent without.
	do("sans raison", chromedp.Click(chromedp.CSS(`li[data-alerte="cle_siret"] button[type=submit]`)))
	if vues, _ := p.db.FindAlertesVues(context.Background(), asps); len(vues) != 0 {
		t.Fatalf("marked without a reason: %+v", vues)
	}
	marquer("cle_siret", "SIRET vérifié dans l'annuaire des entreprises")
	if got := texte(".fr-alert--success"); !strings.Contains(got, "pour toutes les demandes du fournisseur") {
		t.Errorf("flash: got %q", got)
	}
	verifier("demande-a-vue", 1280)
	do("demande b", chromedp.Navigate(p.srv.URL+"/agence/demandes/"+b), chromedp.WaitVisible(chromedp.CSS(`li[data-alerte="cle_siret"][data-vue]`)))
	if got := texte(`li[data-alerte="cle_siret"] .segur-alerte-vue`); !strings.HasPrefix(got, "vue par marie@asp.fr le ") || !strings.Contains(got, "SIRET vérifié") {
		t.Errorf("SIRET key on the vendor's other request: got %q", got)
	}
	verifier("demande-b", 1280)
	do("file", chromedp.Navigate(p.srv.URL+"/agence/demandes?statut=toutes&alerte=cle_siret"), chromedp.WaitVisible(chromedp.CSS("caption")))
	verifier("file", 1280)

	do("390 px", chromedp.EmulateViewport(390, 844))
	do("demande a à 390 px", chromedp.Navigate(p.srv.URL+"/agence/demandes/"+a), chromedp.WaitVisible(chromedp.CSS(`li[data-alerte="cle_finess"] input[name=raison]`)))
	verifier("demande-a", 390)
	marquer("cle_finess", "FINESS vérifié au répertoire")
	verifier("demande-a-vue", 390)
	do("file à 390 px", chromedp.Navigate(p.srv.URL+"/agence/demandes?statut=toutes&nonvues=1"), chromedp.WaitVisible(chromedp.CSS("h1")))
	verifier("file", 390)
}
