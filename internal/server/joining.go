package server

import (
	"careers/internal/booking"
	"careers/internal/policy"
	"careers/internal/store"
	"careers/web"
)

// joiningOf is how the two people meet for an appointment: the link in
// force for a video call (the session's own, the time's, or the coach's
// default), the coach's number for a telephone session, the address in
// person.
func joiningOf(a store.Appointment) booking.Joining {
	return booking.NewJoining(booking.Mode(a.Mode), a.Place, a.OwnVideoLink, a.VideoLink, a.Phone)
}

// withJoining adds an appointment's joining details to its row, worded
// for the trainee or the staff member, if the audience may see them (the
// two people and the unit: policy.InfoJoining); otherwise the row keeps
// none, not even the place of an in-person session.
func withJoining(row web.ApptRow, a store.Appointment, au policy.Audience, forTrainee bool) web.ApptRow {
	if !au.Full(policy.InfoJoining) {
		row.Place = ""
		return row
	}
	j := joiningOf(a)
	row.VideoLink = j.VideoLink
	row.Joining = j.ForCoach()
	if forTrainee {
		row.Joining = j.ForTrainee()
	}
	return row
}
