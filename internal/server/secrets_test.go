package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"careers/internal/auth"
	"careers/internal/policy"
	"careers/internal/server"
	"careers/internal/store"
	"careers/internal/testdb"
)

var recoveryCodeRe = regexp.MustCompile(`<li><code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{2})</code></li>`)

// enrolStaff signs a new staff member in through enrolment and returns
// their TOTP secret and recovery codes, as the pages showed them.
func enrolStaff(t *testing.T, ts *testServer, b *browser, email string) (secret string, codes []string) {
	t.Helper()
	p := b.Post(t, "/staff/sign-in", url.Values{"email": {email}, "password": {testPassword}})
	if p.Location != "/staff/sign-in/set-up" {
		t.Fatalf("password step went to %q", p.Location)
	}
	m := secretRe.FindStringSubmatch(b.Get(t, p.Location).Body)
	if m == nil {
		t.Fatal("no secret on the enrolment page")
	}
	secret = m[1]
	// While enrolment is under way the secret sits in the session, sealed.
	assertNotInTable(t, ts, "sessions", "data", secret)
	p = b.Post(t, "/staff/sign-in/set-up", url.Values{"code": {totp(t, secret, ts.clock.Now())}})
	if p.Location != "/staff/sign-in/recovery-codes" {
		t.Fatalf("enrolment went to %q:\n%.500s", p.Location, p.Body)
	}
	// The new codes wait in the session until shown: what the table held
	// meanwhile is checked for them once they are known.
	var held [][]byte
	rows, err := ts.pool.Query(context.Background(), `SELECT data FROM sessions`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var d []byte
		_ = rows.Scan(&d)
		held = append(held, d)
	}
	rows.Close()
	for _, m := range recoveryCodeRe.FindAllStringSubmatch(b.Get(t, p.Location).Body, -1) {
		codes = append(codes, m[1])
	}
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes shown, want 10", len(codes))
	}
	for _, d := range held {
		for _, c := range codes {
			if strings.Contains(string(d), c) {
				t.Fatal("the new recovery codes sat in the session table in the clear")
			}
		}
	}
	return secret, codes
}

// assertNotInTable fails if any row's column holds s (as text or bytes).
func assertNotInTable(t *testing.T, ts *testServer, table, column, s string) {
	t.Helper()
	var found bool
	err := ts.pool.QueryRow(context.Background(), `SELECT EXISTS (SELECT 1 FROM `+table+` WHERE position(convert_to($1, 'UTF8') IN `+
		`CASE WHEN pg_typeof(`+column+`)::text = 'bytea' THEN `+column+`::bytea ELSE convert_to(`+column+`::text, 'UTF8') END) > 0)`, s).Scan(&found)
	if err != nil {
		t.Fatal(err)
	}
	if found {
		t.Errorf("%s.%s holds a secret in the clear", table, column)
	}
}

