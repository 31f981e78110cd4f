// The signed-in screen's keyboard shortcuts (listed in ShortcutHelp.vue):
// Ctrl/Cmd+K quick switcher · Alt+↑/↓ previous/next chat · Alt+Shift+↑/↓ previous/next unread
// chat · Esc marks the open chat read · ? this list. Typing in a field keeps ? and Esc there.

export interface ShortcutActions {
  switcher(): void
  help(): void
  move(step: 1 | -1, unreadOnly: boolean): void
  markRead(): void
}

function typingIn(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable)
}

export function shortcutHandler(a: ShortcutActions) {
  return (e: KeyboardEvent) => {
    if (e.defaultPrevented || e.isComposing) return
    if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') {
      e.preventDefault()
      a.switcher()
    } else if (e.altKey && !e.ctrlKey && !e.metaKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
      e.preventDefault()
      a.move(e.key === 'ArrowDown' ? 1 : -1, e.shiftKey)
    } else if (e.key === 'Escape' && !document.querySelector('dialog[open]')) {
      a.markRead()
    } else if (e.key === '?' && !typingIn(e.target) && !document.querySelector('dialog[open]')) {
      e.preventDefault()
      a.help()
    }
  }
}
