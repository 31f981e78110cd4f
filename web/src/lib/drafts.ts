// Per-chat (and per-thread) drafts of the composer, kept in this browser's localStorage so
// they survive switching chats and reloading. An empty draft is removed.

import { watch, type Ref } from 'vue'

const prefix = 'fechatter.draft.'

function key(userId: number, chatId: number, threadId?: number): string {
  return `${prefix}${userId}.${chatId}.${threadId ?? 0}`
}

export function loadDraft(userId: number, chatId: number, threadId?: number): string {
  try {
    return localStorage.getItem(key(userId, chatId, threadId)) ?? ''
  } catch {
    return ''
  }
}

export function saveDraft(userId: number, chatId: number, threadId: number | undefined, text: string) {
  try {
    if (text.trim()) localStorage.setItem(key(userId, chatId, threadId), text)
    else localStorage.removeItem(key(userId, chatId, threadId))
  } catch {
    // storage full or blocked: the draft lives only while the composer does
  }
}

/** Fills text with the saved draft and keeps saving it as it changes. */
export function useDraft(text: Ref<string>, userId: number, chatId: number, threadId?: number) {
  text.value = loadDraft(userId, chatId, threadId)
  watch(text, (t) => saveDraft(userId, chatId, threadId, t))
}
