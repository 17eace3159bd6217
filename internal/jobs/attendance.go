package jobs

import (
	"context"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"careers/internal/mail"
	"careers/internal/notify"
	"careers/internal/store"
)

// AttendanceAskHour is the London hour from which coaches are emailed
// about yesterday's (and earlier) sessions whose attendance they have not
// recorded.
const AttendanceAskHour = 8

type attendanceArgs struct{}

// Kind names the job in River.
func (attendanceArgs) Kind() string { return "attendance_requests" }

// InsertOpts keeps one run per half hour.
func (attendanceArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 30 * time.Minute}}
}

type attendanceWorker struct {
	river.WorkerDefaults[attendanceArgs]
	pool    *pgxpool.Pool
	baseURL *url.URL
	now     func() time.Time
	log     *slog.Logger
}

func (w *attendanceWorker) Work(ctx context.Context, _ *river.Job[attendanceArgs]) error {
	n, err := SendAttendanceRequests(ctx, w.pool, w.baseURL, w.now(), 500)
	if n > 0 {
		w.log.InfoContext(ctx, "attendance requests queued", "count", n)
	}
	return err
}

// SendAttendanceRequests emails each coach, the morning after (from
// AttendanceAskHour, London time), one message listing their sessions that
// started before today and whose attendance is not recorded. Each session
// is asked about once (appointments.attendance_asked_at), whenever the job
// runs and however many workers run it. It returns how many emails it
// queued. The email names the referrals, not the trainees, and links to the
// coach's home, where they record it.
func SendAttendanceRequests(ctx context.Context, pool *pgxpool.Pool, baseURL *url.URL, now time.Time, limit int) (int, error) {
	local := now.In(london)
	if local.Hour() < AttendanceAskHour {
		return 0, nil
	}
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, london)
	sent := 0
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return store.New(pool).InTxWith(tx, func(st *store.Store) error {
			asks, err := st.DueAttendanceAsks(ctx, today, limit)
			if err != nil {
				return err
			}
			for _, a := range asks {
				var ids []int64
				var lines []string
				for _, ap := range a.Sessions {
					ids = append(ids, ap.ID)
					lines = append(lines, ap.Start.In(london).Format("Monday 2 January, 3:04pm")+" (referral "+ap.Reference+")")
				}
				what := "a session"
				if len(ids) > 1 {
					what = strconv.Itoa(len(ids)) + " sessions"
				}
				m, err := notify.Write(ctx, notify.Letter{
					Subject:  "Please record whether " + what + " took place",
					Greeting: "Dear " + a.CoachName + ",",
					Paragraphs: append([]string{"You have not yet recorded whether these sessions took place:"}, append(lines,
						"Record each one from your home: took place, or the trainee did not attend.")...),
					Link: baseURL.JoinPath("staff", "coach").String() + "#to-record", LinkLabel: "Record attendance (sign-in needed)"})
				if err != nil {
					return err
				}
				m.To = []mail.Address{{Name: a.CoachName, Email: a.CoachEmail}}
				key := "attendance_request:" + strconv.FormatInt(a.CoachID, 10) + ":" + strconv.FormatInt(ids[0], 10) + ":" + today.Format("2006-01-02")
				if _, err := Enqueue(ctx, tx, Notification{Key: key, Kind: "attendance_request", Message: m}); err != nil {
					return err
				}
				if err := st.MarkAttendanceAsked(ctx, ids, now); err != nil {
					return err
				}
				sent++
			}
			return nil
		})
	})
	return sent, err
}
