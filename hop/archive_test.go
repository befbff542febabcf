package hop

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
)

const archExample = "testdata/JSON-1234567890-20211025-001.zip"

// Contents that start with each format's signature.
var (
	archPDF = []byte("%PDF-1.4\n% une pièce\n%%EOF\n")
	archPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	archJPG = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00")
)

// archFile is one entry written with archive/zip.Writer.
type archFile struct {
	name   string
	body   []byte
	method uint16      // zip.Deflate when zero and body is not empty
	mode   fs.FileMode // SetMode when not zero
}

// archZip writes files with archive/zip.Writer.
func archZip(tb testing.TB, files ...archFile) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: f.method}
		if h.Method == 0 && len(f.body) > 0 && !strings.HasSuffix(f.name, "/") {
			h.Method = zip.Deflate
		}
		if f.mode != 0 {
			h.SetMode(f.mode)
		}
		fw, err := w.CreateHeader(h)
		if err != nil {
			tb.Fatalf("CreateHeader(%q): %v", f.name, err)
		}
		if _, err := fw.Write(f.body); err != nil {
			tb.Fatalf("Write(%q): %v", f.name, err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatalf("Close: %v", err)
	}
	return buf.Bytes()
}

// archPDFs writes one small PDF entry per name.
func archPDFs(tb testing.TB, names ...string) []byte {
	tb.Helper()
	files := make([]archFile, len(names))
	for i, n := range names {
		files[i] = archFile{name: n}
		if !strings.HasSuffix(n, "/") {
			files[i].body = archPDF
		}
	}
	return archZip(tb, files...)
}

// archHeader locates one entry's headers in a zip written by archZip.
type archHeader struct {
	name           string
	central, local int
}

// archHeaders walks the central directory of b, a zip without comment.
func archHeaders(tb testing.TB, b []byte) []archHeader {
	tb.Helper()
	end := len(b) - zipEndLen
	if end < 0 || zipU32(b[end:]) != zipEndSig {
		tb.Fatalf("archHeaders: no end record at %d", end)
	}
	p := int(zipU32(b[end+16:]))
	var hs []archHeader
	for range int(zipU16(b[end+10:])) {
		if zipU32(b[p:]) != zipCentralSig {
			tb.Fatalf("archHeaders: no central header at %d", p)
		}
		nl, el, cl := int(zipU16(b[p+28:])), int(zipU16(b[p+30:])), int(zipU16(b[p+32:]))
		hs = append(hs, archHeader{string(b[p+46 : p+46+nl]), p, int(zipU32(b[p+42:]))})
		p += zipCentralLen + nl + el + cl
	}
	return hs
}

func archPut16(b []byte, off int, v uint16) { binary.LittleEndian.PutUint16(b[off:], v) }
func archPut32(b []byte, off int, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }

// archPatch returns a copy of b with f applied to it and its headers.
func archPatch(tb testing.TB, b []byte, f func(b []byte, hs []archHeader)) []byte {
	tb.Helper()
	b = bytes.Clone(b)
	f(b, archHeaders(tb, b))
	return b
}

// archSparse is a file made of written segments; the bytes between them
// are zeros that take no memory, so that tests can declare large sizes.
type archSparse struct {
	size int64
	segs []archSeg // by offset, not overlapping
}

type archSeg struct {
	off int64
	b   []byte
}

func (f *archSparse) write(b []byte) {
	f.segs = append(f.segs, archSeg{f.size, bytes.Clone(b)})
	f.size += int64(len(b))
}

func (f *archSparse) skip(n int64) { f.size += n }

func (f *archSparse) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("archSparse: negative offset")
	}
	if off >= f.size {
		return 0, io.EOF
	}
	n, err := len(p), error(nil)
	if int64(n) > f.size-off {
		n, err = int(f.size-off), io.EOF
	}
	clear(p[:n])
	end := off + int64(n)
	i := sort.Search(len(f.segs), func(i int) bool { return f.segs[i].off+int64(len(f.segs[i].b)) > off })
	for ; i < len(f.segs) && f.segs[i].off < end; i++ {
		s := f.segs[i]
		lo, hi := max(off, s.off), min(end, s.off+int64(len(s.b)))
		copy(p[lo-off:hi-off], s.b[lo-s.off:hi-s.off])
	}
	return n, err
}

// bytes writes the whole file out; only for small files.
func (f *archSparse) bytes() []byte {
	b := make([]byte, f.size)
	_, _ = f.ReadAt(b, 0)
	return b
}

// archRaw is one entry laid out by archRawZip, field by field.
type archRaw struct {
	name         string
	method       uint16
	flags        uint16
	crc          uint32
	usize, csize uint64 // declared; the data are padded with zeros up to csize
	data         []byte
	zip64        bool // sizes and offset in zip64 extra fields
	extra        int  // bytes of zeros appended to the central extra field
	comment      int  // bytes of zeros of entry comment
}

// archRawFile makes the entry of content, compressed with method.
func archRawFile(tb testing.TB, name string, content []byte, method uint16) archRaw {
	tb.Helper()
	e := archRaw{name: name, method: method, crc: crc32.ChecksumIEEE(content), usize: uint64(len(content))}
	switch method {
	case zip.Store:
		e.data = content
	case zip.Deflate:
		var buf bytes.Buffer
		w, _ := flate.NewWriter(&buf, flate.BestCompression)
		if _, err := w.Write(content); err != nil {
			tb.Fatal(err)
		}
		if err := w.Close(); err != nil {
			tb.Fatal(err)
		}
		e.data = buf.Bytes()
	default:
		e.data = content
	}
	e.csize = uint64(len(e.data))
	return e
}

