package domain_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/kinerja/kinerja/domain"
)

func TestKindOf(t *testing.T) {
	sentinel := errors.New("sentinel")
	conflict := &domain.Error{Kind: domain.Conflict, Message: "changed by someone else", Err: sentinel}
	tests := []struct {
		name string
		err  error
		want domain.Kind
	}{
		{"nil", nil, 0},
		{"domain error", domain.Errorf(domain.Invalid, "bad"), domain.Invalid},
		{"wrapped domain error", fmt.Errorf("append: %w", conflict), domain.Conflict},
		{"foreign error", errors.New("disk on fire"), domain.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.KindOf(tt.err); got != tt.want {
				t.Errorf("KindOf(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
	if !errors.Is(fmt.Errorf("wrap: %w", conflict), sentinel) {
		t.Error("errors.Is does not reach the sentinel through *Error")
	}
}

func TestWithFieldAndRuleCopy(t *testing.T) {
	base := domain.Errorf(domain.Invalid, "target must be positive")
	got := base.WithField("target").WithRule("iki-target")
	if got.Field != "target" || got.Rule != "iki-target" || got.Message != base.Message {
		t.Errorf("got %+v", got)
	}
	if base.Field != "" || base.Rule != "" {
		t.Errorf("WithField/WithRule changed the original: %+v", base)
	}
}
