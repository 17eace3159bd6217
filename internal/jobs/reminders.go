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
	"careers/internal/booking"
	"careers/internal/mail"
	"careers/internal/notify"
	"careers/internal/store"
)

// ReminderAfter is how long a referral made for a trainee waits for their
// confirmation before they are reminded (once).
const ReminderAfter = 7 * 24 * time.Hour

type remindArgs struct{}

// Kind names the job in River.
func (remindArgs) Kind() string { return "confirm_reminders" }

// InsertOpts keeps one run per half hour.
func (remindArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 30 * time.Minute}}
}

type remindWorker struct {
	river.WorkerDefaults[remindArgs]
	pool    *pgxpool.Pool
	baseURL *url.URL
	now     func() time.Time
	log     *slog.Logger
}

func (w *remindWorker) Work(ctx context.Context, _ *river.Job[remindArgs]) error {
	n, err := SendConfirmReminders(ctx, w.pool, w.baseURL, w.now(), 200)
	if n > 0 {
		w.log.InfoContext(ctx, "confirmation reminders queued", "count", n)
	}
	return err
}

// SendConfirmReminders reminds each trainee whose referral has waited
// ReminderAfter for their confirmation, with a fresh link: one referral per
// transaction, each reminded once, safe with several workers at once. It
// returns how many it queued (at most limit).
func SendConfirmReminders(ctx context.Context, pool *pgxpool.Pool, baseURL *url.URL, now time.Time, limit int) (int, error) {
	sent := 0
	for sent < limit {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			st := store.New(pool)
			return st.InTxWith(tx, func(st *store.Store) error {
				a, err := st.LockDueReminder(ctx, now.Add(-ReminderAfter))
				if err != nil {
					return err
				}
				token, hash := auth.NewToken()
				if _, err := st.CreateConfirmToken(ctx, a.ID, a.TraineeEmail, hash, now, now.Add(auth.ConfirmLinkTTL)); err != nil {
					return err
				}
				by := a.ReferrerName
				if a.Route == "case_manager" || by == "" {
					by = "Your Case Manager"
				}
				m, err := notify.ConfirmRequest(ctx, a.TraineeName, by, a.Reference, baseURL.JoinPath("refer", "confirm").String()+"?token="+token, true)
				if err != nil {
					return err
				}
				m.To = []mail.Address{{Name: a.TraineeName, Email: a.TraineeEmail}}
				if _, err := Enqueue(ctx, tx, Notification{Key: "confirm_reminder:" + a.Reference, Kind: "confirm_reminder", ReferralID: &a.ID, Message: m}); err != nil {
					return err
				}
				if err := st.MarkReminded(ctx, a.ID, now); err != nil {
					return err
				}
				return st.AddEvent(ctx, a.ID, now, "reminded", "system", 0, "Reminder sent to the trainee to confirm the referral")
			})
		})
		if errors.Is(err, store.ErrNotFound) {
			return sent, nil
		}
		if err != nil {
			return sent, fmt.Errorf("confirm reminders: %w", err)
		}
		sent++
	}
	return sent, nil
}

// DefaultReminderOffsets are how long before a session its reminders go
// when the configuration gives none (REMINDER_OFFSETS).
var DefaultReminderOffsets = []time.Duration{48 * time.Hour, 2 * time.Hour}

type apptRemindArgs struct{}

// Kind names the job in River.
func (apptRemindArgs) Kind() string { return "appointment_reminders" }

// InsertOpts keeps one run per 5 minutes.
func (apptRemindArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 5 * time.Minute}}
}

type apptRemindWorker struct {
	river.WorkerDefaults[apptRemindArgs]
	pool    *pgxpool.Pool
	baseURL *url.URL
	offsets []time.Duration
	now     func() time.Time
	log     *slog.Logger
}

func (w *apptRemindWorker) Work(ctx context.Context, _ *river.Job[apptRemindArgs]) error {
	n, err := SendAppointmentRemindersAt(ctx, w.pool, w.baseURL, w.offsets, w.now(), 200)
	if n > 0 {
		w.log.InfoContext(ctx, "appointment reminders queued", "count", n)
	}
	return err
}

// SendAppointmentReminders is SendAppointmentRemindersAt with
// DefaultReminderOffsets.
func SendAppointmentReminders(ctx context.Context, pool *pgxpool.Pool, baseURL *url.URL, now time.Time, limit int) (int, error) {
	return SendAppointmentRemindersAt(ctx, pool, baseURL, DefaultReminderOffsets, now, limit)
}

