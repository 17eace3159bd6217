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
	// Account is the signed-in person shown in the header; nil when nobody is.
	Account *Account
	// Nav is the staff navigation under the header; empty on public pages.
	Nav []NavItem
	// Flash is a one-off confirmation shown at the top of the page.
	Flash string
}

// Account is who is signed in, and where their sign-out form posts.
type Account struct {
	Name    string
	SignOut string
}

// NavItem is one link of the staff navigation.
type NavItem struct {
	Href    string
	Text    string
	Current bool
}
