package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// exemplesAdmin are the administration's pages with typed sample data,
// every optional part shown, for TestTemplates.
func exemplesAdmin() map[string]exemple {
	u := &segur.Utilisateur{Login: "marie@asp.fr", Nom: "Marie", Roles: []segur.Role{segur.RoleInstructeur, segur.RoleAdmin}}
	base := func(titre string, erreurs ...ErreurChamp) BaseAdmin {
		return BaseAdmin{Base: Base{Titre: titre, Nav: "admin", Utilisateur: u, Flash: "Fait.", Erreurs: erreurs}, Fil: filAdmin}
	}
	f := FournisseurAdmin{ID: 1, Nom: "Le Beau Logiciel", SIRET: "88558855858745", Email: "contact@lebeaulogiciel.fr",
		IBANFin: "0189", BIC: "AGRIFRPP", Cree: "25/11/2026 à 10:00", Produits: 1, Utilisateurs: 1}
	ua := UtilisateurAdmin{Login: "jean@lebeaulogiciel.fr", Nom: "Jean", Roles: "fournisseur", Cree: "25/11/2026 à 10:00",
		Fournisseur: "Le Beau Logiciel", FournisseurID: 1}
	version := VersionVue{ID: 2, Date: "25/11/2026 à 10:00", Par: "marie@asp.fr", Nombre: 4, Courante: true, Compte: "4 établissements"}
	return map[string]exemple{
		"admin.html": {PageAdmin{BaseAdmin: BaseAdmin{Base: Base{Titre: "Administration", Nav: "admin", Utilisateur: u}},
			Fournisseurs: 2, Produits: 3, Utilisateurs: 5, Fenetres: 2, Ouvertes: 1, Reference: &version,
			Courriels: []EtatCourrielVue{{"a_envoyer", "à envoyer", 1}, {"en_echec", "en échec", 2}}, BanquesEnAttente: 2, BanquesExpirees: 1},
			"<h1>Administration</h1>", []string{`aria-current="page">Administration</a>`, "2 fournisseurs, 3 numéros ANS", "Version 2 du 25/11/2026 à 10:00 : 4 établissements", "à envoyer : 1, en échec : 2",
				`href="/agence/admin/banque"`, "2 changements à approuver, 1 expiré"}},
		"admin-banque.html": {PageAdminBanque{BaseAdmin: base("Coordonnées bancaires en attente"), Jours: 30, Changements: []ChangementBanqueLigne{
			{Fournisseur: "Le Beau Logiciel", SIRET: "88558855858745", Lien: "/agence/admin/fournisseurs/1#banque", ProposePar: "marie@asp.fr", ProposeLe: "25/11/2026 à 10:00",
				AncienIBANFin: "0189", AncienBIC: "AGRIFRPP", IBANFin: "7819", BIC: "BNPAFRPP", Attente: "3 jours", ExpireLe: "25/12/2026 à 10:00", Soi: true},
			{Fournisseur: "Sans banque", SIRET: "88558855858746", Lien: "/agence/admin/fournisseurs/2#banque", ProposePar: "alice@asp.fr", ProposeLe: "01/10/2026 à 09:00",
				IBANFin: "3000", BIC: "COBADEFFXXX", Attente: "30 jours", ExpireLe: "31/10/2026 à 09:00", Expire: true}}},
			"<h1>Coordonnées bancaires en attente</h1>", []string{"<caption>2 changements de coordonnées bancaires non décidés, le plus ancien d'abord</caption>",
				`href="/agence/admin/fournisseurs/1#banque"`, "se terminant par </span>7819", "À approuver avant le 25/12/2026 à 10:00, par un autre administrateur que vous.",
				"expiré le 31/10/2026 à 09:00", "dans les 30 jours expire", `<td data-label="Compte en vigueur">aucun</td>`}},
		"admin-fournisseurs.html": {PageAdminFournisseurs{BaseAdmin: base("Fournisseurs"), Fournisseurs: []FournisseurAdmin{f, {ID: 2, Nom: "Sans banque"}}},
			"<h1>Fournisseurs</h1>", []string{`<caption>2 fournisseurs enrôlés</caption>`, `href="/agence/admin/fournisseurs/1"`, "se terminant par </span>0189", "non renseigné",
				`<a class="fr-breadcrumb__link" href="/agence/admin">Administration</a>`, `aria-current="page">Fournisseurs</a>`}},
		"admin-fournisseur-nouveau.html": {PageAdminFournisseurNouveau{BaseAdmin: base("Enrôler un fournisseur", ErreurChamp{"siret", "SIRET faux."}, ErreurChamp{"bic", "BIC faux."}),
			Form: FormFournisseur{SIRET: "123", Force: true}},
			"<h1>Enrôler un fournisseur</h1>", []string{`href="#siret"`, `id="siret-erreur"`, `aria-describedby="bic-erreur"`, `value="123"`, `name="force" value="1" checked`}},
		"admin-fournisseur.html": {PageAdminFournisseur{BaseAdmin: base("Le Beau Logiciel", ErreurChamp{"numeroAns", "Numéro ANS faux."}), Fournisseur: f,
			Produits: []ProduitAdmin{{"1234567890", "RI", "RI du Beau Logiciel", "25/11/2026 à 10:00"}}, Utilisateurs: []UtilisateurAdmin{ua},
			Form: FormProduit{NumeroAns: "12"}, Logiciels: optionsLogiciel("DPI"),
			Banque: BanqueAdmin{IBAN: "FR76 3000 6000 0112 3456 7890 189", BIC: "AGRIFRPP", Motif: "x", EnAttente: &ChangementBanqueVue{ProposePar: "alice@asp.fr", ProposeLe: "25/11/2026 à 10:00",
				AncienIBAN: "FR76 3000 6000 0112 3456 7890 189", AncienBIC: "AGRIFRPP", IBAN: "FR76 3000 4008 2300 0123 4567 819", BIC: "BNPAFRPP",
				Justificatif: "rib.pdf", JustificatifLien: "/agence/admin/fournisseurs/1/banque/justificatif", JustificatifFormat: "PDF"}}},
			"Enregistrer un numéro ANS", []string{"1234567890", `id="numeroAns-erreur"`, `<option value="DPI" selected>`, "jean@lebeaulogiciel.fr", `href="/agence/admin/utilisateurs/nouveau?fournisseur=1"`,
				"Changement proposé par alice@asp.fr le 25/11/2026 à 10:00", "FR76 3000 4008 2300 0123 4567 819", `action="/agence/admin/fournisseurs/1/banque/approuver"`,
				`action="/agence/admin/fournisseurs/1/banque/rejeter"`, `href="/agence/admin/fournisseurs/1/banque/justificatif"`}},
		"admin-utilisateurs.html": {PageAdminUtilisateurs{BaseAdmin: base("Utilisateurs"), Utilisateurs: []UtilisateurAdmin{ua, {Login: "paul@asp.fr", Nom: "Paul", Roles: "instructeur", Cree: "x", Invite: true}}, Total: 60,
			Pagination: Pagination{Page: 1, Pages: 2, Suivante: "/agence/admin/utilisateurs?page=2"}},
			"<h1>Utilisateurs</h1>", []string{"Compte à activer", `action="/agence/admin/utilisateurs/invitation"`, "Renvoyer l'invitation", "<caption>60 utilisateurs</caption>", "Page suivante"}},
		"admin-utilisateur-nouveau.html": {PageAdminUtilisateurNouveau{BaseAdmin: base("Créer un utilisateur", ErreurChamp{"roles", "Cochez un rôle."}, ErreurChamp{"fournisseur", "Choisissez."}),
			Form: FormUtilisateur{Login: "x@y.fr"}, Roles: casesRoles, Fournisseurs: []OptionAdmin{{"1", "Le Beau Logiciel — SIRET 88558855858745", true}}},
			"<h1>Créer un utilisateur</h1>", []string{`fr-fieldset--error`, `id="roles-erreur"`, `id="role-admin"`, `<option value="1" selected>`, `id="fournisseur-erreur"`}},
		"admin-fenetres.html": {PageAdminFenetres{BaseAdmin: base("Campagnes de dépôt", ErreurChamp{"fin", "La fermeture doit suivre l'ouverture."}),
			Fenetres: []FenetreAdmin{{1, "RI", "avance", "01/12/2026 à 14:00", "31/03/2027 à 12:00", "ouverte"}, {2, "DPI", "avance", "a", "b", "à venir"}, {3, "PFI", "solde", "a", "b", "close"}},
			Form:     FormFenetre{Type: "solde", Debut: "2026-12-01T14:00"}, Logiciels: optionsLogiciel(""),
			Types: []OptionAdmin{{"avance", "Demandes d'avance", false}, {"solde", "Demandes de solde", true}}},
			"Ouvrir une campagne", []string{`type="datetime-local"`, `value="2026-12-01T14:00"`, `id="fin-erreur"`, "fr-badge--success", "à venir", "close"}},
		"admin-referentiel.html": {PageAdminReferentiel{BaseAdmin: base("Référentiel des établissements", ErreurChamp{"fichier", "Référentiel, ligne 3 : …"}),
			Versions: []VersionVue{version, {ID: 1, Date: "x", Par: "cli", Nombre: 1, Compte: "1 établissement"}}, Courante: &version,
			Etablissements: []EtablissementAdmin{{"999999999", "HOPITAL", "30 000,00\u202f€", "60 000,00\u202f€", "20 000,00\u202f€"}}, Total: 1, FINESS: "9999",
			Pagination: Pagination{Page: 1, Pages: 1}, MaxMo: 20},
			"Importer une nouvelle version", []string{`enctype="multipart/form-data"`, `id="fichier-erreur"`, "en vigueur", "20 Mo au plus", "dont le FINESS commence par 9999", `value="9999"`}},
		"admin-courriels.html": {PageAdminCourriels{BaseAdmin: base("Courriels"), Total: 2, Etat: "en_echec",
			Etats: []OptionAdmin{{"", "Tous", false}, {"en_echec", "en échec", true}},
			Courriels: []CourrielAdmin{{ID: 7, A: "contact@x.fr", Sujet: "Sujet", Objet: "demande:ASP-2026-0000001", Etat: "en échec", EtatCode: "en_echec",
				Cree: "a", Tentatives: 2, DerniereErreur: "550 refusé", DernierEssai: "b", ProchainEssai: "c", Relancable: true},
				{ID: 6, Etat: "envoyé", EtatCode: "envoye", Envoye: "d"}},
			Pagination: Pagination{Page: 1, Pages: 1}},
			"<h1>Courriels envoyés par le portail</h1>", []string{`action="/agence/admin/courriels/7/relancer"`, `name="etat" value="en_echec"`, "550 refusé", "envoyé le d", "2 courriels en échec"}},
	}
}

