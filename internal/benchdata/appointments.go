package benchdata

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
)

// A year of each coach's availability (the six months past and the six to
// come), the appointments the referrals' bookings made in it, and the
// trainees' summaries of the sessions held. Bookings older than the year
// stay in the allowance ledger without appointment rows, as if from before
// the service kept them.

// slotTimes are the starts of a coach's sessions on a working day, London time.
var slotTimes = [][2]int{{9, 30}, {11, 0}, {14, 0}, {15, 30}}

const slotLength = time.Hour

type slot struct {
	ID      int64
	CoachID int64
	Start   time.Time
	Mode    string
	Blocked bool
	taken   bool
}

type appointment struct {
	ID         int64
	ReferralID int64
	Slot       *slot
	Status     string
	BookedBy   string
	BookedBy2  int64 // the staff member, when a coordinator or coach booked
	Booked     time.Time
	Cancelled  time.Time
	Reminded   time.Time // the reminder 48 hours before went (zero: not)
	Reminded2h time.Time // and the one 2 hours before
	Confirmed  time.Time
	Summary    bool
}

var summaryTexts = []string{
	"I understand better what I enjoy in my work and what drains me.",
	"We listed three options: staying with adjustments, changing specialty, and a year out.",
	"I have decided to apply for less than full time training and to talk to my supervisor first.",
	"I want to try a taster week in a different specialty before I decide.",
}

