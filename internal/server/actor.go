package server

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"careers/internal/policy"
	"careers/internal/store"
)

// Session keys. The session holds identifiers only, never personal details
// beyond the public person's verified address.
const (
	sessStaffID      = "staff_id"
	sessStaffEpoch   = "staff_epoch"
	sessStaffRoles   = "staff_roles"
	sessPendingStaff = "pending_staff_id" // password checked, second factor not yet
	sessPendingUntil = "pending_until"
	// The account's session epoch at the password step: a password change
	// or reset since then ends the half-finished sign-in.
	sessPendingEpoch    = "pending_epoch"
	sessPendingFailures = "pending_failures"
	sessPendingTOTP     = "pending_totp_secret" // enrolment in progress
	sessNewCodes        = "new_recovery_codes"
	sessPublicEmail     = "public_email"
	sessAfterSignIn     = "after_sign_in"
	sessFlash           = "flash"
)

type actorKey struct{}
type sessionLoadedKey struct{}
type staffKey struct{}

// actorFrom returns the person making the request (anonymous if nobody).
func actorFrom(ctx context.Context) policy.Actor {
	a, _ := ctx.Value(actorKey{}).(policy.Actor)
	return a
}

// staffFrom returns the signed-in staff member's account, if any: as read
// with the session, without its password hash and second-factor secret
// (so HasPassword and Enrolled are not to be asked of it; read the account).
func staffFrom(ctx context.Context) *store.StaffUser {
	u, _ := ctx.Value(staffKey{}).(*store.StaffUser)
	return u
}

// loadActor works out who is signing the request from the session. A staff
// session is checked against the account on every request: a deactivated
// account, or one whose session epoch has moved on (password changed,
// second factor reset), is signed out at once. A change of roles renews the
// session token.
func (s *Server) loadActor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		a := policy.Actor{}
		if id := s.sessions.GetInt64(ctx, sessStaffID); id != 0 {
			u, err := s.sessionStaff(ctx, id)
			switch {
			case err != nil && !errors.Is(err, store.ErrNotFound):
				s.serverError(w, r, err)
				return
			case err != nil || !u.Active || u.SessionEpoch != s.sessions.GetInt(ctx, sessStaffEpoch):
				// The account is gone, deactivated or signed out everywhere.
				if err := s.sessions.Destroy(ctx); err != nil {
					s.serverError(w, r, err)
					return
				}
			default:
				roles := rolesSig(u.Roles)
				if roles != s.sessions.GetString(ctx, sessStaffRoles) {
					if err := s.sessions.RenewToken(ctx); err != nil {
						s.serverError(w, r, err)
						return
					}
					s.sessions.Put(ctx, sessStaffRoles, roles)
				}
				a = policy.Actor{Kind: policy.Staff, StaffID: u.ID, Roles: u.Roles, Email: u.Email}
				ctx = context.WithValue(ctx, staffKey{}, &u)
			}
		} else if email := s.sessions.GetString(ctx, sessPublicEmail); email != "" {
			a = policy.Actor{Kind: policy.Public, Email: email}
		}
		ctx = context.WithValue(ctx, actorKey{}, a)
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, sessionLoadedKey{}, true)))
	})
}

// sessionRead gives each request a place for what its session read found.
func sessionRead(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(store.WithSessionRead(r.Context())))
	})
}

// prefetchPages asks for a page's statements to be sent with the session's
// read, in its round trip (store.Prefetch), on the pages people reload all
// day whose statements need only the signed-in person or the address: the
// coach's week, a trainee's or referrer's own page, and the card of the
// referral a page under one is about (the booking page, the referral
// page). The page takes the rows only after its own checks
// (store.PrefetchedWeek, store.PrefetchedYourPage); the card it takes as
// if it had read it (store.PrefetchedCard), the policy applied to it
// before anything else.
func (s *Server) prefetchPages(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if memo := store.SessionReadFrom(r.Context()); memo != nil && r.Method == http.MethodGet {
			switch r.URL.Path {
			case "/staff/calendar":
				from, to, _ := s.calendarRange(r)
				memo.Prefetch = store.CoachWeekPrefetch(from, to)
			case "/your-referrals":
				memo.Prefetch = store.YourPagePrefetch()
			default:
				if ref := referralInPath(r.URL.Path); ref != "" {
					memo.Prefetch = store.CardPrefetch(ref)
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// referralInPath is the reference in the address of a page under one
// referral (/your-referrals/{reference}/…, /staff/referrals/{reference}/…),
// whose handler reads the referral's card first (cardByReference); else "".
// The Case Manager's new referral's pages (/staff/referrals/new/…) are
// under no referral.
func referralInPath(path string) string {
	for _, prefix := range []string{"/your-referrals/", "/staff/referrals/"} {
		if rest, ok := strings.CutPrefix(path, prefix); ok {
			if ref, _, _ := strings.Cut(rest, "/"); ref != "new" {
				return ref
			}
		}
	}
	return ""
}

// sessionStaff is the staff account of the session: the one read with the
// session in the same statement when it is there, else read now.
func (s *Server) sessionStaff(ctx context.Context, id int64) (store.StaffUser, error) {
	if memo := store.SessionReadFrom(ctx); memo != nil && memo.Staff != nil && memo.Staff.ID == id {
		return *memo.Staff, nil
	}
	return s.store.StaffUserByID(ctx, id)
}

func rolesSig(roles []policy.Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}
