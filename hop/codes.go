package hop

import (
	"strings"
	"unicode/utf8"
)

// Result codes: "0000" accepts a request; every other code is one distinct
// fault. 1xxx are faults of control 1 (the whole file is rejected), 2xxx of
// control 2 (one request is rejected). The codes are stable: never renumber
// one, add new ones.
const (
	CodeAcceptee = "0000"

	CodeFichierTropGros  = "1001"
	CodeNomFichier       = "1002"
	CodeNomFichierAns    = "1003"
	CodeNomFichierDate   = "1004"
	CodeNomFichierOrdre  = "1005"
	CodeEncodage         = "1010"
	CodeSubstitution     = "1011"
	CodeSyntaxe          = "1012"
	CodeProfondeur       = "1014"
	CodeDoublonBalise    = "1015"
	CodeRacine           = "1020"
	CodeEnteteManquante  = "1021"
	CodeEnteteInconnue   = "1022"
	CodeEnteteCasse      = "1023"
	CodeImpID            = "1024"
	CodeNumeroAns        = "1025"
	CodeNumeroAnsDeclare = "1026"
	CodeNumeroAnsInconnu = "1027"
	CodeSIRET            = "1028"
	CodeSIRETDeclare     = "1029"
	CodeLignesType       = "1030"
	CodeLignesVide       = "1031"
	CodeLignesTrop       = "1032"
	CodeLigneNonObjet    = "1033"
	CodeZipManquant      = "1040"
	CodeZipIllisible     = "1041"
	CodeZipTropGros      = "1042"
	CodeZipChemin        = "1043"
	CodeZipLien          = "1044"
	CodeZipChiffre       = "1045"
	CodeZipDoublon       = "1046"
	CodeZipTropDEntrees  = "1047"
	CodeZipBombe         = "1048"

	CodeManquante         = "2001"
	CodeInconnue          = "2002"
	CodeCasse             = "2003"
	CodeType              = "2004"
	CodeVide              = "2005"
	CodeBlancs            = "2006"
	CodeTropLong          = "2007"
	CodeCapitales         = "2008"
	CodeEmail             = "2009"
	CodeTelephone         = "2010"
	CodeNonNull           = "2011"
	CodeTableauVide       = "2012"
	CodeNumLigneEntier    = "2020"
	CodeNumLignePosition  = "2021"
	CodeTypeAction        = "2022"
	CodeNumeroEditeur     = "2023"
	CodeEditeurFichier    = "2024"
	CodeEditeurHistorique = "2025"
	CodeDateFormat        = "2030"
	CodeDateInexistante   = "2031"
	CodeDateFuture        = "2032"
	CodeRegimeTVA         = "2033"
	CodeMontantFormat     = "2034"
	CodeMontantPositif    = "2035"
	CodeMontantMax        = "2036"
	CodeMandataireUnique  = "2040"
	CodeMandataireRequis  = "2041"
	CodeMandataireNull    = "2042"
	CodeClientUnique      = "2043"
	CodeClientsPlusieurs  = "2044"
	CodeFINESS            = "2045"
	CodeFINESSDoublon     = "2046"
	CodeNomPiece          = "2050"
	CodeNomPieceLogiciel  = "2051"
	CodeNomPieceEditeur   = "2052"
	CodeFormatFichier     = "2053"
	CodeTypeFichier       = "2054"
	CodeExtension         = "2055"
	CodeCodeTypeFichier   = "2056"
	CodeSansBonCommande   = "2057"
	CodeBonsCommande      = "2058"
	CodeSansPreuveHT      = "2059"
	CodePreuveHTEnTTC     = "2060"
	CodePieceDoublon      = "2061"
	CodeScenarioFalse     = "2070"
	CodeOperateurNull     = "2071"
	CodeOperateurRequis   = "2072"
	CodeOperateurInconnu  = "2073"
	CodePieceAbsente      = "2080"
	CodePieceTropGrande   = "2081"
	CodePieceFormat       = "2082"
	CodePieceIllisible    = "2083"

	// The balance file's own rules (docs/solde.md): control 2 of a balance
	// line. The generic codes above (2001 to 2012, 2020 to 2023, 2051 to
	// 2061, 2080 to 2083) serve it too.
	CodeSoldeNumeroASP       = "2100"
	CodeSoldeASPFichier      = "2101"
	CodeSoldeASPInconnu      = "2102"
	CodeSoldeASPAutre        = "2103"
	CodeSoldeAvanceNonPayee  = "2104"
	CodeSoldeDejaDepose      = "2105"
	CodeSoldeEditeur         = "2106"
	CodeSoldeDateFormat      = "2110"
	CodeSoldeDateInexistante = "2111"
	CodeSoldeDateFuture      = "2112"
	CodeSoldeMontantFormat   = "2113"
	CodeSoldeFactureNulle    = "2114"
	CodeSoldeMontantMax      = "2115"
	CodeSoldeNomPiece        = "2120"
	CodeSoldeTypeFichier     = "2121"
	CodeSoldeSansFacture     = "2122"
	CodeSoldeFactures        = "2123"
	CodeSoldeSansPV          = "2124"
)

