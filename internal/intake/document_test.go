package intake_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"strings"
	"testing"

	"careers/internal/intake"
)

// MinimalPDF is a tiny valid PDF.
func minimalPDF() []byte {
	return []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
}

func docx(t *testing.T, withDocument bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	name := "word/document.xml"
	if !withDocument {
		name = "xl/workbook.xml"
	}
	for _, n := range []string{"[Content_Types].xml", name} {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("<x/>"))
	}
	zw.Close()
	return buf.Bytes()
}

func TestCheckDocument(t *testing.T) {
	exe := append([]byte("MZ\x90\x00"), bytes.Repeat([]byte{0}, 100)...)
	cases := []struct {
		name     string
		filename string
		content  []byte
		wantType string
		wantErr  error
	}{
		{"pdf", "Form C.pdf", minimalPDF(), intake.TypePDF, nil},
		{"PDF upper-case extension", "FORMC.PDF", minimalPDF(), intake.TypePDF, nil},
		{"docx", "form-c.docx", docx(t, true), intake.TypeDOCX, nil},
		{"executable renamed .pdf", "form.pdf", exe, "", intake.ErrDocumentType},
		{"pdf named .docx", "form.docx", minimalPDF(), "", intake.ErrDocumentType},
		{"xlsx renamed .docx", "form.docx", docx(t, false), "", intake.ErrDocumentType},
		{"old .doc", "form.doc", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), "", intake.ErrDocumentType},
		{"no extension", "form", minimalPDF(), "", intake.ErrDocumentType},
		{"empty", "form.pdf", nil, "", intake.ErrDocumentEmpty},
		{"too large", "form.pdf", append(minimalPDF(), bytes.Repeat([]byte("x"), intake.MaxDocumentBytes)...), "", intake.ErrDocumentTooLarge},
	}
	for _, c := range cases {
		_, ct, err := intake.CheckDocument(c.filename, c.content)
		if !errors.Is(err, c.wantErr) || ct != c.wantType {
			t.Errorf("%s: type %q err %v, want %q %v", c.name, ct, err, c.wantType, c.wantErr)
		}
	}
}

func TestSafeFilename(t *testing.T) {
	cases := map[string]string{
		"Form C.pdf":                       "Form C.pdf",
		`C:\Users\jo\Documents\form c.pdf`: "form c.pdf",
		"../../etc/passwd.pdf":             "passwd.pdf",
		"evil\r\nContent-Type: html.pdf":   "evilContent-Type html.pdf",
		"\"quoted\";.pdf":                  "quoted.pdf",
		".pdf":                             "document.pdf",
		strings.Repeat("a", 300) + ".pdf":  strings.Repeat("a", 100) + ".pdf",
	}
	for in, want := range cases {
		if got := intake.SafeFilename(in, ".pdf"); got != want {
			t.Errorf("SafeFilename(%q) = %q, want %q", in, got, want)
		}
	}
}
