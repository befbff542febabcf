package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// The administrator's correction pages in a real Chromium, as an
// administrator goes through them: every step clicked or typed, what he
// must see asserted after it, each page checked with axe-core, without
// horizontal scroll, and kept as a screenshot at 1280 and at 390 px.

// connexionAgent logs login in through the login page.
func connexionAgent(do func(string, ...chromedp.Action[chromedp.Void]), url, login string) {
	do("connexion "+login, chromedp.Navigate(url+"/connexion"), chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS("#login"), login),
		chromedp.SendKeys(chromedp.CSS("#motdepasse"), "mot de passe de l'agent"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		// The menu shows only once logged in: the next page, not the form.
		chromedp.WaitVisible(chromedp.CSS(".fr-header__menu")))
}

// contient fails t unless got holds every one of wants.
func contient(t *testing.T, quoi, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s: lacks %q in %q", quoi, w, got)
		}
	}
}

// confirmerDialogue clicks a button whose form asks first (data-confirmation),
// checks the dialog's text holds wants, keeps it as a screenshot with axe,
// and confirms; it waits for apres, a selector of the page after (the page
// before may have had a success message too).
func confirmerDialogue(t *testing.T, ctx context.Context, do func(string, ...chromedp.Action[chromedp.Void]), texte func(string) string,
	nom, bouton, apres string, largeur int64, wants ...string) {
	t.Helper()
	do(nom, chromedp.Click(chromedp.CSS(bouton)), chromedp.WaitVisible(chromedp.CSS("dialog #confirmer")))
	contient(t, nom+": dialog", texte("dialog"), wants...)
	// The dialog opens on its title, in view, and the focus is in it:
	// « Confirmer » when all of it fits the screen, its title otherwise.
	vue, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const d = document.querySelector('dialog'), h = d.querySelector('h1'), a = document.activeElement;
		const tient = d.scrollHeight <= d.clientHeight;
		return [h.getBoundingClientRect().top >= d.getBoundingClientRect().top - 1 ? 'titre visible' : 'titre caché',
			d.contains(a) ? (a.id || a.tagName) : 'hors du dialogue', tient ? 'tient' : 'défile'].join(', ');
	})()`))
	if err != nil {
		t.Fatalf("%s: focus: %v", nom, err)
	}
	if !strings.HasPrefix(vue, "titre visible, confirmer, tient") && !strings.HasPrefix(vue, "titre visible, confirmation-titre, défile") {
		t.Errorf("%s at %d px: got « %s », want the title in view and the focus on « Confirmer » (on the title when the dialog scrolls)", nom, largeur, vue)
	}
	ecran(t, ctx)(nom+"-confirmation", largeur)
	do(nom+": confirmer", chromedp.Click(chromedp.CSS("dialog #confirmer")), chromedp.WaitVisible(chromedp.CSS(apres)),
		chromedp.WaitVisible(chromedp.CSS(".fr-alert--success")))
}

// derniereLigne is the text of the last row of the page's history.
func derniereLigne(texte func(string) string) string {
	return texte("#historique + .fr-table tbody tr:last-child")
}

// TestParcoursAdminCorrections: an administrator corrects a user (roles,
// refused then changed; disabled and re-enabled; password reset, without
// JavaScript through the confirmation page), a vendor (contact address,
// refused then changed; suspended and resumed) and a campaign (its end
// moved, refused in the past, then closed now), at 1280 and at 390 px.
func TestParcoursAdminCorrections(t *testing.T) {
	p := newPortailDSFR(t, dsfrDir(t))
	bg := context.Background()
	agentClient(t, p, "admin@asp.fr", segur.RoleInstructeur, segur.RoleAdmin)
	agentClient(t, p, "paul@asp.fr", segur.RoleInstructeur)
	paul, err := p.db.FindUtilisateurByLogin(bg, "paul@asp.fr")
	if err != nil {
		t.Fatal(err)
	}
	fen := fenetreOuverte(t, p)
	ctx, do, texte := parcours(t)
	verifier := ecran(t, ctx)
	flash := func() string { return texte(".fr-alert--success") }
	badge := func() string { return strings.ToLower(texte("#etat")) } // the DSFR writes badges in capitals

	do("1280 px", chromedp.EmulateViewport(1280, 900))
	connexionAgent(do, p.srv.URL, "admin@asp.fr")

	// A user: from the users' list to his page.
	do("utilisateurs", chromedp.Navigate(p.srv.URL+"/agence/admin/utilisateurs"), chromedp.WaitVisible(chromedp.CSS("caption")),
		chromedp.Click(chromedp.CSS(`a[href="`+cheminUtilisateur(paul.ID)+`"]`)), chromedp.WaitVisible(chromedp.CSS("#roles-actuels")))
	if got := texte("h1"); got != paul.Nom {
		t.Errorf("user's page: title %q, want %q", got, paul.Nom)
	}
	if got := texte("#roles-actuels"); got != "instructeur" {
		t.Errorf("roles shown: %q", got)
	}
	verifier("utilisateur", 1280)

	do("aucun rôle", chromedp.Click(chromedp.CSS(`label[for="role-instructeur"]`)),
		chromedp.Click(chromedp.CSS(`form[action$="/roles"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("#roles-erreur")))
	contient(t, "no role", texte("#roles-erreur"), "Cochez un ou plusieurs rôles de l'agence\u202f; pour retirer tout accès, désactivez le compte.")
	verifier("utilisateur-aucun-role", 1280)

	do("rôles", chromedp.Click(chromedp.CSS(`label[for="role-instructeur"]`)), chromedp.Click(chromedp.CSS(`label[for="role-payeur"]`)),
		chromedp.Click(chromedp.CSS(`form[action$="/roles"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(".fr-alert--success")))
	if got, want := flash(), "Rôles de paul@asp.fr changés : instructeur, payeur (avant : instructeur). Ils s'appliquent dès sa prochaine page."; got != want {
		t.Errorf("roles changed: flash %q, want %q", got, want)
	}
	if got := texte("#roles-actuels"); got != "instructeur, payeur" {
		t.Errorf("roles shown after the change: %q", got)
	}
	contient(t, "history after the roles", derniereLigne(texte), "admin@asp.fr", "Rôles changés : instructeur → instructeur, payeur")

	confirmerDialogue(t, ctx, do, texte, "desactiver", `form[action$="/desactiver"] button`, `form[action$="/reactiver"] button`, 1280,
		"Confirmer : désactiver le compte de "+paul.Nom, "Le compte paul@asp.fr (instructeur, payeur) sera désactivé")
	contient(t, "disabled", flash(), "Compte de paul@asp.fr désactivé : ses sessions sont fermées et ses jetons d'API révoqués.")
	contient(t, "disabled: state", badge(), "désactivé le ")
	contient(t, "history after disabling", derniereLigne(texte), "Compte désactivé : sessions fermées, jetons d'API révoqués")
	verifier("utilisateur-desactive", 1280)

	// His own page: neither disabled nor stripped of its admin role.
	moi, err := p.db.FindUtilisateurByLogin(bg, "admin@asp.fr")
	if err != nil {
		t.Fatal(err)
	}
	do("mon compte d'administrateur", chromedp.Navigate(p.srv.URL+cheminUtilisateur(moi.ID)), chromedp.WaitVisible(chromedp.CSS("#roles-actuels")))
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('form[action$="/desactiver"]').length`)); err != nil || n != 0 {
		t.Errorf("own page: %d disable buttons (%v), want none", n, err)
	}
	do("retirer mon rôle admin", chromedp.Click(chromedp.CSS(`label[for="role-admin"]`)),
		chromedp.Click(chromedp.CSS(`form[action$="/roles"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("#roles-erreur")))
	contient(t, "own admin role", texte("#roles-erreur"), "Vous ne pouvez pas retirer votre propre rôle admin : un autre administrateur le peut.")
	verifier("utilisateur-soi", 1280)

	// A vendor: its contact address, its suspension.
	do("fournisseurs", chromedp.Navigate(p.srv.URL+"/agence/admin/fournisseurs"), chromedp.WaitVisible(chromedp.CSS("caption")),
		chromedp.Click(chromedp.CSS(`a[href="/agence/admin/fournisseurs/1"]`)), chromedp.WaitVisible(chromedp.CSS("#email")))
	if got := texte("h1"); got != "Le Beau Logiciel" {
		t.Errorf("vendor's page: title %q", got)
	}
	verifier("fournisseur", 1280)
	courriel := chromedp.CSS(`form[action$="/email"] button[type=submit]`)
	do("courriel faux", chromedp.Clear(chromedp.CSS("#email")), chromedp.SendKeys(chromedp.CSS("#email"), "contact-at-lebeaulogiciel"),
		chromedp.Click(courriel), chromedp.WaitVisible(chromedp.CSS("#email-erreur")))
	if got := texte("#email-erreur"); got == "" {
		t.Error("a wrong address: no message beside the field")
	}
	verifier("fournisseur-courriel-faux", 1280)
	do("courriel", chromedp.Clear(chromedp.CSS("#email")), chromedp.SendKeys(chromedp.CSS("#email"), "factures@lebeaulogiciel.fr"),
		chromedp.Click(courriel), chromedp.WaitVisible(chromedp.CSS(".fr-alert--success")))
	if got, want := flash(), "Courriel de contact de Le Beau Logiciel changé : factures@lebeaulogiciel.fr (avant : contact@lebeaulogiciel.fr)."; got != want {
		t.Errorf("address changed: flash %q, want %q", got, want)
	}
	contient(t, "history after the address", derniereLigne(texte), "Courriel de contact changé : contact@lebeaulogiciel.fr → factures@lebeaulogiciel.fr")
	confirmerDialogue(t, ctx, do, texte, "suspendre", `form[action$="/suspendre"] button`, `form[action$="/retablir"] button`, 1280,
		"Confirmer : suspendre Le Beau Logiciel", "seront refusés dès la confirmation")
	contient(t, "suspended", flash(), "Fournisseur Le Beau Logiciel suspendu : ses dépôts sont refusés")
	contient(t, "suspended: state", badge(), "suspendu le ")
	contient(t, "history after suspending", derniereLigne(texte), "Compte suspendu : dépôts refusés")
	verifier("fournisseur-suspendu", 1280)

	// A campaign: its end moved later, then a past one refused.
	paris := mustParis()
	plusTard := p.now.Add(20 * 24 * time.Hour).Truncate(time.Minute).In(paris)
	do("campagnes", chromedp.Navigate(p.srv.URL+"/agence/admin/fenetres"), chromedp.WaitVisible(chromedp.CSS("caption")),
		chromedp.Click(chromedp.CSS(`a[href="`+cheminFenetre(fen.ID)+`"]`)), chromedp.WaitVisible(chromedp.CSS("#fin")))
	verifier("campagne", 1280)
	changer := chromedp.CSS(`form[action="` + cheminFenetre(fen.ID) + `"] button[type=submit]`)
	do("fermeture", chromedp.SetValue(chromedp.CSS("#fin"), plusTard.Format(datetimeLocal)))
	confirmerDialogue(t, ctx, do, texte, "changer-fermeture", `form[action="`+cheminFenetre(fen.ID)+`"] button[type=submit]`, ".fr-alert--success", 1280,
		"Confirmer : changer la fermeture de la campagne RI", "fermera le "+plusTard.Format(dateHeure)+" au lieu du "+fen.Fin.In(paris).Format(dateHeure))
	contient(t, "end moved", flash(), "ferme le "+plusTard.Format(dateHeure)+" (heure de Paris), au lieu du "+fen.Fin.In(paris).Format(dateHeure))
	contient(t, "end shown", texte("#fermeture"), plusTard.Format(dateHeure))
	contient(t, "history after the end", derniereLigne(texte), "Fermeture changée : "+fen.Fin.In(paris).Format(dateHeure)+" → "+plusTard.Format(dateHeure))
	do("fermeture passée", chromedp.SetValue(chromedp.CSS("#fin"), p.now.Add(-time.Hour).In(paris).Format(datetimeLocal)),
		chromedp.Click(changer), chromedp.WaitVisible(chromedp.CSS("#fin-erreur")))
	contient(t, "a past end", texte("#fin-erreur"), "est passée")
	verifier("campagne-fermeture-passee", 1280)

	// On a phone: the same pages, every button in reach.
	do("390 px", chromedp.EmulateViewport(390, 844))
	do("utilisateur à 390 px", chromedp.Navigate(p.srv.URL+cheminUtilisateur(paul.ID)), chromedp.WaitVisible(chromedp.CSS(`form[action$="/reactiver"] button`)))
	verifier("utilisateur-desactive", 390)
	do("réactiver", chromedp.Click(chromedp.CSS(`form[action$="/reactiver"] button`)), chromedp.WaitVisible(chromedp.CSS(".fr-alert--success")))
	contient(t, "re-enabled", flash(), "Compte de paul@asp.fr réactivé")
	if got := badge(); got != "actif" {
		t.Errorf("re-enabled: state %q, want actif", got)
	}
	contient(t, "history after re-enabling", derniereLigne(texte), "Compte réactivé")
	verifier("utilisateur-reactive", 390)

	// The password reset without JavaScript: the confirmation page.
	scripts(t, ctx, false)
	do("réinitialiser", chromedp.Click(chromedp.CSS(`form[action$="/reinitialiser"] button`)), chromedp.WaitVisible(chromedp.CSS("main #confirmer")))
	contient(t, "reset: confirmation page", texte("main"), "Confirmer : réinitialiser le mot de passe de "+paul.Nom,
		"Le mot de passe actuel de paul@asp.fr ne fonctionnera plus", "Annuler")
	scripts(t, ctx, true) // for axe; the page's own scripts did not run
	verifier("utilisateur-reinitialiser-confirmation", 390)
	do("confirmer la réinitialisation", chromedp.Click(chromedp.CSS("main #confirmer")), chromedp.WaitVisible(chromedp.CSS(".fr-alert--success")))
	contient(t, "reset", flash(), "Mot de passe de paul@asp.fr réinitialisé : l'ancien ne fonctionne plus")
	contient(t, "history after the reset", derniereLigne(texte), "Mot de passe réinitialisé par un administrateur : lien envoyé")
	verifier("utilisateur-reinitialise", 390)

	do("fournisseur à 390 px", chromedp.Navigate(p.srv.URL+"/agence/admin/fournisseurs/1"), chromedp.WaitVisible(chromedp.CSS(`form[action$="/retablir"] button`)))
	verifier("fournisseur-suspendu", 390)
	do("rétablir", chromedp.Click(chromedp.CSS(`form[action$="/retablir"] button`)), chromedp.WaitVisible(chromedp.CSS(".fr-alert--success")))
	contient(t, "resumed", flash(), "Fournisseur Le Beau Logiciel rétabli : ses dépôts sont de nouveau acceptés.")
	if got := badge(); got != "actif" {
		t.Errorf("resumed: state %q, want actif", got)
	}
	contient(t, "history after resuming", derniereLigne(texte), "Compte rétabli : dépôts acceptés")
	verifier("fournisseur-retabli", 390)

	do("campagne à 390 px", chromedp.Navigate(p.srv.URL+cheminFenetre(fen.ID)), chromedp.WaitVisible(chromedp.CSS(`form[action$="/fermer"] button`)))
	verifier("campagne", 390)
	confirmerDialogue(t, ctx, do, texte, "fermer", `form[action$="/fermer"] button`, "p#fin", 390,
		"Confirmer : fermer maintenant la campagne RI", "fermera dès la confirmation, au lieu du "+plusTard.Format(dateHeure))
	contient(t, "closed", flash(), "est fermée depuis le", "ces dépôts sont refusés")
	contient(t, "closed: page", texte("main"), "Cette campagne est close : elle ne se modifie plus.")
	contient(t, "history after closing", derniereLigne(texte), "Campagne fermée avant sa fin : "+plusTard.Format(dateHeure)+" → ")
	verifier("campagne-close", 390)
	if g, err := p.db.FindFenetreByID(bg, fen.ID); err != nil || g.Ouverte(time.Now()) {
		t.Errorf("the campaign after closing: %+v, %v; want closed", g, err)
	}
	if f, err := p.db.FindFournisseurByID(bg, 1); err != nil || f.Suspendu() || f.Email != "factures@lebeaulogiciel.fr" {
		t.Errorf("the vendor after the journey: %+v, %v", f, err)
	}
}

// scripts turns the page's JavaScript on or off.
func scripts(t *testing.T, ctx context.Context, oui bool) {
	t.Helper()
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !oui}); err != nil {
		t.Fatal(err)
	}
}

// TestParcoursBanque: a vendor's bank details under four eyes in a real
// Chromium. Alice proposes a new IBAN with its statement (a wrong key
// first): the page says the change waits, without an approval button for
// her. Bruno, a second administrator, has the page open with Alice's
// proposal and its approval button; in another tab he rejects it (a reason
// required) and proposes his own; back in the first tab, the approval is
// refused: he proposed the change now pending. Alice approves it, on a
// phone, after its confirmation; the page, the history and the store say
// the new account is in force.
func TestParcoursBanque(t *testing.T) {
	p := newPortailDSFR(t, dsfrDir(t))
	bg := context.Background()
	agentClient(t, p, "alice@asp.fr", segur.RoleAdmin)
	agentClient(t, p, "bruno@asp.fr", segur.RoleAdmin)
	rib := filepath.Join(t.TempDir(), "rib.pdf")
	if err := os.WriteFile(rib, ribPDF, 0o644); err != nil {
		t.Fatal(err)
	}
	const (
		ibanAlice = "FR76 3000 4008 2300 0123 4567 819" // ibanGroupe
		ibanBruno = "FR76 3000 6000 0112 3456 7890 189"
	)
	fiche := p.srv.URL + cheminFournisseur(1)
	ctx, do, texte := parcours(t)
	verifier := ecran(t, ctx)
	flash := func() string { return texte(".fr-alert--success") }
	proposer := func(do func(string, ...chromedp.Action[chromedp.Void]), nom, iban, bic string, attente chromedp.Action[chromedp.Void]) {
		t.Helper()
		do(nom, chromedp.Clear(chromedp.CSS("#iban")), chromedp.SendKeys(chromedp.CSS("#iban"), iban),
			chromedp.Clear(chromedp.CSS("#bic")), chromedp.SendKeys(chromedp.CSS("#bic"), bic),
			chromedp.SetUploadFiles(chromedp.CSS("#justificatif"), []string{rib}),
			chromedp.Click(chromedp.CSS(`form[action$="/banque"] button[type=submit]`)), attente)
	}
	inchange := func(quand string) {
		t.Helper()
		if f, err := p.db.FindFournisseurByID(bg, 1); err != nil || f.IBAN != "" {
			t.Errorf("%s: IBAN in force %q (%v), want none yet", quand, f.IBAN, err)
		}
	}

	do("1280 px", chromedp.EmulateViewport(1280, 900))
	connexionAgent(do, p.srv.URL, "alice@asp.fr")
	do("fournisseur", chromedp.Navigate(fiche), chromedp.WaitVisible(chromedp.CSS("#iban")))
	proposer(do, "clé fausse", "FR77 3000 4008 2300 0123 4567 819", "BNPAFRPP", chromedp.WaitVisible(chromedp.CSS("#iban-erreur")))
	contient(t, "a wrong key", texte("#iban-erreur"), "IBAN « FR7730004008230001234567819 » : invalide")
	verifier("banque-iban-faux", 1280)
	proposer(do, "proposition d'Alice", ibanAlice, "BNPAFRPP", chromedp.WaitVisible(chromedp.CSS("#banque-attente")))
	if got, want := flash(), "Changement de coordonnées bancaires de Le Beau Logiciel proposé (IBAN "+ibanAlice+") : il prendra effet quand un autre administrateur l'aura approuvé"; !strings.HasPrefix(got, want) {
		t.Errorf("proposal: flash %q, want it to start with %q", got, want)
	}
	attente := texte("#banque-attente")
	contient(t, "pending, for Alice", attente, "Changement proposé par alice@asp.fr", ibanAlice, "BNPAFRPP",
		"Relevé d'identité bancaire joint : rib.pdf (PDF)", "Vous avez proposé ce changement : un autre administrateur doit l'approuver")
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('form[action$="/banque/approuver"]').length`)); err != nil || n != 0 {
		t.Errorf("pending, for Alice: %d approval buttons (%v), want none", n, err)
	}
	contient(t, "pending: the vendor's details", strings.ToLower(texte("main dl")), "changement en attente")
	contient(t, "history after the proposal", derniereLigne(texte), "alice@asp.fr", "Changement de coordonnées bancaires proposé : IBAN aucun → "+ibanAlice+" (BIC BNPAFRPP)")
	verifier("banque-proposee", 1280)
	// The statement, downloaded as the browser would, with its session.
	lien, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`#banque-attente a[href$="/banque/justificatif"]`), "href"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch("`+lien.Value+`").then(r => r.text())`, chromedp.EvalAwaitPromise)); err != nil || got != string(ribPDF) {
		t.Errorf("the statement: got %q (%v), want the PDF sent", got, err)
	}
	do("390 px", chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#banque-attente")))
	verifier("banque-proposee", 390)
	do("1280 px de nouveau", chromedp.EmulateViewport(1280, 900))
	do("déconnexion d'Alice", chromedp.Navigate(fiche), chromedp.WaitVisible(chromedp.CSS(`form[action="/deconnexion"] button`)),
		chromedp.Click(chromedp.CSS(`form[action="/deconnexion"] button`)), chromedp.WaitVisible(chromedp.CSS(".fr-alert--success")))

	// Bruno: the fiche with Alice's proposal, and its approval button.
	connexionAgent(do, p.srv.URL, "bruno@asp.fr")
	do("fournisseur pour Bruno", chromedp.Navigate(fiche), chromedp.WaitVisible(chromedp.CSS(`form[action$="/banque/approuver"] button`)))
	contient(t, "pending, for Bruno", texte("#banque-attente"), "Changement proposé par alice@asp.fr", "Nouveau compte proposé", ibanAlice, "Compte en vigueur", "aucun")
	verifier("banque-a-approuver", 1280)

	// A second tab: Bruno rejects Alice's proposal and makes his own.
	onglet, fermer := chromedp.NewContext(ctx)
	defer fermer()
	do2 := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(onglet, pasMax)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			ectx, cancel := context.WithTimeout(onglet, pasMax)
			defer cancel()
			segurtest.Screenshot(t, ectx, "echec-onglet-"+step)
			t.Fatalf("second tab: %s: %v", step, err)
		}
	}
	texte2 := func(sel string) string {
		t.Helper()
		sctx, cancel := context.WithTimeout(onglet, pasMax)
		defer cancel()
		// Asked again when the page replaced its document, as parcours's
		// texte does.
		for essai := 1; ; essai++ {
			s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
			if err != nil && essai < 3 && strings.Contains(err.Error(), "No node with given id found") {
				continue
			}
			if err != nil {
				t.Fatalf("second tab: text of %s: %v", sel, err)
			}
			return strings.TrimSpace(s)
		}
	}
	// A tab in the background draws no frame: no click lands, no
	// screenshot is taken. Each tab comes to the front when used.
	devant := func(c context.Context) {
		t.Helper()
		if _, err := chromedp.Call(c, page.BringToFront, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
	}
	devant(onglet)
	// The second tab's own page after a click: chromedp's wait for a node
	// misses it there, a poll of the page does not.
	attendre2 := func(sel string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(c context.Context, _ *chromedp.Target) error {
			for {
				// A poll begun on the page before fails when it goes: again.
				_, err := chromedp.Run(c, chromedp.Poll[bool](`!!document.querySelector('`+sel+`')`))
				if err == nil || c.Err() != nil {
					return err
				}
			}
		})
	}
	rejeter := chromedp.Click(chromedp.CSS(`form[action$="/banque/rejeter"] button[type=submit]`))
	do2("onglet", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(fiche), chromedp.WaitVisible(chromedp.CSS("#motif")))
	do2("rejet sans motif", rejeter, attendre2("#motif-erreur"))
	contient(t, "rejection without a reason", texte2("#motif-erreur"), "motif du rejet")
	verifier2 := ecran(t, onglet)
	verifier2("banque-rejet-sans-motif", 1280)
	do2("rejet", chromedp.SendKeys(chromedp.CSS("#motif"), "Le RIB est au nom d'une autre société."), rejeter, attendre2("#iban"))
	if got, want := texte2(".fr-alert--success"), "Changement de coordonnées bancaires de Le Beau Logiciel rejeté : les coordonnées en vigueur restent inchangées."; got != want {
		t.Errorf("rejection: flash %q, want %q", got, want)
	}
	contient(t, "history after the rejection", texte2("#historique + .fr-table tbody tr:last-child"), "bruno@asp.fr",
		"Changement de coordonnées bancaires rejeté : Le RIB est au nom d'une autre société.")
	verifier2("banque-rejetee", 1280)
	proposer(do2, "proposition de Bruno", ibanBruno, "AGRIFRPP", attendre2("#banque-attente"))
	contient(t, "Bruno's proposal", texte2("#banque-attente"), "Changement proposé par bruno@asp.fr", ibanBruno)

	// Back to the first tab, its fiche from before: the approval is refused.
	devant(ctx)
	do("approbation par Bruno", chromedp.Click(chromedp.CSS(`form[action$="/banque/approuver"] button`)), chromedp.WaitVisible(chromedp.CSS(".fr-alert--error")))
	contient(t, "approval by the proposer", texte(".fr-alert--error"),
		"Séparation des tâches : vous avez proposé ce changement de coordonnées bancaires, un autre administrateur doit l'approuver. Vous pouvez le retirer en le rejetant.")
	contient(t, "approval by the proposer: the fiche", texte("#banque-attente"), "Changement proposé par bruno@asp.fr", "Vous avez proposé ce changement")
	verifier("banque-approbation-refusee", 1280)
	inchange("approval by the proposer")
	do("déconnexion de Bruno", chromedp.Click(chromedp.CSS(`form[action="/deconnexion"] button`)), chromedp.WaitVisible(chromedp.CSS(".fr-alert--success")))

	// Alice approves Bruno's proposal, on a phone.
	connexionAgent(do, p.srv.URL, "alice@asp.fr")
	do("390 px pour approuver", chromedp.EmulateViewport(390, 844), chromedp.Navigate(fiche), chromedp.WaitVisible(chromedp.CSS(`form[action$="/banque/approuver"] button`)))
	verifier("banque-a-approuver", 390)
	confirmerDialogue(t, ctx, do, texte, "approuver", `form[action$="/banque/approuver"] button`, "#iban", 390,
		"Confirmer : approuver les nouvelles coordonnées bancaires de Le Beau Logiciel",
		"Nouveau compte : IBAN "+ibanBruno+", BIC AGRIFRPP\u202f; compte remplacé : aucun.", "joint par bruno@asp.fr")
	if got, want := flash(), "Nouvelles coordonnées bancaires de Le Beau Logiciel en vigueur (IBAN "+ibanBruno+", BIC AGRIFRPP) : le fournisseur et ses utilisateurs en sont avertis par courriel."; got != want {
		t.Errorf("approval: flash %q, want %q", got, want)
	}
	contient(t, "approved: in force", texte("#banque ~ dl"), "IBAN "+ibanBruno+", BIC AGRIFRPP")
	contient(t, "history after the approval", derniereLigne(texte), "alice@asp.fr", "Changement de coordonnées bancaires approuvé, en vigueur : IBAN aucun → "+ibanBruno+" (BIC AGRIFRPP)")
	verifier("banque-approuvee", 390)
	if f, err := p.db.FindFournisseurByID(bg, 1); err != nil || f.IBAN != "FR7630006000011234567890189" || f.BIC != "AGRIFRPP" {
		t.Errorf("after the approval: %q %q (%v)", f.IBAN, f.BIC, err)
	}
}
