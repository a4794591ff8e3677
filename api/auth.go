package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kinerja/kinerja/domain"
)

// Role is what a caller may act as. A token carries one or more.
type Role string

// The roles of DESIGN.md.
const (
	RoleEmployee  Role = "employee"  // pegawai: their own SKP, realisations, objections
	RoleEvaluator Role = "evaluator" // pejabat penilai and atasan pejabat penilai
	RoleHR        Role = "hr"        // pengelola kinerja: years, catalogue, policies, replays
	RoleAuditor   Role = "auditor"   // inspektorat, BPK: reads everything, writes nothing
	RoleAdmin     Role = "admin"     // operates the installation
)

// Roles lists every role, in a stable order.
var Roles = []Role{RoleEmployee, RoleEvaluator, RoleHR, RoleAuditor, RoleAdmin}

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !slices.Contains(Roles, r) {
		return "", domain.Errorf(domain.Invalid, "%q is not a role; use one of employee, evaluator, hr, auditor, admin", s).WithField("role")
	}
	return r, nil
}

// Caller is the authenticated person behind a request.
type Caller struct {
	NIP   domain.NIP
	Roles []Role
}

// Has reports whether c holds role r.
func (c Caller) Has(r Role) bool { return slices.Contains(c.Roles, r) }

// Tokens issues and verifies bearer tokens: JWTs signed with HMAC-SHA256
// under one secret key, carrying the caller's NIP (sub), roles and expiry.
type Tokens struct {
	key []byte
	now func() time.Time
}

// MinKeySize is the smallest signing key Tokens accepts, in bytes.
const MinKeySize = 32

const tokenIssuer = "kinerja"

// NewTokens returns Tokens that sign with key, reading the time from now.
func NewTokens(key []byte, now func() time.Time) (*Tokens, error) {
	if len(key) < MinKeySize {
		return nil, fmt.Errorf("token key is %d bytes; it needs at least %d random bytes", len(key), MinKeySize)
	}
	return &Tokens{key: key, now: now}, nil
}

type claims struct {
	Roles []Role `json:"roles"`
	jwt.RegisteredClaims
}

// Issue mints a token for c that expires after ttl.
func (t *Tokens) Issue(c Caller, ttl time.Duration) (string, error) {
	if ttl <= 0 {
		return "", domain.Errorf(domain.Invalid, "a token needs a positive lifetime, got %s", ttl).WithField("ttl")
	}
	if len(c.Roles) == 0 {
		return "", domain.Errorf(domain.Invalid, "a token needs at least one role").WithField("role")
	}
	now := t.now()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims{
		Roles: c.Roles,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    tokenIssuer,
			Subject:   string(c.NIP),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
	})
	return tok.SignedString(t.key)
}

// errUnauthenticated marks a missing, malformed, tampered or expired token.
var errUnauthenticated = errors.New("unauthenticated")

// Verify checks a token's signature, algorithm, issuer and expiry and returns
// its caller. Every failure wraps errUnauthenticated with the reason.
func (t *Tokens) Verify(token string) (Caller, error) {
	var cl claims
	_, err := jwt.ParseWithClaims(token, &cl,
		func(*jwt.Token) (any, error) { return t.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), // refuses "none" and algorithm swaps
		jwt.WithIssuer(tokenIssuer),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(t.now),
	)
	if err != nil {
		return Caller{}, fmt.Errorf("%w: %v", errUnauthenticated, err)
	}
	nip, _, err := domain.ParseNIP(cl.Subject)
	if err != nil {
		return Caller{}, fmt.Errorf("%w: subject: %v", errUnauthenticated, err)
	}
	c := Caller{NIP: nip}
	for _, r := range cl.Roles {
		role, err := ParseRole(string(r))
		if err != nil {
			return Caller{}, fmt.Errorf("%w: %v", errUnauthenticated, err)
		}
		c.Roles = append(c.Roles, role)
	}
	if len(c.Roles) == 0 {
		return Caller{}, fmt.Errorf("%w: the token carries no role", errUnauthenticated)
	}
	return c, nil
}

type contextKey int

const callerKey contextKey = iota

// callerFrom returns the authenticated caller of a request that passed
// authenticate.
func callerFrom(ctx context.Context) Caller {
	c, _ := ctx.Value(callerKey).(Caller)
	return c
}

// authenticate refuses requests without a valid bearer token and puts the
// caller in the request's context.
func (s *server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || raw == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kinerja"`)
			writeStatusProblem(w, r, http.StatusUnauthorized, "unauthenticated", "Send a bearer token in the Authorization header; `kinerja token issue` mints one.")
			return
		}
		c, err := s.tokens.Verify(strings.TrimSpace(raw))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kinerja", error="invalid_token"`)
			writeStatusProblem(w, r, http.StatusUnauthorized, "unauthenticated", "The bearer token is not valid (tampered, expired or not ours); get a new one.")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey, c)))
	})
}
