"""Step 5, export (torch + onnx): the sampling graph as ONNX opset 17 (checked with onnx.checker) and the Sampler's
state_dict for the PyTorch peer (tools/train/bench_torch.py). Kept thin: every number it exports comes from earlier steps."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .log import log
from .manifest import INPUT_NAMES, ONNX_OPSET, OUTPUT_NAME


def export_sampler(flow, fb: dict, ps: dict, out_dir: Path) -> tuple:
    """(sampler, <out_dir>/model.onnx): wraps the flow with the feature standardization and the parameter transforms,
    writes sampler.pt and model.onnx (dynamic N and S)."""
    import onnx
    import torch

    from .flow import Sampler

    sampler = Sampler(flow, fb["mean"], fb["std"], ps["mean"], ps["std"], ps["logit"], ps["lo"], ps["hi"]).eval()
    torch.save(sampler.state_dict(), out_dir / "sampler.pt")  # same weights for the PyTorch peer (tools/train/bench_torch.py)
    onnx_path = out_dir / "model.onnx"
    D = len(ps["names"])
    with torch.no_grad():
        torch.onnx.export(
            sampler,
            (torch.tensor(np.asarray(fb["features"][:4]), dtype=torch.float32), torch.randn(4, 3, D)),
            str(onnx_path),
            input_names=INPUT_NAMES,
            output_names=[OUTPUT_NAME],
            dynamic_axes={"features": {0: "N"}, "noise": {0: "N", 1: "S"}, "samples": {0: "N", 1: "S"}},
            opset_version=ONNX_OPSET,
        )
    onnx.checker.check_model(onnx.load(str(onnx_path)))
    log(f"exported {onnx_path} ({onnx_path.stat().st_size / 1e6:.2f} MB)")
    return sampler, onnx_path


def library_versions() -> dict:
    """Versions recorded in the manifest's provenance."""
    import sys

    import onnx
    import torch

    return {"torch": torch.__version__, "onnx": onnx.__version__, "python": sys.version.split()[0]}
