// The reaction picker's emoji (a fixed set; no emoji library), and how reactions made with the
// server's :shortcodes: by other clients show.

export const pickerEmoji: readonly { emoji: string; name: string }[] = [
  { emoji: '👍', name: 'thumbs up' },
  { emoji: '👎', name: 'thumbs down' },
  { emoji: '😄', name: 'smile' },
  { emoji: '😂', name: 'joy' },
  { emoji: '🎉', name: 'party popper' },
  { emoji: '❤️', name: 'heart' },
  { emoji: '🚀', name: 'rocket' },
  { emoji: '👀', name: 'eyes' },
  { emoji: '🔥', name: 'fire' },
  { emoji: '✅', name: 'check mark' },
  { emoji: '🙏', name: 'folded hands' },
  { emoji: '👏', name: 'clapping hands' },
  { emoji: '💯', name: 'hundred points' },
  { emoji: '🙌', name: 'raised hands' },
  { emoji: '🤔', name: 'thinking' },
  { emoji: '😮', name: 'surprised' },
  { emoji: '😢', name: 'crying' },
  { emoji: '😅', name: 'sweat smile' },
  { emoji: '👋', name: 'waving hand' },
  { emoji: '⭐', name: 'star' },
  { emoji: '✨', name: 'sparkles' },
  { emoji: '💡', name: 'light bulb' },
  { emoji: '☕', name: 'coffee' },
  { emoji: '🐛', name: 'bug' },
]

const shortcodes: Record<string, string> = {
  ':+1:': '👍', ':thumbsup:': '👍', ':-1:': '👎', ':thumbsdown:': '👎', ':heart:': '❤️', ':smile:': '😄',
  ':laughing:': '😆', ':joy:': '😂', ':tada:': '🎉', ':party:': '🥳', ':rocket:': '🚀', ':eyes:': '👀',
  ':fire:': '🔥', ':clap:': '👏', ':pray:': '🙏', ':100:': '💯', ':white_check_mark:': '✅', ':x:': '❌',
  ':warning:': '⚠️', ':thinking:': '🤔', ':wave:': '👋', ':ok_hand:': '👌', ':raised_hands:': '🙌',
  ':muscle:': '💪', ':star:': '⭐', ':sparkles:': '✨', ':bulb:': '💡', ':question:': '❓',
  ':exclamation:': '❗', ':hourglass:': '⌛', ':memo:': '📝', ':bug:': '🐛', ':ship:': '🚢',
  ':coffee:': '☕', ':sob:': '😭', ':confused:': '😕', ':slightly_smiling_face:': '🙂',
  ':upside_down_face:': '🙃', ':wink:': '😉', ':sunglasses:': '😎', ':hugs:': '🤗', ':zap:': '⚡',
  ':lock:': '🔒', ':link:': '🔗', ':pushpin:': '📌',
}

/** How a reaction shows: a Unicode emoji as itself, a :shortcode: as its emoji (or its name). */
export function emojiGlyph(reaction: string): string {
  return shortcodes[reaction] ?? reaction
}
