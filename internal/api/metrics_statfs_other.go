//go:build !(linux || darwin)

package api

import "errors"

// espaceLibre is not measured on this system: /metrics leaves the free
// space out.
func espaceLibre(string) (libre, total uint64, err error) {
	return 0, 0, errors.New("statfs: not on this system")
}
