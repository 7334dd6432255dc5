/**
 * Where the dynamic linker looks for a shared library, and what of a name pattern is there: the probes
 * for CUDA (gpu-probe.ts) and Vulkan (vulkan-probe.ts) ask the same question without running a program.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * LD_LIBRARY_PATH, the folders /etc/ld.so.conf.d adds (NVIDIA's container images list their driver
 * folder there), the CUDA toolkit's and NVIDIA's container driver folders, and the system folders.
 */
export function libraryDirs(): string[] {
  const fromEnv = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  const fromConf: string[] = [];
  try {
    for (const f of fs.readdirSync('/etc/ld.so.conf.d')) {
      if (!f.endsWith('.conf')) continue;
      for (const line of fs.readFileSync(path.join('/etc/ld.so.conf.d', f), 'utf8').split('\n')) if (line.startsWith('/')) fromConf.push(line.trim());
    }
  } catch {
    // no ld.so.conf.d
  }
  return [...fromEnv, ...fromConf, '/usr/local/cuda/lib64', '/usr/local/nvidia/lib64', '/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'];
}

/** Files in `dirs` whose name matches `pattern`, sorted, each once. */
export function listMatching(dirs: string[], pattern: RegExp): string[] {
  const found = new Set<string>();
  for (const dir of dirs) {
    try {
      for (const f of fs.readdirSync(dir)) if (pattern.test(f)) found.add(path.join(dir, f));
    } catch {
      // folder absent
    }
  }
  return [...found].sort();
}