// What a database reader finds: TOTP secrets sealed (AES-GCM, key id
// beside), recovery codes as salted argon2id, sessions by token hash,
// throttle keys an HMAC under the secret key; and nothing of it in the
// clear, the session data included.
func TestSecretsAtRestInTheDatabase(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, map[string]string{"TRUSTED_PROXIES": "127.0.0.1/32"})
	u := ts.MustStaff(t, "rest@example.nhs.uk", policy.Coach)
	b := ts.NewBrowser(t)
	secret, codes := enrolStaff(t, ts, b, u.Email)
	ctx := context.Background()

	stored, err := ts.store.StaffUserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := auth.NewKeyring(mustParseKey(t, testdb.SecretKey))
	if !strings.HasPrefix(stored.TOTPSecret, "v1:"+keys.KeyID()+":") || strings.Contains(stored.TOTPSecret, secret) {
		t.Errorf("TOTP secret stored as %q", stored.TOTPSecret)
	}
	if got, err := keys.Open(store.TOTPPurpose(u.ID), stored.TOTPSecret); err != nil || got != secret {
		t.Errorf("the stored secret does not open to the enrolled one: %v", err)
	}
	assertNotInTable(t, ts, "staff_users", "totp_secret", secret)

	rows, err := ts.pool.Query(ctx, `SELECT code_hash FROM recovery_codes WHERE user_id = $1`, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			t.Fatal(err)
		}
		n++
		if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
			t.Errorf("recovery code stored as %q, want argon2id at the password parameters", h)
		}
	}
	rows.Close()
	if n != 10 {
		t.Errorf("%d recovery codes stored", n)
	}
	for _, c := range codes {
		assertNotInTable(t, ts, "recovery_codes", "code_hash", auth.NormaliseRecoveryCode(c))
	}

	token := cookieValue(b, ts, "careers_session")
	sum := sha256.Sum256([]byte(token))
	var byHash bool
	if err := ts.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sessions WHERE token_hash = $1)`, sum[:]).Scan(&byHash); err != nil {
		t.Fatal(err)
	}
	if token == "" || !byHash {
		t.Error("the session is not stored under its token's SHA-256")
	}
	assertNotInTable(t, ts, "sessions", "token_hash", token)
	// A reader who copies a stored key into a cookie gets no session.
	thief := ts.NewBrowser(t)
	base, _ := url.Parse(ts.URL)
	thief.c.Jar.SetCookies(base, []*http.Cookie{{Name: "careers_session", Value: base64.RawURLEncoding.EncodeToString(sum[:]), Path: "/"}})
	if g := b.Get(t, "/staff/account"); g.Status != http.StatusOK || !strings.Contains(g.Body, "Recovery codes left") {
		t.Fatalf("the signed-in browser's account page: %d, recovery codes shown %v", g.Status, strings.Contains(g.Body, "Recovery codes left"))
	}
	if g := thief.Get(t, "/staff/account"); g.Status == http.StatusOK {
		t.Error("the stored session key works as a cookie")
	}

	// A failed sign-in from an address: the throttle table holds keyed
	// HMACs, not the plain hashes anyone could compute for every address.
	ts.NewBrowser(t).PostFrom(t, "203.0.113.77", "/staff/sign-in", url.Values{"email": {u.Email}, "password": {"not the password"}})
	plain := auth.ThrottleKey("staff-ip", "203.0.113.77")
	var keysStored []string
	r2, err := ts.pool.Query(ctx, `SELECT key FROM auth_throttle`)
	if err != nil {
		t.Fatal(err)
	}
	for r2.Next() {
		var k string
		_ = r2.Scan(&k)
		keysStored = append(keysStored, k)
	}
	r2.Close()
	var keyed bool
	for _, k := range keysStored {
		if k == plain || strings.Contains(k, "203.0.113.77") || strings.Contains(k, u.Email) {
			t.Errorf("throttle key %q can be recomputed without the secret", k)
		}
		if k == keys.ThrottleKey(plain) {
			keyed = true
		}
	}
	if !keyed {
		t.Errorf("no throttle row for the address under the keyed HMAC: %q", keysStored)
	}
}

func mustParseKey(t *testing.T, s string) []byte {
	t.Helper()
	k, err := auth.ParseSecretKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// A recovery code signs in once; the same code again, or a made-up one,
// does not. Two requests racing with one code cannot both win.
func TestRecoveryCodeWorksOnce(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	u := ts.MustStaff(t, "lostphone@example.nhs.uk", policy.Coach)
	_, codes := enrolStaff(t, ts, ts.NewBrowser(t), u.Email)

	signIn := func(code string) page {
		b := ts.NewBrowser(t)
		if p := b.Post(t, "/staff/sign-in", url.Values{"email": {u.Email}, "password": {testPassword}}); p.Location != "/staff/sign-in/verify" {
			t.Fatalf("password step went to %q", p.Location)
		}
		return b.Post(t, "/staff/sign-in/verify", url.Values{"mode": {"recovery"}, "code": {code}})
	}
	// Typed in capitals with spaces: still the code.
	if p := signIn(strings.ToUpper(strings.ReplaceAll(codes[3], "-", " "))); p.Status != http.StatusSeeOther || p.Location != "/staff" {
		t.Fatalf("a recovery code did not sign in: %d %q", p.Status, p.Location)
	}
	if p := signIn(codes[3]); p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, "has been used") {
		t.Errorf("a used recovery code: %d", p.Status)
	}
	if p := signIn("abcd-efgh-jk"); p.Status != http.StatusUnauthorized {
		t.Errorf("a made-up recovery code: %d", p.Status)
	}
	// Two at once with one code: exactly one signs in.
	results := make(chan int, 2)
	for range 2 {
		go func() { results <- signIn(codes[7]).Status }()
	}
	ok := 0
	for range 2 {
		if <-results == http.StatusSeeOther {
			ok++
		}
	}
	if ok != 1 {
		t.Errorf("%d of two racing sign-ins with one recovery code succeeded, want 1", ok)
	}
	if left, _ := ts.store.RecoveryCodesLeft(context.Background(), u.ID); left != 8 {
		t.Errorf("%d codes left, want 8", left)
	}
}

// A database from before encryption: a plaintext TOTP secret and a recovery
// code stored as a bare SHA-256. At start both are brought up to date, and
// the person signs in with either as before. A key rotation then seals
// everything again under the new key, the old one still reading meanwhile.
func TestSecretsFromBeforeAreSealedAtStartAndRotate(t *testing.T) {
	t.Parallel()
	pool := testdb.NewPool(t)
	ts := MustServer(t, pool, nil, nil)
	ctx := context.Background()
	u := ts.MustStaff(t, "legacy@example.nhs.uk", policy.Coach)
	secret, _, err := auth.NewTOTPKey("NHS Careers support", u.Email)
	if err != nil {
		t.Fatal(err)
	}
	code := auth.NewRecoveryCodes(1)[0]
	if _, err := pool.Exec(ctx, `UPDATE staff_users SET totp_secret = $2, totp_enrolled_at = now() WHERE id = $1`, u.ID, secret); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)`, u.ID, auth.LegacyRecoveryPrefix+auth.LegacyRecoveryDigest(code)); err != nil {
		t.Fatal(err)
	}

	up, err := ts.srv.UpgradeSecretsAtRest(ctx)
	if err != nil || up.SealedTOTP != 1 || up.WrappedRecoveryCodes != 1 {
		t.Fatalf("upgrade: %+v, %v", up, err)
	}
	if again, _ := ts.srv.UpgradeSecretsAtRest(ctx); again != (server.SecretsUpgrade{}) {
		t.Errorf("a second run changed something: %+v", again)
	}
	assertNotInTable(t, ts, "staff_users", "totp_secret", secret)
	var stored string
	_ = pool.QueryRow(ctx, `SELECT code_hash FROM recovery_codes WHERE user_id = $1`, u.ID).Scan(&stored)
	if !strings.HasPrefix(stored, auth.LegacyRecoveryPrefix+"$argon2id$") {
		t.Errorf("legacy recovery code now stored as %q", stored)
	}

	b := ts.NewBrowser(t)
	b.SignInStaff(t, u.Email, secret)
	if g := b.Get(t, "/staff/account"); g.Status != http.StatusOK {
		t.Fatalf("sign-in with the sealed secret: %d", g.Status)
	}
	r := ts.NewBrowser(t)
	r.Post(t, "/staff/sign-in", url.Values{"email": {u.Email}, "password": {testPassword}})
	if p := r.Post(t, "/staff/sign-in/verify", url.Values{"mode": {"recovery"}, "code": {code}}); p.Status != http.StatusSeeOther {
		t.Errorf("the legacy recovery code no longer signs in: %d", p.Status)
	}

	// Rotation: a new SECRET_KEY, the old one in SECRET_KEY_PREVIOUS.
	newKey := auth.NewSecretKey()
	rotated := MustServer(t, pool, nil, map[string]string{"SECRET_KEY": newKey, "SECRET_KEY_PREVIOUS": testdb.SecretKey})
	rotated.clock.Advance(time.Minute) // a code of a later step than the last one used
	b2 := rotated.NewBrowser(t)
	b2.SignInStaff(t, u.Email, secret) // read under the previous key
	if up, err := rotated.srv.UpgradeSecretsAtRest(ctx); err != nil || up.SealedTOTP != 1 {
		t.Fatalf("rotation: %+v, %v", up, err)
	}
	newOnly := MustServer(t, pool, nil, map[string]string{"SECRET_KEY": newKey})
	newOnly.clock.Advance(2 * time.Minute)
	newOnly.NewBrowser(t).SignInStaff(t, u.Email, secret) // the old key is no longer needed
	// The old key alone can no longer read it: the rotation is complete.
	oldOnly := MustServer(t, pool, nil, nil)
	if up, _ := oldOnly.srv.UpgradeSecretsAtRest(ctx); up.UnreadableTOTP != 1 {
		t.Errorf("after rotation the old key still reads the secret: %+v", up)
	}
}

