/// <reference types="vitest/config" />
import tailwindcss from '@tailwindcss/vite'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

// The build lands in static/dist, which web/embed.go compiles into the Go binary.
// `npm run dev` proxies the API and the socket to a server on :8080; start that one with
// FECHATTER_ALLOWED_ORIGINS=localhost:5173 so it accepts the dev server's Origin.
export default defineConfig({
  plugins: [vue(), tailwindcss()],
  build: {
    outDir: 'static/dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 300,
  },
  server: {
    proxy: {
      '/api': 'http://localhost:8080',
      '/ws': { target: 'ws://localhost:8080', ws: true },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
})