// archRawZip lays entries out as a zip, with zip64 end records when an
// entry is zip64.
func archRawZip(entries ...archRaw) *archSparse {
	le := binary.LittleEndian
	f := &archSparse{}
	offsets := make([]uint64, len(entries))
	any64 := false
	for i, e := range entries {
		offsets[i] = uint64(f.size)
		h := le.AppendUint32(nil, zipLocalSig)
		h = le.AppendUint16(h, 45)
		h = le.AppendUint16(h, e.flags)
		h = le.AppendUint16(h, e.method)
		h = le.AppendUint32(h, 0x00210000) // 1980-01-01 00:00
		h = le.AppendUint32(h, e.crc)
		var extra []byte
		if e.zip64 {
			any64 = true
			h = le.AppendUint32(h, 1<<32-1)
			h = le.AppendUint32(h, 1<<32-1)
			extra = le.AppendUint16(extra, 1)
			extra = le.AppendUint16(extra, 16)
			extra = le.AppendUint64(extra, e.usize)
			extra = le.AppendUint64(extra, e.csize)
		} else {
			h = le.AppendUint32(h, uint32(e.csize))
			h = le.AppendUint32(h, uint32(e.usize))
		}
		h = le.AppendUint16(h, uint16(len(e.name)))
		h = le.AppendUint16(h, uint16(len(extra)))
		h = append(h, e.name...)
		h = append(h, extra...)
		f.write(h)
		f.write(e.data)
		if pad := int64(e.csize) - int64(len(e.data)); pad > 0 {
			f.skip(pad)
		}
	}
	cdOffset := uint64(f.size)
	for i, e := range entries {
		h := le.AppendUint32(nil, zipCentralSig)
		h = le.AppendUint16(h, 3<<8|45)
		h = le.AppendUint16(h, 45)
		h = le.AppendUint16(h, e.flags)
		h = le.AppendUint16(h, e.method)
		h = le.AppendUint32(h, 0x00210000)
		h = le.AppendUint32(h, e.crc)
		var extra []byte
		if e.zip64 {
			h = le.AppendUint32(h, 1<<32-1)
			h = le.AppendUint32(h, 1<<32-1)
			extra = le.AppendUint16(extra, 1)
			extra = le.AppendUint16(extra, 24)
			extra = le.AppendUint64(extra, e.usize)
			extra = le.AppendUint64(extra, e.csize)
			extra = le.AppendUint64(extra, offsets[i])
		} else {
			h = le.AppendUint32(h, uint32(e.csize))
			h = le.AppendUint32(h, uint32(e.usize))
		}
		h = le.AppendUint16(h, uint16(len(e.name)))
		h = le.AppendUint16(h, uint16(len(extra)+e.extra))
		h = le.AppendUint16(h, uint16(e.comment))
		h = le.AppendUint16(h, 0)            // disk
		h = le.AppendUint16(h, 0)            // internal attributes
		h = le.AppendUint32(h, 0o100644<<16) // a regular file
		if e.zip64 {
			h = le.AppendUint32(h, 1<<32-1)
		} else {
			h = le.AppendUint32(h, uint32(offsets[i]))
		}
		h = append(h, e.name...)
		h = append(h, extra...)
		f.write(h)
		f.skip(int64(e.extra + e.comment))
	}
	cdSize := uint64(f.size) - cdOffset
	n := uint64(len(entries))
	if any64 {
		rec := uint64(f.size)
		h := le.AppendUint32(nil, zip64EndSig)
		h = le.AppendUint64(h, zip64EndLen-12)
		h = le.AppendUint16(h, 45)
		h = le.AppendUint16(h, 45)
		h = le.AppendUint32(h, 0)
		h = le.AppendUint32(h, 0)
		h = le.AppendUint64(h, n)
		h = le.AppendUint64(h, n)
		h = le.AppendUint64(h, cdSize)
		h = le.AppendUint64(h, cdOffset)
		h = le.AppendUint32(h, zip64LocatorSig)
		h = le.AppendUint32(h, 0)
		h = le.AppendUint64(h, rec)
		h = le.AppendUint32(h, 1)
		f.write(h)
		n, cdSize, cdOffset = 1<<16-1, 1<<32-1, 1<<32-1
	}
	h := le.AppendUint32(nil, zipEndSig)
	h = le.AppendUint32(h, 0)
	h = le.AppendUint16(h, uint16(n))
	h = le.AppendUint16(h, uint16(n))
	h = le.AppendUint32(h, uint32(cdSize))
	h = le.AppendUint32(h, uint32(cdOffset))
	h = le.AppendUint16(h, 0)
	f.write(h)
	return f
}

func archOpen(tb testing.TB, b []byte) (*Archive, error) {
	tb.Helper()
	return OpenArchive(bytes.NewReader(b), int64(len(b)))
}

// archMustOpen opens b and fails the test on error.
func archMustOpen(tb testing.TB, r io.ReaderAt, size int64) *Archive {
	tb.Helper()
	a, err := OpenArchive(r, size)
	if err != nil {
		tb.Fatalf("OpenArchive: got %v, want no error", err)
	}
	return a
}

func archReadExample(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile(archExample)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// archRandom returns n bytes that deflate cannot compress.
func archRandom(n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{'s', 'e', 'g', 'u', 'r'})
	_, _ = r.Read(b)
	return b
}

// archSized returns content of n bytes that starts with the PDF signature.
func archSized(n int) []byte {
	b := make([]byte, n)
	copy(b, "%PDF-")
	return b
}

func TestArchiveExample(t *testing.T) {
	b := archReadExample(t)
	a := archMustOpen(t, bytes.NewReader(b), int64(len(b)))
	want := []string{"HOP-RI-Va1-BDC-00001.pdf", "HOP-RI-Va1-HT-00001.pdf"}
	if got := a.Unnamed(); !slices.Equal(got, want) {
		t.Errorf("Unnamed before any CheckPiece: got %q, want %q", got, want)
	}
	for _, name := range want {
		if got := a.CheckPiece(name, "PDF"); got != PieceOK {
			t.Errorf("CheckPiece(%q, PDF): got %v, want %v", name, got, PieceOK)
		}
	}
	if got := a.Unnamed(); len(got) != 0 {
		t.Errorf("Unnamed after checking both: got %q, want none", got)
	}
	// The example's writer streams its entries: it sets the data
	// descriptor flag, so the sizes come from the central directory.
	for _, h := range archHeaders(t, b) {
		if zipU16(b[h.central+8:])&0x8 == 0 {
			t.Logf("%s: no data descriptor", h.name)
		}
	}
}

