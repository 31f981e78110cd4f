package fechatter

import (
	"slices"
	"testing"
)

func TestCheckEmoji(t *testing.T) {
	for _, ok := range []string{"👍", "❤️", "👍🏽", "👨‍👩‍👧‍👦", "🇫🇷", "✅", "1️⃣", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"} {
		if got, err := CheckEmoji(ok); err != nil || got != ok {
			t.Errorf("CheckEmoji(%q) = %q, %v", ok, got, err)
		}
	}
	// Shortcodes are stored as the emoji they name, so both spellings are one reaction.
	for code, emoji := range Shortcodes {
		if got, err := CheckEmoji(code); err != nil || got != emoji {
			t.Errorf("CheckEmoji(%q) = %q, %v; want %q", code, got, err, emoji)
		}
		if got, err := CheckEmoji(emoji); err != nil || got != emoji {
			t.Errorf("the emoji of %s, %q, is not itself valid: %v", code, emoji, err)
		}
	}
	for _, bad := range []string{"", "a", "hello", ":nope:", ":+1", "👍 ", "<script>", "👍a", "\xff", "1", "🏽", "👍👍👍👍👍👍👍👍👍👍👍"} {
		if _, err := CheckEmoji(bad); ErrorCode(err) != EInvalid {
			t.Errorf("CheckEmoji(%q) accepted", bad)
		}
	}
}

func TestParseMentions(t *testing.T) {
	ids, b := ParseMentions("hi <@12> and <@3>, <@12> again; <!here> `<@7>` <@0> <@x> <!channel>")
	if !slices.Equal(ids, []int64{3, 7, 12}) || b != MentionChannel {
		t.Fatalf("ParseMentions = %v, %q", ids, b)
	}
	if ids, b := ParseMentions("plain <@99999999999999999999> <!here>"); len(ids) != 0 || b != MentionHere {
		t.Fatalf("ParseMentions = %v, %q", ids, b)
	}
}
