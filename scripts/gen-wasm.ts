/**
 * Regenerates the committed bytes of every hand-written WebAssembly kernel (scripts/wasm-kernels.ts).
 * Usage: npm run gen:wasm   (after editing a .wat; commit the .wat and the generated .ts together)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WASM_KERNELS, generatedSource } from './wasm-kernels';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  for (const kernel of WASM_KERNELS) {
    fs.writeFileSync(path.join(root, kernel.module), await generatedSource(root, kernel));
    console.log(`${kernel.wat} -> ${kernel.module}`);
  }
}

main().catch((err: unknown) => {
  console.error(`gen:wasm: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
