package fechatter

import (
	"strings"
	"testing"
)

func TestCheckText(t *testing.T) {
	for _, tc := range []struct {
		text, code string
	}{
		{"hello", ""},
		{strings.Repeat("é", MaxTextRunes), ""},
		{strings.Repeat("é", MaxTextRunes+1), ETooLarge},
		{" \n\t ", EInvalid},
		{"", EInvalid},
		{"\xff\xfe", EInvalid},
	} {
		if got := ErrorCode(CheckText(tc.text)); got != tc.code {
			t.Errorf("CheckText(%.10q) = %q, want %q", tc.text, got, tc.code)
		}
	}
}

func TestValidClientID(t *testing.T) {
	for s, want := range map[string]bool{
		"6f1c0a52-3b7e-4b1c-9d3e-0a1b2c3d4e5f": true,
		"6F1C0A52-3B7E-4B1C-9D3E-0A1B2C3D4E5F": true,
		"6f1c0a52-3b7e-4b1c-9d3e-0a1b2c3d4e5":  false,
		"6f1c0a52x3b7e-4b1c-9d3e-0a1b2c3d4e5f": false,
		"6f1c0a52-3b7e-4b1c-9d3e-0a1b2c3d4e5g": false,
		"":                                     false,
	} {
		if ValidClientID(s) != want {
			t.Errorf("ValidClientID(%q) = %v", s, !want)
		}
	}
}