func TestOpenArchiveFaults(t *testing.T) {
	ex := archReadExample(t)
	good := archPDFs(t, "a.pdf", "b.pdf")
	many := make([]string, MaxArchiveEntries+1)
	for i := range many {
		many[i] = fmt.Sprintf("f%04d.pdf", i)
	}
	tooMany := archPDFs(t, many...)
	long := strings.Repeat("n", zipMaxName+1)

	tests := []struct {
		name   string
		r      io.ReaderAt
		size   int64 // len of the bytes when zero
		b      []byte
		fault  ArchiveFault
		entry  string // checked when not empty
		detail string // checked when not empty
	}{
		{name: "empty file", b: []byte{}, fault: ArchiveIllisible},
		{name: "not a zip", b: []byte(strings.Repeat("ceci n'est pas un zip ", 10)), fault: ArchiveIllisible},
		{name: "a PDF", b: archPDF, fault: ArchiveIllisible},
		{name: "truncated in the middle", b: ex[:len(ex)/2], fault: ArchiveIllisible},
		{name: "last byte cut", b: ex[:len(ex)-1], fault: ArchiveIllisible},
		{name: "first half missing", r: bytes.NewReader(ex[len(ex)/2:]), size: int64(len(ex)), fault: ArchiveIllisible},
		{name: "central header signature broken", b: archPatch(t, good, func(b []byte, hs []archHeader) {
			b[hs[0].central] = 'X'
		}), fault: ArchiveIllisible},
		{name: "second central header signature broken", b: archPatch(t, good, func(b []byte, hs []archHeader) {
			b[hs[1].central] = 'X'
		}), fault: ArchiveIllisible},
		{name: "local header signature broken", b: archPatch(t, good, func(b []byte, hs []archHeader) {
			b[hs[1].local] = 'X'
		}), fault: ArchiveIllisible, entry: "b.pdf"},
		{name: "local name differs", b: archPatch(t, good, func(b []byte, hs []archHeader) {
			b[hs[0].local+zipLocalLen] = 'z'
		}), fault: ArchiveIllisible, entry: "a.pdf"},
		{name: "multi-disk", b: archPatch(t, good, func(b []byte, _ []archHeader) {
			archPut16(b, len(b)-zipEndLen+4, 1)
		}), fault: ArchiveIllisible},
		{name: "entry on another disk", b: archPatch(t, good, func(b []byte, hs []archHeader) {
			archPut16(b, hs[0].central+34, 1)
		}), fault: ArchiveIllisible},
		{name: "end record counts fewer entries", b: archPatch(t, good, func(b []byte, _ []archHeader) {
			archPut16(b, len(b)-zipEndLen+8, 1)
			archPut16(b, len(b)-zipEndLen+10, 1)
		}), fault: ArchiveIllisible},
		{name: "central directory past its end", b: archPatch(t, good, func(b []byte, _ []archHeader) {
			archPut32(b, len(b)-zipEndLen+16, uint32(len(b)))
		}), fault: ArchiveIllisible},
		{name: "zip64 end record disagrees with the end record", b: func() []byte {
			b := archRawZip(archRawFile(t, "a.pdf", archPDF, zip.Store), archRaw{name: "b.pdf", zip64: true}).bytes()
			archPut16(b, len(b)-zipEndLen+8, 1)
			archPut16(b, len(b)-zipEndLen+10, 1)
			return b
		}(), fault: ArchiveIllisible},
		{name: "zip64 end record on another disk", b: func() []byte {
			b := archRawZip(archRaw{name: "b.pdf", zip64: true}).bytes()
			archPut32(b, len(b)-zipEndLen-zip64LocatorLen-zip64EndLen+16, 1)
			return b
		}(), fault: ArchiveIllisible},
		{name: "zip64 locator pointing nowhere", b: func() []byte {
			b := archRawZip(archRaw{name: "b.pdf", zip64: true}).bytes()
			archPut32(b, len(b)-zipEndLen-zip64LocatorLen+8, 3)
			return b
		}(), fault: ArchiveIllisible},
		{name: "gap before the end record", b: func() []byte {
			b := archPDFs(t, "a.pdf")
			end := bytes.Clone(b[len(b)-zipEndLen:])
			return append(append(b[:len(b)-zipEndLen:len(b)-zipEndLen], "PK\x01\x02 et des octets"...), end...)
		}(), fault: ArchiveIllisible},
		{name: "zip64 size without its extra field", b: archPatch(t, good, func(b []byte, hs []archHeader) {
			archPut32(b, hs[0].central+24, 1<<32-1)
		}), fault: ArchiveIllisible},

		{name: "over MaxArchive", r: bytes.NewReader(ex), size: MaxArchive + 1, fault: ArchiveTropGrande,
			detail: "209 715 201 octets, 200 Mo au plus"},

		{name: "absolute path", b: archPDFs(t, "/etc/a.pdf"), fault: ArchiveCheminDangereux, entry: "/etc/a.pdf"},
		{name: "dot-dot", b: archPDFs(t, "../a.pdf"), fault: ArchiveCheminDangereux, entry: "../a.pdf", detail: "élément « .. »"},
		{name: "dot-dot inside", b: archPDFs(t, "d/../../a.pdf"), fault: ArchiveCheminDangereux},
		{name: "dot-dot last", b: archPDFs(t, "d/.."), fault: ArchiveCheminDangereux},
		{name: "dot-dot directory", b: archPDFs(t, "d/../"), fault: ArchiveCheminDangereux},
		{name: "backslash", b: archPDFs(t, `d\a.pdf`), fault: ArchiveCheminDangereux},
		{name: "backslash dot-dot", b: archPDFs(t, `..\a.pdf`), fault: ArchiveCheminDangereux},
		{name: "drive letter", b: archPDFs(t, "C:a.pdf"), fault: ArchiveCheminDangereux},
		{name: "lower-case drive letter", b: archPDFs(t, "c:/a.pdf"), fault: ArchiveCheminDangereux},
		{name: "NUL", b: archPDFs(t, "a.pdf\x00.txt"), fault: ArchiveCheminDangereux, entry: "a.pdf\uFFFD.txt"},
		{name: "newline", b: archPDFs(t, "a\nb.pdf"), fault: ArchiveCheminDangereux},
		{name: "DEL", b: archPDFs(t, "a\x7fb.pdf"), fault: ArchiveCheminDangereux},
		{name: "C1 control", b: archPDFs(t, "a\u0085b.pdf"), fault: ArchiveCheminDangereux},
		{name: "empty name", b: archPDFs(t, "a.pdf", ""), fault: ArchiveCheminDangereux},
		{name: "name over 1024 bytes", b: archPDFs(t, long), fault: ArchiveCheminDangereux,
			entry: long[:zipShownName], detail: "nom de 1 025 octets, 1 024 au plus"},

		{name: "symbolic link", b: archZip(t, archFile{name: "a.pdf", body: []byte("/etc/passwd"), mode: fs.ModeSymlink | 0o777}),
			fault: ArchiveLien, entry: "a.pdf", detail: "lien symbolique"},
		{name: "symbolic link to a directory", b: archZip(t, archFile{name: "d/", mode: fs.ModeSymlink | 0o777}),
			fault: ArchiveLien},
		{name: "named pipe", b: archZip(t, archFile{name: "p", mode: fs.ModeNamedPipe | 0o644}), fault: ArchiveLien},
		{name: "device", b: archZip(t, archFile{name: "dev", mode: fs.ModeDevice | 0o644}), fault: ArchiveLien},
		{name: "socket", b: archZip(t, archFile{name: "s", mode: fs.ModeSocket | 0o644}), fault: ArchiveLien},

		{name: "encrypted, both headers", b: archPatch(t, good, func(b []byte, hs []archHeader) {
			b[hs[1].central+8] |= 1
			b[hs[1].local+6] |= 1
		}), fault: ArchiveChiffree, entry: "b.pdf"},
		{name: "encrypted, local header only", b: archPatch(t, good, func(b []byte, hs []archHeader) {
			b[hs[1].local+6] |= 1
		}), fault: ArchiveChiffree, entry: "b.pdf"},
		{name: "strong encryption", b: archPatch(t, good, func(b []byte, hs []archHeader) {
			b[hs[0].central+8] |= 1 << 6
		}), fault: ArchiveChiffree},
		{name: "AES method", b: archPatch(t, good, func(b []byte, hs []archHeader) {
			archPut16(b, hs[0].central+10, zipMethodAES)
		}), fault: ArchiveChiffree},

		{name: "two entries with one name", b: archPDFs(t, "a.pdf", "b.pdf", "a.pdf"), fault: ArchiveDoublon, entry: "a.pdf"},
		{name: "two entries with one name in the root folder", b: archPDFs(t, "d/a.pdf", "d/a.pdf"), fault: ArchiveDoublon},
		{name: "two directories with one name", b: archZip(t, archFile{name: "d/"}, archFile{name: "d/"}), fault: ArchiveDoublon},

		{name: "2001 entries", b: tooMany, fault: ArchiveTropDEntrees, detail: "2 001 entrées, 2 000 au plus"},
		{name: "2431 entries announced", b: archPatch(t, good, func(b []byte, _ []archHeader) {
			archPut16(b, len(b)-zipEndLen+8, 2431)
			archPut16(b, len(b)-zipEndLen+10, 2431)
		}), fault: ArchiveTropDEntrees, detail: "2 431 entrées, 2 000 au plus"},
		{name: "2001 entries, 5 announced", b: archPatch(t, tooMany, func(b []byte, _ []archHeader) {
			archPut16(b, len(b)-zipEndLen+8, 5)
			archPut16(b, len(b)-zipEndLen+10, 5)
		}), fault: ArchiveTropDEntrees},

		{name: "total over 2 GiB", r: archRawZip(
			archRaw{name: "a", usize: 1 << 30, csize: 11 << 20},
			archRaw{name: "b", usize: 1 << 30, csize: 11 << 20},
			archRaw{name: "c", usize: 1, csize: 1},
		), fault: ArchiveBombe, entry: "c", detail: "taille décompressée totale déclarée au-delà de 2 Gio"},
		{name: "huge zip64 size", r: archRawZip(archRaw{name: "a", usize: 1<<64 - 1, csize: 1 << 20, zip64: true}),
			fault: ArchiveBombe},
		{name: "overlapping data", b: archPatch(t, good, func(b []byte, hs []archHeader) {
			// a.pdf's data now run over b.pdf's local header.
			archPut32(b, hs[0].central+20, uint32(hs[1].local-hs[0].local))
		}), fault: ArchiveBombe, entry: "b.pdf"},
		{name: "two entries on one local header", b: archPatch(t, archPDFs(t, "a.pdf", "b.pdf"), func(b []byte, hs []archHeader) {
			archPut32(b, hs[1].central+42, uint32(hs[0].local))
		}), fault: ArchiveIllisible}, // b.pdf's local header names a.pdf
		{name: "data past the central directory", b: archPatch(t, good, func(b []byte, hs []archHeader) {
			archPut32(b, hs[1].central+20, uint32(len(b)))
		}), fault: ArchiveBombe},
		{name: "local header past the end", b: archPatch(t, good, func(b []byte, hs []archHeader) {
			archPut32(b, hs[1].central+42, 1<<31)
		}), fault: ArchiveBombe},
		{name: "local header inside the central directory", b: archPatch(t, good, func(b []byte, hs []archHeader) {
			archPut32(b, hs[1].central+42, uint32(hs[0].central))
		}), fault: ArchiveBombe},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, size := tt.r, tt.size
			if r == nil {
				r = bytes.NewReader(tt.b)
			}
			if size == 0 {
				switch x := r.(type) {
				case *bytes.Reader:
					size = x.Size()
				case *archSparse:
					size = x.size
				}
			}
			a, err := OpenArchive(r, size)
			var ae *ArchiveError
			if !errors.As(err, &ae) {
				t.Fatalf("OpenArchive: got %v, want an *ArchiveError", err)
			}
			if a != nil {
				t.Errorf("OpenArchive: got an archive with the error %v", err)
			}
			if ae.Fault != tt.fault {
				t.Errorf("Fault: got %v (%v), want %v", ae.Fault, err, tt.fault)
			}
			if tt.entry != "" && ae.Entry != tt.entry {
				t.Errorf("Entry: got %q, want %q", ae.Entry, tt.entry)
			}
			if tt.detail != "" && ae.Detail != tt.detail {
				t.Errorf("Detail: got %q, want %q", ae.Detail, tt.detail)
			}
		})
	}
}

