package web

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// dist holds the output of web/build-assets.mjs. The "all:" prefix keeps the
// build compiling when the directory holds only its .keep file.
//
//go:embed all:static/dist
var dist embed.FS

const (
	distDir      = "static/dist"
	manifestName = "manifest.json"
	// assetsPrefix is where the server mounts Assets.Handler.
	assetsPrefix = "/assets/"
	// Every served file is named by a hash of its content, so a browser may
	// keep it for as long as it likes.
	immutableCache = "public, max-age=31536000, immutable"
)

// ErrAssetsNotBuilt is returned by NewAssets when the binary was built
// without the front-end assets.
var ErrAssetsNotBuilt = errors.New("front-end assets are not built: run `make assets`")

// Assets resolves logical asset names to content-hashed URLs and serves the
// files behind those URLs from the binary.
type Assets struct {
	urls  map[string]string // logical name -> "/assets/<hashed name>"
	files map[string]asset  // hashed name -> file
}

type asset struct {
	content     []byte
	contentType string
	etag        string
	// gzipped is the content compressed once, at start, at the best level
	// (nil where compression does not pay, as for images and fonts).
	gzipped []byte
}

// compressible are the types worth compressing; the others are compressed
// formats already.
var compressible = map[string]bool{".css": true, ".js": true, ".svg": true, ".json": true, ".ico": true}

// gzipBest compresses b at the best level, or returns nil if that saves
// nothing.
func gzipBest(b []byte) []byte {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil
	}
	if _, err := zw.Write(b); err != nil || zw.Close() != nil || buf.Len() >= len(b) {
		return nil
	}
	return buf.Bytes()
}

// contentTypes lists the types we serve. A fixed table, not the mime
// package, so the answer does not depend on the host's /etc/mime.types.
var contentTypes = map[string]string{
	".css":   "text/css; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/x-icon",
	".woff2": "font/woff2",
	".json":  "application/json",
}

// NewAssets loads the embedded asset manifest and indexes the files it names.
func NewAssets() (*Assets, error) {
	sub, err := fs.Sub(dist, distDir)
	if err != nil {
		return nil, fmt.Errorf("assets: %w", err)
	}
	return newAssets(sub)
}

func newAssets(fsys fs.FS) (*Assets, error) {
	raw, err := fs.ReadFile(fsys, manifestName)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrAssetsNotBuilt
	}
	if err != nil {
		return nil, fmt.Errorf("assets: read manifest: %w", err)
	}
	var manifest map[string]string
	if err := json.Unmarshal(raw, &manifest); err != nil {
		return nil, fmt.Errorf("assets: parse manifest: %w", err)
	}
	if len(manifest) == 0 {
		return nil, ErrAssetsNotBuilt
	}

	a := &Assets{
		urls:  make(map[string]string, len(manifest)),
		files: make(map[string]asset, len(manifest)),
	}
	for logical, hashed := range manifest {
		if !fs.ValidPath(hashed) || hashed == manifestName {
			return nil, fmt.Errorf("assets: manifest entry %q has a bad file name %q", logical, hashed)
		}
		content, err := fs.ReadFile(fsys, hashed)
		if err != nil {
			return nil, fmt.Errorf("assets: %s: %w (run `make assets` again)", logical, err)
		}
		contentType, ok := contentTypes[path.Ext(hashed)]
		if !ok {
			return nil, fmt.Errorf("assets: %s: no content type for %q", logical, path.Ext(hashed))
		}
		a.urls[logical] = assetsPrefix + hashed
		f := asset{
			content:     content,
			contentType: contentType,
			// The name already carries the content hash.
			etag: `"` + hashed + `"`,
		}
		if compressible[path.Ext(hashed)] {
			f.gzipped = gzipBest(content)
		}
		a.files[hashed] = f
	}
	return a, nil
}

// Path returns the URL of the asset with the given logical name, for example
// Path("careers.css") == "/assets/careers.1a2b3c4d5e.css". It panics on a
// name the manifest does not have: that is a programming error.
func (a *Assets) Path(logical string) string {
	url, ok := a.urls[logical]
	if !ok {
		panic(fmt.Sprintf("web: unknown asset %q", logical))
	}
	return url
}

// Handler serves the manifest's files. Mount it at /assets/ without stripping
// the prefix. Anything not in the manifest is a plain 404.
func (a *Assets) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, assetsPrefix)
		f, found := a.files[name]
		if !ok || !found {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Type", f.contentType)
		h.Set("Cache-Control", immutableCache)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Add("Vary", "Accept-Encoding")
		body, etag := f.content, f.etag
		if f.gzipped != nil && AcceptsGzip(r.Header.Values("Accept-Encoding")) {
			// Compressed once at start; the compression middleware leaves
			// a response that already has a Content-Encoding alone.
			h.Set("Content-Encoding", "gzip")
			body, etag = f.gzipped, strings.TrimSuffix(f.etag, `"`)+`.gz"`
		}
		h.Set("ETag", etag)
		// ServeContent answers conditional and range requests; the zero
		// modification time leaves Last-Modified out, the ETag is enough.
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
	})
}
