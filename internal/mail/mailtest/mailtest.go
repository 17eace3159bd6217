// Package mailtest runs a real SMTP server (github.com/emersion/go-smtp)
// inside a test, records what it receives, and can be taken down and brought
// back to test outages.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Server is an SMTP server for one test. It is stopped when the test ends.
type Server struct {
	tb   testing.TB
	addr string

	tlsConfig *tls.Config
	rootCAs   *x509.CertPool
	user      string
	password  string

	mu       sync.Mutex
	srv      *smtp.Server
	ln       net.Listener
	received []Received
	// rejectRcpt, when set, is the answer to every RCPT TO.
	rejectRcpt *smtp.SMTPError
	changed    chan struct{}
}

// Option configures a Server.
type Option func(*Server)

// WithSTARTTLS offers STARTTLS with a certificate made for the test; trust it
// with RootCAs.
func WithSTARTTLS() Option {
	return func(s *Server) { s.tlsConfig, s.rootCAs = selfSigned(s.tb) }
}

// WithAuth requires AUTH PLAIN with these credentials before MAIL FROM.
func WithAuth(user, password string) Option {
	return func(s *Server) { s.user, s.password = user, password }
}

// Start starts a server on a free port of 127.0.0.1.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := &Server{tb: tb, changed: make(chan struct{})}
	for _, o := range opts {
		o(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("mailtest: listen: %v", err)
	}
	s.addr = ln.Addr().String()
	s.serve(ln)
	tb.Cleanup(s.Down)
	return s
}

// URL is the SMTP_URL of the server (with the credentials, if any).
func (s *Server) URL() *url.URL {
	u := &url.URL{Scheme: "smtp", Host: s.addr}
	if s.user != "" {
		u.User = url.UserPassword(s.user, s.password)
	}
	return u
}

// RootCAs trusts the server's certificate (WithSTARTTLS).
func (s *Server) RootCAs() *x509.CertPool { return s.rootCAs }

// Down stops the server: connections are refused until Up.
func (s *Server) Down() {
	s.mu.Lock()
	srv, ln := s.srv, s.ln
	s.srv, s.ln = nil, nil
	s.mu.Unlock()
	// The listener is closed here too: Serve may not have registered it
	// with the server yet.
	if ln != nil {
		_ = ln.Close()
	}
	if srv != nil {
		_ = srv.Close()
	}
}

// Up starts the server again on the same address.
func (s *Server) Up() {
	s.tb.Helper()
	var ln net.Listener
	var err error
	// The old socket may take a moment to be released.
	for range 50 {
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.tb.Fatalf("mailtest: listen again on %s: %v", s.addr, err)
	}
	s.serve(ln)
}

// RejectRecipients makes the server answer every RCPT TO with err (nil
// accepts them again).
func (s *Server) RejectRecipients(err *smtp.SMTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectRcpt = err
}

func (s *Server) serve(ln net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s}, nil
	}))
	srv.Domain = "mailtest.localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 20 << 20
	srv.MaxRecipients = 50
	srv.TLSConfig = s.tlsConfig
	// Offer AUTH even without TLS: the client must be the one that refuses
	// to send a password in the clear.
	srv.AllowInsecureAuth = true
	srv.ErrorLog = quietLogger{}
	s.mu.Lock()
	s.srv, s.ln = srv, ln
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// Messages returns what the server has received so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// WaitFor waits until at least n messages have arrived and returns them all;
// it fails the test after timeout.
func (s *Server) WaitFor(n int, timeout time.Duration) []Received {
	s.tb.Helper()
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		got, ch := len(s.received), s.changed
		s.mu.Unlock()
		if got >= n {
			return s.Messages()
		}
		select {
		case <-ch:
		case <-deadline:
			s.tb.Fatalf("mailtest: %d message(s) arrived within %s, want %d", got, timeout, n)
			return nil
		}
	}
}

func (s *Server) add(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.received = append(s.received, r)
	close(s.changed)
	s.changed = make(chan struct{})
}

type session struct {
	s      *Server
	authed bool
	from   string
	to     []string
}

func (se *session) AuthMechanisms() []string {
	if se.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (se *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || se.s.user == "" {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != se.s.user || password != se.s.password {
			return smtp.ErrAuthFailed
		}
		se.authed = true
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.s.user != "" && !se.authed {
		return smtp.ErrAuthRequired
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.s.mu.Lock()
	reject := se.s.rejectRcpt
	se.s.mu.Unlock()
	if reject != nil {
		return reject
	}
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	// A message that does not parse is still recorded (with ParseError), so
	// the test sees it rather than a silent retry.
	rec, err := Parse(data)
	rec.Raw, rec.ParseError = data, err
	rec.EnvelopeFrom, rec.EnvelopeTo = se.from, append([]string(nil), se.to...)
	se.s.add(rec)
	return nil
}

func (se *session) Reset() { se.from, se.to = "", nil }

func (se *session) Logout() error { return nil }

// Received is one message as the server got it.
type Received struct {
	// EnvelopeFrom and EnvelopeTo are the SMTP MAIL FROM and RCPT TO.
	EnvelopeFrom string
	EnvelopeTo   []string
	// Raw is the message as transmitted; Header its parsed header block.
	Raw    []byte
	Header netmail.Header
	// ParseError is why the message could not be parsed, if it could not.
	ParseError error
	// Text and HTML are the decoded text/plain and text/html parts.
	Text        string
	HTML        string
	Attachments []Attachment
}

// Attachment is a decoded attachment.
type Attachment struct {
	Filename    string
	ContentType string
	Content     []byte
}

// Get returns header name decoded from RFC 2047 encoded words.
func (r Received) Get(name string) string {
	v := r.Header.Get(name)
	dec, err := new(mime.WordDecoder).DecodeHeader(v)
	if err != nil {
		return v
	}
	return dec
}

// Parse decodes a MIME message into its parts.
func Parse(data []byte) (Received, error) {
	m, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return Received{}, err
	}
	r := Received{Raw: data, Header: m.Header}
	err = walk(&r, m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Header.Get("Content-Disposition"), m.Body)
	return r, err
}

func walk(r *Received, contentType, encoding, disposition string, body io.Reader) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walk(r, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p.Header.Get("Content-Disposition"), p); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, &stripNewlines{r: body})
	}
	content, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	disp, dparams, _ := mime.ParseMediaType(disposition)
	switch {
	case disp == "attachment":
		name, err := new(mime.WordDecoder).DecodeHeader(dparams["filename"])
		if err != nil {
			name = dparams["filename"]
		}
		r.Attachments = append(r.Attachments, Attachment{Filename: name, ContentType: contentType, Content: content})
	case mt == "text/plain" && r.Text == "":
		r.Text = strings.ReplaceAll(string(content), "\r\n", "\n")
	case mt == "text/html" && r.HTML == "":
		r.HTML = strings.ReplaceAll(string(content), "\r\n", "\n")
	default:
		r.Attachments = append(r.Attachments, Attachment{Filename: dparams["filename"], ContentType: contentType, Content: content})
	}
	return nil
}

// stripNewlines drops CR and LF so base64 lines decode as one stream.
type stripNewlines struct{ r io.Reader }

func (s *stripNewlines) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	j := 0
	for _, c := range p[:n] {
		if c != '\r' && c != '\n' {
			p[j] = c
			j++
		}
	}
	return j, err
}

func selfSigned(tb testing.TB) (*tls.Config, *x509.CertPool) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mailtest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}},
		MinVersion:   tls.VersionTLS12,
	}, pool
}

type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}
func (quietLogger) Println(...any)        {}
