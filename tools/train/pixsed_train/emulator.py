"""Photometry emulator for the posterior-predictive check (PPC): (model parameters, z) -> noiseless AB magnitude per band
and its scatter, trained on the same simulated catalogue as the flow. The flow's parameters are summaries (mass, SFR,
mass-weighted age, [M/H], A_V), not the simulator's generative ones (SFH shape, log U, SSP library), so a draw does not fix
the photometry: the emulator predicts a Gaussian in magnitude per band, mean mu_b(theta, z) and sigma_b(theta, z) (the
photometric scatter at fixed summaries), fitted by Gaussian negative log-likelihood (heteroscedastic regression, Nix &
Weigend 1994). Flux scales with mass at fixed specific quantities, so the network sees log sSFR = log SFR - log M* and
predicts m_b + 2.5 log10 M*; the graph adds the mass term back. numpy here; torch inside the functions that need it.
"""
from __future__ import annotations

import copy
import math
import time
from pathlib import Path

import numpy as np

from .features import AB_ZERO_POINT_NJY
from .log import log

EMULATOR_INPUT_NAMES = ["parameters", "z"]
EMULATOR_OUTPUT_NAME = "photometry"
# a band with (almost) no true flux (Lyman break, IGM) has its mass-normalised magnitude clipped here so the target stays
# finite; at M* = 1e12 Msun it is AB mag 50 (1e-7 nJy), far below any noise. (60 was too bright: a dark F435W band at
# z > 4 was predicted at ~2 nJy for the most massive mocks, failing the check for 5 % of held-out mocks, measured)
MAG_PER_MASS_MAX = 80.0
LOG_SIGMA_MIN = math.log(0.003)  # mag: the emulator never claims to be better than 3 mmag


def mass_index(names: list[str]) -> int:
    if "log_mstar" not in names:
        raise SystemExit(f"emulator: the model's parameters {names} have no log_mstar (needed for the flux scale)")
    return names.index("log_mstar")


def emulator_inputs(theta: np.ndarray, z: np.ndarray, names: list[str]) -> np.ndarray:
    """The network's raw inputs [N, D + 1]: every parameter except log_mstar, log_sfr* as log specific SFR (floored at
    -14 log10/yr), then z and log10(max(z, 1e-3)) (the distance modulus is ~5 log10 z at low z: with z alone the
    held-out mocks at z < 0.05 failed the check, measured). The ONNX graph forms the same inputs (Emulator.forward)."""
    mi = mass_index(names)
    cols = []
    for j, n in enumerate(names):
        if j == mi:
            continue
        cols.append(np.maximum(theta[:, j] - theta[:, mi], -14.0) if n.startswith("log_sfr") else theta[:, j])
    cols.append(z)
    cols.append(np.log10(np.maximum(z, 1e-3)))
    return np.stack(cols, axis=1)


def mass_normalised_mags(flux_true_njy: np.ndarray, log_mstar: np.ndarray) -> np.ndarray:
    """Targets [N, B]: m_b + 2.5 log10 M* with m_b = 31.4 - 2.5 log10(f / nJy), clipped at MAG_PER_MASS_MAX."""
    f = np.maximum(flux_true_njy, 1e-300)
    t = AB_ZERO_POINT_NJY - 2.5 * np.log10(f) + 2.5 * log_mstar[:, None]
    return np.minimum(t, MAG_PER_MASS_MAX)