// SendAppointmentRemindersAt reminds the trainee and the coach of each
// booked session whose reminder at one of offsets before its start is due:
// once per session, offset and start time (appointment_reminders' key), so
// a session moved to another time is reminded of its new time, and a
// cancelled one of nothing. It returns how many reminders (pairs of
// emails) it queued.
func SendAppointmentRemindersAt(ctx context.Context, pool *pgxpool.Pool, baseURL *url.URL, offsets []time.Duration, now time.Time, limit int) (int, error) {
	if len(offsets) == 0 {
		offsets = DefaultReminderOffsets
	}
	sent := 0
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return store.New(pool).InTxWith(tx, func(st *store.Store) error {
			due, err := st.DueAppointmentReminders(ctx, now, offsets, limit)
			if err != nil {
				return err
			}
			for _, d := range due {
				fresh, err := st.MarkRemindersSent(ctx, d.ID, d.Start, d.Offset, offsets, now)
				if err != nil {
					return err
				}
				if !fresh {
					continue
				}
				if err := enqueueReminder(ctx, tx, baseURL, d, now); err != nil {
					return err
				}
				sent++
			}
			return nil
		})
	})
	return sent, err
}

// enqueueReminder queues one reminder to each of the two people, with how
// to join and what changing the session now would cost.
func enqueueReminder(ctx context.Context, tx pgx.Tx, baseURL *url.URL, d store.DueReminder, now time.Time) error {
	start := d.Start.In(london)
	day := start.Format("Monday 2 January")
	if sameDay(start, now.In(london)) {
		day = "today"
	}
	at := start.Format("3:04pm")
	if start.Minute() == 0 {
		at = start.Format("3pm")
	}
	j := booking.NewJoining(booking.Mode(d.Mode), d.Place, d.OwnVideoLink, d.VideoLink, d.Phone)
	rule := "You can still cancel or rearrange it and keep the session in your allowance, up to 24 hours before it starts."
	if c := booking.Cancel(d.Start, now, booking.WhoTrainee, booking.ChangeCancel); c.Late {
		rule = "It is less than 24 hours away: if you cancel or rearrange it now you will need to say why, and it counts as used unless a coordinator decides otherwise."
	}
	key := "appointment_reminder:" + strconv.FormatInt(d.ID, 10) + ":" + strconv.Itoa(int(d.Offset/time.Minute)) + ":" + strconv.FormatInt(d.Start.Unix(), 10)
	ref := d.Reference
	appt := baseURL.JoinPath("your-referrals", ref, "appointments", strconv.FormatInt(d.ID, 10))
	for _, to := range []struct {
		who  mail.Address
		kind string
		l    notify.Letter
	}{
		{mail.Address{Name: d.TraineeName, Email: d.TraineeEmail}, "appointment_reminder", notify.Letter{
			Subject:  "Reminder: your careers support session " + day + " at " + at,
			Greeting: "Dear " + d.TraineeName + ",",
			Paragraphs: []string{"A reminder of your careers support session with " + d.CoachName + " " + day + " at " + at + " (UK time).",
				j.ForTrainee(), rule,
				"Rearrange it (sign-in needed): " + appt.JoinPath("rearrange").String(),
				"Cancel it (sign-in needed): " + appt.JoinPath("cancel").String()},
			Link: baseURL.JoinPath("your-referrals", ref).String(), LinkLabel: "See, rearrange or cancel your session (sign-in needed)"}},
		{mail.Address{Name: d.CoachName, Email: d.CoachEmail}, "appointment_reminder_coach", notify.Letter{
			Subject:    "Reminder: careers support session " + day + " at " + at + " (referral " + ref + ")",
			Greeting:   "Dear " + d.CoachName + ",",
			Paragraphs: []string{"A reminder of your session " + day + " at " + at + " (UK time), referral " + ref + ".", j.ForCoach()},
			Link:       baseURL.JoinPath("staff", "coach").String(), LinkLabel: "Your home: today's sessions"}},
	} {
		m, err := notify.Write(ctx, to.l)
		if err != nil {
			return err
		}
		m.To = []mail.Address{to.who}
		if _, err := Enqueue(ctx, tx, Notification{Key: key + ":" + to.kind, Kind: to.kind, ReferralID: &d.ReferralID, Message: m}); err != nil {
			return err
		}
	}
	return nil
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}
