package api

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var (
	testNow = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	testKey = []byte("0123456789abcdef0123456789abcdef")
)

func testTokens(t *testing.T) *Tokens {
	t.Helper()
	tk, err := NewTokens(testKey, func() time.Time { return testNow })
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestTokenRoundTrip(t *testing.T) {
	tk := testTokens(t)
	want := Caller{NIP: "198609262015051001", Roles: []Role{RoleEvaluator, RoleEmployee}}
	raw, err := tk.Issue(want, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tk.Verify(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got.NIP != want.NIP || len(got.Roles) != 2 || !got.Has(RoleEvaluator) || !got.Has(RoleEmployee) || got.Has(RoleHR) {
		t.Errorf("Verify = %+v, want %+v", got, want)
	}
}

func TestTokensRefused(t *testing.T) {
	tk := testTokens(t)
	good, err := tk.Issue(Caller{NIP: "198609262015051001", Roles: []Role{RoleEmployee}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	later, err := NewTokens(testKey, func() time.Time { return testNow.Add(2 * time.Hour) })
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := NewTokens([]byte("another-key-another-key-another!!"), func() time.Time { return testNow })
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, ".")
	forgedClaims := base64.RawURLEncoding.EncodeToString([]byte(`{"roles":["admin"],"iss":"kinerja","sub":"198609262015051001","exp":9999999999}`))
	unsigned := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"sub": "198609262015051001", "roles": []string{"admin"}, "iss": "kinerja", "exp": testNow.Add(time.Hour).Unix()})
	none, err := unsigned.SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	badNIP, err := tk.Issue(Caller{NIP: "12345", Roles: []Role{RoleEmployee}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		tok   string
		check *Tokens
	}{
		{"expired", good, later},
		{"signed with another key", good, otherKey},
		{"claims swapped under the old signature", parts[0] + "." + forgedClaims + "." + parts[2], tk},
		{"alg none", none, tk},
		{"garbage", "not.a.token", tk},
		{"empty", "", tk},
		{"subject is not a NIP", badNIP, tk},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c, err := tt.check.Verify(tt.tok); !errors.Is(err, errUnauthenticated) {
				t.Errorf("Verify = %+v, %v; want errUnauthenticated", c, err)
			}
		})
	}
}

func TestIssueNeedsRoleLifetimeAndKey(t *testing.T) {
	tk := testTokens(t)
	if _, err := tk.Issue(Caller{NIP: "198609262015051001"}, time.Hour); err == nil {
		t.Error("issued a token with no role")
	}
	if _, err := tk.Issue(Caller{NIP: "198609262015051001", Roles: []Role{RoleHR}}, 0); err == nil {
		t.Error("issued a token that never lives")
	}
	if _, err := NewTokens([]byte("short"), time.Now); err == nil {
		t.Error("accepted a 5-byte key")
	}
	if _, err := ParseRole("superuser"); err == nil {
		t.Error("ParseRole accepted an unknown role")
	}
}
