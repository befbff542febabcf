package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// TestConfirmation: a validation, a refusal and a batch posted without
// confirmer=1 change nothing and say what would happen (the amount and its
// calculation, the document, the reason, the total); confirmed, they act.
func TestConfirmation(t *testing.T) {
	L := lecteur{t}
	ctx := context.Background()
	p := newPortail(t)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asps := demandesDeposees(t, p, vendeur, "13750.00", "48000.00", "23000.00")
	petite, grande, seuil := asps[0], asps[1], asps[2]
	inst := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	if code, _ := L.lire(inst.PostForm(p.srv.URL+"/agence/demandes/lot", url.Values{"asp": asps, "action": {"prendre"}})); code != http.StatusOK {
		t.Fatalf("batch take: got %d", code)
	}
	statut := func(asp string) segur.StatutDemande {
		t.Helper()
		d, err := p.db.FindDemandeByASP(ctx, asp)
		if err != nil {
			t.Fatal(err)
		}
		return d.Statut
	}
	inchange := func(quoi string) {
		t.Helper()
		for _, asp := range asps {
			if got := statut(asp); got != segur.DemandeEnInstruction {
				t.Errorf("%s: %s is %s, want en_instruction", quoi, asp, got)
			}
		}
		if _, n, _ := p.db.FindCourriels(ctx, "", 10, 0); n != 0 {
			t.Errorf("%s: %d mails queued, want none", quoi, n)
		}
	}
	action := func(asp string, f url.Values) (int, string) {
		return L.lire(inst.PostForm(p.srv.URL+"/agence/demandes/"+asp+"/actions", f))
	}

	for _, tc := range []struct {
		name string
		asp  string
		form url.Values
		want []string
	}{
		{"décision", petite, url.Values{"action": {"valider"}}, []string{
			"Confirmer : validation de la demande " + petite,
			"Montant financé : 13\u202f750,00\u202f€\u202f; avance de 30 % : 4\u202f125,00\u202f€, payable une fois la décision notifiée.",
			"Une décision attributive de financement sera émise et envoyée au fournisseur : le montant financé ne dépasse pas le seuil de 23\u202f000,00\u202f€.",
			"Montant de la commande (montantSegurHT)", "«\u00a0En instruction\u00a0» deviendra «\u00a0Décidée\u00a0»",
			`<input type="hidden" name="action" value="valider">`}},
		{"convention", grande, url.Values{"action": {"valider"}}, []string{
			"Montant financé : 48\u202f000,00\u202f€", "payable une fois la convention signée",
			"Une convention d'attribution sera émise et envoyée au fournisseur pour signature : le montant financé dépasse le seuil de 23\u202f000,00\u202f€\u202f; il a 30 jours pour la signer."}},
		{"refus", seuil, url.Values{"action": {"refuser"}, "raison": {"Bon de commande illisible, page 2 manquante."}}, []string{
			"Confirmer : refus de la demande " + seuil, "Une notification de refus sera envoyée au fournisseur",
			`<blockquote class="fr-text--sm" id="confirmation-raison">Bon de commande illisible, page 2 manquante.</blockquote>`,
			`<input type="hidden" name="raison" value="Bon de commande illisible, page 2 manquante.">`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := action(tc.asp, tc.form)
			if code != http.StatusOK {
				t.Fatalf("got %d, want 200", code)
			}
			for _, want := range append(tc.want, `<input type="hidden" name="confirmer" value="1">`, `id="confirmer">Confirmer</button>`,
				`<a class="fr-btn fr-btn--secondary" id="confirmation-annuler" href="/agence/demandes/`+tc.asp+`">Annuler</a>`) {
				if !strings.Contains(body, want) {
					t.Errorf("confirmation lacks %q", want)
				}
			}
			inchange("unconfirmed " + tc.name)
		})
	}
	// A missing reason is refused before the confirmation.
	if code, body := action(seuil, url.Values{"action": {"refuser"}, "raison": {"  "}}); code != http.StatusUnprocessableEntity || !strings.Contains(body, "la raison est obligatoire") {
		t.Errorf("refusal without a reason: got %d, want 422", code)
	}

	// A batch refusal without a reason: refused whole, the choices kept.
	code, body := L.lire(inst.PostForm(p.srv.URL+"/agence/demandes/lot", url.Values{"asp": asps, "action": {"refuser"}, "raison": {""}, "confirmer": {"1"},
		"retour": {"/agence/demandes?statut=en_instruction"}}))
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("batch refusal without a reason: got %d, want 422", code)
	}
	for _, want := range []string{"1 erreur à corriger", `href="#lot-raison"`, "Raison : obligatoire pour « Refuser »\u202f; rien n'a été fait, aucune des 3 demandes choisies n'a changé.",
		`id="lot-raison-erreur"`, `value="` + grande + `" checked`, `<option value="refuser" selected>`} {
		if !strings.Contains(body, want) {
			t.Errorf("batch refusal without a reason lacks %q", want)
		}
	}
	if strings.Contains(body, "traitée") {
		t.Errorf("batch refusal without a reason reports requests processed")
	}
	inchange("batch refusal without a reason")

	// A batch validation leaves out requests with unacknowledged alerts
	// (TestAlertesVues): this one's are marked seen first.
	for _, asp := range []string{petite, seuil} {
		for _, i := range segur.InfosAlertes() {
			inst.PostForm(p.srv.URL+"/agence/demandes/"+asp+"/alertes", url.Values{"code": {i.Code}, "raison": {"vu au test"}, "champ": {"alerte-1"}})
		}
	}
	// A batch validation: the list, each amount, the total.
	lot := url.Values{"asp": {petite, seuil}, "action": {"valider"}, "retour": {"/agence/demandes?statut=en_instruction"}}
	code, body = L.lire(inst.PostForm(p.srv.URL+"/agence/demandes/lot", lot))
	for _, want := range []string{"Confirmer : validation de 2 demandes", "Les 2 demandes changeront de statut.", "Montant financé en tout : 36\u202f750,00\u202f€.",
		"13\u202f750,00\u202f€", "23\u202f000,00\u202f€", `id="confirmation-total">36`, "2 décisions attributives de financement",
		`<input type="hidden" name="asp" value="` + petite + `">`, `href="/agence/demandes?statut=en_instruction">Annuler</a>`} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("batch confirmation (%d) lacks %q", code, want)
		}
	}
	inchange("unconfirmed batch")
	lot.Set("confirmer", "1")
	// Confirmed: the first is decided; the second, for the same
	// establishments, then carries « Déjà financé », which no agent has
	// seen: the batch leaves it out and names it (TestAlertesVues).
	if code, body := L.lire(inst.PostForm(p.srv.URL+"/agence/demandes/lot", lot)); code != http.StatusOK || !strings.Contains(body, "1 demande traitée sur 2") ||
		!strings.Contains(body, "alertes non vues (Déjà financé)") {
		t.Errorf("confirmed batch: got %d\n%s", code, body[strings.Index(body, "<main"):])
	}
	for asp, want := range map[string]segur.StatutDemande{petite: segur.DemandeDecidee, seuil: segur.DemandeEnInstruction} {
		if got := statut(asp); got != want {
			t.Errorf("%s after the confirmed batch: %s, want %s", asp, got, want)
		}
	}
	// A confirmed validation acts.
	if code, _ := action(grande, url.Values{"action": {"valider"}, "confirmer": {"1"}}); code != http.StatusOK || statut(grande) != segur.DemandeConventionASigner {
		t.Fatalf("confirmed validation: got %d, %s", code, statut(grande))
	}
}

