package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"careers/internal/auth"
	"careers/internal/config"
)

// devSecretKeyFile is where development keeps its secret key, in DATA_DIR.
const devSecretKeyFile = "secret-key"

// useDevSecretKey gives development a SECRET_KEY when none is set: the one
// in DATA_DIR/secret-key, made (32 random bytes, base64, mode 0600) the
// first time. Production never gets here: it refuses to start without
// SECRET_KEY (config.ValidateProduction).
func useDevSecretKey(cfg *config.Config) error {
	if len(cfg.SecretKey) > 0 || !cfg.IsDevelopment() {
		return nil
	}
	path := filepath.Join(cfg.DataDir, devSecretKeyFile)
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return fmt.Errorf("DATA_DIR: cannot create %s: %w", cfg.DataDir, err)
		}
		f, werr := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if werr == nil {
			_, werr = f.WriteString(auth.NewSecretKey() + "\n")
			if cerr := f.Close(); werr == nil {
				werr = cerr
			}
		}
		if werr != nil && !errors.Is(werr, fs.ErrExist) { // ErrExist: made a moment ago by another process
			return fmt.Errorf("SECRET_KEY: cannot make the development key %s: %w", path, werr)
		}
		raw, err = os.ReadFile(path)
	}
	if err != nil {
		return fmt.Errorf("SECRET_KEY: cannot read the development key %s: %w", path, err)
	}
	key, err := auth.ParseSecretKey(string(raw))
	if err != nil {
		return fmt.Errorf("SECRET_KEY: the development key in %s %v; delete the file to make a new one (TOTP secrets sealed with it will need setting up again)", path, err)
	}
	cfg.SecretKey = key
	return nil
}
