package web

import (
	"bytes"
	"io"
	"io/fs"
	"log/slog"
	"path"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// An exemple is a page's typed sample data, with what its rendering must
// show.
type exemple struct {
	data any
	// francais is a French text of the page's own template (not of the
	// layout, not of data): the page rendered its content, in French.
	francais string
	want     []string // more of what the page must show
}

// exemplesPages are the sample data of every page, by template file: the
// vendors' pages here, the agents' in the files of their area.
func exemplesPages() []map[string]exemple {
	return []map[string]exemple{exemplesVendeur(), exemplesAgence(), exemplesAdmin(), exemplesControles(), exemplesPaiements(), exemplesInfos(), exemplesRecuperation(), exemplesDepotsAgence(), exemplesCorrections()}
}

// TestTemplates executes every page of templates/ with typed sample data:
// every file there is a partial or a page, every page has an entry in
// exemplesPages and every entry names a page, so that a new page cannot
// escape the test. Each page must show lang="fr", its French text, its
// wants, and well-formed SVG, and no value html/template refused
// (ZgotmplZ).
func TestTemplates(t *testing.T) {
	s := &Server{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := s.parse(); err != nil {
		t.Fatal(err)
	}
	exemples := map[string]exemple{}
	for _, m := range exemplesPages() {
		for f, e := range m {
			if _, dup := exemples[f]; dup {
				t.Errorf("%s: two sample data", f)
			}
			exemples[f] = e
		}
	}
	files, err := fs.Glob(templatesFS, "templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("templates: %v, %d files", err, len(files))
	}
	pages := map[string]bool{}
	for _, p := range files {
		f := path.Base(p)
		if slices.Contains(partials, f) {
			continue
		}
		pages[f] = true
		if s.pages[f] == nil {
			t.Errorf("%s is neither a page (pageFiles, morePages) nor a partial: the portal never parses it", p)
		}
		if _, ok := exemples[f]; !ok {
			t.Errorf("%s: no sample data: add the page to exemplesPages", p)
		}
	}
	for f := range exemples {
		if !pages[f] {
			t.Errorf("sample data for %s, which is no page of templates/", f)
		}
	}
	for _, f := range slices.Sorted(func(yield func(string) bool) {
		for f := range exemples {
			if pages[f] && !yield(f) {
				return
			}
		}
	}) {
		t.Run(f, func(t *testing.T) {
			e := exemples[f]
			if k := reflect.TypeOf(e.data).Kind(); k != reflect.Struct {
				t.Fatalf("sample data of kind %s: want a page struct", k)
			}
			if e.francais == "" {
				t.Error("no French text of the page's template to look for")
			}
			body := rendre(t, s, f, e.data)
			for _, want := range append([]string{`<html lang="fr"`, e.francais}, e.want...) {
				if !strings.Contains(body, want) {
					t.Errorf("lacks %q", want)
				}
			}
			if strings.Contains(body, "ZgotmplZ") {
				t.Error("html/template refused a value of the page (ZgotmplZ)")
			}
			svgBienFormes(t, body)
		})
	}
}

// rendre executes page in the layout with data, as the portal does.
func rendre(t *testing.T, s *Server, page string, data any) string {
	t.Helper()
	if s == nil {
		s = &Server{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if err := s.parse(); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := s.pages[page].ExecuteTemplate(&buf, "layout", data); err != nil {
		t.Fatalf("%s: %v", page, err)
	}
	return buf.String()
}

// exemplesVendeur are the vendors' pages and those of everyone.
func exemplesVendeur() map[string]exemple {
	u := &segur.Utilisateur{Login: "jean@x.fr", Nom: "Jean Dupont", Roles: []segur.Role{segur.RoleFournisseur}}
	return map[string]exemple{
		"compte.html": {exempleCompte(u), "Changer de mot de passe", []string{`aria-current="page">Mon compte</a>`, "Coordonnées bancaires de votre entreprise",
			"Changement de coordonnées bancaires en attente de validation par l'agence", "Nouveau compte proposé le 25/11/2026 : <span class=\"segur-insecable\">IBAN <span aria-hidden=\"true\">•••• </span><span class=\"fr-sr-only\">se terminant par </span>7819</span>, BIC BNPAFRPP",
			`href="mailto:fraude@asp.example"`}},
		"connexion.html": {PageConnexion{Base: Base{Titre: "Connexion", Erreurs: []ErreurChamp{{"motdepasse", "Adresse électronique ou mot de passe incorrect."}}},
			Login: "jean@x.fr", ErreurMotDePasse: "Adresse électronique ou mot de passe incorrect.", Expiree: true,
			ProConnect: true, ErreurProConnect: "ProConnect ne répond pas pour le moment : réessayez dans quelques minutes."},
			"Vos identifiants", []string{`value="jean@x.fr"`, `href="#motdepasse"`, `<a class="fr-btn" href="/connexion/proconnect">S'identifier avec ProConnect</a>`, "Agents de l'État"}},
		"tableau.html": {PageTableau{Base: Base{Titre: "Tableau de bord", Nav: "tableau", Utilisateur: u, Flash: "Bienvenue"},
			Fournisseur: &segur.Fournisseur{SIRET: "88558855858745", Nom: "Le Beau Logiciel"},
			AFaire: []AFaireVue{{Titre: "Signer la convention de la demande ASP-2026-0000002", Lien: "/demandes/ASP-2026-0000002",
				Date: "Proposée le 01/12/2026, à signer au plus tard le 31/12/2026 à 10:00", Badge: "warning", Libelle: "Convention à signer"}},
			Autres:   []AutresVue{{N: 3, Texte: "Voir les 3 autres conventions à signer", Lien: "/demandes?statut=convention_a_signer"}},
			Produits: []segur.Produit{{NumeroAns: "1234567890", Logiciel: hop.LogicielRI, Nom: "RI"}},
			Fenetres: []FenetreVue{{"RI", "avance", "01/12/2026 à 14:00", "31/03/2027 à 12:00", true}},
			Depots: []DepotVue{{ID: 1, NomFichier: "JSON-1234567890-20261125-001.json", Recu: "25/11/2026 à 10:00", Statut: "traite",
				Badge: "warning", Resultat: "3 acceptées sur 4"}}, DemandesTotal: 2,
			ParStatut: []CompteStatut{{"deposee", "Déposée", "new", 2}}},
			"Logiciels référencés par l'ANS", []string{"Le Beau Logiciel — SIRET 88558855858745", "Bienvenue", "JSON-1234567890-20261125-001.json",
				`<h2 id="a-faire">À faire</h2>`, `href="/demandes/ASP-2026-0000002"`, "à signer au plus tard le 31/12/2026", `href="/demandes?statut=convention_a_signer"`,
				`fr-badge--warning fr-badge--sm">3 acceptées sur 4`, "Votre dernier dépôt", `data-label="Résultat"`}},
		"erreur.html": {PageErreur{Base: Base{Titre: "Erreur interne"}, Message: "Une erreur interne est survenue.", Reference: "abc"},
			"Référence de l'incident", []string{"<h1>Erreur interne</h1>", "Une erreur interne est survenue."}},
		"depots.html": {PageDepots{Base: Base{Titre: "Vos dépôts", Utilisateur: u}, Total: 120,
			Depots: []DepotVue{{ID: 1, NomFichier: "JSON-1234567890-20261125-001.json", Recu: "25/11/2026 à 10:00", Statut: "traite",
				Badge: "error", Resultat: "Aucune demande acceptée"}},
			Pagination: Pagination{Page: 2, Pages: 3, Precedente: "/depots?page=1", Suivante: "/depots?page=3"}},
			"<h1>Vos dépôts</h1>", []string{"JSON-1234567890-20261125-001.json", `href="/depots?page=3"`, `fr-badge--error fr-badge--sm">Aucune demande acceptée`}},
		"demandes.html": {PageDemandes{Base: Base{Titre: "Vos demandes", Utilisateur: u}, Total: 1,
			Demandes: []DemandeVue{{NumeroASP: "ASP-2026-0000001", NumeroEditeur: "00001", Statut: "Déposée", Montant: "13\u202f750,00\u202f€",
				DateCommande: "15/10/2021", Beneficiaires: "HOPITAL (999999999)", DepotID: 1}},
			Filtre: FiltreDemandes{Tri: "-montant"}, Tris: []Tri{{"-montant", "montant décroissant", true}},
			Pagination: Pagination{Page: 1, Pages: 1}, CSV: "/demandes.csv?tri=-montant"},
			"<h1>Vos demandes</h1>", []string{`href="/demandes/ASP-2026-0000001"`, "HOPITAL (999999999)", "montant décroissant"}},
		"depot-nouveau.html": {PageNouveauDepot{Base: Base{Titre: "Déposer", Utilisateur: u, Erreurs: []ErreurChamp{{Message: "Dépôt refusé : x"}}},
			Produits: []segur.Produit{{NumeroAns: "1234567890", Logiciel: hop.LogicielRI, Nom: "RI"}}, Jour: "20261125", NomExemple: "JSON-1234567890-20261125-001.json"},
			"<h1>Déposer un fichier de demandes</h1>", []string{"Dépôt refusé : x", "JSON-1234567890-20261125-001.json"}},
		"depot.html": {PageDepot{Base: Base{Titre: "Dépôt", Utilisateur: u}, ID: 1, ImpID: "DEP-2026-0000001", NomFichier: "JSON-1234567890-20261125-001.json",
			NumeroAns: "1234567890", Recu: "25/11/2026 à 10:00", Total: 2, Acceptees: 1, Rejetees: 1, Lignes: []LigneVue{
				{NumLigne: 1, NumeroEditeur: "00001", Code: "0000", Libelle: "Demande acceptée", NumeroASP: "ASP-2026-0000001", Lien: "/demandes/ASP-2026-0000001", Acceptee: true},
				{NumLigne: 2, NumeroEditeur: "00002", Code: "2034", Libelle: "commande.montantSegurHT : 13750 ; attendu : …"}},
			Filtres: []FiltreVue{{"Toutes (2)", "/depots/1", true}, {"Rejetées seulement (1)", "/depots/1?filtre=rejetees", false}}, Pagination: Pagination{Page: 1, Pages: 1}},
			"Résultat de chaque demande", []string{"DEP-2026-0000001", `href="/demandes/ASP-2026-0000001"`, "code 2034", "Rejetées seulement (1)",
				`<th scope="col">Numéro éditeur</th>`, "1 demande acceptée sur 2"}},
		"demande.html": {PageDemande{Base: Base{Titre: "Demande ASP-2026-0000001", Nav: "demandes", Utilisateur: u,
			Erreurs: []ErreurChamp{{"fichier", "Format non reconnu."}}},
			Dossier: dossierExemple("/demandes/ASP-2026-0000001", "warning", "À compléter"), Raison: "Le bon de commande est illisible.",
			TypesPieces: []TypePieceVue{{"BON_COMMANDE", "Bon de commande"}, {"MANDAT", "Mandat"}, {"AUTRE", "Autre pièce"}}, Completer: true, Signer: true,
			Convention: &DocumentVue{Reference: "ASP-2026-0000001-CONV-1", Libelle: "Convention", Date: "26/11/2026",
				Lien: "/demandes/ASP-2026-0000001/documents/ASP-2026-0000001-CONV-1", SHA256: "0123abcd"},
			Echeance: "26/12/2026 à 10:00",
			Refus: &RefusVue{Titre: "Demande refusée", Raison: "Établissement déjà financé.", Date: "27/11/2026 à 10:00",
				Lettre: &DocumentVue{Reference: "ASP-2026-0000001-REF-1", Lien: "/demandes/ASP-2026-0000001/documents/ASP-2026-0000001-REF-1"}}},
			"Les versements de l'agence et leurs avis", []string{"Motif du refus :", "Établissement déjà financé.", "convention d'attribution, à signer au plus tard le 26/12/2026 à 10:00.", "Vous pouvez former un recours gracieux", "tribunal administratif compétent", "Mention à valider par l'agence",
				`download="ASP-2026-0000001-REF-1.pdf"`,
				"Le bon de commande est illisible.", `<p class="fr-badge fr-badge--warning">À compléter</p>`, `action="/demandes/ASP-2026-0000001/completer"`, `<option value="MANDAT">Mandat</option>`, `<option value="BON_COMMANDE">Bon de commande</option>`,
				`action="/demandes/ASP-2026-0000001/signer"`, `download="ASP-2026-0000001-CONV-1.pdf"`, "<code>0123abcd</code>",
				`href="#fichier"`, "Le Beau Logiciel (SIRET 88558855858745)", `id="titre-solde"`,
				`id="messages-titre">Messages`, "Message de l&#39;agence, le 26/11/2026 à 09:00", "Bonjour,<br>le bon de commande est-il signé\u202f?",
				`data-nouveau>Nouveau</span>`, `href="/demandes/ASP-2026-0000001/messages/fichiers/1"`, `action="/demandes/ASP-2026-0000001/messages"`,
				`name="fichiers" multiple`, "Envoyer le message</button>", "Texte refusé, montré de nouveau</textarea>"}},
	}
}

// exemplesAgence are the instructors' pages: the queue, a request, a
// batch's outcome.
func exemplesAgence() map[string]exemple {
	agent := &segur.Utilisateur{Login: "marie@asp.fr", Nom: "Marie", Roles: []segur.Role{segur.RoleInstructeur}}
	dossier := dossierExemple("/agence/demandes/ASP-2026-0000001", "info", "Solde déposé")
	dossier.Alertes = []segur.Alerte{{Code: "cle_finess", Message: "FINESS 999999999 : la clé de contrôle est fausse."}}
	// A piece refused by the antivirus, another waiting for its scan.
	dossier.Pieces = append(dossier.Pieces,
		PieceVue{Type: hop.TypePreuveHT, Nom: "HOP-RI-Va1-HT-00001.pdf", Format: "PDF", Version: "déposée avec la demande",
			Antivirus: AnalyseVue{Texte: "Infectée (Segur.Test.EICAR) : en quarantaine, non ouverte", Classe: "error"}},
		PieceVue{Type: hop.TypeBonCommande, Nom: "bdc.pdf", Format: "PDF", Version: "envoyée le 26/11/2026 à 10:00 par jean",
			Antivirus: AnalyseVue{Texte: "Analyse antivirus en attente", Classe: "info"}})
	dossier.Pieces[0].Antivirus = AnalyseVue{Texte: "Analysée le 25/11/2026 à 10:01 : saine", Classe: "valid"}
	dossier.ColonneAntivirus = true
	dossier.Ecartees = []string{"HOP-RI-Va1-HT-00001.pdf : infectée (Segur.Test.EICAR)"}
	dossier.Attente = "Analyse antivirus en attente : la pièce « bdc.pdf » pourra être ouverte une fois analysée ; rechargez la page dans quelques minutes."
	return map[string]exemple{
		"agence-demandes.html": {PageFile{Base: Base{Titre: "File d'instruction", Nav: "file", Utilisateur: agent},
			Onglets: []Onglet{{Statut: "deposee", Libelle: "Déposée", Lien: "/agence/demandes?statut=deposee", Nombre: 2, Courant: true},
				{Statut: "toutes", Libelle: "Toutes", Lien: "/agence/demandes?statut=toutes", Nombre: 5}},
			Filtre:       FiltreFile{Fournisseur: "1", Logiciel: "RI", Agent: "moi", Tri: "date", Alertes: true, Alerte: "cle_siret", NonVues: true},
			Fournisseurs: []segur.Fournisseur{{ID: 1, Nom: "Le Beau Logiciel"}, {ID: 2, Nom: "Autre"}},
			Tris:         []Tri{{"date", "date de dépôt", true}, {"-montant", "montant décroissant", false}},
			Lignes: []LigneFile{{DemandeVue: DemandeVue{NumeroASP: "ASP-2026-0000001", Statut: "Déposée", Montant: "13\u202f750,00\u202f€"},
				Fournisseur: "Le Beau Logiciel", Logiciel: "RI", Agent: "marie@asp.fr", Recu: "25/11/2026 à 10:00",
				Alertes: []segur.Alerte{{Code: "cle_finess", Message: "clé fausse"}}, NonVues: 1}},
			Total: 1, Pagination: Pagination{Page: 1, Pages: 1}, Statut: "deposee", Retour: "/agence/demandes?statut=deposee",
			Export: "?statut=deposee", Logiciels: []string{"RI", "DPI", "PFI"}, TypesAlertes: segur.InfosAlertes(),
			EnCalcul: 1200, EnCalculTexte: "1\u202f200"},
			"Seulement les demandes avec alertes", []string{
				`<option value="cle_siret" selected>Clé SIRET</option>`, `id="nonvues" name="nonvues" value="1" checked`, "1 alerte non vue</p>", "Les alertes de 1\u202f200 demandes sont en cours de calcul",
				`aria-current="page">Déposée (2)</a>`, `<option value="1" selected>Le Beau Logiciel</option>`, `<option value="RI" selected>RI</option>`,
				`name="agent" value="moi"`, `name="alertes" value="1" checked`, `name="asp" value="ASP-2026-0000001"`,
				`href="/agence/demandes/ASP-2026-0000001"`, "<caption>1 demande</caption>", "Appliquer aux demandes choisies"}},
		"agence-demande.html": {PageDossier{Base: Base{Titre: "Demande ASP-2026-0000001", Nav: "file", Utilisateur: agent,
			Erreurs: []ErreurChamp{{"raison-refuser_solde", "Raison obligatoire."}}},
			Dossier: dossier,
			Actions: []ActionVue{{Action: "valider", Libelle: "Valider"}, {Action: "refuser_solde", Libelle: "Refuser le solde", Raison: true, Danger: true},
				{Action: "valider_solde", Libelle: "Valider le solde"}},
			AlertesExpliquees: []AlerteExpliquee{
				{Alerte: segur.Alerte{Code: "cle_finess", Message: "FINESS 999999999 : la clé de contrôle est fausse."}, Info: segur.Alerte{Code: "cle_finess"}.Info(), ID: "alerte-1", Formulaire: true, Nombre: 1},
				{Alerte: segur.Alerte{Code: "cle_siret", Message: "SIRET 88558855858744 : la clé de contrôle est fausse"}, Info: segur.Alerte{Code: "cle_siret"}.Info(), ID: "alerte-2",
					Vue: "vue par marie@asp.fr le 25/11/2026 à 10:04", Raison: "SIRET vérifié à la source"}},
			TypesAlertes: segur.InfosAlertes()},
			">Instruire</h2>", []string{
				"2 alertes, dont 1 non vue</h2>", `id="alerte-1-raison"`, `action="/agence/demandes/ASP-2026-0000001/alertes"`,
				"vue par marie@asp.fr le 25/11/2026 à 10:04 : SIRET vérifié à la source", "Les types d'alertes et ce qu'il faut vérifier",
				`data-alerte="cle_finess"`, "FINESS 999999999 : la clé de contrôle est fausse.", `href="#raison-refuser_solde"`, `id="raison-refuser_solde"`,
				`action="/agence/demandes/ASP-2026-0000001/actions"`, `class="fr-btn fr-btn--secondary">Refuser le solde</button>`,
				"Une pièce écartée par l'antivirus</h2>", "<li>HOP-RI-Va1-HT-00001.pdf : infectée (Segur.Test.EICAR)</li>", `id="antivirus-attente"`,
				`<th scope="col">Antivirus</th>`, `<td data-label="Fichier">HOP-RI-Va1-HT-00001.pdf</td>`,
				`<p class="fr-message fr-message--error" data-antivirus="error">Infectée (Segur.Test.EICAR) : en quarantaine, non ouverte</p>`,
				`<p class="fr-message fr-message--valid" data-antivirus="valid">Analysée le 25/11/2026 à 10:01 : saine</p>`,
				"Les pièces déposées ne sont pas analysées par un antivirus",
				"Le montant financé est calculé au référentiel", "Solde : retenu moins avance. Un solde nul",
				`href="/agence/demandes/ASP-2026-0000001/pieces/1"`, "Bénéficiaires (établissements clients)", "HOPITAL", "depuis 192.0.2.7",
				`id="titre-solde"`, `data-montant="payer"><strong>9 625,00` + "\u202f€" + `</strong>`, "(1 solde refusé avant celui-ci)", "Instructeur",
				"Message de marie@asp.fr (agence), le 26/11/2026 à 09:00", `action="/agence/demandes/ASP-2026-0000001/messages"`,
				`id="notes-titre">Notes internes</h2>`, "ne sont jamais montrées au fournisseur", "Appelé le fournisseur.", `action="/agence/demandes/ASP-2026-0000001/notes"`}},
		"agence-lot.html": {PageLot{Base: Base{Titre: "Traitement par lot", Nav: "file", Utilisateur: agent}, Action: "Valider",
			Resultats: []ResultatVue{{NumeroASP: "ASP-2026-0000001", Statut: "Décidée", Badge: "success"}, {NumeroASP: "ASP-2026-0000002", Erreur: "Transition impossible."}},
			Reussis:   1, Retour: "/agence/demandes?statut=deposee"},
			"Résultat de chaque demande", []string{"<h1>Traitement par lot : Valider</h1>", "1 demande traitée sur 2", "fr-alert--warning",
				"non traitée</p> Transition impossible.", `<p class="fr-badge fr-badge--success fr-badge--sm">Décidée</p>`, `href="/agence/demandes/ASP-2026-0000002"`, `href="/agence/demandes?statut=deposee"`}},
		"confirmation.html": {PageConfirmation{Base: Base{Titre: "Confirmer : validation de 2 demandes", Nav: "file", Utilisateur: agent},
			Cible: "/agence/demandes/lot", Annuler: "/agence/demandes?statut=en_instruction", Possible: true,
			Champs: []ChampCache{{"action", "valider"}, {"asp", "ASP-2026-0000001"}}, Points: []string{"Montant financé en tout : 30 000,00 € ."},
			Calcul: "Montant de la commande : 30 000,00 € HT", Legende: "Demandes choisies", Total: "30 000,00 €",
			Lignes: []LigneConfirmation{{NumeroASP: "ASP-2026-0000001", Statut: "En instruction", Vers: "Décidée", Montant: "30 000,00 €"},
				{NumeroASP: "ASP-2026-0000002", Refus: "Action impossible."}}},
			"Ce qui va se passer", []string{`name="confirmer" value="1"`, `<input type="hidden" name="asp" value="ASP-2026-0000001">`,
				`id="confirmation-total">30 000,00 €`, "ne changera pas</p> Action impossible.", `href="/agence/demandes?statut=en_instruction"`, ">Confirmer</button>"}},
	}
}

// dossierExemple is a request's page data with every part shown, its
// links under base, in the status of label statut shown as a badge of
// colour badge, its balance deposited once before.
func dossierExemple(base, badge, statut string) *Dossier {
	return &Dossier{NumeroASP: "ASP-2026-0000001", NumeroEditeur: "00001", NumeroAns: "1234567890", Logiciel: "RI",
		Statut: statut, Badge: badge, DateCommande: "15/10/2021", RegimeTVA: "HT",
		MontantHT: "13 750,00\u202f€", MontantPrestation: "13 750,00\u202f€", MontantFinance: "13 750,00\u202f€", Avance: "4 125,00\u202f€",
		Calcul: "Montant de la commande : 13 750,00 € HT ; régime HT : prestation 13 750,00 € ; montant financé : 13 750,00 €.", Agent: "marie@asp.fr", Recu: "25/11/2026 à 10:00",
		Mandataire: &hop.Contact{Nom: "DUPONT", Email: "dupont@mandataire.fr", Telephone: "0102030405"},
		Clients:    []hop.Client{{Contact: hop.Contact{Nom: "HOPITAL", Email: "contact@hopital.fr", Telephone: "0102030406"}, FINESSPMSI: "999999999"}},
		Pieces: []PieceVue{{Type: hop.TypeBonCommande, Nom: "HOP-RI-Va1-BDC-00001.pdf", Format: "PDF", Lien: base + "/pieces/1",
			Version: "déposée avec la demande"}},
		Scenario: []string{"S1", "S2"}, OperateurMessagerie: "Opérateur de messagerie",
		Documents: []DocumentVue{{Reference: "ASP-2026-0000001-DEC-1", Libelle: "Décision attributive de financement", Date: "26/11/2026",
			Lien: base + "/documents/ASP-2026-0000001-DEC-1", SHA256: "0123abcd"}},
		Historique: []ChangementVue{{Quand: "26/11/2026 à 09:00", Par: "marie@asp.fr", Action: "Valider", De: "En instruction", Vers: "Décidée",
			Adresse: "192.0.2.7", Document: "ASP-2026-0000001-DEC-1", Agence: true}},
		Depot: DepotVue{ID: 1, NomFichier: "JSON-1234567890-20261125-001.json", Recu: "25/11/2026 à 10:00", Statut: "traite"},
		ImpID: "DEP-2026-0000001", Fournisseur: &segur.Fournisseur{SIRET: "88558855858745", Nom: "Le Beau Logiciel"},
		Solde: &SoldeVue{ID: 1, NumeroFacture: "F-2026-001", DateFacture: "01/06/2026", MontantFactureHT: "13 750,00\u202f€",
			DateMiseEnService: "01/06/2026", RegimeTVA: "HT", Facture: "13 750,00\u202f€", MontantFinance: "13 750,00\u202f€", Avance: "4 125,00\u202f€",
			Retenu: "13 750,00\u202f€", APayer: "9 625,00\u202f€", Calcul: "Solde : retenu moins avance.", ImpID: "DEP-2026-0000002",
			Recu: "02/06/2026 à 10:00", Precedents: 1,
			Pieces: []PieceVue{{Type: hop.TypeFacture, Nom: "HOP-RI-Va1-FAC-00001.pdf", Format: "PDF", Lien: base + "/pieces/2", Version: "déposée avec le solde"}}},
		Fil: filExemple(base),
	}
}

// filExemple is a thread of two messages, the second new, with a private
// note for the agents' page (base under /agence).
func filExemple(base string) *FilVue {
	agent := strings.HasPrefix(base, "/agence/")
	f := &FilVue{Action: base + "/messages", Agent: agent, Nouveaux: 1, Texte: "Texte refusé, montré de nouveau",
		Messages: []MessageFilVue{
			{ID: 1, Auteur: "l'agence", Agence: true, Quand: "26/11/2026 à 09:00", Lignes: []string{"Bonjour,", "le bon de commande est-il signé\u202f?"}},
			{ID: 2, Auteur: "jean@lebeaulogiciel.fr (fournisseur)", Quand: "26/11/2026 à 10:00", Lignes: []string{"Le voici."}, Nouveau: true,
				Fichiers: []PieceVue{{Nom: "bdc-signe.pdf", Format: "PDF", Lien: base + "/messages/fichiers/1"}}},
		}}
	if agent {
		f.Messages[0].Auteur = "marie@asp.fr (agence)"
		f.NotesAction = base + "/notes"
		f.Notes = []NoteVue{{Auteur: "marie@asp.fr", Quand: "26/11/2026 à 11:00", Lignes: []string{"Appelé le fournisseur."}}}
	}
	return f
}