// TestTemplateCourriels: a mail sent is not sent again: one « Relancer »
// form, for the mail in failure only.
func TestTemplateCourriels(t *testing.T) {
	body := rendre(t, nil, "admin-courriels.html", exemplesAdmin()["admin-courriels.html"].data)
	if n := strings.Count(body, "/relancer"); n != 1 {
		t.Errorf("got %d « Relancer » forms, want 1: a mail sent is not sent again", n)
	}
}

// routesAdmin are the administration's routes, for the access tests.
var routesAdmin = []struct{ method, path string }{
	{"GET", "/agence/admin"},
	{"GET", "/agence/admin/fournisseurs"},
	{"GET", "/agence/admin/fournisseurs/nouveau"},
	{"POST", "/agence/admin/fournisseurs"},
	{"GET", "/agence/admin/fournisseurs/1"},
	{"POST", "/agence/admin/fournisseurs/1/produits"},
	{"GET", "/agence/admin/utilisateurs"},
	{"GET", "/agence/admin/utilisateurs/nouveau"},
	{"POST", "/agence/admin/utilisateurs"},
	{"GET", "/agence/admin/fenetres"},
	{"POST", "/agence/admin/fenetres"},
	{"GET", "/agence/admin/referentiel"},
	{"POST", "/agence/admin/referentiel"},
	{"GET", "/agence/admin/courriels"},
	{"POST", "/agence/admin/courriels/1/relancer"},
}

