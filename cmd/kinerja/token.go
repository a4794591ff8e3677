package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kinerja/kinerja/api"
	"github.com/kinerja/kinerja/domain"
)

// tokenKeyConfig says where the key that signs bearer tokens comes from: the
// environment (base64), or a file in the data directory made on first use.
type tokenKeyConfig struct {
	key  *string
	data *string
}

func tokenKeyFlags(fs *flag.FlagSet, e env, data *string) tokenKeyConfig {
	return tokenKeyConfig{
		key:  stringFlag(fs, e, "token-key", "KINERJA_TOKEN_KEY", "", "base64 key (32+ bytes) that signs bearer tokens; default: DATA/token.key, created on first use"),
		data: data,
	}
}

const tokenKeyFile = "token.key"

// load returns the signing key, creating the key file when neither the flag
// nor an existing file provides one.
func (c tokenKeyConfig) load() ([]byte, error) {
	if *c.key != "" {
		key, err := base64.StdEncoding.DecodeString(*c.key)
		if err != nil {
			return nil, fmt.Errorf("token key is not base64: %w", err)
		}
		return key, nil
	}
	path := filepath.Join(*c.data, tokenKeyFile)
	b, err := os.ReadFile(path)
	if err == nil {
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(key) < 32 {
			return nil, fmt.Errorf("token key %s is not 32 or more base64 bytes; remove it to make a new key (tokens signed with it stop working)", path)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read token key: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(*c.data, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	// The key is written whole to a temporary file, then linked into place:
	// a crash never leaves a partly written key, and if another process
	// made the key meanwhile, the link fails and theirs is used.
	f, err := os.CreateTemp(*c.data, ".token-key-*")
	if err != nil {
		return nil, fmt.Errorf("create token key: %w", err)
	}
	defer os.Remove(f.Name())
	_, werr := fmt.Fprintln(f, base64.StdEncoding.EncodeToString(key))
	if err := errors.Join(werr, f.Chmod(0o600), f.Sync(), f.Close()); err != nil {
		return nil, fmt.Errorf("write token key: %w", err)
	}
	if err := os.Link(f.Name(), path); errors.Is(err, fs.ErrExist) {
		return c.load()
	} else if err != nil {
		return nil, fmt.Errorf("create token key: %w", err)
	}
	return key, nil
}

func (c tokenKeyConfig) tokens() (*api.Tokens, error) {
	key, err := c.load()
	if err != nil {
		return nil, err
	}
	return api.NewTokens(key, time.Now)
}

func tokenCommand() command {
	return command{
		name:    "token",
		args:    "issue",
		summary: "Mint a bearer token: kinerja token issue --nip NIP --role ROLE[,ROLE…] [--ttl 12h].",
		setup: func(fs *flag.FlagSet, e env) func(context.Context, []string) error {
			data := stringFlag(fs, e, "data", "KINERJA_DATA", "./kinerja-data", "directory that holds token.key")
			keys := tokenKeyFlags(fs, e, data)
			nip := fs.String("nip", "", "NIP or NI PPPK of the person the token is for")
			roles := fs.String("role", "", "roles, comma-separated: employee, evaluator, hr, auditor, admin")
			ttl := fs.Duration("ttl", 12*time.Hour, "how long the token is valid")
			return func(ctx context.Context, args []string) error {
				if len(args) != 1 || args[0] != "issue" {
					return fmt.Errorf("usage: kinerja token issue --nip NIP --role ROLE")
				}
				caller, err := parseCaller(*nip, *roles)
				if err != nil {
					return err
				}
				tk, err := keys.tokens()
				if err != nil {
					return err
				}
				tok, err := tk.Issue(caller, *ttl)
				if err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, tok)
				return nil
			}
		},
	}
}

func parseCaller(nip, roles string) (api.Caller, error) {
	n, _, err := domain.ParseNIP(nip)
	if err != nil {
		return api.Caller{}, fmt.Errorf("--nip: %w", err)
	}
	c := api.Caller{NIP: n}
	for r := range strings.SplitSeq(roles, ",") {
		if strings.TrimSpace(r) == "" {
			continue
		}
		role, err := api.ParseRole(r)
		if err != nil {
			return api.Caller{}, fmt.Errorf("--role: %w", err)
		}
		c.Roles = append(c.Roles, role)
	}
	if len(c.Roles) == 0 {
		return api.Caller{}, errors.New("--role: name at least one role")
	}
	return c, nil
}
