package hop

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file reads the attachments' zip (hop-format.md §5) with its own
// minimal reader rather than archive/zip, which loads the whole central
// directory with no bound and trusts the local headers. Everything here reads
// through an io.ReaderAt with small fixed buffers: the only things kept are
// the entries' metadata, at most MaxArchiveEntries of them.

// MaxArchive is the largest attachments' zip accepted: 200 Mo (Mo = 2^20 bytes).
const MaxArchive = 200 << 20

// MaxArchiveEntries is the most entries a zip may hold.
const MaxArchiveEntries = 2000

// MaxPiece is the largest uncompressed attachment: 3 Mo.
const MaxPiece = 3 << 20

// ArchiveFault says why a zip is refused as a whole (control 1).
type ArchiveFault int

// The faults of a zip as a whole, in no particular order of gravity.
const (
	// ArchiveIllisible: not a zip, truncated, corrupt directory or local
	// header, multi-disk. An unsupported compression method of a named entry is
	// not this fault: see PieceIllisible.
	ArchiveIllisible ArchiveFault = iota + 1
	// ArchiveTropGrande: more than MaxArchive bytes.
	ArchiveTropGrande
	// ArchiveCheminDangereux: an empty or absolute path, a ".." element, a
	// backslash, a drive letter "C:", a NUL or control character, a name over
	// 1024 bytes.
	ArchiveCheminDangereux
	// ArchiveLien: a symbolic link or another entry that is neither a regular
	// file nor a directory (Unix mode in the external attributes).
	ArchiveLien
	// ArchiveChiffree: an encrypted entry (general purpose flag bit 0, strong
	// encryption, encrypted directory, or the AES method 99).
	ArchiveChiffree
	// ArchiveDoublon: two entries with one name.
	ArchiveDoublon
	// ArchiveTropDEntrees: more than MaxArchiveEntries entries.
	ArchiveTropDEntrees
	// ArchiveBombe: a zip bomb. The declared uncompressed sizes add up to
	// more than 2 GiB, or the entries' local data overlap or fall outside
	// the file. A high compression ratio alone is no fault: a piece is
	// never read past its declared size nor past MaxPiece, and unnamed
	// entries are never decompressed, so the declared total bounds the work.
	ArchiveBombe
)

var archiveFaultNames = [...]string{
	ArchiveIllisible:       "ArchiveIllisible",
	ArchiveTropGrande:      "ArchiveTropGrande",
	ArchiveCheminDangereux: "ArchiveCheminDangereux",
	ArchiveLien:            "ArchiveLien",
	ArchiveChiffree:        "ArchiveChiffree",
	ArchiveDoublon:         "ArchiveDoublon",
	ArchiveTropDEntrees:    "ArchiveTropDEntrees",
	ArchiveBombe:           "ArchiveBombe",
}

// archiveFaultLabels are the French words users read.
var archiveFaultLabels = [...]string{
	ArchiveIllisible:       "archive illisible",
	ArchiveTropGrande:      "archive trop grande",
	ArchiveCheminDangereux: "chemin dangereux",
	ArchiveLien:            "lien ou fichier spécial",
	ArchiveChiffree:        "fichier chiffré",
	ArchiveDoublon:         "deux fichiers du même nom",
	ArchiveTropDEntrees:    "trop de fichiers",
	ArchiveBombe:           "bombe de décompression",
}

// String returns the constant's name, for logs and tests.
func (f ArchiveFault) String() string {
	if f > 0 && int(f) < len(archiveFaultNames) {
		return archiveFaultNames[f]
	}
	return "ArchiveFault(" + strconv.Itoa(int(f)) + ")"
}

// ArchiveError is a fault of the zip as a whole.
type ArchiveError struct {
	Fault  ArchiveFault
	Entry  string // the entry at fault, if any (cut to 100 bytes, made valid UTF-8)
	Detail string // a short French precision, may be empty, e.g. « 2 431 entrées, 2 000 au plus »
}

