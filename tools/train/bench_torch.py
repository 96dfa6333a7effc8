#!/usr/bin/env python3
"""PyTorch peer of tools/bench/inference.bench.mjs: batched posterior sampling with the *same weights* as a shipped
ONNX model (<model-dir>/sampler.pt, the Sampler state_dict written by train.py), pixels/s at S samples per pixel.

usage: python tools/train/bench_torch.py --model-dir test-data/models/jades-delayed-tau-affine \
           [--pixels 4096] [--samples 500] [--threads 2] [--chunk 256] [--features F.npy --p50-out P.npy]
       python tools/train/bench_torch.py --peak [--threads 2] [--gemm-size 2048]
Prints one JSON line. Sampling: {"pxPerS", "threads", "chunk", "pixels", "samples", "macs", "check"} where `check` is a
4-pixel x 8-sample run the caller feeds to onnxruntime to show the weights are the same, and `macs` the multiply-adds
of the flow counted from the state_dict's Linear weights (per sample; per pixel: the conditioning network, run once per
pixel and broadcast over its samples; graphPerSample: the multiply-adds model.onnx's graph executes per sample,
zero-padded weights included, pixsed_train/export.py graph_macs_per_sample). With --features (float32 [N, F] .npy, the manifest's feature transform of real
rows) those rows are sampled instead of random in-range features, and --p50-out gets the per-row sample medians
[N, D] (numpy's linear percentile, as pixsed's posteriorSummary); only the flow is timed.
--peak: the machine's fp32 multiply-add rate from square sgemms (numpy, whose BLAS threads the caller sets with
OPENBLAS_NUM_THREADS/OMP_NUM_THREADS, and torch.mm at --threads): {"numpy": GMAC/s, "torch": GMAC/s, ...}; with
--flow-rows R also "flowShape": the same for the flow's hidden-layer shape [R, 64] x [64, 64].
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pixsed_train.export import graph_macs_per_sample  # noqa: E402
from pixsed_train.flow import ConditionalFlow, Sampler  # noqa: E402


def load_sampler(model_dir: Path) -> tuple[Sampler, dict]:
    man = json.loads((model_dir / "manifest.json").read_text())
    wfile = model_dir / "sampler.pt"
    if not wfile.exists():
        raise SystemExit(f"{wfile}: missing (train.py writes it next to model.onnx)")
    F, D = man["features"]["count"], len(man["parameters"])
    flow = ConditionalFlow(F, D, man["sampler"]["flow"])
    z = np.zeros
    s = Sampler(flow, z(F), np.ones(F), z(D), np.ones(D), z(D, bool), z(D), np.ones(D))
    s.load_state_dict(torch.load(wfile))
    return s.eval(), man


def flow_macs(state: dict) -> dict:
    """Multiply-adds of one sampling pass counted from the Linear weights of a Sampler state_dict: per sample, the
    coupling MLPs (in_x, mid, out); per pixel, the embedding network and each coupling's context projection in_c."""
    per_sample = per_pixel = 0
    for k, v in state.items():
        if not k.endswith(".weight") or v.dim() != 2:
            continue
        if re.search(r"\.layers\.\d+\.(in_x|mid\.\d+|out)\.weight$", k):
            per_sample += v.numel()
        elif re.search(r"\.embed\.\d+\.weight$|\.layers\.\d+\.in_c\.weight$", k):
            per_pixel += v.numel()
        else:
            raise SystemExit(f"flow_macs: unexpected weight {k} {tuple(v.shape)}: count it as per sample or per pixel")
    return {"perSample": per_sample, "perPixel": per_pixel}


def features_in_range(man: dict, n: int, rng: np.random.Generator) -> np.ndarray:
    """Features inside the training ranges (30-70 % of each range; non-detection/missing flags 0)."""
    lo = np.array(man["trainingRanges"]["features"]["min"], dtype=np.float64)
    hi = np.array(man["trainingRanges"]["features"]["max"], dtype=np.float64)
    nb = len(man["bands"])
    f = lo + (hi - lo) * (0.3 + 0.4 * rng.random((n, len(lo))))
    f[:, 2 * nb:4 * nb] = 0.0
    return f.astype(np.float32)


