package web

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/segur-numerique/segur"
)

// motifJetonAgent is an agent's API token as the page shows it once.
var motifJetonAgent = regexp.MustCompile(`^sga_[A-Za-z0-9_-]{43}$`)

// TestParcoursJetonsAgent: an agent's « Mon compte » in a real Chromium,
// at 1280 then 390 px: no token yet; one created and shown once, listed
// afterwards by its prefix only; renewed; a second one created on a
// phone; the first revoked after its confirmation, the second still
// active. Every page checked with axe-core and without horizontal scroll.
func TestParcoursJetonsAgent(t *testing.T) {
	p := newPortailDSFR(t, dsfrDir(t))
	bg := context.Background()
	agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	marie, err := p.db.FindUtilisateurByLogin(bg, "marie@asp.fr")
	if err != nil {
		t.Fatal(err)
	}
	ctx, do, texte := parcours(t)
	verifier := ecran(t, ctx)
	flash := ".fr-alert--success.fr-alert--sm" // the token's own alert is a success too
	creer := chromedp.Click(chromedp.CSS(`form[action="/compte/jetons"] button`))

	do("1280 px", chromedp.EmulateViewport(1280, 900))
	connexionAgent(do, p.srv.URL, "marie@asp.fr")
	do("mon compte", chromedp.Click(chromedp.CSS(`.fr-nav a[href="/compte"]`)), chromedp.WaitVisible(chromedp.CSS(`form[action="/compte/jetons"] button`)))
	if got := texte("h1"); got != "Mon compte" {
		t.Errorf("title %q, want « Mon compte »", got)
	}
	contient(t, "no token yet", texte("main"), "API de l'agence", "Authorization: Bearer sga_…", "Aucun jeton pour l'instant.")
	verifier("compte-agent", 1280)

	do("créer un jeton", creer, chromedp.WaitVisible(chromedp.CSS("#nouveau-jeton")))
	tok := texte("#nouveau-jeton")
	if !motifJetonAgent.MatchString(tok) {
		t.Fatalf("token shown: %q, want sga_ and 43 characters", tok)
	}
	js, err := p.db.FindJetonsAgent(bg, marie.ID)
	if err != nil || len(js) != 1 || !strings.HasPrefix(tok, js[0].Prefixe) {
		t.Fatalf("tokens stored: %+v, %v; want the one shown", js, err)
	}
	premier := js[0]
	contient(t, "token created", texte(".fr-alert--success"), "Nouveau jeton d'API créé", "Copiez ce jeton maintenant : il ne sera plus affiché.")
	if got := strings.Count(texte("main"), tok); got != 1 {
		t.Errorf("the token is on the page %d times, want once", got)
	}
	ligne := strings.ToLower(texte("tbody"))
	contient(t, "the list after creating", ligne, strings.ToLower(premier.Prefixe)+"…", "jamais", "actif")
	verifier("jeton-cree", 1280)

	do("recharger", chromedp.Navigate(p.srv.URL+"/compte"), chromedp.WaitVisible(chromedp.CSS("tbody")))
	if main := texte("main"); strings.Contains(main, tok) || !strings.Contains(main, premier.Prefixe+"…") {
		t.Errorf("the page again: the token whole shown %v, its prefix shown %v; want only the prefix", strings.Contains(main, tok), strings.Contains(main, premier.Prefixe+"…"))
	}
	renouveler := fmt.Sprintf(`form[action="/compte/jetons/%d/renouveler"] button`, premier.ID)
	do("renouveler", chromedp.Click(chromedp.CSS(renouveler)), chromedp.WaitVisible(chromedp.CSS(flash)))
	contient(t, "renewed", texte(flash), "Jeton "+premier.Prefixe+"… renouvelé : il ouvre l'API de l'agence jusqu'au ", "(heure de Paris), sans rien changer dans vos outils ni vos scripts.")
	verifier("jeton-renouvele", 1280)

	do("390 px", chromedp.EmulateViewport(390, 844), chromedp.Navigate(p.srv.URL+"/compte"), chromedp.WaitVisible(chromedp.CSS("tbody")))
	verifier("compte-agent", 390)
	do("second jeton", creer, chromedp.WaitVisible(chromedp.CSS("#nouveau-jeton")))
	second := texte("#nouveau-jeton")
	if !motifJetonAgent.MatchString(second) || second == tok {
		t.Errorf("second token shown: %q", second)
	}
	// The token, long and without spaces, stays within the phone's screen.
	if droite, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector('#nouveau-jeton').getBoundingClientRect().right`)); err != nil || droite > 390 {
		t.Errorf("the token shown ends at %v px (%v), want within 390", droite, err)
	}
	verifier("jeton-cree", 390)

	revoquer := fmt.Sprintf(`form[action="/compte/jetons/%d/revoquer"] button`, premier.ID)
	confirmerDialogue(t, ctx, do, texte, "revoquer", revoquer, flash, 390, "Confirmer : révocation du jeton "+premier.Prefixe+"…", "refusés aussitôt")
	if got, want := texte(flash), "Jeton "+premier.Prefixe+"… révoqué : il n'ouvre plus l'API."; got != want {
		t.Errorf("revoked: flash %q, want %q", got, want)
	}
	lignes := strings.ToLower(texte("tbody"))
	contient(t, "the list after revoking", lignes, "révoqué le", "actif")
	verifier("jeton-revoque", 390)
	js, err = p.db.FindJetonsAgent(bg, marie.ID)
	if err != nil || len(js) != 2 || js[0].RevoqueLe.IsZero() || !js[1].RevoqueLe.IsZero() {
		t.Errorf("tokens after the journey: %+v, %v; want the first revoked, the second active", js, err)
	}
}
