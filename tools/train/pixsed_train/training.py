"""Step 4, the training loop (torch, imported inside the functions that need it) and its pure helpers (numpy/math only:
unit-tested without torch)."""
from __future__ import annotations

import copy
import json
import math
import time
from pathlib import Path

import numpy as np

from .features import block, feature_layout
from .log import log
from .params import dequantize_floors, params_of, split_train_val, to_unbounded


def cosine_lr(lr0: float, frac: float) -> float:
    """Cosine decay over the wall-clock budget, floored at 2 % of lr0: lr0 * (0.02 + 0.98 * (1 + cos(pi * f)) / 2),
    f = elapsed / budget clipped to [0, 1] (training is time-limited on shared CPUs)."""
    f = min(1.0, max(0.0, frac))
    return lr0 * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * f)))


def merge_resumed_info(prev: dict, info: dict, lr0: float, minutes: float) -> dict:
    """train-info of a resumed run: epochs, best epoch and seconds continue the previous run's; the history is appended
    with epochs renumbered and marked `resumed`."""
    return {**info, "epochs": prev["epochs"] + info["epochs"], "best_epoch": prev["epochs"] + info["best_epoch"],
            "train_seconds": round(prev["train_seconds"] + info["train_seconds"], 1),
            "history": prev["history"] + [{**h, "epoch": prev["epochs"] + h["epoch"], "resumed": True} for h in info["history"]],
            "resumed": {"fromEpochs": prev["epochs"], "lr0": lr0, "minutes": minutes}}


def resume_start(work: Path, from_model: Path | None) -> tuple:
    """Where a resumed training starts: (flow state_dict, previous train-info, the source named in the log). From
    <work>/flow.pt + train-info.json, or from a shipped model folder (`--resume-from`): its sampler.pt (the Sampler's
    state_dict, whose `flow.` entries are the flow's) and the train-info its validation.json records under `training`.
    The new run's feature and parameter standardisation come from its own catalogue, so a changed simulator config
    fine-tunes the shipped weights on the new rows."""
    import torch

    if from_model is None:
        ck = torch.load(work / "flow.pt")
        return ck["state"], json.loads((work / "train-info.json").read_text()), work / "flow.pt"
    sd = torch.load(Path(from_model) / "sampler.pt")
    state = {k[len("flow."):]: v for k, v in sd.items() if k.startswith("flow.")}
    if not state:
        raise SystemExit(f"{Path(from_model) / 'sampler.pt'}: no flow.* weights (expected the Sampler state_dict that export.py writes)")
    prev = json.loads((Path(from_model) / "validation.json").read_text()).get("training")
    if not prev or "history" not in prev:
        raise SystemExit(f"{Path(from_model) / 'validation.json'}: no `training` block with a history to continue")
    return state, prev, Path(from_model) / "sampler.pt"


