package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"time"
)

// A page's first load: the HTML and the stylesheets and scripts it links
// to, each as the server sends it to a browser that accepts gzip, with an
// empty cache.

// pageWeight is one page's first load, in bytes on the wire.
type pageWeight struct {
	Page                string
	HTML, CSS, JS       int
	Total               int
	Files               int
	HTMLUncompressed    int
	CompressedResponses int
}

var (
	stylesheetRef = regexp.MustCompile(`<link[^>]+rel="stylesheet"[^>]*href="([^"]+)"|<link[^>]+href="([^"]+)"[^>]*rel="stylesheet"`)
	// A script tag's source, or a module the page's inline script imports.
	scriptRef = regexp.MustCompile(`<script[^>]+src="([^"]+)"|import\s*\{[^}]*\}\s*from\s*"(/[^"]+\.js)"`)
)

// rawClient sees the bytes as sent: it asks for gzip itself, so Go's
// transport does not quietly decompress.
var rawClient = &http.Client{
	Timeout:       30 * time.Second,
	Transport:     &http.Transport{DisableCompression: true},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// fetch returns a response's size on the wire and its decompressed body.
func fetch(url string, cookie *http.Cookie) (wire int, body []byte, gz bool, err error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return 0, nil, false, err
	}
	req.Header.Set("Accept-Encoding", "gzip")
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := rawClient.Do(req)
	if err != nil {
		return 0, nil, false, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, false, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, nil, false, fmt.Errorf("GET %s answered %d", url, resp.StatusCode)
	}
	body = raw
	if resp.Header.Get("Content-Encoding") == "gzip" {
		gz = true
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return 0, nil, false, err
		}
		if body, err = io.ReadAll(zr); err != nil {
			return 0, nil, false, err
		}
	}
	return len(raw), body, gz, nil
}

// weigh measures the first load of base+path.
func weigh(base, name, path string, cookie *http.Cookie) (pageWeight, error) {
	w := pageWeight{Page: name}
	n, html, gz, err := fetch(base+path, cookie)
	if err != nil {
		return w, err
	}
	w.HTML, w.HTMLUncompressed, w.Files = n, len(html), 1
	if gz {
		w.CompressedResponses++
	}
	seen := map[string]bool{}
	add := func(ref string, into *int) error {
		if ref == "" || seen[ref] {
			return nil
		}
		seen[ref] = true
		n, _, gz, err := fetch(base+ref, nil)
		if err != nil {
			return err
		}
		*into += n
		w.Files++
		if gz {
			w.CompressedResponses++
		}
		return nil
	}
	for _, m := range stylesheetRef.FindAllSubmatch(html, -1) {
		if err := add(string(m[1])+string(m[2]), &w.CSS); err != nil {
			return w, err
		}
	}
	for _, m := range scriptRef.FindAllSubmatch(html, -1) {
		if err := add(string(m[1])+string(m[2]), &w.JS); err != nil {
			return w, err
		}
	}
	w.Total = w.HTML + w.CSS + w.JS
	return w, nil
}
