import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The server serves `dist/` with CSP `default-src 'self'`: no inline scripts, so keep the
// module preload polyfill (an inline script) out.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    sourcemap: true,
  },
  server: {
    proxy: { "/ws": { target: "ws://127.0.0.1:8080", ws: true }, "/info": "http://127.0.0.1:8080" },
  },
});
