// apply the saved theme before the first paint
try {
  var t = localStorage.getItem('fechatter.theme') || 'system'
  if (t === 'dark' || (t === 'system' && matchMedia('(prefers-color-scheme: dark)').matches)) document.documentElement.classList.add('dark')
} catch (e) {}