// Error says in French why the zip is refused, e.g. « archive des pièces
// jointes refusée : chemin dangereux « ../a.pdf » (élément « .. ») ».
func (e *ArchiveError) Error() string {
	label := "archive refusée"
	if e.Fault > 0 && int(e.Fault) < len(archiveFaultLabels) {
		label = archiveFaultLabels[e.Fault]
	}
	var b strings.Builder
	b.WriteString("archive des pièces jointes refusée : ")
	b.WriteString(label)
	if e.Entry != "" {
		b.WriteString(" « " + e.Entry + " »")
	}
	if e.Detail != "" {
		b.WriteString(" (" + e.Detail + ")")
	}
	return b.String()
}

// PieceStatus is the outcome of checking one named attachment.
type PieceStatus int

// The outcomes of CheckPiece.
const (
	PieceOK              PieceStatus = iota
	PieceAbsente                     // no such entry
	PieceTropGrande                  // uncompressed content over MaxPiece bytes
	PieceFormatIncorrect             // content does not start with the declared format's signature
	PieceIllisible                   // corrupt data, CRC-32 mismatch, unsupported compression method, size differs from declared
)

var pieceStatusNames = [...]string{
	PieceOK:              "PieceOK",
	PieceAbsente:         "PieceAbsente",
	PieceTropGrande:      "PieceTropGrande",
	PieceFormatIncorrect: "PieceFormatIncorrect",
	PieceIllisible:       "PieceIllisible",
}

// String returns the constant's name, for logs and tests.
func (s PieceStatus) String() string {
	if s >= 0 && int(s) < len(pieceStatusNames) {
		return pieceStatusNames[s]
	}
	return "PieceStatus(" + strconv.Itoa(int(s)) + ")"
}

// Libelle says the outcome in French, for an agent's page.
func (s PieceStatus) Libelle() string {
	switch s {
	case PieceOK:
		return "lisible"
	case PieceAbsente:
		return "absente du fichier zip"
	case PieceTropGrande:
		return "plus grande que 3 Mo"
	case PieceFormatIncorrect:
		return "d'un autre format que celui déclaré"
	}
	return "illisible (données corrompues)"
}

// Archive is an attachments' zip whose central directory was read and
// checked by OpenArchive. It keeps the io.ReaderAt it was opened on and reads
// an entry's data only when CheckPiece asks for it. It is not safe for
// concurrent use.
type Archive struct {
	r       io.ReaderAt
	entries []zipEntry     // every entry, directories included, in archive order
	index   map[string]int // an entry's full name to its position in entries
	root    string         // the single top-level folder read as the root, with its "/", or ""

	// Decompression state, made at the first CheckPiece and reused.
	br  *bufio.Reader
	fr  io.ReadCloser
	buf []byte
}

type zipEntry struct {
	name   string
	dir    bool
	looked bool   // CheckPiece asked for it
	method uint16 // 0 stored, 8 deflate, others unsupported
	crc    uint32
	csize  int64 // compressed size, from the central directory
	usize  int64 // declared uncompressed size, from the central directory
	local  int64 // offset of the local header
	data   int64 // offset of the data, after the local header
}

// The zip format's signatures, fixed lengths, and this reader's bounds.
const (
	zipLocalSig     = 0x04034b50
	zipCentralSig   = 0x02014b50
	zipEndSig       = 0x06054b50
	zip64EndSig     = 0x06064b50
	zip64LocatorSig = 0x07064b50

	zipLocalLen     = 30
	zipCentralLen   = 46
	zipEndLen       = 22
	zip64EndLen     = 56
	zip64LocatorLen = 20
	zipMaxComment   = 1<<16 - 1

	zipMaxName   = 1024    // longer names are refused as unsafe
	zipShownName = 100     // bytes of a name quoted in an ArchiveError
	zipMaxTotal  = 2 << 30 // the most declared uncompressed bytes of the whole archive

	zipDirBuffer   = 4 << 10  // the bufio buffer that streams the central directory
	zipReadBuffer  = 16 << 10 // the buffer CheckPiece reads uncompressed content into
	zipFlateBuffer = 4 << 10  // the bufio buffer under the decompressor

	zipFlagEncrypted    = 1 << 0
	zipFlagStrong       = 1 << 6
	zipFlagMaskedHeader = 1 << 13 // central directory encryption
	zipMethodStored     = 0
	zipMethodDeflate    = 8
	zipMethodAES        = 99
)

