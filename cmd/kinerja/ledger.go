package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/note"

	"github.com/kinerja/kinerja/domain/evaluation"
	"github.com/kinerja/kinerja/eventstore/proof"
)

// keyConfig says where the checkpoint signing keys live: by default a pair
// of files in the data directory, made by `kinerja keygen`.
type keyConfig struct {
	signer   *string
	verifier *string
	data     *string
}

func keyFlags(fs *flag.FlagSet, e env, data *string) keyConfig {
	return keyConfig{
		signer:   stringFlag(fs, e, "signer-key", "KINERJA_SIGNER_KEY", "", "file with the checkpoint signer key (secret); default DATA/ledger.key"),
		verifier: stringFlag(fs, e, "verifier-key", "KINERJA_VERIFIER_KEY", "", "file with the checkpoint verifier key (public); default DATA/ledger.pub"),
		data:     data,
	}
}

func (k keyConfig) signerPath() string {
	return orDefault(*k.signer, filepath.Join(*k.data, "ledger.key"))
}
func (k keyConfig) verifierPath() string {
	return orDefault(*k.verifier, filepath.Join(*k.data, "ledger.pub"))
}

func orDefault(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// trusted returns the verifier key as note.Verifiers, or nil when there is no
// key file at the default place and none was named.
func (k keyConfig) trusted() (note.Verifiers, error) {
	v, err := proof.ReadVerifierKey(k.verifierPath())
	if errors.Is(err, fs.ErrNotExist) && *k.verifier == "" {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return note.VerifierList(v), nil
}

// openLedger opens the store and checks that it keeps a Merkle log.
func openLedger(ctx context.Context, sc storeConfig) (proof.Ledger, func() error, error) {
	s, backend, err := sc.existing(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("open ledger: %w", err)
	}
	l, ok := s.(proof.Ledger)
	if !ok {
		return nil, nil, errors.Join(fmt.Errorf("the %s backend keeps no Merkle log; proofs and verification need the embedded or PostgreSQL backend", backend), s.Close())
	}
	return l, s.Close, nil
}

func keygenCommand() command {
	return command{
		name:    "keygen",
		summary: "Make the Ed25519 key pair that signs ledger checkpoints: DATA/ledger.key (secret) and DATA/ledger.pub (for auditors).",
		setup: func(fs *flag.FlagSet, e env) func(context.Context, []string) error {
			data := stringFlag(fs, e, "data", "KINERJA_DATA", "./kinerja-data", "directory for the key files")
			keys := keyFlags(fs, e, data)
			name := stringFlag(fs, e, "name", "KINERJA_LEDGER_NAME", "kinerja", "the ledger's name, first line of every checkpoint (e.g. kinerja.bkn.go.id)")
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return fmt.Errorf("keygen takes no arguments, got %q", args)
				}
				skey, vkey, err := proof.GenerateKey(rand.Reader, *name)
				if err != nil {
					return err
				}
				if err := os.MkdirAll(*data, 0o750); err != nil {
					return fmt.Errorf("create data directory: %w", err)
				}
				if err := proof.WriteKeyFiles(keys.signerPath(), keys.verifierPath(), skey, vkey); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "signer key:   %s (keep it secret)\nverifier key: %s\n%s\n", keys.signerPath(), keys.verifierPath(), vkey)
				return nil
			}
		},
	}
}

func checkpointCommand() command {
	return command{
		name:    "checkpoint",
		summary: "Sign a checkpoint of the ledger now and print it.",
		setup: func(fs *flag.FlagSet, e env) func(context.Context, []string) error {
			sc := storeFlags(fs, e)
			keys := keyFlags(fs, e, sc.data)
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return fmt.Errorf("checkpoint takes no arguments, got %q", args)
				}
				signer, err := proof.ReadSignerKey(keys.signerPath())
				if err != nil {
					return fmt.Errorf("%w (make one with kinerja keygen)", err)
				}
				l, closeLedger, err := openLedger(ctx, sc)
				if err != nil {
					return err
				}
				defer closeLedger()
				cp, _, err := proof.Sign(ctx, l, signer, time.Now())
				if err != nil {
					return err
				}
				_, err = e.stdout.Write(cp.Note)
				return err
			}
		},
	}
}

// errVerifyFailed is the exit status of a verification that found a break;
// the report has already been printed.
var errVerifyFailed = errors.New("verification failed")

