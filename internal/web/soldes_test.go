package web

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/segurtest"
)

// soldeAvancePayee validates request asp (taken, validated) and pays its
// advance, as the agents do.
func soldeAvancePayee(t *testing.T, p *portail, asp string) {
	t.Helper()
	ctx := segur.WithActeur(context.Background(), segur.Acteur{Login: "test"})
	inst, payeur := []segur.Role{segur.RoleInstructeur}, []segur.Role{segur.RolePayeur}
	d, err := p.db.FindDemandeByASP(ctx, asp)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []segur.Demarche{
		{Action: segur.ActionPrendre, Roles: inst, Login: "marie@asp.fr"},
		{Action: segur.ActionValider, Roles: inst, Login: "marie@asp.fr", MontantFinance: d.MontantHTCents},
		{Action: segur.ActionPayerAvance, Roles: payeur, Login: "paul@asp.fr"},
	} {
		if _, err := segurtest.Appliquer(ctx, p.db, asp, m, segur.ProgrammeParDefaut, segur.Suites{}); err != nil {
			t.Fatalf("%s on %s: %v", m.Action, asp, err)
		}
	}
}

// ligneSoldeWeb is one line of a balance file: the request it balances,
// its numeroEditeur, the invoice's amount as the format writes it.
type ligneSoldeWeb struct{ asp, ed, montant string }

// fichierSolde builds a balance file of lines from the balance example of
// testdata, and its zip.
func fichierSolde(t *testing.T, lignes ...ligneSoldeWeb) (json, zipb []byte) {
	t.Helper()
	ex, err := os.ReadFile("../../hop/testdata/JSON-1234567890-20220315-001.json")
	if err != nil {
		t.Fatal(err)
	}
	s := string(ex)
	i, j := strings.Index(s, "    {\n      \"numLigne\""), strings.LastIndex(s, "\n  ]\n}")
	var reqs []string
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for n, l := range lignes {
		r := strings.Replace(s[i:j], `"numLigne": 1,`, fmt.Sprintf(`"numLigne": %d,`, n+1), 1)
		r = strings.Replace(r, `"ASP-2021-0000001"`, `"`+l.asp+`"`, 1)
		r = strings.Replace(r, `"numeroEditeur": "00001"`, `"numeroEditeur": "`+l.ed+`"`, 1)
		r = strings.Replace(r, "13750.00", l.montant, 1)
		reqs = append(reqs, strings.ReplaceAll(r, "-00001.pdf", "-"+l.ed+".pdf"))
		for _, code := range []string{"FAC", "VSR"} {
			pdf, _ := os.ReadFile("../../hop/testdata/HOP-RI-Va1-" + code + "-00001.pdf")
			e, _ := z.Create("HOP-RI-Va1-" + code + "-" + l.ed + ".pdf")
			e.Write(pdf)
		}
	}
	z.Close()
	return []byte(s[:i] + strings.Join(reqs, ",\n") + s[j:]), buf.Bytes()
}