func zipU16(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }
func zipU32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
func zipU64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

// zipFault makes the error of a fault; name is the raw entry name or nil.
func zipFault(f ArchiveFault, name []byte, detail string) *ArchiveError {
	return &ArchiveError{Fault: f, Entry: zipShowName(name), Detail: detail}
}

func zipIllisible(detail string) *ArchiveError {
	return &ArchiveError{Fault: ArchiveIllisible, Detail: detail}
}

// zipShowName cuts name to zipShownName bytes and makes it valid UTF-8. It
// also replaces control characters, so that a name cannot forge lines in a
// message or a log.
func zipShowName(name []byte) string {
	if len(name) > zipShownName {
		cut := zipShownName
		for k := cut; k > cut-utf8.UTFMax; k-- {
			if utf8.RuneStart(name[k]) {
				cut = k
				break
			}
		}
		name = name[:cut]
	}
	s := strings.ToValidUTF8(string(name), "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || (r >= 0x7f && r < 0xa0) {
			return '\uFFFD'
		}
		return r
	}, s)
}

// zipEntier writes n with a space between groups of three digits, as in
// « 2 431 entrées ».
func zipEntier(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// zipReadAt fills p from offset off. A short read means the archive is
// truncated (ArchiveIllisible); any other error is the reader's own and is
// returned wrapped, for it says nothing about the archive.
func zipReadAt(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	return zipReadError(err)
}

func zipReadError(err error) error {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return zipIllisible("archive tronquée")
	}
	return fmt.Errorf("lecture de l'archive des pièces jointes : %w", err)
}

// zipEnd is what the end of central directory records say.
type zipEnd struct {
	count    uint64 // entries in the central directory
	cdOffset int64
	cdSize   int64
}

// OpenArchive reads the central directory of the zip r of size bytes and
// checks the archive as a whole. A fault is returned as *ArchiveError; an
// error of r itself (not a short read) is returned wrapped, as is.
func OpenArchive(r io.ReaderAt, size int64) (*Archive, error) {
	if size > MaxArchive {
		return nil, zipFault(ArchiveTropGrande, nil, zipEntier(size)+" octets, 200 Mo au plus")
	}
	end, err := zipFindEnd(r, size)
	if err != nil {
		return nil, err
	}
	a := &Archive{r: r, index: make(map[string]int, end.count)}
	if err := a.readDirectory(end); err != nil {
		return nil, err
	}
	if err := a.checkData(end.cdOffset); err != nil {
		return nil, err
	}
	a.root = a.findRoot()
	return a, nil
}

