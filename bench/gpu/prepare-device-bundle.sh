#!/usr/bin/env bash
# Builds out/gpu-bundle/: everything the GPU device check needs on a machine with an NVIDIA driver but no
# Node, no npm and no network (issue 21; field notes "WebGPU execution provider"). Run here, then carry
# out/gpu-bundle with the working tree and run bench/gpu/run-device-check.sh there. The device accepts
# 64 MiB in all (working tree included): the script prints the sizes and fails above 52 MiB of bundle.
#   bash bench/gpu/prepare-device-bundle.sh
# What goes in (sizes on 2026-12-06, Node 20.20.2, onnxruntime-node 1.30.0):
#   node.xz                      the Node binary of this machine, xz -6          (~24.2 MB; 98.9 MB raw)
#   ort/onnxruntime-node/        package.json, dist/, the binding (.node, 0.4 MB) and
#                                libonnxruntime.so.1.xz (~12.6 MB; 45.8 MB raw; bundles the WebGPU EP = Dawn)
#   ort/onnxruntime-common/      package.json, dist/cjs (0.5 MB)
#   vulkan/libvulkan.so.1        the Vulkan loader from Debian's libvulkan1 (apt-get download; ~0.5 MB)
#   vulkan/debs/                 libvulkan1, libglvnd0, libglx0, libegl1, libgl1, libopengl0, libgles2 (.deb, ~0.4 MB)
#   vulkan/nvidia_icd.json       a fallback ICD manifest pointing at the driver's libGLX_nvidia.so.0, used
#                                only when the machine has no Vulkan ICD manifest of its own
#   device-check.js, int-ops.js  bench/gpu/device-check.ts and int-ops.ts bundled by esbuild (onnxruntime-node external)
#   dist/                        the product's CLI bundle and its workers (npm run build), for the end-to-end runs there (~2.9 MB)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=out/gpu-bundle
ORT=node_modules/onnxruntime-node
BIN=$ORT/bin/napi-v6/linux/x64
rm -rf "$OUT"
mkdir -p "$OUT/ort/onnxruntime-node/bin/napi-v6/linux/x64" "$OUT/ort/onnxruntime-common/dist" "$OUT/vulkan"

for entry in device-check int-ops; do
  npx --no-install esbuild "bench/gpu/$entry.ts" --bundle --platform=node --target=node20 --format=cjs \
    --external:onnxruntime-node --log-level=warning --outfile="$OUT/$entry.js"
done

# xz of the two binaries is most of the time (minutes on 2 busy cores): cached in out/gpu-bundle-xz
# and redone only when the binary is newer than its cached copy.
xzCached() {
  local cache="out/gpu-bundle-xz/$(basename "$2")"
  mkdir -p out/gpu-bundle-xz
  if [ ! -s "$cache" ] || [ "$1" -nt "$cache" ]; then xz -T2 -6 -c "$1" > "$cache.tmp" && mv "$cache.tmp" "$cache"; fi
  cp "$cache" "$2"
}
# The product as users get it: the CLI and the worker scripts it starts (same folder, as in the .vsix).
npm run --silent build >/dev/null
mkdir -p "$OUT/dist"
cp dist/cli.js dist/pass-worker.js dist/kernel-worker.js "$OUT/dist/"
xzCached "$(readlink -f "$(command -v node)")" "$OUT/node.xz"
cp "$ORT/package.json" "$OUT/ort/onnxruntime-node/"
cp -r "$ORT/dist" "$OUT/ort/onnxruntime-node/"
rm -f "$OUT"/ort/onnxruntime-node/dist/*.map
cp "$BIN/onnxruntime_binding.node" "$OUT/ort/onnxruntime-node/bin/napi-v6/linux/x64/"
xzCached "$BIN/libonnxruntime.so.1" "$OUT/ort/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1.xz"
cp node_modules/onnxruntime-common/package.json "$OUT/ort/onnxruntime-common/"
cp -r node_modules/onnxruntime-common/dist/cjs "$OUT/ort/onnxruntime-common/dist/"
find "$OUT/ort/onnxruntime-common" -name '*.map' -delete

# The Vulkan loader and the GL vendor-neutral dispatch libraries that NVIDIA's Vulkan ICD (libGLX_nvidia)
# needs: Debian's packages, kept as .deb (run-device-check.sh unpacks them there; their only dependency is libc).
# Without libglvnd0/libglx0 the loader finds the ICD but cannot get vkCreateInstance from it (seen on the H100).
DEBS=$(mktemp -d)
(cd "$DEBS" && apt-get download libvulkan1 libglvnd0 libglx0 libegl1 libgl1 libopengl0 libgles2 >/dev/null)
mkdir -p "$OUT/vulkan/debs"
cp "$DEBS"/*.deb "$OUT/vulkan/debs/"
dpkg-deb -x "$DEBS"/libvulkan1_*.deb "$DEBS/root"
cp -L "$DEBS"/root/usr/lib/x86_64-linux-gnu/libvulkan.so.1 "$OUT/vulkan/"
ls "$DEBS"/*.deb | xargs -n1 basename > "$OUT/vulkan/SOURCE"
rm -rf "$DEBS"
cat > "$OUT/vulkan/nvidia_icd.json" <<'JSON'
{ "file_format_version": "1.0.0", "ICD": { "library_path": "libGLX_nvidia.so.0", "api_version": "1.3.0" } }
JSON

(cd "$OUT" && find . -type f -printf '%s\t%p\n' | sort -k2 > MANIFEST.txt)
TOTAL=$(du -sb "$OUT" | cut -f1)
cat "$OUT/MANIFEST.txt"
echo "total: $TOTAL bytes ($(( TOTAL / 1048576 )) MiB); working tree (tracked files): $(git ls-files -z | du -cb --files0-from=- | tail -1 | cut -f1) bytes"
if [ "$TOTAL" -gt $(( 52 * 1048576 )) ]; then echo "out/gpu-bundle is over 52 MiB: with the working tree it would not fit the device's 64 MiB" >&2; exit 1; fi
