#!/usr/bin/python3
"""pixsed model trainer: simulate (pixsed CLI) -> train a conditional flow -> export ONNX sampler + manifest -> validate.

Usage (from the repo root):  npm run train -w tools/train -- --config tools/train/jades-delayed-tau.yaml
or directly:                 /usr/bin/python3 tools/train/train.py --config tools/train/jades-delayed-tau.yaml
See tools/train/README.md.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

from pixsed_train.catalog import load_catalog, simulate  # noqa: E402
from pixsed_train.config import load_config, output_dirs, resolve_colour_reference  # noqa: E402
from pixsed_train.features import build_features, nondetection_rule  # noqa: E402
from pixsed_train.log import log  # noqa: E402
from pixsed_train.manifest import build_manifest, file_sha256, git_commit, survey_depth, utc_now, write_manifest  # noqa: E402
from pixsed_train.params import param_setup  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True, help="training config YAML (e.g. tools/train/jades-delayed-tau.yaml)")
    ap.add_argument("--no-build", action="store_true", help="do not run `npx tsc -b apps/cli` before simulating")
    ap.add_argument("--reuse-model", action="store_true", help="skip training, load .work/<name>/flow.pt (re-export/validate)")
    ap.add_argument("--skip-onnx-check", action="store_true", help="do not run check-onnx.mjs (onnxruntime-node)")
    ap.add_argument("--resume-minutes", type=float, default=0, help="continue training .work/<name>/flow.pt for this many minutes")
    ap.add_argument("--emulator-only", action="store_true",
                    help="train and export only the PPC photometry emulator of an existing model (same cached catalogues); updates its manifest")
    ap.add_argument("--resume-lr-factor", type=float, default=0.3, help="lr0 of the resumed run = factor * training.lr")
    ap.add_argument("--resume-from", type=Path, default=None,
                    help="with --resume-minutes: start from this shipped model folder's sampler.pt and validation.json training history, not .work/<name>/flow.pt")
    return ap.parse_args(argv)


def write_emulator(cfg: dict, cat: dict, test: dict, out_dir: Path, threads: int, update_manifest: bool) -> None:
    """Step 8, the PPC photometry emulator (pixsed_train/emulator.py): trained on the flow's training catalogue,
    exported as <out_dir>/emulator.onnx, its held-out residuals and sha256 recorded in the manifest's `ppc` block."""
    import json

    from pixsed_train.emulator import emulator_residuals, export_emulator, ppc_manifest_block, train_emulator, write_emulator_examples

    names = [p["name"] for p in cfg["parameters"]]
    em, info = train_emulator(cat, names, cfg.get("emulator") or {}, threads)
    path = export_emulator(em, len(names), out_dir)
    write_emulator_examples(em, test, names, out_dir / "emulator-examples.json")
    res = emulator_residuals(em, test, names)
    for b, r in res.items():
        log(f"emulator {b}: held-out median {r['medianMag']:+.3f} mag, NMAD {r['nmadMag']:.3f}, within 1 sigma {r['within1Sigma']:.2f}")
    mf = out_dir / "manifest.json"
    if update_manifest:
        m = json.loads(mf.read_text())
        m["ppc"] = ppc_manifest_block(info, res, file_sha256(path), cat["bands"])
        mf.write_text(json.dumps(m, indent=1) + "\n")
        log(f"wrote the ppc block of {mf} (threshold: run `pixsed ppc-calibrate {out_dir}`)")


