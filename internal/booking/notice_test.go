package booking_test

import (
	"testing"
	"time"

	"careers/internal/booking"
)

func TestBookable(t *testing.T) {
	now := time.Date(2027, 3, 2, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		start time.Time
		want  bool
	}{
		{now.Add(booking.MinBookingNotice), true},
		{now.Add(booking.MinBookingNotice + time.Minute), true},
		{now.Add(booking.MinBookingNotice - time.Second), false},
		{now, false},
		{now.Add(-time.Hour), false},
	}
	for _, c := range cases {
		if got := booking.Bookable(c.start, now); got != c.want {
			t.Errorf("Bookable(%v) = %v, want %v", c.start.Sub(now), got, c.want)
		}
	}
	if booking.NoticeText() != "1 hour" {
		t.Errorf("NoticeText = %q", booking.NoticeText())
	}
}