// LibelleAcceptee is the label of an accepted request.
const LibelleAcceptee = "Demande acceptée"

// CodeInfo describes one result code of the catalogue.
type CodeInfo struct {
	Code     string
	Controle int    // 1: the whole file is rejected; 2: the request is rejected
	Titre    string // what the fault is, for the catalogue
	// Modele is the label's template: {balise} the key at fault, {valeur}
	// what was found (cut to 40 characters), {p1} and {p2} precisions.
	Modele string
	// Portail is true for the rules only the portal can run (it needs the
	// vendor's registry or history).
	Portail bool
}

// Catalogue lists every result code, in code order.
var Catalogue = []CodeInfo{
	{Code: CodeAcceptee, Titre: "Demande acceptée", Modele: LibelleAcceptee},

	{CodeFichierTropGros, 1, "Fichier trop volumineux", "fichier de plus de {p1} octets ; attendu : au plus 10 Mo ({p1} octets)", false},
	{CodeNomFichier, 1, "Nom du fichier hors nomenclature", "nom du fichier : {valeur} ; attendu : JSON-<numeroAns>-<AAAAMMJJ>-<NNN>.json", false},
	{CodeNomFichierAns, 1, "Numéro ANS du nom de fichier différent", "nom du fichier : numéro ANS {valeur} ; attendu : {p1}, le numéro ANS du dépôt", false},
	{CodeNomFichierDate, 1, "Date du nom de fichier différente de la date du dépôt", "nom du fichier : date {valeur} ; attendu : {p1}, la date du dépôt", false},
	{CodeNomFichierOrdre, 1, "Numéro d'ordre du nom de fichier déjà utilisé ce jour", "nom du fichier : numéro d'ordre {valeur} déjà utilisé ce jour pour ce numéro ANS ; attendu : un numéro libre, par exemple {p1}", true},
	{CodeEncodage, 1, "Fichier non encodé en UTF-8", "encodage : octets invalides en UTF-8 ; attendu : un fichier encodé en UTF-8", false},
	{CodeSubstitution, 1, "Caractère échappé invalide (demi-paire de substitution)", "encodage : échappement {valeur} isolé (demi-paire UTF-16) ; attendu : un caractère Unicode complet", false},
	{CodeSyntaxe, 1, "Erreur de syntaxe JSON", "syntaxe JSON : rencontré {valeur} ; attendu : {p1}", false},
	{CodeProfondeur, 1, "Imbrication trop profonde", "syntaxe JSON : plus de {p1} niveaux d'objets ou de tableaux imbriqués ; attendu : au plus {p1}", false},
	{CodeDoublonBalise, 1, "Balise présente deux fois dans un même objet", "balise « {balise} » présente deux fois dans le même objet ; attendu : une seule fois", false},
	{CodeRacine, 1, "Le fichier n'est pas un objet JSON", "racine du fichier : {valeur} ; attendu : un objet {impId, numeroAns, SIRET, lignesImport}", false},
	{CodeEnteteManquante, 1, "Balise absente de l'en-tête", "en-tête : balise « {balise} » absente ; attendu : impId, numeroAns, SIRET et lignesImport", false},
	{CodeEnteteInconnue, 1, "Balise inconnue dans l'en-tête", "en-tête : balise « {balise} » inconnue ; attendu : seulement impId, numeroAns, SIRET et lignesImport", false},
	{CodeEnteteCasse, 1, "Balise de l'en-tête mal écrite (majuscules, minuscules)", "en-tête : balise « {valeur} » ; attendu : « {balise} » (majuscules et minuscules comptent)", false},
	{CodeImpID, 1, "impId renseigné", "impId : {valeur} ; attendu : null dans le fichier déposé", false},
	{CodeNumeroAns, 1, "numeroAns invalide", "numeroAns : {valeur} ; attendu : une chaîne de 10 lettres ou chiffres", false},
	{CodeNumeroAnsDeclare, 1, "numeroAns différent du numéro ANS déclaré", "numeroAns : {valeur} ; attendu : {p1}, le numéro ANS déclaré pour le dépôt", false},
	{CodeNumeroAnsInconnu, 1, "numeroAns non enregistré pour ce fournisseur", "numeroAns : {valeur} n'est pas enregistré pour ce fournisseur ; attendu : un de ses numéros ANS", true},
	{CodeSIRET, 1, "SIRET invalide", "SIRET : {valeur} ; attendu : une chaîne de 14 chiffres", false},
	{CodeSIRETDeclare, 1, "SIRET différent de celui du fournisseur", "SIRET : {valeur} ; attendu : {p1}, le SIRET du fournisseur qui dépose", false},
	{CodeLignesType, 1, "lignesImport n'est pas un tableau", "lignesImport : {valeur} ; attendu : un tableau de 1 à 200 demandes", false},
	{CodeLignesVide, 1, "lignesImport vide", "lignesImport : aucune demande ; attendu : de 1 à 200 demandes", false},
	{CodeLignesTrop, 1, "Plus de 200 demandes", "lignesImport : {valeur} demandes ; attendu : au plus 200 par fichier", false},
	{CodeLigneNonObjet, 1, "Une ligne de lignesImport n'est pas un objet", "lignesImport[{p1}] : {valeur} ; attendu : un objet (une demande)", false},
	{CodeZipManquant, 1, "Fichier .zip des pièces absent", "pièces justificatives : aucun fichier .zip ; attendu : le .zip des pièces citées par les demandes", false},
	{CodeZipIllisible, 1, "Fichier .zip illisible", "fichier .zip illisible{p1} ; attendu : une archive zip valide", false},
	{CodeZipTropGros, 1, "Fichier .zip trop volumineux", "fichier .zip trop volumineux{p1} ; attendu : au plus 200 Mo (209 715 200 octets)", false},
	{CodeZipChemin, 1, "Chemin dangereux dans le .zip", "fichier .zip : chemin {valeur} refusé ; attendu : des noms de fichiers simples, sans « .. » ni chemin absolu", false},
	{CodeZipLien, 1, "Lien symbolique dans le .zip", "fichier .zip : {valeur} est un lien ; attendu : des fichiers ordinaires", false},
	{CodeZipChiffre, 1, "Fichier chiffré dans le .zip", "fichier .zip : {valeur} est chiffré ; attendu : des fichiers sans mot de passe", false},
	{CodeZipDoublon, 1, "Deux fichiers de même nom dans le .zip", "fichier .zip : {valeur} présent deux fois ; attendu : des noms uniques", false},
	{CodeZipTropDEntrees, 1, "Trop de fichiers dans le .zip", "fichier .zip : trop de fichiers{p1} ; attendu : au plus 2 000", false},
	{CodeZipBombe, 1, "Archive .zip dangereuse (bombe de décompression)", "fichier .zip : {valeur} anormal{p1} ; attendu : une archive ordinaire", false},

	{CodeManquante, 2, "Balise absente", "balise « {balise} » absente ; attendu : {p1}", false},
	{CodeInconnue, 2, "Balise inconnue", "balise « {balise} » inconnue ; attendu : les seules balises du modèle JSON-HOP", false},
	{CodeCasse, 2, "Balise mal écrite (majuscules, minuscules)", "balise « {valeur} » ; attendu : « {balise} » (majuscules et minuscules comptent)", false},
	{CodeType, 2, "Type JSON incorrect", "{balise} : {valeur} ; attendu : {p1}", false},
	{CodeVide, 2, "Chaîne vide ou faite de blancs", "{balise} : {valeur} ; attendu : {p1}", false},
	{CodeBlancs, 2, "Blanc en début ou en fin de valeur", "{balise} : {valeur} commence ou finit par un blanc ; attendu : la valeur sans blanc autour", false},
	{CodeTropLong, 2, "Valeur trop longue", "{balise} : {valeur} fait {p2} caractères ; attendu : au plus {p1}", false},
	{CodeCapitales, 2, "Valeur pas en capitales", "{balise} : {valeur} ; attendu : en capitales", false},
	{CodeEmail, 2, "Adresse e-mail invalide", "{balise} : {valeur} ; attendu : une adresse e-mail (nom@domaine.fr)", false},
	{CodeTelephone, 2, "Numéro de téléphone invalide", "{balise} : {valeur} ; attendu : 8 à 15 chiffres (blancs, . - ( ) et + initial permis)", false},
	{CodeNonNull, 2, "Valeur réservée au portail renseignée", "{balise} : {valeur} ; attendu : null dans le fichier déposé", false},
	{CodeTableauVide, 2, "Tableau vide", "{balise} : tableau vide ; attendu : {p1}", false},
	{CodeNumLigneEntier, 2, "numLigne n'est pas un entier", "numLigne : {valeur} ; attendu : un entier écrit sans décimale ni exposant", false},
	{CodeNumLignePosition, 2, "numLigne différent de la position de la demande", "numLigne : {valeur} ; attendu : {p1}, la position de la demande dans le fichier", false},
	{CodeTypeAction, 2, "typeAction invalide", "typeAction : {valeur} ; attendu : « C » (création d'une demande)", false},
	{CodeNumeroEditeur, 2, "numeroEditeur invalide", "numeroEditeur : {valeur} ; attendu : 5 lettres ou chiffres", false},
	{CodeEditeurFichier, 2, "numeroEditeur déjà utilisé dans le fichier", "numeroEditeur : {valeur} déjà utilisé par la demande {p1} du fichier ; attendu : un numéro jamais utilisé", false},
	{CodeEditeurHistorique, 2, "numeroEditeur déjà utilisé dans un dépôt précédent", "numeroEditeur : {valeur} déjà utilisé dans un dépôt précédent ; attendu : un numéro jamais utilisé", true},
	{CodeDateFormat, 2, "dateCommande hors format", "commande.dateCommande : {valeur} ; attendu : une date JJ/MM/AAAA", false},
	{CodeDateInexistante, 2, "dateCommande inexistante", "commande.dateCommande : {valeur} n'existe pas ; attendu : une date réelle JJ/MM/AAAA", false},
	{CodeDateFuture, 2, "dateCommande postérieure au dépôt", "commande.dateCommande : {valeur} ; attendu : au plus tard la date du dépôt, le {p1}", false},
	{CodeRegimeTVA, 2, "regimeTVA invalide", "commande.regimeTVA : {valeur} ; attendu : « HT » ou « TTC »", false},
	{CodeMontantFormat, 2, "montantSegurHT sans exactement deux décimales", "commande.montantSegurHT : {valeur} ; attendu : un nombre à deux décimales, .00 pour un entier (ex. 13750.00)", false},
	{CodeMontantPositif, 2, "montantSegurHT nul ou négatif", "commande.montantSegurHT : {valeur} ; attendu : un montant supérieur à 0", false},
	{CodeMontantMax, 2, "montantSegurHT trop grand", "commande.montantSegurHT : {valeur} ; attendu : au plus 999999999.99", false},
	{CodeMandataireUnique, 2, "Mandataire pour un client unique", "beneficiaires.isMandataire : true avec isClientUnique true ; attendu : un mandataire seulement pour plusieurs ES-PMSI", false},
	{CodeMandataireRequis, 2, "Coordonnée du mandataire absente", "{balise} : {valeur} ; attendu : {p1}, car isMandataire est true et isClientUnique false", false},
	{CodeMandataireNull, 2, "Coordonnée de mandataire sans mandataire", "{balise} : {valeur} ; attendu : null, car {p1}", false},
	{CodeClientUnique, 2, "Client unique avec plusieurs établissements", "beneficiaires.etablissementsClients : {valeur} établissements ; attendu : exactement 1, car isClientUnique est true", false},
	{CodeClientsPlusieurs, 2, "Un seul établissement sans client unique", "beneficiaires.etablissementsClients : 1 établissement ; attendu : au moins 2, car isClientUnique est false", false},
	{CodeFINESS, 2, "FINESSPMSI invalide", "{balise} : {valeur} ; attendu : 9 chiffres, ou 2A ou 2B suivi de 7 chiffres", false},
	{CodeFINESSDoublon, 2, "FINESSPMSI cité deux fois dans la demande", "{balise} : {valeur} déjà cité par l'établissement {p1} ; attendu : chaque ES-PMSI une seule fois par demande", false},
	{CodeNomPiece, 2, "nomFichier hors nomenclature", "{balise} : {valeur} ; attendu : HOP-{p1}-Va1-BDC ou HT-{p2}[-NOM].pdf, .jpg ou .png (NOM facultatif : lettres A à Z, chiffres, _)", false},
	{CodeNomPieceLogiciel, 2, "nomFichier d'un autre logiciel", "{balise} : {valeur} ; attendu : le logiciel du dépôt dans le nom, HOP-{p1}-…", false},
	{CodeNomPieceEditeur, 2, "nomFichier d'un autre numeroEditeur", "{balise} : {valeur} ; attendu : le numeroEditeur {p1} de la demande dans le nom", false},
	{CodeFormatFichier, 2, "formatFichier invalide", "{balise} : {valeur} ; attendu : « PDF », « PNG » ou « JPG »", false},
	{CodeTypeFichier, 2, "typeFichier invalide", "{balise} : {valeur} ; attendu : « BON_COMMANDE » ou « PREUVE_HT »", false},
	{CodeExtension, 2, "Extension du nomFichier différente du formatFichier", "{balise} : {valeur} ; attendu : l'extension .{p1}, car formatFichier est {p2}", false},
	{CodeCodeTypeFichier, 2, "Code du nomFichier différent du typeFichier", "{balise} : {valeur} ; attendu : le code {p1} dans le nom, car typeFichier est {p2}", false},
	{CodeSansBonCommande, 2, "Aucun bon de commande", "piecesJustificatives : aucun BON_COMMANDE ; attendu : exactement un bon de commande", false},
	{CodeBonsCommande, 2, "Plusieurs bons de commande", "piecesJustificatives : {valeur} BON_COMMANDE ; attendu : un seul bon de commande par demande", false},
	{CodeSansPreuveHT, 2, "Aucune preuve du régime HT", "piecesJustificatives : aucune PREUVE_HT ; attendu : au moins une, car regimeTVA est HT", false},
	{CodePreuveHTEnTTC, 2, "Preuve HT pour un régime TTC", "{balise} : PREUVE_HT ; attendu : aucune preuve HT, car regimeTVA est TTC", false},
	{CodePieceDoublon, 2, "Deux pièces de même nom dans la demande", "{balise} : {valeur} déjà cité par la pièce {p1} ; attendu : un nom par pièce", false},
	{CodeScenarioFalse, 2, "Scénario d'un autre logiciel coché", "{balise} : true ; attendu : false pour un logiciel {p1}", false},
	{CodeOperateurNull, 2, "Opérateur de messagerie hors PFI", "{balise} : {valeur} ; attendu : null pour un logiciel {p1}", false},
	{CodeOperateurRequis, 2, "Opérateur de messagerie absent (PFI)", "{balise} : {valeur} ; attendu : un opérateur de messagerie de la liste, pour un logiciel PFI", false},
	{CodeOperateurInconnu, 2, "Opérateur de messagerie hors liste", "{balise} : {valeur} ; attendu : un opérateur de messagerie de la liste de l'agence", false},
	{CodePieceAbsente, 2, "Pièce absente du .zip", "{balise} : {valeur} absent du .zip ; attendu : ce fichier à la racine du .zip", false},
	{CodePieceTropGrande, 2, "Pièce de plus de 3 Mo", "{balise} : {valeur} dépasse 3 Mo ; attendu : au plus 3 Mo (3 145 728 octets)", false},
	{CodePieceFormat, 2, "Contenu de la pièce différent de son format", "{balise} : le contenu de {valeur} n'est pas un {p1} ; attendu : un fichier {p1}", false},
	{CodePieceIllisible, 2, "Pièce illisible dans le .zip", "{balise} : {valeur} illisible dans le .zip (données corrompues) ; attendu : un fichier intact", false},

	{CodeSoldeNumeroASP, 2, "Solde : numeroASP invalide", "numeroASP : {valeur} ; attendu : le numéro ASP de la demande d'avance acceptée, ASP-AAAA-NNNNNNN", false},
	{CodeSoldeASPFichier, 2, "Solde : numeroASP cité deux fois dans le fichier", "numeroASP : {valeur} déjà cité par la ligne {p1} du fichier ; attendu : un seul solde par demande", false},
	{CodeSoldeASPInconnu, 2, "Solde : numeroASP inconnu", "numeroASP : {valeur} ne correspond à aucune demande ; attendu : le numéro ASP d'une demande d'avance acceptée", true},
	{CodeSoldeASPAutre, 2, "Solde : numeroASP d'un autre fournisseur", "numeroASP : {valeur} n'est pas une demande de ce fournisseur ; attendu : le numéro ASP d'une de ses demandes", true},
	{CodeSoldeAvanceNonPayee, 2, "Solde : avance pas encore payée", "numeroASP : {valeur}, demande au statut « {p1} » ; attendu : une demande dont l'avance est payée (ou dont le solde a été refusé)", true},
	{CodeSoldeDejaDepose, 2, "Solde : solde déjà déposé pour cette demande", "numeroASP : {valeur}, solde déjà déposé (statut « {p1} ») ; attendu : un seul solde par demande, sauf après un refus", true},
	{CodeSoldeEditeur, 2, "Solde : numeroEditeur différent de celui de la demande d'avance", "numeroEditeur : {valeur} ; attendu : « {p1} », le numeroEditeur de la demande d'avance {p2}", true},
	{CodeSoldeDateFormat, 2, "Solde : dateFacture ou dateMiseEnService hors format", "{balise} : {valeur} ; attendu : une date JJ/MM/AAAA", false},
	{CodeSoldeDateInexistante, 2, "Solde : dateFacture ou dateMiseEnService inexistante", "{balise} : {valeur} n'existe pas ; attendu : une date réelle JJ/MM/AAAA", false},
	{CodeSoldeDateFuture, 2, "Solde : dateFacture ou dateMiseEnService postérieure au dépôt", "{balise} : {valeur} ; attendu : au plus tard la date du dépôt, le {p1}", false},
	{CodeSoldeMontantFormat, 2, "Solde : montantFactureHT sans exactement deux décimales", "facture.montantFactureHT : {valeur} ; attendu : un nombre à deux décimales, .00 pour un entier (ex. 13750.00)", false},
	{CodeSoldeFactureNulle, 2, "Solde : facture à 0 € ou négative", "facture.montantFactureHT : {valeur} ; attendu : un montant supérieur à 0 (une facture à 0 € est toujours refusée)", false},
	{CodeSoldeMontantMax, 2, "Solde : montantFactureHT trop grand", "facture.montantFactureHT : {valeur} ; attendu : au plus 999999999.99", false},
	{CodeSoldeNomPiece, 2, "Solde : nomFichier hors nomenclature", "{balise} : {valeur} ; attendu : HOP-{p1}-Va1-FAC ou VSR-{p2}[-NOM].pdf, .jpg ou .png (NOM facultatif : lettres A à Z, chiffres, _)", false},
	{CodeSoldeTypeFichier, 2, "Solde : typeFichier invalide", "{balise} : {valeur} ; attendu : « FACTURE » ou « PV_VSR »", false},
	{CodeSoldeSansFacture, 2, "Solde : aucune facture", "piecesJustificatives : aucune FACTURE ; attendu : exactement une facture", false},
	{CodeSoldeFactures, 2, "Solde : plusieurs factures", "piecesJustificatives : {valeur} FACTURE ; attendu : une seule facture par demande de solde", false},
	{CodeSoldeSansPV, 2, "Solde : aucun procès-verbal de vérification de service régulier", "piecesJustificatives : aucun PV_VSR ; attendu : au moins un procès-verbal de VSR signé du client", false},
}

