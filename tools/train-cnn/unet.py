"""The small U-Net with a Gaussian head of tools/train-cnn (torch only; imported by train_cnn.py)."""
from __future__ import annotations

import torch
from torch import nn

LOG_SIGMA_MIN, LOG_SIGMA_MAX = -7.0, 3.0


def block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.SiLU(), nn.Conv2d(cout, cout, 3, padding=1), nn.SiLU())


class UNet(nn.Module):
    """Encoder widths w (e.g. 16, 32, 64): conv blocks at 1, 1/2, 1/4 resolution (max-pool down, nearest up + skip
    concatenation), a 1×1 head to 2P channels: P standardised means, then P ln σ (clamped to [-7, 3])."""

    def __init__(self, c_in: int, n_params: int, widths: list[int]):
        super().__init__()
        self.n_params = n_params
        self.enc = nn.ModuleList()
        c = c_in
        for w in widths:
            self.enc.append(block(c, w))
            c = w
        self.dec = nn.ModuleList()
        for w in reversed(widths[:-1]):
            self.dec.append(block(c + w, w))
            c = w
        self.pool = nn.MaxPool2d(2)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.head = nn.Conv2d(c, 2 * n_params, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for i, e in enumerate(self.enc):
            x = e(x if i == 0 else self.pool(x))
            skips.append(x)
        for d, s in zip(self.dec, reversed(skips[:-1])):
            x = d(torch.cat([self.up(x), s], dim=1))
        y = self.head(x)
        mu, ls = y[:, : self.n_params], y[:, self.n_params :]
        return torch.cat([mu, torch.clamp(ls, LOG_SIGMA_MIN, LOG_SIGMA_MAX)], dim=1)


class Exported(nn.Module):
    """The graph shipped as model.onnx: the U-Net with the target standardisation undone, so the output is the
    physical mean and ln σ per parameter (ln σ_phys = ln σ_std + ln std)."""

    def __init__(self, net: UNet, mean: list[float], std: list[float]):
        super().__init__()
        self.net = net
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1))

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        y = self.net(image)
        p = self.net.n_params
        return torch.cat([y[:, :p] * self.std + self.mean, y[:, p:] + torch.log(self.std)], dim=1)


def gaussian_nll(y: torch.Tensor, target: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Mean over valid pixels and parameters of ½((t − μ)/σ)² + ln σ (the Gaussian NLL without the constant)."""
    p = target.shape[1]
    mu, ls = y[:, :p], y[:, p:]
    t = torch.where(valid, target, mu.detach())
    nll = 0.5 * ((t - mu) * torch.exp(-ls)) ** 2 + ls
    return (nll * valid).sum() / valid.sum().clamp(min=1)
