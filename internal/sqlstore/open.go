package sqlstore

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ConnectError is a failure to open the database that its address or the
// server's state explains, not the program: the PostgreSQL server
// unreachable, the user, password or database refused, the SQLite file's
// folder missing or forbidden. Message is French, says what to check, and
// never quotes the password; Err is the driver's error.
type ConnectError struct {
	Message string
	Err     error
}

func (e *ConnectError) Error() string { return e.Message }

func (e *ConnectError) Unwrap() error { return e.Err }

// postgresOpenError says why PostgreSQL refused a connection, read from the
// driver's error types and SQLSTATE codes, never from its messages. An
// error it does not know stays a ConnectError, with the driver's words.
func postgresOpenError(dsn string, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	var host, user, base string
	var port uint16
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) && ce.Config != nil {
		host, port, user, base = ce.Config.Host, ce.Config.Port, ce.Config.User, ce.Config.Database
	} else if cfg, perr := pgconn.ParseConfig(dsn); perr == nil {
		host, port, user, base = cfg.Host, cfg.Port, cfg.User, cfg.Database
	}
	addr := net.JoinHostPort(host, strconv.Itoa(int(port)))
	if strings.HasPrefix(host, "/") {
		addr = fmt.Sprintf("%s/.s.PGSQL.%d", host, port)
	}
	msg := func(format string, args ...any) error {
		return &ConnectError{Message: "base PostgreSQL : " + fmt.Sprintf(format, args...), Err: err}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "28P01": // invalid_password
			return msg("mot de passe refusé pour l'utilisateur « %s » : vérifiez l'utilisateur et le mot de passe de l'adresse de la base (postgres://utilisateur:motdepasse@hôte:port/base)", user)
		case pe.Code == "3D000": // invalid_catalog_name
			return msg("la base « %s » n'existe pas sur %s : vérifiez son nom dans l'adresse de la base, ou créez-la (createdb -O %s %s)", base, addr, user, base)
		case pe.Code == "42501": // insufficient_privilege: no CONNECT on the database
			return msg("l'utilisateur « %s » n'a pas le droit de se connecter à la base « %s » : GRANT CONNECT ON DATABASE %s TO %s", user, base, base, user)
		case strings.HasPrefix(pe.Code, "28"): // invalid_authorization_specification: unknown role, pg_hba.conf
			return msg("le serveur %s refuse l'utilisateur « %s » (rôle inconnu, ou connexion non prévue par pg_hba.conf) : vérifiez l'utilisateur de l'adresse de la base et la configuration du serveur", addr, user)
		case pe.Code == "53300": // too_many_connections
			return msg("le serveur %s n'accepte plus de connexion (trop de connexions ouvertes) : réessayez, ou augmentez max_connections", addr)
		case pe.Code == "57P03": // cannot_connect_now
			return msg("le serveur %s démarre ou s'arrête : réessayez dans un instant", addr)
		}
		return msg("le serveur %s refuse la connexion (SQLSTATE %s) : vérifiez l'adresse de la base et la configuration du serveur", addr, pe.Code)
	}
	var dns *net.DNSError
	var verif *tls.CertificateVerificationError
	var cert x509.CertificateInvalidError
	var autorite x509.UnknownAuthorityError
	var nom x509.HostnameError
	var nerr net.Error
	switch {
	case errors.As(err, &dns) && dns.IsNotFound:
		return msg("hôte « %s » inconnu : vérifiez l'hôte de l'adresse de la base", host)
	case errors.As(err, &dns):
		return msg("le nom « %s » n'a pas pu être résolu (DNS) : vérifiez le réseau et l'hôte de l'adresse de la base", host)
	case errors.Is(err, syscall.ECONNREFUSED):
		return msg("injoignable à %s (connexion refusée) : vérifiez l'hôte et le port de l'adresse de la base, et que PostgreSQL est lancé et écoute sur cette adresse (listen_addresses)", addr)
	case errors.Is(err, fs.ErrNotExist) && strings.HasPrefix(host, "/"):
		return msg("pas de serveur sur le socket %s : vérifiez l'hôte et le port de l'adresse de la base, et que PostgreSQL est lancé", addr)
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return msg("%s injoignable (pas de route vers cet hôte) : vérifiez l'hôte de l'adresse de la base et le réseau", addr)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &nerr) && nerr.Timeout():
		return msg("pas de réponse de %s à temps : vérifiez l'hôte et le port de l'adresse de la base, et le pare-feu", addr)
	case errors.As(err, &verif), errors.As(err, &cert), errors.As(err, &autorite), errors.As(err, &nom):
		return msg("certificat TLS du serveur %s refusé : vérifiez sslmode et sslrootcert dans l'adresse de la base", addr)
	}
	// The driver's message names the host, user and database, never the password.
	return msg("connexion à %s impossible : vérifiez l'adresse de la base (%v)", addr, err)
}

// sqliteOpenError says why SQLite could not open the file at path, from the
// driver's result code and the state of the file's folder.
func sqliteOpenError(path string, err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return fmt.Errorf("sqlstore: open %s: %w", path, err)
	}
	msg := func(format string, args ...any) error {
		return &ConnectError{Message: fmt.Sprintf("base SQLite « %s » : ", path) + fmt.Sprintf(format, args...), Err: err}
	}
	dir := filepath.Dir(path)
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_CANTOPEN:
		if st, serr := os.Stat(path); serr == nil && st.IsDir() {
			return msg("c'est un dossier ; attendu le chemin d'un fichier, par exemple %s", filepath.Join(path, "segur.db"))
		}
		switch st, serr := os.Stat(dir); {
		case errors.Is(serr, fs.ErrNotExist):
			return msg("le dossier « %s » n'existe pas : créez-le, ou vérifiez le chemin", dir)
		case serr == nil && !st.IsDir():
			return msg("« %s » n'est pas un dossier : vérifiez le chemin", dir)
		}
		return msg("impossible d'ouvrir ou de créer le fichier : vérifiez les droits sur le dossier « %s » et sur le fichier", dir)
	case sqlite3.SQLITE_PERM, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_AUTH:
		return msg("écriture refusée : vérifiez les droits sur le fichier et sur le dossier « %s »", dir)
	case sqlite3.SQLITE_NOTADB:
		return msg("ce fichier n'est pas une base SQLite : vérifiez le chemin")
	}
	return fmt.Errorf("sqlstore: open %s: %w", path, err)
}

// restreindreSQLite makes the database's files private to the portal's
// user before the driver opens them: they hold password and token hashes,
// IBANs and personal data. A missing database file is created 0600,
// whatever the umask; SQLite then creates its -wal and -shm files with the
// database file's mode (os_unix.c, findCreateFileMode and robust_open,
// which sets the mode exactly, past the umask), so the process's umask,
// shared with everything else it writes, is left alone. Files an older
// version left readable by others are narrowed when this user owns them.
// An error is left to the driver, which says in French what is wrong
// (sqliteOpenError).
func restreindreSQLite(path string) {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o077 != 0 {
			os.Chmod(p, st.Mode().Perm()&0o700)
		}
	}
}
