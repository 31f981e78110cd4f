import { beforeEach, describe, expect, it } from 'vitest'
import { nextTick, ref } from 'vue'
import { loadDraft, saveDraft, useDraft } from './drafts'

const store = new Map<string, string>()
;(globalThis as Record<string, unknown>).localStorage = {
  getItem: (k: string) => store.get(k) ?? null,
  setItem: (k: string, v: string) => void store.set(k, v),
  removeItem: (k: string) => void store.delete(k),
}

describe('drafts', () => {
  beforeEach(() => store.clear())
  it('keeps one draft per user, chat and thread, and drops empty ones', () => {
    saveDraft(1, 5, undefined, 'hello')
    saveDraft(1, 5, 9, 'in a thread')
    saveDraft(2, 5, undefined, 'someone else')
    expect(loadDraft(1, 5)).toBe('hello')
    expect(loadDraft(1, 5, 9)).toBe('in a thread')
    expect(loadDraft(1, 6)).toBe('')
    saveDraft(1, 5, undefined, '   ')
    expect(loadDraft(1, 5)).toBe('')
    expect(store.size).toBe(2)
  })
  it('fills and follows a composer text', async () => {
    saveDraft(1, 5, undefined, 'saved')
    const text = ref('')
    useDraft(text, 1, 5)
    expect(text.value).toBe('saved')
    text.value = 'changed'
    await nextTick()
    expect(loadDraft(1, 5)).toBe('changed')
  })
})
