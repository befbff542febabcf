package cli

import (
	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/agence"
	"github.com/segur-numerique/segur/internal/api"
	"github.com/segur-numerique/segur/internal/blob"
	"github.com/segur-numerique/segur/internal/courrier"
	"github.com/segur-numerique/segur/internal/sqlstore"
	"github.com/segur-numerique/segur/internal/web"
)

// The one store, sqlstore.DB, serves every consumer's view of it: each
// adapter and service states what it needs as an interface, and this
// package, the only one that composes them, checks here at compile time
// that the store and the blob stores provide it.
var (
	_ web.Store            = (*sqlstore.DB)(nil)
	_ api.Store            = (*sqlstore.DB)(nil)
	_ agence.Store         = (*sqlstore.DB)(nil)
	_ agence.PaiementStore = (*sqlstore.DB)(nil)
	_ agence.ControleStore = (*sqlstore.DB)(nil)
	_ courrier.Store       = (*sqlstore.DB)(nil)
	_ agence.AnalyseStore  = (*sqlstore.DB)(nil)
	_ segur.GuichetStore   = (*sqlstore.DB)(nil)
	_ segur.Blobs          = (*blob.Dir)(nil)
	_ segur.Blobs          = (*blob.S3)(nil)
)