// zipFindEnd finds and reads the end of central directory record, and the
// zip64 one when its locator precedes it.
func zipFindEnd(r io.ReaderAt, size int64) (zipEnd, error) {
	const notZip = "ce n'est pas une archive zip"
	if size < zipEndLen {
		return zipEnd{}, zipIllisible(notZip)
	}
	n := min(size, zipEndLen+zipMaxComment)
	tail := make([]byte, n)
	if err := zipReadAt(r, tail, size-n); err != nil {
		return zipEnd{}, err
	}
	// The comment may hold the signature too: prefer the record whose
	// comment runs exactly to the end of the file, then, as other readers do,
	// the last one whose comment fits in it.
	p, fits := -1, -1
	for i := len(tail) - zipEndLen; i >= 0; i-- {
		if zipU32(tail[i:]) != zipEndSig {
			continue
		}
		switch end := i + zipEndLen + int(zipU16(tail[i+20:])); {
		case end == len(tail):
			p = i
		case end < len(tail) && fits < 0:
			fits = i
		}
		if p >= 0 {
			break
		}
	}
	if p < 0 {
		p = fits
	}
	if p < 0 {
		var head [4]byte
		if zipReadAt(r, head[:], 0) == nil && zipU32(head[:]) == zipLocalSig {
			return zipEnd{}, zipIllisible("archive tronquée : la fin du répertoire central manque")
		}
		return zipEnd{}, zipIllisible(notZip)
	}
	b := tail[p : p+zipEndLen]
	endOffset := size - n + int64(p)
	disk, cdDisk := uint32(zipU16(b[4:])), uint32(zipU16(b[6:]))
	onDisk, count := uint64(zipU16(b[8:])), uint64(zipU16(b[10:]))
	cdSize, cdOffset := uint64(zipU32(b[12:])), uint64(zipU32(b[16:]))
	dirEnd := uint64(endOffset) // where the central directory must end

	if endOffset >= zip64LocatorLen {
		var loc [zip64LocatorLen]byte
		locOffset := endOffset - zip64LocatorLen
		if err := zipReadAt(r, loc[:], locOffset); err != nil {
			return zipEnd{}, err
		}
		if zipU32(loc[:]) == zip64LocatorSig {
			if zipU32(loc[4:]) != 0 || zipU32(loc[16:]) > 1 {
				return zipEnd{}, zipIllisible("archive en plusieurs volumes")
			}
			recOffset := zipU64(loc[8:])
			if locOffset < zip64EndLen || recOffset > uint64(locOffset-zip64EndLen) {
				return zipEnd{}, zipIllisible("fin de répertoire zip64 corrompue")
			}
			var rec [zip64EndLen]byte
			if err := zipReadAt(r, rec[:], int64(recOffset)); err != nil {
				return zipEnd{}, err
			}
			recSize := zipU64(rec[4:]) // the record's size after this field
			if zipU32(rec[:]) != zip64EndSig || recSize < zip64EndLen-12 ||
				recSize > uint64(locOffset)-recOffset-12 {
				return zipEnd{}, zipIllisible("fin de répertoire zip64 corrompue")
			}
			// Readers differ on when to believe the zip64 record: some
			// always do, some only for the fields the end record saturates.
			// Accept only an archive that reads the same either way.
			ok := true
			take := func(v *uint64, v64 uint64, saturated uint64) {
				if *v != saturated && *v != v64 {
					ok = false
				}
				*v = v64
			}
			d, cd := uint64(disk), uint64(cdDisk)
			take(&d, uint64(zipU32(rec[16:])), 1<<16-1)
			take(&cd, uint64(zipU32(rec[20:])), 1<<16-1)
			take(&onDisk, zipU64(rec[24:]), 1<<16-1)
			take(&count, zipU64(rec[32:]), 1<<16-1)
			take(&cdSize, zipU64(rec[40:]), 1<<32-1)
			take(&cdOffset, zipU64(rec[48:]), 1<<32-1)
			if !ok {
				return zipEnd{}, zipIllisible("fins de répertoire zip64 et zip incohérentes")
			}
			disk, cdDisk = uint32(d), uint32(cd)
			dirEnd = recOffset
		}
	}
	if disk != 0 || cdDisk != 0 || onDisk != count {
		return zipEnd{}, zipIllisible("archive en plusieurs volumes")
	}
	if count > MaxArchiveEntries {
		shown := int64(min(count, 1<<62))
		return zipEnd{}, zipFault(ArchiveTropDEntrees, nil,
			zipEntier(shown)+" entrées, "+zipEntier(MaxArchiveEntries)+" au plus")
	}
	// The central directory must end where the end records start: with a
	// gap, some readers shift every offset by it (taking the gap for data
	// prepended to the archive) and would read other entries than these.
	if cdOffset > dirEnd || cdSize != dirEnd-cdOffset || cdSize < count*zipCentralLen {
		return zipEnd{}, zipIllisible("répertoire central corrompu")
	}
	return zipEnd{count: count, cdOffset: int64(cdOffset), cdSize: int64(cdSize)}, nil
}

