package server

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"careers/internal/mail"
	"careers/internal/notify"
	"careers/internal/store"
)

// Enqueue puts a notification on the durable queue inside the transaction
// of the change that causes it; key makes it unique, so a retried change
// records one message.
type Enqueue func(ctx context.Context, tx pgxTx, key, kind string, referralID *int64, m mail.Message) error

func (s *Server) enqueueEmail(ctx context.Context, tx pgxTx, key, kind string, to mail.Address, m mail.Message) error {
	if s.enqueue == nil {
		return errors.New("server: no notification queue configured")
	}
	m.To = []mail.Address{to}
	return s.enqueue(ctx, tx, key, kind, nil, m)
}

// emailPasswordLink queues the invitation or reset email carrying link.
func (s *Server) emailPasswordLink(ctx context.Context, tx pgxTx, u store.StaffUser, pl passwordLink, link string, tokenID int64) error {
	var m mail.Message
	var err error
	if pl.purpose == store.PurposeSetPassword {
		m, err = notify.StaffInvitation(ctx, u.Name, roleList(u), link)
	} else {
		m, err = notify.PasswordReset(ctx, u.Name, link)
	}
	if err != nil {
		return err
	}
	key := pl.purpose + ":" + strconv.FormatInt(tokenID, 10)
	return s.enqueueEmail(ctx, tx, key, pl.purpose, mail.Address{Name: u.Name, Email: u.Email}, m)
}

func roleList(u store.StaffUser) string {
	labels := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		labels[i] = r.Label()
	}
	if len(labels) == 0 {
		return "a member of staff"
	}
	return strings.Join(labels, ", ")
}
