package main

import (
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"careers/internal/benchdata"
)

// route is one thing the benchmark drives, on the service and on the
// baseline.
type route struct {
	key  string
	name string
	// request is the request as the report shows it.
	request string
	// page routes answer a GET with a page: the 60% and the five-query
	// targets apply to them.
	page bool
	// budget is the p99 the knee is found at (and the target's).
	budget time.Duration
	// expect is the status every answer must have (anything else is an
	// error: a redirect to sign-in means a lost session, not a success).
	expect int
	// service and baseline make the i-th request.
	service, baseline func(e *targetEnv, i uint64) vegeta.Target
	// drafts: each request spends a fresh, complete self-referral draft.
	drafts bool
	// smoke: part of the smoke run.
	smoke bool
	// target is a latency target of issue 9 checked at a fixed rate.
	target *rateTarget
}

// rateTarget is "p99 under p99 at rate requests per second".
type rateTarget struct {
	rate int
	p99  time.Duration
}

// targetEnv is what requests are made from: the addresses, the signed-in
// sessions to rotate through, and the data to ask for.
type targetEnv struct {
	service, baseline string // base URLs
	coordinator       []*http.Cookie
	coach             []*http.Cookie
	coachID           int64
	search            []*http.Cookie
	trainee           []*http.Cookie
	traineeEmails     []string
	// bookRefs are referrals whose trainee can book now, and booker their
	// trainees' sessions, pair by pair.
	bookRefs    []string
	bookEmails  []string
	booker      []*http.Cookie
	refs        []string
	deepCursor  string
	searchQuery url.Values // the filters in the URL (the text is in the session)
	searchText  string
	surname     []*http.Cookie // sessions searching for surnameText
	surnameText string
	drafts      *draftSupply
	seed        uint64
}

// clientAddrs gives every request its own client address (sent as
// X-Forwarded-For from the trusted loopback proxy), so the public forms'
// per-address rate limit sees many people, as it would, rather than one
// machine sending hundreds of referrals.
var clientAddrs atomic.Uint32

func init() { clientAddrs.Store(uint32(time.Now().UnixNano()) & 0xffffff) }

func nextClient() string {
	n := clientAddrs.Add(1) & 0x3fffff
	return "100." + strconv.Itoa(64+int(n>>16)) + "." + strconv.Itoa(int(n>>8)&255) + "." + strconv.Itoa(int(n)&255)
}

// header is a request's headers. It asks for gzip itself, as a browser
// does: the service compresses its pages as for real visitors, but the
// transport then hands the body over as it came rather than decompressing
// it. Decompressing is the visitor's work on their own machine; done here,
// it would take CPU from the server measured on the same two cores (the
// baseline sends plain text, so only the service would pay).
func header(c *http.Cookie) http.Header {
	h := http.Header{"X-Forwarded-For": {nextClient()}, "Accept-Encoding": {"gzip"}}
	if c != nil {
		h.Set("Cookie", c.Name+"="+c.Value)
	}
	return h
}

func form(v url.Values, c *http.Cookie) (http.Header, []byte) {
	h := header(c)
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	return h, []byte(v.Encode())
}

func at[T any](xs []T, i uint64) T { return xs[i%uint64(len(xs))] }

func get(base, path string, c *http.Cookie) vegeta.Target {
	return vegeta.Target{Method: "GET", URL: base + path, Header: header(c)}
}

