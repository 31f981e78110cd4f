// A long press (a finger held still for half a second) as pointer handlers for an element.

export function longPress(fire: () => void, ms = 500) {
  let timer: ReturnType<typeof setTimeout> | undefined
  let at = { x: 0, y: 0 }
  const cancel = () => {
    clearTimeout(timer)
    timer = undefined
  }
  return {
    onPointerdown(e: PointerEvent) {
      if (e.pointerType !== 'touch') return
      at = { x: e.clientX, y: e.clientY }
      cancel()
      timer = setTimeout(() => {
        timer = undefined
        fire()
      }, ms)
    },
    onPointermove(e: PointerEvent) {
      if (timer && Math.hypot(e.clientX - at.x, e.clientY - at.y) > 10) cancel()
    },
    onPointerup: cancel,
    onPointercancel: cancel,
  }
}