def flow_shape_gemm(threads: int, rows: int, width: int = 64, reps: int = 5) -> dict:
    """Best-of-`reps` fp32 rate of the flow's own hidden-layer product [rows, width] x [width, width] (numpy, torch.mm),
    GMAC/s: the realistic peak of a K = N = 64 GEMM, next to the square one."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((rows, width), dtype=np.float32)
    b = rng.standard_normal((width, width), dtype=np.float32)
    a @ b
    macs = rows * width * width
    out = {"rows": rows, "width": width, "numpy": macs / min(_timed(lambda: a @ b) for _ in range(reps)) / 1e9}
    torch.set_num_threads(threads)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    torch.mm(ta, tb)
    out["torch"] = macs / min(_timed(lambda: torch.mm(ta, tb)) for _ in range(reps)) / 1e9
    return out


def gemm_peak(threads: int, size: int, reps: int = 5) -> dict:
    """Best-of-`reps` fp32 sgemm rate (size³ multiply-adds per product) with numpy and with torch.mm."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size), dtype=np.float32)
    b = rng.standard_normal((size, size), dtype=np.float32)
    out = {"size": size, "threads": threads, "numpyVersion": np.__version__, "torchVersion": torch.__version__}
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(reps))
    out["numpy"] = size ** 3 / best / 1e9
    torch.set_num_threads(threads)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    torch.mm(ta, tb)
    best = min(_timed(lambda: torch.mm(ta, tb)) for _ in range(reps))
    out["torch"] = size ** 3 / best / 1e9
    try:
        cfg = np.show_config(mode="dicts")  # numpy >= 1.25
        out["numpyBlas"] = cfg["Build Dependencies"]["blas"]["name"]
    except Exception:  # noqa: BLE001
        out["numpyBlas"] = "unknown"
    return out


def _timed(f) -> float:
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", type=Path)
    ap.add_argument("--pixels", type=int, default=4096)
    ap.add_argument("--samples", type=int, default=500)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=256)
    ap.add_argument("--features", type=Path, help="float32 [N, F] .npy: rows to sample (default: random in-range features)")
    ap.add_argument("--p50-out", type=Path, help="with --features: write the per-row sample medians [N, D] here (.npy)")
    ap.add_argument("--peak", action="store_true", help="only measure the sgemm rate (GMAC/s)")
    ap.add_argument("--gemm-size", type=int, default=2048)
    ap.add_argument("--flow-rows", type=int, default=0, help="with --peak: also the [rows, 64] x [64, 64] rate (the flow's shape)")
    ap.add_argument("--reps", type=int, default=5, help="with --peak: best of this many products")
    a = ap.parse_args()
    if a.flow_rows and not 1 <= a.flow_rows <= 10_000_000:
        ap.error(f"--flow-rows: expected an integer from 1 to 10000000, got {a.flow_rows}")
    for name in ("pixels", "samples", "threads", "chunk", "gemm_size", "reps"):
        v = getattr(a, name)
        hi = 1024 if name == "threads" else 10_000_000
        if not 1 <= v <= hi:
            ap.error(f"--{name.replace('_', '-')}: expected an integer from 1 to {hi}, got {v}")  # exit 2
    torch.set_num_threads(a.threads)
    if a.peak:
        out = gemm_peak(a.threads, a.gemm_size, a.reps)
        if a.flow_rows:
            out["flowShape"] = flow_shape_gemm(a.threads, a.flow_rows, reps=a.reps)
        print(json.dumps(out))
        return
    if a.model_dir is None:
        raise SystemExit("--model-dir is required (or --peak)")
    sampler, man = load_sampler(a.model_dir)
    D = len(man["parameters"])
    rng = np.random.default_rng(1)
    if a.features is not None:
        feats = torch.from_numpy(np.ascontiguousarray(np.load(a.features), dtype=np.float32))
        if feats.dim() != 2 or feats.shape[1] != man["features"]["count"]:
            raise SystemExit(f"{a.features}: shape {tuple(feats.shape)}, expected [N, {man['features']['count']}]")
    else:
        feats = torch.from_numpy(features_in_range(man, a.pixels, rng))
    n = feats.shape[0]
    p50 = np.zeros((n, D), np.float32)
    g = torch.Generator().manual_seed(0)
    sec = 0.0
    with torch.no_grad():
        sampler(feats[: a.chunk], torch.randn(min(a.chunk, n), a.samples, D, generator=g))  # warm-up
        for k in range(0, n, a.chunk):
            f = feats[k:k + a.chunk]
            noise = torch.randn(len(f), a.samples, D, generator=g)
            t0 = time.perf_counter()
            s = sampler(f, noise)
            sec += time.perf_counter() - t0
            if a.p50_out is not None:
                p50[k:k + len(f)] = np.percentile(s.numpy(), 50, axis=1)
        cf, cn = feats[:4], torch.randn(4, 8, D, generator=g)
        cs = sampler(cf, cn)
    if a.p50_out is not None:
        np.save(a.p50_out, p50)
    print(json.dumps({"pxPerS": n / sec, "threads": a.threads, "chunk": a.chunk, "pixels": n, "samples": a.samples,
                      "torch": torch.__version__, "macs": {**flow_macs(sampler.state_dict()), "graphPerSample": graph_macs_per_sample(sampler)},
                      "check": {"features": cf.numpy().ravel().tolist(), "noise": cn.numpy().ravel().tolist(),
                                "samples": cs.numpy().ravel().tolist()}}))


if __name__ == "__main__":
    main()
