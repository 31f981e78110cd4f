package fechatter

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Shortcodes are the :name: reactions every client knows, besides Unicode emoji. They are
// stored as the emoji they name, so ":tada:" and "🎉" are one reaction.
var Shortcodes = map[string]string{
	":+1:": "👍", ":thumbsup:": "👍", ":-1:": "👎", ":thumbsdown:": "👎", ":heart:": "❤️",
	":smile:": "😄", ":laughing:": "😆", ":joy:": "😂", ":tada:": "🎉", ":party:": "🥳", ":rocket:": "🚀",
	":eyes:": "👀", ":fire:": "🔥", ":clap:": "👏", ":pray:": "🙏", ":100:": "💯",
	":white_check_mark:": "✅", ":x:": "❌", ":warning:": "⚠️", ":thinking:": "🤔", ":wave:": "👋",
	":ok_hand:": "👌", ":raised_hands:": "🙌", ":muscle:": "💪", ":star:": "⭐", ":sparkles:": "✨",
	":bulb:": "💡", ":question:": "❓", ":exclamation:": "❗", ":hourglass:": "⌛", ":memo:": "📝",
	":bug:": "🐛", ":ship:": "🚢", ":coffee:": "☕", ":sob:": "😭", ":confused:": "😕",
	":slightly_smiling_face:": "🙂", ":upside_down_face:": "🙃", ":wink:": "😉", ":sunglasses:": "😎",
	":hugs:": "🤗", ":zap:": "⚡", ":lock:": "🔒", ":link:": "🔗", ":pushpin:": "📌",
}

// maxEmojiRunes bounds one Unicode emoji: the longest ZWJ family sequences have 7 or 8 runes,
// and a flag of a subdivision 7.
const maxEmojiRunes = 10

// CheckEmoji validates a reaction: a :shortcode: of Shortcodes or one Unicode emoji (with its
// modifiers, variation selectors and zero-width joiners). It returns the emoji to store.
func CheckEmoji(s string) (string, error) {
	if strings.HasPrefix(s, ":") {
		if e, ok := Shortcodes[s]; ok {
			return e, nil
		}
		return "", Errorf(EInvalid, "field \"emoji\": unknown shortcode %q", s)
	}
	if s == "" || utf8.RuneCountInString(s) > maxEmojiRunes || !utf8.ValidString(s) {
		return "", Errorf(EInvalid, "field \"emoji\" must be one emoji or a known :shortcode:")
	}
	pictographs := 0
	for _, r := range s {
		switch {
		case isPictograph(r):
			pictographs++
		case r == 0x200D, r == 0xFE0F, r == 0xFE0E, r == 0x20E3, // ZWJ, variation selectors, keycap
			r >= 0x1F3FB && r <= 0x1F3FF,             // skin tones
			r >= 0xE0020 && r <= 0xE007F,             // tag sequences (subdivision flags)
			r >= '0' && r <= '9', r == '#', r == '*': // keycap bases
		default:
			return "", Errorf(EInvalid, "field \"emoji\" must be one emoji or a known :shortcode:")
		}
	}
	if pictographs == 0 && !strings.ContainsRune(s, 0x20E3) {
		return "", Errorf(EInvalid, "field \"emoji\" must be one emoji or a known :shortcode:")
	}
	return s, nil
}

func isPictograph(r rune) bool {
	return unicode.Is(unicode.So, r) && r >= 0x2000 || // symbols: ☺ ✅ ❤ and the emoji planes
		r >= 0x1F1E6 && r <= 0x1F1FF // regional indicators (flags)
}
