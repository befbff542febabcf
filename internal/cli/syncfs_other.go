//go:build !linux

package cli

import "os"

// syncFichiers puts on disk the files a build wrote, one by one.
func syncFichiers(_ string, chemins []string) error {
	for _, chemin := range chemins {
		if chemin == "" {
			continue
		}
		f, err := os.OpenFile(chemin, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// ecrireBientot does nothing here: syncFichiers syncs each file.
func ecrireBientot(*os.File) {}
