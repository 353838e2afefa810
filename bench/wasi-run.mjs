// Runs streamlab-bench compiled for wasm32-wasip1 under Node's WASI (V8,
// the engine Chromium runs the playground's WebAssembly with).
//   node bench/wasi-run.mjs streamlab-bench.wasm ARGS...
// The repository root is visible to the module as `/repo` and as the
// current directory, so lab paths given relative to it resolve.
import { readFile } from "node:fs/promises";
import { WASI } from "node:wasi";
import { argv, env, exit } from "node:process";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const [wasmPath, ...args] = argv.slice(2);
const wasi = new WASI({
  version: "preview1",
  args: ["streamlab-bench", ...args],
  env: {},
  preopens: { ".": root, "/repo": root },
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(wasmPath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
exit(wasi.start(instance));
