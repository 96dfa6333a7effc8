"""Feature transform 'ab-mag-err-z' (numpy only, no torch): fluxes [nJy] + errors [nJy] + z -> feature vector.

This module is the reference implementation of the transform the manifest describes; TypeScript must reproduce it
exactly (see tools/train/README.md, "Feature transform"). Per band b (manifest band order), with f = flux [nJy],
s = flux error [nJy]:

  missing       : not finite(f) or not finite(s) or s <= 0
                  -> mag = fillMag[b], magErr = fillMagErr[b], nonDetected = 0, missing = 1
  non-detection : not missing and not (f / s >= snrMin)          (snrMin = 1: flux below 1 sigma, includes f <= 0)
                  -> mag = -2.5 log10(snrMin * s) + 31.4  (the snrMin-sigma limiting magnitude), magErr = magErrNonDet,
                     nonDetected = 1, missing = 0
  detection     : mag = -2.5 log10(f) + 31.4, magErr = min(2.5 / ln(10) * s / f, magErrNonDet), flags 0
  then mag is clipped to [magClip[0], magClip[1]].

Feature order: [mag_b for b] + [magErr_b for b] + [nonDetected_b for b] + [missing_b for b] + [z]; a photo-z model
(`conditioning: {redshift: false}`, z a parameter) has no z feature: transform 'ab-mag-err', `rule['includeZ']` False. The offsets are
`feature_layout(bands)`, the mirror of `featureLayout` in libs/model/src/feature-layout.ts (a test checks they agree for
the shipped manifests). The zero point 31.4 and the error factor 2.5/ln 10 are written to the manifest
(`features.magZeroPoint`, `features.magErrFactor`) and read back from `rule` when given.
"""
from __future__ import annotations

import math

import numpy as np

AB_ZERO_POINT_NJY = 31.4  # m_AB = -2.5 log10(f / nJy) + 31.4  (Oke & Gunn 1983: 3631 Jy = 0 mag)
MAG_ERR_FACTOR = 2.5 / math.log(10.0)  # sigma_m = 2.5/ln10 * sigma_f / f (first-order error propagation)

DEFAULT_RULE = {
    "snrMin": 1.0,
    "magErrNonDet": MAG_ERR_FACTOR,  # = sigma_m at S/N = 1, so mag and magErr are continuous across the threshold
    "magClip": [10.0, 40.0],
}


# (layout key, name prefix) of the per-band blocks, in feature order; z follows them
_BLOCKS = (("mag", "mag"), ("magErr", "mag_err"), ("nondet", "nondet"), ("missing", "missing"))


TRANSFORM_WITH_Z = "ab-mag-err-z"  # z is the last feature (a spectroscopic-z model)
TRANSFORM_NO_Z = "ab-mag-err"  # no z feature (a photo-z model: z is a parameter)


def feature_layout(bands: list[str], include_z: bool = True) -> dict:
    """Offsets of the feature blocks: {'bands', 'count', 'names', 'mag'|'magErr'|'nondet'|'missing'|'z': {'offset', 'length'}};
    without z (a photo-z model) the z block has length 0."""
    nb = len(bands)
    out: dict = {"bands": list(bands)}
    for k, (key, _) in enumerate(_BLOCKS):
        out[key] = {"offset": k * nb, "length": nb}
    nz = 1 if include_z else 0
    out["z"] = {"offset": len(_BLOCKS) * nb, "length": nz}
    out["count"] = len(_BLOCKS) * nb + nz
    out["names"] = [f"{prefix}_{b}" for _, prefix in _BLOCKS for b in bands] + (["z"] if include_z else [])
    return out


def block(layout: dict, key: str) -> slice:
    """The slice of feature block `key` ('mag', 'magErr', 'nondet', 'missing', 'z') in a feature vector."""
    b = layout[key]
    return slice(b["offset"], b["offset"] + b["length"])


def feature_names(bands: list[str], include_z: bool = True) -> list[str]:
    return feature_layout(bands, include_z)["names"]


