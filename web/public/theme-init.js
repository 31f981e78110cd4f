// Applies the saved theme before the first paint. A file, not an inline script, so the page
// works under a Content-Security-Policy without 'unsafe-inline'.
try {
  var t = localStorage.getItem('fechatter.theme') || 'system'
  if (t === 'dark' || (t === 'system' && matchMedia('(prefers-color-scheme: dark)').matches)) document.documentElement.classList.add('dark')
} catch (e) {}
