import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `npm run dev` proxies the API to a `vigil serve` on 127.0.0.1:8080; `make build` builds into
// the CMake build directory and embeds the files into the binary.
export default defineConfig({
  plugins: [react()],
  build: { target: "es2020", sourcemap: false, chunkSizeWarningLimit: 400 },
  server: { proxy: { "/v1": { target: "http://127.0.0.1:8080", changeOrigin: false } } },
});
