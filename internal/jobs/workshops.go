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

	"careers/internal/booking"
	"careers/internal/config"
	"careers/internal/mail"
	"careers/internal/notify"
	"careers/internal/store"
	"careers/internal/workshops"
)

// Workshop emails (issue 16). Every email to a registrant goes through the
// durable queue in the transaction of the change that causes it, carries
// an .ics (booking.Invite with UID workshops.UID and the workshop's
// ics_sequence) and a fresh link to their place page
// (store.NewWorkshopPlaceLink, working until workshops.LinkExpiry).
//
// The API other helpers use (ws-staff, ws-after):
//
//	m := jobs.NewWorkshopMailer(cfg)   // or jobs.WorkshopMailer{BaseURL: ..., From: ...}
//	n, err := m.OfferFreedPlaces(ctx, tx, workshopID, now)
//	err := m.SendWorkshopEmail(ctx, tx, registrationID, jobs.WorkshopPlacedEmail, now, "optional first paragraph")
//	inv := m.WorkshopInvite(w, r, booking.MethodCancel, now) // the .ics alone
//
// All take the caller's open transaction (pgx.Tx, as store.InTx gives).

// WorkshopEmail names which email SendWorkshopEmail sends.
type WorkshopEmail string

// The registrant's emails.
const (
	// WorkshopPlacedEmail: they have a place (confirmed, accepted an offer,
	// or moved into one by staff), with the joining details.
	WorkshopPlacedEmail WorkshopEmail = "workshop_placed"
	// WorkshopWaitingEmail: they are on the waiting list, with their position.
	WorkshopWaitingEmail WorkshopEmail = "workshop_waiting"
	// WorkshopOfferEmail: a freed place is offered to them until a deadline.
	WorkshopOfferEmail WorkshopEmail = "workshop_offer"
	// WorkshopReminderEmail: a reminder (2 days or 2 hours) before the start.
	WorkshopReminderEmail WorkshopEmail = "workshop_reminder"
	// WorkshopCancelledEmail: they cancelled their place or entry (a
	// cancelled invitation, METHOD:CANCEL).
	WorkshopCancelledEmail WorkshopEmail = "workshop_cancelled"
	// WorkshopLapsedEmail: their offer ran out.
	WorkshopLapsedEmail WorkshopEmail = "workshop_lapsed"
	// WorkshopDeclinedEmail: they said no to an offer (METHOD:CANCEL).
	WorkshopDeclinedEmail WorkshopEmail = "workshop_declined"
	// WorkshopRemovedEmail: staff took them off (METHOD:CANCEL); ws-staff
	// passes the reason as note.
	WorkshopRemovedEmail WorkshopEmail = "workshop_removed"
)

// WorkshopMailer writes and queues the workshop emails.
type WorkshopMailer struct {
	// BaseURL is where the links in the emails point.
	BaseURL *url.URL
	// From organises the calendar events (MAIL_FROM).
	From mail.Address
}

// NewWorkshopMailer is the mailer of the service configured by cfg.
func NewWorkshopMailer(cfg config.Config) WorkshopMailer {
	return WorkshopMailer{BaseURL: cfg.BaseURL, From: mail.AddressFrom(cfg.MailFrom)}
}

// OfferFreedPlaces offers each free place of workshop id to the next person
// on its waiting list, in order of confirmation, and queues each one's
// offer email, all in tx; run it after anything frees a place (a
// cancellation, a declined or lapsed offer, staff removing someone or
// raising the capacity). Offers last workshops.OfferWindow, at most half
// the time left to the start; within workshops.NoOffersWithin of the start
// the place is given to the next person waiting, who is emailed their
// place; for a cancelled workshop nothing happens. It returns how many
// people it offered or gave a place.
func (m WorkshopMailer) OfferFreedPlaces(ctx context.Context, tx pgx.Tx, workshopID int64, now time.Time) (int, error) {
	var offers []store.WorkshopOffer
	err := store.New(nil).InTxWith(tx, func(st *store.Store) error {
		var err error
		offers, err = st.OfferPlaces(ctx, workshopID, now)
		return err
	})
	if err != nil {
		return 0, err
	}
	for _, o := range offers {
		kind := WorkshopOfferEmail
		if o.Placed {
			kind = WorkshopPlacedEmail
		}
		if err := m.SendWorkshopEmail(ctx, tx, o.RegistrationID, kind, now, ""); err != nil {
			return 0, err
		}
	}
	return len(offers), nil
}