// TestAdminAcces: a vendor and an agent without the role admin reach none
// of the administration's pages; nothing is created.
func TestAdminAcces(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	clients := map[string]*http.Client{
		"vendor":           vendeur,
		"instructor":       agentClient(t, p, "instructeur@asp.fr", segur.RoleInstructeur),
		"instructor+payer": agentClient(t, p, "payeur@asp.fr", segur.RoleInstructeur, segur.RolePayeur),
	}
	form := url.Values{"siret": {"35600000000048"}, "nom": {"La Poste"}, "email": {"a@b.fr"}, "login": {"x@y.fr"},
		"roles": {"admin"}, "logiciel": {"RI"}, "type": {"avance"}, "debut": {"2026-12-01T14:00"}, "fin": {"2027-03-31T12:00"}}
	for name, c := range clients {
		for _, rt := range routesAdmin {
			var code int
			var body string
			if rt.method == "GET" {
				code, body = L.lire(c.Get(p.srv.URL + rt.path))
			} else {
				code, body = L.lire(c.PostForm(p.srv.URL+rt.path, form))
			}
			if code != http.StatusForbidden || !strings.Contains(body, "réservée aux agents") {
				t.Errorf("%s %s %s: got %d, want 403 « réservée aux agents »", name, rt.method, rt.path, code)
			}
		}
		// No link to the administration either.
		if _, body := L.lire(c.Get(p.srv.URL + "/compte")); strings.Contains(body, `href="/agence/admin"`) {
			t.Errorf("%s: the menu links to the administration", name)
		}
	}
	// Logged out: the login page.
	if _, body := L.lire(client(t).Get(p.srv.URL + "/agence/admin")); !strings.Contains(body, "<h1>Connexion</h1>") {
		t.Error("logged out: want the login page")
	}
	ctx := context.Background()
	if _, err := p.db.FindFournisseurBySIRET(ctx, "35600000000048"); !segur.IsCode(err, segur.ENOTFOUND) {
		t.Errorf("a refused POST enrolled a vendor: %v", err)
	}
	if _, err := p.db.FindUtilisateurByLogin(ctx, "x@y.fr"); !segur.IsCode(err, segur.ENOTFOUND) {
		t.Errorf("a refused POST created a user: %v", err)
	}
}

// attendre checks a refused form: 422 (or want), each message beside its
// field and in the summary, which links to it.
func attendre(t *testing.T, code int, body string, want int, champs map[string]string) {
	t.Helper()
	if code != want {
		t.Errorf("got %d, want %d", code, want)
	}
	for champ, message := range champs {
		if !strings.Contains(body, `href="#`+champ+`"`) || !strings.Contains(body, `id="`+champ+`-erreur"`) {
			t.Errorf("no error beside #%s, or no link to it", champ)
		}
		if n := strings.Count(body, message); n < 2 {
			t.Errorf("%s: got %q %d times, want it beside the field and in the summary", champ, message, n)
		}
	}
}