func TestOpenArchiveAccepts(t *testing.T) {
	exact := archRawZip(archRaw{name: "x", method: zip.Store, usize: 1, csize: 1})
	overhead := exact.size - 1
	name1024 := strings.Repeat("n", zipMaxName)
	files2000 := make([]string, MaxArchiveEntries)
	for i := range files2000 {
		files2000[i] = fmt.Sprintf("f%04d.pdf", i)
	}
	withComment := func() []byte {
		var buf bytes.Buffer
		w := zip.NewWriter(&buf)
		fw, _ := w.Create("a.pdf")
		_, _ = fw.Write(archPDF)
		_ = w.SetComment(strings.Repeat("PK\x05\x06 commentaire ", 4000)[:65535])
		_ = w.Close()
		return buf.Bytes()
	}()
	tests := []struct {
		name string
		r    io.ReaderAt
		size int64
	}{
		{"the example", bytes.NewReader(archReadExample(t)), 0},
		{"no entries", bytes.NewReader(archZip(t)), 0},
		{"only directories", bytes.NewReader(archZip(t, archFile{name: "d/"}, archFile{name: "d/e/", mode: fs.ModeDir | 0o755})), 0},
		{"name of 1024 bytes", bytes.NewReader(archPDFs(t, name1024)), 0},
		{"2000 entries", bytes.NewReader(archPDFs(t, files2000...)), 0},
		{"exactly MaxArchive", archRawZip(archRaw{name: "x", method: zip.Store, usize: uint64(MaxArchive - overhead), csize: uint64(MaxArchive - overhead)}), MaxArchive},
		{"1 MiB of zeros", bytes.NewReader(archZip(t, archFile{name: "z.pdf", body: archSized(1 << 20)})), 0},
		// A ratio is no fault: the declared sizes bound the work.
		{"ratio of exactly 100", archRawZip(archRaw{name: "r", usize: 100 << 20, csize: 1 << 20}), 0},
		{"ratio over 100", bytes.NewReader(archZip(t, archFile{name: "zeros.pdf", body: archSized(2 << 20)})), 0},
		{"declared ratio 100 plus one byte", archRawZip(archRaw{name: "r.pdf", usize: 100<<20 + 1, csize: 1 << 20}), 0},
		{"nothing compressed", archRawZip(archRaw{name: "r.pdf", usize: 1<<20 + 1}), 0},
		{"total of exactly 2 GiB", archRawZip(
			archRaw{name: "a", usize: 1 << 30, csize: 11 << 20},
			archRaw{name: "b", usize: 1 << 30, csize: 11 << 20}), 0},
		{"zip64", archRawZip(archRawFile(t, "a.pdf", archPDF, zip.Deflate), archRaw{name: "b.pdf", zip64: true}), 0},
		{"comment of 64 KiB with false end signatures", bytes.NewReader(withComment), 0},
		{"dot elements and a colon", bytes.NewReader(archPDFs(t, "./a.pdf", "d/.x/a..b.pdf", "notes: 2021.pdf")), 0},
		{"file in a folder named like a drive", bytes.NewReader(archPDFs(t, "d/C:a.pdf")), 0},
		{"non-UTF-8 name", bytes.NewReader(archPDFs(t, "r\xe9sum\xe9.pdf")), 0},
		{"unsupported method", bytes.NewReader(archPatch(t, archPDFs(t, "a.pdf"), func(b []byte, hs []archHeader) {
			archPut16(b, hs[0].central+10, 12)
		})), 0},
		{"malformed extra field", archRawZip(archRaw{name: "a.pdf", extra: 3}), 0},
		{"large extra fields and comments", archRawZip(archRaw{name: "a.pdf", extra: 1<<16 - 1, comment: 1<<16 - 1}), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			size := tt.size
			if size == 0 {
				switch x := tt.r.(type) {
				case *bytes.Reader:
					size = x.Size()
				case *archSparse:
					size = x.size
				}
			}
			archMustOpen(t, tt.r, size)
		})
	}
}