// WorkshopInvite is the calendar event of workshop w for registration r:
// method booking.MethodRequest for someone with a place (with the joining
// link when online), booking.MethodPublish for someone who has none yet
// (no joining link), booking.MethodCancel when it is off for them.
func (m WorkshopMailer) WorkshopInvite(w store.Workshop, r store.WorkshopRegistration, method string, now time.Time) booking.Invite {
	inv := booking.Invite{
		UID:       workshops.UID(w.ID, m.BaseURL.Hostname()),
		Sequence:  w.ICSSequence,
		Method:    method,
		Start:     w.StartsAt,
		End:       w.EndsAt,
		Summary:   w.Title,
		Organizer: booking.Person{Name: "Careers support", Email: m.From.Email},
		Attendee:  booking.Person{Name: r.Name, Email: r.Email},
		Status:    booking.StatusConfirmed,
		Stamp:     now,
	}
	desc := w.Title + " (careers workshop)."
	if w.Mode == workshops.ModeInPerson {
		inv.Location = w.Venue
	} else {
		inv.Location = "Online"
	}
	switch method {
	case booking.MethodCancel:
		inv.Status = booking.StatusCancelled
	case booking.MethodRequest:
		if w.Mode == workshops.ModeOnline && r.Status == workshops.Placed && w.JoiningLink != "" {
			if link, err := booking.CheckVideoLink(w.JoiningLink); err == nil {
				inv.VideoLink = link
				desc += "\nJoin online: " + link
			}
		}
	default:
		desc += "\nYou do not have a place yet: " + workshops.StatusLabel(r.Status) + "."
	}
	inv.Description = desc
	return inv
}

// placeLink is a fresh link to registration r's place page.
func (m WorkshopMailer) placeLink(ctx context.Context, st *store.Store, w store.Workshop, r store.WorkshopRegistration, now time.Time) (string, error) {
	token, err := st.NewWorkshopPlaceLink(ctx, r.ID, now, workshops.LinkExpiry(w.EndsAt))
	if err != nil {
		return "", err
	}
	return m.BaseURL.JoinPath("workshops", w.Slug, "your-place").String() + "?token=" + token, nil
}