// TestAdminFournisseurs enrols a vendor, registers an ANS number, refuses
// what the CLI refuses, in French, beside the field.
func TestAdminFournisseurs(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	ctx := context.Background()
	// An agent who instructs and administers.
	admin := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur, segur.RoleAdmin)
	code, body := L.lire(admin.Get(p.srv.URL + "/agence/admin"))
	if code != http.StatusOK || !strings.Contains(body, `aria-current="page">Administration</a>`) || !strings.Contains(body, "1 fournisseur, 1 numéro ANS") {
		t.Fatalf("overview: got %d\n%s", code, body)
	}

	vendor := func(v url.Values) (int, string) {
		return L.lire(admin.PostForm(p.srv.URL+"/agence/admin/fournisseurs", v))
	}
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		champs map[string]string
	}{
		{"vide", url.Values{}, 422, map[string]string{"siret": "Saisissez le SIRET du fournisseur : 14 chiffres.",
			"nom": "Saisissez la raison sociale.", "email": "Saisissez le courriel de contact."}},
		{"SIRET court", url.Values{"siret": {"1234"}, "nom": {"X"}, "email": {"a@b.fr"}}, 422,
			map[string]string{"siret": "SIRET « 1234 » : attendu 14 chiffres."}},
		{"SIRET de test sans la case", url.Values{"siret": {"88558855858746"}, "nom": {"X"}, "email": {"a@b.fr"}}, 422,
			map[string]string{"siret": "cochez « SIRET de test »"}},
		{"e-mail", url.Values{"siret": {"35600000000048"}, "nom": {"X"}, "email": {"Jean <j@x.fr>"}}, 422,
			map[string]string{"email": "E-mail « Jean <j@x.fr> » : attendu une adresse nom@domaine.fr (sans accent ni espace : l'agence y écrit)."}},
		{"IBAN sans BIC", url.Values{"siret": {"35600000000048"}, "nom": {"X"}, "email": {"a@b.fr"}, "iban": {"FR7630006000011234567890189"}}, 422,
			map[string]string{"bic": "Coordonnées bancaires : attendu l'IBAN et le BIC ensemble."}},
		{"IBAN faux", url.Values{"siret": {"35600000000048"}, "nom": {"X"}, "email": {"a@b.fr"}, "iban": {"FR7630006000011234567890188"}, "bic": {"AGRIFRPP"}}, 422,
			map[string]string{"iban": "IBAN « FR7630006000011234567890188 » : invalide (longueur ou clé)."}},
		{"déjà enrôlé", url.Values{"siret": {"88558855858745"}, "nom": {"X"}, "email": {"a@b.fr"}, "force": {"1"}}, 422,
			map[string]string{"siret": "Le SIRET 88558855858745 est déjà enrôlé."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := vendor(tc.form)
			attendre(t, code, body, tc.status, tc.champs)
			if v := tc.form.Get("siret"); v != "" && !strings.Contains(body, `value="`+v+`"`) {
				t.Errorf("the form lost the SIRET typed")
			}
		})
	}

	code, body = vendor(url.Values{"siret": {" 88558855858746 "}, "nom": {"Éditions Zéphyr"}, "email": {"contact@zephyr.fr"},
		"iban": {"FR76 3000 6000 0112 3456 7890 189"}, "bic": {"agrifrpp"}, "force": {"1"}})
	if code != http.StatusOK || !strings.Contains(body, "Fournisseur enrôlé : Éditions Zéphyr.") || !strings.Contains(body, "<h1>Éditions Zéphyr</h1>") {
		t.Fatalf("enrolment: got %d\n%s", code, body)
	}
	f, err := p.db.FindFournisseurBySIRET(ctx, "88558855858746")
	if err != nil || f.IBAN != "FR7630006000011234567890189" || f.BIC != "AGRIFRPP" {
		t.Fatalf("got %+v, %v; want the vendor with its bank details normalised", f, err)
	}
	// The store audits the change as the admin who made it.
	evs, err := p.db.FindEvenements(ctx, "fournisseur:88558855858746")
	if err != nil || len(evs) != 1 || evs[0].Acteur.Login != "marie@asp.fr" || evs[0].Action != "fournisseur.creer" {
		t.Errorf("audit: got %+v, %v; want fournisseur.creer by marie@asp.fr", evs, err)
	}
	vendorURL := p.srv.URL + "/agence/admin/fournisseurs/" + itoa(int64(f.ID))

	ans := func(v url.Values) (int, string) { return L.lire(admin.PostForm(vendorURL+"/produits", v)) }
	for _, tc := range []struct {
		name   string
		form   url.Values
		champs map[string]string
	}{
		{"vide", url.Values{}, map[string]string{"numeroAns": "Saisissez le numéro ANS : 10 lettres ou chiffres.",
			"logiciel": "Choisissez le type de logiciel : RI, DPI ou PFI.", "nom": "Saisissez le nom du produit."}},
		{"court", url.Values{"numeroAns": {"123"}, "logiciel": {"RI"}, "nom": {"X"}}, map[string]string{"numeroAns": "Numéro ANS « 123 » : attendu 10 lettres ou chiffres."}},
		{"logiciel inconnu", url.Values{"numeroAns": {"2345678901"}, "logiciel": {"XYZ"}, "nom": {"X"}}, map[string]string{"logiciel": "Logiciel « XYZ » inconnu ; attendu : RI, DPI ou PFI."}},
		{"déjà enregistré", url.Values{"numeroAns": {"1234567890"}, "logiciel": {"RI"}, "nom": {"X"}}, map[string]string{"numeroAns": "Le numéro ANS 1234567890 est déjà enregistré."}},
	} {
		t.Run("ANS "+tc.name, func(t *testing.T) {
			code, body := ans(tc.form)
			attendre(t, code, body, 422, tc.champs)
		})
	}
	code, body = ans(url.Values{"numeroAns": {"ZEPH000001"}, "logiciel": {"dpi"}, "nom": {"Zéphyr DPI"}})
	if code != http.StatusOK || !strings.Contains(body, "Numéro ANS ZEPH000001 enregistré : Zéphyr DPI, logiciel DPI.") {
		t.Fatalf("ANS number: got %d\n%s", code, body)
	}
	if pr, err := p.db.FindProduit(ctx, "ZEPH000001"); err != nil || pr.FournisseurID != f.ID || pr.Logiciel != hop.LogicielDPI {
		t.Errorf("got %+v, %v", pr, err)
	}

	// The list, in the order of the alphabet, the IBAN masked.
	code, body = L.lire(admin.Get(p.srv.URL + "/agence/admin/fournisseurs"))
	if code != http.StatusOK || !regexp.MustCompile(`(?s)Éditions Zéphyr.*Le Beau Logiciel`).MatchString(body) {
		t.Errorf("vendors' list: got %d, want both vendors in alphabetical order\n%s", code, body)
	}
	if !strings.Contains(body, "se terminant par </span>0189") || strings.Contains(body, "FR7630006000011234567890189") || strings.Contains(body, "3000 6000") {
		t.Error("vendors' list: want the IBAN masked but for its last 4 characters")
	}
	// Unknown vendors are not found.
	for _, path := range []string{"/agence/admin/fournisseurs/999", "/agence/admin/fournisseurs/abc"} {
		if code, body := L.lire(admin.Get(p.srv.URL + path)); code != http.StatusNotFound || !strings.Contains(body, "Ce fournisseur n'existe pas.") {
			t.Errorf("GET %s: got %d, want 404", path, code)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestAdminUtilisateurs creates users: refusals beside their field, a user
// with two roles whose password is shown once and who then reaches both
// the administration and the instruction.
func TestAdminUtilisateurs(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	ctx := context.Background()
	admin := agentClient(t, p, "admin@asp.fr", segur.RoleAdmin)
	f, err := p.db.FindFournisseurBySIRET(ctx, "88558855858745")
	if err != nil {
		t.Fatal(err)
	}
	fid := itoa(int64(f.ID))

	// From the vendor's page, the form comes with the vendor chosen.
	_, body := L.lire(admin.Get(p.srv.URL + "/agence/admin/utilisateurs/nouveau?fournisseur=" + fid))
	if !strings.Contains(body, `<option value="`+fid+`" selected>`) || !regexp.MustCompile(`value="fournisseur" checked`).MatchString(body) {
		t.Errorf("form from the vendor's page: want its vendor chosen and the role fournisseur checked\n%s", body)
	}

	creer := func(v url.Values) (int, string) {
		return L.lire(admin.PostForm(p.srv.URL+"/agence/admin/utilisateurs", v))
	}
	for _, tc := range []struct {
		name   string
		form   url.Values
		champs map[string]string
	}{
		{"vide", url.Values{}, map[string]string{"login": "Saisissez l'adresse électronique de la personne : elle lui sert d'identifiant.",
			"nom": "Saisissez le nom de la personne.", "roles": "Cochez le rôle fournisseur, ou un ou plusieurs rôles de l'agence."}},
		{"identifiant", url.Values{"login": {"pas-une-adresse"}, "nom": {"X"}, "roles": {"admin"}},
			map[string]string{"login": "Identifiant « pas-une-adresse » : attendu une adresse électronique nom@domaine.fr (sans accent ni espace : le portail y écrit)."}},
		{"identifiant accentué", url.Values{"login": {"élodie@asp.fr"}, "nom": {"X"}, "roles": {"admin"}},
			map[string]string{"login": "Identifiant « élodie@asp.fr » : attendu une adresse électronique nom@domaine.fr (sans accent ni espace : le portail y écrit)."}},
		{"fournisseur et agent", url.Values{"login": {"x@asp.fr"}, "nom": {"X"}, "roles": {"fournisseur", "instructeur"}, "fournisseur": {fid}},
			map[string]string{"roles": "Le rôle fournisseur ne se cumule pas avec les rôles de l'agence."}},
		{"fournisseur sans fournisseur", url.Values{"login": {"x@asp.fr"}, "nom": {"X"}, "roles": {"fournisseur"}},
			map[string]string{"fournisseur": "Le rôle fournisseur demande le fournisseur dont la personne est salariée."}},
		{"agent d'un fournisseur", url.Values{"login": {"x@asp.fr"}, "nom": {"X"}, "roles": {"payeur"}, "fournisseur": {fid}},
			map[string]string{"fournisseur": "Seul un utilisateur de rôle fournisseur est rattaché à un fournisseur."}},
		{"fournisseur inconnu", url.Values{"login": {"x@asp.fr"}, "nom": {"X"}, "roles": {"fournisseur"}, "fournisseur": {"999"}},
			map[string]string{"fournisseur": "Ce fournisseur n'existe pas : choisissez-le dans la liste."}},
		{"rôle inconnu", url.Values{"login": {"x@asp.fr"}, "nom": {"X"}, "roles": {"chef"}},
			map[string]string{"roles": "Rôle « chef » inconnu ; attendu : fournisseur, instructeur, payeur ou admin."}},
		{"login pris", url.Values{"login": {"Jean@LeBeauLogiciel.fr"}, "nom": {"X"}, "roles": {"fournisseur"}, "fournisseur": {fid}},
			map[string]string{"login": "Le login jean@lebeaulogiciel.fr est déjà utilisé."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := creer(tc.form)
			attendre(t, code, body, 422, tc.champs)
			if l := tc.form.Get("login"); l != "" && !strings.Contains(body, `value="`+l+`"`) {
				t.Error("the form lost the login typed")
			}
		})
	}

	code, body := creer(url.Values{"login": {" Paul@ASP.fr "}, "nom": {"Paul Martin"}, "roles": {"instructeur", "admin"}})
	if code != http.StatusOK || !strings.Contains(body, "Compte de Paul Martin créé (instructeur, admin) : invitation envoyée à paul@asp.fr, avec un lien valable 7 jours") ||
		strings.Contains(body, "Mot de passe :") || !strings.Contains(body, "Compte à activer") {
		t.Fatalf("creation: got %d, want the invitation said and no password\n%s", code, body)
	}
	u, err := p.db.FindUtilisateurByLogin(ctx, "paul@asp.fr")
	if err != nil || u.RolesTexte() != "instructeur, admin" || u.MotDePasse != "" {
		t.Fatalf("got %+v, %v; want no password before activation", u, err)
	}
	// Not activated: no password opens the account.
	if code, _ := L.lire(client(t).PostForm(p.srv.URL+"/connexion", url.Values{"login": {"paul@asp.fr"}, "motdepasse": {"n'importe lequel"}})); code != http.StatusUnprocessableEntity {
		t.Errorf("login before activation: got %d, want 422", code)
	}
	// The invitation, sent again: the first link no longer works.
	premier := lienDuCourriel(t, p, "paul@asp.fr", "[Ségur numérique] Activez votre compte")
	if code, body := L.lire(admin.PostForm(p.srv.URL+"/agence/admin/utilisateurs/invitation", url.Values{"login": {"paul@asp.fr"}})); code != http.StatusOK ||
		!strings.Contains(body, "Nouvelle invitation envoyée à paul@asp.fr") {
		t.Fatalf("invitation sent again: got %d\n%s", code, body)
	}
	second := lienDuCourriel(t, p, "paul@asp.fr", "[Ségur numérique] Activez votre compte")
	if premier == second {
		t.Fatal("the invitation sent again carries the same link")
	}
	if code, body := L.lire(client(t).Get(p.srv.URL + premier)); code != http.StatusGone || !strings.Contains(body, "Ce lien n'est plus valable") {
		t.Errorf("first link after a new invitation: got %d, want 410\n%s", code, body)
	}
	const mdp = "une phrase de passe de Paul"
	if code, body := L.lire(client(t).PostForm(p.srv.URL+"/motdepasse/nouveau", url.Values{"jeton": {jetonDe(t, second)}, "nouveau": {mdp}, "confirmation": {mdp}})); code != http.StatusOK ||
		!strings.Contains(body, "Compte activé : connectez-vous") {
		t.Fatalf("activation: got %d\n%s", code, body)
	}
	// Activated: sending the invitation again is refused.
	if code, body := L.lire(admin.PostForm(p.srv.URL+"/agence/admin/utilisateurs/invitation", url.Values{"login": {"paul@asp.fr"}})); code != http.StatusBadRequest ||
		!strings.Contains(body, "déjà activé") {
		t.Errorf("invitation of an active account: got %d\n%s", code, body)
	}
	// Paul logs in: the administration and the instruction are his.
	paul := client(t)
	L.lire(paul.PostForm(p.srv.URL+"/connexion", url.Values{"login": {"paul@asp.fr"}, "motdepasse": {mdp}}))
	code, body = L.lire(paul.Get(p.srv.URL + "/agence/admin"))
	if code != http.StatusOK || !strings.Contains(body, `href="/agence/demandes"`) || !strings.Contains(body, "File d'instruction") ||
		!strings.Contains(body, `aria-current="page">Administration</a>`) {
		t.Errorf("the new user: got %d, want the overview and the link to the instruction\n%s", code, body)
	}

	// A vendor's employee, shown on the vendor's page.
	code, _ = creer(url.Values{"login": {"lea@lebeaulogiciel.fr"}, "nom": {"Léa"}, "roles": {"fournisseur"}, "fournisseur": {fid}})
	if code != http.StatusOK {
		t.Fatalf("vendor's user: got %d", code)
	}
	if _, body := L.lire(admin.Get(p.srv.URL + "/agence/admin/fournisseurs/" + fid)); !strings.Contains(body, "lea@lebeaulogiciel.fr") ||
		!strings.Contains(body, "<caption>2 utilisateurs de Le Beau Logiciel</caption>") {
		t.Errorf("vendor's page: want its 2 users\n%s", body)
	}
}

// TestAdminFenetres opens a campaign from datetime-local inputs read in
// Europe/Paris, and refuses one that ends before it starts.
func TestAdminFenetres(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	admin := agentClient(t, p, "admin@asp.fr", segur.RoleAdmin)
	ouvrir := func(v url.Values) (int, string) { return L.lire(admin.PostForm(p.srv.URL+"/agence/admin/fenetres", v)) }
	for _, tc := range []struct {
		name   string
		form   url.Values
		champs map[string]string
	}{
		{"vide", url.Values{"type": {"avance"}}, map[string]string{"logiciel": "Choisissez le type de logiciel : RI, DPI ou PFI.",
			"debut": "Saisissez la date et l'heure d'ouverture (heure de Paris).", "fin": "Saisissez la date et l'heure de fermeture (heure de Paris)."}},
		{"à l'envers", url.Values{"logiciel": {"RI"}, "type": {"avance"}, "debut": {"2027-03-31T12:00"}, "fin": {"2026-12-01T14:00"}},
			map[string]string{"fin": "La fermeture doit suivre l'ouverture."}},
		{"illisible", url.Values{"logiciel": {"RI"}, "type": {"avance"}, "debut": {"demain"}, "fin": {"2026-12-01T14:00"}},
			map[string]string{"debut": "Date et heure d'ouverture illisibles : attendu jj/mm/aaaa et hh:mm."}},
		{"type", url.Values{"logiciel": {"RI"}, "type": {"acompte"}, "debut": {"2026-12-01T14:00"}, "fin": {"2027-03-31T12:00"}},
			map[string]string{"type": "Type « acompte » : attendu avance ou solde."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := ouvrir(tc.form)
			attendre(t, code, body, 422, tc.champs)
		})
	}
	// Without confirmer=1: what the first campaign does to the deposits;
	// none opened.
	campagne := url.Values{"logiciel": {"RI"}, "type": {"avance"}, "debut": {"2026-12-01T14:00"}, "fin": {"2027-03-31T12:00"}}
	code, body := ouvrir(campagne)
	for _, want := range []string{"Confirmer : campagne de dépôt RI, demandes de type avance", "La campagne sera ouverte du 01/12/2026 à 14:00 au 31/03/2027 à 12:00 (heure de Paris).",
		"Les dépôts de demandes de type avance du logiciel RI sont reçus à tout moment aujourd'hui : ils ne le seront plus que pendant cette campagne",
		"Une campagne ne se supprime pas", `<input type="hidden" name="debut" value="2026-12-01T14:00">`, `<input type="hidden" name="logiciel" value="RI">`,
		`<input type="hidden" name="confirmer" value="1">`, `id="confirmation-annuler" href="/agence/admin/fenetres">Annuler</a>`} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("unconfirmed window (%d) lacks %q", code, want)
		}
	}
	if fs, _ := p.db.FindFenetres(context.Background()); len(fs) != 0 {
		t.Errorf("unconfirmed window: %d windows, want none", len(fs))
	}
	campagne.Set("confirmer", "1")
	code, body = ouvrir(campagne)
	if code != http.StatusOK || !strings.Contains(body, "Campagne ouverte aux demandes de type avance du logiciel RI, du 01/12/2026 à 14:00 au 31/03/2027 à 12:00 (heure de Paris).") {
		t.Fatalf("window: got %d\n%s", code, body)
	}
	fs, err := p.db.FindFenetres(context.Background())
	if err != nil || len(fs) != 1 {
		t.Fatalf("got %v, %v", fs, err)
	}
	// 14:00 in Paris in winter is 13:00 UTC; 12:00 in summer, 10:00 UTC.
	if want := time.Date(2026, 12, 1, 13, 0, 0, 0, time.UTC); !fs[0].Debut.Equal(want) {
		t.Errorf("got start %v, want %v", fs[0].Debut, want)
	}
	if want := time.Date(2027, 3, 31, 10, 0, 0, 0, time.UTC); !fs[0].Fin.Equal(want) {
		t.Errorf("got end %v, want %v", fs[0].Fin, want)
	}
	if !strings.Contains(body, "à venir") && p.now.Before(fs[0].Debut) {
		t.Error("list: want the window « à venir »")
	}
	// Another for the same software and type: added to the first.
	campagne.Del("confirmer")
	if code, body := ouvrir(campagne); code != http.StatusOK || !strings.Contains(body, "sont déjà limités à 1 campagne : celle-ci s'y ajoute") {
		t.Errorf("second window unconfirmed: got %d", code)
	}
}