var routes = []route{
	{
		key: "start", request: "GET /", name: "Start page `/`", page: true, budget: 100 * time.Millisecond, expect: 200, smoke: true,
		service:  func(e *targetEnv, _ uint64) vegeta.Target { return get(e.service, "/", nil) },
		baseline: func(e *targetEnv, _ uint64) vegeta.Target { return get(e.baseline, "/", nil) },
	},
	{
		key: "queue", request: "GET /staff/referrals", name: "Queue, first page", page: true, budget: 100 * time.Millisecond, expect: 200, smoke: true,
		target: &rateTarget{50, 100 * time.Millisecond},
		service: func(e *targetEnv, i uint64) vegeta.Target {
			return get(e.service, "/staff/referrals", at(e.coordinator, i))
		},
		baseline: func(e *targetEnv, _ uint64) vegeta.Target { return get(e.baseline, "/queue", nil) },
	},
	{
		key: "queue-deep", request: "GET /staff/referrals?status=all&after={cursor 90% in}", name: "Queue, deep keyset page", page: true, budget: 100 * time.Millisecond, expect: 200,
		target: &rateTarget{50, 100 * time.Millisecond},
		service: func(e *targetEnv, i uint64) vegeta.Target {
			return get(e.service, "/staff/referrals?status=all&after="+url.QueryEscape(e.deepCursor), at(e.coordinator, i))
		},
		baseline: func(e *targetEnv, _ uint64) vegeta.Target {
			return get(e.baseline, "/queue?status=all&after="+url.QueryEscape(e.deepCursor), nil)
		},
	},
	{
		key: "queue-search", request: "GET /staff/referrals?status=closed&region=london (search \"Sam\" in the session)", name: "Queue, filtered name search", page: true, budget: 100 * time.Millisecond, expect: 200,
		target: &rateTarget{50, 100 * time.Millisecond},
		service: func(e *targetEnv, i uint64) vegeta.Target {
			return get(e.service, "/staff/referrals?"+e.searchQuery.Encode(), at(e.search, i))
		},
		baseline: func(e *targetEnv, _ uint64) vegeta.Target {
			q := url.Values{"q": {e.searchText}}
			for k, v := range e.searchQuery {
				q[k] = v
			}
			return get(e.baseline, "/queue?"+q.Encode(), nil)
		},
	},
	{
		key: "queue-surname", request: "GET /staff/referrals (search \"Shah\", part of a name, in the session)", name: "Queue, search anywhere in a name",
		page: true, budget: 100 * time.Millisecond, expect: 200,
		service: func(e *targetEnv, i uint64) vegeta.Target {
			return get(e.service, "/staff/referrals", at(e.surname, i))
		},
		baseline: func(e *targetEnv, _ uint64) vegeta.Target {
			return get(e.baseline, "/queue?"+url.Values{"q": {e.surnameText}}.Encode(), nil)
		},
	},
	{
		key: "coordinator-home", request: "GET /staff/coordinator", name: "Coordinator's home (to-do list)", page: true,
		budget: 100 * time.Millisecond, expect: 200, smoke: true,
		service: func(e *targetEnv, i uint64) vegeta.Target {
			return get(e.service, "/staff/coordinator", at(e.coordinator, i))
		},
		baseline: func(e *targetEnv, _ uint64) vegeta.Target { return get(e.baseline, "/coordinator-home", nil) },
	},
	{
		key: "referral", request: "GET /staff/referrals/{reference} (1,000 references)", name: "Referral page", page: true, budget: 100 * time.Millisecond, expect: 200, smoke: true,
		target: &rateTarget{50, 100 * time.Millisecond},
		service: func(e *targetEnv, i uint64) vegeta.Target {
			return get(e.service, "/staff/referrals/"+at(e.refs, i), at(e.coordinator, i))
		},
		baseline: func(e *targetEnv, i uint64) vegeta.Target { return get(e.baseline, "/referral/"+at(e.refs, i), nil) },
	},
	{
		key: "calendar", request: "GET /staff/calendar (the demo coach's week)", name: "Coach's week calendar", page: true,
		budget: 100 * time.Millisecond, expect: 200,
		service: func(e *targetEnv, i uint64) vegeta.Target { return get(e.service, "/staff/calendar", at(e.coach, i)) },
		baseline: func(e *targetEnv, _ uint64) vegeta.Target {
			return get(e.baseline, "/calendar?coach="+strconv.FormatInt(e.coachID, 10), nil)
		},
	},
	{
		key: "coach-home", request: "GET /staff/coach (the demo coach's to-do list)", name: "Coach's home", page: true, smoke: true,
		budget: 100 * time.Millisecond, expect: 200,
		service: func(e *targetEnv, i uint64) vegeta.Target { return get(e.service, "/staff/coach", at(e.coach, i)) },
		baseline: func(e *targetEnv, _ uint64) vegeta.Target {
			return get(e.baseline, "/coach-home?coach="+strconv.FormatInt(e.coachID, 10), nil)
		},
	},
	{
		key: "your-referrals", request: "GET /your-referrals", name: "Trainee's own page", page: true, budget: 100 * time.Millisecond, expect: 200,
		service: func(e *targetEnv, i uint64) vegeta.Target { return get(e.service, "/your-referrals", at(e.trainee, i)) },
		baseline: func(e *targetEnv, i uint64) vegeta.Target {
			return get(e.baseline, "/your-referrals?email="+url.QueryEscape(at(e.traineeEmails, i)), nil)
		},
	},
	{
		key: "book", request: "GET /your-referrals/{reference}/book (trainees who can book)", name: "Trainee's booking page", page: true,
		budget: 100 * time.Millisecond, expect: 200,
		service: func(e *targetEnv, i uint64) vegeta.Target {
			return get(e.service, "/your-referrals/"+at(e.bookRefs, i)+"/book", at(e.booker, i))
		},
		baseline: func(e *targetEnv, i uint64) vegeta.Target { return get(e.baseline, "/book/"+at(e.bookRefs, i), nil) },
	},
	{
		key: "refer-about", request: "POST /refer/self/about (new draft each)", name: "Self-referral, first page POST", budget: 150 * time.Millisecond, expect: 303,
		service: func(e *targetEnv, i uint64) vegeta.Target {
			h, b := form(benchdata.SelfAboutForm(e.seed, int(i)), nil)
			return vegeta.Target{Method: "POST", URL: e.service + "/refer/self/about", Header: h, Body: b}
		},
		baseline: func(e *targetEnv, i uint64) vegeta.Target {
			h, b := form(benchdata.SelfAboutForm(e.seed, int(i)), nil)
			return vegeta.Target{Method: "POST", URL: e.baseline + "/refer/self/about", Header: h, Body: b}
		},
	},
	{
		key: "refer-send", request: "POST /refer/self/check (fresh complete draft each)", name: "Self-referral, send POST", budget: 150 * time.Millisecond, expect: 303, drafts: true, smoke: true,
		target: &rateTarget{20, 150 * time.Millisecond},
		service: func(e *targetEnv, _ uint64) vegeta.Target {
			h, b := form(url.Values{"draft": {e.drafts.take()}}, nil)
			return vegeta.Target{Method: "POST", URL: e.service + "/refer/self/check", Header: h, Body: b}
		},
		baseline: func(e *targetEnv, _ uint64) vegeta.Target {
			h, b := form(url.Values{"draft": {e.drafts.take()}}, nil)
			return vegeta.Target{Method: "POST", URL: e.baseline + "/refer/self/check", Header: h, Body: b}
		},
	},
	// ws-after (issue 16): a workshop's public page, and registering for
	// one (a fresh address each, eligible; it waits for its email to be
	// confirmed, so it holds no place and the workshop never fills).
	{
		key: "workshop", request: "GET /workshops/" + benchdata.BenchWorkshopSlug, name: "Workshop's public page", page: true,
		budget: 100 * time.Millisecond, expect: 200, smoke: true,
		service: func(e *targetEnv, _ uint64) vegeta.Target {
			return get(e.service, "/workshops/"+benchdata.BenchWorkshopSlug, nil)
		},
		baseline: func(e *targetEnv, _ uint64) vegeta.Target {
			return get(e.baseline, "/workshop/"+benchdata.BenchWorkshopSlug, nil)
		},
	},
	{
		key: "workshop-register", request: "POST /workshops/" + benchdata.BenchWorkshopSlug + "/register (a new address each)", name: "Workshop registration POST",
		budget: 150 * time.Millisecond, expect: 303, smoke: true,
		service: func(e *targetEnv, _ uint64) vegeta.Target {
			h, b := form(workshopForm(e.seed, "s"), nil)
			return vegeta.Target{Method: "POST", URL: e.service + "/workshops/" + benchdata.BenchWorkshopSlug + "/register", Header: h, Body: b}
		},
		baseline: func(e *targetEnv, _ uint64) vegeta.Target {
			h, b := form(workshopForm(e.seed, "b"), nil)
			return vegeta.Target{Method: "POST", URL: e.baseline + "/workshop/" + benchdata.BenchWorkshopSlug + "/register", Header: h, Body: b}
		},
	},
}