// SendWorkshopEmail queues email kind to registration id's person in tx,
// with the .ics and a fresh link to their place. note, when not "", is the
// email's first paragraph (a reason from staff, say).
func (m WorkshopMailer) SendWorkshopEmail(ctx context.Context, tx pgx.Tx, id int64, kind WorkshopEmail, now time.Time, note string) error {
	return store.New(nil).InTxWith(tx, func(st *store.Store) error {
		r, err := st.WorkshopRegistrationByID(ctx, id)
		if err != nil {
			return err
		}
		w, err := st.WorkshopByID(ctx, r.WorkshopID)
		if err != nil {
			return err
		}
		link, err := m.placeLink(ctx, st, w, r, now)
		if err != nil {
			return err
		}
		when := workshops.When(w.StartsAt, w.EndsAt)
		where := "Online"
		if w.Mode == workshops.ModeInPerson {
			where = "In person at " + w.Venue
		}
		l := notify.Letter{Greeting: "Dear " + r.Name + ",", Link: link, LinkLabel: "See or change your place"}
		method := booking.MethodRequest
		var paras []string
		switch kind {
		case WorkshopPlacedEmail:
			l.Subject = "You have a place: " + w.Title
			paras = []string{"You have a place at " + w.Title + ", " + when + " (UK time).", joiningText(w)}
		case WorkshopWaitingEmail:
			method = booking.MethodPublish
			pos, err := st.WaitingPosition(ctx, id)
			if err != nil {
				return err
			}
			l.Subject = "You are on the waiting list: " + w.Title
			paras = []string{"The workshop " + w.Title + ", " + when + " (UK time), is full. You are number " + strconv.Itoa(pos) + " on the waiting list.",
				"If a place becomes free we will email you an offer, which you need to accept within a time limit. The joining details are sent only to people with a place."}
		case WorkshopOfferEmail:
			method = booking.MethodPublish
			if r.OfferExpiresAt == nil {
				return fmt.Errorf("workshop offer email: registration %d has no offer", id)
			}
			l.Subject = "A place is free for you: " + w.Title
			l.LinkLabel = "Accept or decline the place"
			paras = []string{"A place has become free at " + w.Title + ", " + when + " (UK time), and it is yours if you want it.",
				"Accept it by " + workshops.At(*r.OfferExpiresAt) + " (UK time). If you do not answer by then, we offer it to the next person waiting.",
				"If you cannot come, please decline so someone else can have it."}
		case WorkshopReminderEmail:
			l.Subject = "Reminder: " + w.Title + ", " + workshops.At(w.StartsAt)
			paras = []string{"A reminder of " + w.Title + ", " + when + " (UK time).", joiningText(w),
				"If you can no longer come, please cancel your place so someone on the waiting list can have it."}
		case WorkshopCancelledEmail:
			method = booking.MethodCancel
			l.Subject = "Cancelled: your registration for " + w.Title
			paras = []string{"You have cancelled your registration for " + w.Title + ", " + when + ". You can register again while registration is open."}
		case WorkshopLapsedEmail:
			method = booking.MethodCancel
			l.Subject = "The offer of a place has run out: " + w.Title
			paras = []string{"The place we offered you at " + w.Title + ", " + when + ", was not accepted in time, so it has gone to the next person waiting."}
		case WorkshopDeclinedEmail:
			method = booking.MethodCancel
			l.Subject = "Offer declined: " + w.Title
			paras = []string{"You have declined the place at " + w.Title + ", " + when + ". Thank you for letting us know."}
		case WorkshopRemovedEmail:
			method = booking.MethodCancel
			l.Subject = "Your registration has been cancelled: " + w.Title
			paras = []string{"The careers team has cancelled your registration for " + w.Title + ", " + when + "."}
		default:
			return fmt.Errorf("workshop email: unknown kind %q", kind)
		}
		if method == booking.MethodRequest {
			paras = append(paras, "Add it to your calendar: open the attached invitation (workshop.ics).")
		} else if method == booking.MethodCancel {
			paras = append(paras, "Open the attached file (workshop.ics) to remove it from your calendar.")
		} else {
			paras = append(paras, "The attached file (workshop.ics) adds the date to your calendar; it is not a place.")
		}
		if note != "" {
			paras = append([]string{note}, paras...)
		}
		l.Paragraphs = paras
		l.After = []string{"Where: " + where + ".", "This link to your place is yours alone: please do not forward this email."}
		msg, err := notify.Write(ctx, l)
		if err != nil {
			return err
		}
		inv := m.WorkshopInvite(w, r, method, now)
		msg.To = []mail.Address{{Name: r.Name, Email: r.Email}}
		msg.Attachments = []mail.Attachment{{Filename: "workshop.ics", ContentType: "text/calendar; method=" + method + "; charset=UTF-8", Content: inv.ICS()}}
		key := string(kind) + ":" + strconv.FormatInt(id, 10) + ":" + strconv.FormatInt(now.UnixNano(), 10)
		_, err = Enqueue(ctx, tx, Notification{Key: key, Kind: string(kind), Message: msg})
		return err
	})
}

// SendWorkshopConfirmEmail queues the "confirm your email" message with the
// one-time confirmation link carrying token.
func (m WorkshopMailer) SendWorkshopConfirmEmail(ctx context.Context, tx pgx.Tx, id int64, token string, now time.Time) error {
	return store.New(nil).InTxWith(tx, func(st *store.Store) error {
		r, err := st.WorkshopRegistrationByID(ctx, id)
		if err != nil {
			return err
		}
		w, err := st.WorkshopByID(ctx, r.WorkshopID)
		if err != nil {
			return err
		}
		link := m.BaseURL.JoinPath("workshops", "confirm").String() + "?token=" + token
		msg, err := notify.Write(ctx, notify.Letter{
			Subject:  "Confirm your email to register: " + w.Title,
			Greeting: "Dear " + r.Name + ",",
			Paragraphs: []string{"You asked to register for " + w.Title + ", " + workshops.When(w.StartsAt, w.EndsAt) + " (UK time).",
				"Confirm your email address within 24 hours to take a place, or a place on the waiting list if it is full. Places go in the order people confirm.",
				"The attached file (workshop.ics) adds the date to your calendar; it is not a place."},
			Link: link, LinkLabel: "Confirm your email",
			After: []string{"If you did not ask for this, you can ignore this email: nothing happens unless the link is used."},
		})
		if err != nil {
			return err
		}
		inv := m.WorkshopInvite(w, r, booking.MethodPublish, now)
		msg.To = []mail.Address{{Name: r.Name, Email: r.Email}}
		msg.Attachments = []mail.Attachment{{Filename: "workshop.ics", ContentType: "text/calendar; method=PUBLISH; charset=UTF-8", Content: inv.ICS()}}
		key := "workshop_confirm:" + strconv.FormatInt(id, 10) + ":" + strconv.FormatInt(now.UnixNano(), 10)
		_, err = Enqueue(ctx, tx, Notification{Key: key, Kind: "workshop_confirm", Message: msg})
		return err
	})
}

