package proof

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/kinerja/kinerja/domain"
)

// GenerateKey makes a new Ed25519 key pair for signing checkpoints, named
// name (the ledger's name, such as "kinerja.bkn.go.id": non-empty, with no
// spaces and no "+"). It returns the encoded signer key, to be kept secret,
// and the verifier key, to be given to auditors. A bad name is
// domain.Invalid; a failing rand is returned wrapped.
func GenerateKey(rand io.Reader, name string) (signerKey, verifierKey string, err error) {
	if name == "" || strings.ContainsAny(name, "+ \t\r\n") {
		return "", "", domain.Errorf(domain.Invalid, "key name %q must be non-empty, with no spaces and no '+'", name).WithField("name")
	}
	skey, vkey, err := note.GenerateKey(rand, name)
	if err != nil {
		return "", "", fmt.Errorf("generate key: %s: %w", name, err)
	}
	return skey, vkey, nil
}

// WriteKeyFiles writes a key pair made by [GenerateKey]: the signer key to
// signerPath with mode 0600 and the verifier key to verifierPath with mode
// 0644, each as one line. It refuses (domain.Conflict) to overwrite an
// existing file, so a key in use is never lost; when the verifier file cannot
// be written the signer file is removed again.
func WriteKeyFiles(signerPath, verifierPath, signerKey, verifierKey string) error {
	if err := writeNew(signerPath, signerKey, 0o600); err != nil {
		return err
	}
	if err := writeNew(verifierPath, verifierKey, 0o644); err != nil {
		if rmErr := os.Remove(signerPath); rmErr != nil {
			return errors.Join(err, fmt.Errorf("remove key file: %s: %w", signerPath, rmErr))
		}
		return err
	}
	return nil
}

func writeNew(path, key string, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if errors.Is(err, os.ErrExist) {
		return domain.Errorf(domain.Conflict, "key file %s already exists; move it away or choose another path", path)
	}
	if err != nil {
		return fmt.Errorf("write key file: %s: %w", path, err)
	}
	_, err = io.WriteString(f, key+"\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write key file: %s: %w", path, err)
	}
	return nil
}

// ReadSignerKey reads a signer key file written by [WriteKeyFiles] and
// returns its signer. A file that does not hold a signer key is
// domain.Invalid; one that cannot be read is returned wrapped.
func ReadSignerKey(path string) (note.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read signer key: %s: %w", path, err)
	}
	return ParseSignerKey(b)
}

// ParseSignerKey decodes a signer key ("PRIVATE+KEY+name+hash+key"),
// ignoring surrounding white space. Anything else is domain.Invalid.
func ParseSignerKey(b []byte) (note.Signer, error) {
	s, err := note.NewSigner(string(bytes.TrimSpace(b)))
	if err != nil {
		return nil, domain.Errorf(domain.Invalid, "this is not a checkpoint signer key (it should start with PRIVATE+KEY+); make one with kinerja keygen").WithField("key")
	}
	return s, nil
}

// ReadVerifierKey reads a verifier key file written by [WriteKeyFiles] and
// returns its verifier. A file that does not hold a verifier key is
// domain.Invalid; one that cannot be read is returned wrapped.
func ReadVerifierKey(path string) (note.Verifier, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read verifier key: %s: %w", path, err)
	}
	return ParseVerifierKey(b)
}

// ParseVerifierKey decodes a verifier key ("name+hash+key"), ignoring
// surrounding white space. Anything else, including a signer key given by
// mistake, is domain.Invalid.
func ParseVerifierKey(b []byte) (note.Verifier, error) {
	s := string(bytes.TrimSpace(b))
	if strings.HasPrefix(s, "PRIVATE+KEY+") {
		return nil, domain.Errorf(domain.Invalid, "this is the secret signer key; verification needs the public verifier key").WithField("key")
	}
	v, err := note.NewVerifier(s)
	if err != nil {
		return nil, domain.Errorf(domain.Invalid, "this is not a checkpoint verifier key (name+hash+key); use the public key file from kinerja keygen").WithField("key")
	}
	return v, nil
}