// TestRetraitOffert: the withdrawal of an offer is not offered while the
// vendor may sign its convention (the page says from when), then is.
func TestRetraitOffert(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asp := demandesDeposees(t, p, vendeur, "48000.00")[0]
	inst := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	page := p.srv.URL + "/agence/demandes/" + asp
	for _, a := range []string{"prendre", "valider"} {
		if code, _ := L.lire(inst.PostForm(page+"/actions", url.Values{"action": {a}, "confirmer": {"1"}})); code != http.StatusOK {
			t.Fatalf("%s: got %d", a, code)
		}
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	le := p.now.AddDate(0, 0, segur.DelaiSignature).In(paris).Format("02/01/2006")
	code, body := L.lire(inst.Get(page))
	if code != http.StatusOK || strings.Contains(body, `value="retirer"`) || !strings.Contains(body, "Retrait de l'offre possible à partir du "+le) {
		t.Errorf("before the signing period's end: got %d, want no withdrawal and the line « à partir du %s »", code, le)
	}
	if code, body := L.lire(inst.PostForm(page+"/actions", url.Values{"action": {"retirer"}, "raison": {"Non signée."}})); code != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "retrait impossible") {
		t.Errorf("withdrawal posted before its date: got %d, want 422", code)
	}
	p.now = p.now.AddDate(0, 0, segur.DelaiSignature+1)
	inst = agentClient(t, p, "paul@asp.fr", segur.RoleInstructeur) // the first session expired
	code, body = L.lire(inst.Get(page))
	if code != http.StatusOK || !strings.Contains(body, `value="retirer"`) || strings.Contains(body, "Retrait de l'offre possible à partir du") {
		t.Errorf("after the signing period: got %d, want the withdrawal offered", code)
	}
	code, body = L.lire(inst.PostForm(page+"/actions", url.Values{"action": {"retirer"}, "raison": {"Non signée."}}))
	if code != http.StatusOK || !strings.Contains(body, "Confirmer : retrait de l'offre de la demande "+asp) || !strings.Contains(body, "Non signée.") {
		t.Errorf("withdrawal's confirmation: got %d", code)
	}
}

