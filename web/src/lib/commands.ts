// The assistant's composer commands: /summarize, /ask <question>, /translate <language>.

export type Command =
  | { kind: 'summarize' }
  | { kind: 'ask'; text: string }
  | { kind: 'translate'; lang: string }
  | { kind: 'invalid'; error: string }

/** Reads a composer text as a command; null when it is a plain message. */
export function parseCommand(text: string): Command | null {
  const m = /^\/(summarize|summarise|ask|translate)(?:\s+([\s\S]*))?$/.exec(text.trim())
  if (!m) return null
  const arg = (m[2] ?? '').trim()
  switch (m[1]) {
    case 'summarize':
    case 'summarise':
      return { kind: 'summarize' }
    case 'ask':
      return arg ? { kind: 'ask', text: arg } : { kind: 'invalid', error: 'Type a question after /ask' }
    default:
      if (!arg || arg.length > 40 || arg.includes('\n')) return { kind: 'invalid', error: 'Name a language after /translate, e.g. /translate French' }
      return { kind: 'translate', lang: arg }
  }
}

/** The text to show for a message: the latest streamed text while the answer streams. */
export function shownText(msg: { id: number; text: string; state?: string }, streams: Record<number, string>): string {
  return msg.state === 'streaming' ? (streams[msg.id] ?? msg.text) : msg.text
}