// envoiFichier posts file as the part "fichier" of a multipart form.
func envoiFichier(t *testing.T, c *http.Client, u, nom string, contenu []byte) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("fichier", nom)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(contenu)
	mw.Close()
	req, err := http.NewRequest("POST", u, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return lecteur{t}.lire(c.Do(req))
}

// TestAdminReferentiel imports the demo reference, lists and searches its
// establishments, and refuses a broken file with its line.
func TestAdminReferentiel(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	admin := agentClient(t, p, "admin@asp.fr", segur.RoleAdmin)
	base := p.srv.URL + "/agence/admin/referentiel"
	// newPortail imported the demo reference as version 1.
	if _, body := L.lire(admin.Get(base)); !strings.Contains(body, "<caption>1 version importée, la plus récente en vigueur</caption>") {
		t.Errorf("before the import: got\n%s", body)
	}
	demo, err := os.ReadFile("../../donnees/reference-demo.csv")
	if err != nil {
		t.Fatal(err)
	}
	// Sent, the file is checked and compared with the version in force,
	// nothing imported; confirmed by its SHA-256, it is.
	code, body := envoiFichier(t, admin, base, "reference.csv", demo)
	somme := sha256.Sum256(demo)
	empreinte := hex.EncodeToString(somme[:])
	for _, want := range []string{"Confirmer : import du référentiel des établissements", "deviendra une nouvelle version du référentiel : 4 établissements.",
		"Par rapport à la version en vigueur (n° 1, 4 établissements) : 0 ajouté, 0 retiré, 0 changé (nom ou plafonds).",
		"Une version importée ne se retire pas", `<input type="hidden" name="empreinte" value="` + empreinte + `">`,
		`<form method="post" action="/agence/admin/referentiel">`, `id="confirmation-annuler" href="/agence/admin/referentiel">Annuler</a>`} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("unconfirmed import (%d) lacks %q", code, want)
		}
	}
	if _, v, _ := p.db.FindReference(context.Background()); v != 1 {
		t.Errorf("unconfirmed import: version %d in force, want 1", v)
	}
	// A file changed: one establishment fewer, one ceiling changed, one added.
	lignes := strings.Split(strings.TrimSpace(string(demo)), "\n")
	var garde []string
	for _, l := range lignes {
		if !strings.HasPrefix(l, "#") {
			garde = append(garde, l)
		}
	}
	autre := strings.Join(garde[1:], "\n") + "\n999999990;NOUVEL HOPITAL;1000,00;2000,00;3000,00\n"
	autre = strings.Replace(autre, garde[1], strings.Replace(garde[1], ";", ";X", 1), 1)
	if code, body := envoiFichier(t, admin, base, "autre.csv", []byte(autre)); code != http.StatusOK || !strings.Contains(body, ": 1 ajouté, 1 retiré, 1 changé (nom ou plafonds).") {
		t.Errorf("changed file: got %d\n%s", code, body[strings.Index(body, "<main"):])
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"sans confirmer", url.Values{"empreinte": {empreinte}}, "Choisissez le fichier CSV du référentiel."},
		{"empreinte fausse", url.Values{"empreinte": {"abc"}, "confirmer": {"1"}}, "Choisissez le fichier CSV du référentiel."},
		{"fichier inconnu", url.Values{"empreinte": {strings.Repeat("0", 64)}, "confirmer": {"1"}}, "Le fichier confirmé est introuvable : envoyez-le de nouveau."},
	} {
		code, body := L.lire(admin.PostForm(base, tc.form))
		attendre(t, code, body, 422, map[string]string{"fichier": tc.want})
	}
	code, body = L.lire(admin.PostForm(base, url.Values{"empreinte": {empreinte}, "confirmer": {"1"}}))
	if code != http.StatusOK || !strings.Contains(body, "Référentiel importé : version 2, 4 établissements.") ||
		!strings.Contains(body, "HOPITAL SAINT-MARTIN - SITE NORD") || !strings.Contains(body, segur.Euros(3_000_000)) {
		t.Fatalf("import: got %d\n%s", code, body)
	}
	ref, v, err := p.db.FindReference(context.Background())
	if err != nil || v != 2 || len(ref) != 4 {
		t.Fatalf("got version %d with %d establishments, %v", v, len(ref), err)
	}
	vs, _ := p.db.FindReferenceVersions(context.Background())
	if len(vs) != 2 || vs[0].Par != "admin@asp.fr" {
		t.Errorf("got versions %+v, want the latest by admin@asp.fr", vs)
	}
	code, body = L.lire(admin.Get(base + "?finess=99999999"))
	if code != http.StatusOK || !strings.Contains(body, "3 établissements dont le FINESS commence par 99999999") {
		t.Errorf("search: got %d\n%s", code, body)
	}
	if _, body = L.lire(admin.Get(base + "?finess=2b")); !strings.Contains(body, "1 établissement dont le FINESS commence par 2B") {
		t.Errorf("search in Corsica: got\n%s", body)
	}
	code, body = L.lire(admin.Get(base + "?finess=abc"))
	attendre(t, code, body, 422, map[string]string{"finess": "FINESS : saisissez ses premiers chiffres, 9 au plus (2A ou 2B en tête pour la Corse)."})

	for _, tc := range []struct {
		name, fichier string
		contenu       []byte
		status        int
		message       string
	}{
		{"ligne fausse", "ref.csv", []byte("# référentiel\n999999999;HOPITAL;dix mille;1;2\n"), 422,
			"Référentiel, ligne 2 : plafond RI « dix mille » : un montant en euros attendu (ex. 10000,00)."},
		{"colonnes", "ref.csv", []byte("999999999;HOPITAL\n"), 422, "Référentiel, ligne 1 : 2 colonnes, 5 attendues"},
		{"vide", "ref.csv", []byte("# rien\n"), 422, "Le fichier ne contient aucun établissement : le référentiel en vigueur est gardé."},
		{"sans fichier", "", nil, 422, "Choisissez le fichier CSV du référentiel."},
		{"trop gros", "ref.csv", bytes.Repeat([]byte("# commentaire de remplissage\n"), (maxReference/28)+100), 413, "Le fichier dépasse 20 Mo."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := envoiFichier(t, admin, base, tc.fichier, tc.contenu)
			attendre(t, code, body, tc.status, map[string]string{"fichier": tc.message})
		})
	}
	if _, v, _ := p.db.FindReference(context.Background()); v != 2 {
		t.Errorf("after the refusals: got version %d, want 2", v)
	}
}

