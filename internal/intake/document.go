package intake

import (
	"archive/zip"
	"bytes"
	"path"
	"strings"
	"unicode"
)

// MaxDocumentBytes is the largest Form C accepted.
const MaxDocumentBytes = 10 << 20

// Document problems, worded to show.
const (
	ErrDocumentEmpty    = DocumentError("The selected file is empty")
	ErrDocumentTooLarge = DocumentError("The selected file must be smaller than 10 MB")
	ErrDocumentType     = DocumentError("The selected file must be a PDF or a Word document (.docx)")
)

// DocumentError is a reason an upload is refused.
type DocumentError string

func (e DocumentError) Error() string { return string(e) }

// Content types we store and serve documents as.
const (
	TypePDF  = "application/pdf"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)

// CheckDocument decides whether content may be stored as a Form C. The
// type is taken from the content (a PDF's header; a .docx is a zip holding
// word/document.xml), and must agree with the name's extension, so an
// executable renamed .pdf is refused. It returns a safe file name (no path,
// no control characters) and the content type to store.
func CheckDocument(filename string, content []byte) (safeName, contentType string, err error) {
	if len(content) == 0 {
		return "", "", ErrDocumentEmpty
	}
	if len(content) > MaxDocumentBytes {
		return "", "", ErrDocumentTooLarge
	}
	ext := strings.ToLower(path.Ext(baseName(filename)))
	switch {
	case ext == ".pdf" && bytes.HasPrefix(content, []byte("%PDF-")):
		contentType = TypePDF
	case ext == ".docx" && isDOCX(content):
		contentType = TypeDOCX
	default:
		return "", "", ErrDocumentType
	}
	return SafeFilename(filename, ext), contentType, nil
}

func isDOCX(content []byte) bool {
	if !bytes.HasPrefix(content, []byte("PK\x03\x04")) {
		return false
	}
	zr, err := zip.NewReader(bytes.NewReader(content), int64(len(content)))
	if err != nil {
		return false
	}
	for _, f := range zr.File {
		if f.Name == "word/document.xml" {
			return true
		}
	}
	return false
}

// baseName keeps the last element of a path typed on any system.
func baseName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// SafeFilename makes a file name fit to send back in a download header:
// letters, digits, spaces, dots, dashes and underscores only, at most 100
// characters, always ending in ext.
func SafeFilename(name, ext string) string {
	name = strings.TrimSuffix(baseName(name), path.Ext(baseName(name)))
	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune(' ')
		}
	}
	clean := strings.Trim(strings.Join(strings.Fields(b.String()), " "), ".")
	if r := []rune(clean); len(r) > 100 {
		clean = string(r[:100])
	}
	if clean == "" {
		clean = "document"
	}
	return clean + ext
}
