package web

import "net/http"

// routesSoldes registers the pages of the balance requests: the vendor's
// deposit of a balance and the instructors' instruction of it.
func (s *Server) routesSoldes(pages *http.ServeMux) {}
