package cli

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncFichiers puts on disk the files of dir that a build wrote: one
// syncfs(2) of dir's file system, one flush of the disk for them all.
func syncFichiers(dir string, _ []string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = unix.Syncfs(int(d.Fd()))
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
