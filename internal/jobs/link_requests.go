package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"careers/internal/auth"
	"careers/internal/mail"
	"careers/internal/notify"
	"careers/internal/store"
)

// RequestLink queues a request for an emailed link, in the caller's
// transaction. The public forms call it for every well-formed address, known
// or not, and answer at once: what the request leads to (nothing, for an
// address the service does not know) happens in the job, so the answer
// takes the same time and does the same work either way. The address waits
// in link_requests, not in River's job table.
func RequestLink(ctx context.Context, tx pgx.Tx, r store.LinkRequest) error {
	var id int64
	err := store.New(nil).InTxWith(tx, func(st *store.Store) error {
		var err error
		id, err = st.AddLinkRequest(ctx, r)
		return err
	})
	if err != nil {
		return err
	}
	ic, err := inserter()
	if err != nil {
		return err
	}
	if _, err := ic.InsertTx(ctx, tx, linkRequestArgs{RequestID: id}, nil); err != nil {
		return fmt.Errorf("jobs: request link: %w", err)
	}
	return nil
}

// linkRequestArgs is the job of one link request; it carries only the id.
type linkRequestArgs struct {
	RequestID int64 `json:"request_id"`
}

// Kind names the job in River.
func (linkRequestArgs) Kind() string { return "link_request" }

type linkRequestWorker struct {
	river.WorkerDefaults[linkRequestArgs]
	pool    *pgxpool.Pool
	st      *store.Store // keyed for the throttle table
	baseURL *url.URL
	now     func() time.Time
	log     *slog.Logger
}

func (w *linkRequestWorker) Work(ctx context.Context, job *river.Job[linkRequestArgs]) error {
	err := pgx.BeginFunc(ctx, w.pool, func(tx pgx.Tx) error {
		return w.st.InTxWith(tx, func(st *store.Store) error {
			req, err := st.TakeLinkRequest(ctx, job.Args.RequestID)
			if err != nil {
				return err
			}
			h := linkHandler{st: st, tx: tx, base: w.baseURL.String(), now: w.now(), req: req, log: w.log}
			switch req.Purpose {
			case store.PurposeSignIn:
				return h.signIn(ctx)
			case store.PurposeResetPassword:
				return h.reset(ctx)
			case store.PurposeConfirmReferral:
				return h.confirm(ctx)
			}
			return fmt.Errorf("link request %d: unknown purpose", req.ID)
		})
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil // handled already (a rescued job run twice)
	}
	return err
}

// linkHandler does one request's work inside the job's transaction.
type linkHandler struct {
	st   *store.Store
	tx   pgx.Tx
	base string
	now  time.Time
	req  store.LinkRequest
	log  *slog.Logger
}

// allowed takes one email from the recipient's allowance; past it the
// request sends nothing (the form answered "check your email" anyway).
func (h linkHandler) allowed(ctx context.Context) (bool, error) {
	ok, err := h.st.TakeMailAllowance(ctx, auth.MailRecipientKey(h.req.Email), auth.MailPerRecipient, auth.MailWindow, h.now)
	if err == nil && !ok {
		h.log.WarnContext(ctx, "link not sent: the recipient has had the most emails allowed this hour",
			"purpose", h.req.Purpose, "request_id", h.req.RequestID)
	}
	return ok, err
}

// signIn sends a sign-in link to a trainee or referrer the service knows,
// or to a person who has confirmed a workshop registration (their page
// lists it, even with no referral).
func (h linkHandler) signIn(ctx context.Context) error {
	known, err := h.st.EmailIsKnown(ctx, h.req.Email)
	if err != nil {
		return err
	}
	if !known {
		if known, err = h.st.HasConfirmedWorkshopRegistration(ctx, store.NormaliseEmail(h.req.Email)); err != nil || !known {
			return err
		}
	}
	if ok, err := h.allowed(ctx); err != nil || !ok {
		return err
	}
	token, hash := auth.NewToken()
	id, err := h.st.CreateSignInToken(ctx, h.req.Email, hash, h.now, h.now.Add(auth.SignInLinkTTL))
	if err != nil {
		return err
	}
	m, err := notify.SignInLink(ctx, h.base+"/sign-in/link?token="+token)
	if err != nil {
		return err
	}
	m.To = []mail.Address{{Email: h.req.Email}}
	_, err = Enqueue(ctx, h.tx, Notification{Key: "sign_in:" + strconv.FormatInt(id, 10), Kind: "sign_in_link", Message: m})
	return err
}

// reset sends a password reset link to an active staff account.
func (h linkHandler) reset(ctx context.Context) error {
	u, err := h.st.StaffUserByEmail(ctx, h.req.Email)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil || !u.Active {
		return err
	}
	if ok, err := h.allowed(ctx); err != nil || !ok {
		return err
	}
	token, hash := auth.NewToken()
	id, err := h.st.CreateStaffToken(ctx, store.PurposeResetPassword, u.ID, hash, h.now, h.now.Add(auth.ResetLinkTTL))
	if err != nil {
		return err
	}
	err = h.st.Audit(ctx, store.AuditEntry{At: h.now, ActorKind: "anonymous", Action: "link_sent", RecordType: "staff_user",
		RecordID: strconv.FormatInt(u.ID, 10), ClientIP: h.req.ClientIP, RequestID: h.req.RequestID,
		Outcome: store.OutcomeSuccess, Detail: store.PurposeResetPassword})
	if err != nil {
		return err
	}
	m, err := notify.PasswordReset(ctx, u.Name, h.base+"/staff/reset-password?token="+token)
	if err != nil {
		return err
	}
	m.To = []mail.Address{{Name: u.Name, Email: u.Email}}
	_, err = Enqueue(ctx, h.tx, Notification{Key: store.PurposeResetPassword + ":" + strconv.FormatInt(id, 10), Kind: store.PurposeResetPassword, Message: m})
	return err
}

// confirm sends a new confirmation link for each referral waiting for this
// trainee to confirm it; earlier links for it stop working.
func (h linkHandler) confirm(ctx context.Context) error {
	waiting, err := h.st.AwaitingConfirmation(ctx, h.req.Email)
	if err != nil {
		return err
	}
	for _, a := range waiting {
		if ok, err := h.allowed(ctx); err != nil || !ok {
			return err
		}
		token, hash := auth.NewToken()
		id, err := h.st.CreateConfirmToken(ctx, a.ID, a.TraineeEmail, hash, h.now, h.now.Add(auth.ConfirmLinkTTL))
		if err != nil {
			return err
		}
		by := a.ReferrerName
		if a.Route == "case_manager" || by == "" {
			by = "Your Case Manager"
		}
		m, err := notify.ConfirmRequest(ctx, a.TraineeName, by, a.Reference, h.base+"/refer/confirm?token="+token, false)
		if err != nil {
			return err
		}
		m.To = []mail.Address{{Name: a.TraineeName, Email: a.TraineeEmail}}
		key := "confirm_request:" + strconv.FormatInt(id, 10)
		if _, err := Enqueue(ctx, h.tx, Notification{Key: key, Kind: "confirm_request", ReferralID: &a.ID, Message: m}); err != nil {
			return err
		}
		if err := h.st.AddEvent(ctx, a.ID, h.now, "confirm_link_sent", "public", 0, "The trainee asked for a new link to confirm the referral"); err != nil {
			return err
		}
	}
	return nil
}