def train_emulator(cat: dict, names: list[str], cfg: dict, threads: int) -> tuple:
    """(emulator module, info): an MLP with a mean and a log-sigma head per band, Adam on the Gaussian NLL, best epoch
    on a 10 % validation split, time-limited (`cfg['maxMinutes']`)."""
    import torch
    import torch.nn as nn

    torch.set_num_threads(threads)
    torch.manual_seed(int(cfg.get("seed", 0)))
    rng = np.random.default_rng(int(cfg.get("seed", 0)))
    theta = np.stack([cat["col"](n) for n in names], axis=1)
    bands = cat["bands"]
    ftrue = np.stack([cat["col"](f"flux_{b}_true_njy") for b in bands], axis=1)
    x = emulator_inputs(theta, cat["z"], names)
    t = mass_normalised_mags(ftrue, theta[:, mass_index(names)])
    in_mean, in_std = x.mean(0), np.where(x.std(0) < 1e-9, 1.0, x.std(0))
    out_mean, out_std = t.mean(0), np.where(t.std(0) < 1e-9, 1.0, t.std(0))
    n = len(x)
    perm = rng.permutation(n)
    nv = max(1, int(0.1 * n))
    iv, it = perm[:nv], perm[nv:]
    X = torch.tensor((x - in_mean) / in_std, dtype=torch.float32)
    T = torch.tensor((t - out_mean) / out_std, dtype=torch.float32)
    os_t = torch.tensor(out_std, dtype=torch.float32)
    nb = len(bands)
    hidden, layers = int(cfg.get("hidden", 128)), int(cfg.get("layers", 3))
    mods, last = [], x.shape[1]
    for _ in range(layers):
        mods += [nn.Linear(last, hidden), nn.SiLU()]
        last = hidden
    mods += [nn.Linear(last, 2 * nb)]
    net = nn.Sequential(*mods)
    opt = torch.optim.Adam(net.parameters(), lr=float(cfg.get("lr", 2e-3)))
    bs = int(cfg.get("batchSize", 1024))
    max_s = float(cfg.get("maxMinutes", 8)) * 60
    max_epochs = int(cfg.get("maxEpochs", 200))
    lsig_min = torch.tensor(LOG_SIGMA_MIN, dtype=torch.float32) - torch.log(os_t)  # in standardized units

    def nll(out, target):
        mu, ls = out[:, :nb], torch.maximum(out[:, nb:], lsig_min)
        return (0.5 * ((target - mu) / torch.exp(ls)) ** 2 + ls).sum(-1)

    g = torch.Generator().manual_seed(int(cfg.get("seed", 0)) + 1)
    best, best_state, best_epoch, history = math.inf, None, 0, []
    t0 = time.time()
    Xt, Tt, Xv, Tv = X[it], T[it], X[iv], T[iv]
    epoch = 0
    for epoch in range(1, max_epochs + 1):
        frac = min(1.0, (time.time() - t0) / max_s)
        for grp in opt.param_groups:  # cosine decay over the wall-clock budget, as the flow's trainer
            grp["lr"] = float(cfg.get("lr", 2e-3)) * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * frac)))
        order = torch.randperm(len(Xt), generator=g)
        net.train()
        for k in range(0, len(order), bs):
            idx = order[k:k + bs]
            loss = nll(net(Xt[idx]), Tt[idx]).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            vl = float(nll(net(Xv), Tv).mean())
        el = time.time() - t0
        history.append({"epoch": epoch, "val_nll": vl, "seconds": round(el, 1)})
        if vl < best - 1e-4:
            best, best_state, best_epoch = vl, copy.deepcopy(net.state_dict()), epoch
        if epoch % 5 == 0:
            log(f"emulator epoch {epoch:3d} val nll {vl:.4f} {el:.0f}s")
        if el > max_s:
            break
    net.load_state_dict(best_state)
    net.eval()
    em = Emulator(net, names, nb, in_mean, in_std, out_mean, out_std).eval()
    info = {"n_train": int(len(it)), "n_val": int(nv), "epochs": epoch, "best_epoch": best_epoch, "best_val_nll": best,
            "train_seconds": round(time.time() - t0, 1), "hidden": hidden, "layers": layers}
    return em, info


def _emulator_class():
    import torch
    import torch.nn as nn

    class Emulator(nn.Module):
        """The exported graph: physical parameters [M, D] (manifest order) + z [M] -> [M, 2B]: AB magnitude of the
        noiseless flux per band, then ln sigma (mag) of the photometric scatter at fixed parameters."""

        def __init__(self, net, names, nb, in_mean, in_std, out_mean, out_std):
            super().__init__()
            self.net, self.nb = net, nb
            self.mi = mass_index(names)
            keep = [j for j in range(len(names)) if j != self.mi]
            f32 = lambda a: torch.as_tensor(np.asarray(a), dtype=torch.float32)  # noqa: E731
            self.register_buffer("keep", torch.tensor(keep, dtype=torch.int64))
            self.register_buffer("is_sfr", torch.tensor([names[j].startswith("log_sfr") for j in keep], dtype=torch.bool))
            self.register_buffer("in_mean", f32(in_mean))
            self.register_buffer("in_std", f32(in_std))
            self.register_buffer("out_mean", f32(out_mean))
            self.register_buffer("out_std", f32(out_std))

        def forward(self, parameters, z):
            logm = parameters[:, self.mi : self.mi + 1]
            p = torch.index_select(parameters, 1, self.keep)
            p = torch.where(self.is_sfr, torch.clamp(p - logm, min=-14.0), p)
            z1 = z.unsqueeze(1)
            x = (torch.cat([p, z1, torch.log10(torch.clamp(z1, min=1e-3))], dim=1) - self.in_mean) / self.in_std
            o = self.net(x)
            mag = o[:, : self.nb] * self.out_std + self.out_mean - 2.5 * logm
            lsig = torch.clamp(o[:, self.nb :] + torch.log(self.out_std), min=LOG_SIGMA_MIN)
            return torch.cat([mag, lsig], dim=1)

    return Emulator