func joiningText(w store.Workshop) string {
	if w.Mode == workshops.ModeInPerson {
		return "Venue: " + w.Venue + "."
	}
	if w.JoiningLink == "" {
		return "We will email you the joining link before the start."
	}
	return "Join online: " + w.JoiningLink
}

// SweepWorkshopOffers lapses the offers that ran out by now, emails each
// person whose offer lapsed, and offers the places on: one transaction per
// batch, safe to run twice or from two workers (a lapsed offer is not
// offered again). It returns how many offers lapsed.
func (m WorkshopMailer) SweepWorkshopOffers(ctx context.Context, pool *pgxpool.Pool, now time.Time) (int, error) {
	total := 0
	for {
		n := 0
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			var regs, ws []int64
			err := store.New(pool).InTxWith(tx, func(st *store.Store) error {
				var err error
				regs, ws, err = st.LapseWorkshopOffers(ctx, now, 50)
				return err
			})
			if err != nil {
				return err
			}
			for _, id := range regs {
				if err := m.SendWorkshopEmail(ctx, tx, id, WorkshopLapsedEmail, now, ""); err != nil {
					return err
				}
			}
			for _, w := range ws {
				if _, err := m.OfferFreedPlaces(ctx, tx, w, now); err != nil {
					return err
				}
			}
			n = len(regs)
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("workshop offers: %w", err)
		}
		total += n
		if n < 50 {
			return total, nil
		}
	}
}

// SendWorkshopReminders queues the reminders due at now (2 days and 2
// hours before the start, to people with a place, each once), a batch
// per transaction until none are left, so a webinar with a thousand
// places is reminded in one run.
func (m WorkshopMailer) SendWorkshopReminders(ctx context.Context, pool *pgxpool.Pool, now time.Time) (int, error) {
	const batch = 200
	n := 0
	for {
		var due []store.DueWorkshopReminder
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			err := store.New(pool).InTxWith(tx, func(st *store.Store) error {
				var err error
				due, err = st.ClaimWorkshopReminders(ctx, now, batch)
				return err
			})
			if err != nil {
				return err
			}
			for _, d := range due {
				if err := m.SendWorkshopEmail(ctx, tx, d.RegistrationID, WorkshopReminderEmail, now, ""); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("workshop reminders: %w", err)
		}
		n += len(due)
		if len(due) < batch {
			return n, nil
		}
	}
}

type workshopSweepArgs struct{}

// Kind names the job in River.
func (workshopSweepArgs) Kind() string { return "workshop_sweep" }

// InsertOpts keeps one run per 5 minutes.
func (workshopSweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 5 * time.Minute}}
}

// workshopSweepWorker lapses run-out offers (offering the places on) and
// sends the reminders that are due.
type workshopSweepWorker struct {
	river.WorkerDefaults[workshopSweepArgs]
	pool *pgxpool.Pool
	m    WorkshopMailer
	now  func() time.Time
	log  *slog.Logger
}

func (w *workshopSweepWorker) Work(ctx context.Context, _ *river.Job[workshopSweepArgs]) error {
	now := w.now()
	lapsed, err1 := w.m.SweepWorkshopOffers(ctx, w.pool, now)
	reminded, err2 := w.m.SendWorkshopReminders(ctx, w.pool, now)
	if lapsed+reminded > 0 {
		w.log.InfoContext(ctx, "workshop offers and reminders", "lapsed", lapsed, "reminders", reminded)
	}
	return errors.Join(err1, err2)
}
