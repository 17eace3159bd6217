package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTPSender sends messages to the mail server named by SMTP_URL:
// smtp://user:password@host:587 uses STARTTLS when the server offers it
// (and insists on it with ?starttls=required, or WithRequiredTLS, which
// production always uses); smtps://…:465 uses implicit TLS. The password is never sent over an unencrypted connection: without
// TLS only challenge-response mechanisms (SCRAM, CRAM-MD5) are tried.
type SMTPSender struct {
	host     string
	port     int
	ssl      bool
	policy   gomail.TLSPolicy
	user     string
	password string
	rootCAs  *x509.CertPool
	timeout  time.Duration
	origin   Origin
	now      func() time.Time
	helo     string
}

// SMTPOption adjusts an SMTPSender.
type SMTPOption func(*SMTPSender)

// WithRootCAs trusts pool instead of the system's certificate authorities
// (tests use it to trust their own server's certificate).
func WithRootCAs(pool *x509.CertPool) SMTPOption {
	return func(s *SMTPSender) { s.rootCAs = pool }
}

// WithRequiredTLS refuses to send over smtp:// unless the server offers
// STARTTLS (go-mail's mandatory TLS policy), whatever SMTP_URL says:
// NewSender uses it in production, where mail must never travel in plain
// text. smtps:// is encrypted from the start anyway.
func WithRequiredTLS() SMTPOption {
	return func(s *SMTPSender) { s.policy = gomail.TLSMandatory }
}

// WithSMTPTimeout bounds connecting and each step of the conversation with
// the server (default 30 seconds).
func WithSMTPTimeout(d time.Duration) SMTPOption {
	return func(s *SMTPSender) { s.timeout = d }
}

// NewSMTPSender prepares a sender for u (SMTP_URL). Its errors never quote
// the URL, which holds a password.
func NewSMTPSender(u *url.URL, o Origin, opts ...SMTPOption) (*SMTPSender, error) {
	if u == nil {
		return nil, errors.New("SMTP_URL: is not set")
	}
	if err := o.validate(); err != nil {
		return nil, fmt.Errorf("MAIL_FROM or MAIL_REPLY_TO: %w", err)
	}
	s := &SMTPSender{
		host:    u.Hostname(),
		policy:  gomail.TLSOpportunistic,
		timeout: 30 * time.Second,
		origin:  o,
		now:     time.Now,
	}
	switch u.Scheme {
	case "smtp":
		s.port = 587
	case "smtps":
		s.port, s.ssl = 465, true
	default:
		return nil, errors.New("SMTP_URL: must start with smtp:// or smtps://")
	}
	if s.host == "" {
		return nil, errors.New("SMTP_URL: must name the mail server's host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, errors.New("SMTP_URL: the port must be a number from 1 to 65535")
		}
		s.port = n
	}
	switch v := u.Query().Get("starttls"); v {
	case "":
	case "required":
		if s.ssl {
			return nil, errors.New("SMTP_URL: starttls=required is for smtp://; smtps:// is encrypted from the start")
		}
		s.policy = gomail.TLSMandatory
	default:
		return nil, errors.New("SMTP_URL: starttls may only be \"required\"")
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.password, _ = u.User.Password()
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		s.helo = h
	} else {
		s.helo = "localhost"
	}
	for _, opt := range opts {
		opt(s)
	}
	return s, nil
}

// Send delivers m over one new connection.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	b, err := build(s.origin, m, s.now())
	if err != nil {
		return &SendError{Summary: "the message is not valid", Permanent: true, err: err}
	}
	opts := []gomail.Option{
		gomail.WithPort(s.port),
		gomail.WithTimeout(s.timeout),
		gomail.WithHELO(s.helo),
		gomail.WithTLSConfig(&tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12, RootCAs: s.rootCAs}),
	}
	if s.ssl {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(s.policy))
	}
	if s.user != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.user), gomail.WithPassword(s.password))
	}
	c, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return &SendError{Summary: "the mail server settings are not usable", Permanent: true, err: err}
	}
	if err := c.DialAndSendWithContext(ctx, b.msg); err != nil {
		return describeSMTPError(err)
	}
	return nil
}

// describeSMTPError turns go-mail's error (whose text lists the recipients
// and quotes the server) into a SendError with a safe summary.
func describeSMTPError(err error) *SendError {
	var se *gomail.SendError
	if errors.As(err, &se) {
		summary := "the mail server refused the message when " + se.Reason.String()
		if code := se.ErrorCode(); code != 0 {
			summary += " (" + strconv.Itoa(code)
			if esc := se.EnhancedStatusCode(); esc != "" {
				summary += " " + esc
			}
			summary += ")"
		}
		permanent := false
		switch se.Reason {
		case gomail.ErrSMTPMailFrom, gomail.ErrSMTPRcptTo, gomail.ErrSMTPData, gomail.ErrSMTPDataClose:
			permanent = se.ErrorCode() >= 500 && se.ErrorCode() < 600
		}
		return &SendError{Summary: summary, Permanent: permanent, err: err}
	}
	var (
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		netErr  net.Error
	)
	summary := "sending failed"
	switch {
	case errors.Is(err, context.Canceled):
		summary = "sending was interrupted (the worker was stopping)"
	case errors.Is(err, context.DeadlineExceeded):
		summary = "the mail server did not answer in time"
	case errors.As(err, &dnsErr):
		summary = "could not find the mail server (DNS lookup failed)"
	case errors.Is(err, syscall.ECONNREFUSED):
		summary = "could not connect to the mail server (connection refused)"
	case errors.As(err, &certErr):
		summary = "the mail server's TLS certificate is not trusted"
	case errors.Is(err, gomail.ErrNoSupportedAuthDiscovered):
		summary = "could not sign in to the mail server safely (no encrypted connection, or no supported sign-in method)"
	case errors.As(err, &netErr) && netErr.Timeout():
		summary = "the mail server did not answer in time"
	case containsAny(err.Error(), "SMTP AUTH failed"):
		summary = "the mail server refused the username or password"
	case containsAny(err.Error(), "STARTTLS"):
		summary = "the mail server does not offer STARTTLS, which SMTP_URL requires"
	case containsAny(err.Error(), "tls:", "TLS"):
		summary = "the encrypted connection to the mail server failed"
	case errors.As(err, &netErr):
		summary = "the connection to the mail server failed"
	}
	return &SendError{Summary: summary, err: err}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