func verifyCommand() command {
	return command{
		name:    "verify",
		summary: "Re-hash the whole ledger: every per-stream link, the Merkle log and every signed checkpoint. Prints one line, OK or the first broken event.",
		setup: func(fs *flag.FlagSet, e env) func(context.Context, []string) error {
			sc := storeFlags(fs, e)
			keys := keyFlags(fs, e, sc.data)
			fromLatest := fs.Bool("from-latest-checkpoint", false, "trust the latest signed checkpoint and verify only what came after it")
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return fmt.Errorf("verify takes no arguments, got %q", args)
				}
				trusted, err := keys.trusted()
				if err != nil {
					return err
				}
				l, closeLedger, err := openLedger(ctx, sc)
				if err != nil {
					return err
				}
				defer closeLedger()
				opts := proof.Options{Trusted: trusted}
				if *fromLatest {
					cp, err := proof.Latest(ctx, l)
					if err != nil {
						return err
					}
					if trusted == nil {
						return errors.New("--from-latest-checkpoint needs the verifier key (--verifier-key or DATA/ledger.pub)")
					}
					if _, err := proof.OpenCheckpoint(cp.Note, trusted); err != nil {
						return fmt.Errorf("the latest checkpoint does not verify with the key: %w", err)
					}
					opts.From = &cp
				}
				report, err := proof.Verify(ctx, l, opts)
				if err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, report)
				if !report.OK() {
					return errVerifyFailed
				}
				return nil
			}
		},
	}
}

func exportProofCommand() command {
	return command{
		name:    "export-proof",
		summary: "Write the offline proof bundle of one evaluation: its events, their inclusion proofs and a signed checkpoint.",
		setup: func(fs *flag.FlagSet, e env) func(context.Context, []string) error {
			sc := storeFlags(fs, e)
			keys := keyFlags(fs, e, sc.data)
			id := fs.String("evaluation", "", "the evaluation's id (a UUID)")
			out := fs.String("out", "", "file to write (default evaluation-ID.proof.json)")
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return fmt.Errorf("export-proof takes no arguments, got %q", args)
				}
				evalID, err := uuid.Parse(*id)
				if err != nil {
					return fmt.Errorf("--evaluation must be the evaluation's UUID, got %q", *id)
				}
				l, closeLedger, err := openLedger(ctx, sc)
				if err != nil {
					return err
				}
				defer closeLedger()
				cp, err := freshCheckpoint(ctx, l, keys)
				if err != nil {
					return err
				}
				bundle, err := proof.ExportBundle(ctx, l, cp, evaluation.Stream(evalID))
				if err != nil {
					return err
				}
				b, err := bundle.Encode()
				if err != nil {
					return err
				}
				path := orDefault(*out, "evaluation-"+evalID.String()+".proof.json")
				if err := os.WriteFile(path, b, 0o644); err != nil {
					return fmt.Errorf("write bundle: %w", err)
				}
				fmt.Fprintf(e.stdout, "wrote %s: %d events proven against the checkpoint of %d events\n", path, len(bundle.Events), cp.Size)
				return nil
			}
		},
	}
}

// freshCheckpoint signs a checkpoint covering the whole ledger when the
// signer key is at hand, and otherwise uses the latest one stored.
func freshCheckpoint(ctx context.Context, l proof.Ledger, keys keyConfig) (proof.Checkpoint, error) {
	signer, err := proof.ReadSignerKey(keys.signerPath())
	if errors.Is(err, fs.ErrNotExist) && *keys.signer == "" {
		return proof.Latest(ctx, l)
	}
	if err != nil {
		return proof.Checkpoint{}, err
	}
	cp, _, err := proof.Sign(ctx, l, signer, time.Now())
	return cp, err
}

func verifyBundleCommand() command {
	return command{
		name:    "verify-bundle",
		args:    "FILE",
		summary: "Check an offline proof bundle with the verifier key alone: no database, no server.",
		setup: func(fs *flag.FlagSet, e env) func(context.Context, []string) error {
			key := stringFlag(fs, e, "key", "KINERJA_VERIFIER_KEY", "", "file with the ledger's verifier key")
			return func(ctx context.Context, args []string) error {
				if len(args) != 1 {
					return errors.New("verify-bundle needs exactly one FILE")
				}
				if *key == "" {
					return errors.New("--key: name the file with the ledger's verifier key")
				}
				v, err := proof.ReadVerifierKey(*key)
				if err != nil {
					return err
				}
				data, err := os.ReadFile(args[0])
				if err != nil {
					return fmt.Errorf("read bundle: %w", err)
				}
				report, err := proof.VerifyBundle(data, note.VerifierList(v))
				if err != nil {
					fmt.Fprintf(e.stdout, "BROKEN: %v\n", err)
					return errVerifyFailed
				}
				fmt.Fprintln(e.stdout, report)
				return nil
			}
		},
	}
}
