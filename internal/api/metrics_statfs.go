//go:build linux || darwin

package api

import "syscall"

// espaceLibre returns the free space available to unprivileged users and
// the size of the file system that holds dir.
func espaceLibre(dir string) (libre, total uint64, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, 0, err
	}
	return uint64(st.Bavail) * uint64(st.Bsize), uint64(st.Blocks) * uint64(st.Bsize), nil
}
