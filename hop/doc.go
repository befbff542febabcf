// Package hop reads, checks and writes the files of the Ségur numérique
// financing programme's hospital couloir (HOP), as the payment agency (ASP)
// defines them: the JSON-HOP file of advance requests, its zip of
// attachments, the returned file, and the balance file. A vendor's own
// software can check a file exactly as the agency's portal will at deposit,
// build files from its own data, and read what the portal sends back. The
// portal itself is built on this package; hop imports nothing of it.
//
// # The file
//
// A JSON-HOP file, named JSON-<numeroAns>-<AAAAMMJJ>-<NNN>.json, holds a
// header (impId, numeroAns, SIRET) and lignesImport, 1 to 200 requests
// (Demande). Each request names its order (commande), its beneficiaries
// (one or several client establishments, identified by their FINESS, and an
// optional mandataire), its attachments (piecesJustificatives: one order
// form, and a proof of the excluding-tax regime when the amount is HT),
// the scenario of the software type (RI, DPI or PFI), and two processing
// keys, codeTraitement and libelleTraitement, null when deposited.
// Amounts are written with exactly two decimals (13750.00); this package
// reads them as euro cents (int64). Modele returns the agency's empty model
// and Schema a JSON Schema of it; the schema cannot express every rule
// (the project's docs/schema.md lists those it cannot).
//
// The attachments travel in one zip of at most 200 Mo (MaxArchive), each
// at most 3 Mo (MaxPiece), named by the nomenclature
// HOP-<Logiciel>-Va1-<BDC|HT>-<numeroEditeur>[-<NOM>].<pdf|jpg|png>
// (NomPiece). OpenArchive reads a zip's directory with its own reader, over
// an io.ReaderAt: it refuses unsafe archives whole and decompresses only the
// attachments a request names, never past their declared size.
//
// # The two controls
//
// Controler runs the agency's two controls on a file. Control 1 judges the
// whole file: its size, its name, UTF-8, the JSON syntax (bounded nesting,
// no key given twice), the header, the number of requests, and the zip as
// a whole. Its first fault rejects the file: Resultat.Rejet holds it, with
// the line and column of a syntax error, and no request is examined.
// Control 2 then judges each request on its own and stops at the request's
// first fault: Resultat.Demandes holds one ResultatDemande per request, in
// the file's order, accepted or with its fault.
//
// Every fault is a result code of four characters with a French label
// (Erreur.Libelle) naming the key at fault, the value found and what is
// expected; "0000" accepts a request. Catalogue lists every code, stable
// from one version to the next, and Interpretations the rules the agency's
// document leaves silent or ambiguous, with the reading chosen.
//
// A few rules only the portal can apply: the vendor's registered ANS
// numbers, the ordinals of the files it already deposited that day, the
// numeroEditeur of its earlier deposits (and, for a balance file, the
// state of the advance requests it quotes). Options.Portail and
// Options.PortailSolde answer them; without them the rules are skipped and
// listed in Resultat.Ignorees, which is what an offline check reports.
//
// # The returned file
//
// The portal returns the deposited file with, on every request,
// codeTraitement, libelleTraitement and, when accepted, numeroASP: the
// number the vendor quotes for the balance. Resultat.EcrireRetour writes it,
// streaming, from a file that passed control 1; LireRetour reads one.
//
// # Writing files
//
// EcrireHOP writes a file from typed requests (DonneesDemande) laid out as
// the agency's model; EcrireSolde writes a balance file. NomPiece names
// attachments. Check what you wrote with Controler before depositing it.
// FichierExemple is the document's worked example under numbers of your
// choosing: files of up to 200 requests to test a deposit chain with.
//
// # The balance file
//
// The agency's document says the balance's format "will be communicated";
// the project defines one (docs/solde.md): the same header and control 1,
// each line quoting the numeroASP of an advance request with its invoice,
// the date the service went live and two kinds of attachments (FACTURE,
// PV_VSR). ControlerSolde checks it; ModeleSolde and SchemaSolde describe it.
//
// # Identifiers
//
// SIRETValide, FINESSValide, IBANValide, BICValide and their key checks
// (SIRETCleValide, FINESSCleValide) test the identifiers the agency uses. A
// wrong Luhn key of a SIRET or a FINESS is not a fault of the format (the
// document's own example fails it): the portal shows it to the agent.
//
// # Bounds
//
// The input is untrusted: a file of at most 10 Mo (MaxFichier), at most 20
// levels of nesting, 200 requests; a zip of at most 200 Mo and 2 000 entries,
// whose declared uncompressed sizes add up to at most 2 Gio. Checking a
// 200-request file reads it once and takes about the time encoding/json's
// Valid takes on the same bytes; the zip is read through small fixed
// buffers, whatever its size.
package hop
