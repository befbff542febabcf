package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/segur-numerique/segur"
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