// workshopRun keeps one run's registration addresses apart from an
// earlier run's on a reused dataset, and workshopSeq each request's.
var (
	workshopRun = strconv.FormatInt(time.Now().UnixNano(), 36)
	workshopSeq atomic.Uint64
)

// workshopForm is an eligible doctor's registration for a workshop, with
// an address never used before (side keeps the service's and the
// baseline's apart).
func workshopForm(seed uint64, side string) url.Values {
	email := "bench.workshop." + side + "." + workshopRun + "." + strconv.FormatUint(seed, 10) + "." + strconv.FormatUint(workshopSeq.Add(1), 10) + "@example.com"
	return url.Values{"name": {"Bench Trainee"}, "email": {email}, "group": {"doctor"}, "region": {"london"}, "stage": {"st3"},
		"training_number": {"LDN/R1A/123/ST3"}, "end_kind": {"expected"}, "end_date-day": {"31"}, "end_date-month": {"8"}, "end_date-year": {"2031"}}
}

func routeByKey(k string) (route, bool) {
	for _, r := range routes {
		if r.key == k {
			return r, true
		}
	}
	return route{}, false
}

func routeKeys() []string {
	var ks []string
	for _, r := range routes {
		ks = append(ks, r.key)
	}
	return ks
}

// selected are the routes this run drives, in order (the ones that add
// rows last, so the read routes see the seeded dataset).
func (o options) selected() []route {
	var out []route
	for _, r := range routes {
		switch {
		case len(o.routes) > 0:
			for _, k := range o.routes {
				if k == r.key {
					out = append(out, r)
				}
			}
		case o.smoke && !r.smoke:
		default:
			out = append(out, r)
		}
	}
	return out
}

// draftSupply hands out tokens of fresh self-referral drafts, made before
// each run of the send route so making them costs the measurement nothing.
type draftSupply struct {
	mu     sync.Mutex
	tokens []string
	next   int
}

func (d *draftSupply) take() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.next >= len(d.tokens) {
		// Out of drafts: a token that finds none, which the service
		// answers with a redirect to the form's start, counted as an error.
		return "none"
	}
	d.next++
	return d.tokens[d.next-1]
}

func (d *draftSupply) set(tokens []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tokens, d.next = tokens, 0
}

// spent returns the tokens handed out since the last set.
func (d *draftSupply) spent() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.tokens[:d.next:d.next]
}

// describe names the request a route makes, for the report.
func (r route) describe() string { return r.request }
