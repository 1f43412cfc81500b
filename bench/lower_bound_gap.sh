#!/usr/bin/env bash
# How far the proven lower bound sits below the arena (BENCHMARKS.md, "Lower bound"): every zoo
# model and every real model in models/, at mcu / cpu / gpu and R = 1.05 / 1.2 / 2 (model's own
# types, graph I/O not counted), one line per model with shared_bytes / lower_bound_bytes at
# each setting (mcu 1.05 1.2 2, cpu ..., gpu ...) and the bound's range in KiB over them, then
# the geometric mean over every (model, setting).
#   bench/lower_bound_gap.sh [BUILD_DIR]
source "$(dirname "$0")/zoo_setup.sh" "$@"
shape_args=()
for stem in "${!real_model_shapes[@]}"; do
  shape_args+=(--input-shape "$stem.onnx:${real_model_shapes[$stem]}")
done
# models/external (fetched, a symlink batch does not descend into) when present.
dirs=("$zoo" models)
[[ -d models/external ]] && dirs+=(models/external/)
for platform in mcu cpu gpu; do
  "$build/bufopt" batch "${dirs[@]}" "${shape_args[@]}" -R 1.05,1.2,2 --platform "$platform" --jobs 1 -q \
    --csv - 2>/dev/null | sed "s/^/$platform,/"
done | python3 -c '
import csv, math, sys
rows = [r for r in csv.reader(sys.stdin) if r[1] != "model"]
header = "platform,model,name,max_slowdown,status,exit_code,error,actors,buffers,macs,parameter_bytes," \
         "baseline_bytes,baseline_shared_bytes,live_peak_bytes,fifo_bytes,shared_bytes,lower_bound_bytes".split(",")
ratios, by_model, bounds = [], {}, {}
for r in rows:
    d = dict(zip(header, r))
    if d["status"] != "ok" or int(d["lower_bound_bytes"]) <= 0:
        continue
    ratio = int(d["shared_bytes"]) / int(d["lower_bound_bytes"])
    ratios.append(ratio)
    by_model.setdefault(d["model"].split("/")[-1], []).append(ratio)
    bounds.setdefault(d["model"].split("/")[-1], []).append(int(d["lower_bound_bytes"]) / 1024)
for model, values in sorted(by_model.items()):
    low, high = min(bounds[model]), max(bounds[model])
    print(f"{model:40s} " + " ".join(f"{v:6.2f}" for v in values) + f"   bound {low:,.0f}-{high:,.0f} KiB")
print(f"geometric mean arena / lower bound over {len(ratios)} (model, setting): "
      f"{math.exp(sum(map(math.log, ratios)) / len(ratios)):.2f}")
'
