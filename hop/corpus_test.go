package hop

import (
	"archive/zip"
	"bytes"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The rejection corpus: testdata/corpus/CODE-slug.json, each rejected with
// CODE (the file by control 1, or at least one request by control 2), with
// an optional CODE-slug.zip and CODE-slug.args (the deposit's options, one
// line: --nom --ans --siret --logiciel --date --portail --sans-zip --taille-zip).
// go test -update rewrites it from corpusCases.

type corpusCase struct {
	code, slug string
	json       func(tb testing.TB) string
	zip        func(tb testing.TB) []byte
	args       string
	// libelle, when set, is the exact label the fault must get.
	libelle string
}

// demandeExemple is the example's request, as written.
func demandeExemple(tb testing.TB) string {
	tb.Helper()
	ex := exemple(tb)
	i := strings.Index(ex, "    {\n      \"numLigne\"")
	j := strings.LastIndex(ex, "\n  ]\n}")
	if i < 0 || j < 0 {
		tb.Fatal("example: request not found")
	}
	return ex[i:j]
}

// numeroter gives the example's request position n and numeroEditeur ed.
func numeroter(tb testing.TB, req string, n int, ed string) string {
	req = rep(tb, req, `"numLigne": 1,`, `"numLigne": `+strconv.Itoa(n)+`,`)
	req = rep(tb, req, `"numeroEditeur": "00001"`, `"numeroEditeur": "`+ed+`"`)
	return strings.ReplaceAll(req, "-00001.pdf", "-"+ed+".pdf")
}

// fichier assembles a file of the example's header and the given requests.
func fichier(reqs ...string) string {
	return "{\n  \"impId\": null,\n  \"numeroAns\": \"1234567890\",\n  \"SIRET\": \"88558855858745\",\n  \"lignesImport\": [\n" +
		strings.Join(reqs, ",\n") + "\n  ]\n}\n"
}

// zipOf builds a zip of the given entries, in order (name, content).
func zipOf(tb testing.TB, entries ...string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for i := 0; i+1 < len(entries); i += 2 {
		f, err := w.Create(entries[i])
		if err != nil {
			tb.Fatal(err)
		}
		io.WriteString(f, entries[i+1])
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func pieceExemple(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

const (
	bdc = "HOP-RI-Va1-BDC-00001.pdf"
	ht  = "HOP-RI-Va1-HT-00001.pdf"
)

func zipExemple(tb testing.TB) []byte {
	return zipOf(tb, bdc, pieceExemple(tb, bdc), ht, pieceExemple(tb, ht))
}

func corpusCases() []corpusCase {
	ex := func(muts ...string) func(tb testing.TB) string {
		return func(tb testing.TB) string {
			s := exemple(tb)
			for i := 0; i+1 < len(muts); i += 2 {
				s = rep(tb, s, muts[i], muts[i+1])
			}
			return s
		}
	}
	pfi := func(muts ...string) func(tb testing.TB) string {
		return func(tb testing.TB) string {
			s := strings.ReplaceAll(exemple(tb), "HOP-RI-", "HOP-PFI-")
			for i := 0; i+1 < len(muts); i += 2 {
				s = rep(tb, s, muts[i], muts[i+1])
			}
			return s
		}
	}
	const (
		unique = `"isMandataire": false,
        "isClientUnique": true,
        "nomMandataire": null,
        "emailMandataire": null,
        "telephoneMandataire": null,`
		mand = `"isMandataire": true,
        "isClientUnique": false,
        "nomMandataire": "DUPONT",
        "emailMandataire": "direction@hopital-saint-martin.fr",
        "telephoneMandataire": "01 23 45 67 89",`
		client2 = `,
          {
            "nomClient": "HOPITAL SAINT-MARTIN - SITE NORD",
            "emailClient": "site-nord@hopital-saint-martin.fr",
            "telephoneClient": "01 23 45 67 90",
            "FINESSPMSI": "999999991"
          },
          {
            "nomClient": "HOPITAL SAINT-MARTIN - SITE SUD",
            "emailClient": "site-sud@hopital-saint-martin.fr",
            "telephoneClient": "01 23 45 67 91",
            "FINESSPMSI": "999999992"
          }`
		pieceHT = `,
        {
          "nomFichier": "HOP-RI-Va1-HT-00001.pdf",
          "formatFichier": "PDF",
          "typeFichier": "PREUVE_HT"
        }`
	)
	zipEx := zipExemple
	return []corpusCase{
		{code: CodeFichierTropGros, slug: "fichier-trop-gros", json: func(tb testing.TB) string {
			return exemple(tb) + strings.Repeat(" ", MaxFichier)
		}},
		{code: CodeNomFichier, slug: "nom-fichier", json: ex(), args: "--nom demandes.json"},
		{code: CodeNomFichierAns, slug: "nom-fichier-ans", json: ex(), args: "--nom JSON-9999999999-20211025-001.json"},
		{code: CodeNomFichierDate, slug: "nom-fichier-date", json: ex(), args: "--nom JSON-1234567890-20211026-001.json"},
		{code: CodeNomFichierOrdre, slug: "nom-fichier-ordre", json: ex(), args: "--portail ordinal-pris"},
		{code: CodeEncodage, slug: "utf8", json: ex(`"DUPONT"`, "\"DUP\xe9ONT\"")},
		{code: CodeSubstitution, slug: "demi-paire", json: ex(`"DUPONT"`, `"DUP\ud800ONT"`)},
		{code: CodeSyntaxe, slug: "tronque", json: func(tb testing.TB) string { return exemple(tb)[:600] }},
		{code: CodeProfondeur, slug: "profondeur", json: ex(`"typeAction": "C",`, `"typeAction": "C", "x": `+strings.Repeat("[", 30)+strings.Repeat("]", 30)+",")},
		{code: CodeDoublonBalise, slug: "doublon-balise", json: ex(`"typeAction": "C",`, `"typeAction": "C", "typeAction": "C",`)},
		{code: CodeRacine, slug: "racine", json: func(testing.TB) string { return "[]\n" }},
		{code: CodeEnteteManquante, slug: "entete-manquante", json: ex(`"impId": null,`, ``)},
		{code: CodeEnteteInconnue, slug: "entete-inconnue", json: ex(`"impId": null,`, `"impId": null, "version": 1,`)},
		{code: CodeEnteteCasse, slug: "entete-casse", json: ex(`"SIRET"`, `"Siret"`)},
		{code: CodeImpID, slug: "impid", json: ex(`"impId": null`, `"impId": "IMP1"`)},
		{code: CodeNumeroAns, slug: "numero-ans", json: ex(`"numeroAns": "1234567890"`, `"numeroAns": 1234567890`)},
		{code: CodeNumeroAnsDeclare, slug: "numero-ans-declare", json: ex(), args: "--ans 1234567891 --nom JSON-1234567891-20211025-001.json"},
		{code: CodeNumeroAnsInconnu, slug: "numero-ans-inconnu", json: ex(), args: "--portail ans-inconnu"},
		{code: CodeSIRET, slug: "siret", json: ex(`"88558855858745"`, `"8855885585874"`)},
		{code: CodeSIRETDeclare, slug: "siret-declare", json: ex(), args: "--siret 35600000000048"},
		{code: CodeLignesType, slug: "lignes-type", json: func(testing.TB) string {
			return `{"impId": null, "numeroAns": "1234567890", "SIRET": "88558855858745", "lignesImport": {}}`
		}},
		{code: CodeLignesVide, slug: "lignes-vide", json: func(testing.TB) string {
			return `{"impId": null, "numeroAns": "1234567890", "SIRET": "88558855858745", "lignesImport": []}`
		}},
		{code: CodeLignesTrop, slug: "lignes-trop", json: func(tb testing.TB) string {
			reqs := make([]string, MaxDemandes+1)
			for i := range reqs {
				reqs[i] = numeroter(tb, demandeExemple(tb), i+1, fmt.Sprintf("%05d", i+1))
			}
			return fichier(reqs...)
		}},
		{code: CodeLigneNonObjet, slug: "ligne-non-objet", json: func(tb testing.TB) string { return fichier(demandeExemple(tb), "    5") }},
		{code: CodeZipManquant, slug: "zip-manquant", json: ex(), args: "--sans-zip"},
		{code: CodeZipIllisible, slug: "zip-illisible", json: ex(), zip: func(testing.TB) []byte { return []byte("ceci n'est pas un zip") }},
		{code: CodeZipTropGros, slug: "zip-trop-gros", json: ex(), zip: zipEx, args: "--taille-zip 209715201"},
		{code: CodeZipChemin, slug: "zip-chemin", json: ex(), zip: func(tb testing.TB) []byte {
			return zipOf(tb, "../"+bdc, pieceExemple(tb, bdc), ht, pieceExemple(tb, ht))
		}},
		{code: CodeZipLien, slug: "zip-lien", json: ex(), zip: func(tb testing.TB) []byte {
			var buf bytes.Buffer
			w := zip.NewWriter(&buf)
			h := &zip.FileHeader{Name: bdc}
			h.SetMode(os.ModeSymlink | 0o777)
			f, _ := w.CreateHeader(h)
			io.WriteString(f, "/etc/passwd")
			w.Close()
			return buf.Bytes()
		}},
		{code: CodeZipChiffre, slug: "zip-chiffre", json: ex(), zip: func(tb testing.TB) []byte {
			b := zipOf(tb, bdc, pieceExemple(tb, bdc))
			// Set the "encrypted" flag in the local and central headers.
			for _, sig := range []string{"PK\x03\x04", "PK\x01\x02"} {
				i := bytes.Index(b, []byte(sig))
				off := 6
				if sig == "PK\x01\x02" {
					off = 8
				}
				b[i+off] |= 1
			}
			return b
		}},
		{code: CodeZipDoublon, slug: "zip-doublon", json: ex(), zip: func(tb testing.TB) []byte {
			return zipOf(tb, bdc, pieceExemple(tb, bdc), bdc, pieceExemple(tb, bdc), ht, pieceExemple(tb, ht))
		}},
		{code: CodeZipTropDEntrees, slug: "zip-trop-d-entrees", json: ex(), zip: func(tb testing.TB) []byte {
			entries := []string{bdc, pieceExemple(tb, bdc), ht, pieceExemple(tb, ht)}
			for i := 0; i < MaxArchiveEntries; i++ {
				entries = append(entries, fmt.Sprintf("f%d", i), "")
			}
			return zipOf(tb, entries...)
		}},
		{code: CodeZipBombe, slug: "zip-bombe", json: ex(), zip: func(tb testing.TB) []byte {
			// An entry that declares 3 GiB uncompressed: past the 2 GiB
			// the declared sizes may add up to.
			var buf bytes.Buffer
			w := zip.NewWriter(&buf)
			for _, n := range []string{bdc, ht} {
				f, _ := w.Create(n)
				io.WriteString(f, pieceExemple(tb, n))
			}
			f, err := w.CreateRaw(&zip.FileHeader{Name: "video.bin", Method: zip.Deflate, CompressedSize64: 2, UncompressedSize64: 3 << 30})
			if err != nil {
				tb.Fatal(err)
			}
			f.Write([]byte{3, 0})
			if err := w.Close(); err != nil {
				tb.Fatal(err)
			}
			return buf.Bytes()
		}},

		{code: CodeManquante, slug: "balise-manquante", json: ex(`"typeAction": "C",`, ``)},
		{code: CodeInconnue, slug: "balise-inconnue", json: ex(`"typeAction": "C",`, `"typeAction": "C", "commentaire": "urgent",`)},
		{code: CodeCasse, slug: "balise-casse", json: ex(`"numLigne"`, `"numligne"`)},
		{code: CodeType, slug: "type-montant-chaine", json: ex(`"montantSegurHT": 13750.00`, `"montantSegurHT": "13750.00"`)},
		{code: CodeVide, slug: "nomclient-vide", json: ex(`"nomClient": "HOPITAL SAINT-MARTIN"`, `"nomClient": ""`)},
		{code: CodeBlancs, slug: "nomclient-blancs", json: ex(`"nomClient": "HOPITAL SAINT-MARTIN"`, `"nomClient": "HOPITAL SAINT-MARTIN "`)},
		{code: CodeTropLong, slug: "nomclient-trop-long", json: ex(`"nomClient": "HOPITAL SAINT-MARTIN"`, `"nomClient": "`+strings.Repeat("H", 50)+`"`)},
		{code: CodeCapitales, slug: "nomclient-capitales", json: ex(`"nomClient": "HOPITAL SAINT-MARTIN"`, `"nomClient": "Hôpital Saint-Martin"`)},
		{code: CodeEmail, slug: "email", json: ex(`"emailClient": "direction@hopital-saint-martin.fr"`, `"emailClient": "direction(at)hopital-saint-martin.fr"`)},
		{code: CodeTelephone, slug: "telephone", json: ex(`"telephoneClient": "01 23 45 67 89"`, `"telephoneClient": "01 23 45"`)},
		{code: CodeNonNull, slug: "numeroasp", json: ex(`"numeroASP": null`, `"numeroASP": "ASP0001"`)},
		{code: CodeTableauVide, slug: "pieces-vide", json: func(tb testing.TB) string {
			s := exemple(tb)
			i := strings.Index(s, `"piecesJustificatives": [`) + len(`"piecesJustificatives": [`)
			j := strings.Index(s, `"scenarioInstallation"`)
			return s[:i] + "],\n      " + s[j:]
		}},
		{code: CodeNumLigneEntier, slug: "numligne-decimal", json: ex(`"numLigne": 1,`, `"numLigne": 1.0,`)},
		{code: CodeNumLignePosition, slug: "numligne-position", json: ex(`"numLigne": 1,`, `"numLigne": 2,`)},
		{code: CodeTypeAction, slug: "typeaction", json: ex(`"typeAction": "C"`, `"typeAction": "M"`)},
		{code: CodeNumeroEditeur, slug: "numeroediteur", json: ex(`"numeroEditeur": "00001"`, `"numeroEditeur": "0001"`)},
		{code: CodeEditeurFichier, slug: "numeroediteur-doublon", json: func(tb testing.TB) string {
			return fichier(demandeExemple(tb), numeroter(tb, demandeExemple(tb), 2, "00001"))
		}},
		{code: CodeEditeurHistorique, slug: "numeroediteur-historique", json: ex(), args: "--portail editeur-utilise"},
		{code: CodeDateFormat, slug: "date-format", json: ex(`"15/10/2021"`, `"2021-10-15"`)},
		{code: CodeDateInexistante, slug: "date-inexistante", json: ex(`"15/10/2021"`, `"29/02/2021"`)},
		{code: CodeDateFuture, slug: "date-future", json: ex(`"15/10/2021"`, `"26/10/2021"`)},
		{code: CodeRegimeTVA, slug: "regimetva", json: ex(`"regimeTVA": "HT"`, `"regimeTVA": "ht"`)},
		{code: CodeMontantFormat, slug: "montant-entier", json: ex(`13750.00`, `13750`)},
		{code: CodeMontantPositif, slug: "montant-zero", json: ex(`13750.00`, `0.00`)},
		{code: CodeMontantMax, slug: "montant-max", json: ex(`13750.00`, `1000000000.00`)},
		{code: CodeMandataireUnique, slug: "mandataire-client-unique", json: ex(`"isClientUnique": false`, `"isClientUnique": true`)},
		{code: CodeMandataireRequis, slug: "mandataire-requis", json: ex(`"nomMandataire": "DUPONT"`, `"nomMandataire": null`)},
		{code: CodeMandataireNull, slug: "mandataire-null", json: ex(`"isMandataire": true`, `"isMandataire": false`)},
		{code: CodeClientUnique, slug: "client-unique-plusieurs", json: ex(mand, unique)},
		{code: CodeClientsPlusieurs, slug: "clients-un-seul", json: ex(client2, ``)},
		{code: CodeFINESS, slug: "finess", json: ex(`"999999991"`, `"99999999"`)},
		{code: CodeFINESSDoublon, slug: "finess-doublon", json: ex(`"999999991"`, `"999999999"`)},
		{code: CodeNomPiece, slug: "nomfichier", json: ex(`"nomFichier": "HOP-RI-Va1-BDC-00001.pdf"`, `"nomFichier": "bon de commande.pdf"`)},
		{code: CodeNomPieceLogiciel, slug: "nomfichier-logiciel", json: ex(`"nomFichier": "HOP-RI-Va1-BDC-00001.pdf"`, `"nomFichier": "HOP-DPI-Va1-BDC-00001.pdf"`)},
		{code: CodeNomPieceEditeur, slug: "nomfichier-editeur", json: ex(`"nomFichier": "HOP-RI-Va1-BDC-00001.pdf"`, `"nomFichier": "HOP-RI-Va1-BDC-00002.pdf"`)},
		{code: CodeFormatFichier, slug: "formatfichier", json: ex(`"formatFichier": "PDF"`, `"formatFichier": "DOC"`)},
		{code: CodeTypeFichier, slug: "typefichier", json: ex(`"typeFichier": "BON_COMMANDE"`, `"typeFichier": "FACTURE"`)},
		{code: CodeExtension, slug: "extension", json: ex(`"formatFichier": "PDF"`, `"formatFichier": "PNG"`)},
		{code: CodeCodeTypeFichier, slug: "code-typefichier", json: ex(`"typeFichier": "BON_COMMANDE"`, `"typeFichier": "X"`, `"typeFichier": "PREUVE_HT"`, `"typeFichier": "BON_COMMANDE"`, `"typeFichier": "X"`, `"typeFichier": "PREUVE_HT"`)},
		{code: CodeSansBonCommande, slug: "sans-bon-commande", json: ex(`"typeFichier": "BON_COMMANDE"`, `"typeFichier": "PREUVE_HT"`)},
		{code: CodeBonsCommande, slug: "deux-bons-commande", json: ex(`"typeFichier": "PREUVE_HT"`, `"typeFichier": "BON_COMMANDE"`)},
		{code: CodeSansPreuveHT, slug: "sans-preuve-ht", json: ex(pieceHT, ``)},
		{code: CodePreuveHTEnTTC, slug: "preuve-ht-en-ttc", json: ex(`"regimeTVA": "HT"`, `"regimeTVA": "TTC"`)},
		{code: CodePieceDoublon, slug: "piece-doublon", json: ex(`"nomFichier": "HOP-RI-Va1-HT-00001.pdf"`, `"nomFichier": "HOP-RI-Va1-BDC-00001.pdf"`)},
		{code: CodeScenarioFalse, slug: "scenario-ri", json: ex(`"isEnvoiDMP": false`, `"isEnvoiDMP": true`)},
		{code: CodeOperateurNull, slug: "operateur-ri", json: ex(`"operateurMessagerie": null`, `"operateurMessagerie": "MESSAGERIE EXEMPLE A"`)},
		{code: CodeOperateurRequis, slug: "operateur-pfi-requis", json: pfi(), args: "--logiciel PFI"},
		{code: CodeOperateurInconnu, slug: "operateur-inconnu", json: pfi(`"operateurMessagerie": null`, `"operateurMessagerie": "MESSAGERIE INCONNUE"`), args: "--logiciel PFI"},
		{code: CodePieceAbsente, slug: "piece-absente", json: ex(), zip: func(tb testing.TB) []byte { return zipOf(tb, bdc, pieceExemple(tb, bdc)) }},
		{code: CodePieceTropGrande, slug: "piece-trop-grande", json: ex(), zip: func(tb testing.TB) []byte {
			// Compressible, but not to a zip-bomb ratio.
			var sb strings.Builder
			sb.WriteString("%PDF-1.4\n")
			for i := 0; sb.Len() <= MaxPiece; i++ {
				fmt.Fprintf(&sb, "%s %d\n", strings.Repeat(" ", 400), i*7919%1000003)
			}
			return zipOf(tb, bdc, pieceExemple(tb, bdc), ht, sb.String())
		}},
		{code: CodePieceFormat, slug: "piece-format", json: ex(), zip: func(tb testing.TB) []byte {
			return zipOf(tb, bdc, pieceExemple(tb, bdc), ht, "\x89PNG\r\n\x1a\n0000")
		}},
		{code: CodePieceIllisible, slug: "piece-illisible", json: ex(), zip: func(tb testing.TB) []byte {
			var buf bytes.Buffer
			w := zip.NewWriter(&buf)
			content := pieceExemple(tb, ht)
			h := &zip.FileHeader{Name: ht, Method: zip.Store, CRC32: crc32.ChecksumIEEE([]byte(content)) + 1,
				CompressedSize64: uint64(len(content)), UncompressedSize64: uint64(len(content))}
			f, err := w.CreateRaw(h)
			if err != nil {
				tb.Fatal(err)
			}
			io.WriteString(f, content)
			f2, _ := w.Create(bdc)
			io.WriteString(f2, pieceExemple(tb, bdc))
			w.Close()
			return buf.Bytes()
		}},
		// Labels that once misled a vendor: each exactly as a vendor reads it.
		{code: CodeCasse, slug: "casse-dans-un-element", json: ex(`"FINESSPMSI": "999999991"`, `"finessPmsi": "999999991"`),
			libelle: "balise « beneficiaires.etablissementsClients[2].finessPmsi » ; attendu : « beneficiaires.etablissementsClients[2].FINESSPMSI » (majuscules et minuscules comptent)"},
		{code: CodeInconnue, slug: "balise-inconnue-piece", json: ex(`"typeFichier": "BON_COMMANDE"`, `"typeFichier": "BON_COMMANDE", "commentaire": "signé"`),
			libelle: "balise « piecesJustificatives[1].commentaire » inconnue ; attendu : les seules balises du modèle JSON-HOP"},
		{code: CodeType, slug: "piece-non-objet", json: ex(`{
          "nomFichier": "HOP-RI-Va1-HT-00001.pdf",
          "formatFichier": "PDF",
          "typeFichier": "PREUVE_HT"
        }`, `1`),
			libelle: "piecesJustificatives[2] : 1 (nombre) ; attendu : un objet pièce {nomFichier, formatFichier, typeFichier}"},
		{code: CodeType, slug: "montant-null", json: ex(`"montantSegurHT": 13750.00`, `"montantSegurHT": null`),
			libelle: "commande.montantSegurHT : null ; attendu : un nombre à deux décimales, sans guillemets (ex. 13750.00)"},
		{code: CodeType, slug: "drapeau-autre-logiciel", json: ex(`"isEnvoiDMP": false`, `"isEnvoiDMP": null`),
			libelle: "scenarioInstallation.PFI.isEnvoiDMP : null ; attendu : false pour un logiciel RI"},
		{code: CodeVide, slug: "que-des-blancs", json: ex(`"nomMandataire": "DUPONT"`, `"nomMandataire": "   "`),
			libelle: "beneficiaires.nomMandataire : que des blancs ; attendu : un nom en capitales de 49 caractères au plus"},
		{code: CodeCapitales, slug: "eszett", json: ex(`"nomClient": "HOPITAL SAINT-MARTIN"`, `"nomClient": "KLINIK STRAßE"`),
			libelle: "beneficiaires.etablissementsClients[1].nomClient : « KLINIK STRAßE » ; attendu : en capitales"},
		{code: CodeOperateurNull, slug: "operateur-ri-hors-liste", json: ex(`"operateurMessagerie": null`, `"operateurMessagerie": "MAILIZ"`),
			libelle: "scenarioInstallation.PFI.operateurMessagerie : « MAILIZ » ; attendu : null pour un logiciel RI"},
		{code: CodeNomPiece, slug: "nom-responsable-minuscules", json: ex(`"nomFichier": "HOP-RI-Va1-BDC-00001.pdf"`, `"nomFichier": "HOP-RI-Va1-BDC-00001-Dupont.pdf"`),
			libelle: "piecesJustificatives[1].nomFichier : « HOP-RI-Va1-BDC-00001-Dupont.pdf » ; attendu : HOP-RI-Va1-BDC ou HT-00001[-NOM].pdf, .jpg ou .png (NOM facultatif : lettres A à Z, chiffres, _)"},
	}
}

// fakePortail answers as a portal whose vendor history says "taken".
type fakePortail struct{ ordinalPris, ansInconnu, editeurUtilise bool }

func (f fakePortail) NumeroAnsEnregistre(string) (bool, error) { return !f.ansInconnu, nil }
func (f fakePortail) OrdinalPris(n int) (bool, int, error)     { return f.ordinalPris, n + 1, nil }
func (f fakePortail) NumeroEditeurUtilise(string) (bool, error) {
	return f.editeurUtilise, nil
}

// sizedReaderAt reports a larger size than its content, to test the bound.
type corpusRun struct {
	depot Declaration
	opt   Options
}

// optionsCorpus reads a case's args line into a deposit and options.
func optionsCorpus(tb testing.TB, args string, zipBytes []byte) corpusRun {
	tb.Helper()
	return optionsCorpusDe(tb, depotExemple(), args, zipBytes)
}

// optionsCorpusDe reads a case's args line into options and the deposit
// base, changed by the line; --avance sets the balance's portal
// (fakeAvance).
func optionsCorpusDe(tb testing.TB, base Declaration, args string, zipBytes []byte) corpusRun {
	tb.Helper()
	r := corpusRun{depot: base}
	f := strings.Fields(args)
	size := int64(len(zipBytes))
	for i := 0; i < len(f); i++ {
		arg := func() string {
			i++
			if i >= len(f) {
				tb.Fatalf("args %q: value missing", args)
			}
			return f[i]
		}
		switch f[i] {
		case "--nom":
			r.depot.NomFichier = arg()
		case "--ans":
			r.depot.NumeroAns = arg()
		case "--siret":
			r.depot.SIRET = arg()
		case "--logiciel":
			r.depot.Logiciel = Logiciel(arg())
		case "--date":
			d, err := ParseDateAAAAMMJJ(arg())
			if err != nil {
				tb.Fatal(err)
			}
			r.depot.Date = d
		case "--portail":
			p := fakePortail{}
			switch arg() {
			case "ordinal-pris":
				p.ordinalPris = true
			case "ans-inconnu":
				p.ansInconnu = true
			case "editeur-utilise":
				p.editeurUtilise = true
			}
			r.opt.Portail = p
		case "--avance":
			r.opt.PortailSolde = avanceCorpus(tb, arg())
		case "--sans-zip":
			r.opt.SansZip = true
		case "--taille-zip":
			n, err := strconv.ParseInt(arg(), 10, 64)
			if err != nil {
				tb.Fatal(err)
			}
			size = n
		default:
			tb.Fatalf("args %q: unknown %s", args, f[i])
		}
	}
	if zipBytes != nil {
		r.opt.Archive, r.opt.ArchiveErreur = OpenArchive(bytes.NewReader(zipBytes), size)
	}
	return r
}

const corpusDir = "testdata/corpus"

func writeCorpus(t *testing.T) {
	if err := os.RemoveAll(corpusDir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(corpusDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range corpusCases() {
		base := filepath.Join(corpusDir, c.code+"-"+c.slug)
		if err := os.WriteFile(base+".json", []byte(c.json(t)), 0o644); err != nil {
			t.Fatal(err)
		}
		if c.zip != nil {
			if err := os.WriteFile(base+".zip", c.zip(t), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if c.args != "" {
			if err := os.WriteFile(base+".args", []byte(c.args+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// corpusFiles lists the corpus's JSON files.
func corpusFiles(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("empty corpus (%v): run go test -run TestCorpus -update", err)
	}
	sort.Strings(files)
	return files
}

// runCorpusFile runs one corpus file through the controls.
func runCorpusFile(tb testing.TB, path string) *Resultat {
	tb.Helper()
	base := strings.TrimSuffix(path, ".json")
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	args, _ := os.ReadFile(base + ".args")
	zipBytes, err := os.ReadFile(base + ".zip")
	if err != nil {
		zipBytes = nil
	}
	r := optionsCorpus(tb, string(args), zipBytes)
	res, err := Controler(data, r.depot, r.opt)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// codesOf returns the codes a result carries: the file's, or each request's first.
func codesOf(res *Resultat) []string {
	if res.Rejet != nil {
		return []string{res.Rejet.Code}
	}
	var codes []string
	for _, d := range res.Demandes {
		codes = append(codes, d.Code())
	}
	return codes
}

func TestCorpus(t *testing.T) {
	if *update {
		writeCorpus(t)
	}
	produced := map[string]bool{}
	for _, path := range corpusFiles(t) {
		name := filepath.Base(path)
		want := name[:4]
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			res := runCorpusFile(t, path)
			codes := codesOf(res)
			found := false
			for _, c := range codes {
				if _, ok := InfoCode(c); !ok {
					t.Errorf("code %s is not in the catalogue", c)
				}
				produced[c] = true
				found = found || c == want
			}
			if !found {
				t.Errorf("got codes %v, want %s", codes, want)
			}
			// Every label fits and shows no unfilled placeholder.
			var errs []Erreur
			if res.Rejet != nil {
				errs = append(errs, *res.Rejet)
			}
			for _, d := range res.Demandes {
				errs = append(errs, d.Erreurs...)
			}
			for _, e := range errs {
				l := e.Libelle()
				if strings.Contains(l, "{") && strings.Contains(l, "}") && strings.Contains(l, "{p") {
					t.Errorf("label with a placeholder left: %s", l)
				}
				if n := len([]rune(l)); n > MaxLibelle {
					t.Errorf("label of %d code points, want at most %d", n, MaxLibelle)
				}
			}
		})
	}
	for _, c := range Catalogue {
		if c.Code != CodeAcceptee && !c.Solde() && !produced[c.Code] {
			t.Errorf("catalogue code %s (%s) is never produced by the corpus", c.Code, c.Titre)
		}
	}
}
