package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"careers/internal/auth"
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

// AppointmentReminderBefore is how long before a session its reminder goes.
const AppointmentReminderBefore = 48 * time.Hour

type apptRemindArgs struct{}

// Kind names the job in River.
func (apptRemindArgs) Kind() string { return "appointment_reminders" }

// InsertOpts keeps one run per quarter hour.
func (apptRemindArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 15 * time.Minute}}
}

type apptRemindWorker struct {
	river.WorkerDefaults[apptRemindArgs]
	pool    *pgxpool.Pool
	baseURL *url.URL
	now     func() time.Time
	log     *slog.Logger
}

func (w *apptRemindWorker) Work(ctx context.Context, _ *river.Job[apptRemindArgs]) error {
	n, err := SendAppointmentReminders(ctx, w.pool, w.baseURL, w.now(), 200)
	if n > 0 {
		w.log.InfoContext(ctx, "appointment reminders queued", "count", n)
	}
	return err
}

// SendAppointmentReminders reminds trainees of sessions starting within
// AppointmentReminderBefore, once each, and returns how many it queued.
func SendAppointmentReminders(ctx context.Context, pool *pgxpool.Pool, baseURL *url.URL, now time.Time, limit int) (int, error) {
	sent := 0
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return store.New(pool).InTxWith(tx, func(st *store.Store) error {
			due, err := st.DueReminders(ctx, now, now.Add(AppointmentReminderBefore), limit)
			if err != nil {
				return err
			}
			for _, a := range due {
				when := a.Start.In(london).Format("Monday 2 January 2006 at 3:04pm")
				m, err := notify.Write(ctx, notify.Letter{
					Subject:  "Reminder: your careers support session on " + a.Start.In(london).Format("Monday 2 January"),
					Greeting: "Dear " + a.TraineeName + ",",
					Paragraphs: []string{"A reminder of your careers support session with " + a.CoachName + " on " + when + " (UK time).",
						"If you need to change it, please do so now: a change less than 24 hours before the session means losing it from your allowance unless a coordinator decides otherwise."},
					Link: baseURL.JoinPath("your-referrals", a.Reference).String(), LinkLabel: "See or change your session (sign-in needed)"})
				if err != nil {
					return err
				}
				m.To = []mail.Address{{Name: a.TraineeName, Email: a.TraineeEmail}}
				if _, err := Enqueue(ctx, tx, Notification{Key: "appointment_reminder:" + fmt.Sprint(a.ID), Kind: "appointment_reminder", ReferralID: &a.ReferralID, Message: m}); err != nil {
					return err
				}
				if err := st.MarkReminderSent(ctx, a.ID, now); err != nil {
					return err
				}
				sent++
			}
			return nil
		})
	})
	return sent, err
}
