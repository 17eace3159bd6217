// Package workshops holds the rules of the unit's workshops and webinars
// (issue 16): group sessions with a number of places, a waiting list with
// time-limited offers, attendance and feedback. The database keeps places
// from being oversold (migrations/00024_workshops.sql); this package says
// what each state means and what may happen next.
package workshops

import "careers/internal/booking"

// A workshop's modes.
const (
	ModeOnline   = "online"
	ModeInPerson = "in_person"
)

// A workshop's statuses.
const (
	WorkshopScheduled = "scheduled"
	WorkshopCancelled = "cancelled"
)

// A registration's statuses (the CHECK on workshop_registrations.status).
const (
	Unconfirmed = "unconfirmed" // email not confirmed: holds nothing
	Placed      = "placed"      // has a place
	Waiting     = "waiting"     // on the waiting list, in order of confirmation
	Offered     = "offered"     // offered a freed place until the offer runs out: the place is held
	Cancelled   = "cancelled"   // gave up their place or left the waiting list
	Declined    = "declined"    // said no to an offer
	Lapsed      = "lapsed"      // let an offer run out
	Removed     = "removed"     // taken off by staff
)

// HoldsPlace reports whether a registration in status counts against the
// workshop's places (the trigger on workshop_registrations agrees).
func HoldsPlace(status string) bool { return status == Placed || status == Offered }

// UID is the stable calendar UID of workshop id's invitations served from
// host, such as "workshop-42@careers.example.nhs.uk": every invitation,
// update and cancellation for the workshop carries it, with the workshop's
// ics_sequence. A port is dropped, as for appointments.
func UID(id int64, host string) string { return booking.UID("workshop", id, host) }