func seedAppointments(ctx context.Context, tx pgx.Tx, r *rand.Rand, plans []refPlan, staff *staffSet, o Options) (int, error) {
	var firstSlot, firstAppt int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) + 1 FROM availability_slots`).Scan(&firstSlot); err != nil {
		return 0, err
	}
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) + 1 FROM appointments`).Scan(&firstAppt); err != nil {
		return 0, err
	}
	// Each coach's week: three or four working days, four sessions each.
	l := o.Now.In(london)
	monday := time.Date(l.Year(), l.Month(), l.Day()-(int(l.Weekday())+6)%7, 0, 0, 0, 0, london)
	start, end := monday.AddDate(0, 0, -26*7), monday.AddDate(0, 0, 26*7)
	byCoach := map[int64][]*slot{}
	var slots []*slot
	for _, c := range staff.coach {
		days := r.Perm(5)[:3+r.IntN(2)]
		mode := pick(r, []string{"virtual", "virtual", "in_person", "telephone"})
		for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
			wd := (int(d.Weekday()) + 6) % 7 // Monday 0
			works := false
			for _, x := range days {
				works = works || x == wd
			}
			if !works {
				continue
			}
			for _, t := range slotTimes {
				s := &slot{ID: firstSlot + int64(len(slots)), CoachID: c.ID, Mode: mode, Blocked: r.IntN(50) == 0,
					Start: time.Date(d.Year(), d.Month(), d.Day(), t[0], t[1], 0, 0, london).UTC()}
				slots = append(slots, s)
				byCoach[c.ID] = append(byCoach[c.ID], s)
			}
		}
	}
	// Each booking takes its coach's first free time from the day its
	// session was due.
	var appts []*appointment
	for i := range plans {
		p := &plans[i]
		cs := byCoach[p.CoachID]
		if len(cs) == 0 {
			continue
		}
		for _, s := range p.Sessions {
			k := sort.Search(len(cs), func(j int) bool { return !cs[j].Start.Before(s.At) })
			for k < len(cs) && (cs[k].taken || cs[k].Blocked) {
				k++
			}
			if k == len(cs) || cs[k].Start.Sub(s.At) > 14*24*time.Hour {
				continue
			}
			sl := cs[k]
			a := &appointment{ID: firstAppt + int64(len(appts)), ReferralID: p.ID, Slot: sl, Booked: s.Booked, BookedBy: "trainee"}
			switch r.IntN(10) {
			case 0, 1:
				a.BookedBy, a.BookedBy2 = "coordinator", pick(r, staff.coordinators).ID
			case 2:
				a.BookedBy, a.BookedBy2 = "coach", p.CoachID
			}
			switch {
			case !s.Released.IsZero() && !s.Released.After(o.Now):
				a.Status, a.Cancelled = "cancelled", s.Released
			case sl.Start.Before(o.Now):
				a.Status = "attended"
				if at := sl.Start.Add(slotLength + time.Duration(r.IntN(48))*time.Hour); r.IntN(5) != 0 && !at.After(o.Now) {
					a.Confirmed = at // the coach confirmed the meeting happened
				}
				a.Summary = r.IntN(5) < 3
			default:
				a.Status = "booked"
			}
			if a.Status != "cancelled" {
				sl.taken = true
				if at := sl.Start.Add(-48 * time.Hour); !at.After(o.Now) && at.After(a.Booked) {
					a.Reminded = at
				}
				if at := sl.Start.Add(-2 * time.Hour); !at.After(o.Now) && at.After(a.Booked) {
					a.Reminded2h = at
				}
			}
			appts = append(appts, a)
		}
	}
	i := 0
	if _, err := copyRows(ctx, tx, "availability_slots", []string{"id", "coach_id", "starts_at", "ends_at", "mode", "place", "blocked", "created_at"},
		func() []any {
			if i == len(slots) {
				return nil
			}
			s := slots[i]
			i++
			return []any{s.ID, s.CoachID, s.Start, s.Start.Add(slotLength), s.Mode, "", s.Blocked, start.UTC()}
		}); err != nil {
		return 0, err
	}
	plansByID := map[int64]*refPlan{}
	for k := range plans {
		plansByID[plans[k].ID] = &plans[k]
	}
	i = 0
	if _, err := copyRows(ctx, tx, "appointments", []string{"id", "referral_id", "slot_id", "coach_id", "starts_at", "ends_at", "mode", "place",
		"status", "booked_by", "booked_by_staff", "cancelled_at", "cancelled_by", "cancel_reason", "meeting_confirmed_at",
		"created_at", "updated_at"}, func() []any {
		if i == len(appts) {
			return nil
		}
		a := appts[i]
		i++
		var by, reason any
		if a.Status == "cancelled" {
			by, reason = "trainee", "I cannot make this time after all"
		}
		updated := a.Booked
		for _, t := range []time.Time{a.Cancelled, a.Confirmed} {
			if t.After(updated) {
				updated = t
			}
		}
		return []any{a.ID, a.ReferralID, a.Slot.ID, a.Slot.CoachID, a.Slot.Start, a.Slot.Start.Add(slotLength), a.Slot.Mode, "",
			a.Status, a.BookedBy, nullInt(a.BookedBy2), nullTime(a.Cancelled), by, reason, nullTime(a.Confirmed),
			a.Booked, updated}
	}); err != nil {
		return 0, err
	}
	// The reminders 48 and 2 hours before, sent, for the sessions that
	// reached them (as the reminder job records them).
	type reminder struct {
		appt    int64
		minutes int
		start   time.Time
		sent    time.Time
	}
	var reminders []reminder
	for _, a := range appts {
		if !a.Reminded.IsZero() {
			reminders = append(reminders, reminder{a.ID, 48 * 60, a.Slot.Start, a.Reminded})
		}
		if !a.Reminded2h.IsZero() {
			reminders = append(reminders, reminder{a.ID, 2 * 60, a.Slot.Start, a.Reminded2h})
		}
	}
	i = 0
	if _, err := copyRows(ctx, tx, "appointment_reminders", []string{"appointment_id", "offset_minutes", "starts_at", "sent_at"}, func() []any {
		if i == len(reminders) {
			return nil
		}
		m := reminders[i]
		i++
		return []any{m.appt, m.minutes, m.start, m.sent}
	}); err != nil {
		return 0, err
	}
	i = 0
	_, err := copyRows(ctx, tx, "summaries", []string{"appointment_id", "referral_id", "self_awareness", "options", "decision", "actions",
		"submitted_at", "share", "share_changed_at", "sent_at", "updated_at"}, func() []any {
		for i < len(appts) && !appts[i].Summary {
			i++
		}
		if i == len(appts) {
			return nil
		}
		a := appts[i]
		i++
		written := a.Slot.Start.Add(slotLength + time.Duration(1+r.IntN(96))*time.Hour)
		var submitted any
		if !written.After(o.Now) {
			submitted = written
		}
		actions, _ := json.Marshal([]map[string]string{
			{"action": "Talk to my educational supervisor about my plan", "by": a.Slot.Start.AddDate(0, 0, 14).Format(time.DateOnly)},
			{"action": "Arrange a taster week", "by": a.Slot.Start.AddDate(0, 2, 0).Format(time.DateOnly)},
		})
		// Only a Case Manager's referral has someone to share it with.
		share := plansByID[a.ReferralID].CreatedByCaseMgr && submitted != nil && r.IntN(3) != 0
		var shareChanged, sent any
		if share {
			shareChanged = written
			if !a.Confirmed.IsZero() {
				sent = maxTime(written, a.Confirmed)
			}
		}
		return []any{a.ID, a.ReferralID, summaryTexts[0], summaryTexts[1], pick(r, summaryTexts[2:]), string(actions),
			submitted, share, shareChanged, sent, written}
	})
	return len(appts), err
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
