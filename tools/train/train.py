#!/usr/bin/python3
"""pixsed model trainer: simulate (pixsed CLI) -> train a conditional flow -> export ONNX sampler + manifest -> validate.

Usage (from the repo root):  npm run train -w tools/train -- --config tools/train/jades-delayed-tau.yaml
or directly:                 /usr/bin/python3 tools/train/train.py --config tools/train/jades-delayed-tau.yaml
See tools/train/README.md.
"""
from __future__ import annotations

import argparse
import copy
import datetime as dt
import hashlib
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

from pixsed_train.config import check_required, read_config, source_digest  # noqa: E402
from pixsed_train.features import (  # noqa: E402
    AB_ZERO_POINT_NJY,
    DEFAULT_RULE,
    MAG_ERR_FACTOR,
    block,
    compute_features,
    feature_layout,
    feature_names,
    fill_values,
    mean_snr,
)

PARAM_DOC = {
    "log_mstar": ("log10(Msun)", "log10 surviving stellar mass (living stars + remnants) in the pixel"),
    "log_sfr100": ("log10(Msun/yr)", "log10 SFR averaged over the last 100 Myr (simulator floors it at logSfrFloor)"),
    "log_sfr10": ("log10(Msun/yr)", "log10 SFR averaged over the last 10 Myr"),
    "log_age_mw": ("log10(yr)", "log10 mass-weighted stellar age"),
    "t50_gyr": ("Gyr", "lookback time at which half the stellar mass had formed"),
    "metallicity": ("dex", "[M/H] = log10(Z/Zsun)"),
    "av": ("mag", "Calzetti (2000) V-band attenuation A_V"),
}


def log(msg: str) -> None:
    print(f"[train] {msg}", flush=True)


# ----------------------------------------------------------------------------------------------------------- config
def load_config(path_arg: str) -> tuple[dict, Path]:
    base = Path(os.environ.get("INIT_CWD", os.getcwd()))
    p = Path(path_arg)
    if not p.is_absolute():
        p = (base / p) if (base / p).exists() else (REPO / p)
    cfg = read_config(p)
    check_required(cfg, p)
    return cfg, p.resolve()


def git_commit() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "tools/train"], cwd=REPO, capture_output=True, text=True).stdout.strip()
        return sha + ("-dirty(tools/train)" if dirty else "")
    except Exception:  # noqa: BLE001
        return "unknown"


# ------------------------------------------------------------------------------------------------------- simulation
def simulator_digest() -> str:
    """Digest of the simulator's sources: a cached catalogue is reused only if the code that drew it is unchanged."""
    return source_digest(REPO / "libs" / "simulator" / "src")


def simulate(cfg: dict, work: Path, split: str, build: bool) -> Path:
    sim_cfg = cfg["simulator"]
    spec = cfg["simulate"][split]
    out = work / f"sim-{split}"
    meta = out / "simulation.json"
    key_file = out / "simulator-digest.txt"
    digest = simulator_digest()
    if meta.exists() and (out / "catalog.npy").exists():
        m = json.loads(meta.read_text())
        same_code = key_file.exists() and key_file.read_text().strip() == digest
        if m.get("n") == spec["n"] and m.get("seed") == spec["seed"] and m.get("config") == sim_cfg and m.get("survey") == cfg["survey"]:
            if same_code:
                log(f"simulate {split}: reusing {out} (same survey, n, seed, config, simulator sources {digest})")
                return out
            log(f"simulate {split}: simulator sources changed since {out} was drawn: simulating again")
    sims_yaml = work / "sims.yaml"
    sims_yaml.write_text(yaml.safe_dump(sim_cfg, sort_keys=False))
    cli = REPO / "apps" / "cli" / "dist" / "main.js"
    if build or not cli.exists():
        log("building the CLI (npx tsc -b apps/cli)")
        subprocess.run(["npx", "tsc", "-b", "apps/cli"], cwd=REPO, check=True)
    cmd = ["node", str(cli), "simulate", "--survey", cfg["survey"], "--n", str(spec["n"]), "--seed", str(spec["seed"]),
           "--out", str(out), "--format", "npy", "--config", str(sims_yaml)]
    log("simulate " + split + ": " + " ".join(cmd))
    t0 = time.time()
    subprocess.run(cmd, cwd=REPO, check=True)
    key_file.write_text(digest + "\n")
    log(f"simulate {split}: {time.time() - t0:.0f} s")
    return out


