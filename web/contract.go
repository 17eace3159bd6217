package web

// This file fixes the API between the web package and the server package.
// It is the contract the server is written against.

// Layout carries the request-wide values every page needs. Pages take it
// together with their own typed props struct.
type Layout struct {
	// Title is the page's own title; the layout appends the service name.
	Title string
	// Nonce is the per-request CSP nonce for any <script> or <style> element.
	Nonce string
	// Assets resolves logical asset names to content-hashed URLs.
	Assets *Assets
	// WebFont switches on the NHS web font stylesheet (loaded from the NHS host).
	WebFont bool
	// Path is the current request path (used for the header's active navigation).
	Path string
}
