package hop

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func controler(tb testing.TB, data string, depot Declaration, opt Options) *Resultat {
	tb.Helper()
	res, err := Controler([]byte(data), depot, opt)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

func retourDe(tb testing.TB, res *Resultat, impID string, asp []string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := res.EcrireRetour(&buf, impID, asp); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestExempleAccepte(t *testing.T) {
	res := controler(t, exemple(t), depotExemple(), Options{Archive: openZip(t, exempleBase+".zip")})
	if res.Rejet != nil {
		t.Fatalf("file rejected: %s %s", res.Rejet.Code, res.Rejet.Libelle())
	}
	if len(res.Demandes) != 1 || !res.Demandes[0].Acceptee() {
		t.Fatalf("got %+v, want one accepted request", res.Demandes)
	}
	if got := res.Demandes[0].Libelle(); got != "Demande acceptée" {
		t.Errorf("got label %q, want « Demande acceptée »", got)
	}
	if len(res.NonCitees) != 0 {
		t.Errorf("got unnamed files %v, want none", res.NonCitees)
	}
	golden(t, "exemple.retour.json", retourDe(t, res, "", nil))
	golden(t, "exemple.retour-portail.json", retourDe(t, res, "IMP-2021-000001", []string{"ASP-HOP-0000001"}))
}

// TestReglesAcceptees holds, for the rules of the field table and across
// fields, a case each rule lets through.
func TestReglesAcceptees(t *testing.T) {
	const unique = `"isMandataire": false,
        "isClientUnique": true,
        "nomMandataire": null,
        "emailMandataire": null,
        "telephoneMandataire": null,`
	const mand = `"isMandataire": true,
        "isClientUnique": false,
        "nomMandataire": "DUPONT",
        "emailMandataire": "direction@hopital-saint-martin.fr",
        "telephoneMandataire": "01 23 45 67 89",`
	clients23 := func(tb testing.TB) string {
		s := exemple(tb)
		i := strings.Index(s, "},\n          {\n            \"nomClient\": \"HOPITAL SAINT-MARTIN - SITE NORD\"")
		j := strings.Index(s, "\n        ]\n      },")
		return s[:i+1] + s[j:]
	}
	pieceHT := `,
        {
          "nomFichier": "HOP-RI-Va1-HT-00001.pdf",
          "formatFichier": "PDF",
          "typeFichier": "PREUVE_HT"
        }`
	cases := []struct {
		name  string
		muts  []string
		base  func(testing.TB) string
		depot func(*Declaration)
		zip   func(testing.TB) []byte
	}{
		{name: "exemple"},
		{name: "BOM UTF-8", base: func(tb testing.TB) string { return "\uFEFF" + exemple(tb) }},
		{name: "numeroEditeur en lettres", muts: []string{`"numeroEditeur": "00001"`, `"numeroEditeur": "Ab1C9"`, "BDC-00001", "BDC-Ab1C9", "HT-00001", "HT-Ab1C9"}},
		{name: "dateCommande le jour du dépôt", muts: []string{`"15/10/2021"`, `"25/10/2021"`}},
		{name: "dateCommande 29 février bissextile", muts: []string{`"15/10/2021"`, `"29/02/2020"`}},
		{name: "montant minimal", muts: []string{"13750.00", "0.01"}},
		{name: "montant maximal", muts: []string{"13750.00", "999999999.99"}},
		{name: "montant sous 1", muts: []string{"13750.00", "0.50"}},
		{name: "TTC sans preuve HT", muts: []string{`"regimeTVA": "HT"`, `"regimeTVA": "TTC"`, pieceHT, ``}},
		{name: "client unique sans mandataire", base: clients23, muts: []string{mand, unique}},
		{name: "plusieurs clients sans mandataire", muts: []string{`"isMandataire": true`, `"isMandataire": false`, `"nomMandataire": "DUPONT"`, `"nomMandataire": null`,
			`"emailMandataire": "direction@hopital-saint-martin.fr"`, `"emailMandataire": null`, `"telephoneMandataire": "01 23 45 67 89"`, `"telephoneMandataire": null`}},
		{name: "FINESS corse", muts: []string{`"999999991"`, `"2A0000017"`, `"999999992"`, `"2B0000017"`}},
		{name: "nom en capitales accentuées", muts: []string{`"HOPITAL SAINT-MARTIN"`, `"HÔPITAL SAINT-MARTIN ÉLÉ"`}},
		{name: "nom de 49 caractères", muts: []string{`"HOPITAL SAINT-MARTIN"`, `"` + strings.Repeat("É", 49) + `"`}},
		{name: "téléphone international", muts: []string{`"telephoneClient": "01 23 45 67 89"`, `"telephoneClient": "+33 (0)1.23.45.67.89"`}},
		{name: "e-mail avec sous-domaine", muts: []string{`"emailClient": "direction@hopital-saint-martin.fr"`, `"emailClient": "a.b+c@mail.chu-x.fr"`}},
		{name: "pièce avec nom du responsable", muts: []string{`"nomFichier": "HOP-RI-Va1-BDC-00001.pdf"`, `"nomFichier": "HOP-RI-Va1-BDC-00001-DUPONT.pdf"`}},
		{name: "pièce JPG", muts: []string{`"nomFichier": "HOP-RI-Va1-BDC-00001.pdf",
          "formatFichier": "PDF"`, `"nomFichier": "HOP-RI-Va1-BDC-00001.jpg",
          "formatFichier": "JPG"`}},
		{name: "chaîne échappée", muts: []string{`"DUPONT"`, `"DUP\u004fNT"`}},
		{name: "balises dans un autre ordre", muts: []string{`"numLigne": 1,
      "typeAction": "C",`, `"typeAction": "C",
      "numLigne": 1,`}},
		{name: "logiciel DPI", base: func(tb testing.TB) string {
			return strings.ReplaceAll(exemple(tb), "HOP-RI-", "HOP-DPI-")
		}, muts: []string{`"isProSanteConnectNeeded": false`, `"isProSanteConnectNeeded": true`},
			depot: func(d *Declaration) { d.Logiciel = LogicielDPI }},
		{name: "logiciel PFI", base: func(tb testing.TB) string {
			return strings.ReplaceAll(exemple(tb), "HOP-RI-", "HOP-PFI-")
		}, muts: []string{`"operateurMessagerie": null`, `"operateurMessagerie": "MESSAGERIE EXEMPLE B"`, `"isEnvoiDMP": false`, `"isEnvoiDMP": true`},
			depot: func(d *Declaration) { d.Logiciel = LogicielPFI }},
		{name: "ANS et SIRET déclarés", depot: func(d *Declaration) { d.NumeroAns, d.SIRET = "1234567890", "88558855858745" }},
		{name: "sans nom de fichier", depot: func(d *Declaration) { d.NomFichier = "" }},
		{name: "pièces du .zip", zip: zipExemple},
		{name: "pièce de 2 Mo qui se compresse plus de 100 fois", zip: func(tb testing.TB) []byte {
			// A PDF of uncompressed text: the ratio alone is no fault.
			texte := "%PDF-1.4\n" + strings.Repeat("BT /F1 12 Tf 72 712 Td (Bon de commande signé) Tj ET\n", 2<<20/52)
			z := zipOf(tb, bdc, texte, ht, pieceExemple(tb, ht))
			if len(z)*100 > len(texte) {
				tb.Fatalf("the zip is %d bytes for %d: want a ratio over 100", len(z), len(texte))
			}
			return z
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := exemple(t)
			if c.base != nil {
				s = c.base(t)
			}
			for i := 0; i+1 < len(c.muts); i += 2 {
				s = rep(t, s, c.muts[i], c.muts[i+1])
			}
			d := depotExemple()
			if c.depot != nil {
				c.depot(&d)
			}
			var opt Options
			if c.zip != nil {
				z := c.zip(t)
				a, err := OpenArchive(bytes.NewReader(z), int64(len(z)))
				if err != nil {
					t.Fatalf("OpenArchive: %v", err)
				}
				opt.Archive = a
			}
			res := controler(t, s, d, opt)
			if res.Rejet != nil {
				t.Fatalf("file rejected: %s %s", res.Rejet.Code, res.Rejet.Libelle())
			}
			if got := res.Demandes[0]; !got.Acceptee() {
				t.Fatalf("got %s « %s », want accepted", got.Code(), got.Libelle())
			}
		})
	}
}

// TestReglesRejetees runs every corpus case in memory and checks that the
// label names the key at fault.
func TestReglesRejetees(t *testing.T) {
	cle := map[string]string{
		CodeEnteteManquante: "impId", CodeEnteteInconnue: "version", CodeEnteteCasse: "SIRET", CodeImpID: "impId",
		CodeNumeroAns: "numeroAns", CodeNumeroAnsDeclare: "numeroAns", CodeNumeroAnsInconnu: "numeroAns",
		CodeSIRET: "SIRET", CodeSIRETDeclare: "SIRET", CodeLignesType: "lignesImport", CodeLignesVide: "lignesImport",
		CodeLignesTrop: "lignesImport", CodeLigneNonObjet: "lignesImport[2]", CodeDoublonBalise: "typeAction",
		CodeManquante: "typeAction", CodeInconnue: "commentaire", CodeCasse: "numLigne", CodeType: "montantSegurHT",
		CodeVide: "nomClient", CodeBlancs: "nomClient", CodeTropLong: "nomClient", CodeCapitales: "nomClient",
		CodeEmail: "emailClient", CodeTelephone: "telephoneClient", CodeNonNull: "numeroASP", CodeTableauVide: "piecesJustificatives",
		CodeNumLigneEntier: "numLigne", CodeNumLignePosition: "numLigne", CodeTypeAction: "typeAction",
		CodeNumeroEditeur: "numeroEditeur", CodeEditeurFichier: "numeroEditeur", CodeEditeurHistorique: "numeroEditeur",
		CodeDateFormat: "dateCommande", CodeDateInexistante: "dateCommande", CodeDateFuture: "dateCommande",
		CodeRegimeTVA: "regimeTVA", CodeMontantFormat: "montantSegurHT", CodeMontantPositif: "montantSegurHT",
		CodeMontantMax: "montantSegurHT", CodeMandataireUnique: "isMandataire", CodeMandataireRequis: "nomMandataire",
		CodeMandataireNull: "nomMandataire", CodeClientUnique: "etablissementsClients", CodeClientsPlusieurs: "etablissementsClients",
		CodeFINESS: "FINESSPMSI", CodeFINESSDoublon: "FINESSPMSI", CodeNomPiece: "nomFichier", CodeNomPieceLogiciel: "nomFichier",
		CodeNomPieceEditeur: "nomFichier", CodeFormatFichier: "formatFichier", CodeTypeFichier: "typeFichier",
		CodeExtension: "nomFichier", CodeCodeTypeFichier: "nomFichier", CodeSansBonCommande: "piecesJustificatives",
		CodeBonsCommande: "piecesJustificatives", CodeSansPreuveHT: "piecesJustificatives", CodePreuveHTEnTTC: "typeFichier",
		CodePieceDoublon: "nomFichier", CodeScenarioFalse: "isEnvoiDMP", CodeOperateurNull: "operateurMessagerie",
		CodeOperateurRequis: "operateurMessagerie", CodeOperateurInconnu: "operateurMessagerie", CodePieceAbsente: "nomFichier",
		CodePieceTropGrande: "nomFichier", CodePieceFormat: "nomFichier", CodePieceIllisible: "nomFichier",
	}
	for _, c := range corpusCases() {
		t.Run(c.code+"-"+c.slug, func(t *testing.T) {
			var z []byte
			if c.zip != nil {
				z = c.zip(t)
			}
			r := optionsCorpus(t, c.args, z)
			res := controler(t, c.json(t), r.depot, r.opt)
			var e *Erreur
			if res.Rejet != nil {
				e = res.Rejet
			} else {
				for _, d := range res.Demandes {
					if !d.Acceptee() && d.Code() == c.code {
						e = &d.Erreurs[0]
						break
					}
				}
			}
			if e == nil || e.Code != c.code {
				t.Fatalf("got codes %v, want %s", codesOf(res), c.code)
			}
			if k, ok := cle[c.code]; ok && c.libelle == "" && !strings.Contains(e.Libelle(), k) {
				t.Errorf("label %q does not name %s", e.Libelle(), k)
			}
			if c.libelle != "" && e.Libelle() != c.libelle {
				t.Errorf("label:\ngot  %s\nwant %s", e.Libelle(), c.libelle)
			}
		})
	}
}

func TestPlusieursDemandes(t *testing.T) {
	req := demandeExemple(t)
	bad := rep(t, numeroter(t, req, 2, "00002"), "13750.00", "13750.5")
	s := fichier(req, bad, numeroter(t, req, 3, "00003"))
	res := controler(t, s, depotExemple(), Options{})
	if res.Rejet != nil {
		t.Fatalf("file rejected: %s", res.Rejet.Libelle())
	}
	got := codesOf(res)
	want := []string{CodeAcceptee, CodeMontantFormat, CodeAcceptee}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("got %v, want %v", got, want)
	}
	out := retourDe(t, res, "IMP1", []string{"ASP1", "ASP2", "ASP3"})
	var v struct {
		ImpID        string `json:"impId"`
		LignesImport []struct {
			NumeroASP         *string
			CodeTraitement    string
			LibelleTraitement string
		} `json:"lignesImport"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatal(err)
	}
	if v.ImpID != "IMP1" {
		t.Errorf("got impId %q, want IMP1", v.ImpID)
	}
	for i, l := range v.LignesImport {
		if l.CodeTraitement != want[i] {
			t.Errorf("request %d: got code %s, want %s", i+1, l.CodeTraitement, want[i])
		}
		if (l.NumeroASP != nil) != (want[i] == CodeAcceptee) {
			t.Errorf("request %d: got numeroASP %v, want one only when accepted", i+1, l.NumeroASP)
		}
	}
	if !strings.Contains(v.LignesImport[1].LibelleTraitement, "montantSegurHT") {
		t.Errorf("got label %q, want it to name montantSegurHT", v.LignesImport[1].LibelleTraitement)
	}
}

// TestEditeurUtilise: a number is used by an earlier request of the file even
// when that request is rejected for another fault; the comparison ignores case.
func TestEditeurUtilise(t *testing.T) {
	req := demandeExemple(t)
	first := rep(t, req, `"typeAction": "C"`, `"typeAction": "X"`)
	second := numeroter(t, req, 2, "0000a")
	second = rep(t, second, `"numeroEditeur": "0000a"`, `"numeroEditeur": "0000A"`)
	second = strings.ReplaceAll(second, "-0000a.pdf", "-0000A.pdf")
	third := numeroter(t, req, 3, "0000a")
	res := controler(t, fichier(first, second, third), depotExemple(), Options{})
	got := strings.Join(codesOf(res), ",")
	want := CodeTypeAction + "," + CodeAcceptee + "," + CodeEditeurFichier
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	res = controler(t, fichier(first, numeroter(t, req, 2, "00001")), depotExemple(), Options{})
	if got := codesOf(res); got[1] != CodeEditeurFichier {
		t.Errorf("got %v, want the second request rejected with %s", got, CodeEditeurFichier)
	}
}

func TestControle1Position(t *testing.T) {
	cases := []struct {
		name, data   string
		code         string
		ligne, colon int
	}{
		{"tronqué", "{\n  \"impId\": nul", CodeSyntaxe, 2, 12},
		{"virgule finale", "{\n  \"impId\": null,\n}", CodeSyntaxe, 3, 1},
		{"vide", "", CodeSyntaxe, 1, 1},
		{"après l'objet", "{}\n{}", CodeSyntaxe, 2, 1},
		{"colonne en caractères", "{\"é\": \"é\" x", CodeSyntaxe, 1, 11},
		{"UTF-8", "{\"a\": \"\xff\"}", CodeEncodage, 1, 8},
		{"caractère de contrôle", "{\"a\": \"\x01\"}", CodeSyntaxe, 1, 8},
		{"doublon", "{\"impId\": null,\n \"impId\": null}", CodeDoublonBalise, 2, 2},
		{"doublon échappé", "{\"impId\": null, \"imp\\u0049d\": null}", CodeDoublonBalise, 1, 17},
		{"doublon dans un objet inconnu", "{\"x\": {\"a\": 1, \"a\": 2}}", CodeDoublonBalise, 1, 16},
		{"profondeur", strings.Repeat("[", MaxProfondeur+1) + strings.Repeat("]", MaxProfondeur+1), CodeProfondeur, 1, MaxProfondeur + 1},
		{"nombre", "{\"a\": 01}", CodeSyntaxe, 1, 8},
		{"racine", "\"texte\"", CodeRacine, 1, 1},
	}
	d := depotExemple()
	d.NomFichier = ""
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := controler(t, c.data, d, Options{})
			if res.Rejet == nil {
				t.Fatalf("got no rejection, want %s", c.code)
			}
			r := res.Rejet
			if r.Code != c.code || r.Ligne != c.ligne || r.Colonne != c.colon {
				t.Errorf("got %s at %d:%d (%s), want %s at %d:%d", r.Code, r.Ligne, r.Colonne, r.Libelle(), c.code, c.ligne, c.colon)
			}
		})
	}
}

// TestOrdreControle1: faults of control 1 are reported in the documented
// order, whatever their place in the file.
func TestOrdreControle1(t *testing.T) {
	d := depotExemple()
	d.NomFichier = ""
	// A duplicate key early and a syntax error late: the syntax error wins.
	res := controler(t, "{\"impId\": null, \"impId\": null, \"x\": [1,]}", d, Options{})
	if res.Rejet == nil || res.Rejet.Code != CodeSyntaxe {
		t.Fatalf("got %v, want %s", res.Rejet, CodeSyntaxe)
	}
	// A bad header late and a duplicate key inside a request: the duplicate wins.
	s := rep(t, exemple(t), `"typeAction": "C",`, `"typeAction": "C", "typeAction": "C",`)
	s = rep(t, s, `"SIRET": "88558855858745"`, `"SIRET": 1`)
	res = controler(t, s, depotExemple(), Options{})
	if res.Rejet == nil || res.Rejet.Code != CodeDoublonBalise {
		t.Fatalf("got %v, want %s", res.Rejet, CodeDoublonBalise)
	}
}

// TestOrdreControle2: within a request, the field table's order decides,
// not the order of the keys in the file.
func TestOrdreControle2(t *testing.T) {
	s := rep(t, exemple(t), `"typeAction": "C"`, `"typeAction": "Z"`)
	s = rep(t, s, `"numLigne": 1,`, `"numLigne": 7,`)
	s = rep(t, s, `"montantSegurHT": 13750.00`, `"montantSegurHT": 1`)
	res := controler(t, s, depotExemple(), Options{Toutes: true})
	got := []string{}
	for _, e := range res.Demandes[0].Erreurs {
		got = append(got, e.Code)
	}
	want := []string{CodeNumLignePosition, CodeTypeAction, CodeMontantFormat}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("got %v, want %v", got, want)
	}
	if c := res.Demandes[0].Code(); c != CodeNumLignePosition {
		t.Errorf("got first code %s, want %s", c, CodeNumLignePosition)
	}
}

func TestRetourConserveLeTexte(t *testing.T) {
	s := rep(t, exemple(t), `"typeAction": "C",`, `"typeAction": "C", "inconnue": {"b": [1.50e2, "\u00e9\/\n", {}, []]},`)
	s = rep(t, s, `"codeTraitement": null,
      "libelleTraitement": null`, `"codeTraitement": null`)
	res := controler(t, s, depotExemple(), Options{})
	out := retourDe(t, res, "", nil)
	for _, want := range []string{`"montantSegurHT": 13750.00`, `1.50e2`, `"é/\n"`, `{}`, `[]`,
		"\"codeTraitement\": \"" + CodeInconnue + "\",\n      \"libelleTraitement\": "} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("returned file lacks %s:\n%s", want, out)
		}
	}
	if !json.Valid(out) || !bytes.HasSuffix(out, []byte("}\n")) {
		t.Errorf("returned file is not valid JSON ending with a newline")
	}
}

func TestRetourRefuseApresRejet(t *testing.T) {
	res := controler(t, "[]", depotExemple(), Options{})
	if err := res.EcrireRetour(&bytes.Buffer{}, "", nil); err == nil {
		t.Error("got a returned file for a file rejected by control 1, want an error")
	}
}

func TestAppendString(t *testing.T) {
	cases := map[string]string{
		"abc":              `"abc"`,
		"a\"b\\c":          `"a\"b\\c"`,
		"\n\t\x01é/\u2028": "\"\\n\\t\\u0001é/\u2028\"",
	}
	for in, want := range cases {
		if got := string(appendString(nil, []byte(in))); got != want {
			t.Errorf("appendString(%q): got %s, want %s", in, got, want)
		}
	}
}

func TestLibelleCoupe(t *testing.T) {
	long := strings.Repeat("é", 300)
	e := Erreur{Code: CodeVide, Balise: long, P1: long}
	if n := len([]rune(e.Libelle())); n != MaxLibelle {
		t.Errorf("got %d code points, want %d", n, MaxLibelle)
	}
	if got := montrerTexte(long); len([]rune(got)) != maxValeur+4 {
		t.Errorf("got %q, want the value cut to %d characters", got, maxValeur)
	}
}

func TestCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Catalogue {
		if len(c.Code) != 4 || seen[c.Code] {
			t.Errorf("code %q: want 4 characters, unique", c.Code)
		}
		seen[c.Code] = true
		if c.Code != CodeAcceptee && (c.Controle != 1 && c.Controle != 2 || (c.Controle == 1) != (c.Code[0] == '1')) {
			t.Errorf("code %s: control %d does not match its first digit", c.Code, c.Controle)
		}
	}
}
