package auth

import (
	"encoding/json"
	"strings"
	"sync"

	"github.com/ccojocar/zxcvbn-go/data"
)

// commonPasswords is the frequency list of common passwords shipped as a
// data file inside the zxcvbn-go module (about 7,000 entries), loaded once
// on first use.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	raw, err := data.Asset("data/Passwords.json")
	if err != nil {
		panic("auth: the common-password list is missing from zxcvbn-go: " + err.Error())
	}
	var list struct{ List []string }
	if err := json.Unmarshal(raw, &list); err != nil {
		panic("auth: the common-password list is not valid JSON: " + err.Error())
	}
	set := make(map[string]struct{}, len(list.List))
	for _, p := range list.List {
		set[strings.ToLower(p)] = struct{}{}
	}
	return set
})

// IsCommonPassword reports whether password (ignoring case and surrounding
// spaces) is on the list of commonly used passwords.
func IsCommonPassword(password string) bool {
	_, ok := commonPasswords()[strings.ToLower(strings.TrimSpace(password))]
	return ok
}
