"""Fast unit tests of tools/train-cnn: `/usr/bin/python3 -m unittest -v test_train_cnn` (or `npm test -w tools/train-cnn`).
Metric tests need numpy only; the U-Net / NLL tests skip when torch is missing."""
from __future__ import annotations

import importlib.util
import math
import sys
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_cnn import binned_metrics, metrics  # noqa: E402

HAS_TORCH = importlib.util.find_spec("torch") is not None


class MetricsTest(unittest.TestCase):
    def test_bias_nmad_coverage_against_hand_computed_values(self):
        pred = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
        truth = np.array([0.0, 2.5, 3.0, 3.0, 9.0])  # Δ = 1, −0.5, 0, 1, 1 → median 1; |Δ − 1| = 0, 1.5, 1, 0, 0 → median 0
        sigma = np.array([2.0, 0.1, 0.5, 0.5, 2.0])  # |Δ| < σ for rows 0, 2, 4
        m = metrics(pred, sigma, truth)
        self.assertEqual(m["n"], 5)
        self.assertAlmostEqual(m["bias"], 1.0)
        self.assertAlmostEqual(m["nmad"], 0.0)
        self.assertAlmostEqual(m["coverage68"], 3 / 5)

    def test_snr_bins_split_pixels_and_skip_missing_truth(self):
        mu = np.array([[1.0], [1.0], [1.0], [1.0], [1.0]])
        sigma = np.ones_like(mu)
        truth = np.array([[0.0], [1.0], [np.nan], [1.5], [3.0]])
        snr = np.array([-2.0, 7.0, 8.0, 20.0, 50.0])
        r = binned_metrics(mu, sigma, truth, snr, ["a"])["a"]
        self.assertEqual(r["<5"]["n"], 1)  # the negative S/N pixel is below 5
        self.assertEqual(r["5-10"]["n"], 1)  # the NaN truth is skipped
        self.assertEqual(r["10-30"]["bias"], -0.5)
        self.assertEqual(r[">30"]["coverage68"], 0.0)
        self.assertEqual(r["all"]["n"], 4)


@unittest.skipUnless(HAS_TORCH, "torch not installed (Debian python3-torch)")
class UNetTest(unittest.TestCase):
    def test_shapes_clamp_and_export_wrapper(self):
        import torch

        from unet import Exported, UNet

        net = UNet(5, 3, [4, 8, 16])
        y = net(torch.randn(2, 5, 32, 32))
        self.assertEqual(tuple(y.shape), (2, 6, 32, 32))
        self.assertTrue(bool((y[:, 3:] <= 3).all() and (y[:, 3:] >= -7).all()))
        exp = Exported(net, [1.0, 2.0, 3.0], [0.5, 1.0, 2.0])
        x = torch.randn(1, 5, 32, 32)
        a, b = net(x), exp(x)
        self.assertTrue(torch.allclose(b[:, 0], a[:, 0] * 0.5 + 1.0, atol=1e-6))
        self.assertTrue(torch.allclose(b[:, 5], a[:, 5] + math.log(2.0), atol=1e-6))

    def test_gaussian_nll_matches_formula_and_ignores_invalid_pixels(self):
        import torch

        from unet import gaussian_nll

        y = torch.tensor([0.0, 1.0, math.log(2.0), 0.0]).view(1, 4, 1, 1)  # P = 2: μ = (0, 1), ln σ = (ln 2, 0)
        t = torch.tensor([1.0, 5.0]).view(1, 2, 1, 1)
        v = torch.tensor([True, False]).view(1, 2, 1, 1)
        self.assertAlmostEqual(float(gaussian_nll(y, t, v)), 0.5 * (1 / 2) ** 2 + math.log(2.0), places=6)


if __name__ == "__main__":
    unittest.main()