// readDirectory streams the central directory one entry at a time, checks
// each, and keeps its metadata.
func (a *Archive) readDirectory(end zipEnd) error {
	const corrupt = "répertoire central corrompu"
	br := bufio.NewReaderSize(io.NewSectionReader(a.r, end.cdOffset, end.cdSize), zipDirBuffer)
	readFull := func(p []byte) error {
		if _, err := io.ReadFull(br, p); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return zipIllisible(corrupt)
			}
			return zipReadError(err)
		}
		return nil
	}
	discard := func(n int) error {
		if m, err := br.Discard(n); m != n {
			if err == nil || errors.Is(err, io.EOF) {
				return zipIllisible(corrupt)
			}
			return zipReadError(err)
		}
		return nil
	}

	var h [zipCentralLen]byte
	var nameBuf [zipMaxName]byte
	var total uint64
	a.entries = make([]zipEntry, 0, end.count)
	for {
		sig, err := br.Peek(4)
		if len(sig) < 4 {
			if err != nil && !errors.Is(err, io.EOF) {
				return zipReadError(err)
			}
			break
		}
		if zipU32(sig) != zipCentralSig {
			break
		}
		if len(a.entries) == MaxArchiveEntries {
			// The end record said fewer entries: it lied.
			return zipFault(ArchiveTropDEntrees, nil, "plus de "+zipEntier(MaxArchiveEntries)+" entrées")
		}
		if err := readFull(h[:]); err != nil {
			return err
		}
		nameLen, extraLen, commentLen := int(zipU16(h[28:])), int(zipU16(h[30:])), int(zipU16(h[32:]))
		if nameLen > zipMaxName {
			shown := nameBuf[:zipShownName]
			if err := readFull(shown); err != nil {
				return err
			}
			return zipFault(ArchiveCheminDangereux, shown,
				"nom de "+zipEntier(int64(nameLen))+" octets, "+zipEntier(zipMaxName)+" au plus")
		}
		name := nameBuf[:nameLen]
		if err := readFull(name); err != nil {
			return err
		}
		if why := zipUnsafeName(name); why != "" {
			return zipFault(ArchiveCheminDangereux, name, why)
		}
		flags, method := zipU16(h[8:]), zipU16(h[10:])
		if flags&(zipFlagEncrypted|zipFlagStrong|zipFlagMaskedHeader) != 0 || method == zipMethodAES {
			return zipFault(ArchiveChiffree, name, "")
		}
		dir, why := zipEntryKind(zipU16(h[4:]), zipU32(h[38:]), name)
		if why != "" {
			return zipFault(ArchiveLien, name, why)
		}

		usize, csize, offset := uint64(zipU32(h[24:])), uint64(zipU32(h[20:])), uint64(zipU32(h[42:]))
		diskStart := uint32(zipU16(h[34:]))
		z := zip64Needs{usize: usize == 1<<32-1, csize: csize == 1<<32-1, offset: offset == 1<<32-1, disk: diskStart == 1<<16-1}
		got, err := zipReadExtra(extraLen, z, readFull, discard)
		if err != nil {
			return err
		}
		if z.usize {
			usize = got.usize
		}
		if z.csize {
			csize = got.csize
		}
		if z.offset {
			offset = got.offset
		}
		if z.disk {
			diskStart = got.disk
		}
		if diskStart != 0 {
			return zipFault(ArchiveIllisible, name, "archive en plusieurs volumes")
		}
		if err := discard(commentLen); err != nil {
			return err
		}

		key := string(name)
		if _, ok := a.index[key]; ok {
			return zipFault(ArchiveDoublon, name, "")
		}
		if usize > zipMaxTotal || total+usize > zipMaxTotal {
			return zipFault(ArchiveBombe, name, "taille décompressée totale déclarée au-delà de 2 Gio")
		}
		total += usize
		// Every offset and size must fall before the central directory:
		// checkData verifies it precisely; bounding them here keeps the
		// int64 conversions exact.
		if offset >= uint64(end.cdOffset) || csize > uint64(end.cdOffset) {
			return zipFault(ArchiveBombe, name, "données hors du fichier")
		}
		a.index[key] = len(a.entries)
		a.entries = append(a.entries, zipEntry{
			name:   key,
			dir:    dir,
			method: method,
			crc:    zipU32(h[16:]),
			csize:  int64(csize),
			usize:  int64(usize),
			local:  int64(offset),
		})
	}
	if uint64(len(a.entries)) != end.count {
		return zipIllisible("nombre d'entrées incohérent : annoncé " + zipEntier(int64(end.count)) +
			", trouvé " + zipEntier(int64(len(a.entries))))
	}
	return nil
}

