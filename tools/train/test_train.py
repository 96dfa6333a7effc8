"""Fast unit tests: `/usr/bin/python3 -m unittest discover -s tools/train -p 'test_*.py'` (or `npm test -w tools/train`).
Feature-transform tests need only numpy; flow tests skip cleanly when torch is not installed."""
from __future__ import annotations

import importlib.util
import math
import sys
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pixsed_train.features import MAG_ERR_FACTOR, compute_features, mean_snr  # noqa: E402

HAS_TORCH = importlib.util.find_spec("torch") is not None


class FeatureTransformTest(unittest.TestCase):
    def test_rules(self):
        fm, fe = np.array([25.0, 26.0, 27.0, 28.0]), np.array([0.1, 0.2, 0.3, 0.4])
        flux = np.array([[100.0, -1.0, np.nan, 0.5]])
        err = np.array([[10.0, 2.0, 1.0, 1.0]])
        f = compute_features(flux, err, np.array([2.0]), fm, fe).astype(np.float64)[0]
        nb = 4
        mag, merr, nd, miss, z = f[:nb], f[nb:2 * nb], f[2 * nb:3 * nb], f[3 * nb:4 * nb], f[-1]
        self.assertAlmostEqual(mag[0], -2.5 * math.log10(100.0) + 31.4, places=5)  # 26.4
        self.assertAlmostEqual(merr[0], MAG_ERR_FACTOR * 0.1, places=6)
        self.assertEqual(list(nd), [0, 1, 0, 1])
        self.assertEqual(list(miss), [0, 0, 1, 0])
        self.assertAlmostEqual(mag[1], -2.5 * math.log10(2.0) + 31.4, places=5)  # 1-sigma limit of the error
        self.assertAlmostEqual(merr[1], MAG_ERR_FACTOR, places=6)
        self.assertAlmostEqual(mag[2], 27.0, places=5)
        self.assertAlmostEqual(merr[2], 0.3, places=6)
        self.assertAlmostEqual(mag[3], 31.4, places=5)  # S/N 0.5 < 1: limit mag of err = 1 nJy
        self.assertEqual(z, 2.0)

    def test_continuity_at_threshold(self):
        f = compute_features(np.array([[1.0], [1.0]]), np.array([[0.999999], [1.000001]]), np.zeros(2), [0.0], [0.0])
        self.assertLess(abs(f[0, 0] - f[1, 0]), 1e-5)  # mag continuous across S/N = 1
        self.assertLess(abs(f[0, 1] - f[1, 1]), 1e-5)  # magErr too
        self.assertEqual((f[0, 2], f[1, 2]), (0.0, 1.0))

    def test_clip_and_missing_err(self):
        f = compute_features(np.array([[1e12, 2.0]]), np.array([[1.0, 0.0]]), np.zeros(1), [20.0, 21.0], [0.5, 0.6])
        self.assertEqual(f[0, 0], 10.0)
        self.assertEqual(f[0, 1], 21.0)  # err <= 0 -> missing
        self.assertEqual(f[0, 7], 1.0)

    def test_layout_matches_shipped_manifests(self):
        import json

        from pixsed_train.features import block, feature_layout

        manifests = sorted((Path(__file__).resolve().parents[2] / "test-data" / "models").glob("*/manifest.json"))
        self.assertGreaterEqual(len(manifests), 3)
        for f in manifests:
            m = json.loads(f.read_text())
            L = feature_layout(m["bands"])
            self.assertEqual(L["names"], m["features"]["names"], f)
            self.assertEqual(L["count"], m["features"]["count"], f)
            self.assertEqual([m["features"]["names"][i] for i in range(*block(L, "z").indices(L["count"]))], ["z"])

    def test_manifest_constants_are_used(self):
        base = compute_features(np.array([[100.0]]), np.array([[10.0]]), np.zeros(1), [0.0], [0.0])
        other = compute_features(np.array([[100.0]]), np.array([[10.0]]), np.zeros(1), [0.0], [0.0], {"magZeroPoint": 23.9, "magErrFactor": 1.0})
        self.assertAlmostEqual(float(base[0, 0] - other[0, 0]), 31.4 - 23.9, places=5)  # zero point µJy-style 23.9
        self.assertAlmostEqual(float(other[0, 1]), 0.1, places=6)  # magErrFactor 1 * 10 / 100

    def test_mean_snr(self):
        s = mean_snr(np.array([[10.0, 20.0, np.nan]]), np.array([[1.0, 2.0, 1.0]]))
        self.assertAlmostEqual(s[0], 10.0)


