"""Step 6, manifest writing (numpy only): the JSON manifest libs/model's modelManifestSchema reads: bands, the feature
transform with its constants and standardization, parameters with priors, training ranges, noise model, sampler I/O and
provenance. Every value comes from the earlier steps' results; nothing here trains or samples."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
from pathlib import Path

import numpy as np

from .features import AB_ZERO_POINT_NJY, MAG_ERR_FACTOR, feature_names, transform_name
from .params import params_of

# the sampler graph's interface: export.py exports with these, the manifest records them
ONNX_OPSET = 17
INPUT_NAMES = ["features", "noise"]
OUTPUT_NAME = "samples"

PARAM_DOC = {
    "log_mstar": ("log10(Msun)", "log10 surviving stellar mass (living stars + remnants) in the pixel"),
    "log_sfr100": ("log10(Msun/yr)", "log10 SFR averaged over the last 100 Myr (simulator floors it at logSfrFloor)"),
    "log_sfr10": ("log10(Msun/yr)", "log10 SFR averaged over the last 10 Myr"),
    "log_age_mw": ("log10(yr)", "log10 mass-weighted stellar age"),
    "t50_gyr": ("Gyr", "lookback time at which half the stellar mass had formed"),
    "metallicity": ("dex", "[M/H] = log10(Z/Zsun)"),
    "av": ("mag", "Calzetti (2000) V-band attenuation A_V"),
    "z": ("", "redshift (a parameter of a photo-z model: inferred from the photometry)"),
}


def git_commit(repo: Path, tool: str = "tools/train") -> str:
    """HEAD of `repo`, with `-dirty(<tool>)` when the training tool's folder has uncommitted changes; 'unknown' without
    git. Also used by tools/train-cnn (tool="tools/train-cnn")."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", tool], cwd=repo, capture_output=True, text=True).stdout.strip()
        return sha + (f"-dirty({tool})" if dirty else "")
    except Exception:  # noqa: BLE001
        return "unknown"


