"""Parameter transforms (numpy only): physical theta <-> the unbounded, standardized space the flow is trained in.

Bounded uniform priors (`transform: logit`) map through logit((theta - min) / (max - min)); derived quantities stay as
they are; then (u - mean) / std over the training set. The ONNX graph inverts both (flow.Sampler)."""
from __future__ import annotations

import numpy as np

from .log import log


def to_unbounded(theta: np.ndarray, ps: dict) -> np.ndarray:
    """theta [N, D] -> u [N, D]: logit((theta - lo) / (hi - lo)) for the logit parameters (clipped to 1e-6 from the
    bounds), identity for the others."""
    out = theta.copy()
    for j, lg in enumerate(ps["logit"]):
        if lg:
            u = np.clip((theta[:, j] - ps["lo"][j]) / (ps["hi"][j] - ps["lo"][j]), 1e-6, 1 - 1e-6)
            out[:, j] = np.log(u / (1 - u))
    return out


def params_of(cat: dict, ps: dict) -> np.ndarray:
    """The catalogue's parameter columns [N, D] in `ps['names']` order."""
    return np.stack([cat["col"](n) for n in ps["names"]], axis=1)


def param_setup(cfg: dict, cat: dict) -> dict:
    """{'names', 'logit', 'lo', 'hi', 'mean', 'std'} from `parameters:` and the training catalogue. A logit parameter
    whose training values leave its [min, max] is an error (the logit would clip them silently)."""
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


def dequantize_floors(raw: np.ndarray, ps: dict, floors: list | None, rng: np.random.Generator) -> np.ndarray:
    """`training.floorDequantize`: values at a parameter's floor (<= floor + 1e-6) are spread uniformly over
    [floor - width, floor] (a point mass makes the likelihood unbounded; README "train"). Modifies and returns `raw`."""
    for dq in floors or []:
        j = ps["names"].index(dq["param"])
        at = raw[:, j] <= dq["floor"] + 1e-6
        raw[at, j] = dq["floor"] - dq["width"] * rng.random(int(at.sum()))
        log(f"dequantized {int(at.sum())} rows of {dq['param']} at the floor {dq['floor']} over width {dq['width']}")
    return raw


def split_train_val(n: int, val_fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(validation rows, training rows): a random permutation of 0..n-1, the first round(n * val_fraction) validate."""
    perm = rng.permutation(n)
    n_val = int(round(n * val_fraction))
    return perm[:n_val], perm[n_val:]