// deposerSolde sends a balance file through the deposit form, as the n-th
// file of the day, and returns the response's status and page.
func deposerSolde(t *testing.T, c *http.Client, p *portail, n int, lignes ...ligneSoldeWeb) (int, string) {
	t.Helper()
	data, zipb := fichierSolde(t, lignes...)
	paris, _ := time.LoadLocation("Europe/Paris")
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("typeDemande", "solde")
	w.WriteField("numeroAns", "1234567890")
	fw, _ := w.CreateFormFile("fichier", fmt.Sprintf("JSON-1234567890-%s-%03d.json", p.now.In(paris).Format("20060102"), n))
	fw.Write(data)
	zw, _ := w.CreateFormFile("pieces", "soldes.zip")
	zw.Write(zipb)
	w.Close()
	req, _ := http.NewRequest("POST", p.srv.URL+"/depots", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return lecteur{t}.lire(c.Do(req))
}

// TestSoldeParcours: the vendor deposits the balance of a request whose
// advance is paid, through the form; the agent sees it on the request's
// page with its amounts and attachments, refuses it with a reason, the
// vendor deposits it again, the agent validates it.
func TestSoldeParcours(t *testing.T) {
	L := lecteur{t}
	p := newPortail(t)
	vendeur := client(t)
	connecter(t, p, vendeur, "mot de passe de test")
	asps := demandesDeposees(t, p, vendeur, "13750.00", "20000.00")
	asp, nonPayee := asps[0], asps[1]
	soldeAvancePayee(t, p, asp)
	ctx := context.Background()

	// The form offers the balance, and its model.
	if _, body := L.lire(vendeur.Get(p.srv.URL + "/depots/nouveau")); !strings.Contains(body, `<option value="solde">Demande de solde</option>`) {
		t.Error("deposit form: no balance type")
	}
	if code, body := L.lire(vendeur.Get(p.srv.URL + "/modele?type=solde")); code != 200 || !strings.Contains(body, `"montantFactureHT": 0.00`) {
		t.Errorf("balance model: got %d", code)
	}

	// One balance accepted, one refused: its advance is not paid.
	code, body := deposerSolde(t, vendeur, p, 3, ligneSoldeWeb{asp, "T0001", "13750.00"}, ligneSoldeWeb{nonPayee, "T0002", "20000.00"})
	if code != http.StatusOK || !strings.Contains(body, `fr-badge--success fr-badge--sm">Acceptée</p>`) || !strings.Contains(body, `href="/demandes/`+asp+`"`) ||
		!strings.Contains(body, "2104") || !strings.Contains(body, "demande au statut « Déposée »") {
		t.Fatalf("balance deposit: got %d\n%s", code, body)
	}
	d, _ := p.db.FindDemandeByASP(ctx, asp)
	if d.Statut != segur.DemandeSoldeDeposee {
		t.Fatalf("request after its balance: %s, want solde_deposee", d.Statut)
	}
	if d, _ := p.db.FindDemandeByASP(ctx, nonPayee); d.Statut != segur.DemandeDeposee {
		t.Errorf("request refused its balance: %s, want deposee", d.Statut)
	}
	// The same balance again: refused, the first one pending.
	_, body = deposerSolde(t, vendeur, p, 4, ligneSoldeWeb{asp, "T0001", "13750.00"})
	if !strings.Contains(body, "2105") || !strings.Contains(body, "solde déjà déposé (statut « Solde déposé »)") {
		t.Errorf("balance deposited twice: want 2105\n%s", body)
	}

	// The agent's page: the balance, its amounts, its attachments inline.
	inst := agentClient(t, p, "marie@asp.fr", segur.RoleInstructeur)
	page := p.srv.URL + "/agence/demandes/" + asp
	_, body = L.lire(inst.Get(page))
	for _, want := range []string{"Le solde", "n° FA-2022-0042 du 01/03/2022 : 13\u202f750,00\u202f€ HT", `data-montant="avance">4` + "\u202f125,00\u202f€",
		`data-montant="payer"><strong>9` + "\u202f625,00\u202f€", "Solde à payer (calculé)", "HOP-RI-Va1-VSR-T0001.pdf", "Prendre le solde en instruction"} {
		if !strings.Contains(body, want) {
			t.Errorf("request page lacks %q", want)
		}
	}
	soldes, _ := p.db.FindSoldes(ctx, asp)
	lien := fmt.Sprintf("/agence/demandes/%s/soldes/%d/pieces/1", asp, soldes[0].ID)
	resp, err := inst.Get(p.srv.URL + lien)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want, _ := os.ReadFile("../../hop/testdata/HOP-RI-Va1-FAC-00001.pdf")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.Equal(pdf, want) ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "inline") {
		t.Errorf("balance attachment: %d %v", resp.StatusCode, resp.Header)
	}
	for _, r := range []string{fmt.Sprintf("/agence/demandes/%s/soldes/%d/pieces/3", asp, soldes[0].ID), fmt.Sprintf("/agence/demandes/%s/soldes/%d/pieces/1", nonPayee, soldes[0].ID)} {
		if code, _ := L.lire(inst.Get(p.srv.URL + r)); code != http.StatusNotFound {
			t.Errorf("GET %s: got %d, want 404", r, code)
		}
	}
	// The vendor sees its balance and its attachments too; not the agents' route.
	if _, body := L.lire(vendeur.Get(p.srv.URL + "/demandes/" + asp)); !strings.Contains(body, "Le solde") || !strings.Contains(body, "/demandes/"+asp+"/soldes/") {
		t.Error("vendor's page: no balance")
	}
	if code, _ := L.lire(vendeur.Get(p.srv.URL + "/demandes/" + asp + lien[len("/agence/demandes/")+len(asp):])); code != 200 {
		t.Errorf("vendor's balance attachment: got %d", code)
	}
	if code, _ := L.lire(vendeur.Get(p.srv.URL + lien)); code != http.StatusForbidden {
		t.Errorf("vendor on the agents' attachment: got %d, want 403", code)
	}

	// Taken, refused without then with a reason.
	act := func(action, raison string) (int, string) {
		return L.lire(inst.PostForm(page+"/actions", url.Values{"confirmer": {"1"}, "action": {action}, "raison": {raison}}))
	}
	if code, body := act("prendre_solde", ""); code != 200 || !strings.Contains(body, "statut « Solde en instruction »") {
		t.Fatalf("take the balance: got %d", code)
	}
	if _, body := L.lire(inst.Get(page)); !strings.Contains(body, "Refuser le solde") || !strings.Contains(body, "Valider le solde") ||
		!strings.Contains(body, "solde à payer : 9\u202f625,00\u202f€.") {
		t.Error("request page in instruction: no balance actions or calculation")
	}
	if code, body := act("refuser_solde", " "); code != http.StatusUnprocessableEntity || !strings.Contains(body, "la raison est obligatoire") {
		t.Errorf("balance refused without a reason: got %d", code)
	}
	if code, _ := act("refuser_solde", "Le PV de VSR n'est pas signé."); code != 200 {
		t.Fatalf("refuse the balance: got %d", code)
	}
	if d, _ := p.db.FindDemandeByASP(ctx, asp); d.Statut != segur.DemandeSoldeRefusee {
		t.Fatalf("after the refusal: %s", d.Statut)
	}
	// The vendor sees the refusal at the top of its page, with the reason
	// and the appeal rights; no letter: the mail notifies it.
	if code, body := L.lire(vendeur.Get(p.srv.URL + "/demandes/" + asp)); code != 200 || !strings.Contains(body, `<div class="fr-alert fr-alert--error fr-mb-4w" id="refus">`) ||
		!strings.Contains(body, "Demande de solde refusée le ") || !strings.Contains(body, "Le PV de VSR n'est pas signé.") ||
		!strings.Contains(body, MentionRecours) || !strings.Contains(body, "Mention à valider par l'agence") ||
		!strings.Contains(body, "L'agence vous a notifié ce refus par courriel.") || strings.Index(body, `id="refus"`) > strings.Index(body, `id="titre-solde"`) {
		t.Errorf("the vendor's page of a refused balance: got %d\n%s", code, body)
	}
	// Deposited again, for 12 000 €: validated, 12 000 − 4 125 to pay.
	if _, body := deposerSolde(t, vendeur, p, 5, ligneSoldeWeb{asp, "T0001", "12000.00"}); !strings.Contains(body, `fr-badge--success fr-badge--sm">Acceptée</p>`) {
		t.Fatalf("balance after a refusal: refused\n%s", body)
	}
	act("prendre_solde", "")
	if code, body := act("valider_solde", ""); code != 200 || !strings.Contains(body, "statut « Solde validé »") {
		t.Fatalf("validate the balance: got %d", code)
	}
	d, _ = p.db.FindDemandeByASP(ctx, asp)
	if d.SoldeAPayer != 7_875_00 || d.ARecouvrer != 0 {
		t.Errorf("recorded balance: got %d to pay, %d to recover; want 7 875,00\u202f€", d.SoldeAPayer, d.ARecouvrer)
	}
	_, body = L.lire(inst.Get(page))
	if !strings.Contains(body, "1 solde refusé avant celui-ci") || strings.Contains(body, "(calculé)") || !strings.Contains(body, `data-montant="payer"><strong>7`+"\u202f875,00\u202f€") {
		t.Error("request page after validation: want the recorded balance")
	}
	mails, _, _ := p.db.FindCourriels(ctx, "", 20, 0)
	var sujets []string
	for _, m := range mails {
		sujets = append(sujets, m.Sujet)
	}
	for _, s := range []string{"refus de votre demande de solde", "validation de votre demande de solde"} {
		if !strings.Contains(strings.Join(sujets, "\n"), s) {
			t.Errorf("outbox: no mail %q in %q", s, sujets)
		}
	}
}