def train(cfg: dict, work: Path, cat: dict, ps: dict, feat: np.ndarray, feat_mean, feat_std, fills, resume=None) -> tuple:
    import torch

    from .flow import ConditionalFlow

    """Step 4, the training loop: AdamW on the flow NLL (+ optional auxiliary L1 head), missing-band augmentation,
    early stopping on the validation NLL (best epoch kept), time limit; saves <work>/flow.pt. Returns (flow, info)."""
    tc = cfg["training"]
    torch.manual_seed(tc.get("seed", 0))
    rng = np.random.default_rng(tc.get("seed", 0))
    nb = len(cat["bands"])
    raw = params_of(cat, ps)
    # point masses (e.g. log_sfr100 floored at logSfrFloor when no stars formed in the window) make the likelihood
    # unbounded and training unstable: spread them uniformly over [floor - width, floor] (documented in the README)
    raw = dequantize_floors(raw, ps, tc.get("floorDequantize", []), rng)
    theta = (to_unbounded(raw, ps) - ps["mean"]) / ps["std"]
    fstd = (feat - feat_mean) / feat_std
    iv, it = split_train_val(len(fstd), tc.get("valFraction", 0.1), rng)
    Xt, Ft = torch.tensor(theta[it], dtype=torch.float32), torch.tensor(fstd[it], dtype=torch.float32)
    Xv, Fv = torch.tensor(theta[iv], dtype=torch.float32), torch.tensor(fstd[iv], dtype=torch.float32)

    # missing-band augmentation on standardized features: a dropped band gets the fill mag/magErr, nondet 0, missing 1
    L = feature_layout(cat["bands"])
    MAG, ERR, ND, MISS = (block(L, k) for k in ("mag", "magErr", "nondet", "missing"))
    fill_mag_std = torch.tensor((fills[0] - feat_mean[MAG]) / feat_std[MAG], dtype=torch.float32)
    fill_err_std = torch.tensor((fills[1] - feat_mean[ERR]) / feat_std[ERR], dtype=torch.float32)
    aug = cfg["training"].get("missingBandAugmentation", {"rowProbability": 0.0, "bandProbability": 0.0})
    p_row, p_band = float(aug.get("rowProbability", 0)), float(aug.get("bandProbability", 0))
    miss_std = torch.tensor((1.0 - feat_mean[MISS]) / feat_std[MISS], dtype=torch.float32)
    nd_zero_std = torch.tensor((0.0 - feat_mean[ND]) / feat_std[ND], dtype=torch.float32)

    def augment(F_, gen):
        if p_row <= 0:
            return F_
        B = F_.shape[0]
        row = torch.rand(B, 1, generator=gen) < p_row
        drop = (torch.rand(B, nb, generator=gen) < p_band) & row
        F_ = F_.clone()
        F_[:, MAG] = torch.where(drop, fill_mag_std.expand(B, -1), F_[:, MAG])
        F_[:, ERR] = torch.where(drop, fill_err_std.expand(B, -1), F_[:, ERR])
        F_[:, ND] = torch.where(drop, nd_zero_std.expand(B, -1), F_[:, ND])
        F_[:, MISS] = torch.where(drop, miss_std.expand(B, -1), F_[:, MISS])
        return F_

    gv = torch.Generator().manual_seed(12345)
    Fv_aug = augment(Fv, gv)

    flow = ConditionalFlow(feat.shape[1], len(ps["names"]), cfg["flow"])
    if flow.n_col:  # colour statistics from the training rows (features[:, MAG] are AB magnitudes)
        mags = feat[it, MAG]
        cols = mags - mags[:, flow.col_ref : flow.col_ref + 1]
        cstd = cols.std(0)
        flow.set_colour_stats(feat_mean[MAG], feat_std[MAG], cols.mean(0), np.where(cstd < 1e-6, 1.0, cstd))
        log(f"colour features m_b - m_{cat['bands'][flow.col_ref]} for {nb} bands")
    prev = None
    if resume:  # continue from .work/<name>/flow.pt or a shipped model (same flow config) with lr0 = resume["lrFactor"] * lr
        state, prev, src = resume_start(work, resume.get("fromModel"))
        flow.load_state_dict(state)
        tc = {**tc, "lr": tc.get("lr", 1e-3) * resume["lrFactor"], "maxMinutes": resume["minutes"]}
        log(f"resuming from {src} (epochs {prev['epochs']}), lr0 {tc['lr']:.1e}, {resume['minutes']} min")
    aux_w = float(tc.get("auxiliaryLossWeight", 0.0))
    aux_head = torch.nn.Linear(cfg["flow"]["contextDim"], len(ps["names"])) if aux_w > 0 else None
    params = list(flow.parameters()) + (list(aux_head.parameters()) if aux_head is not None else [])
    opt = torch.optim.AdamW(params, lr=tc.get("lr", 1e-3), weight_decay=tc.get("weightDecay", 1e-5))
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=tc.get("lrPatience", 3))
    bs = tc.get("batchSize", 512)
    cosine = tc.get("schedule", "plateau") == "cosine-time"
    lr0 = tc.get("lr", 1e-3)
    gtr = torch.Generator().manual_seed(tc.get("seed", 0) + 1)
    best, best_state, best_epoch, bad = math.inf, None, -1, 0
    history = []
    t0 = time.time()
    max_s = tc.get("maxMinutes", 20) * 60
    epoch = 0
    for epoch in range(1, tc.get("maxEpochs", 100) + 1):
        flow.train()
        order = torch.randperm(len(Xt), generator=gtr)
        tot, cnt, skipped = 0.0, 0, 0
        for k in range(0, len(order), bs):
            idx = order[k:k + bs]
            lp, ctx = flow.log_prob(Xt[idx], augment(Ft[idx], gtr), return_ctx=True)
            loss = -lp.mean()
            if aux_head is not None:  # auxiliary point-estimate loss on the context: speeds up learning the embedding
                loss = loss + aux_w * (aux_head(ctx) - Xt[idx]).abs().sum(-1).mean()
            if not torch.isfinite(loss):
                skipped += 1
                continue
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, tc.get("gradClip", 5.0))
            opt.step()
            if cosine:  # cosine decay over the wall-clock budget (training is time-limited on shared CPUs)
                for grp in opt.param_groups:
                    grp["lr"] = cosine_lr(lr0, (time.time() - t0) / max_s)
            tot += loss.item() * len(idx)
            cnt += len(idx)
        flow.eval()
        with torch.no_grad():
            vl = sum(-flow.log_prob(Xv[k:k + 8192], Fv_aug[k:k + 8192]).sum().item() for k in range(0, len(Xv), 8192)) / len(Xv)
        if not cosine:
            sched.step(vl)
        el = time.time() - t0
        history.append({"epoch": epoch, "train_nll": tot / cnt, "val_nll": vl, "lr": opt.param_groups[0]["lr"], "seconds": round(el, 1), "skippedBatches": skipped})
        log(f"epoch {epoch:3d} train {tot / cnt:.4f} val {vl:.4f} lr {opt.param_groups[0]['lr']:.1e} {el:.0f}s")
        if vl < best - 1e-4:
            best, best_epoch, bad = vl, epoch, 0
            best_state = copy.deepcopy(flow.state_dict())
        else:
            bad += 1
        if bad >= tc.get("patience", 8):
            log(f"early stop at epoch {epoch} (best {best_epoch})")
            break
        if el > max_s:
            log(f"time limit {max_s / 60:.0f} min reached at epoch {epoch} (best {best_epoch})")
            break
    flow.load_state_dict(best_state)
    flow.eval()
    torch.save({"state": best_state, "flow": cfg["flow"], "n_feat": feat.shape[1]}, work / "flow.pt")
    info = {"n_train": int(len(it)), "n_val": int(len(iv)), "epochs": epoch, "best_epoch": best_epoch, "best_val_nll": best,
            "train_seconds": round(time.time() - t0, 1), "history": history}
    if prev is not None:
        info = merge_resumed_info(prev, info, tc["lr"], resume["minutes"])
    return flow, info


def obtain_flow(cfg: dict, work: Path, cat: dict, ps: dict, fb: dict, reuse: bool, resume: dict | None) -> tuple:
    """The trained flow and its train-info: loaded from <work>/flow.pt + train-info.json (`--reuse-model`), or trained
    (and train-info.json written)."""
    import torch

    from .flow import ConditionalFlow

    if reuse:
        ck = torch.load(work / "flow.pt")
        flow = ConditionalFlow(ck["n_feat"], len(ps["names"]), ck["flow"])
        flow.load_state_dict(ck["state"])
        flow.eval()
        return flow, json.loads((work / "train-info.json").read_text())
    flow, tinfo = train(cfg, work, cat, ps, fb["features"], fb["mean"], fb["std"], (fb["fillMag"], fb["fillMagErr"]), resume)
    (work / "train-info.json").write_text(json.dumps(tinfo, indent=1))
    return flow, tinfo