def survey_depth(survey: str, data_dir: Path) -> list[float] | None:
    """JADES 1-sigma depths per band [nJy] (noise/jades/background_noise_hainline.npy, in uJy) for the noise-model record;
    None for other surveys or when the table is absent."""
    depth_path = data_dir / "noise" / "jades" / "background_noise_hainline.npy"
    try:
        if survey == "jades" and depth_path.exists():
            return [float(v) * 1000.0 for v in np.load(depth_path)]
    except Exception:  # noqa: BLE001
        return None
    return None


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def build_manifest(cfg: dict, cfg_path: Path, repo: Path, cat: dict, ps: dict, fb: dict, rule: dict, tinfo: dict, res: dict, *,
                   model_sha256: str, versions: dict, depth: list[float] | None, git: str, date: str) -> dict:
    """The manifest dict. cat: training catalogue (load_catalog); ps: param_setup; fb: build_features; tinfo: train-info;
    res: validation results (selection, metrics, onnxCheck, goals); versions: {'torch', 'onnx', 'python'}."""
    bands = cat["bands"]
    with_z = rule.get("includeZ", True)
    fnames = feature_names(bands, with_z)
    tr_min, tr_max = fb["features"].min(0), fb["features"].max(0)
    raw = params_of(cat, ps)
    D = len(ps["names"])
    sim_meta = cat["sim"]
    noise_cfg = (cfg["simulator"].get("noise") or {})
    return {
        "name": cfg["name"],
        "version": cfg["version"],
        "description": cfg.get("description", ""),
        "survey": cfg["survey"],
        "model": "model.onnx",
        # pins the exported graph: PosteriorModel.load refuses a model.onnx with another hash
        "modelSha256": model_sha256,
        "bands": bands,
        # the role of the redshift: 'conditioning' = z is the last feature (a spectroscopic-z model); 'parameter' = a
        # photo-z model, z is one of `parameters` and not a feature (transform 'ab-mag-err')
        "redshift": {"role": "conditioning" if with_z else "parameter"},
        "features": {
            "transform": transform_name(rule),
            "count": len(fnames),
            "names": fnames,
            "layout": "[mag_b for b in bands] + [mag_err_b] + [nondet_b] + [missing_b]" + (" + [z]" if with_z else ""),
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
                "fillMag": [float(v) for v in fb["fillMag"]],
                "fillMagErr": [float(v) for v in fb["fillMagErr"]],
                "flag": "missing_b = 1 (0 otherwise); nondet_b = 0",
                "trainedWithAugmentation": cfg["training"].get("missingBandAugmentation", {}),
            },
            "clip": {"mag": rule["magClip"], "appliedTo": "mag after the detection / non-detection / missing rules"},
            "z": "spectroscopic (or fixed) redshift, unchanged" if with_z else "not a feature: z is a parameter (photometric redshift)",
            "standardize": {"mean": [float(v) for v in fb["mean"]], "std": [float(v) for v in fb["std"]], "appliedInGraph": True,
                            "note": "the ONNX graph computes (features - mean) / std itself: feed unstandardized features"},
        },
        "parameters": [
            {"name": n, "unit": PARAM_DOC.get(n, ("", ""))[0], "description": PARAM_DOC.get(n, ("", ""))[1],
             "priorMin": float(ps["lo"][j]) if ps["logit"][j] else float(raw[:, j].min()),
             "priorMax": float(ps["hi"][j]) if ps["logit"][j] else float(raw[:, j].max()),
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
        # the stellar populations and cosmology of the training set (pixsed simulate's simulation.json): every output
        # of a run with this model names them (libs/model spsLabel)
        **({"sps": {"libraries": sim_meta["ssp"], "cosmology": sim_meta["cosmology"]}} if sim_meta.get("ssp") else {}),
        "noiseModel": {"survey": cfg["survey"], "mode": noise_cfg.get("mode", "sbipix"),
                       "missingBandProbability": noise_cfg.get("missingBandProbability", 0),
                       "depth1SigmaNjy": depth, "simulatorConfig": sim_meta.get("config"),
                       "description": "SBIPIX per-pixel JADES noise (Iglesias-Navarro et al. 2025): true flux <= 1 sigma depth -> flux 0, error = depth; otherwise m_obs = m + N(0, sigma_mag(m)), err = f_obs*sigma_mag*ln10/2.5"},
        "sampler": {"format": "onnx", "opset": ONNX_OPSET, "inputNames": INPUT_NAMES, "outputName": OUTPUT_NAME,
                    "inputs": {"features": {"dtype": "float32", "shape": ["N", len(fnames)], "note": "unstandardized features (this manifest's transform)"},
                               "noise": {"dtype": "float32", "shape": ["N", "S", D], "note": "i.i.d. standard normal from the caller's seeded PRNG"}},
                    "output": {"dtype": "float32", "shape": ["N", "S", D], "note": "posterior samples in physical units, parameter order = parameters[]"},
                    "noiseDim": D, "flow": cfg["flow"], "graph": _graph_name(cfg["flow"])},
        "provenance": {"trainConfig": str(cfg_path.relative_to(repo)) if str(cfg_path).startswith(str(repo)) else str(cfg_path),
                       "trainConfigSha256": hashlib.sha256(cfg_path.read_bytes()).hexdigest(),
                       # after `extends` is resolved: pins the whole config, parent files included
                       "trainConfigResolvedSha256": hashlib.sha256(json.dumps(cfg, sort_keys=True).encode()).hexdigest(),
                       "simulatorConfig": sim_meta.get("config"), "survey": sim_meta.get("survey"),
                       "simulation": {"train": {"n": cfg["simulate"]["train"]["n"], "seed": cfg["simulate"]["train"]["seed"]},
                                      "test": {"n": cfg["simulate"]["test"]["n"], "seed": cfg["simulate"]["test"]["seed"]}},
                       "n_train": tinfo["n_train"], "n_val": tinfo["n_val"], "seed": cfg["training"].get("seed", 0),
                       "epochs": tinfo["epochs"], "bestEpoch": tinfo["best_epoch"], "trainSeconds": tinfo["train_seconds"],
                       "resumed": tinfo.get("resumed"),
                       **versions,
                       "date": date, "gitCommit": git},
        "validation": {"file": "validation.json", "selection": res["selection"], "metrics": res["metrics"],
                       **({"photoz": res["photoz"]} if res.get("photoz") else {}),
                       "onnxMaxAbsDiff": res["onnxCheck"].get("maxAbsDiff"), "goals": res["goals"]},
    }


def _graph_name(flow_cfg: dict) -> str:
    from .export import graph_name  # export imports this module's I/O names

    return graph_name(flow_cfg)


def write_manifest(out_dir: Path, manifest: dict) -> Path:
    p = out_dir / "manifest.json"
    p.write_text(json.dumps(manifest, indent=1) + "\n")
    return p
