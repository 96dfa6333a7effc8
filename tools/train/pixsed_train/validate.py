"""Step 7, validation on held-out mocks (R^2, bias, NMAD scatter, outliers, coverage), ONNX-vs-PyTorch check, throughput.
torch is imported only by the functions that sample (sample, onnx_check, throughput, run_validation): metrics, goals and
the summaries are numpy-only and unit-tested without torch."""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import numpy as np

from .features import compute_features, mean_snr

HERE = Path(__file__).resolve().parent.parent
REPO = HERE.parent.parent


def sample(sampler, feats: np.ndarray, n_samples: int, seed: int, chunk: int = 64) -> np.ndarray:
    """Posterior samples [N, S, D] (physical units); noise from a seeded torch generator, pixel chunks of `chunk`."""
    import torch

    g = torch.Generator().manual_seed(seed)
    D = sampler.par_mean.shape[0]
    out = np.empty((len(feats), n_samples, D), dtype=np.float32)
    with torch.no_grad():
        for k in range(0, len(feats), chunk):
            f = torch.tensor(feats[k:k + chunk], dtype=torch.float32)
            z = torch.randn(len(f), n_samples, D, generator=g)
            out[k:k + chunk] = sampler(f, z).numpy()
    return out


def metrics(samples: np.ndarray, truth: np.ndarray, names: list[str], outlier: dict) -> dict:
    """Per parameter: R^2 of the posterior median, bias = median(median - truth), NMAD = 1.4826 median|d - median d|,
    outlier fraction |d| > threshold, coverage of the central 68% / 95% intervals (fraction of truths inside)."""
    med = np.median(samples, axis=1)
    res = {}
    for j, n in enumerate(names):
        t, m = truth[:, j], med[:, j]
        d = m - t
        q = np.percentile(samples[:, :, j], [2.5, 16, 84, 97.5], axis=1)
        thr = float(outlier.get(n, outlier.get("default", 0.3)))
        res[n] = {
            "r2": float(1 - np.sum(d ** 2) / np.sum((t - t.mean()) ** 2)),
            "bias": float(np.median(d)),
            "meanBias": float(np.mean(d)),
            "nmad": float(1.4826 * np.median(np.abs(d - np.median(d)))),
            "rmse": float(np.sqrt(np.mean(d ** 2))),
            "outlierFraction": float(np.mean(np.abs(d) > thr)),
            "outlierThreshold": thr,
            "coverage68": float(np.mean((t >= q[1]) & (t <= q[2]))),
            "coverage95": float(np.mean((t >= q[0]) & (t <= q[3]))),
            "medianWidth68": float(np.median(q[2] - q[1])),
        }
    return res


def photoz_metrics(z_samples: np.ndarray, z_true: np.ndarray, outlier: float = 0.15) -> dict:
    """Photometric-redshift metrics of posterior samples [N, S] against the true z [N], point estimate = posterior
    median, dz = (z_med - z_true) / (1 + z_true): NMAD = 1.4826 median|dz - median dz| (Brammer et al. 2008),
    outlier fraction |dz| > `outlier` (0.15, Hildebrandt et al. 2010), bias = median dz, coverage of the true z by the
    central 68 % / 95 % intervals."""
    med = np.median(z_samples, axis=1)
    dz = (med - z_true) / (1 + z_true)
    q = np.percentile(z_samples, [2.5, 16, 84, 97.5], axis=1)
    return {
        "n": int(len(z_true)),
        "nmad": float(1.4826 * np.median(np.abs(dz - np.median(dz)))) if len(dz) else None,
        "outlierFraction": float(np.mean(np.abs(dz) > outlier)) if len(dz) else None,
        "outlierThreshold": outlier,
        "bias": float(np.median(dz)) if len(dz) else None,
        "meanBias": float(np.mean(dz)) if len(dz) else None,
        "coverage68": float(np.mean((z_true >= q[1]) & (z_true <= q[2]))) if len(dz) else None,
        "coverage95": float(np.mean((z_true >= q[0]) & (z_true <= q[3]))) if len(dz) else None,
        "medianWidth68": float(np.median((q[2] - q[1]) / (1 + z_true))) if len(dz) else None,
        "definition": "dz = (median(z samples) - z_true) / (1 + z_true); nmad = 1.4826 median|dz - median(dz)|; "
                      "outlier |dz| > outlierThreshold; coverage = fraction of true z inside the central 68/95 % interval; "
                      "medianWidth68 in units of (1 + z_true)",
    }


