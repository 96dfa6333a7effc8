"""Step 5, export (torch + onnx): the sampling graph as ONNX opset 17 (checked with onnx.checker) and the Sampler's
state_dict for the PyTorch peer (tools/train/bench_torch.py). Kept thin: every number it exports comes from earlier steps.

For an affine flow the exported graph is AffineSamplingGraph (issue 22): the same weights and the same function as
Sampler, rearranged so that onnxruntime runs it without per-sample index selections. A spline flow exports Sampler as is.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .log import log
from .manifest import INPUT_NAMES, ONNX_OPSET, OUTPUT_NAME

# names the exported graph's layout in the manifest (sampler.graph); bump when the layout changes (a new model version)
AFFINE_GRAPH = "affine-folded-v1"


def _affine_graph_class():
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class AffineSamplingGraph(nn.Module):
        """Sampler's sampling direction for affine coupling layers with the coupling's index selections folded into
        the weights (Dinh et al. 2017, arXiv 1605.08803, eq. 9: y_tr = x_tr exp(s) + t, y_id = x_id):

        - the state is x_aug = [x, 1] [N, S, D+1] for all layers: no index_select/cat/permutation per layer;
        - layer l's first Linear reads every dim through W_x zero-padded at the transformed dims, and the constant 1
          column multiplies the pixel's context term W_c c + b (one row of a per-pixel weight [N, D+1, H]), so the
          first layer is one batched MatMul [N, S, D+1] x [N, D+1, H] with no broadcast Add;
        - the last Linear writes (s/3, t) for all D+1 dims, with zero weights and bias at the kept dims and at the
          constant column (s = t = 0 there: exp(0) x + 0 = x exactly), in one [R, H] x [H, 2(D+1)] Gemm on 2-D rows;
          the coupling's 1/3 in s = 3 tanh(p/3) is folded into that Gemm's weights.
        The result equals Sampler's up to float32 rounding (summation order); export_sampler's ONNX check compares them.
        """

        def __init__(self, sampler):
            super().__init__()
            fl = sampler.flow
            if any(layer.kind != "affine" for layer in fl.layers):
                raise ValueError("AffineSamplingGraph: every coupling layer must be affine")
            self.sampler = sampler
            D = fl.dim
            self.dim = D
            for i, layer in enumerate(fl.layers):
                H = layer.in_x.out_features
                wx = torch.zeros(D, H)
                wx[layer.idn] = layer.in_x.weight.detach().T
                W = layer.out.weight.detach().reshape(layer.n_tr, 2, H)  # out features: (tr dim, [log_s, t])
                b = layer.out.bias.detach().reshape(layer.n_tr, 2)
                w_out = torch.zeros(H, 2 * (D + 1))
                b_out = torch.zeros(2 * (D + 1))
                w_out[:, layer.tr] = W[:, 0].T / 3.0
                b_out[layer.tr] = b[:, 0] / 3.0
                w_out[:, D + 1 + layer.tr] = W[:, 1].T
                b_out[D + 1 + layer.tr] = b[:, 1]
                self.register_buffer(f"w_in_{i}", wx)
                self.register_buffer(f"w_out_{i}", w_out.T.contiguous())  # Linear layout [out, in]
                self.register_buffer(f"b_out_{i}", b_out)

        @property
        def par_mean(self):  # validate.sample reads the parameter count from it, as from a Sampler
            return self.sampler.par_mean

        def forward(self, features, noise):
            s, fl = self.sampler, self.sampler.flow
            c = fl.context((features - s.feat_mean) / s.feat_std)  # [N, C], once per pixel
            N, S, D = noise.shape[0], noise.shape[1], self.dim
            x = torch.cat([noise, torch.ones_like(noise[..., :1])], dim=-1).reshape(N * S, D + 1)
            for i, layer in enumerate(fl.layers):
                wx = getattr(self, f"w_in_{i}")
                w_pix = torch.cat([wx.unsqueeze(0).expand(N, D, wx.shape[1]), layer.ctx(c).unsqueeze(1)], dim=1)
                h = F.relu(torch.bmm(x.reshape(N, S, D + 1), w_pix)).reshape(N * S, -1)
                h = layer.mid(h)
                ls, t = torch.split(F.linear(h, getattr(self, f"w_out_{i}"), getattr(self, f"b_out_{i}")), D + 1, dim=-1)
                x = x * torch.exp(3.0 * torch.tanh(ls)) + t
            y = x[:, :D].reshape(N, S, D) * s.par_std + s.par_mean
            return torch.where(s.logit_mask, s.lo + (s.hi - s.lo) * torch.sigmoid(y), y)

    return AffineSamplingGraph


def graph_name(flow_cfg: dict) -> str:
    """The manifest's sampler.graph for a flow config: which graph sampling_graph exports for it."""
    return AFFINE_GRAPH if flow_cfg.get("kind") == "affine" else "sampler"