// The password rules on every form that sets a password for a real
// account: common and leaked passwords (with digits added or look-alikes),
// the service's own words, the published demo password, and the person's
// name and email are refused with a message on the form.
func TestPasswordFormsRefuseGuessablePasswords(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil, nil, nil)
	u := ts.MustStaff(t, "priya.sharma@example.nhs.uk", policy.Coach)
	ctx := context.Background()
	if _, err := ts.pool.Exec(ctx, `UPDATE staff_users SET name = 'Priya Sharma' WHERE id = $1`, u.ID); err != nil {
		t.Fatal(err)
	}
	refused := map[string]string{
		"password123":                 "too common",
		"P@ssw0rd":                    "too common",
		"Welcome1!":                   "too common",
		"careers-demo-2026":           "name of this service, NHS or the demo password",
		"NHScareers2026":              "name of this service, NHS or the demo password",
		"PriyaSharma1!":               "your name or your email address",
		"priya.sharma2026":            "your name or your email address",
		"Sh@rm@-Pr1ya":                "your name or your email address",
		"priya.sharma@example.nhs.uk": "must not be your email address",
	}

	// The reset link's form.
	b := ts.NewBrowser(t)
	if p := b.Post(t, "/staff/forgot-password", url.Values{"email": {u.Email}}); p.Status != http.StatusSeeOther {
		t.Fatalf("forgot password: %d", p.Status)
	}
	link := ts.mail.MustLink(t, u.Email)
	for pw, want := range refused {
		p := b.Post(t, link, url.Values{"password": {pw}, "confirm": {pw}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, want) || !strings.Contains(p.Body, "nhsuk-error-summary") {
			t.Errorf("reset to %q: %d, want 422 saying %q", pw, p.Status, want)
		}
	}
	if p := b.Post(t, link, url.Values{"password": {"lantern orbit meadow"}, "confirm": {"lantern orbit meadow"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("a good password was refused: %d\n%.500s", p.Status, p.Body)
	}

	// The account page's change-password form.
	ts2 := MustServer(t, nil, nil, nil)
	v := ts2.MustStaff(t, "sam.jones@example.nhs.uk", policy.Coach)
	a := ts2.NewBrowser(t)
	a.SignInStaff(t, v.Email, "")
	for _, pw := range []string{"password123", "P@ssw0rd", "Welcome1!", "careers-demo-2026", "samjones2026"} {
		p := a.Post(t, "/staff/account/password", url.Values{"current": {testPassword}, "password": {pw}, "confirm": {pw}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Choose a different one") {
			t.Errorf("change to %q: %d", pw, p.Status)
		}
	}
}
