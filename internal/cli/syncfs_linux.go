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

// ecrireBientot starts the writing of f's data to disk, without waiting
// for it (sync_file_range(2), SYNC_FILE_RANGE_WRITE); syncFichiers waits.
// A failure here only means the later sync does all the work.
func ecrireBientot(f *os.File) {
	unix.SyncFileRange(int(f.Fd()), 0, 0, unix.SYNC_FILE_RANGE_WRITE)
}
