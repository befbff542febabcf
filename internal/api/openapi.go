package api

import (
	_ "embed"
	"net/http"
)

//go:embed openapi.json
var openAPI []byte

func (a *API) getOpenAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, err := w.Write(openAPI)
	return err
}

// OpenAPI returns the API's description (OpenAPI 3.1, JSON), for the
// documentation page; the caller must not modify it.
func OpenAPI() []byte { return openAPI }