def load_catalog(d: Path) -> dict:
    meta = json.loads((d / "catalog.columns.json").read_text())
    arr = np.load(d / "catalog.npy")
    cols = meta["columns"]
    bands = meta["bands"]
    col = lambda n: arr[:, cols.index(n)].astype(np.float64)  # noqa: E731
    return {
        "meta": meta,
        "sim": json.loads((d / "simulation.json").read_text()),
        "bands": bands,
        "flux": np.stack([col(f"flux_{b}_njy") for b in bands], axis=1),
        "err": np.stack([col(f"flux_{b}_err_njy") for b in bands], axis=1),
        "z": col("z"),
        "col": col,
    }


# ---------------------------------------------------------------------------------------------------- param transforms
def param_setup(cfg: dict, cat: dict) -> dict:
    names, logit, lo, hi = [], [], [], []
    raw = []
    for p in cfg["parameters"]:
        v = cat["col"](p["name"])
        names.append(p["name"])
        is_logit = p.get("transform", "identity") == "logit"
        logit.append(is_logit)
        vmin, vmax = float(v.min()), float(v.max())
        a, b = float(p.get("min", vmin)), float(p.get("max", vmax))
        if is_logit and (vmin < a - 1e-6 or vmax > b + 1e-6):
            raise SystemExit(f"parameter {p['name']}: training values [{vmin}, {vmax}] outside logit bounds [{a}, {b}]")
        lo.append(a)
        hi.append(b)
        raw.append(v)
    raw = np.stack(raw, axis=1)
    ps = {"names": names, "logit": np.array(logit), "lo": np.array(lo), "hi": np.array(hi)}
    u = to_unbounded(raw, ps)
    ps["mean"], ps["std"] = u.mean(0), u.std(0)
    return ps


def to_unbounded(theta: np.ndarray, ps: dict) -> np.ndarray:
    out = theta.copy()
    for j, lg in enumerate(ps["logit"]):
        if lg:
            u = np.clip((theta[:, j] - ps["lo"][j]) / (ps["hi"][j] - ps["lo"][j]), 1e-6, 1 - 1e-6)
            out[:, j] = np.log(u / (1 - u))
    return out


def params_of(cat: dict, ps: dict) -> np.ndarray:
    return np.stack([cat["col"](n) for n in ps["names"]], axis=1)