// TestParcoursConfirmation validates requests through their confirmation
// in a real Chromium, at 1280 and 390 px, axe checking each step: without
// JavaScript on the confirmation page, with it in a dialog; both show the
// amount and the document. A batch refusal without a reason is refused on
// the queue; with a reason it goes to its confirmation, and « Annuler »
// leaves everything as it was.
func TestParcoursConfirmation(t *testing.T) {
	p := newPortailDSFR(t, dsfrDir(t))
	L := lecteur{t}
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asps := demandesDeposees(t, p, vendeur, "13750.00", "48000.00", "23000.00", "20000.00", "30000.00")
	inst := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	if code, _ := L.lire(inst.PostForm(p.srv.URL+"/agence/demandes/lot", url.Values{"asp": asps, "action": {"prendre"}})); code != http.StatusOK {
		t.Fatalf("batch take: got %d", code)
	}
	ctx, do, texte := parcours(t)
	do("connexion", chromedp.Navigate(p.srv.URL+"/connexion"), chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS("#login"), "marie@asp.fr"), chromedp.SendKeys(chromedp.CSS("#motdepasse"), "mot de passe de l'agent"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")), chromedp.WaitReady(chromedp.CSS(`form[action="/deconnexion"]`)))
	scripts := func(oui bool) {
		t.Helper()
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !oui}); err != nil {
			t.Fatal(err)
		}
	}
	valider := chromedp.Click(chromedp.CSS(`form input[value="valider"] ~ button`))
	for _, c := range []struct {
		largeur, hauteur int64
		sansJS, avecJS   string // the requests validated without and with JavaScript
		montant, modale  string
		document, statut string
	}{
		{1280, 900, asps[3], asps[0], "20\u202f000,00\u202f€", "13\u202f750,00\u202f€", "Une décision attributive de financement sera émise", "Décidée"},
		{390, 844, asps[4], asps[1], "30\u202f000,00\u202f€", "48\u202f000,00\u202f€", "Une convention d'attribution sera émise", "Convention à signer"},
	} {
		l := strconv.FormatInt(c.largeur, 10)
		do(l+" px", chromedp.EmulateViewport(c.largeur, c.hauteur))

		// Without JavaScript: the confirmation page.
		scripts(false)
		do("demande "+c.sansJS, chromedp.Navigate(p.srv.URL+"/agence/demandes/"+c.sansJS), chromedp.WaitVisible(chromedp.CSS(`form input[value="valider"] ~ button`)))
		segurtest.Screenshot(t, ctx, "i18-confirm-"+l+"-01-demande")
		do("valider "+c.sansJS, valider, chromedp.WaitVisible(chromedp.CSS("main #confirmer")))
		main := texte("main")
		for _, want := range []string{"Montant financé : " + c.montant, "Calcul : Montant de la commande", "Annuler"} {
			if !strings.Contains(main, want) {
				t.Errorf("%s px: confirmation page lacks %q: %q", l, want, main)
			}
		}
		segurtest.Screenshot(t, ctx, "i18-confirm-"+l+"-02-confirmation")
		scripts(true) // for axe; the page's own scripts did not run
		segurtest.Axe(t, ctx)
		do("confirmer "+c.sansJS, chromedp.Click(chromedp.CSS("#confirmer")), chromedp.WaitVisible(chromedp.CSS(".fr-alert--success")))
		if got := texte(".fr-alert--success"); !strings.Contains(got, "validation enregistrée") {
			t.Errorf("%s px: after confirming: %q", l, got)
		}

		// With JavaScript: the same content in a dialog.
		do("demande "+c.avecJS, chromedp.Navigate(p.srv.URL+"/agence/demandes/"+c.avecJS), chromedp.WaitVisible(chromedp.CSS(`form input[value="valider"] ~ button`)))
		do("valider "+c.avecJS, valider, chromedp.WaitVisible(chromedp.CSS("dialog #confirmer")))
		modale := texte("dialog")
		for _, want := range []string{"Confirmer : validation de la demande " + c.avecJS, "Montant financé : " + c.modale, c.document} {
			if !strings.Contains(modale, want) {
				t.Errorf("%s px: dialog lacks %q: %q", l, want, modale)
			}
		}
		segurtest.Screenshot(t, ctx, "i18-confirm-"+l+"-03-modale")
		segurtest.Axe(t, ctx)
		do("confirmer "+c.avecJS, chromedp.Click(chromedp.CSS("dialog #confirmer")), chromedp.WaitVisible(chromedp.CSS(".fr-alert--success")))
		if got := texte(".fr-alert--success"); !strings.Contains(got, "validation enregistrée") || !strings.Contains(got, c.statut) {
			t.Errorf("%s px: after confirming in the dialog: %q", l, got)
		}
		segurtest.Screenshot(t, ctx, "i18-confirm-"+l+"-04-validee")

		// A batch refusal: without a reason, refused on the queue.
		choisir := chromedp.Evaluate[bool](`(() => { const b = document.querySelector('input[name="asp"][value="` + asps[2] + `"]'); b.checked = true; return b.checked; })()`)
		do("file", chromedp.Navigate(p.srv.URL+"/agence/demandes?statut=en_instruction"), chromedp.WaitVisible(chromedp.CSS("#lot-action")))
		if _, err := chromedp.Run(ctx, choisir); err != nil {
			t.Fatal(err)
		}
		appliquer := chromedp.Click(chromedp.CSS(`form[action="/agence/demandes/lot"] button[type=submit]`))
		do("refus sans raison", chromedp.SetValue(chromedp.CSS("#lot-action"), "refuser"), appliquer, chromedp.WaitVisible(chromedp.CSS("#lot-raison-erreur")))
		if got := texte("#lot-raison-erreur"); !strings.Contains(got, "rien n'a été fait") {
			t.Errorf("%s px: batch refusal without a reason: %q", l, got)
		}
		segurtest.Screenshot(t, ctx, "i18-confirm-"+l+"-05-lot-sans-raison")
		segurtest.Axe(t, ctx)
		// With a reason: its confirmation, in a dialog.
		do("refus avec raison", chromedp.SendKeys(chromedp.CSS("#lot-raison"), "Bon de commande non signé."), appliquer, chromedp.WaitVisible(chromedp.CSS("dialog #confirmer")))
		if got := texte("dialog"); !strings.Contains(got, "Confirmer : refus de 1 demande") || !strings.Contains(got, "1 notification de refus") || !strings.Contains(got, asps[2]) {
			t.Errorf("%s px: batch confirmation: %q", l, got)
		}
		segurtest.Screenshot(t, ctx, "i18-confirm-"+l+"-06-lot-confirmation")
		segurtest.Axe(t, ctx)
		do("annuler", chromedp.Click(chromedp.CSS("dialog #confirmation-annuler")), chromedp.WaitNotPresent(chromedp.CSS("dialog")), chromedp.WaitVisible(chromedp.CSS("#lot-action")))
		if d, _ := p.db.FindDemandeByASP(context.Background(), asps[2]); d.Statut != segur.DemandeEnInstruction {
			t.Errorf("%s px: after « Annuler »: %s, want en_instruction", l, d.Statut)
		}
	}
	// The convention's page says when the offer may be withdrawn.
	do("convention", chromedp.Navigate(p.srv.URL+"/agence/demandes/"+asps[1]), chromedp.WaitVisible(chromedp.CSS("#retrait-le")))
	segurtest.Screenshot(t, ctx, "i18-confirm-390-07-retrait-le")
	segurtest.Axe(t, ctx)
}

// TestActionsEnHaut: the request page's actions come before the file (its
// establishments, pieces, history), each reason labelled by its action.
func TestActionsEnHaut(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asps := demandesDeposees(t, p, vendeur, "13750.00")
	inst := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	if code, _ := L.lire(inst.PostForm(p.srv.URL+"/agence/demandes/lot", url.Values{"asp": asps, "action": {"prendre"}})); code != http.StatusOK {
		t.Fatalf("take: got %d", code)
	}
	_, body := L.lire(inst.Get(p.srv.URL + "/agence/demandes/" + asps[0]))
	instruire, beneficiaires := strings.Index(body, `id="instruire-titre">Instruire</h2>`), strings.Index(body, "<caption>Bénéficiaires")
	if instruire < 0 || beneficiaires < 0 || instruire > beneficiaires {
		t.Errorf("actions at %d, the file's establishments at %d: want the actions first", instruire, beneficiaires)
	}
	for _, want := range []string{"Raison pour « Refuser »", "Raison pour « Demander un complément »"} {
		if !strings.Contains(body, want) {
			t.Errorf("request page lacks %q", want)
		}
	}
}