// TestAdminCourriels lists the outbox by state and makes a failed mail due
// now.
func TestAdminCourriels(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	ctx := context.Background()
	admin := agentClient(t, p, "admin@asp.fr", segur.RoleAdmin)
	mails := []*segur.Courriel{
		{A: []string{"contact@lebeaulogiciel.fr"}, Sujet: "[Ségur numérique] ASP-2026-0000001 : pièce à compléter", Corps: "Bonjour\n", Objet: "demande:ASP-2026-0000001"},
		{A: []string{"contact@lebeaulogiciel.fr"}, Sujet: "[Ségur numérique] ASP-2026-0000002 : refus", Corps: "Bonjour\n", Objet: "demande:ASP-2026-0000002"},
	}
	for _, m := range mails {
		if err := p.db.CreateCourriel(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	prochain := p.now.Add(time.Hour)
	if err := p.db.UpdateCourrielEchec(ctx, mails[0].ID, p.now, "550 boîte inconnue", prochain); err != nil {
		t.Fatal(err)
	}
	code, body := L.lire(admin.Get(p.srv.URL + "/agence/admin/courriels?etat=en_echec"))
	if code != http.StatusOK || !strings.Contains(body, "pièce à compléter") || strings.Contains(body, "ASP-2026-0000002 : refus") ||
		!strings.Contains(body, "550 boîte inconnue") || !strings.Contains(body, "1 courriel en échec") {
		t.Fatalf("failed mails: got %d\n%s", code, body)
	}
	if _, body := L.lire(admin.Get(p.srv.URL + "/agence/admin")); !strings.Contains(body, "à envoyer : 1, en échec : 1, envoyé : 0") {
		t.Errorf("overview: want the outbox's counts\n%s", body)
	}
	code, body = L.lire(admin.PostForm(p.srv.URL+"/agence/admin/courriels/"+itoa(int64(mails[0].ID))+"/relancer", url.Values{"etat": {"en_echec"}}))
	if code != http.StatusOK || !strings.Contains(body, "Courriel n° "+itoa(int64(mails[0].ID))+" relancé") {
		t.Fatalf("relaunch: got %d\n%s", code, body)
	}
	c, err := p.db.FindCourriel(ctx, mails[0].ID)
	if err != nil || c.ProchainEssai.After(p.now) || c.Tentatives != 1 {
		t.Errorf("got %+v, %v; want it due now, its attempts kept", c, err)
	}
	// A mail sent is not sent again.
	if err := p.db.UpdateCourrielEnvoye(ctx, mails[1].ID, p.now); err != nil {
		t.Fatal(err)
	}
	code, body = L.lire(admin.PostForm(p.srv.URL+"/agence/admin/courriels/"+itoa(int64(mails[1].ID))+"/relancer", nil))
	if code != http.StatusConflict || !strings.Contains(body, "déjà envoyé") {
		t.Errorf("relaunching a sent mail: got %d, want 409\n%s", code, body)
	}
	if code, _ := L.lire(admin.PostForm(p.srv.URL+"/agence/admin/courriels/999/relancer", nil)); code != http.StatusNotFound {
		t.Errorf("unknown mail: got %d, want 404", code)
	}
}

// TestParcoursAdmin goes through the administration's pages in a real
// Chromium, each checked with axe-core: the overview, a vendor enrolled
// with an error first, its page, the users, the campaigns, the reference.
func TestParcoursAdmin(t *testing.T) {
	p := newPortailDSFR(t, dsfrDir(t))
	ctx, do, texte := parcours(t)
	agentClient(t, p, "admin@asp.fr", segur.RoleInstructeur, segur.RoleAdmin)
	courriel := &segur.Courriel{A: []string{"contact@lebeaulogiciel.fr"}, Sujet: "[Ségur numérique] test", Corps: "Bonjour\n", Objet: "demande:ASP-2026-0000001"}
	if err := p.db.CreateCourriel(context.Background(), courriel); err != nil {
		t.Fatal(err)
	}
	do("connexion", chromedp.Navigate(p.srv.URL+"/connexion"),
		chromedp.SendKeys(chromedp.CSS("#login"), "admin@asp.fr"),
		chromedp.SendKeys(chromedp.CSS("#motdepasse"), "mot de passe de l'agent"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		// The menu shows only once logged in: the next page, not the form.
		chromedp.WaitVisible(chromedp.CSS(".fr-header__menu")))
	do("administration", chromedp.Navigate(p.srv.URL+"/agence/admin"), chromedp.WaitVisible(chromedp.CSS(".fr-tile")))
	segurtest.Screenshot(t, ctx, "admin-01-accueil")
	segurtest.Axe(t, ctx)

	do("enrôlement refusé", chromedp.Navigate(p.srv.URL+"/agence/admin/fournisseurs/nouveau"), chromedp.WaitVisible(chromedp.CSS("#siret")),
		chromedp.SendKeys(chromedp.CSS("#siret"), "88558855858746"),
		chromedp.SendKeys(chromedp.CSS("#nom"), "Éditions Zéphyr"),
		chromedp.SendKeys(chromedp.CSS("#email"), "contact@zephyr.fr"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#siret-erreur")))
	if got := texte("#siret-erreur"); !strings.Contains(got, "cochez « SIRET de test »") {
		t.Errorf("got %q beside the SIRET", got)
	}
	segurtest.Screenshot(t, ctx, "admin-02-enrolement-refuse")
	segurtest.Axe(t, ctx)

	do("enrôlement", chromedp.Click(chromedp.CSS(`label[for="force"]`)),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#numeroAns")))
	if got := texte(".fr-alert--success"); got != "Fournisseur enrôlé : Éditions Zéphyr." {
		t.Errorf("got flash %q", got)
	}
	segurtest.Screenshot(t, ctx, "admin-03-fournisseur")
	segurtest.Axe(t, ctx)

	for i, page := range []struct{ path, wait string }{
		{"/agence/admin/fournisseurs", "caption"},
		{"/agence/admin/utilisateurs", "caption"},
		{"/agence/admin/utilisateurs/nouveau", "#login"},
		{"/agence/admin/fenetres", "#debut"},
		{"/agence/admin/referentiel", "#fichier"},
		{"/agence/admin/courriels", "caption"},
	} {
		do(page.path, chromedp.Navigate(p.srv.URL+page.path), chromedp.WaitVisible(chromedp.CSS(page.wait)))
		segurtest.Screenshot(t, ctx, "admin-"+itoa(int64(i+4))+strings.ReplaceAll(page.path, "/", "-"))
		segurtest.Axe(t, ctx)
	}
}

// TestAdminDebloquer: an administrator unlocks, from the users' page, a
// login slowed down by failed attempts; its owner then logs in at once.
func TestAdminDebloquer(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	admin := agentClient(t, p, "admin@asp.fr", segur.RoleAdmin)
	vendeur := client(t)
	for range segur.MaxEchecsPaire {
		L.lire(vendeur.PostForm(p.srv.URL+"/connexion", url.Values{"login": {"jean@lebeaulogiciel.fr"}, "motdepasse": {"faux"}}))
	}
	code, body := L.lire(vendeur.PostForm(p.srv.URL+"/connexion", url.Values{"login": {"jean@lebeaulogiciel.fr"}, "motdepasse": {"mot de passe de test"}}))
	if code != http.StatusTooManyRequests && !strings.Contains(body, "réessayez") {
		t.Fatalf("after %d failures: got %d, want the login slowed down", segur.MaxEchecsPaire, code)
	}
	_, page := L.lire(admin.Get(p.srv.URL + "/agence/admin/utilisateurs"))
	if !strings.Contains(page, `action="/agence/admin/utilisateurs/debloquer"`) || !strings.Contains(page, "les connexions de jean@lebeaulogiciel.fr") {
		t.Fatal("the users' page has no unlock button for the vendor")
	}
	code, body = L.lire(admin.PostForm(p.srv.URL+"/agence/admin/utilisateurs/debloquer", url.Values{"login": {"jean@lebeaulogiciel.fr"}}))
	if code != http.StatusOK || !strings.Contains(body, "Connexions de jean@lebeaulogiciel.fr débloquées") {
		t.Errorf("unlock: got %d, want the users' page with its message", code)
	}
	connecter(t, p, vendeur, "mot de passe de test")
	// Not for the other agents.
	instructeur := agentClient(t, p, "instructeur@asp.fr", segur.RoleInstructeur)
	if code, _ := L.lire(instructeur.PostForm(p.srv.URL+"/agence/admin/utilisateurs/debloquer", url.Values{"login": {"jean@lebeaulogiciel.fr"}})); code != http.StatusForbidden {
		t.Errorf("an instructor unlocks: got %d, want 403", code)
	}
}
