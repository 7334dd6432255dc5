#!/usr/bin/env bash
# The GPU device check (issue 21), run ON the GPU machine from the repository root, with out/gpu-bundle
# carried (built here by bench/gpu/prepare-device-bundle.sh). One command, well under 10 minutes:
#   [DEVICE_CHECK_SIZES=50M,350M,1.3B] [DEVICE_CHECK_DEADLINE_S=420] bash bench/gpu/run-device-check.sh [--steps 5]
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
# Driver libraries that images keep outside the linker's default path (libGLX_nvidia, the Vulkan ICD's target).
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do [ -d "$d" ] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; done
# The Vulkan loader and GL dispatch libraries (libGLX_nvidia, the NVIDIA Vulkan ICD, needs libGLdispatch and
# libGLX): unpacked into / when we are root and the machine lacks them (the recipe this device's notes give),
# else into the work folder on the library path.
if ! ldconfig -p 2>/dev/null | grep -q 'libGLdispatch.so.0 '; then
  if [ "$(id -u)" = 0 ]; then for f in "$B"/vulkan/debs/*.deb; do dpkg -x "$f" /; done; ldconfig; echo "GL/Vulkan libraries: unpacked into / ($(tr '\n' ' ' < "$B/vulkan/SOURCE"))"
  else for f in "$B"/vulkan/debs/*.deb; do dpkg -x "$f" "$W/gl"; done; export LD_LIBRARY_PATH="$W/gl/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; echo "GL/Vulkan libraries: on the library path from $W/gl"; fi
fi
ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 ' && echo "Vulkan loader: the machine's" || { export LD_LIBRARY_PATH="$B/vulkan${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; echo "Vulkan loader: bundled"; }
echo "libGLX_nvidia: $(ls /usr/local/nvidia/lib64/libGLX_nvidia.so.0 /usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0 2>/dev/null | tr '\n' ' ')($(ldconfig -p 2>/dev/null | grep -c libGLX_nvidia) in ldconfig)"

export NODE_PATH="$W/node_modules"
# The NVIDIA ICD manifest: the machine's own (system folders, then the driver's folder), else ours. The first
# one with which the WebGPU provider opens is kept, so one run does not die on a manifest that does not load.
probe() { timeout 60 "$W/node" "$B/device-check.js" --provider webgpu --sizes '' 2>&1 | grep -E '^provider '; }
CANDIDATES="$(ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json /usr/local/nvidia/share/vulkan/icd.d/*.json 2>/dev/null | tr '\n' ' ') $B/vulkan/nvidia_icd.json"
echo "Vulkan ICD manifests to try: $CANDIDATES"
for icd in $CANDIDATES; do
  export VK_ICD_FILENAMES="$icd" VK_DRIVER_FILES="$icd"
  lines=$(probe)
  echo "  $icd:"; echo "${lines:-no answer}" | sed 's/^/    /'
  case "$lines" in *"provider webgpu: opens"*) break ;; esac
done
echo "Vulkan ICD used: $VK_ICD_FILENAMES"

echo "== Python onnxruntime on this machine (whether its CUDA provider library could serve onnxruntime-node)"
timeout 30 python3 -c 'import onnxruntime as o, os; d=os.path.dirname(o.__file__); print(o.__version__, o.get_available_providers()); print(sorted(f for f in os.listdir(os.path.join(d,"capi")) if f.endswith(".so") or ".so." in f))' 2>&1 | tail -3

echo "== integer ops on WebGPU (nodes a provider lacks are refused here or fall back)"
timeout 45 "$W/node" "$B/int-ops.js" --provider webgpu 2>&1 | grep -v '^$' | head -40
echo "== providers, fed vs resident steps (MeZO, HELENE) on WebGPU"
# One process per size, each bounded by what is left of the overall deadline, so a size that runs long
# costs only itself: what it printed stays, and the next size is skipped with a line saying so.
# The arguments given come first: device-check.js takes the first occurrence of an option.
DEADLINE_S=${DEVICE_CHECK_DEADLINE_S:-420}
SIZES=${DEVICE_CHECK_SIZES:-50M,350M,1.3B}
T0=$SECONDS
rc=0
for size in ${SIZES//,/ }; do
  left=$(( DEADLINE_S - (SECONDS - T0) ))
  if [ "$left" -lt 30 ]; then echo; echo "== transformer-$size: skipped ($left s of the $DEADLINE_S s deadline left)"; continue; fi
  timeout "$left" "$W/node" --max-old-space-size=16384 "$B/device-check.js" "$@" --sizes "$size" --provider webgpu --budget-s 100000 2>&1 | grep -v -E '^(backends|provider |device check: )'
  r=${PIPESTATUS[0]}
  [ "$r" -eq 124 ] && echo "transformer-$size: stopped at the deadline (${left} s)"
  [ "$r" -ne 0 ] && rc=$r
done

# The product path, as a user runs it: the CLI on the scaffolded demo (a small MLP; functional, not a speed
# measure), 300 steps each: WebGPU with θ fed, WebGPU resident, and "auto" (which times WebGPU against the CPU).
echo
echo "== the product on WebGPU: helene-studio scaffold + train, 300 steps each"
D=$(mktemp -d /tmp/helene-demo.XXXXXX)
if timeout 60 "$W/node" "$B/dist/cli.js" scaffold "$D/ws" >/dev/null 2>&1; then
  CFG=$(ls "$D"/ws/*mezo*.json 2>/dev/null | head -1)
  for variant in "webgpu false" "webgpu true" "auto false"; do
    set -- $variant
    "$W/node" -e 'const fs=require("fs");const [src,dst,p,r]=process.argv.slice(1);const c=JSON.parse(fs.readFileSync(src,"utf8"));c.steps=300;c.engine={...(c.engine||{}),provider:p,resident:r==="true"};c.output={...(c.output||{}),runsDir:require("path").dirname(dst)+"/runs"};fs.writeFileSync(dst,JSON.stringify(c));' "$CFG" "$D/ws/check-$1-$2.json" "$1" "$2"
    echo "-- engine.provider $1, engine.resident $2"
    (cd "$D/ws" && timeout 120 "$W/node" "$B/dist/cli.js" train --config "check-$1-$2.json" 2>&1 | tr '\r' '\n' | grep -v '^$' | grep -E -i 'provider|error|step 300|done|final|steps/s|auto' | head -8)
  done
else
  echo "scaffold failed"
fi
rm -rf "$D"
echo "device check done in $(( SECONDS - T0 )) s"
rm -rf "$W"
exit $rc
