package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"careers/internal/auth"
	"careers/internal/config"
	"careers/internal/policy"
	"careers/internal/store"
)

// roleFlags collects repeated or comma-separated --role values.
type roleFlags []policy.Role

func (r *roleFlags) String() string { return fmt.Sprint(*r) }

func (r *roleFlags) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		role := policy.Role(strings.TrimSpace(s))
		if !role.Valid() {
			return fmt.Errorf("unknown role %q (roles: coordinator, coach, psu_lead, case_manager, admin)", s)
		}
		*r = append(*r, role)
	}
	return nil
}

// cmdUser manages staff accounts from the command line; `user create` makes
// the first admin, and prints their one-time set-password link.
func cmdUser(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: careers user create --email EMAIL --name NAME --role ROLE [--role ROLE]")
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "work email address")
	name := fs.String("name", "", "full name")
	var roles roleFlags
	fs.Var(&roles, "role", "role (repeat, or separate with commas)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch {
	case !strings.Contains(*email, "@"):
		return errors.New("--email: give the person's work email address")
	case strings.TrimSpace(*name) == "":
		return errors.New("--name: give the person's full name")
	case len(roles) == 0:
		return errors.New("--role: give at least one role")
	}

	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := newLogger(io.Discard, cfg.LogLevel)
	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.close(context.WithoutCancel(ctx))
	if _, err := db.migrate(ctx, cfg, log); err != nil {
		return err
	}

	token, hash := auth.NewToken()
	expires := time.Now().Add(auth.InvitationLinkTTL)
	err = store.New(db.pool).InTx(ctx, func(st *store.Store, _ store.Tx) error {
		u, err := st.CreateStaffUser(ctx, store.NewStaffUser{Email: *email, Name: *name, Roles: roles})
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("--email: an account with this address already exists")
		}
		if err != nil {
			return err
		}
		if _, err := st.CreateStaffToken(ctx, store.PurposeSetPassword, u.ID, hash, time.Now(), expires); err != nil {
			return err
		}
		return st.Audit(ctx, store.AuditEntry{At: time.Now().UTC(), ActorKind: "system", Action: "create",
			RecordType: "staff_user", RecordID: fmt.Sprint(u.ID), Outcome: store.OutcomeSuccess, Detail: "command line"})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Account created. Send this one-time link to %s to set their password (it expires %s):\n%s/staff/set-password?token=%s\n",
		*name, expires.Format(time.RFC1123), cfg.BaseURL, token)
	return nil
}
