package web

import "time"

// Workshops, the staff side (issue 16): coordinators' and PSU leads' pages
// under /staff/workshops.

// StaffWorkshopRow is one event in the staff list, or the head of its page.
type StaffWorkshopRow struct {
	ID           int64
	Slug         string
	Title        string
	Start, End   time.Time
	Mode         string // online or in_person
	Where        string // the venue, or "" online
	Capacity     int
	Taken        int // places held: placed and offered
	Waiting      int
	Unconfirmed  int
	Cancelled    bool
	CancelReason string
	Past         bool
}

// workshopStatus is the status tag of an event.
func workshopStatus(w StaffWorkshopRow) (label, class string) {
	switch {
	case w.Cancelled:
		return "Cancelled", "nhsuk-tag nhsuk-tag--red"
	case w.Past:
		return "Finished", "nhsuk-tag nhsuk-tag--grey"
	case w.Taken >= w.Capacity:
		return "Full", "nhsuk-tag nhsuk-tag--orange"
	}
	return "Open", "nhsuk-tag nhsuk-tag--green"
}

// StaffWorkshopsProps is /staff/workshops.
type StaffWorkshopsProps struct {
	Upcoming, Past []StaffWorkshopRow
}

// WorkshopFormProps is the create, edit and copy form.
type WorkshopFormProps struct {
	Heading string
	Action  string
	Back    string
	Button  string
	Values  map[string]string
	Errors  Errors
	// Taken is how many places are held (editing), the capacity's floor.
	Taken int
	// Started is set when the event being changed has started: its time
	// stays as it is.
	Started bool
}

func (p WorkshopFormProps) v(name string) string { return p.Values[name] }

// WorkshopPerson is one registration on the event page or the register.
type WorkshopPerson struct {
	ID         int64
	Name       string
	Email      string
	About      string // professional group, region, grade
	Detail     string // when registered, placed, offered until ...
	Status     string
	Position   int    // on the waiting list
	Attendance string // attended, absent or ""
}

// WorkshopHistoryRow is one line of the event's history.
type WorkshopHistoryRow struct {
	At         time.Time
	Who        string
	What       string
	Detail     []string // the detail's lines (a message's subject and body)
	Recipients int
}

// StaffWorkshopProps is an event's page.
type StaffWorkshopProps struct {
	W           StaffWorkshopRow
	Description string
	Audience    string
	Presenters  string
	Link        string // the joining link, online
	Window      string // when registration opens and closes, in words
	Code        string
	Placed      []WorkshopPerson
	Offered     []WorkshopPerson
	Waiting     []WorkshopPerson
	Ended       []WorkshopPerson
	CanGive     bool // a place is free to give by hand
	History     []WorkshopHistoryRow
}

// WorkshopMessageProps is the "email everyone with a place" form.
type WorkshopMessageProps struct {
	W       StaffWorkshopRow
	Key     string
	Subject string
	Body    string
	Count   int
	Errors  Errors
}

// WorkshopCancelProps is the form to call an event off.
type WorkshopCancelProps struct {
	W      StaffWorkshopRow
	Reason string
	Count  int
	Errors Errors
}

// WorkshopAttendanceProps is the attendance register.
type WorkshopAttendanceProps struct {
	W      StaffWorkshopRow
	People []WorkshopPerson
	// Closed says why the register cannot be marked now ("" when it can):
	// it opens when check-in does, 15 minutes before the start.
	Closed string
}

// WorkshopCodeProps is the check-in code shown on a screen.
type WorkshopCodeProps struct {
	W    StaffWorkshopRow
	Code string
}

func workshopURL(id int64, rest string) string { return "/staff/workshops/" + i64(id) + rest }

func historyAction(a string) string {
	switch a {
	case "created":
		return "Created"
	case "copied":
		return "Created as a copy"
	case "changed":
		return "Changed"
	case "cancelled":
		return "Cancelled"
	case "messaged":
		return "Emailed everyone with a place"
	case "moved":
		return "Place given by hand"
	case "offered":
		return "Place offered by hand"
	case "removed":
		return "Taken off by hand"
	case "attendance":
		return "Attendance"
	}
	return a
}

// registrationStatusLabel says a registration's status in words.
func registrationStatusLabel(s string) string {
	switch s {
	case "unconfirmed":
		return "Email not confirmed"
	case "placed":
		return "Has a place"
	case "waiting":
		return "Waiting list"
	case "offered":
		return "Offered a place"
	case "cancelled":
		return "Cancelled their place"
	case "declined":
		return "Declined the offer"
	case "lapsed":
		return "Offer ran out"
	case "removed":
		return "Taken off by staff"
	}
	return s
}

// historyMeta says when, by whom and (for messages) to how many.
func historyMeta(h WorkshopHistoryRow) string {
	s := DateTime(h.At)
	if h.Who != "" {
		s += ", by " + h.Who
	}
	if h.What == "messaged" || h.What == "cancelled" {
		s += ", sent to " + itoa(h.Recipients)
	}
	return s
}
