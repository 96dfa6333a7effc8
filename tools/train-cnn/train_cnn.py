#!/usr/bin/python3
"""pixsed tile-model trainer: libs/mocks stamps (make-stamps.mjs) -> small U-Net with a Gaussian head -> ONNX +
manifest + validation report, for the tile-model stage (libs/tile-model).

Usage (repo root):  node tools/train-cnn/train-cnn.mjs --config tools/train-cnn/jades-unet.yaml
or directly:        /usr/bin/python3 tools/train-cnn/train_cnn.py --config tools/train-cnn/jades-unet.yaml
Steps: 1. stamps (make-stamps.mjs, cached in .work/<name>/) 2. train (Gaussian NLL, AdamW, cosine LR over the
wall-clock budget, best validation epoch kept) 3. export ONNX (opset 17) 4. check ONNX (onnxruntime-node through the
stage's TileModel, check-onnx.mjs) against PyTorch on held-out stamps 5. validation on held-out mosaics
(validation.json: bias, NMAD, 68 % coverage by pixel S/N) 6. manifest.json. See tools/train-cnn/README.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import glob
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
sys.path.insert(0, str(REPO / "tools" / "train"))
from pixsed_train.manifest import git_commit  # noqa: E402  (one helper for both trainers)
SNR_BINS = [(0, 5), (5, 10), (10, 30), (30, math.inf)]


def log(msg: str) -> None:
    print(f"[train-cnn {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def load_stamps(d: Path) -> dict:
    """Concatenate the shards of a stamps folder: x [N,C,H,W] (float16 in memory), truth [N,P,H,W], snr [N,H,W], meta [N,7]."""
    names = sorted(glob.glob(str(d / "shard-*.meta.npy")))
    if not names:
        raise SystemExit(f"no stamps in {d}: run make-stamps.mjs")
    out = {k: [] for k in ("x", "truth", "snr", "meta")}
    for n in names:
        base = n[: -len(".meta.npy")]
        for k in out:
            a = np.load(f"{base}.{k}.npy")
            out[k].append(a.astype(np.float16) if k == "x" else a.astype(np.float32) if k != "meta" else a)
    res = {k: np.concatenate(v) for k, v in out.items()}
    res["info"] = json.loads((d / "stamps.json").read_text())
    return res


def metrics(pred_mu: np.ndarray, pred_sigma: np.ndarray, truth: np.ndarray) -> dict:
    """bias = median(pred − truth), NMAD = 1.4826 median|Δ − median Δ|, cov68 = fraction with |Δ| < σ."""
    d = pred_mu - truth
    if d.size == 0:
        return {"n": 0}
    med = float(np.median(d))
    return {"n": int(d.size), "bias": med, "nmad": float(1.4826 * np.median(np.abs(d - med))), "coverage68": float(np.mean(np.abs(d) < pred_sigma))}


def binned_metrics(mu: np.ndarray, sigma: np.ndarray, truth: np.ndarray, snr: np.ndarray, names: list[str]) -> dict:
    """Per parameter and S/N bin (below 5, 5-10, 10-30, above 30, all) over the pixels with a finite truth."""
    out = {}
    for k, name in enumerate(names):
        t = truth[:, k]
        ok = np.isfinite(t) & np.isfinite(mu[:, k])
        rows = {}
        for lo, hi in SNR_BINS + [(-math.inf, math.inf)]:
            sel = ok & (snr >= lo) & (snr < hi) if math.isfinite(hi) or math.isfinite(lo) else ok
            label = "all" if not math.isfinite(lo) else (f"<{hi:g}" if lo == 0 else f">{lo:g}" if not math.isfinite(hi) else f"{lo:g}-{hi:g}")
            if lo == 0:
                sel = ok & (snr < hi)  # below 5 includes negative S/N
            rows[label] = metrics(mu[:, k][sel], sigma[:, k][sel], t[sel])
        out[name] = rows
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True)
    ap.add_argument("--reuse-model", action="store_true", help="skip training: load .work/<name>/unet.pt (re-export, re-validate)")
    ap.add_argument("--skip-onnx-check", action="store_true")
    args = ap.parse_args(argv)
    cfg_path = Path(args.config).resolve()
    cfg = yaml.safe_load(cfg_path.read_text())
    tcfg = cfg["training"]
    threads = int(tcfg.get("threads", 1))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(threads))
    import torch

    from unet import Exported, UNet, gaussian_nll

    torch.set_num_threads(threads)
    torch.manual_seed(int(tcfg.get("seed", 0)))
    rng = np.random.default_rng(int(tcfg.get("seed", 0)))
    work = HERE / ".work" / cfg["name"]
    out_dir = REPO / cfg["outDir"]
    out_dir.mkdir(parents=True, exist_ok=True)
    t_start = time.time()

    # 1. stamps (cached): make-stamps.mjs for the train and test splits
    train_splits = list(cfg["training"].get("splits", ["train"]))
    for split in (*train_splits, "test"):
        d = work / f"stamps-{split}"
        n_have = len(glob.glob(str(d / "shard-*.meta.npy")))
        if n_have < cfg["data"][split]["mosaics"] or not (d / "stamps.json").exists():
            log(f"make-stamps {split}: {n_have}/{cfg['data'][split]['mosaics']} shards present")
            extra = ["--keep-mosaics"] if split == "test" else []
            subprocess.run(["node", str(HERE / "make-stamps.mjs"), "--config", str(cfg_path), "--split", split, *extra], check=True, cwd=REPO)
    parts = [load_stamps(work / f"stamps-{s}") for s in train_splits]
    tr = {k: np.concatenate([p[k] for p in parts]) for k in ("x", "truth", "snr", "meta")}
    tr["info"] = parts[0]["info"]
    te = load_stamps(work / "stamps-test")
    names = [p["name"] for p in cfg["parameters"]]
    N, C, H, W = tr["x"].shape
    P = len(names)
    log(f"stamps: {N} train, {len(te['x'])} test; {C} channels, {H}×{W}, {P} parameters")

    # target standardisation over finite truth pixels of the training set
    t_mean = [float(np.nanmean(tr["truth"][:, k])) for k in range(P)]
    t_std = [float(np.nanstd(tr["truth"][:, k])) for k in range(P)]
    # early-stopping split: by mosaic (galaxies of one mosaic share noise draws and neighbours)
    mosaics = np.unique(tr["meta"][:, 0])
    val_m = set(rng.choice(mosaics, size=max(1, len(mosaics) // 10), replace=False).tolist())
    is_val = np.array([m in val_m for m in tr["meta"][:, 0]])
    i_tr, i_va = np.where(~is_val)[0], np.where(is_val)[0]
    if len(i_tr) < int(tcfg.get("batchSize", 16)) or len(i_va) == 0:
        raise SystemExit(f"{cfg_path}: data.train has {len(mosaics)} mosaics: too few for a 10 % early-stopping split by mosaic (need ≥ 2)")
    mean_t = torch.tensor(t_mean).view(1, P, 1, 1)
    std_t = torch.tensor(t_std).view(1, P, 1, 1)

    def batch(data: dict, idx: np.ndarray, augment: bool):
        x = torch.from_numpy(data["x"][idx].astype(np.float32))
        t = torch.from_numpy(data["truth"][idx])
        if augment:  # one of the 8 dihedral transforms per batch (the mocks have no preferred orientation)
            k = int(rng.integers(4))
            x, t = torch.rot90(x, k, (2, 3)), torch.rot90(t, k, (2, 3))
            if rng.integers(2):
                x, t = torch.flip(x, (3,)), torch.flip(t, (3,))
        valid = torch.isfinite(t)
        return x, (torch.nan_to_num(t) - mean_t) / std_t, valid

    net = UNet(C, P, list(tcfg.get("widths", [16, 32, 64])))
    n_params = sum(p.numel() for p in net.parameters())
    pt = work / "unet.pt"
    tinfo: dict = {"parameters": n_params}
    if args.reuse_model:
        state = torch.load(pt)
        net.load_state_dict(state["net"])
        tinfo = state["info"]
    else:
        opt = torch.optim.AdamW(net.parameters(), lr=float(tcfg["lr"]), weight_decay=1e-4)
        bs = int(tcfg.get("batchSize", 16))
        budget = float(tcfg["maxMinutes"]) * 60
        t0 = time.time()
        best, best_state, epoch, steps, history = math.inf, None, 0, 0, []
        while time.time() - t0 < budget:
            net.train()
            perm = rng.permutation(i_tr)
            tot, nb = 0.0, 0
            for s in range(0, len(perm) - bs + 1, bs):
                frac = min(1.0, (time.time() - t0) / budget)
                for g in opt.param_groups:
                    g["lr"] = float(tcfg["lr"]) * 0.5 * (1 + math.cos(math.pi * frac))
                x, t, v = batch(tr, perm[s : s + bs], True)
                loss = gaussian_nll(net(x), t, v)
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
                opt.step()
                tot += float(loss)
                nb += 1
                steps += 1
                if time.time() - t0 > budget:
                    break
            net.eval()
            with torch.no_grad():
                vl = [float(gaussian_nll(net(x), t, v)) for x, t, v in (batch(tr, i_va[s : s + 32], False) for s in range(0, len(i_va), 32))]
            val = float(np.mean(vl))
            epoch += 1
            history.append({"epoch": epoch, "trainNll": tot / max(nb, 1), "valNll": val, "minutes": (time.time() - t0) / 60})
            log(f"epoch {epoch}: train NLL {tot / max(nb, 1):.4f}, val NLL {val:.4f} ({(time.time() - t0) / 60:.1f} min, {steps} steps)")
            if val < best:
                best, best_state = val, {k: v.clone() for k, v in net.state_dict().items()}
        net.load_state_dict(best_state)
        tinfo = {"parameters": n_params, "epochs": epoch, "steps": steps, "bestValNll": best, "minutes": (time.time() - t0) / 60, "batchSize": bs, "threads": threads,
                 "trainStamps": int(len(i_tr)), "earlyStoppingStamps": int(len(i_va)), "history": history}
        torch.save({"net": net.state_dict(), "info": tinfo}, pt)

    # 3. export
    net.eval()
    exp = Exported(net, t_mean, t_std).eval()
    onnx_path = out_dir / "model.onnx"
    dummy = torch.zeros(1, C, H, W)
    torch.onnx.export(exp, dummy, str(onnx_path), input_names=["image"], output_names=["maps"], dynamic_axes={"image": {0: "n"}, "maps": {0: "n"}}, opset_version=17)
    import onnx

    onnx.checker.check_model(onnx.load(str(onnx_path)))
    sha = hashlib.sha256(onnx_path.read_bytes()).hexdigest()

    # 5. validation on the held-out stamps (mosaic seeds never used in training)
    with torch.no_grad():
        ys = [exp(torch.from_numpy(te["x"][s : s + 32].astype(np.float32))).numpy() for s in range(0, len(te["x"]), 32)]
    y = np.concatenate(ys)
    mu, sigma = y[:, :P], np.exp(y[:, P:])
    flat = lambda a: np.moveaxis(a, 1, -1).reshape(-1, a.shape[1])  # noqa: E731
    res = binned_metrics(flat(mu), flat(sigma), flat(te["truth"]), te["snr"].reshape(-1), names)

    # 4. ONNX (onnxruntime-node, through the stage's TileModel) against PyTorch on 4 held-out stamps
    channels = te["info"]["channels"]
    manifest = {
        "kind": "tile-model", "name": cfg["name"], "version": cfg["version"],
        "description": "small U-Net with a Gaussian head (mean, ln σ per parameter and pixel) on PSF-matched JADES cutouts, trained on libs/mocks random galaxies (tools/train-cnn)",
        "model": "model.onnx", "modelSha256": sha,
        "input": {"name": "image", "heightPx": H, "widthPx": W, "pixelScaleArcsec": cfg["mosaic"].get("pixelScaleArcsec", 0.03), "pixelScaleTolerance": 0.01, "normalisation": "asinh-flux-over-scale", "channels": channels},
        "output": {"name": "maps", "head": "gaussian-mean-logsigma", "parameters": cfg["parameters"]},
        "psf": {"targetBand": cfg["psf"]["targetBand"]},
        "training": {"config": str(cfg_path.relative_to(REPO)), "stamps": int(N), "targetMean": t_mean, "targetStd": t_std, **{k: v for k, v in tinfo.items() if k != "history"},
                     "torch": torch.__version__, "onnx": onnx.__version__, "git": git_commit(REPO, "tools/train-cnn"), "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                     "mocks": {"mosaic": cfg["mosaic"], "splits": {s: cfg["data"][s] for s in (*train_splits, "test")}}},
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    check = None
    if not args.skip_onnx_check:
        ex = work / "examples"
        ex.mkdir(exist_ok=True)
        np.save(ex / "x.npy", te["x"][:4].astype(np.float32))
        np.save(ex / "torch.npy", y[:4].astype(np.float32))
        r = subprocess.run(["node", str(HERE / "check-onnx.mjs"), str(out_dir), str(ex / "x.npy"), str(ex / "torch.npy")], capture_output=True, text=True, cwd=REPO)
        if r.returncode != 0:
            raise SystemExit(f"check-onnx.mjs failed: {r.stderr}")
        check = json.loads(r.stdout.strip().splitlines()[-1])
        log(f"ONNX vs PyTorch on 4 held-out stamps: max |Δ| {check['maxAbsDiff']:.2e}")
    val = {"heldOut": {"stamps": int(len(te["x"])), "mosaicSeeds": sorted(set(int(s) for s in te["meta"][:, 0])), "what": "canvas of each held-out galaxy (as make-stamps cuts it), pixels of its segment with a finite truth; S/N = mean f/σ over " + ",".join(te["info"]["snrBands"]) + " after PSF matching"},
           "metrics": res, "onnxCheck": check, "training": {k: v for k, v in tinfo.items()}}
    (out_dir / "validation.json").write_text(json.dumps(val, indent=1) + "\n")
    manifest["validation"] = {"file": "validation.json", "log_mstar": res["log_mstar"]}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    log(f"wrote {out_dir}/model.onnx ({onnx_path.stat().st_size / 1e6:.2f} MB, {n_params} parameters), manifest.json, validation.json; total {time.time() - t_start:.0f} s")
    for name in names:
        log(name + ": " + "; ".join(f"S/N {b}: bias {m.get('bias', float('nan')):+.3f} NMAD {m.get('nmad', float('nan')):.3f} cov68 {m.get('coverage68', float('nan')):.2f} (n {m['n']})" for b, m in res[name].items()))


if __name__ == "__main__":
    main()
