package segur

// Interpretation is a rule the agency's document leaves silent or ambiguous,
// and the reading the project chose. Users find the list in docs/codes.md
// (segur codes --format markdown).
type Interpretation struct {
	Sujet  string
	Regle  string
	Source string // "spec" for the spec pages' [interpretation], "projet" for the project's own choices
}

// Interpretations lists every interpretation the controls implement.
var Interpretations = []Interpretation{
	{"Noms des balises", "L'OCR du document a abîmé certains noms ; les noms retenus sont : impId, lignesImport, SIRET (en capitales), etablissementsClients, FINESSPMSI, piecesJustificatives, nomFichier, isPFIpourEnvoiDMPIndependante, isPFIpourEnvoiMSSProIndependante, isPFIpourEnvoiMSSCitoyenIndependante, isCRBIOAssociated, scenarioInstallation, et DPI et PFI pour les deux blocs du scénario. Les balises sont comparées exactement (majuscules et minuscules comptent) ; une balise qui ne diffère d'une balise attendue que par la casse est signalée comme telle (codes 1023 et 2003).", "spec"},
	{"Longueurs", "« <N » signifie au plus N−1 caractères ; « =N » exactement N. Les caractères sont des caractères Unicode (points de code), pas des octets.", "spec"},
	{"Chaînes", "Toute chaîne est non vide et sans blanc au début ni à la fin (codes 2005 et 2006).", "spec"},
	{"null", "« null » désigne le littéral JSON null, pas la chaîne \"null\".", "spec"},
	{"numeroAns", "Une chaîne de 10 lettres ou chiffres ASCII (elle entre dans le nom du fichier). Le « 99999999 » à 8 chiffres du §3.3 du document est une coquille.", "spec"},
	{"numeroEditeur", "5 lettres ou chiffres ASCII (il entre dans le nom des pièces). Il est comparé sans tenir compte de la casse. Un numéro est « utilisé » dès qu'il figure dans une demande d'avance d'un dépôt du même fournisseur (SIRET) qui a passé le contrôle 1, quelle que soit l'issue de cette demande ; une demande qui reprend un numéro utilisé, par un dépôt antérieur ou plus haut dans le même fichier, est rejetée, la première est jugée normalement.", "spec"},
	{"dateCommande", "Une date réelle du calendrier au format JJ/MM/AAAA, pas postérieure à la date du dépôt (heure de Paris).", "spec"},
	{"montantSegurHT", "Un nombre JSON (pas une chaîne) écrit avec exactement deux décimales, supérieur à 0 et d'au plus 999999999.99 : son texte suit ^(0|[1-9][0-9]{0,8})\\.[0-9]{2}$. Le texte du nombre est conservé tel qu'écrit, jusque dans le fichier retour.", "spec"},
	{"Adresse e-mail", "Suit ^[^@\\s\"<>()]+@[^@\\s]+\\.[^@\\s]+$ : une seule adresse, sans nom affiché.", "spec"},
	{"Téléphone", "Seulement des chiffres, des blancs et . - ( ), un + initial facultatif, et de 8 à 15 chiffres. Les espaces insécables (U+00A0, U+202F) comptent comme des blancs.", "spec"},
	{"Capitales", "Une valeur est en capitales quand elle est égale à sa propre forme en majuscules (les capitales accentuées comme É en sont).", "spec"},
	{"Règles entre balises", "isClientUnique = true : exactement un établissement ; false : au moins deux. Un même FINESSPMSI une seule fois par demande. isMandataire = true exige isClientUnique = false (vérifié juste après isClientUnique). Exactement un BON_COMMANDE par demande ; au moins une PREUVE_HT quand regimeTVA est HT, aucune quand il est TTC ; deux pièces d'une demande n'ont jamais le même nomFichier.", "spec"},
	{"typeFichier", "Les deux types BON_COMMANDE et PREUVE_HT valent aussi pour les logiciels DPI et PFI.", "spec"},
	{"Type de logiciel", "Le type de logiciel vient du dépôt (le type enregistré du numéro ANS ; hors ligne, --logiciel, RI par défaut). RI : tous les booléens des blocs DPI et PFI sont false et operateurMessagerie est null. DPI : le bloc PFI est tout false et operateurMessagerie null. PFI : le bloc DPI est tout false, et operateurMessagerie est obligatoire et doit figurer dans la liste de l'agence (fichier remplaçable, liste fictive par défaut).", "spec"},
	{"Clés des identifiants", "Le SIRET et le FINESS portent une clé de Luhn, mais l'exemple du document (SIRET 88558855858745, FINESS 999999999) ne la respecte pas : une clé fausse n'est pas une erreur de format, c'est une alerte montrée à l'agent instructeur. Un FINESS corse (2A, 2B) n'a pas d'alerte de clé.", "spec"},
	{"Nom du fichier JSON", "JSON-<numeroAns>-<AAAAMMJJ>-<NNN>.json, la date étant celle du dépôt (heure de Paris, à la réception du premier octet). Le numéro d'ordre NNN (001 à 999) ne doit pas déjà appartenir à un dépôt du même numéro ANS qui a passé le contrôle 1 le même jour ; les trous sont permis (un envoi refusé n'utilise pas de numéro) ; avances et soldes partagent le compte.", "spec"},
	{"Nom des pièces", "HOP-<Logiciel>-Va1-<BDC|HT>-<numeroEditeur>[-<NOMRESPONSABLE>].<pdf|jpg|png>, comparé en respectant la casse : Va1 est « vague 1 » (l'OCR lit « Val ») ; le nom du responsable est facultatif (la règle du document le cite, son exemple l'omet) ; l'extension correspond à formatFichier et le code BDC ou HT à typeFichier.", "spec"},
	{"Taille des pièces et du .zip", "Mo = 2^20 octets (la lecture la plus favorable) ; les 3 Mo d'une pièce s'appliquent à son contenu décompressé. Les noms sont cherchés à la racine du .zip, exactement ; un .zip dont tous les fichiers sont dans un seul dossier de premier niveau est lu comme si ce dossier était la racine (le dossier __MACOSX/ qu'ajoute le Finder de macOS n'y fait pas obstacle). Un fichier du .zip cité par aucune demande est signalé, sans erreur.", "spec"},
	{"Limites du fichier", "Fichier JSON de 10 Mo au plus (un fichier plein de 200 demandes pèse environ 0,5 Mo) ; 20 niveaux d'objets ou de tableaux imbriqués au plus (le format en utilise 6).", "projet"},
	{"Archives dangereuses", "Refusées en entier (contrôle 1) : chemin absolu ou contenant « .. », barre oblique inverse ou lettre de lecteur ; lien symbolique ; fichier chiffré ; deux fichiers de même nom ; plus de 2 000 fichiers ; fichier déclaré plus de 100 fois plus grand décompressé que compressé et de plus de 1 Mo ; plus de 2 Go décompressés au total ; fichiers qui se chevauchent dans l'archive.", "projet"},
	{"Caractères échappés", "Un échappement \\uD800 à \\uDFFF isolé (demi-paire UTF-16) n'est pas un caractère : le fichier est rejeté (code 1011), comme un octet invalide en UTF-8 (code 1010). Un marqueur d'ordre des octets UTF-8 en tête de fichier est toléré et retiré du fichier retour.", "projet"},
	{"Ordre des vérifications d'une demande", "Les balises dans l'ordre du tableau des champs, chacune : présence, puis type JSON, puis valeur. Les balises inconnues d'un objet sont signalées dès que cet objet est atteint, avant ses balises. Dans le bloc PFI, les cinq booléens puis operateurMessagerie. Puis les règles entre balises, puis les pièces dans le .zip (dans l'ordre de piecesJustificatives), puis l'unicité de numeroEditeur.", "projet"},
	{"Libellés", "La balise en cause est nommée par son chemin dans la demande, les éléments d'un tableau étant numérotés à partir de 1 (beneficiaires.etablissementsClients[2].FINESSPMSI). La valeur trouvée est coupée à 40 caractères, le libellé à 200.", "projet"},
	{"Position des erreurs du contrôle 1", "Ligne et colonne à partir de 1 ; la colonne compte les caractères, pas les octets.", "projet"},
	{"segur check --all", "Toutes les erreurs des balises de chaque demande sont listées ; les règles entre balises et les pièces ne sont vérifiées que lorsque toutes les balises de la demande sont valides.", "projet"},
}