def band_snr(flux_njy: np.ndarray, err_njy: np.ndarray) -> np.ndarray:
    """Integrated S/N of one band column (flux / err; 0 where the band is missing or err <= 0)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = np.isfinite(flux_njy) & np.isfinite(err_njy) & (err_njy > 0)
        return np.where(ok, flux_njy / np.where(ok, err_njy, 1.0), 0.0)


def snr_bin_rows(snr: np.ndarray, lo: float, hi: float | None, n_max: int) -> np.ndarray:
    """The first `n_max` rows with lo <= snr < hi (hi None: no upper bound)."""
    ok = snr >= lo
    if hi is not None:
        ok &= snr < hi
    return np.nonzero(ok)[0][:n_max]


def photoz_validation(sampler, test: dict, feats: np.ndarray, names: list[str], truth: np.ndarray, pcfg: dict, vcfg: dict, bands: list[str]) -> dict:
    """validation.photoz (a photo-z model, z a parameter): per bin of integrated S/N in `snrBand` (default f444w;
    `bins` [{min, max?}], default S/N >= 10 and 5-10), the first `maxObjects` held-out mocks: photo-z metrics of z and
    the usual metrics of every parameter."""
    band = pcfg.get("snrBand", "f444w")
    if band not in bands:
        raise SystemExit(f"validation.photoz.snrBand '{band}' is not a band of the survey ({', '.join(bands)})")
    bi = bands.index(band)
    snr = band_snr(test["flux"][:, bi], test["err"][:, bi])
    S = vcfg.get("samples", 500)
    zj = names.index("z")
    out = {"snrBand": band, "snrRule": f"flux_{band}_njy / flux_{band}_err_njy (integrated photometry)", "samplesPerObject": S, "bins": []}
    for b in pcfg.get("bins", [{"min": 10}, {"min": 5, "max": 10}]):
        lo, hi = float(b["min"]), (float(b["max"]) if b.get("max") is not None else None)
        rows = snr_bin_rows(snr, lo, hi, int(pcfg.get("maxObjects", vcfg.get("maxObjects", 2000))))
        smp = sample(sampler, feats[rows], S, vcfg.get("seed", 7))
        out["bins"].append({"snrMin": lo, "snrMax": hi, "label": f"S/N({band}) >= {lo:g}" + (f" and < {hi:g}" if hi is not None else ""),
                            "z": photoz_metrics(smp[:, :, zj], truth[rows, zj], float(pcfg.get("outlierThreshold", 0.15))),
                            "metrics": metrics(smp, truth[rows], names, vcfg.get("outlierThreshold", {"default": 0.3})) if len(rows) else {}})
    return out


def validate(sampler, test: dict, ps: dict, fm, fe, rule, vcfg: dict, bands: list[str]) -> dict:
    names = ps["names"]
    truth = np.stack([test["col"](n) for n in names], axis=1)
    feats = compute_features(test["flux"], test["err"], test["z"], fm, fe, rule)
    sel_bands = vcfg.get("snrBands", ["f277w", "f356w", "f444w"])
    bi = [bands.index(b) for b in sel_bands]
    snr = mean_snr(test["flux"][:, bi], test["err"][:, bi])
    sel = np.nonzero(snr > vcfg.get("snrMin", 5))[0]
    n_max = vcfg.get("maxObjects", 5000)
    sel = sel[:n_max]
    S = vcfg.get("samples", 500)
    t0 = time.time()
    smp = sample(sampler, feats[sel], S, vcfg.get("seed", 7))
    out = {
        "selection": {"testSet": "independent simulation (simulate.test)", "nTest": int(len(feats)),
                      "snrBands": sel_bands, "snrMin": vcfg.get("snrMin", 5),
                      "rule": "mean over snrBands of flux/err (bands with finite flux and err > 0) > snrMin",
                      "nSelected": int(len(sel)), "samplesPerObject": S,
                      "estimator": "posterior median of S samples"},
        "metrics": metrics(smp, truth[sel], names, vcfg.get("outlierThreshold", {"default": 0.3})),
    }
    # robustness: same objects with bands dropped (as flagged missing)
    for label, drop in (vcfg.get("missingBandTests") or {}).items():
        fl, er = test["flux"][sel].copy(), test["err"][sel].copy()
        for b in drop:
            fl[:, bands.index(b)] = np.nan
            er[:, bands.index(b)] = np.nan
        f2 = compute_features(fl, er, test["z"][sel], fm, fe, rule)
        smp2 = sample(sampler, f2, S, vcfg.get("seed", 7))
        out.setdefault("missingBandTests", {})[label] = {"dropped": drop, "metrics": metrics(smp2, truth[sel], names, vcfg.get("outlierThreshold", {"default": 0.3}))}
    # all test objects (no S/N cut), fewer samples
    allsel = np.arange(min(len(feats), n_max))
    smp3 = sample(sampler, feats[allsel], min(S, 200), vcfg.get("seed", 7))
    out["metricsNoSnrCut"] = {"nObjects": int(len(allsel)), "samplesPerObject": min(S, 200),
                              "metrics": metrics(smp3, truth[allsel], names, vcfg.get("outlierThreshold", {"default": 0.3}))}
    if "z" in names:  # a photo-z model: redshift metrics per integrated S/N bin
        out["photoz"] = photoz_validation(sampler, test, feats, names, truth, vcfg.get("photoz") or {}, vcfg, bands)
    out["validationSeconds"] = round(time.time() - t0, 1)
    return out


def _write_npy(path: Path, a: np.ndarray) -> None:
    np.save(path, np.ascontiguousarray(a, dtype=np.float32))


def onnx_check(sampler, test: dict, fm, fe, rule, work: Path, onnx_path: Path, D: int, skip: bool = False) -> dict:
    """Same features + noise through PyTorch and through onnxruntime-node (check-onnx.mjs); max |difference|."""
    import torch

    n, S = 64, 100
    feats = compute_features(test["flux"][:n], test["err"][:n], test["z"][:n], fm, fe, rule)
    noise = torch.randn(n, S, D, generator=torch.Generator().manual_seed(99)).numpy()
    with torch.no_grad():
        ref = sampler(torch.tensor(feats), torch.tensor(noise)).numpy()
    d = work / "onnx-check"
    d.mkdir(exist_ok=True)
    _write_npy(d / "features.npy", feats)
    _write_npy(d / "noise.npy", noise)
    _write_npy(d / "torch-samples.npy", ref)
    info = {"nPixels": n, "samplesPerPixel": S, "runtime": "onnxruntime-node (tools/train/check-onnx.mjs)"}
    if skip:
        info["skipped"] = "--skip-onnx-check"
        return info
    cmd = ["node", str(HERE / "check-onnx.mjs"), str(onnx_path), str(d / "features.npy"), str(d / "noise.npy"), str(d / "torch-samples.npy")]
    r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if r.returncode != 0:
        info["error"] = (r.stderr or r.stdout).strip()[-2000:]
        print("[train] ONNX check failed:", info["error"], flush=True)
        return info
    info.update(json.loads(r.stdout.strip().splitlines()[-1]))
    return info


def throughput(sampler, feat: np.ndarray, D: int, vcfg: dict, threads=(2, 1)) -> dict:
    """PyTorch batched sampling speed: pixels/s with S samples per pixel, for each thread count."""
    import torch

    S = vcfg.get("samples", 500)
    n_pix = vcfg.get("throughputPixels", 512)
    chunk = vcfg.get("throughputChunk", 64)
    f = feat[:n_pix].astype(np.float32)
    prev = torch.get_num_threads()
    out = {"samplesPerPixel": S, "pixels": n_pix, "chunkPixels": chunk, "byThreads": {},
           "note": "best of 2 runs, includes noise generation", "loadAverage1min": round(os.getloadavg()[0], 2)}
    for th in threads:
        torch.set_num_threads(th)
        sample(sampler, f[:chunk], S, 0, chunk)  # warm-up
        best = None
        for _ in range(2):
            t0 = time.time()
            sample(sampler, f, S, 1, chunk)
            el = time.time() - t0
            best = el if best is None else min(best, el)
        out["byThreads"][str(th)] = {"pixelsPerSecond": n_pix / best, "seconds": round(best, 3)}
    torch.set_num_threads(prev)
    out["threads"] = threads[0]
    out["pixelsPerSecond"] = out["byThreads"][str(threads[0])]["pixelsPerSecond"]
    return out


TRAINING_SUMMARY_KEYS = ("n_train", "n_val", "epochs", "best_epoch", "best_val_nll", "train_seconds")


def training_summary(tinfo: dict) -> dict:
    """The training record of validation.json: the train-info counts plus the epoch history."""
    return {**{k: tinfo[k] for k in TRAINING_SUMMARY_KEYS}, "history": tinfo["history"]}


def run_validation(sampler, test: dict, ps: dict, fb: dict, rule: dict, cfg: dict, bands: list[str], work: Path, onnx_path: Path,
                   tinfo: dict, skip_onnx_check: bool) -> dict:
    """Step 7: metrics on the test catalogue, the ONNX-vs-PyTorch check, throughput, the training record and the goals."""
    vcfg = cfg["validation"]
    D = len(ps["names"])
    fm, fe = fb["fillMag"], fb["fillMagErr"]
    res = validate(sampler, test, ps, fm, fe, rule, vcfg, bands)
    res["onnxCheck"] = onnx_check(sampler, test, fm, fe, rule, work, onnx_path, D, skip=skip_onnx_check)
    res["throughput"] = throughput(sampler, fb["features"], D, vcfg, (int(cfg["training"].get("sampleThreads", 2)), 1))
    res["training"] = training_summary(tinfo)
    res["goals"] = goals(res)
    return res


def write_validation(out_dir: Path, res: dict) -> Path:
    p = out_dir / "validation.json"
    p.write_text(json.dumps(res, indent=1) + "\n")
    return p


def summary_lines(res: dict) -> list[str]:
    """The closing log lines: per-parameter metrics, the ONNX difference and the throughput."""
    lines = [f"  {p:12s} R2 {m['r2']:.4f} bias {m['bias']:+.4f} nmad {m['nmad']:.4f} out {m['outlierFraction']:.3f} "
             f"cov68 {m['coverage68']:.3f} cov95 {m['coverage95']:.3f}" for p, m in res["metrics"].items()]
    for b in (res.get("photoz") or {}).get("bins", []):
        m = b["z"]
        if m["n"]:
            lines.append(f"  photo-z {b['label']:26s} n {m['n']:5d} nmad {m['nmad']:.4f} out {m['outlierFraction']:.3f} bias {m['bias']:+.4f} "
                         f"cov68 {m['coverage68']:.3f} cov95 {m['coverage95']:.3f}")
    t = res["throughput"]
    lines.append(f"  onnx max|d| {res['onnxCheck'].get('maxAbsDiff')}  throughput {t['pixelsPerSecond']:.0f} pix/s "
                 f"(S={t['samplesPerPixel']}, {t['threads']} threads)")
    return lines


GOALS = {"log_mstar": {"r2": 0.99, "absBias": 0.02, "nmad": 0.1}, "coverageTolerance": 0.03,
         # issue #18, held-out mocks with integrated S/N >= 10 in F444W
         "photoz": {"snrMin": 10, "nmad": 0.03, "outlierFraction": 0.05}}


def goals(res: dict) -> dict:
    out = {}
    m = res["metrics"].get("log_mstar")
    if m:
        g = GOALS["log_mstar"]
        out["log_mstar_r2>=0.99"] = m["r2"] >= g["r2"]
        out["log_mstar_|bias|<0.02"] = abs(m["bias"]) < g["absBias"]
        out["log_mstar_nmad<0.1"] = m["nmad"] < g["nmad"]
    tol = GOALS["coverageTolerance"]
    out["coverage68_within_3pc_all_params"] = all(abs(v["coverage68"] - 0.68) <= tol for v in res["metrics"].values())
    out["coverage95_within_3pc_all_params"] = all(abs(v["coverage95"] - 0.95) <= tol for v in res["metrics"].values())
    g = GOALS["photoz"]
    for b in (res.get("photoz") or {}).get("bins", []):
        if b["snrMin"] == g["snrMin"] and b["snrMax"] is None and b["z"]["n"]:
            m = b["z"]
            out["photoz_snr>=10_nmad<=0.03"] = m["nmad"] <= g["nmad"]
            out["photoz_snr>=10_outliers<=0.05"] = m["outlierFraction"] <= g["outlierFraction"]
            out["photoz_snr>=10_coverage68_within_3pc"] = abs(m["coverage68"] - 0.68) <= tol
            out["photoz_snr>=10_coverage95_within_3pc"] = abs(m["coverage95"] - 0.95) <= tol
    return out


def write_feature_examples(path: Path, test: dict, fm, fe, rule, bands) -> None:
    """Fixture for the TypeScript port: raw flux/err/z rows (incl. non-detections, negative flux, missing bands, S/N
    just above/below the threshold) and the exact float64 features this module computes (before float32 cast)."""
    rows_f = [test["flux"][i].copy() for i in range(4)]
    rows_e = [test["err"][i].copy() for i in range(4)]
    zs = [float(test["z"][i]) for i in range(4)]
    f, e = test["flux"][0].copy(), test["err"][0].copy()
    f[0], e[0] = -1.5, 0.3          # negative flux -> non-detection
    f[1], e[1] = np.nan, np.nan     # missing
    f[2], e[2] = 2.0, 0.0           # err 0 -> missing
    f[3], e[3] = 1.0, 0.999999      # S/N just above 1 -> detection
    f[4], e[4] = 1.0, 1.000001      # S/N just below 1 -> non-detection
    f[5], e[5] = 1e12, 1.0          # very bright -> mag clipped at magClip[0]
    f[6], e[6] = 0.0, 1e-9          # flux 0 -> non-detection, limit mag clipped at magClip[1]
    rows_f.append(f)
    rows_e.append(e)
    zs.append(1.234)
    F = np.stack(rows_f)
    E = np.stack(rows_e)
    feats = compute_features(F, E, np.array(zs), fm, fe, rule)
    enc = lambda a: [None if not np.isfinite(v) else float(v) for v in a]  # noqa: E731
    path.write_text(json.dumps({
        "description": "rows of (flux_njy, err_njy per band in manifest band order, z) and the float32 features the trainer computes; null = NaN",
        "bands": bands,
        "rows": [{"fluxNjy": enc(F[i]), "errNjy": enc(E[i]), "z": zs[i], "features": [float(v) for v in feats[i]]} for i in range(len(F))],
        "tolerance": "features are float32; compare with |d| <= 1e-5 * max(1, |x|)",
    }, indent=1) + "\n")