func TestArchiveRootFolder(t *testing.T) {
	tests := []struct {
		name    string
		files   []archFile
		found   []string // CheckPiece gives PieceOK
		absent  []string // CheckPiece gives PieceAbsente
		unnamed []string // Unnamed after those
	}{
		{
			name:   "one top folder is the root",
			files:  []archFile{{name: "dossier/"}, {name: "dossier/a.pdf", body: archPDF}, {name: "dossier/b.pdf", body: archPDF}},
			found:  []string{"a.pdf"},
			absent: []string{"dossier/a.pdf", "dossier", "dossier/"},
			// Named as CheckPiece names them.
			unnamed: []string{"b.pdf"},
		},
		{
			name:    "one top folder without its directory entry",
			files:   []archFile{{name: "d/a.pdf", body: archPDF}, {name: "d/sous/b.pdf", body: archPDF}},
			found:   []string{"a.pdf"},
			absent:  []string{"b.pdf", "sous/b.pdf"},
			unnamed: []string{"sous/b.pdf"},
		},
		{
			name:    "two top folders",
			files:   []archFile{{name: "d/a.pdf", body: archPDF}, {name: "e/b.pdf", body: archPDF}},
			absent:  []string{"a.pdf", "b.pdf", "d/a.pdf"},
			unnamed: []string{"d/a.pdf", "e/b.pdf"},
		},
		{
			name:    "a folder and a file at the root",
			files:   []archFile{{name: "d/a.pdf", body: archPDF}, {name: "b.pdf", body: archPDF}},
			found:   []string{"b.pdf"},
			absent:  []string{"a.pdf"},
			unnamed: []string{"d/a.pdf"},
		},
		{
			name:    "an empty second folder does not count",
			files:   []archFile{{name: "d/a.pdf", body: archPDF}, {name: "vide/"}},
			found:   []string{"a.pdf"},
			unnamed: nil,
		},
		{
			name: "a folder compressed by macOS Finder, with __MACOSX",
			files: []archFile{{name: "d/a.pdf", body: archPDF}, {name: "__MACOSX/"}, {name: "__MACOSX/d/._a.pdf", body: []byte("meta")},
				{name: "d/b.pdf", body: archPDF}},
			found:   []string{"a.pdf"},
			unnamed: []string{"__MACOSX/d/._a.pdf", "b.pdf"},
		},
		{
			name:    "the root itself",
			files:   []archFile{{name: "a.pdf", body: archPDF}, {name: "b.pdf", body: archPDF}},
			found:   []string{"b.pdf"},
			absent:  []string{"A.pdf", "a.PDF", " a.pdf", ""},
			unnamed: []string{"a.pdf"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := archOpen(t, archZip(t, tt.files...))
			if err != nil {
				t.Fatalf("OpenArchive: got %v, want no error", err)
			}
			for _, n := range tt.found {
				if got := a.CheckPiece(n, "PDF"); got != PieceOK {
					t.Errorf("CheckPiece(%q): got %v, want %v", n, got, PieceOK)
				}
			}
			for _, n := range tt.absent {
				if got := a.CheckPiece(n, "PDF"); got != PieceAbsente {
					t.Errorf("CheckPiece(%q): got %v, want %v", n, got, PieceAbsente)
				}
			}
			if got := a.Unnamed(); !slices.Equal(got, tt.unnamed) {
				t.Errorf("Unnamed: got %q, want %q", got, tt.unnamed)
			}
		})
	}
}