def Emulator(*a, **k):  # noqa: N802 (a class built lazily so that importing this module needs no torch)
    return _emulator_class()(*a, **k)


def emulator_residuals(em, cat: dict, names: list[str]) -> dict:
    """Per band on a held-out catalogue: median and NMAD of (true mag - predicted mag) and the fraction of rows within
    1 predicted sigma (0.68 for a calibrated Gaussian), over rows whose true flux is brighter than the clip."""
    import torch

    theta = np.stack([cat["col"](n) for n in names], axis=1)
    with torch.no_grad():
        out = em(torch.tensor(theta, dtype=torch.float32), torch.tensor(cat["z"], dtype=torch.float32)).numpy().astype(np.float64)
    nb = len(cat["bands"])
    res = {}
    for b, band in enumerate(cat["bands"]):
        f = cat["col"](f"flux_{band}_true_njy")
        ok = f > 0
        m_true = AB_ZERO_POINT_NJY - 2.5 * np.log10(np.where(ok, f, 1.0))
        ok &= (m_true + 2.5 * theta[:, mass_index(names)]) < MAG_PER_MASS_MAX - 1
        r = m_true[ok] - out[ok, b]
        sig = np.exp(out[ok, nb + b])
        med = float(np.median(r))
        res[band] = {"n": int(ok.sum()), "medianMag": round(med, 4), "nmadMag": round(float(1.4826 * np.median(np.abs(r - med))), 4),
                     "within1Sigma": round(float(np.mean(np.abs(r) < sig)), 3), "medianSigmaMag": round(float(np.median(sig)), 4)}
    return res


def export_emulator(em, n_params: int, out_dir: Path) -> Path:
    """<out_dir>/emulator.onnx (opset 17, dynamic M), checked with onnx.checker."""
    import onnx
    import torch

    from .export import legacy_exporter
    from .manifest import ONNX_OPSET

    path = out_dir / "emulator.onnx"
    with torch.no_grad():
        torch.onnx.export(em, (torch.zeros(4, n_params) + 0.5, torch.ones(4)), str(path), input_names=EMULATOR_INPUT_NAMES,
                          output_names=[EMULATOR_OUTPUT_NAME], dynamic_axes={"parameters": {0: "M"}, "z": {0: "M"}, "photometry": {0: "M"}},
                          opset_version=ONNX_OPSET, **legacy_exporter())
    onnx.checker.check_model(onnx.load(str(path)))
    log(f"exported {path} ({path.stat().st_size / 1e3:.0f} kB)")
    return path


def ppc_manifest_block(info: dict, residuals: dict, sha256: str, bands: list[str]) -> dict:
    """The manifest's `ppc` block (libs/model modelManifestSchema.ppc); the TypeScript calibration step
    (`pixsed ppc-calibrate`) adds the p-value threshold and its measured false-flag rate."""
    return {"emulator": "emulator.onnx", "emulatorSha256": sha256, "inputNames": EMULATOR_INPUT_NAMES, "outputName": EMULATOR_OUTPUT_NAME,
            "bands": bands, "output": "AB magnitude per band (manifest band order), then ln sigma_mag per band",
            "training": info, "heldOutResiduals": residuals}


def write_emulator_examples(em, test: dict, names: list[str], path: Path, n: int = 8) -> None:
    """<model>/emulator-examples.json: n held-out rows' parameters, z and the PyTorch emulator's outputs, so the ONNX
    export is checked from TypeScript (libs/model ppc int test) against PyTorch numbers."""
    import json

    import torch

    theta = np.stack([test["col"](nm) for nm in names], axis=1)[:n]
    z = test["z"][:n]
    with torch.no_grad():
        out = em(torch.tensor(theta, dtype=torch.float32), torch.tensor(z, dtype=torch.float32)).numpy()
    path.write_text(json.dumps({"parameters": names, "rows": [{"theta": [float(v) for v in theta[i]], "z": float(z[i]),
                                "photometry": [float(v) for v in out[i]]} for i in range(len(z))]}, indent=1) + "\n")
