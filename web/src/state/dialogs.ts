// The signed-in screen's dialogs that open from anywhere (a shortcut, the sidebar): the shell
// registers how to open each, others ask for it by name.

export type DialogName = 'switcher' | 'help' | 'notifications'
const openers: Partial<Record<DialogName, () => void>> = {}

export function registerDialog(name: DialogName, open: () => void) {
  openers[name] = open
}

export function openDialog(name: DialogName) {
  openers[name]?.()
}
