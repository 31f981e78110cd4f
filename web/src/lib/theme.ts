import { ref, watchEffect } from 'vue'

export type Theme = 'system' | 'light' | 'dark'
const key = 'fechatter.theme'
const media = typeof matchMedia === 'undefined' ? null : matchMedia('(prefers-color-scheme: dark)')

export const theme = ref<Theme>((localStorage.getItem(key) as Theme | null) ?? 'system')
const systemDark = ref(media?.matches ?? false)
media?.addEventListener('change', (e) => (systemDark.value = e.matches))

watchEffect(() => {
  localStorage.setItem(key, theme.value)
  const dark = theme.value === 'dark' || (theme.value === 'system' && systemDark.value)
  document.documentElement.classList.toggle('dark', dark)
})

export function cycleTheme() {
  theme.value = theme.value === 'system' ? 'light' : theme.value === 'light' ? 'dark' : 'system'
}
