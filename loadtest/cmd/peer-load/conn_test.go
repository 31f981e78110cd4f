package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestClassifyReadsThePeersLines(t *testing.T) {
	cases := []struct {
		line string
		kind lineKind
		v    int64
	}{
		{`{}`, linePing, 0},
		{`{"push":{"channel":"room3","pub":{"data":{"t":1764750000123456789,"text":"xx"},"info":{"user":"u7"}}}}`, lineDelivery, 1764750000123456789},
		{`{"push":{"channel":"room3","join":{"info":{"user":"u7"}}}}`, lineOther, 0},
		{`{"push":{"channel":"room3","pub":{"data":{"t":"late"}}}}`, lineOther, 0},
		{`{"id":42,"publish":{}}`, lineAck, 42},
		{`{"id":43,"error":{"code":103,"message":"permission denied"}}`, lineError, 43},
		{`{"id":"x"}`, lineOther, 0},
		{``, lineOther, 0},
	}
	for _, c := range cases {
		kind, v := classify([]byte(c.line))
		if kind != c.kind || v != c.v {
			t.Errorf("classify(%s) = %d, %d; want %d, %d", c.line, kind, v, c.kind, c.v)
		}
	}
}

func TestTokenSubscribesTheUserToItsRoom(t *testing.T) {
	tok, err := token("s3cret", 12, 3)
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return []byte("s3cret"), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired())
	if err != nil {
		t.Fatal(err)
	}
	if claims["sub"] != "u12" {
		t.Errorf("sub = %v", claims["sub"])
	}
	if ch, _ := claims["channels"].([]any); len(ch) != 1 || ch[0] != "room3" {
		t.Errorf("channels = %v", claims["channels"])
	}
	exp, _ := claims.GetExpirationTime()
	if exp == nil || time.Until(exp.Time) < 30*time.Minute {
		t.Errorf("exp = %v, want an hour ahead", exp)
	}
}

func TestParseFlagsSplitsUsersIntoRooms(t *testing.T) {
	cfg, err := parseFlags([]string{"-secret", "s", "-users", "5000", "-members", "50"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.rooms != 100 {
		t.Errorf("rooms = %d, want 100", cfg.rooms)
	}
	cfg, err = parseFlags([]string{"-secret", "s", "-users", "101", "-members", "50"}, io.Discard)
	if err != nil || cfg.rooms != 3 {
		t.Errorf("101 users in rooms of 50: %d rooms, %v; want 3", cfg.rooms, err)
	}
	for _, args := range [][]string{
		{"-users", "10"},
		{"-secret", "s", "-scenario", "storm"},
		{"-secret", "s", "-members", "0"},
	} {
		if _, err := parseFlags(args, io.Discard); err == nil || strings.Contains(err.Error(), "flag provided but not defined") {
			t.Errorf("parseFlags(%v) = %v, want a clear refusal", args, err)
		}
	}
}