def sampling_graph(sampler):
    """(module, graph name) exported as model.onnx for `sampler`: AffineSamplingGraph for an affine flow, else the
    Sampler itself ('sampler')."""
    if all(layer.kind == "affine" for layer in sampler.flow.layers):
        return _affine_graph_class()(sampler).eval(), AFFINE_GRAPH
    return sampler, "sampler"


def graph_macs_per_sample(sampler) -> int:
    """Multiply-adds per sample that model.onnx's graph (sampling_graph) executes in the coupling MLPs. For
    AffineSamplingGraph: per layer (D+1) x H (first layer, the context row included) + the hidden layers + H x 2(D+1)
    (last layer), zero-padded weights counted; for Sampler: its Linear weights (in_x, mid, out), as bench_torch's
    flow_macs counts them."""
    affine = all(layer.kind == "affine" for layer in sampler.flow.layers)
    D = sampler.flow.dim
    total = 0
    for layer in sampler.flow.layers:
        H = layer.in_x.out_features
        mid = sum(m.weight.numel() for m in layer.mid if hasattr(m, "weight"))
        total += ((D + 1) * H + mid + H * 2 * (D + 1)) if affine else (layer.in_x.weight.numel() + mid + layer.out.weight.numel())
    return total


def legacy_exporter() -> dict:
    """torch.onnx.export keywords for the TorchScript exporter every shipped graph was made with: torch >= 2.9 defaults to
    the dynamo exporter, which needs onnxscript and emits opset-18 node forms (Split num_outputs) into an opset-17 graph."""
    import inspect

    import torch

    return {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}


def export_onnx(module, example_features, D: int, onnx_path: Path) -> None:
    """torch.onnx.export of a (features [N, F], noise [N, S, D]) -> samples graph with dynamic N and S, checked."""
    import onnx
    import torch

    with torch.no_grad():
        torch.onnx.export(
            module,
            (torch.tensor(np.asarray(example_features[:4]), dtype=torch.float32), torch.randn(4, 3, D)),
            str(onnx_path),
            input_names=INPUT_NAMES,
            output_names=[OUTPUT_NAME],
            dynamic_axes={"features": {0: "N"}, "noise": {0: "N", 1: "S"}, "samples": {0: "N", 1: "S"}},
            opset_version=ONNX_OPSET,
            **legacy_exporter(),
        )
    onnx.checker.check_model(onnx.load(str(onnx_path)))


def export_sampler(flow, fb: dict, ps: dict, out_dir: Path) -> tuple:
    """(sampler, <out_dir>/model.onnx): wraps the flow with the feature standardization and the parameter transforms,
    writes sampler.pt and model.onnx (sampling_graph(sampler); dynamic N and S)."""
    from .flow import Sampler

    sampler = Sampler(flow, fb["mean"], fb["std"], ps["mean"], ps["std"], ps["logit"], ps["lo"], ps["hi"]).eval()
    import torch

    torch.save(sampler.state_dict(), out_dir / "sampler.pt")  # same weights for the PyTorch peer (tools/train/bench_torch.py)
    onnx_path = out_dir / "model.onnx"
    graph, name = sampling_graph(sampler)
    export_onnx(graph, fb["features"], len(ps["names"]), onnx_path)
    log(f"exported {onnx_path} ({name} graph, {onnx_path.stat().st_size / 1e6:.2f} MB)")
    return sampler, onnx_path


def library_versions() -> dict:
    """Versions recorded in the manifest's provenance."""
    import sys

    import onnx
    import torch

    return {"torch": torch.__version__, "onnx": onnx.__version__, "python": sys.version.split()[0]}