// zip64Needs says which central directory fields were saturated and must be
// read from the zip64 extra field, in this order.
type zip64Needs struct{ usize, csize, offset, disk bool }

type zip64Values struct {
	usize, csize, offset uint64
	disk                 uint32
}

// zipReadExtra streams an entry's extra field of n bytes, keeping only the zip64
// one (ID 0x0001), and returns the values it carries.
func zipReadExtra(n int, need zip64Needs, readFull func([]byte) error, discard func(int) error) (zip64Values, error) {
	var v zip64Values
	found := false
	var h [4]byte
	var f [28]byte
	for n >= 4 {
		if err := readFull(h[:]); err != nil {
			return v, err
		}
		n -= 4
		id, size := zipU16(h[:]), int(zipU16(h[2:]))
		if size > n {
			// A malformed extra field: its remaining bytes mean nothing.
			break
		}
		n -= size
		if id != 0x0001 || found {
			if err := discard(size); err != nil {
				return v, err
			}
			continue
		}
		found = true
		k := min(size, len(f))
		if err := readFull(f[:k]); err != nil {
			return v, err
		}
		if err := discard(size - k); err != nil {
			return v, err
		}
		b := f[:k]
		take := func(w int) (uint64, bool) {
			if len(b) < w {
				return 0, false
			}
			var x uint64
			if w == 8 {
				x = zipU64(b)
			} else {
				x = uint64(zipU32(b))
			}
			b = b[w:]
			return x, true
		}
		ok := true
		if need.usize && ok {
			v.usize, ok = take(8)
		}
		if need.csize && ok {
			v.csize, ok = take(8)
		}
		if need.offset && ok {
			v.offset, ok = take(8)
		}
		if need.disk && ok {
			var d uint64
			d, ok = take(4)
			v.disk = uint32(d)
		}
		if !ok {
			return v, zipIllisible("champ zip64 incomplet")
		}
	}
	if err := discard(n); err != nil {
		return v, err
	}
	if !found && (need.usize || need.csize || need.offset || need.disk) {
		return v, zipIllisible("champ zip64 manquant")
	}
	return v, nil
}

// zipUnsafeName says in French why name is not a safe relative path, or "".
func zipUnsafeName(name []byte) string {
	if len(name) == 0 {
		return "nom vide"
	}
	if name[0] == '/' {
		return "chemin absolu"
	}
	if len(name) >= 2 && name[1] == ':' && (name[0]|0x20 >= 'a' && name[0]|0x20 <= 'z') {
		return "lettre de lecteur"
	}
	for _, c := range name {
		switch {
		case c < 0x20 || c == 0x7f:
			return "caractère de contrôle"
		case c == '\\':
			return "barre oblique inverse"
		}
	}
	if utf8.Valid(name) {
		for b := name; len(b) > 0; {
			r, n := utf8.DecodeRune(b)
			if r >= 0x80 && r < 0xa0 {
				return "caractère de contrôle"
			}
			b = b[n:]
		}
	}
	for b := name; len(b) > 0; {
		elem := b
		if k := bytes.IndexByte(b, '/'); k >= 0 {
			elem, b = b[:k], b[k+1:]
		} else {
			b = nil
		}
		if string(elem) == ".." {
			return "élément « .. »"
		}
	}
	return ""
}