@unittest.skipUnless(HAS_TORCH, "torch not installed (Debian python3-torch); flow tests skipped")
class FlowTest(unittest.TestCase):
    def test_spline_inverse_and_logdet(self):
        import torch

        from pixsed_train.flow import ConditionalFlow

        torch.manual_seed(0)
        cfg = dict(kind="spline", layers=4, hidden=16, hiddenLayers=2, bins=6, embedHidden=16, embedLayers=1, contextDim=8)
        fl = ConditionalFlow(7, 3, cfg)
        for p in fl.parameters():
            p.data.normal_(0, 0.1)
        f, z = torch.randn(5, 7), torch.randn(5, 2, 3)
        x = fl.sample_std(f, z)
        xx, ff = x.reshape(10, 3), f.repeat_interleave(2, 0)
        c = fl.embed(ff)
        back = xx
        for layer in reversed(fl.layers):
            back, _ = layer.normalize(back, layer.ctx(c))
        self.assertLess((back - z.reshape(10, 3)).abs().max().item(), 1e-4)
        jac = torch.autograd.functional.jacobian(lambda v: fl.sample_std(f[:1], v[None, None])[0, 0], z[0, 0])
        lp = fl.log_prob(x[0, :1], f[:1]).item()
        ref = -0.5 * (z[0, 0] ** 2).sum().item() - 1.5 * math.log(2 * math.pi) - torch.logdet(jac).item()
        self.assertAlmostEqual(lp, ref, places=3)


if __name__ == "__main__":
    unittest.main()


class ConfigExtendsTest(unittest.TestCase):
    def setUp(self):
        import tempfile
        self.dir = Path(tempfile.mkdtemp(prefix="pixsed-train-cfg-"))

    def write(self, name: str, text: str) -> Path:
        p = self.dir / name
        p.write_text(text)
        return p

    def test_child_overrides_and_merges(self):
        from pixsed_train.config import read_config
        self.write("base.yaml", "name: base\nversion: 1.0.0\ndescription: parent\noutDir: test-data/models/base\n"
                   "flow: {kind: spline, layers: 6, hidden: 64}\ntraining: {lr: 0.001, maxMinutes: 50}\n"
                   "parameters: [{name: a}, {name: b}]\n")
        child = self.write("child.yaml", "extends: base.yaml\nname: child\nversion: 0.3.0\n"
                           "flow: {kind: affine, layers: 10}\nparameters: [{name: c}]\n")
        cfg = read_config(child)
        self.assertEqual(cfg["name"], "child")
        self.assertEqual(cfg["flow"], {"kind": "affine", "layers": 10, "hidden": 64})  # merged key by key
        self.assertEqual(cfg["training"], {"lr": 0.001, "maxMinutes": 50})  # inherited
        self.assertEqual(cfg["parameters"], [{"name": "c"}])  # lists replace
        self.assertNotIn("outDir", cfg)  # identity keys are not inherited
        self.assertNotIn("description", cfg)
        self.assertNotIn("extends", cfg)

    def test_errors(self):
        from pixsed_train.config import read_config
        self.write("a.yaml", "extends: b.yaml\nname: a\nversion: 1\n")
        self.write("b.yaml", "extends: a.yaml\nname: b\nversion: 1\n")
        with self.assertRaisesRegex(SystemExit, "cycle"):
            read_config(self.dir / "a.yaml")
        no_name = self.write("c.yaml", "extends: a.yaml\nversion: 2\n")
        with self.assertRaisesRegex(SystemExit, "must set its own `name`"):
            read_config(no_name)
        missing = self.write("d.yaml", "extends: nope.yaml\nname: d\nversion: 1\n")
        with self.assertRaisesRegex(SystemExit, "no such file"):
            read_config(missing)

    def test_shipped_configs_resolve(self):
        from pixsed_train.config import check_required, read_config
        here = Path(__file__).resolve().parent
        for p in sorted(here.glob("*.yaml")):
            cfg = read_config(p)
            check_required(cfg, p)
            self.assertEqual(cfg["name"], p.stem, p)

    def test_source_digest_tracks_sources_not_tests(self):
        from pixsed_train.config import source_digest
        src = self.dir / "src"
        (src / "sub").mkdir(parents=True)
        (src / "a.ts").write_text("export const a = 1;\n")
        (src / "sub" / "b.ts").write_text("export const b = 2;\n")
        (src / "a.unit.test.ts").write_text("test 1\n")
        d0 = source_digest(src)
        (src / "a.unit.test.ts").write_text("test 2\n")
        self.assertEqual(source_digest(src), d0)
        (src / "sub" / "b.ts").write_text("export const b = 3;\n")
        self.assertNotEqual(source_digest(src), d0)
