package web

import "net/http"

// routesControles registers the pages of the controls a posteriori, the
// agents' exports and the agency's dashboard.
func (s *Server) routesControles(pages *http.ServeMux) {}
