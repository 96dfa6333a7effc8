"""Step 2, catalogue simulation and caching: `pixsed simulate` (the TypeScript simulator, through the built CLI) writes
<work>/sim-<split>/{catalog.npy, catalog.columns.json, simulation.json}; a catalogue is reused only when the survey,
n, seed, simulator config and the simulator's sources are unchanged. numpy only."""
from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import numpy as np
import yaml

from .config import source_digest
from .log import log


def simulator_digest(repo: Path) -> str:
    """Digest of the simulator's sources: a cached catalogue is reused only if the code that drew it is unchanged."""
    return source_digest(repo / "libs" / "simulator" / "src")


def cache_status(out: Path, spec: dict, sim_cfg: dict, survey: str, digest: str) -> str:
    """'reuse' when `out` holds a catalogue drawn with the same survey, n, seed, simulator config and simulator sources;
    'stale-code' when only the sources differ; 'missing' otherwise (no catalogue, or other settings)."""
    meta = out / "simulation.json"
    if not (meta.exists() and (out / "catalog.npy").exists()):
        return "missing"
    m = json.loads(meta.read_text())
    if not (m.get("n") == spec["n"] and m.get("seed") == spec["seed"] and m.get("config") == sim_cfg and m.get("survey") == survey):
        return "missing"
    key_file = out / "simulator-digest.txt"
    return "reuse" if key_file.exists() and key_file.read_text().strip() == digest else "stale-code"


def simulate_command(cli: Path, survey: str, spec: dict, out: Path, sims_yaml: Path) -> list[str]:
    """The `pixsed simulate` command line for one split."""
    return ["node", str(cli), "simulate", "--survey", survey, "--n", str(spec["n"]), "--seed", str(spec["seed"]),
            "--out", str(out), "--format", "npy", "--config", str(sims_yaml)]


def simulate(cfg: dict, work: Path, split: str, build: bool, repo: Path) -> Path:
    """The catalogue of split `split` ('train' | 'test'): reused from <work>/sim-<split> or simulated again."""
    sim_cfg = cfg["simulator"]
    spec = cfg["simulate"][split]
    out = work / f"sim-{split}"
    digest = simulator_digest(repo)
    status = cache_status(out, spec, sim_cfg, cfg["survey"], digest)
    if status == "reuse":
        log(f"simulate {split}: reusing {out} (same survey, n, seed, config, simulator sources {digest})")
        return out
    if status == "stale-code":
        log(f"simulate {split}: simulator sources changed since {out} was drawn: simulating again")
    sims_yaml = work / "sims.yaml"
    sims_yaml.write_text(yaml.safe_dump(sim_cfg, sort_keys=False))
    cli = repo / "apps" / "cli" / "dist" / "main.js"
    if build or not cli.exists():
        log("building the CLI (npx tsc -b apps/cli)")
        subprocess.run(["npx", "tsc", "-b", "apps/cli"], cwd=repo, check=True)
    cmd = simulate_command(cli, cfg["survey"], spec, out, sims_yaml)
    log("simulate " + split + ": " + " ".join(cmd))
    t0 = time.time()
    subprocess.run(cmd, cwd=repo, check=True)
    (out / "simulator-digest.txt").write_text(digest + "\n")
    log(f"simulate {split}: {time.time() - t0:.0f} s")
    return out


def load_catalog(d: Path) -> dict:
    """A simulated catalogue: {'meta', 'sim', 'bands', 'flux' [N, B] nJy, 'err' [N, B] nJy, 'z' [N], 'col': name -> column}."""
    meta = json.loads((d / "catalog.columns.json").read_text())
    arr = np.load(d / "catalog.npy")
    cols = meta["columns"]
    bands = meta["bands"]

    def col(n: str) -> np.ndarray:
        if n not in cols:
            raise SystemExit(f"{d / 'catalog.columns.json'}: no column '{n}' (columns: {', '.join(cols)})")
        return arr[:, cols.index(n)].astype(np.float64)

    return {
        "meta": meta,
        "sim": json.loads((d / "simulation.json").read_text()),
        "bands": bands,
        "flux": np.stack([col(f"flux_{b}_njy") for b in bands], axis=1),
        "err": np.stack([col(f"flux_{b}_err_njy") for b in bands], axis=1),
        "z": col("z"),
        "col": col,
    }