func TestCheckPiece(t *testing.T) {
	pdf := archRawFile(t, "deflate.pdf", archPDF, zip.Deflate)
	badCRC := pdf
	badCRC.name, badCRC.crc = "crc.pdf", pdf.crc+1
	shorter := pdf
	shorter.name, shorter.usize = "declared-longer.pdf", pdf.usize+1
	longer := pdf
	longer.name, longer.usize = "declared-shorter.pdf", pdf.usize-1
	corrupt := archRawFile(t, "corrupt.pdf", archRandom(4096), zip.Deflate)
	corrupt.data = bytes.Clone(corrupt.data)
	corrupt.data[0] = 0xff // a reserved block type
	truncated := archRawFile(t, "truncated.pdf", archRandom(4096), zip.Deflate)
	truncated.data, truncated.csize = truncated.data[:100], 100
	storedLonger := archRawFile(t, "stored-sizes.pdf", archPDF, zip.Store)
	storedLonger.csize++
	storedLonger.data = append(bytes.Clone(storedLonger.data), 0)
	bzip2 := archRawFile(t, "bzip2.pdf", archPDF, 12)
	bigLie := archRawFile(t, "big-lie.pdf", archSized(MaxPiece+1), zip.Deflate)
	bigLie.usize = 1000
	random := append(bytes.Clone(archPDF), archRandom(MaxPiece-len(archPDF))...)

	f := archRawZip(
		pdf,
		archRawFile(t, "stored.pdf", archPDF, zip.Store),
		archRawFile(t, "image.png", archPNG, zip.Deflate),
		archRawFile(t, "photo.jpg", archJPG, zip.Store),
		archRawFile(t, "empty.pdf", nil, zip.Store),
		archRawFile(t, "empty-deflate.pdf", nil, zip.Deflate),
		archRawFile(t, "short.pdf", []byte("%PD"), zip.Store),
		archRawFile(t, "exactly-max.pdf", archSized(MaxPiece), zip.Store),
		archRawFile(t, "exactly-max-deflate.pdf", random, zip.Deflate),
		archRawFile(t, "max-plus-one.pdf", archSized(MaxPiece+1), zip.Store),
		archRawFile(t, "random-max-plus-one.pdf", append(random, 0), zip.Deflate),
		archRawFile(t, "zip64.pdf", archPDF, zip.Deflate),
		bigLie, badCRC, shorter, longer, corrupt, truncated, storedLonger, bzip2,
	)
	f64 := archRawZip(func() archRaw { e := archRawFile(t, "zip64.pdf", archPDF, zip.Deflate); e.zip64 = true; return e }())
	a := archMustOpen(t, f, f.size)
	a64 := archMustOpen(t, f64, f64.size)

	tests := []struct {
		a      *Archive
		name   string
		format string
		want   PieceStatus
	}{
		{a, "deflate.pdf", "PDF", PieceOK},
		{a, "stored.pdf", "PDF", PieceOK},
		{a, "image.png", "PNG", PieceOK},
		{a, "photo.jpg", "JPG", PieceOK},
		{a64, "zip64.pdf", "PDF", PieceOK},
		{a, "exactly-max.pdf", "PDF", PieceOK},
		{a, "exactly-max-deflate.pdf", "PDF", PieceOK},

		{a, "absent.pdf", "PDF", PieceAbsente},
		{a, "Deflate.pdf", "PDF", PieceAbsente},
		{a, "", "PDF", PieceAbsente},

		{a, "max-plus-one.pdf", "PDF", PieceTropGrande},
		{a, "max-plus-one.pdf", "PNG", PieceTropGrande}, // before the format
		{a, "random-max-plus-one.pdf", "PDF", PieceTropGrande},
		{a, "big-lie.pdf", "PDF", PieceIllisible}, // declares 1000 bytes, holds more than MaxPiece: read no further than 1001

		{a, "deflate.pdf", "PNG", PieceFormatIncorrect},
		{a, "deflate.pdf", "JPG", PieceFormatIncorrect},
		{a, "deflate.pdf", "pdf", PieceFormatIncorrect},
		{a, "deflate.pdf", "GIF", PieceFormatIncorrect},
		{a, "image.png", "PDF", PieceFormatIncorrect},
		{a, "photo.jpg", "PNG", PieceFormatIncorrect},
		{a, "empty.pdf", "PDF", PieceFormatIncorrect},
		{a, "empty-deflate.pdf", "PDF", PieceFormatIncorrect},
		{a, "short.pdf", "PDF", PieceFormatIncorrect},

		{a, "crc.pdf", "PDF", PieceIllisible},
		{a, "declared-longer.pdf", "PDF", PieceIllisible},
		{a, "declared-shorter.pdf", "PDF", PieceIllisible},
		{a, "corrupt.pdf", "PDF", PieceIllisible},
		{a, "truncated.pdf", "PDF", PieceIllisible},
		{a, "stored-sizes.pdf", "PDF", PieceIllisible},
		{a, "bzip2.pdf", "PDF", PieceIllisible},
		{a, "deflate.pdf", "PDF", PieceOK}, // the decompressor is reused after errors
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.format, func(t *testing.T) {
			if got := tt.a.CheckPiece(tt.name, tt.format); got != tt.want {
				t.Errorf("CheckPiece(%q, %q): got %v, want %v", tt.name, tt.format, got, tt.want)
			}
		})
	}
	if got := a.Unnamed(); !slices.Equal(got, []string{"zip64.pdf"}) {
		t.Errorf("Unnamed: got %q, want %q", got, []string{"zip64.pdf"})
	}
}