// zipEntryKind tells a directory from a regular file. For an entry made on
// Unix (or macOS), it reads the Unix mode in the high half of the external
// attributes and says in French why the entry is neither.
func zipEntryKind(madeBy uint16, external uint32, name []byte) (dir bool, why string) {
	dir = len(name) > 0 && name[len(name)-1] == '/'
	switch madeBy >> 8 {
	case 3, 19: // Unix, OS X
	default:
		return dir, ""
	}
	switch mode := external >> 16; mode & 0o170000 {
	case 0, 0o100000: // no type recorded, or a regular file
	case 0o040000:
		dir = true
	case 0o120000:
		return dir, "lien symbolique"
	default:
		return dir, "fichier spécial"
	}
	return dir, ""
}

// checkData reads each entry's local header and checks that the entries'
// data lie in the file, before the central directory at limit, and do not
// overlap: overlapping entries are how the densest zip bombs are built.
func (a *Archive) checkData(limit int64) error {
	var buf [zipLocalLen + zipMaxName]byte
	order := make([]int, len(a.entries))
	for i := range a.entries {
		e := &a.entries[i]
		order[i] = i
		fault := func(f ArchiveFault, detail string) error {
			return zipFault(f, []byte(e.name), detail)
		}
		h := buf[:zipLocalLen+len(e.name)]
		if e.local > limit-int64(len(h)) {
			return fault(ArchiveBombe, "données hors du fichier")
		}
		if err := zipReadAt(a.r, h, e.local); err != nil {
			return err
		}
		if zipU32(h) != zipLocalSig {
			return fault(ArchiveIllisible, "en-tête local corrompu")
		}
		if zipU16(h[6:])&(zipFlagEncrypted|zipFlagStrong) != 0 {
			return fault(ArchiveChiffree, "")
		}
		// Tools that trust the local header would see another name.
		if int(zipU16(h[26:])) != len(e.name) || string(h[zipLocalLen:]) != e.name {
			return fault(ArchiveIllisible, "en-tête local incohérent")
		}
		e.data = e.local + int64(len(h)) + int64(zipU16(h[28:]))
		if e.data > limit || e.csize > limit-e.data {
			return fault(ArchiveBombe, "données hors du fichier")
		}
	}
	slices.SortFunc(order, func(i, j int) int {
		switch {
		case a.entries[i].local < a.entries[j].local:
			return -1
		case a.entries[i].local > a.entries[j].local:
			return 1
		}
		return i - j
	})
	for k := 1; k < len(order); k++ {
		prev, cur := &a.entries[order[k-1]], &a.entries[order[k]]
		if prev.data+prev.csize > cur.local {
			return zipFault(ArchiveBombe, []byte(cur.name), "données communes avec « "+zipShowName([]byte(prev.name))+" »")
		}
	}
	return nil
}

// findRoot returns the single top-level folder every file sits in, with its
// "/", or "" when the files are not all in one folder.
func (a *Archive) findRoot() string {
	root := ""
	for i := range a.entries {
		e := &a.entries[i]
		// macOS Finder adds __MACOSX/ beside the folder it compresses.
		if e.dir || strings.HasPrefix(e.name, "__MACOSX/") {
			continue
		}
		k := strings.IndexByte(e.name, '/')
		if k < 0 {
			return ""
		}
		if root == "" {
			root = e.name[:k+1]
		} else if e.name[:k+1] != root {
			return ""
		}
	}
	return root
}

// CheckPiece looks name up (exact, case-sensitive) at the archive's root and
// reads its uncompressed content, with a small fixed buffer, no further than
// one byte past its declared size (itself at most MaxPiece), verifying the
// CRC-32 when it read the whole entry.
// format is "PDF" (signature "%PDF-"), "PNG" (\x89PNG\r\n\x1a\n) or "JPG"
// (FF D8 FF); another format never matches. A declared size over MaxPiece
// gives PieceTropGrande, checked before the format; content longer than
// declared gives PieceIllisible. A read error of
// the underlying io.ReaderAt gives PieceIllisible.
func (a *Archive) CheckPiece(name, format string) PieceStatus {
	return a.piece(name, format, nil)
}

