"""Conditional coupling flow p(theta | features) with rational-quadratic spline (Durkan et al. 2019, arXiv 1906.04032)
or affine (Dinh et al. 2017, arXiv 1605.08803) coupling layers, written so that the sampling direction exports to
ONNX opset 17: the spline's bin lookup is a sum of comparisons (no searchsorted), the conditioning network runs once per
pixel and its contribution to each coupling MLP's first layer is broadcast over the S samples of that pixel.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

MIN_BIN = 1e-3
MIN_DERIV = 1e-3
_DERIV_SHIFT = math.log(math.expm1(1.0 - MIN_DERIV))  # softplus(0 + shift) + MIN_DERIV = 1 -> identity at init


def _cum_knots(unnorm: torch.Tensor, bound: float) -> torch.Tensor:
    """Knot positions [..., K+1] from unnormalized bin sizes [..., K]: bin k has size MIN_BIN + (1 - K MIN_BIN) softmax_k,
    scaled to [-bound, bound] (written with few passes over the [..., K] tensors: sampling speed is memory-bound)."""
    k = unnorm.shape[-1]
    c = F.pad(torch.cumsum(F.softmax(unnorm, dim=-1), dim=-1), (1, 0))
    offs = torch.arange(k + 1, dtype=unnorm.dtype) * (2.0 * bound * MIN_BIN) - bound
    return c * (2.0 * bound * (1.0 - MIN_BIN * k)) + offs


def rq_spline(x, uw, uh, ud, bound: float, inverse: bool):
    """Monotone RQ spline on [-bound, bound], identity (linear tails) outside. x [..., d]; uw, uh [..., d, K];
    ud [..., d, K-1] (interior derivatives; boundary derivatives are 1). Returns (y, log|dy/dx|) for the forward map,
    (x, -log|dy/dx|) when inverse."""
    cw = _cum_knots(uw, bound)
    ch = _cum_knots(uh, bound)
    inside = (x > -bound) & (x < bound)
    xc = torch.clamp(x, -bound, bound)
    knots = ch if inverse else cw
    # bin index = number of interior knots <= x (a sum of comparisons: exports to ONNX, unlike searchsorted)
    idx = (xc.unsqueeze(-1) >= knots[..., 1:-1]).to(torch.int64).sum(dim=-1, keepdim=True)
    idx1 = idx + 1
    xk = torch.gather(cw, -1, idx).squeeze(-1)
    wk = torch.gather(cw, -1, idx1).squeeze(-1) - xk
    yk = torch.gather(ch, -1, idx).squeeze(-1)
    hk = torch.gather(ch, -1, idx1).squeeze(-1) - yk
    # padding the raw derivatives with 0 gives boundary derivative MIN_DERIV + softplus(_DERIV_SHIFT) = 1
    udp = F.pad(ud, (1, 1))
    dk = MIN_DERIV + F.softplus(torch.gather(udp, -1, idx).squeeze(-1) + _DERIV_SHIFT)
    dk1 = MIN_DERIV + F.softplus(torch.gather(udp, -1, idx1).squeeze(-1) + _DERIV_SHIFT)
    s = hk / wk
    if not inverse:
        th = (xc - xk) / wk
        t1 = th * (1 - th)
        den = s + (dk1 + dk - 2 * s) * t1
        y = yk + hk * (s * th * th + dk * t1) / den
        deriv = s * s * (dk1 * th * th + 2 * s * t1 + dk * (1 - th) * (1 - th)) / (den * den)
        lad = torch.log(deriv)
        return torch.where(inside, y, x), torch.where(inside, lad, torch.zeros_like(lad))
    dy = xc - yk
    a = hk * (s - dk) + dy * (dk1 + dk - 2 * s)
    b = hk * dk - dy * (dk1 + dk - 2 * s)
    c = -s * dy
    disc = torch.clamp(b * b - 4 * a * c, min=0.0)
    th = (2 * c) / (-b - torch.sqrt(disc))
    t1 = th * (1 - th)
    xo = th * wk + xk
    den = s + (dk1 + dk - 2 * s) * t1
    deriv = s * s * (dk1 * th * th + 2 * s * t1 + dk * (1 - th) * (1 - th)) / (den * den)
    lad = -torch.log(deriv)
    return torch.where(inside, xo, x), torch.where(inside, lad, torch.zeros_like(lad))


class Coupling(nn.Module):
    """Transforms dims `tr` conditioned on dims `idn` and the context. First layer = W_x x_idn + (W_c c + b)."""

    def __init__(self, dim, idn, tr, ctx_dim, hidden, n_hidden, kind, bins, bound):
        super().__init__()
        self.dim, self.kind, self.bins, self.bound = dim, kind, bins, bound
        self.register_buffer("idn", torch.tensor(idn, dtype=torch.int64))
        self.register_buffer("tr", torch.tensor(tr, dtype=torch.int64))
        perm = list(idn) + list(tr)
        self.register_buffer("inv_perm", torch.tensor([perm.index(j) for j in range(dim)], dtype=torch.int64))
        self.n_tr = len(tr)
        self.in_x = nn.Linear(len(idn), hidden, bias=False)
        self.in_c = nn.Linear(ctx_dim, hidden)
        layers = []
        for _ in range(n_hidden - 1):
            layers += [nn.Linear(hidden, hidden), nn.ReLU()]
        self.mid = nn.Sequential(*layers)
        n_par = (3 * bins - 1) if kind == "spline" else 2
        self.out = nn.Linear(hidden, self.n_tr * n_par)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def ctx(self, c):
        return self.in_c(c)

    def _params(self, x_id, ch):
        hdn = self.mid(F.relu(self.in_x(x_id) + ch))
        p = self.out(hdn)
        return p.reshape(p.shape[:-1] + (self.n_tr, -1))

    def _apply(self, x, ch, inverse):
        x_id = torch.index_select(x, -1, self.idn)
        x_tr = torch.index_select(x, -1, self.tr)
        p = self._params(x_id, ch)
        if self.kind == "spline":
            k = self.bins
            y, lad = rq_spline(x_tr, p[..., :k], p[..., k : 2 * k], p[..., 2 * k :], self.bound, inverse)
        else:
            log_s = 3.0 * torch.tanh(p[..., 0] / 3.0)
            t = p[..., 1]
            if inverse:
                y, lad = (x_tr - t) * torch.exp(-log_s), -log_s
            else:
                y, lad = x_tr * torch.exp(log_s) + t, log_s
        out = torch.index_select(torch.cat([x_id, y], dim=-1), -1, self.inv_perm)
        return out, lad.sum(-1)

    def generate(self, z, ch):
        return self._apply(z, ch, inverse=False)

    def normalize(self, x, ch):
        return self._apply(x, ch, inverse=True)


def _masks(dim, n_layers, seed):
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in range(n_layers):
        if i % 2 == 0:
            p = torch.randperm(dim, generator=g).tolist()
            a, b = sorted(p[: dim // 2]), sorted(p[dim // 2 :])
        else:
            a, b = b, a  # the next layer transforms what the previous one kept
        out.append((a, b))
    return out


class ConditionalFlow(nn.Module):
    def __init__(self, n_feat, dim, cfg):
        super().__init__()
        self.dim = dim
        emb_hidden, emb_layers, ctx_dim = cfg["embedHidden"], cfg["embedLayers"], cfg["contextDim"]
        # colour features (cfg["colours"] = {"nBands", "refIndex"}): the standardized features start with nBands AB
        # magnitudes; colours m_b - m_ref (standardized with training statistics set by set_colour_stats) are appended
        # before the embedding. A linear first layer could form them, but from magnitudes standardized by their ~3 mag
        # spread, 0.05-mag colour differences are ill-conditioned and learnt slowly; the age-dust information is in them.
        col = cfg.get("colours")
        self.n_col = int(col["nBands"]) if col else 0
        self.col_ref = int(col["refIndex"]) if col else 0
        if self.n_col:
            for nm in ("mag_mean", "mag_std", "col_mean", "col_std"):
                self.register_buffer(nm, torch.zeros(self.n_col) if "mean" in nm else torch.ones(self.n_col))
        layers, last = [], n_feat + self.n_col
        for _ in range(emb_layers):
            layers += [nn.Linear(last, emb_hidden), nn.SiLU()]
            last = emb_hidden
        layers += [nn.Linear(last, ctx_dim)]
        self.embed = nn.Sequential(*layers)
        kind = cfg["kind"]
        self.layers = nn.ModuleList(
            Coupling(dim, a, b, ctx_dim, cfg["hidden"], cfg["hiddenLayers"], kind, cfg.get("bins", 8), cfg.get("tailBound", 5.0))
            for a, b in _masks(dim, cfg["layers"], cfg.get("maskSeed", 0))
        )

    def set_colour_stats(self, mag_mean, mag_std, col_mean, col_std):
        for nm, v in (("mag_mean", mag_mean), ("mag_std", mag_std), ("col_mean", col_mean), ("col_std", col_std)):
            getattr(self, nm).copy_(torch.as_tensor(v, dtype=torch.float32))

    def context(self, feat_std):
        """Conditioning vector [B, contextDim] from standardized features [B, F] (+ colours when configured)."""
        if self.n_col:
            mags = feat_std[:, : self.n_col] * self.mag_std + self.mag_mean
            cols = (mags - mags[:, self.col_ref : self.col_ref + 1] - self.col_mean) / self.col_std
            feat_std = torch.cat([feat_std, cols], dim=-1)
        return self.embed(feat_std)

    def log_prob(self, x, feat_std, return_ctx: bool = False):
        """x: standardized parameters [B, D]; feat_std: standardized features [B, F]."""
        c = self.context(feat_std)
        if return_ctx:
            return self._log_prob_ctx(x, c), c
        return self._log_prob_ctx(x, c)

    def _log_prob_ctx(self, x, c):
        lad_total = torch.zeros(x.shape[0], device=x.device)
        for layer in reversed(self.layers):
            x, lad = layer.normalize(x, layer.ctx(c))
            lad_total = lad_total + lad
        return -0.5 * (x * x).sum(-1) - 0.5 * self.dim * math.log(2 * math.pi) + lad_total

    def sample_std(self, feat_std, noise):
        """feat_std [N, F], noise [N, S, D] -> standardized samples [N, S, D]."""
        c = self.context(feat_std)
        x = noise
        for layer in self.layers:
            x, _ = layer.generate(x, layer.ctx(c).unsqueeze(1))
        return x


class Sampler(nn.Module):
    """The exported graph: raw features [N, F] + noise [N, S, D] -> physical samples [N, S, D]."""

    def __init__(self, flow, feat_mean, feat_std, par_mean, par_std, logit_mask, lo, hi):
        super().__init__()
        self.flow = flow
        f32 = lambda a: torch.as_tensor(a, dtype=torch.float32)  # noqa: E731
        self.register_buffer("feat_mean", f32(feat_mean))
        self.register_buffer("feat_std", f32(feat_std))
        self.register_buffer("par_mean", f32(par_mean))
        self.register_buffer("par_std", f32(par_std))
        self.register_buffer("logit_mask", torch.as_tensor(logit_mask, dtype=torch.bool))
        self.register_buffer("lo", f32(lo))
        self.register_buffer("hi", f32(hi))

    def forward(self, features, noise):
        f = (features - self.feat_mean) / self.feat_std
        y = self.flow.sample_std(f, noise) * self.par_std + self.par_mean
        return torch.where(self.logit_mask, self.lo + (self.hi - self.lo) * torch.sigmoid(y), y)
