"""Training-config files: YAML with optional `extends: <file relative to this one>`.

A child config is deep-merged over its parent (mappings merge key by key; lists and scalars replace). The
identity keys `name`, `version`, `description` and `outDir` are never inherited: a child must give its own
`name` and `version` (so it cannot overwrite its parent's model), and `outDir` defaults to
test-data/models/<name>."""
from __future__ import annotations

import copy
import hashlib
import os
from pathlib import Path

import yaml

REQUIRED_KEYS = ("name", "version", "survey", "simulator", "simulate", "parameters", "flow", "training", "validation")
NOT_INHERITED = ("name", "version", "description", "outDir")


def deep_merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def read_config(p: Path, _chain: tuple[Path, ...] = ()) -> dict:
    """The merged config of `p` (following `extends`), without the required-key check."""
    p = p.resolve()
    if p in _chain:
        raise SystemExit(f"{p}: `extends` cycle: {' -> '.join(str(c) for c in (*_chain, p))}")
    raw = yaml.safe_load(p.read_text())
    if not isinstance(raw, dict):
        raise SystemExit(f"{p}: expected a YAML mapping at the top level, got {type(raw).__name__}")
    parent = raw.pop("extends", None)
    if parent is None:
        return raw
    if not isinstance(parent, str):
        raise SystemExit(f"{p}: `extends` must be a file path (relative to {p.parent}), got {parent!r}")
    pp = (p.parent / parent).resolve()
    if not pp.exists():
        raise SystemExit(f"{p}: `extends: {parent}`: no such file {pp}")
    for key in ("name", "version"):
        if key not in raw:
            raise SystemExit(f"{p}: a config that extends {parent} must set its own `{key}` (not inherited)")
    base = {k: v for k, v in read_config(pp, (*_chain, p)).items() if k not in NOT_INHERITED}
    return deep_merge(base, raw)


def check_required(cfg: dict, p: Path) -> None:
    for key in REQUIRED_KEYS:
        if key not in cfg:
            raise SystemExit(f"{p}: missing top-level key '{key}'")


def check_redshift_role(cfg: dict, p: Path) -> None:
    """`conditioning.redshift` (default true: z is the last feature) against `parameters`: a photo-z model
    (`conditioning: {redshift: false}`) must list `z` among its parameters, a z-conditioned one must not."""
    cond = cfg.get("conditioning") or {}
    if not isinstance(cond, dict) or not isinstance(cond.get("redshift", True), bool):
        raise SystemExit(f"{p}: conditioning: expected a mapping {{redshift: true|false}}, got {cfg.get('conditioning')!r}")
    has_z = any(q.get("name") == "z" for q in cfg["parameters"])
    if cond.get("redshift", True) and has_z:
        raise SystemExit(f"{p}: parameters: 'z' is a parameter but conditioning.redshift is true (z is also an input); "
                         "set `conditioning: {redshift: false}` for a photo-z model")
    if not cond.get("redshift", True) and not has_z:
        raise SystemExit(f"{p}: conditioning.redshift is false but parameters has no 'z' (expected e.g. "
                         "`{name: z, transform: logit, min: <simulator.redshift.min>, max: <simulator.redshift.max>}`)")
    if not cond.get("redshift", True) and cfg.get("emulator", {}) is not False:
        raise SystemExit(f"{p}: emulator: the PPC photometry emulator takes z as an input beside the parameters and is not "
                         "built for a photo-z model (conditioning.redshift false); set `emulator: false`")


def source_digest(src: Path) -> str:
    """sha256 (16 hex digits) over the *.ts files under `src` (paths and contents; *.test.ts excluded)."""
    h = hashlib.sha256()
    for f in sorted(src.rglob("*.ts")):
        if ".test." in f.name:
            continue
        h.update(str(f.relative_to(src)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def resolve_config_path(path_arg: str, repo: Path, cwd: Path | None = None) -> Path:
    """The config file named on the command line: relative paths are tried against the caller's directory
    (`INIT_CWD`, set by `npm run`, else the current one) and then against the repo root."""
    base = cwd if cwd is not None else Path(os.environ.get("INIT_CWD", os.getcwd()))
    p = Path(path_arg)
    if not p.is_absolute():
        p = (base / p) if (base / p).exists() else (repo / p)
    return p


def load_config(path_arg: str, repo: Path, cwd: Path | None = None) -> tuple[dict, Path]:
    """Step 1, config resolution: find the file, follow `extends`, check the required keys -> (config, absolute path)."""
    p = resolve_config_path(path_arg, repo, cwd)
    cfg = read_config(p)
    check_required(cfg, p)
    check_redshift_role(cfg, p)
    return cfg, p.resolve()


def resolve_colour_reference(cfg: dict, bands: list[str], cfg_path: Path) -> dict:
    """`flow.colourReferenceBand` -> `flow.colours = {nBands, refIndex}` for ConditionalFlow (stored with the
    checkpoint); a band the survey lacks is an error naming the file and the bands. Returns a new config."""
    ref = cfg["flow"].get("colourReferenceBand")
    if not ref:
        return cfg
    if ref not in bands:
        raise SystemExit(f"{cfg_path}: flow.colourReferenceBand '{ref}' is not a band of survey {cfg['survey']} ({', '.join(bands)})")
    return {**cfg, "flow": {**cfg["flow"], "colours": {"nBands": len(bands), "refIndex": bands.index(ref)}}}


def output_dirs(cfg: dict, here: Path, repo: Path) -> tuple[Path, Path]:
    """(work dir tools/train/.work/<name>: catalogues, checkpoint, train-info; out dir: `outDir`, default
    test-data/models/<name>), both created."""
    work = here / ".work" / cfg["name"]
    out_dir = repo / cfg.get("outDir", f"test-data/models/{cfg['name']}")
    work.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    return work, out_dir
