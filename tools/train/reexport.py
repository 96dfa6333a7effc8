#!/usr/bin/python3
"""Re-export a shipped model's sampling graph from its own weights (<model-dir>/sampler.pt) with the current export
(pixsed_train/export.py: sampling_graph), as a new patch version of the same model, re-validated.

usage (from the repo root):
  /usr/bin/python3 tools/train/reexport.py --model-dir test-data/models/jades-delayed-tau-affine [--work DIR] [--dry-run]

Steps: load sampler.pt (the Sampler state_dict train.py wrote) and the training config named by the manifest
(provenance.trainConfig; its resolved sha256 must equal the manifest's trainConfigResolvedSha256, so the validation
settings are those of the training run); export the new graph; compare it with the original Sampler on the same
features + noise through onnxruntime-node (check-onnx.mjs, the check train.py runs); validate the new graph on the
training run's held-out test catalogue (tools/train/.work/<name>/sim-test, simulated again with the same seed if
missing) with the validation seed, and once more with seed + 1 to measure the metrics' own sampling noise; refuse
(exit 1, nothing written) when the ONNX check exceeds 1e-4 or a metric moved by more than its noise; else write
model.onnx, bump the manifest's patch version, its modelSha256, sampler.graph, validation block and
provenance.reexports, and validation.json's metrics. sampler.pt, the PPC block and emulator files, feature-examples.json
and the training record are left as they are. A model whose graph would not change (a spline flow, or one already
exported with the current graph) is left alone (exit 0).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

from pixsed_train.config import load_config, resolve_colour_reference  # noqa: E402
from pixsed_train.log import log  # noqa: E402

ONNX_MAX_ABS_DIFF = 1e-4
# a metric may move by its own sampling noise (|seed - seed+1| difference) or by this floor, whichever is larger
# (coverage: 10 objects of the 2,000 validation objects)
METRIC_FLOORS = {"r2": 1e-3, "bias": 2e-3, "nmad": 2e-3, "coverage68": 0.005, "coverage95": 0.005}


def bump_patch(version: str, where: str) -> str:
    m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", version)
    if not m:
        raise SystemExit(f"{where}: version '{version}' is not MAJOR.MINOR.PATCH")
    return f"{m[1]}.{m[2]}.{int(m[3]) + 1}"


def metric_changes(old: dict, new: dict, noise: dict) -> list[dict]:
    """Per parameter and metric of METRIC_FLOORS: old, new, the seed noise and whether |new - old| is within
    max(|noise|, floor)."""
    rows = []
    for p, m_old in old.items():
        for k, floor in METRIC_FLOORS.items():
            d, n = new[p][k] - m_old[k], abs(noise[p][k] - new[p][k])
            rows.append({"parameter": p, "metric": k, "old": m_old[k], "new": new[p][k], "seedNoise": n,
                         "ok": abs(d) <= max(n, floor)})
    return rows


def write_json_as_before(path: Path, obj: dict, before: str) -> None:
    """Write `obj` as indented JSON in the number style `before` was written in: Python's json (train.py) or
    JavaScript's JSON.stringify (pixsed ppc-calibrate --update-manifest rewrites the manifest), so that the blocks a
    re-export leaves alone (the PPC block) stay byte-identical."""
    import subprocess

    if json.dumps(json.loads(before), indent=1) + "\n" == before:
        path.write_text(json.dumps(obj, indent=1) + "\n")
        return
    js = "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>process.stdout.write(JSON.stringify(JSON.parse(s),null,1)+'\\n'))"
    r = subprocess.run(["node", "-e", js], input=json.dumps(obj, allow_nan=False), capture_output=True, text=True, check=True)
    path.write_text(r.stdout)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", required=True, type=Path, help="a shipped model folder (manifest.json, sampler.pt, model.onnx)")
    ap.add_argument("--work", type=Path, help="work dir with sim-test/ (default tools/train/.work/<name>)")
    ap.add_argument("--dry-run", action="store_true", help="export, check and validate, but write nothing into the model folder")
    return ap.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    md = args.model_dir.resolve()
    mf = md / "manifest.json"
    if not mf.exists():
        raise SystemExit(f"{mf}: missing (expected a model folder)")
    man_text = mf.read_text()
    man = json.loads(man_text)
    prov = man.get("provenance") or {}
    if "trainConfig" not in prov:
        raise SystemExit(f"{mf}: provenance.trainConfig missing: cannot find the validation settings")
    cfg, cfg_path = load_config(prov["trainConfig"], REPO)
    cfg = resolve_colour_reference(cfg, man["bands"], cfg_path)
    if cfg["name"] != man["name"]:
        raise SystemExit(f"{cfg_path}: name '{cfg['name']}' but {mf} is model '{man['name']}'")
    resolved = hashlib.sha256(json.dumps(cfg, sort_keys=True).encode()).hexdigest()
    if prov.get("trainConfigResolvedSha256") not in (None, resolved):
        raise SystemExit(f"{cfg_path}: resolved config sha256 {resolved} differs from {mf} provenance.trainConfigResolvedSha256 "
                         f"{prov['trainConfigResolvedSha256']}: the config changed since training (validation settings may differ)")
    threads = int(cfg["training"].get("threads", 2))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(threads))
    import numpy as np
    import torch

    from bench_torch import load_sampler
    from pixsed_train import validate as V
    from pixsed_train.catalog import load_catalog, simulate
    from pixsed_train.export import export_onnx, library_versions, sampling_graph
    from pixsed_train.features import compute_features, nondetection_rule
    from pixsed_train.manifest import file_sha256, git_commit, utc_now

    torch.set_num_threads(threads)
    sampler, _ = load_sampler(md)
    graph, gname = sampling_graph(sampler)
    old_graph = man["sampler"].get("graph", "sampler")
    if gname == old_graph:
        log(f"{md.name}: model.onnx is already the '{gname}' graph: nothing to re-export")
        return 0
    # the feature rule of the manifest must be the config's (the graph is fed features computed with it)
    rule = nondetection_rule(cfg)
    fman = man["features"]
    if (fman["nonDetection"]["snrMin"], fman["nonDetection"]["magErr"], fman["clip"]["mag"]) != (rule["snrMin"], rule["magErrNonDet"], rule["magClip"]):
        raise SystemExit(f"{mf}: features.nonDetection/clip differ from {cfg_path}'s rule {rule}")
    fm = np.array(fman["missingBand"]["fillMag"])
    fe = np.array(fman["missingBand"]["fillMagErr"])
    names = [p["name"] for p in man["parameters"]]
    D = len(names)
    work = (args.work or HERE / ".work" / man["name"]).resolve()
    work.mkdir(parents=True, exist_ok=True)
    test = load_catalog(simulate(cfg, work, "test", build=False, repo=REPO))
    if test["bands"] != man["bands"]:
        raise SystemExit(f"{work}/sim-test: bands {test['bands']} differ from {mf}'s {man['bands']}")
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="pixsed-reexport-") as tmp:
        tmp = Path(tmp)
        onnx_new = tmp / "model.onnx"
        example = compute_features(test["flux"][:4], test["err"][:4], test["z"][:4], fm, fe, rule)
        export_onnx(graph, example, D, onnx_new)
        check = V.onnx_check(sampler, test, fm, fe, rule, tmp, onnx_new, D)  # original Sampler vs the new ONNX graph
        if "maxAbsDiff" not in check:
            raise SystemExit(f"ONNX check failed: {check.get('error')}")
        log(f"ONNX ({gname}) vs the original Sampler on 64 test rows x 100 samples: max |d| {check['maxAbsDiff']:.3g}")
        ps = {"names": names}
        vcfg = cfg["validation"]
        res = V.validate(graph, test, ps, fm, fe, rule, vcfg, man["bands"])
        noise = V.validate(graph, test, ps, fm, fe, rule, {**vcfg, "seed": vcfg.get("seed", 7) + 1, "missingBandTests": None}, man["bands"])
        changes = metric_changes(man["validation"]["metrics"], res["metrics"], noise["metrics"])
        for r in changes:
            log(f"  {r['parameter']:12s} {r['metric']:10s} {r['old']:+.5f} -> {r['new']:+.5f} (seed noise {r['seedNoise']:.5f}){'' if r['ok'] else '  OUTSIDE NOISE'}")
        bad = [r for r in changes if not r["ok"]]
        if check["maxAbsDiff"] > ONNX_MAX_ABS_DIFF or bad:
            log(f"refused: ONNX max |d| {check['maxAbsDiff']:.3g} (limit {ONNX_MAX_ABS_DIFF}), {len(bad)} metric(s) outside their noise; nothing written")
            return 1
        if args.dry_run:
            log("dry run: nothing written")
            return 0
        new_version = bump_patch(man["version"], str(mf))
        record = {"fromVersion": man["version"], "fromModelSha256": man["modelSha256"], "fromGraph": old_graph, "graph": gname,
                  "weights": "sampler.pt (unchanged)", "command": f"tools/train/reexport.py --model-dir {md.relative_to(REPO) if md.is_relative_to(REPO) else md}",
                  "onnxMaxAbsDiff": check["maxAbsDiff"], **library_versions(), "date": utc_now(), "gitCommit": git_commit(REPO)}
        ppc_before = json.dumps(man.get("ppc"), sort_keys=True)
        target = md / "model.onnx"
        target.write_bytes(onnx_new.read_bytes())
    man["version"] = new_version
    man["modelSha256"] = file_sha256(target)
    man["sampler"]["graph"] = gname
    man["provenance"]["reexports"] = [*prov.get("reexports", []), record]
    val_goals = V.goals(res)
    man["validation"] = {**man["validation"], "selection": res["selection"], "metrics": res["metrics"],
                         "onnxMaxAbsDiff": check["maxAbsDiff"], "goals": val_goals}
    assert json.dumps(man.get("ppc"), sort_keys=True) == ppc_before
    write_json_as_before(mf, man, man_text)
    vf = md / "validation.json"
    val_text = vf.read_text() if vf.exists() else "{}\n"
    val = json.loads(val_text)
    val.update({k: res[k] for k in ("selection", "metrics", "missingBandTests", "metricsNoSnrCut", "validationSeconds") if k in res})
    val["onnxCheck"] = check
    val["goals"] = val_goals
    val["reexport"] = {**record, "version": new_version, "changes": changes, "seedNoiseSeed": vcfg.get("seed", 7) + 1}
    write_json_as_before(vf, val, val_text)
    log(f"{md.name}: v{record['fromVersion']} -> v{new_version} ({gname} graph, sha256 {man['modelSha256'][:12]}…) in {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
