"""Unit tests of the export path (pixsed_train/export.py) and the re-export command (reexport.py):
`/usr/bin/python3 -m unittest -v test_export` from tools/train (run by `npm test -w tools/train`). Torch tests skip
cleanly without torch, the ONNX op test without onnx, the JavaScript-style JSON test without node."""
from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_ONNX = importlib.util.find_spec("onnx") is not None


def small_sampler(kind: str, seed: int = 3):
    """A Sampler around a random ConditionalFlow (5 parameters, 9 features, 4 coupling layers, hidden 16) whose
    last layers are random too (training starts them at zero), with a logit transform on 3 of the 5 parameters."""
    import numpy as np
    import torch

    from pixsed_train.flow import ConditionalFlow, Sampler

    torch.manual_seed(seed)
    cfg = {"kind": kind, "layers": 4, "hidden": 16, "hiddenLayers": 2, "embedHidden": 32, "embedLayers": 1, "contextDim": 8,
           "bins": 4, "tailBound": 3.0, "maskSeed": 1}
    flow = ConditionalFlow(9, 5, cfg)
    with torch.no_grad():
        for layer in flow.layers:
            layer.out.weight.normal_(0.0, 0.3)
            layer.out.bias.normal_(0.0, 0.3)
    rng = np.random.default_rng(seed)
    return Sampler(flow, rng.normal(0, 1, 9), rng.uniform(0.5, 2, 9), rng.normal(0, 1, 5), rng.uniform(0.5, 2, 5),
                   np.array([True, False, True, True, False]), np.full(5, -4.0), np.full(5, 12.0)).eval()


@unittest.skipUnless(HAS_TORCH, "torch not installed (Debian python3-torch); export tests skipped")
class AffineSamplingGraphTest(unittest.TestCase):
    def test_equals_the_sampler(self):
        """The folded graph is the Sampler's function: same features + noise, float32 rounding apart."""
        import torch

        from pixsed_train.export import AFFINE_GRAPH, sampling_graph

        s = small_sampler("affine")
        g, name = sampling_graph(s)
        self.assertEqual(name, AFFINE_GRAPH)
        gen = torch.Generator().manual_seed(0)
        f, z = torch.randn(7, 9, generator=gen), torch.randn(7, 33, 5, generator=gen)
        with torch.no_grad():
            a, b = s(f, z), g(f, z)
        self.assertEqual(tuple(b.shape), (7, 33, 5))
        self.assertGreater(float((a - s.par_mean).abs().mean()), 0.1)  # the flow is not the identity
        self.assertLess(float(((a - b).abs() / a.abs().clamp(min=1)).max()), 1e-5)
        self.assertEqual(g.par_mean.shape[0], 5)  # validate.sample reads D from it

    def test_spline_exports_the_sampler_itself(self):
        from pixsed_train.export import sampling_graph

        s = small_sampler("spline")
        self.assertIs(sampling_graph(s)[0], s)
        self.assertEqual(sampling_graph(s)[1], "sampler")

    def test_manifest_graph_name_is_the_exported_graph(self):
        """build_manifest records graph_name(cfg.flow): the graph sampling_graph exports for that flow, so reexport.py
        leaves a freshly trained model alone."""
        from pixsed_train.export import graph_name, sampling_graph

        for kind in ("affine", "spline"):
            self.assertEqual(graph_name({"kind": kind}), sampling_graph(small_sampler(kind))[1])

    def test_graph_macs(self):
        """Per layer (D+1) H + H^2 + H 2(D+1) for the folded graph (D = 5, H = 16: 96 + 256 + 192), the Linear
        weights (in_x, mid, out) for a spline Sampler."""
        from pixsed_train.export import graph_macs_per_sample

        self.assertEqual(graph_macs_per_sample(small_sampler("affine")), 4 * (96 + 256 + 192))
        s = small_sampler("spline")
        expect = sum(layer.in_x.weight.numel() + 16 * 16 + layer.out.weight.numel() for layer in s.flow.layers)
        self.assertEqual(graph_macs_per_sample(s), expect)

    @unittest.skipUnless(HAS_ONNX, "onnx not installed (Debian python3-onnx)")
    def test_onnx_has_no_per_sample_index_selection(self):
        """The exported graph's only Gathers read shapes (N, S); the Sampler's export gathers the noise itself."""
        import onnx

        from pixsed_train.export import export_onnx, sampling_graph

        s = small_sampler("affine")
        tmp = Path(tempfile.mkdtemp(prefix="pixsed-export-"))
        try:
            gathers = {}
            for label, module in (("folded", sampling_graph(s)[0]), ("sampler", s)):
                export_onnx(module, s.feat_mean.numpy()[None].repeat(4, 0), 5, tmp / f"{label}.onnx")
                m = onnx.load(str(tmp / f"{label}.onnx"))
                producer = {o: n.op_type for n in m.graph.node for o in n.output}
                gathers[label] = [producer.get(n.input[0], "input") for n in m.graph.node if n.op_type == "Gather"]
            self.assertTrue(all(p == "Shape" for p in gathers["folded"]), gathers["folded"])
            self.assertIn("input", gathers["sampler"])  # index_select on the noise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class ReexportHelpersTest(unittest.TestCase):
    def test_bump_patch(self):
        from reexport import bump_patch

        self.assertEqual(bump_patch("0.3.0", "m.json"), "0.3.1")
        self.assertEqual(bump_patch("1.2.9", "m.json"), "1.2.10")
        for bad in ("0.3", "v0.3.0", "0.3.0-rc1"):
            with self.assertRaises(SystemExit) as e:
                bump_patch(bad, "m.json")
            self.assertIn("m.json", str(e.exception))

    def test_metric_changes_use_noise_or_floor(self):
        from reexport import METRIC_FLOORS, metric_changes

        base = {k: 0.5 for k in METRIC_FLOORS}
        old = {"p": dict(base)}
        new = {"p": {**base, "r2": 0.5 + 0.5 * METRIC_FLOORS["r2"], "bias": 0.51}}
        noise = {"p": {**new["p"], "bias": 0.51 + 0.02}}  # bias noise 0.02 > its change 0.01
        rows = {r["metric"]: r for r in metric_changes(old, new, noise)}
        self.assertTrue(rows["r2"]["ok"] and rows["bias"]["ok"])
        noise["p"]["bias"] = 0.51  # no noise: the change 0.01 exceeds the floor 0.002
        self.assertFalse({r["metric"]: r for r in metric_changes(old, new, noise)}["bias"]["ok"])

    def test_json_keeps_its_number_style(self):
        from reexport import write_json_as_before

        tmp = Path(tempfile.mkdtemp(prefix="pixsed-json-"))
        try:
            obj = {"a": 1.5e-7, "b": [0.000001563152977723803, 2]}
            py = json.dumps(obj, indent=1) + "\n"  # '1.5e-07'
            write_json_as_before(tmp / "p.json", {**obj, "c": 1e-8}, py)
            self.assertIn('"c": 1e-08', (tmp / "p.json").read_text())
            if shutil.which("node"):
                js = '{\n "a": 1.5e-7,\n "b": [\n  0.000001563152977723803,\n  2\n ]\n}\n'  # JSON.stringify(obj, null, 1)
                write_json_as_before(tmp / "j.json", {**obj, "c": 1e-8}, js)
                self.assertEqual((tmp / "j.json").read_text(), js[:-3] + ',\n "c": 1e-8\n}\n')
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
