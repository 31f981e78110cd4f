// Whether the primary pointer is a finger: there Return inserts a line and the Send button
// sends, and message actions open as a sheet instead of a hover toolbar.
export function coarsePointer(): boolean {
  return typeof matchMedia !== 'undefined' && matchMedia('(pointer: coarse)').matches
}
