package web

import "net/http"

// routesPaiements registers the payment officers' pages (role payeur).
func (s *Server) routesPaiements(pages *http.ServeMux) {}
