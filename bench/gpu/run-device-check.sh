#!/usr/bin/env bash
# The GPU device check (issue 21), run ON the GPU machine from the repository root, with out/gpu-bundle
# carried (built here by bench/gpu/prepare-device-bundle.sh). One command, well under 10 minutes:
#   bash bench/gpu/run-device-check.sh [--sizes 50M,350M,1.3B] [--steps 5] [--budget-s 420]
# Prints: the GPU and Vulkan state, which providers open (CUDA, WebGPU, CPU, each alone), which integer
# ops the WebGPU EP runs, then per model (50M, 350M, 1.3B by default, built here by the project's graph
# builder) the provider that ran the training / z / update graphs, two forwards with θ fed from the host
# vs resident, the z graph, the resident step of MeZO, HELENE (paper) and the HELENE preset (layerwise)
# against two resident forwards (goal <= 1.3x), and the bytes host<->device per step, counted, fed vs
# resident. A size that would not fit the budget is skipped with a line saying so; the whole run stays
# under ~9 minutes. Nothing is downloaded; everything runs from /tmp.
set -uo pipefail
cd "$(dirname "$0")/../.."
B=$PWD/out/gpu-bundle
[ -f "$B/device-check.js" ] || { echo "out/gpu-bundle is missing: run bash bench/gpu/prepare-device-bundle.sh here and carry out/gpu-bundle" >&2; exit 2; }
W=$(mktemp -d /tmp/helene-gpu.XXXXXX)
unxz() { if command -v xz >/dev/null; then xz -dc "$1"; else python3 -c 'import lzma,sys; sys.stdout.buffer.write(lzma.open(sys.argv[1]).read())' "$1"; fi; }
unxz "$B/node.xz" > "$W/node" && chmod +x "$W/node"
mkdir -p "$W/node_modules"
cp -r "$B/ort/onnxruntime-node" "$B/ort/onnxruntime-common" "$W/node_modules/"
X64="$W/node_modules/onnxruntime-node/bin/napi-v6/linux/x64"
unxz "$X64/libonnxruntime.so.1.xz" > "$X64/libonnxruntime.so.1" && rm "$X64/libonnxruntime.so.1.xz"

echo "== machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -4
echo "CPU cores: $(nproc); $(uptime)"
# The Vulkan loader comes from the bundle unless the machine has one; the NVIDIA ICD manifest from the driver, else ours.
ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 ' && echo "Vulkan loader: the machine's" || { export LD_LIBRARY_PATH="$B/vulkan${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; echo "Vulkan loader: bundled ($(cat "$B/vulkan/SOURCE"))"; }
ICDS=$(ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json 2>/dev/null)
if [ -n "$ICDS" ]; then echo "Vulkan ICDs: $ICDS"; else export VK_ICD_FILENAMES="$B/vulkan/nvidia_icd.json"; echo "Vulkan ICDs: none installed; using $VK_ICD_FILENAMES ($(ldconfig -p 2>/dev/null | grep -c libGLX_nvidia) libGLX_nvidia entries in ldconfig)"; fi

export NODE_PATH="$W/node_modules"
echo "== integer ops on WebGPU (nodes a provider lacks are refused here or fall back)"
timeout 45 "$W/node" "$B/int-ops.js" --provider webgpu 2>&1 | grep -v '^$' | head -40
echo "== providers, fed vs resident steps (MeZO, HELENE) on WebGPU"
# --budget-s bounds the sizes started; the timeout is the backstop (the device allows 10 minutes a command).
# The arguments given come first: device-check.js takes the first occurrence of an option.
timeout 500 "$W/node" --max-old-space-size=8192 "$B/device-check.js" "$@" --provider webgpu --budget-s 420 2>&1
rc=$?
rm -rf "$W"
exit $rc
