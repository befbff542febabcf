// Package segur is the domain of the Ségur numérique financing portal:
// deposits and their desk (Guichet), vendors, products and users, the
// state machine of a request's instruction, payments, controls a
// posteriori, the dashboard's figures, the mails, and the interfaces of the
// stores the adapters under internal/ implement. The agency's file formats
// themselves (JSON-HOP and balance files, the two controls, result codes,
// the zip reader, the returned file, identifiers) are package hop, which
// this package uses. It does no I/O of its own (a test keeps it so): it
// works on byte slices, io.Reader, io.ReaderAt and io.Writer.
//
// Glossary (business nouns as the agency's documents say them):
//
//   - Demande: a financing request, one element of lignesImport.
//   - Depot: a deposit, one JSON file and its zip of attachments.
//   - Fournisseur: the software vendor (éditeur), identified by its SIRET.
//   - NumeroAns: the vendor's 10-character ANS referencing number of a product.
//   - Logiciel: the software type of the HOP couloir: RI, DPI or PFI.
//   - NumeroEditeur: the vendor's own 5-character number of a request.
//   - NumeroASP: the number the agency gives to each accepted request.
//   - PieceJustificative: an attachment (order form, proof of the VAT regime).
//   - Controle 1 / Controle 2: the checks of the whole file, then of each request.
//   - Instruction: an agent's examination of an accepted request, ending in a
//     refusal, a décision (at most 23 000 €) or a convention (above).
//   - Decision, Convention: the documents that grant the amount financed.
//   - Avance, Solde: the 30 % paid at the décision or signature, and the rest
//     paid on proof of delivery.
//   - DemandeSolde: a balance request, one line of a balance file (the
//     project's extension, docs/solde.md), quoting its request's NumeroASP,
//     with the invoice (Facture) and the client's statement that the service
//     was delivered (PV de VSR).
//   - Courriel: a mail of the outbox, sent to the vendor by the postman.
//   - Message: a message of a request's thread between the agency and its
//     vendor (Cote: the side that wrote it), with attached files
//     (FichierMessage); distinct from the request for completion. Note: an
//     agents' private note on a request, never shown to the vendor. Both
//     are immutable.
//   - LienCompte: a link mailed to a user to choose a password, for a
//     réinitialisation (« mot de passe oublié », valid an hour) or the
//     activation of an account an administrator created (7 days); asked
//     by a DemandeLien.
//   - Evenement: a line of the append-only audit log; its Maillon, its link
//     in the log's hash chain; a Sceau, a seal: the chain's link at an
//     event, timestamped by a time-stamping authority (horodatage).
package segur