# ------------------------------------------------------------------------------------------------------------ train
def train(cfg: dict, work: Path, cat: dict, ps: dict, feat: np.ndarray, feat_mean, feat_std, fills, resume=None) -> tuple:
    import torch

    from pixsed_train.flow import ConditionalFlow

    tc = cfg["training"]
    torch.manual_seed(tc.get("seed", 0))
    rng = np.random.default_rng(tc.get("seed", 0))
    nb = len(cat["bands"])
    raw = params_of(cat, ps)
    # point masses (e.g. log_sfr100 floored at logSfrFloor when no stars formed in the window) make the likelihood
    # unbounded and training unstable: spread them uniformly over [floor - width, floor] (documented in the README)
    for dq in tc.get("floorDequantize", []) or []:
        j = ps["names"].index(dq["param"])
        at = raw[:, j] <= dq["floor"] + 1e-6
        raw[at, j] = dq["floor"] - dq["width"] * rng.random(int(at.sum()))
        log(f"dequantized {int(at.sum())} rows of {dq['param']} at the floor {dq['floor']} over width {dq['width']}")
    theta = (to_unbounded(raw, ps) - ps["mean"]) / ps["std"]
    fstd = (feat - feat_mean) / feat_std
    n = len(fstd)
    perm = rng.permutation(n)
    n_val = int(round(n * tc.get("valFraction", 0.1)))
    iv, it = perm[:n_val], perm[n_val:]
    Xt, Ft = torch.tensor(theta[it], dtype=torch.float32), torch.tensor(fstd[it], dtype=torch.float32)
    Xv, Fv = torch.tensor(theta[iv], dtype=torch.float32), torch.tensor(fstd[iv], dtype=torch.float32)

    # missing-band augmentation on standardized features: a dropped band gets the fill mag/magErr, nondet 0, missing 1
    L = feature_layout(cat["bands"])
    MAG, ERR, ND, MISS = (block(L, k) for k in ("mag", "magErr", "nondet", "missing"))
    fill_mag_std = torch.tensor((fills[0] - feat_mean[MAG]) / feat_std[MAG], dtype=torch.float32)
    fill_err_std = torch.tensor((fills[1] - feat_mean[ERR]) / feat_std[ERR], dtype=torch.float32)
    aug = cfg["training"].get("missingBandAugmentation", {"rowProbability": 0.0, "bandProbability": 0.0})
    p_row, p_band = float(aug.get("rowProbability", 0)), float(aug.get("bandProbability", 0))
    miss_std = torch.tensor((1.0 - feat_mean[MISS]) / feat_std[MISS], dtype=torch.float32)
    nd_zero_std = torch.tensor((0.0 - feat_mean[ND]) / feat_std[ND], dtype=torch.float32)

    def augment(F_, gen):
        if p_row <= 0:
            return F_
        B = F_.shape[0]
        row = torch.rand(B, 1, generator=gen) < p_row
        drop = (torch.rand(B, nb, generator=gen) < p_band) & row
        F_ = F_.clone()
        F_[:, MAG] = torch.where(drop, fill_mag_std.expand(B, -1), F_[:, MAG])
        F_[:, ERR] = torch.where(drop, fill_err_std.expand(B, -1), F_[:, ERR])
        F_[:, ND] = torch.where(drop, nd_zero_std.expand(B, -1), F_[:, ND])
        F_[:, MISS] = torch.where(drop, miss_std.expand(B, -1), F_[:, MISS])
        return F_

    gv = torch.Generator().manual_seed(12345)
    Fv_aug = augment(Fv, gv)

    flow = ConditionalFlow(feat.shape[1], len(ps["names"]), cfg["flow"])
    if flow.n_col:  # colour statistics from the training rows (features[:, MAG] are AB magnitudes)
        mags = feat[it, MAG]
        cols = mags - mags[:, flow.col_ref : flow.col_ref + 1]
        cstd = cols.std(0)
        flow.set_colour_stats(feat_mean[MAG], feat_std[MAG], cols.mean(0), np.where(cstd < 1e-6, 1.0, cstd))
        log(f"colour features m_b - m_{cat['bands'][flow.col_ref]} for {nb} bands")
    prev = None
    if resume:  # continue from .work/<name>/flow.pt (same flow config) with lr0 = resume["lrFactor"] * lr
        ck = torch.load(work / "flow.pt")
        flow.load_state_dict(ck["state"])
        prev = json.loads((work / "train-info.json").read_text())
        tc = {**tc, "lr": tc.get("lr", 1e-3) * resume["lrFactor"], "maxMinutes": resume["minutes"]}
        log(f"resuming from {work / 'flow.pt'} (epochs {prev['epochs']}), lr0 {tc['lr']:.1e}, {resume['minutes']} min")
    aux_w = float(tc.get("auxiliaryLossWeight", 0.0))
    aux_head = torch.nn.Linear(cfg["flow"]["contextDim"], len(ps["names"])) if aux_w > 0 else None
    params = list(flow.parameters()) + (list(aux_head.parameters()) if aux_head is not None else [])
    opt = torch.optim.AdamW(params, lr=tc.get("lr", 1e-3), weight_decay=tc.get("weightDecay", 1e-5))
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=tc.get("lrPatience", 3))
    bs = tc.get("batchSize", 512)
    cosine = tc.get("schedule", "plateau") == "cosine-time"
    lr0 = tc.get("lr", 1e-3)
    gtr = torch.Generator().manual_seed(tc.get("seed", 0) + 1)
    best, best_state, best_epoch, bad = math.inf, None, -1, 0
    history = []
    t0 = time.time()
    max_s = tc.get("maxMinutes", 20) * 60
    epoch = 0
    for epoch in range(1, tc.get("maxEpochs", 100) + 1):
        flow.train()
        order = torch.randperm(len(Xt), generator=gtr)
        tot, cnt, skipped = 0.0, 0, 0
        for k in range(0, len(order), bs):
            idx = order[k:k + bs]
            lp, ctx = flow.log_prob(Xt[idx], augment(Ft[idx], gtr), return_ctx=True)
            loss = -lp.mean()
            if aux_head is not None:  # auxiliary point-estimate loss on the context: speeds up learning the embedding
                loss = loss + aux_w * (aux_head(ctx) - Xt[idx]).abs().sum(-1).mean()
            if not torch.isfinite(loss):
                skipped += 1
                continue
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, tc.get("gradClip", 5.0))
            opt.step()
            if cosine:  # cosine decay over the wall-clock budget (training is time-limited on shared CPUs)
                frac = min(1.0, (time.time() - t0) / max_s)
                for grp in opt.param_groups:
                    grp["lr"] = lr0 * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * frac)))
            tot += loss.item() * len(idx)
            cnt += len(idx)
        flow.eval()
        with torch.no_grad():
            vl = sum(-flow.log_prob(Xv[k:k + 8192], Fv_aug[k:k + 8192]).sum().item() for k in range(0, len(Xv), 8192)) / len(Xv)
        if not cosine:
            sched.step(vl)
        el = time.time() - t0
        history.append({"epoch": epoch, "train_nll": tot / cnt, "val_nll": vl, "lr": opt.param_groups[0]["lr"], "seconds": round(el, 1), "skippedBatches": skipped})
        log(f"epoch {epoch:3d} train {tot / cnt:.4f} val {vl:.4f} lr {opt.param_groups[0]['lr']:.1e} {el:.0f}s")
        if vl < best - 1e-4:
            best, best_epoch, bad = vl, epoch, 0
            best_state = copy.deepcopy(flow.state_dict())
        else:
            bad += 1
        if bad >= tc.get("patience", 8):
            log(f"early stop at epoch {epoch} (best {best_epoch})")
            break
        if el > max_s:
            log(f"time limit {max_s / 60:.0f} min reached at epoch {epoch} (best {best_epoch})")
            break
    flow.load_state_dict(best_state)
    flow.eval()
    torch.save({"state": best_state, "flow": cfg["flow"], "n_feat": feat.shape[1]}, work / "flow.pt")
    info = {"n_train": int(len(it)), "n_val": int(len(iv)), "epochs": epoch, "best_epoch": best_epoch, "best_val_nll": best,
            "train_seconds": round(time.time() - t0, 1), "history": history}
    if prev is not None:
        info = {**info, "epochs": prev["epochs"] + info["epochs"], "best_epoch": prev["epochs"] + info["best_epoch"],
                "train_seconds": round(prev["train_seconds"] + info["train_seconds"], 1),
                "history": prev["history"] + [{**h, "epoch": prev["epochs"] + h["epoch"], "resumed": True} for h in history],
                "resumed": {"fromEpochs": prev["epochs"], "lr0": tc["lr"], "minutes": resume["minutes"]}}
    return flow, info