// Solde reports whether the code is one of the balance file's own rules
// (21xx, docs/solde.md).
func (c CodeInfo) Solde() bool { return strings.HasPrefix(c.Code, "21") }

var catalogueIndex = func() map[string]*CodeInfo {
	m := make(map[string]*CodeInfo, len(Catalogue))
	for i := range Catalogue {
		m[Catalogue[i].Code] = &Catalogue[i]
	}
	return m
}()

// InfoCode returns the catalogue's entry of code.
func InfoCode(code string) (CodeInfo, bool) {
	c, ok := catalogueIndex[code]
	if !ok {
		return CodeInfo{}, false
	}
	return *c, true
}

// MaxLibelle is the most code points of a filled label.
const MaxLibelle = 200

// maxValeur is the most code points of a value shown in a label.
const maxValeur = 40

// Erreur is one fault found by a control: a result code and what fills its label.
type Erreur struct {
	Code   string
	Balise string // the key at fault, as a path inside the request
	Valeur string // what was found, as shown to users
	P1, P2 string
	// Offset is the byte offset of the fault in the file (control 1), or -1.
	Offset int
	// Ligne and Colonne locate Offset (from 1; the column counts characters).
	Ligne, Colonne int
}

// Libelle fills the code's label template; at most MaxLibelle code points.
func (e Erreur) Libelle() string {
	info, ok := catalogueIndex[e.Code]
	if !ok {
		return "Erreur " + e.Code
	}
	r := strings.NewReplacer("{balise}", e.Balise, "{valeur}", e.Valeur, "{p1}", e.P1, "{p2}", e.P2)
	return couper(r.Replace(info.Modele), MaxLibelle)
}

// couper cuts s to at most n code points, marking the cut with "…".
func couper(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, k := 0, 0
	for i = range s {
		if k == n-1 {
			break
		}
		k++
	}
	return s[:i] + "…"
}

// montrerTexte shows a found string in a label: quoted, cut to 40 characters.
func montrerTexte(s string) string {
	return "« " + couper(s, maxValeur) + " »"
}
