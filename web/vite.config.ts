import { defineConfig } from 'vite';

// `npm run dev` proxies the API to a running `netmeter serve` (NETMETER_URL, default port 8080).
export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: {
      '/API': { target: process.env.NETMETER_URL ?? 'http://127.0.0.1:8080', changeOrigin: true },
    },
  },
});
