package web

import (
	"context"
	"html"
	"strings"
	"testing"
	"time"
)

// A queue row carries its link, tags and dates, and escapes every value it
// is given, in text and in attributes.
func TestQueueRowMarkup(t *testing.T) {
	day := time.Date(2026, 3, 2, 23, 30, 0, 0, time.UTC) // 2 March, 11:30pm in London
	rows := []QueueRow{
		{Reference: "CR-7K4M-2Q9P", TraineeName: `Sam <b>"O'Neil"</b> & co`, Route: "self", Status: "new",
			Eligibility: "eligible", EligibilityLabel: "Eligible", SubmittedAt: day, Deadline: QueueDeadline{Text: "No response needed"}},
		{Href: "/staff/referrals/CR-1?status=new&coach=3", Reference: "CR-1", TraineeName: "Priya Patel", Route: "case_manager",
			Status: "closed", Eligibility: "not_eligible", EligibilityLabel: "Not eligible", Coach: "Kofi <Coach>",
			SubmittedAt: day.AddDate(0, 0, -1), Deadline: QueueDeadline{Text: "3 days left", Tag: "nhsuk-tag--orange", Due: day.AddDate(0, 0, 14)}},
		{Reference: "CR-2", Status: `odd"><b>`, Eligibility: "needs_review", Deadline: QueueDeadline{Text: "Due today", Tag: `x" onclick="y`}},
	}
	var b strings.Builder
	if err := queueRows(rows).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{
		`<a href="/staff/referrals/CR-7K4M-2Q9P">CR-7K4M-2Q9P</a>`,
		`Sam &lt;b&gt;&#34;O&#39;Neil&#34;&lt;/b&gt; &amp; co<br><span class="nhsuk-body-s nhsuk-u-secondary-text-colour">Self-referral</span>`,
		`<strong class="nhsuk-tag nhsuk-tag--blue">New</strong>`,
		`<strong class="nhsuk-tag nhsuk-tag--green">Eligible</strong>`,
		`<td class="nhsuk-table__cell">Not allocated</td>`,
		`<td class="nhsuk-table__cell">2 Mar 2026</td>`,
		`<td class="nhsuk-table__cell">No response needed</td></tr>`,
		`<a href="/staff/referrals/CR-1?status=new&amp;coach=3">CR-1</a>`,
		`<strong class="nhsuk-tag nhsuk-tag--grey">Closed</strong>`,
		`<strong class="nhsuk-tag nhsuk-tag--red">Not eligible</strong>`,
		`<td class="nhsuk-table__cell">Kofi &lt;Coach&gt;</td>`,
		`<td class="nhsuk-table__cell">1 Mar 2026</td>`,
		`<strong class="nhsuk-tag nhsuk-tag--orange">3 days left</strong><br><span class="nhsuk-body-s">Due 16 Mar 2026</span></td></tr>`,
		`<strong class="nhsuk-tag ">odd&#34;&gt;&lt;b&gt;</strong>`,
		`<strong class="nhsuk-tag nhsuk-tag--yellow"></strong>`,
		`<strong class="nhsuk-tag x&#34; onclick=&#34;y">Due today</strong></td></tr>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("rows lack %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, `<tr class="nhsuk-table__row">`); n != 3 || strings.Count(got, "</tr>") != 3 || strings.Count(got, "<td") != 21 {
		t.Errorf("%d rows, want 3 of 7 cells:\n%s", n, got)
	}
	if strings.Contains(got, "<b>") || strings.Contains(got, "<Coach>") || strings.Contains(got, `" onclick`) {
		t.Errorf("a value is not escaped:\n%s", got)
	}
}

// markup's esc escapes as html.EscapeString does.
func TestMarkupEscapes(t *testing.T) {
	for _, s := range []string{"", "plain", `<>&'"`, `a<b>c&d'e"f`, "&&", "trailing<", ">leading", "é – ü <é>"} {
		var b strings.Builder
		o := newMarkup(&b)
		o.esc(s)
		err := o.done()
		if want := html.EscapeString(s); b.String() != want || err != nil {
			t.Errorf("esc(%q) = %q, %v; want %q", s, b.String(), err, want)
		}
	}
}

// The filters' options: each value and label escaped, the chosen one
// selected (a boolean attribute, as templ writes selected?={ true }).
func TestSelectOptionsMarkup(t *testing.T) {
	var b strings.Builder
	err := selectOptions([]Option{
		{Value: "", Label: "Any coach"},
		{Value: `7"><script>`, Label: `Rita <b>O'Brien</b> & co`, Checked: true},
		{Value: "unallocated", Label: "Not allocated"},
	}).Render(context.Background(), &b)
	want := `<option value="">Any coach</option>` +
		`<option value="7&#34;&gt;&lt;script&gt;" selected>Rita &lt;b&gt;O&#39;Brien&lt;/b&gt; &amp; co</option>` +
		`<option value="unallocated">Not allocated</option>`
	if err != nil || b.String() != want {
		t.Errorf("options:\n%s\nwant\n%s (%v)", b.String(), want, err)
	}
	b.Reset()
	if err := selectOptions(nil).Render(context.Background(), &b); err != nil || b.Len() != 0 {
		t.Errorf("no options: %q %v", b.String(), err)
	}
}