func TestUnnamed(t *testing.T) {
	b := archZip(t,
		archFile{name: "c.pdf", body: archPDF},
		archFile{name: "rep/"},
		archFile{name: "a.pdf", body: archPDF},
		archFile{name: "rep/b.pdf", body: archPDF},
		archFile{name: "z.png", body: archPNG},
	)
	a, err := archOpen(t, b)
	if err != nil {
		t.Fatalf("OpenArchive: got %v, want no error", err)
	}
	steps := []struct {
		check string // looked up before Unnamed, with the wrong format
		want  []string
	}{
		{"", []string{"c.pdf", "a.pdf", "rep/b.pdf", "z.png"}},
		{"a.pdf", []string{"c.pdf", "rep/b.pdf", "z.png"}},
		{"absent.pdf", []string{"c.pdf", "rep/b.pdf", "z.png"}},
		{"rep", []string{"c.pdf", "rep/b.pdf", "z.png"}},
		{"z.png", []string{"c.pdf", "rep/b.pdf"}},
		{"c.pdf", []string{"rep/b.pdf"}},
	}
	for _, s := range steps {
		if s.check != "" {
			a.CheckPiece(s.check, "JPG")
		}
		if got := a.Unnamed(); !slices.Equal(got, s.want) {
			t.Errorf("Unnamed after %q: got %q, want %q", s.check, got, s.want)
		}
	}
}

// TestUnnamedNeverDecompressed shows that entries nobody names are not read:
// a corrupt one does not spoil the archive.
func TestUnnamedNeverDecompressed(t *testing.T) {
	corrupt := archRawFile(t, "autre.pdf", archRandom(1000), zip.Deflate)
	corrupt.data = bytes.Repeat([]byte{0xff}, len(corrupt.data))
	f := archRawZip(archRawFile(t, "a.pdf", archPDF, zip.Deflate), corrupt, archRawFile(t, "b.pdf", archPDF, 12))
	r := &archCountingReader{r: f}
	a := archMustOpen(t, r, f.size)
	r.read = 0
	if got := a.CheckPiece("a.pdf", "PDF"); got != PieceOK {
		t.Errorf("CheckPiece: got %v, want %v", got, PieceOK)
	}
	if want := []string{"autre.pdf", "b.pdf"}; !slices.Equal(a.Unnamed(), want) {
		t.Errorf("Unnamed: got %q, want %q", a.Unnamed(), want)
	}
	if limit := int64(4096); r.read > limit {
		t.Errorf("bytes read by CheckPiece: got %d, want at most %d", r.read, limit)
	}
}

type archCountingReader struct {
	r    io.ReaderAt
	read int64
}

func (c *archCountingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.read += int64(n)
	return n, err
}

// TestCheckPieceReadsBounded shows that CheckPiece reads no further than one
// byte past an entry's declared size, itself at most MaxPiece, even when the
// entry holds far more: the declared sizes, bounded in all, bound the work.
func TestCheckPieceReadsBounded(t *testing.T) {
	for _, tt := range []struct {
		name    string
		declare uint64
		want    PieceStatus
		limit   func(csize uint64) uint64 // compressed bytes read at most
	}{
		// 16 MiB of zeros deflate to about 16 KiB: reading 3 MiB of them
		// takes about a fifth of that, plus the buffers.
		{"declares MaxPiece", MaxPiece, PieceTropGrande, func(csize uint64) uint64 { return csize/4 + 8<<10 }},
		{"declares 1000 bytes", 1000, PieceIllisible, func(uint64) uint64 { return 8 << 10 }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			big := archRawFile(t, "a.pdf", archSized(16<<20), zip.Deflate)
			big.usize = tt.declare // lies
			f := archRawZip(big)
			r := &archCountingReader{r: f}
			a := archMustOpen(t, r, f.size)
			r.read = 0
			if got := a.CheckPiece("a.pdf", "PDF"); got != tt.want {
				t.Errorf("CheckPiece: got %v, want %v", got, tt.want)
			}
			if limit := tt.limit(big.csize); uint64(r.read) > limit {
				t.Errorf("bytes read: got %d, want at most %d (compressed size %d)", r.read, limit, big.csize)
			}
		})
	}
}

type archFailingReader struct{ err error }

func (f archFailingReader) ReadAt([]byte, int64) (int, error) { return 0, f.err }

func TestOpenArchiveReaderError(t *testing.T) {
	disk := errors.New("disque en panne")
	_, err := OpenArchive(archFailingReader{disk}, 1000)
	if !errors.Is(err, disk) {
		t.Errorf("OpenArchive: got %v, want an error wrapping %v", err, disk)
	}
	var ae *ArchiveError
	if errors.As(err, &ae) {
		t.Errorf("OpenArchive: got the fault %v, want a reader's error", ae.Fault)
	}
}