# ------------------------------------------------------------------------------------------------------------ main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True, help="training config YAML (e.g. tools/train/jades-delayed-tau.yaml)")
    ap.add_argument("--no-build", action="store_true", help="do not run `npx tsc -b apps/cli` before simulating")
    ap.add_argument("--reuse-model", action="store_true", help="skip training, load .work/<name>/flow.pt (re-export/validate)")
    ap.add_argument("--skip-onnx-check", action="store_true", help="do not run check-onnx.mjs (onnxruntime-node)")
    ap.add_argument("--resume-minutes", type=float, default=0, help="continue training .work/<name>/flow.pt for this many minutes")
    ap.add_argument("--resume-lr-factor", type=float, default=0.3, help="lr0 of the resumed run = factor * training.lr")
    args = ap.parse_args()

    import torch

    from pixsed_train.flow import Sampler
    from pixsed_train import validate as V

    cfg, cfg_path = load_config(args.config)
    torch.set_num_threads(int(cfg["training"].get("threads", 2)))
    name = cfg["name"]
    work = HERE / ".work" / name
    work.mkdir(parents=True, exist_ok=True)
    out_dir = REPO / cfg.get("outDir", f"test-data/models/{name}")
    out_dir.mkdir(parents=True, exist_ok=True)
    t_start = time.time()

    d_train = simulate(cfg, work, "train", build=not args.no_build)
    d_test = simulate(cfg, work, "test", build=False)
    cat = load_catalog(d_train)
    bands = cat["bands"]
    nb = len(bands)
    if cfg["flow"].get("colourReferenceBand"):  # resolve to indices for ConditionalFlow (stored with the checkpoint)
        ref = cfg["flow"]["colourReferenceBand"]
        if ref not in bands:
            raise SystemExit(f"{cfg_path}: flow.colourReferenceBand '{ref}' is not a band of survey {cfg['survey']} ({', '.join(bands)})")
        cfg["flow"] = {**cfg["flow"], "colours": {"nBands": nb, "refIndex": bands.index(ref)}}
    rule = {**DEFAULT_RULE, **cfg.get("features", {}).get("nonDetection", {})}

    fm, fe = fill_values(cat["flux"], cat["err"], rule)
    feat = compute_features(cat["flux"], cat["err"], cat["z"], fm, fe, rule).astype(np.float64)
    feat_mean, feat_std = feat.mean(0), feat.std(0)
    L = feature_layout(bands)
    for k in ("nondet", "missing"):  # 0/1 flags are not standardized
        feat_mean[block(L, k)], feat_std[block(L, k)] = 0.0, 1.0
    feat_std = np.where(feat_std < 1e-6, 1.0, feat_std)
    ps = param_setup(cfg, cat)

    if args.reuse_model:
        from pixsed_train.flow import ConditionalFlow

        ck = torch.load(work / "flow.pt")
        flow = ConditionalFlow(ck["n_feat"], len(ps["names"]), ck["flow"])
        flow.load_state_dict(ck["state"])
        flow.eval()
        tinfo = json.loads((work / "train-info.json").read_text())
    else:
        resume = {"minutes": args.resume_minutes, "lrFactor": args.resume_lr_factor} if args.resume_minutes else None
        flow, tinfo = train(cfg, work, cat, ps, feat, feat_mean, feat_std, (fm, fe), resume)
        (work / "train-info.json").write_text(json.dumps(tinfo, indent=1))

    sampler = Sampler(flow, feat_mean, feat_std, ps["mean"], ps["std"], ps["logit"], ps["lo"], ps["hi"]).eval()
    torch.save(sampler.state_dict(), out_dir / "sampler.pt")  # same weights for the PyTorch peer (tools/train/bench_torch.py)

    # ---------------------------------------------------------------- export
    onnx_path = out_dir / "model.onnx"
    D = len(ps["names"])
    with torch.no_grad():
        torch.onnx.export(
            sampler,
            (torch.tensor(feat[:4], dtype=torch.float32), torch.randn(4, 3, D)),
            str(onnx_path),
            input_names=["features", "noise"],
            output_names=["samples"],
            dynamic_axes={"features": {0: "N"}, "noise": {0: "N", 1: "S"}, "samples": {0: "N", 1: "S"}},
            opset_version=17,
        )
    import onnx

    onnx.checker.check_model(onnx.load(str(onnx_path)))
    log(f"exported {onnx_path} ({onnx_path.stat().st_size / 1e6:.2f} MB)")

    # ---------------------------------------------------------------- validation
    test = load_catalog(d_test)
    vcfg = cfg["validation"]
    res = V.validate(sampler, test, ps, fm, fe, rule, vcfg, bands)
    res["onnxCheck"] = V.onnx_check(sampler, test, fm, fe, rule, work, onnx_path, D, skip=args.skip_onnx_check)
    res["throughput"] = V.throughput(sampler, feat, D, vcfg, (int(cfg["training"].get("sampleThreads", 2)), 1))
    res["training"] = {k: tinfo[k] for k in ("n_train", "n_val", "epochs", "best_epoch", "best_val_nll", "train_seconds")}
    res["training"]["history"] = tinfo["history"]
    res["goals"] = V.goals(res)
    (out_dir / "validation.json").write_text(json.dumps(res, indent=1) + "\n")

    # ---------------------------------------------------------------- manifest
    fnames = feature_names(bands)
    tr_min, tr_max = feat.min(0), feat.max(0)
    sim_meta = cat["sim"]
    noise_cfg = (cfg["simulator"].get("noise") or {})
    depth = None
    try:
        depth_path = Path(os.environ.get("PIXSED_DATA_DIR", REPO.parent / "shared" / "data")) / "noise" / "jades" / "background_noise_hainline.npy"
        if cfg["survey"] == "jades" and depth_path.exists():
            depth = [float(v) * 1000.0 for v in np.load(depth_path)]
    except Exception:  # noqa: BLE001
        depth = None
    manifest = {
        "name": name,
        "version": cfg["version"],
        "description": cfg.get("description", ""),
        "survey": cfg["survey"],
        "model": "model.onnx",
        # pins the exported graph: PosteriorModel.load refuses a model.onnx with another hash
        "modelSha256": hashlib.sha256(onnx_path.read_bytes()).hexdigest(),
        "bands": bands,
        "features": {
            "transform": "ab-mag-err-z",
            "count": len(fnames),
            "names": fnames,
            "layout": "[mag_b for b in bands] + [mag_err_b] + [nondet_b] + [missing_b] + [z]",
            "fluxUnit": "nJy",
            "magZeroPoint": AB_ZERO_POINT_NJY,
            "mag": "mag = -2.5*log10(flux_njy) + magZeroPoint",
            "magErr": "mag_err = min(magErrFactor * err_njy / flux_njy, nonDetection.magErr)",
            "magErrFactor": MAG_ERR_FACTOR,
            "nonDetection": {
                "rule": "not missing and not (flux_njy / err_njy >= snrMin)   (includes flux <= 0)",
                "snrMin": rule["snrMin"],
                "mag": "-2.5*log10(snrMin * err_njy) + magZeroPoint",
                "magErr": rule["magErrNonDet"],
                "flag": "nondet_b = 1 (0 otherwise)",
            },
            "missingBand": {
                "rule": "not isFinite(flux_njy) or not isFinite(err_njy) or err_njy <= 0",
                "fillMag": [float(v) for v in fm],
                "fillMagErr": [float(v) for v in fe],
                "flag": "missing_b = 1 (0 otherwise); nondet_b = 0",
                "trainedWithAugmentation": cfg["training"].get("missingBandAugmentation", {}),
            },
            "clip": {"mag": rule["magClip"], "appliedTo": "mag after the detection / non-detection / missing rules"},
            "z": "spectroscopic (or fixed) redshift, unchanged",
            "standardize": {"mean": [float(v) for v in feat_mean], "std": [float(v) for v in feat_std], "appliedInGraph": True,
                            "note": "the ONNX graph computes (features - mean) / std itself: feed unstandardized features"},
        },
        "parameters": [
            {"name": n, "unit": PARAM_DOC.get(n, ("", ""))[0], "description": PARAM_DOC.get(n, ("", ""))[1],
             "priorMin": float(ps["lo"][j]) if ps["logit"][j] else float(params_of(cat, ps)[:, j].min()),
             "priorMax": float(ps["hi"][j]) if ps["logit"][j] else float(params_of(cat, ps)[:, j].max()),
             "priorKind": ("two-component uniform mixture (simulatorConfig.avMagLowDust; bounded: samples lie strictly inside)"
                           if n == "av" and cfg["simulator"].get("avMagLowDust") else "uniform (bounded: samples lie strictly inside)")
                          if ps["logit"][j] else "derived (range of the training set; samples unbounded)",
             "transformInGraph": "logit" if ps["logit"][j] else "identity",
             **({"note": f"training values at the floor {dq[0]['floor']} were spread uniformly over [{dq[0]['floor'] - dq[0]['width']}, {dq[0]['floor']}]: samples <= {dq[0]['floor']} mean 'no star formation in the window'"}
                if (dq := [d for d in (cfg["training"].get("floorDequantize") or []) if d["param"] == n]) else {})}
            for j, n in enumerate(ps["names"])
        ],
        "trainingRanges": {"features": {"names": fnames, "min": [float(v) for v in tr_min], "max": [float(v) for v in tr_max]},
                           "z": {"min": float(cat["z"].min()), "max": float(cat["z"].max())}},
        "noiseModel": {"survey": cfg["survey"], "mode": noise_cfg.get("mode", "sbipix"),
                       "missingBandProbability": noise_cfg.get("missingBandProbability", 0),
                       "depth1SigmaNjy": depth, "simulatorConfig": sim_meta.get("config"),
                       "description": "SBIPIX per-pixel JADES noise (Iglesias-Navarro et al. 2025): true flux <= 1 sigma depth -> flux 0, error = depth; otherwise m_obs = m + N(0, sigma_mag(m)), err = f_obs*sigma_mag*ln10/2.5"},
        "sampler": {"format": "onnx", "opset": 17, "inputNames": ["features", "noise"], "outputName": "samples",
                    "inputs": {"features": {"dtype": "float32", "shape": ["N", len(fnames)], "note": "unstandardized features (this manifest's transform)"},
                               "noise": {"dtype": "float32", "shape": ["N", "S", D], "note": "i.i.d. standard normal from the caller's seeded PRNG"}},
                    "output": {"dtype": "float32", "shape": ["N", "S", D], "note": "posterior samples in physical units, parameter order = parameters[]"},
                    "noiseDim": D, "flow": cfg["flow"]},
        "provenance": {"trainConfig": str(cfg_path.relative_to(REPO)) if str(cfg_path).startswith(str(REPO)) else str(cfg_path),
                       "trainConfigSha256": hashlib.sha256(cfg_path.read_bytes()).hexdigest(),
                       # after `extends` is resolved: pins the whole config, parent files included
                       "trainConfigResolvedSha256": hashlib.sha256(json.dumps(cfg, sort_keys=True).encode()).hexdigest(),
                       "simulatorConfig": sim_meta.get("config"), "survey": sim_meta.get("survey"),
                       "simulation": {"train": {"n": cfg["simulate"]["train"]["n"], "seed": cfg["simulate"]["train"]["seed"]},
                                      "test": {"n": cfg["simulate"]["test"]["n"], "seed": cfg["simulate"]["test"]["seed"]}},
                       "n_train": tinfo["n_train"], "n_val": tinfo["n_val"], "seed": cfg["training"].get("seed", 0),
                       "epochs": tinfo["epochs"], "bestEpoch": tinfo["best_epoch"], "trainSeconds": tinfo["train_seconds"],
                       "resumed": tinfo.get("resumed"),
                       "torch": torch.__version__, "onnx": onnx.__version__, "python": sys.version.split()[0],
                       "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "gitCommit": git_commit()},
        "validation": {"file": "validation.json", "selection": res["selection"], "metrics": res["metrics"],
                       "onnxMaxAbsDiff": res["onnxCheck"].get("maxAbsDiff"), "goals": res["goals"]},
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    V.write_feature_examples(out_dir / "feature-examples.json", test, fm, fe, rule, bands)
    log(f"wrote {out_dir}/manifest.json, validation.json, feature-examples.json; total {time.time() - t_start:.0f} s")
    for p, m in res["metrics"].items():
        log(f"  {p:12s} R2 {m['r2']:.4f} bias {m['bias']:+.4f} nmad {m['nmad']:.4f} out {m['outlierFraction']:.3f} "
            f"cov68 {m['coverage68']:.3f} cov95 {m['coverage95']:.3f}")
    log(f"  onnx max|d| {res['onnxCheck'].get('maxAbsDiff')}  throughput {res['throughput']['pixelsPerSecond']:.0f} pix/s "
        f"(S={res['throughput']['samplesPerPixel']}, {res['throughput']['threads']} threads)")


if __name__ == "__main__":
    main()