def record_matrix(cfg: dict, onnx_path: Path, work: Path) -> None:
    """Step 9 (optional, `validation.matrix`: one run {libraries, n?, noise?} or a list of them): train-on-A / test-on-B
    matrix of this model on fresh mocks of each SSP library (and noise model) from its own prior, through
    `pixsed validate-matrix --record`, which records the cells under `matrix` in its validation.json."""
    import subprocess

    runs = cfg["validation"].get("matrix") or []
    cli = REPO / "apps" / "cli" / "dist" / "main.js"
    for i, spec in enumerate(runs if isinstance(runs, list) else [runs]):
        cmd = ["node", str(cli), "validate-matrix", "--models", str(onnx_path), "--libraries", ",".join(spec["libraries"]),
               "--n", str(spec.get("n", 6000)), "--out", str(work / f"matrix-{i}"), "--record"]
        if spec.get("noise"):
            cmd += ["--noise", ",".join(spec["noise"])]
        log("matrix: " + " ".join(cmd))
        subprocess.run(cmd, check=True)


def main(argv: list[str] | None = None) -> None:
    """The steps in order (each in pixsed_train/, each with a unit test where it runs without torch)."""
    args = parse_args(argv)
    threads = int(load_config(args.config, REPO)[0]["training"].get("threads", 2))
    # pin OpenMP/OpenBLAS to the same count before torch loads: with training.threads 1 and their default pool a
    # second, spinning thread slowed training ~10x on a shared 2-core machine (measured 2026-12-01)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(threads))
    import torch

    from pixsed_train import validate as V
    from pixsed_train.export import export_sampler, library_versions
    from pixsed_train.training import obtain_flow

    t_start = time.time()
    cfg, cfg_path = load_config(args.config, REPO)  # 1. config resolution
    torch.set_num_threads(threads)
    work, out_dir = output_dirs(cfg, HERE, REPO)
    d_train = simulate(cfg, work, "train", build=not args.no_build, repo=REPO)  # 2. catalogues (cached)
    d_test = simulate(cfg, work, "test", build=False, repo=REPO)
    cat = load_catalog(d_train)
    if args.emulator_only:
        write_emulator(cfg, cat, load_catalog(d_test), out_dir, threads, update_manifest=True)
        return
    bands = cat["bands"]
    cfg = resolve_colour_reference(cfg, bands, cfg_path)
    rule = nondetection_rule(cfg)
    fb = build_features(cat["flux"], cat["err"], cat["z"], bands, rule)  # 3. features + standardization
    ps = param_setup(cfg, cat)
    if args.resume_from and not args.resume_minutes:
        raise SystemExit("--resume-from needs --resume-minutes (how long to continue training)")
    resume = {"minutes": args.resume_minutes, "lrFactor": args.resume_lr_factor, "fromModel": args.resume_from} if args.resume_minutes else None
    flow, tinfo = obtain_flow(cfg, work, cat, ps, fb, args.reuse_model, resume)  # 4. training loop
    sampler, onnx_path = export_sampler(flow, fb, ps, out_dir)  # 5. export
    test = load_catalog(d_test)
    res = V.run_validation(sampler, test, ps, fb, rule, cfg, bands, work, onnx_path, tinfo, args.skip_onnx_check)  # 7. validation
    V.write_validation(out_dir, res)
    data_dir = Path(os.environ.get("PIXSED_DATA_DIR", REPO.parent / "shared" / "data"))
    manifest = build_manifest(cfg, cfg_path, REPO, cat, ps, fb, rule, tinfo, res, model_sha256=file_sha256(onnx_path),  # 6. manifest
                              versions=library_versions(), depth=survey_depth(cfg["survey"], data_dir), git=git_commit(REPO), date=utc_now())
    write_manifest(out_dir, manifest)
    if cfg.get("emulator", {}) is not False:
        write_emulator(cfg, cat, test, out_dir, threads, update_manifest=True)
    V.write_feature_examples(out_dir / "feature-examples.json", test, fb["fillMag"], fb["fillMagErr"], rule, bands)
    log(f"wrote {out_dir}/manifest.json, validation.json, feature-examples.json; total {time.time() - t_start:.0f} s")
    record_matrix(cfg, onnx_path, work)
    for line in V.summary_lines(res):
        log(line)


if __name__ == "__main__":
    main()