func TestArchiveErrorMessage(t *testing.T) {
	tests := []struct {
		err  ArchiveError
		want string
	}{
		{ArchiveError{Fault: ArchiveIllisible, Detail: "ce n'est pas une archive zip"},
			"archive des pièces jointes refusée : archive illisible (ce n'est pas une archive zip)"},
		{ArchiveError{Fault: ArchiveCheminDangereux, Entry: "../a.pdf", Detail: "élément « .. »"},
			"archive des pièces jointes refusée : chemin dangereux « ../a.pdf » (élément « .. »)"},
		{ArchiveError{Fault: ArchiveDoublon, Entry: "a.pdf"},
			"archive des pièces jointes refusée : deux fichiers du même nom « a.pdf »"},
		{ArchiveError{Fault: ArchiveTropDEntrees, Detail: "2 431 entrées, 2 000 au plus"},
			"archive des pièces jointes refusée : trop de fichiers (2 431 entrées, 2 000 au plus)"},
		{ArchiveError{Fault: 0}, "archive des pièces jointes refusée : archive refusée"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error(): got %q, want %q", got, tt.want)
		}
	}
	for f := ArchiveIllisible; f <= ArchiveBombe; f++ {
		if strings.HasPrefix(f.String(), "ArchiveFault(") || archiveFaultLabels[f] == "" {
			t.Errorf("fault %d has no name or label", int(f))
		}
	}
}

func TestZipShowName(t *testing.T) {
	e := "é" // two bytes
	tests := []struct {
		name []byte
		want string
	}{
		{[]byte("a.pdf"), "a.pdf"},
		{[]byte("r\xe9sum\xe9.pdf"), "r\uFFFDsum\uFFFD.pdf"},
		{[]byte("a\r\nb"), "a\uFFFD\uFFFDb"},
		{[]byte(strings.Repeat("x", 150)), strings.Repeat("x", 100)},
		// 99 bytes then a rune of two: the cut does not split it.
		{[]byte(strings.Repeat("x", 99) + e + "yy"), strings.Repeat("x", 99)},
		{[]byte(strings.Repeat("x", 98) + e + "yy"), strings.Repeat("x", 98) + e},
	}
	for _, tt := range tests {
		if got := zipShowName(tt.name); got != tt.want {
			t.Errorf("zipShowName(%q): got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestZipEntier(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, "1 000"}, {2431, "2 431"}, {209715201, "209 715 201"}, {-1234, "-1 234"},
	}
	for _, tt := range tests {
		if got := zipEntier(tt.n); got != tt.want {
			t.Errorf("zipEntier(%d): got %q, want %q", tt.n, got, tt.want)
		}
	}
}

// TestOpenArchiveMemory shows that the memory OpenArchive takes is the
// entries' metadata and small buffers, whatever the extra fields and
// comments it streams past.
func TestOpenArchiveMemory(t *testing.T) {
	const n = 1000
	entries := make([]archRaw, n)
	var names int
	for i := range entries {
		name := fmt.Sprintf("%04d-%s.pdf", i, strings.Repeat("n", zipMaxName-9))
		names += len(name)
		entries[i] = archRaw{name: name, extra: 1<<16 - 1, comment: 1<<16 - 1}
	}
	f := archRawZip(entries...)
	if f.size > MaxArchive {
		t.Fatalf("the fixture is %d bytes, over MaxArchive", f.size)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	a := archMustOpen(t, f, f.size)
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	limit := uint64(names + n*200 + 512<<10)
	if allocated > limit {
		t.Errorf("OpenArchive allocated %d bytes for %d bytes of names, want at most %d", allocated, names, limit)
	}
	if got := len(a.Unnamed()); got != n {
		t.Errorf("Unnamed: got %d names, want %d", got, n)
	}
}

// TestCheckPieceMemory shows that CheckPiece reuses its buffers.
func TestCheckPieceMemory(t *testing.T) {
	content := append(bytes.Clone(archPDF), archRandom(1<<20)...)
	f := archRawZip(archRawFile(t, "a.pdf", content, zip.Deflate))
	a := archMustOpen(t, f, f.size)
	a.CheckPiece("a.pdf", "PDF") // makes the buffers
	const runs = 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range runs {
		if got := a.CheckPiece("a.pdf", "PDF"); got != PieceOK {
			t.Fatalf("CheckPiece: got %v, want %v", got, PieceOK)
		}
	}
	runtime.ReadMemStats(&after)
	if per, limit := (after.TotalAlloc-before.TotalAlloc)/runs, uint64(8<<10); per > limit {
		t.Errorf("CheckPiece allocated %d bytes a call, want at most %d", per, limit)
	}
}

func BenchmarkCheckPiece(b *testing.B) {
	content := append(bytes.Clone(archPDF), archRandom(256<<10)...)
	entries := make([]archRaw, MaxArchiveEntries)
	for i := range entries {
		entries[i] = archRawFile(b, fmt.Sprintf("HOP-RI-Va1-BDC-%05d.pdf", i), archPDF, zip.Deflate)
	}
	entries[len(entries)-1] = archRawFile(b, "HOP-RI-Va1-HT-00001.pdf", content, zip.Deflate)
	f := archRawZip(entries...)
	b.Run("small", func(b *testing.B) {
		a := archMustOpen(b, f, f.size)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if got := a.CheckPiece(entries[i%(len(entries)-1)].name, "PDF"); got != PieceOK {
				b.Fatalf("CheckPiece: got %v, want %v", got, PieceOK)
			}
		}
	})
	b.Run("256KiB", func(b *testing.B) {
		a := archMustOpen(b, f, f.size)
		b.ReportAllocs()
		b.SetBytes(int64(len(content)))
		for b.Loop() {
			if got := a.CheckPiece("HOP-RI-Va1-HT-00001.pdf", "PDF"); got != PieceOK {
				b.Fatalf("CheckPiece: got %v, want %v", got, PieceOK)
			}
		}
	})
	b.Run("open", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			archMustOpen(b, f, f.size)
		}
	})
}

func TestExtrairePiece(t *testing.T) {
	b := archReadExample(t)
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	a := archMustOpen(t, bytes.NewReader(b), int64(len(b)))
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		want, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		name := f.Name[strings.LastIndexByte(f.Name, '/')+1:]
		if st := a.ExtrairePiece(name, "PDF", &got); st != PieceOK {
			t.Fatalf("ExtrairePiece(%q): %v", name, st)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("ExtrairePiece(%q): %d bytes differ from archive/zip's %d", name, got.Len(), len(want))
		}
	}
	if st := a.ExtrairePiece("absent.pdf", "PDF", io.Discard); st != PieceAbsente {
		t.Errorf("absent piece: got %v", st)
	}
}
