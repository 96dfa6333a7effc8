#!/usr/bin/env python3
"""PyTorch peer of tools/bench/inference.bench.mjs: batched posterior sampling with the *same weights* as a shipped
ONNX model (<model-dir>/sampler.pt, the Sampler state_dict written by train.py), pixels/s at S samples per pixel.

usage: /usr/bin/python3 tools/train/bench_torch.py --model-dir test-data/models/jades-delayed-tau \
           [--pixels 4096] [--samples 500] [--threads 2] [--chunk 256]
Prints one JSON line: {"pxPerS", "threads", "chunk", "pixels", "samples", "check": {"features", "noise", "samples"}}
where `check` is a 4-pixel x 8-sample run the caller feeds to onnxruntime to show the weights are the same.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
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


def features_in_range(man: dict, n: int, rng: np.random.Generator) -> np.ndarray:
    """Features inside the training ranges (30-70 % of each range; non-detection/missing flags 0)."""
    lo = np.array(man["trainingRanges"]["features"]["min"], dtype=np.float64)
    hi = np.array(man["trainingRanges"]["features"]["max"], dtype=np.float64)
    nb = len(man["bands"])
    f = lo + (hi - lo) * (0.3 + 0.4 * rng.random((n, len(lo))))
    f[:, 2 * nb:4 * nb] = 0.0
    return f.astype(np.float32)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", required=True, type=Path)
    ap.add_argument("--pixels", type=int, default=4096)
    ap.add_argument("--samples", type=int, default=500)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=256)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    sampler, man = load_sampler(a.model_dir)
    D = len(man["parameters"])
    rng = np.random.default_rng(1)
    feats = torch.from_numpy(features_in_range(man, a.pixels, rng))
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        sampler(feats[: a.chunk], torch.randn(min(a.chunk, a.pixels), a.samples, D, generator=g))  # warm-up
        t0 = time.perf_counter()
        for k in range(0, a.pixels, a.chunk):
            f = feats[k:k + a.chunk]
            sampler(f, torch.randn(len(f), a.samples, D, generator=g))
        sec = time.perf_counter() - t0
        cf, cn = feats[:4], torch.randn(4, 8, D, generator=g)
        cs = sampler(cf, cn)
    print(json.dumps({"pxPerS": a.pixels / sec, "threads": a.threads, "chunk": a.chunk, "pixels": a.pixels,
                      "samples": a.samples, "check": {"features": cf.numpy().ravel().tolist(),
                                                       "noise": cn.numpy().ravel().tolist(),
                                                       "samples": cs.numpy().ravel().tolist()}}))


if __name__ == "__main__":
    main()