def compute_features(
    flux_njy: np.ndarray,
    err_njy: np.ndarray,
    z: np.ndarray,
    fill_mag: np.ndarray,
    fill_mag_err: np.ndarray,
    rule: dict | None = None,
) -> np.ndarray:
    """flux_njy, err_njy: [N, B] (NaN = missing band); z: [N] (ignored when rule['includeZ'] is False). Returns
    float32 [N, 4B + 1] ([N, 4B] without z)."""
    r = {**DEFAULT_RULE, **(rule or {})}
    f = np.asarray(flux_njy, dtype=np.float64)
    s = np.asarray(err_njy, dtype=np.float64)
    n, nb = f.shape
    zp = r.get("magZeroPoint", AB_ZERO_POINT_NJY)
    err_factor = r.get("magErrFactor", MAG_ERR_FACTOR)
    with np.errstate(invalid="ignore", divide="ignore"):
        missing = ~(np.isfinite(f) & np.isfinite(s) & (s > 0))
        snr = np.where(missing, 0.0, f / np.where(missing, 1.0, s))
        nondet = (~missing) & ~(snr >= r["snrMin"])
        det = (~missing) & ~nondet
        mag = np.empty_like(f)
        mag_err = np.empty_like(f)
        mag[det] = -2.5 * np.log10(f[det]) + zp
        mag_err[det] = np.minimum(err_factor * s[det] / f[det], r["magErrNonDet"])
        mag[nondet] = -2.5 * np.log10(r["snrMin"] * s[nondet]) + zp
        mag_err[nondet] = r["magErrNonDet"]
        fm = np.broadcast_to(np.asarray(fill_mag, dtype=np.float64), (n, nb))
        fe = np.broadcast_to(np.asarray(fill_mag_err, dtype=np.float64), (n, nb))
        mag[missing] = fm[missing]
        mag_err[missing] = fe[missing]
    mag = np.clip(mag, r["magClip"][0], r["magClip"][1])
    layout = feature_layout([str(b) for b in range(nb)], r.get("includeZ", True))
    out = np.empty((n, layout["count"]), dtype=np.float64)
    out[:, block(layout, "mag")] = mag
    out[:, block(layout, "magErr")] = mag_err
    out[:, block(layout, "nondet")] = nondet
    out[:, block(layout, "missing")] = missing
    if layout["z"]["length"]:
        out[:, block(layout, "z")] = np.asarray(z, np.float64)[:, None]
    return out.astype(np.float32)


def fill_values(flux_njy: np.ndarray, err_njy: np.ndarray, rule: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Fill values for missing bands: per-band mean of mag and magErr over the rows where the band is present."""
    nb = flux_njy.shape[1]
    feats = compute_features(flux_njy, err_njy, np.zeros(len(flux_njy)), np.full(nb, np.nan), np.full(nb, np.nan), rule)
    layout = feature_layout([str(b) for b in range(nb)])
    mag, err, miss = feats[:, block(layout, "mag")], feats[:, block(layout, "magErr")], feats[:, block(layout, "missing")] > 0.5
    fm = np.array([mag[~miss[:, b], b].mean() for b in range(nb)], dtype=np.float64)
    fe = np.array([err[~miss[:, b], b].mean() for b in range(nb)], dtype=np.float64)
    return fm, fe


def mean_snr(flux_njy: np.ndarray, err_njy: np.ndarray) -> np.ndarray:
    """Mean S/N over the given band columns, counting only bands with finite flux and error > 0 (snrSelection rule)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = np.isfinite(flux_njy) & np.isfinite(err_njy) & (err_njy > 0)
        snr = np.where(ok, flux_njy / np.where(ok, err_njy, 1.0), 0.0)
        cnt = ok.sum(axis=1)
        return np.where(cnt > 0, snr.sum(axis=1) / np.maximum(cnt, 1), 0.0)


def build_features(flux_njy: np.ndarray, err_njy: np.ndarray, z: np.ndarray, bands: list[str], rule: dict) -> dict:
    """Step 3, feature building for the training set: missing-band fill values, features (float64 of the float32
    transform), and the standardization the ONNX graph applies (mean/std per feature; the 0/1 nondet and missing
    flags are not standardized: mean 0, std 1; a constant feature gets std 1).
    Returns {'features', 'mean', 'std', 'fillMag', 'fillMagErr'}."""
    fm, fe = fill_values(flux_njy, err_njy, rule)
    feat = compute_features(flux_njy, err_njy, z, fm, fe, rule).astype(np.float64)
    mean, std = feat.mean(0), feat.std(0)
    layout = feature_layout(bands, rule.get("includeZ", True))
    for k in ("nondet", "missing"):
        mean[block(layout, k)], std[block(layout, k)] = 0.0, 1.0
    std = np.where(std < 1e-6, 1.0, std)
    return {"features": feat, "mean": mean, "std": std, "fillMag": fm, "fillMagErr": fe}


def redshift_conditioned(cfg: dict) -> bool:
    """`conditioning.redshift` of a training config (default True: z is a feature; False: z is a parameter)."""
    return bool((cfg.get("conditioning") or {}).get("redshift", True))


def nondetection_rule(cfg: dict) -> dict:
    """The feature rule of a training config: DEFAULT_RULE overridden by `features.nonDetection`, plus `includeZ`
    (False for a photo-z model, `conditioning: {redshift: false}`)."""
    return {**DEFAULT_RULE, **cfg.get("features", {}).get("nonDetection", {}), "includeZ": redshift_conditioned(cfg)}


def transform_name(rule: dict) -> str:
    """The manifest's `features.transform` for a feature rule."""
    return TRANSFORM_WITH_Z if rule.get("includeZ", True) else TRANSFORM_NO_Z