// ExtrairePiece checks the named attachment as CheckPiece does and, on the
// way, writes its content to w: what w received is the piece only when the
// status is PieceOK (w should buffer, at most MaxPiece bytes).
func (a *Archive) ExtrairePiece(name, format string, w io.Writer) PieceStatus {
	return a.piece(name, format, w)
}

func (a *Archive) piece(name, format string, w io.Writer) PieceStatus {
	if name == "" || strings.IndexByte(name, '/') >= 0 {
		return PieceAbsente
	}
	i, ok := a.index[a.root+name]
	if !ok || a.entries[i].dir {
		return PieceAbsente
	}
	e := &a.entries[i]
	e.looked = true
	if e.usize > MaxPiece {
		return PieceTropGrande
	}
	src := io.NewSectionReader(a.r, e.data, e.csize)
	var content io.Reader
	switch e.method {
	case zipMethodStored:
		if e.csize != e.usize {
			return PieceIllisible
		}
		content = src
	case zipMethodDeflate:
		if a.br == nil {
			a.br = bufio.NewReaderSize(src, zipFlateBuffer)
			a.fr = flate.NewReader(a.br)
		} else {
			a.br.Reset(src)
			if err := a.fr.(flate.Resetter).Reset(a.br, nil); err != nil {
				return PieceIllisible
			}
		}
		content = a.fr
	default:
		return PieceIllisible
	}
	if a.buf == nil {
		a.buf = make([]byte, zipReadBuffer)
	}
	var head [8]byte
	var got int64
	crc := uint32(0)
	// Never past the declared size (at most MaxPiece here): the declared
	// sizes, bounded in all, bound the work however well a piece compresses.
	lr := io.LimitedReader{R: content, N: e.usize + 1}
	for {
		n, err := lr.Read(a.buf)
		if got < int64(len(head)) {
			copy(head[got:], a.buf[:n])
		}
		crc = crc32.Update(crc, crc32.IEEETable, a.buf[:n])
		got += int64(n)
		if w != nil && got <= MaxPiece {
			if _, err := w.Write(a.buf[:n]); err != nil {
				return PieceIllisible
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			if got > MaxPiece {
				return PieceTropGrande
			}
			return PieceIllisible
		}
	}
	switch {
	case got > MaxPiece:
		return PieceTropGrande
	case got != e.usize || crc != e.crc:
		return PieceIllisible
	case !zipSignature(format, head[:min(got, int64(len(head)))]):
		return PieceFormatIncorrect
	}
	return PieceOK
}

// zipSignature reports whether head, the first bytes of a content, starts
// with the signature of format.
func zipSignature(format string, head []byte) bool {
	var sig string
	switch format {
	case "PDF":
		sig = "%PDF-"
	case "PNG":
		sig = "\x89PNG\r\n\x1a\n"
	case "JPG":
		sig = "\xff\xd8\xff"
	default:
		return false
	}
	return strings.HasPrefix(string(head), sig)
}

// Unnamed returns, in archive order, the regular files that CheckPiece never
// looked up, named as CheckPiece would name them: without the single
// top-level folder when the archive has one.
func (a *Archive) Unnamed() []string {
	var names []string
	for i := range a.entries {
		if e := &a.entries[i]; !e.dir && !e.looked {
			names = append(names, strings.TrimPrefix(e.name, a.root))
		}
	}
	return names
}

// FormatPiece returns the format (PDF, PNG or JPG) whose signature content
// starts with, or "" for another content.
func FormatPiece(head []byte) string {
	for _, f := range []string{"PDF", "PNG", "JPG"} {
		if zipSignature(f, head) {
			return f
		}
	}
	return ""
}
