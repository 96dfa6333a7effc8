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
            if m.get("kind") == "tile-model":  # an image model (libs/tile-model) has input channels, no feature layout
                continue
            with_z = m["features"]["transform"] == "ab-mag-err-z"  # 'ab-mag-err': a photo-z model, z is a parameter
            L = feature_layout(m["bands"], with_z)
            self.assertEqual(L["names"], m["features"]["names"], f)
            self.assertEqual(L["count"], m["features"]["count"], f)
            self.assertEqual([m["features"]["names"][i] for i in range(*block(L, "z").indices(L["count"]))], ["z"] if with_z else [])
            self.assertEqual("z" in [q["name"] for q in m["parameters"]], not with_z, f)

    def test_photoz_features_drop_only_z(self):
        from pixsed_train.features import feature_layout, nondetection_rule, transform_name
        fm, fe = np.array([25.0, 26.0]), np.array([0.1, 0.2])
        flux, err = np.array([[100.0, -1.0], [5.0, np.nan]]), np.array([[10.0, 2.0], [1.0, 1.0]])
        with_z = compute_features(flux, err, np.array([2.0, 3.0]), fm, fe)
        rule = nondetection_rule({"conditioning": {"redshift": False}})
        no_z = compute_features(flux, err, np.array([2.0, 3.0]), fm, fe, rule)
        self.assertEqual(no_z.shape, (2, 8))  # 4 B, no z column
        np.testing.assert_array_equal(no_z, with_z[:, :8])
        self.assertEqual(list(with_z[:, 8]), [2.0, 3.0])
        L = feature_layout(["a", "b"], include_z=False)
        self.assertEqual((L["count"], L["names"][-1], L["z"]["length"]), (8, "missing_b", 0))
        self.assertEqual((transform_name(rule), transform_name(nondetection_rule({}))), ("ab-mag-err", "ab-mag-err-z"))

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
        from pixsed_train.config import check_redshift_role, check_required, read_config
        here = Path(__file__).resolve().parent
        for p in sorted(here.glob("*.yaml")):
            cfg = read_config(p)
            check_required(cfg, p)
            check_redshift_role(cfg, p)
            self.assertEqual(cfg["name"], p.stem, p)

    def test_photoz_config(self):
        from pixsed_train.config import check_redshift_role, read_config
        here = Path(__file__).resolve().parent
        cfg = read_config(here / "jades-delayed-tau-photz.yaml")
        self.assertEqual(cfg["conditioning"], {"redshift": False})
        self.assertEqual([q["name"] for q in cfg["parameters"]], ["z", "log_mstar", "log_sfr100", "log_age_mw", "metallicity", "av"])
        z = cfg["parameters"][0]
        self.assertEqual((z["transform"], z["min"], z["max"]), ("logit", cfg["simulator"]["redshift"]["min"], cfg["simulator"]["redshift"]["max"]))
        self.assertEqual(cfg["training"]["threads"], 1)
        self.assertLessEqual(cfg["training"]["maxMinutes"], 100)  # v0.2.0: 95 min (v0.1.0: 24), one session of the 2-core machine
        # the parent's default is unchanged: z conditions the affine model
        self.assertNotIn("conditioning", read_config(here / "jades-delayed-tau-affine.yaml"))
        zp = {"name": "z", "transform": "logit", "min": 0.01, "max": 7.5}
        base = {"parameters": [{"name": "log_mstar"}], "emulator": False}
        f = self.dir / "x.yaml"
        check_redshift_role(base, f)  # z-conditioned, no z parameter: fine
        check_redshift_role({**base, "parameters": [zp], "conditioning": {"redshift": False}}, f)
        with self.assertRaisesRegex(SystemExit, r"x.yaml: parameters: 'z' is a parameter but conditioning.redshift is true"):
            check_redshift_role({**base, "parameters": [zp]}, f)
        with self.assertRaisesRegex(SystemExit, r"x.yaml: conditioning.redshift is false but parameters has no 'z'"):
            check_redshift_role({**base, "conditioning": {"redshift": False}}, f)
        with self.assertRaisesRegex(SystemExit, r"x.yaml: emulator: .* set `emulator: false`"):
            check_redshift_role({"parameters": [zp], "conditioning": {"redshift": False}}, f)
        with self.assertRaisesRegex(SystemExit, r"x.yaml: conditioning: expected a mapping"):
            check_redshift_role({**base, "conditioning": {"redshift": "no"}}, f)

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


# ------------------------------------------------------------------------------------------- train.py's steps (numpy)
REPO_ROOT = Path(__file__).resolve().parents[2]
HERE_DIR = Path(__file__).resolve().parent


def tmpdir(prefix: str) -> Path:
    import tempfile
    return Path(tempfile.mkdtemp(prefix=prefix))


def toy_catalog(n: int = 200, bands=("f090w", "f444w"), seed: int = 3) -> dict:
    """A catalogue dict as load_catalog returns it, drawn here (independent of the simulator)."""
    rng = np.random.default_rng(seed)
    cols = {"z": rng.uniform(0.5, 3.0, n), "log_mstar": rng.uniform(5.0, 11.0, n), "log_sfr100": rng.normal(-1.0, 1.0, n)}
    cols["log_sfr100"][:7] = -10.0  # at the floor
    flux = rng.lognormal(3.0, 1.0, (n, len(bands)))
    err = np.full((n, len(bands)), 2.0)
    flux[0, 1], err[0, 1] = np.nan, np.nan  # one missing band
    flux[1, 0] = -3.0  # one non-detection
    return {"bands": list(bands), "flux": flux, "err": err, "z": cols["z"], "col": lambda name: cols[name],
            "sim": {"config": {"sfh": {"type": "delayed-tau"}}, "survey": "jades"}, "cols": cols}


class ConfigResolutionStepTest(unittest.TestCase):
    def test_config_path_tries_the_callers_dir_then_the_repo(self):
        from pixsed_train.config import resolve_config_path
        cwd, repo = tmpdir("pixsed-cwd-"), tmpdir("pixsed-repo-")
        (cwd / "mine.yaml").write_text("x: 1\n")
        self.assertEqual(resolve_config_path("mine.yaml", repo, cwd), cwd / "mine.yaml")
        self.assertEqual(resolve_config_path("tools/train/a.yaml", repo, cwd), repo / "tools/train/a.yaml")
        self.assertEqual(resolve_config_path("/abs/b.yaml", repo, cwd), Path("/abs/b.yaml"))

    def test_load_config_resolves_extends_and_checks_keys(self):
        from pixsed_train.config import load_config
        cfg, p = load_config("tools/train/jades-nonparametric.yaml", REPO_ROOT, tmpdir("pixsed-cwd-"))
        self.assertTrue(p.is_absolute())
        self.assertEqual(cfg["name"], "jades-nonparametric")
        self.assertIn("training", cfg)  # inherited from its parent
        bad = tmpdir("pixsed-cfg-") / "bad.yaml"
        bad.write_text("name: x\nversion: 1\n")
        with self.assertRaisesRegex(SystemExit, "missing top-level key 'survey'"):
            load_config(str(bad), REPO_ROOT)

    def test_colour_reference_band_to_indices(self):
        from pixsed_train.config import resolve_colour_reference
        cfg = {"survey": "jades", "flow": {"kind": "spline", "colourReferenceBand": "f444w"}}
        out = resolve_colour_reference(cfg, ["f090w", "f200w", "f444w"], Path("c.yaml"))
        self.assertEqual(out["flow"]["colours"], {"nBands": 3, "refIndex": 2})
        self.assertNotIn("colours", cfg["flow"])  # the input is not modified
        plain = {"flow": {"kind": "affine"}}
        self.assertIs(resolve_colour_reference(plain, ["f090w"], Path("c.yaml")), plain)  # no reference band: unchanged
        with self.assertRaisesRegex(SystemExit, r"c\.yaml: flow\.colourReferenceBand 'f160w' is not a band of survey jades \(f090w, f444w\)"):
            resolve_colour_reference({**cfg, "flow": {"colourReferenceBand": "f160w"}}, ["f090w", "f444w"], Path("c.yaml"))

    def test_output_dirs(self):
        from pixsed_train.config import output_dirs
        here, repo = tmpdir("pixsed-here-"), tmpdir("pixsed-repo-")
        work, out = output_dirs({"name": "m1"}, here, repo)
        self.assertEqual((work, out), (here / ".work" / "m1", repo / "test-data/models/m1"))
        self.assertTrue(work.is_dir() and out.is_dir())
        self.assertEqual(output_dirs({"name": "m1", "outDir": "elsewhere/m"}, here, repo)[1], repo / "elsewhere/m")


class CatalogStepTest(unittest.TestCase):
    def write_catalog(self, d: Path, spec: dict, sim_cfg: dict, survey: str, digest: str | None) -> None:
        import json
        d.mkdir(parents=True, exist_ok=True)
        # columns deliberately not in band order
        cols = ["z", "flux_f444w_err_njy", "flux_f090w_njy", "flux_f444w_njy", "flux_f090w_err_njy", "log_mstar"]
        arr = np.array([[1.5, 0.5, 10.0, 20.0, 0.25, 9.0], [2.5, 0.6, 11.0, 21.0, 0.35, 8.0]], dtype=np.float32)
        np.save(d / "catalog.npy", arr)
        (d / "catalog.columns.json").write_text(json.dumps({"columns": cols, "bands": ["f090w", "f444w"]}))
        (d / "simulation.json").write_text(json.dumps({"n": spec["n"], "seed": spec["seed"], "config": sim_cfg, "survey": survey}))
        if digest is not None:
            (d / "simulator-digest.txt").write_text(digest + "\n")

    def test_cache_status(self):
        from pixsed_train.catalog import cache_status
        d = tmpdir("pixsed-sim-") / "sim-train"
        spec, sim = {"n": 2, "seed": 7}, {"sfh": {"type": "delayed-tau"}}
        self.assertEqual(cache_status(d, spec, sim, "jades", "abc"), "missing")
        self.write_catalog(d, spec, sim, "jades", "abc")
        self.assertEqual(cache_status(d, spec, sim, "jades", "abc"), "reuse")
        self.assertEqual(cache_status(d, spec, sim, "jades", "abd"), "stale-code")
        self.assertEqual(cache_status(d, {"n": 2, "seed": 8}, sim, "jades", "abc"), "missing")
        self.assertEqual(cache_status(d, {"n": 3, "seed": 7}, sim, "jades", "abc"), "missing")
        self.assertEqual(cache_status(d, spec, {"sfh": {"type": "nonparametric"}}, "jades", "abc"), "missing")
        self.assertEqual(cache_status(d, spec, sim, "hst", "abc"), "missing")
        (d / "simulator-digest.txt").unlink()
        self.assertEqual(cache_status(d, spec, sim, "jades", "abc"), "stale-code")

    def test_simulate_reuses_a_cached_catalogue_without_running_anything(self):
        from pixsed_train.catalog import simulate, simulator_digest
        repo, work = tmpdir("pixsed-repo-"), tmpdir("pixsed-work-")
        (repo / "libs/simulator/src").mkdir(parents=True)
        (repo / "libs/simulator/src/a.ts").write_text("export const a = 1;\n")
        cfg = {"survey": "jades", "simulator": {"sfh": {"type": "delayed-tau"}}, "simulate": {"train": {"n": 2, "seed": 7}}}
        self.write_catalog(work / "sim-train", cfg["simulate"]["train"], cfg["simulator"], "jades", simulator_digest(repo))
        self.assertEqual(simulate(cfg, work, "train", build=False, repo=repo), work / "sim-train")
        self.assertFalse((work / "sims.yaml").exists())  # nothing was simulated

    def test_simulate_command(self):
        from pixsed_train.catalog import simulate_command
        cmd = simulate_command(Path("/r/apps/cli/dist/main.js"), "hst", {"n": 50, "seed": 9}, Path("/w/sim-test"), Path("/w/sims.yaml"))
        self.assertEqual(cmd, ["node", "/r/apps/cli/dist/main.js", "simulate", "--survey", "hst", "--n", "50", "--seed", "9",
                               "--out", "/w/sim-test", "--format", "npy", "--config", "/w/sims.yaml"])

    def test_load_catalog_orders_by_band_and_names_a_missing_column(self):
        from pixsed_train.catalog import load_catalog
        d = tmpdir("pixsed-sim-") / "sim-test"
        self.write_catalog(d, {"n": 2, "seed": 1}, {}, "jades", "x")
        cat = load_catalog(d)
        self.assertEqual(cat["bands"], ["f090w", "f444w"])
        np.testing.assert_array_equal(cat["flux"], [[10.0, 20.0], [11.0, 21.0]])
        np.testing.assert_allclose(cat["err"], [[0.25, 0.5], [0.35, 0.6]], rtol=1e-6)
        np.testing.assert_array_equal(cat["z"], [1.5, 2.5])
        np.testing.assert_array_equal(cat["col"]("log_mstar"), [9.0, 8.0])
        with self.assertRaisesRegex(SystemExit, r"catalog\.columns\.json: no column 'av'"):
            cat["col"]("av")


class ParamsStepTest(unittest.TestCase):
    def ps(self):
        return {"names": ["a", "b"], "logit": np.array([True, False]), "lo": np.array([4.0, 0.0]), "hi": np.array([12.0, 0.0])}

    def test_to_unbounded(self):
        from pixsed_train.params import to_unbounded
        theta = np.array([[8.0, -3.0], [6.0, 5.0], [4.0, 1.0]])
        u = to_unbounded(theta, self.ps())
        self.assertAlmostEqual(u[0, 0], 0.0)  # midpoint -> logit(0.5) = 0
        self.assertAlmostEqual(u[1, 0], math.log(0.25 / 0.75))  # a quarter of the range
        self.assertAlmostEqual(u[2, 0], math.log(1e-6 / (1 - 1e-6)))  # at the bound: clipped, finite
        np.testing.assert_array_equal(u[:, 1], theta[:, 1])  # identity
        np.testing.assert_array_equal(theta[:, 0], [8.0, 6.0, 4.0])  # input unchanged

    def test_param_setup(self):
        from pixsed_train.params import param_setup
        cat = toy_catalog()
        cfg = {"parameters": [{"name": "log_mstar", "transform": "logit", "min": 4.0, "max": 12.0}, {"name": "log_sfr100"}]}
        ps = param_setup(cfg, cat)
        self.assertEqual(ps["names"], ["log_mstar", "log_sfr100"])
        m = cat["cols"]["log_mstar"]
        u = np.log((m - 4) / 8 / (1 - (m - 4) / 8))
        self.assertAlmostEqual(ps["mean"][0], u.mean(), places=10)
        self.assertAlmostEqual(ps["std"][1], cat["cols"]["log_sfr100"].std(), places=10)
        self.assertEqual((ps["lo"][1], ps["hi"][1]), (cat["cols"]["log_sfr100"].min(), cat["cols"]["log_sfr100"].max()))
        with self.assertRaisesRegex(SystemExit, r"parameter log_mstar: training values .* outside logit bounds \[6\.0, 12\.0\]"):
            param_setup({"parameters": [{"name": "log_mstar", "transform": "logit", "min": 6.0, "max": 12.0}]}, cat)

    def test_dequantize_floors(self):
        from pixsed_train.params import dequantize_floors
        raw = np.array([[-10.0], [-10.0], [-9.5], [-3.0]])
        out = dequantize_floors(raw.copy(), {"names": ["log_sfr100"]}, [{"param": "log_sfr100", "floor": -10.0, "width": 0.25}], np.random.default_rng(0))
        self.assertTrue(np.all((out[:2, 0] >= -10.25) & (out[:2, 0] <= -10.0)))
        self.assertEqual(len(set(out[:2, 0])), 2)  # spread, not one value
        np.testing.assert_array_equal(out[2:, 0], [-9.5, -3.0])  # above the floor: untouched
        np.testing.assert_array_equal(dequantize_floors(raw.copy(), {"names": ["log_sfr100"]}, None, np.random.default_rng(0)), raw)

    def test_split_train_val(self):
        from pixsed_train.params import split_train_val
        iv, it = split_train_val(1000, 0.1, np.random.default_rng(5))
        self.assertEqual((len(iv), len(it)), (100, 900))
        self.assertEqual(sorted(np.concatenate([iv, it]).tolist()), list(range(1000)))
        np.testing.assert_array_equal(iv, np.random.default_rng(5).permutation(1000)[:100])  # the seed fixes the split


class FeatureBuildStepTest(unittest.TestCase):
    def test_build_features_standardization(self):
        from pixsed_train.features import block, build_features, compute_features, feature_layout, nondetection_rule
        cat = toy_catalog()
        rule = nondetection_rule({"features": {"nonDetection": {"snrMin": 1.0}}})
        fb = build_features(cat["flux"], cat["err"], cat["z"], cat["bands"], rule)
        L = feature_layout(cat["bands"])
        # fill values: mean magnitude over the rows where the band is present (here f444w lacks row 0)
        present = ~np.isnan(cat["flux"][:, 1])
        f = cat["flux"][present, 1]
        mags = np.where(f / 2.0 >= 1.0, -2.5 * np.log10(np.maximum(f, 1e-30)) + 31.4, -2.5 * np.log10(2.0) + 31.4)
        self.assertAlmostEqual(fb["fillMag"][1], float(np.mean(np.float32(mags))), places=4)
        ref = compute_features(cat["flux"], cat["err"], cat["z"], fb["fillMag"], fb["fillMagErr"], rule).astype(np.float64)
        np.testing.assert_array_equal(fb["features"], ref)
        np.testing.assert_allclose(fb["mean"][block(L, "mag")], ref[:, block(L, "mag")].mean(0))
        for k in ("nondet", "missing"):  # flags stay 0/1
            np.testing.assert_array_equal(fb["mean"][block(L, k)], 0.0)
            np.testing.assert_array_equal(fb["std"][block(L, k)], 1.0)
        np.testing.assert_allclose(fb["std"][block(L, "z")], [cat["z"].std()], rtol=1e-6)
        self.assertEqual(nondetection_rule({})["magClip"], [10.0, 40.0])

    def test_constant_feature_gets_unit_std(self):
        from pixsed_train.features import build_features
        flux = np.full((5, 1), 100.0)
        fb = build_features(flux, np.full((5, 1), 1.0), np.full(5, 2.0), ["f444w"], {})
        np.testing.assert_array_equal(fb["std"], np.ones(5))  # mag, magErr, z constant; flags fixed at 1


class TrainingHelpersTest(unittest.TestCase):
    def test_cosine_lr(self):
        from pixsed_train.training import cosine_lr
        self.assertAlmostEqual(cosine_lr(1e-3, 0.0), 1e-3)
        self.assertAlmostEqual(cosine_lr(1e-3, 0.5), 1e-3 * (0.02 + 0.49))
        self.assertAlmostEqual(cosine_lr(1e-3, 1.0), 2e-5)
        self.assertAlmostEqual(cosine_lr(1e-3, 3.0), 2e-5)  # past the budget: the floor

    def test_merge_resumed_info(self):
        from pixsed_train.training import merge_resumed_info
        prev = {"epochs": 10, "best_epoch": 9, "train_seconds": 100.04, "history": [{"epoch": k} for k in range(1, 11)]}
        now = {"n_train": 90, "epochs": 3, "best_epoch": 2, "train_seconds": 20.0, "history": [{"epoch": 1}, {"epoch": 2}, {"epoch": 3}]}
        m = merge_resumed_info(prev, now, 3e-4, 5.0)
        self.assertEqual((m["epochs"], m["best_epoch"], m["train_seconds"], m["n_train"]), (13, 12, 120.0, 90))
        self.assertEqual([h["epoch"] for h in m["history"]], list(range(1, 14)))
        self.assertEqual([h.get("resumed", False) for h in m["history"]][-4:], [False, True, True, True])
        self.assertEqual(m["resumed"], {"fromEpochs": 10, "lr0": 3e-4, "minutes": 5.0})


class ManifestStepTest(unittest.TestCase):
    def build(self, **over):
        from pixsed_train.features import build_features, nondetection_rule
        from pixsed_train.manifest import build_manifest
        from pixsed_train.params import param_setup
        cat = toy_catalog()
        cfg = {"name": "toy", "version": "0.0.1", "survey": "jades", "simulator": {"noise": {"mode": "sbipix"}},
               "simulate": {"train": {"n": 200, "seed": 1}, "test": {"n": 20, "seed": 2}},
               "parameters": [{"name": "log_mstar", "transform": "logit", "min": 4.0, "max": 12.0}, {"name": "log_sfr100"}],
               "flow": {"kind": "spline"}, "training": {"seed": 4, "floorDequantize": [{"param": "log_sfr100", "floor": -10.0, "width": 0.25}]},
               "validation": {}, **over}
        rule = nondetection_rule(cfg)
        fb = build_features(cat["flux"], cat["err"], cat["z"], cat["bands"], rule)
        ps = param_setup(cfg, cat)
        tinfo = {"n_train": 180, "n_val": 20, "epochs": 5, "best_epoch": 4, "train_seconds": 1.5}
        res = {"selection": {"nSelected": 3}, "metrics": {"log_mstar": {"r2": 0.9}}, "onnxCheck": {"maxAbsDiff": 1e-6}, "goals": {"g": True}}
        cfg_path = REPO_ROOT / "tools/train/jades-delayed-tau.yaml"
        m = build_manifest(cfg, cfg_path, REPO_ROOT, cat, ps, fb, rule, tinfo, res, model_sha256="ab" * 32,
                           versions={"torch": "t", "onnx": "o", "python": "p"}, depth=None, git="g", date="d")
        return m, cat, fb

    def test_has_every_key_of_the_shipped_manifests(self):
        import json
        m, _, _ = self.build()
        shipped = json.loads((REPO_ROOT / "test-data/models/jades-delayed-tau/manifest.json").read_text())
        for key in ("", "features", "sampler", "noiseModel", "provenance", "validation", "trainingRanges"):
            a, b = (m, shipped) if not key else (m[key], shipped[key])
            self.assertLessEqual(set(b), set(a), key or "<top>")
        self.assertLessEqual(set(shipped["parameters"][1]) - {"note"}, set(m["parameters"][1]))
        self.assertEqual(shipped["sampler"]["opset"], m["sampler"]["opset"])
        self.assertEqual(shipped["sampler"]["inputNames"], m["sampler"]["inputNames"])

    def test_photoz_manifest(self):
        from pixsed_train.features import feature_names
        zp = {"name": "z", "transform": "logit", "min": 0.01, "max": 7.5}
        m, cat, fb = self.build(conditioning={"redshift": False},
                                parameters=[zp, {"name": "log_mstar", "transform": "logit", "min": 4.0, "max": 12.0}])
        self.assertEqual(m["redshift"], {"role": "parameter"})
        self.assertEqual(m["features"]["transform"], "ab-mag-err")
        self.assertEqual(m["features"]["names"], feature_names(["f090w", "f444w"], include_z=False))
        self.assertEqual(m["features"]["count"], 8)
        self.assertEqual(len(m["trainingRanges"]["features"]["min"]), 8)
        self.assertEqual(len(m["features"]["standardize"]["mean"]), 8)
        self.assertEqual([p["name"] for p in m["parameters"]], ["z", "log_mstar"])
        self.assertEqual((m["parameters"][0]["priorMin"], m["parameters"][0]["priorMax"]), (0.01, 7.5))
        self.assertEqual(self.build()[0]["redshift"], {"role": "conditioning"})

    def test_values_come_from_the_steps(self):
        from pixsed_train.features import feature_names
        m, cat, fb = self.build()
        self.assertEqual(m["features"]["names"], feature_names(["f090w", "f444w"]))
        self.assertEqual(m["features"]["count"], 9)
        self.assertEqual(m["features"]["standardize"]["mean"], [float(v) for v in fb["mean"]])
        self.assertEqual(m["features"]["missingBand"]["fillMag"], [float(v) for v in fb["fillMag"]])
        p0, p1 = m["parameters"]
        self.assertEqual((p0["priorMin"], p0["priorMax"], p0["transformInGraph"]), (4.0, 12.0, "logit"))
        self.assertEqual((p1["priorMin"], p1["priorMax"], p1["transformInGraph"]), (-10.0, float(cat["cols"]["log_sfr100"].max()), "identity"))
        self.assertIn("spread uniformly over [-10.25, -10.0]", p1["note"])
        self.assertNotIn("note", p0)
        self.assertEqual(m["trainingRanges"]["z"], {"min": float(cat["z"].min()), "max": float(cat["z"].max())})
        self.assertEqual(m["sampler"]["noiseDim"], 2)
        self.assertEqual(m["modelSha256"], "ab" * 32)
        self.assertEqual(m["provenance"]["trainConfig"], "tools/train/jades-delayed-tau.yaml")
        self.assertEqual((m["provenance"]["torch"], m["provenance"]["gitCommit"], m["provenance"]["seed"]), ("t", "g", 4))
        self.assertEqual(m["validation"]["onnxMaxAbsDiff"], 1e-6)

    def test_survey_depth(self):
        from pixsed_train.manifest import survey_depth
        d = tmpdir("pixsed-data-")
        self.assertIsNone(survey_depth("jades", d))
        (d / "noise/jades").mkdir(parents=True)
        np.save(d / "noise/jades/background_noise_hainline.npy", np.array([0.002, 0.004]))
        self.assertEqual(survey_depth("jades", d), [2.0, 4.0])  # uJy -> nJy
        self.assertIsNone(survey_depth("hst", d))


class ValidationStepTest(unittest.TestCase):
    def test_metrics_on_known_posteriors(self):
        from pixsed_train.validate import metrics
        rng = np.random.default_rng(11)
        n, s = 4000, 400
        truth = rng.normal(0.0, 3.0, (n, 1))
        centre = truth + rng.normal(0.0, 1.0, (n, 1))  # calibrated: truth ~ N(centre, 1)
        samples = centre[:, None, :] + rng.normal(0.0, 1.0, (n, s, 1)) + 0.05
        r = metrics(samples, truth, ["p"], {"default": 2.0})["p"]
        self.assertAlmostEqual(r["coverage68"], 0.6827, delta=0.025)
        self.assertAlmostEqual(r["coverage95"], 0.9545, delta=0.015)
        self.assertAlmostEqual(r["bias"], 0.05, delta=0.05)
        self.assertAlmostEqual(r["nmad"], 1.0, delta=0.05)
        self.assertAlmostEqual(r["r2"], 1 - 1 / 9, delta=0.03)  # var(d) / var(t) = 1 / 9
        self.assertAlmostEqual(r["outlierFraction"], 2 * 0.02275, delta=0.01)  # |N(0,1)| > 2
        self.assertAlmostEqual(r["medianWidth68"], 2.0, delta=0.05)

    def test_goals_summary_and_training_record(self):
        from pixsed_train.validate import goals, summary_lines, training_summary
        good = {"r2": 0.995, "bias": 0.01, "nmad": 0.05, "coverage68": 0.69, "coverage95": 0.94, "outlierFraction": 0.0}
        g = goals({"metrics": {"log_mstar": good, "av": {**good, "coverage68": 0.60}}})
        self.assertEqual(g, {"log_mstar_r2>=0.99": True, "log_mstar_|bias|<0.02": True, "log_mstar_nmad<0.1": True,
                             "coverage68_within_3pc_all_params": False, "coverage95_within_3pc_all_params": True})
        tinfo = {"n_train": 9, "n_val": 1, "epochs": 3, "best_epoch": 2, "best_val_nll": -1.0, "train_seconds": 4.0, "history": [1], "extra": 0}
        self.assertEqual(training_summary(tinfo), {k: v for k, v in tinfo.items() if k != "extra"})
        res = {"metrics": {"log_mstar": good}, "onnxCheck": {"maxAbsDiff": 2e-6}, "throughput": {"pixelsPerSecond": 120.4, "samplesPerPixel": 500, "threads": 2}}
        lines = summary_lines(res)
        self.assertEqual(len(lines), 2)
        self.assertIn("R2 0.9950", lines[0])
        self.assertIn("throughput 120 pix/s (S=500, 2 threads)", lines[1])


class PhotozValidationTest(unittest.TestCase):
    def test_photoz_metrics_on_constructed_posteriors(self):
        from pixsed_train.validate import photoz_metrics
        # z_true = 1 (1 + z = 2); posteriors uniform on [c - 0.1, c + 0.1] around c = z_true + offset, so the median is
        # c and the 16/84 (2.5/97.5) percentiles are c -/+ 0.068 (0.095)
        offs = np.array([0.0, 0.04, -0.04, 0.4, 0.08])
        zt = np.ones(5)
        smp = (zt + offs)[:, None] + np.linspace(-0.1, 0.1, 10001)[None, :]
        r = photoz_metrics(smp, zt)
        # dz = offs / 2 = [0, .02, -.02, .2, .04]: median .02, |dz - .02| = [.02, 0, .04, .18, .02] -> median .02
        self.assertAlmostEqual(r["bias"], 0.02, places=9)
        self.assertAlmostEqual(r["nmad"], 1.4826 * 0.02, places=9)
        self.assertAlmostEqual(r["outlierFraction"], 0.2)  # only |dz| = 0.2 > 0.15
        self.assertAlmostEqual(r["coverage68"], 0.6)  # |offset| < 0.068: 0, +-0.04
        self.assertAlmostEqual(r["coverage95"], 0.8)  # + 0.08 < 0.095
        self.assertAlmostEqual(r["medianWidth68"], 0.136 / 2, places=6)
        self.assertEqual(r["n"], 5)
        self.assertIsNone(photoz_metrics(np.zeros((0, 3)), np.zeros(0))["nmad"])

    def test_snr_bins(self):
        from pixsed_train.validate import band_snr, snr_bin_rows
        snr = band_snr(np.array([50.0, 7.0, 10.0, np.nan, 3.0, 1e3]), np.array([1.0, 1.0, 1.0, 1.0, 0.0, 10.0]))
        np.testing.assert_array_equal(snr, [50.0, 7.0, 10.0, 0.0, 0.0, 100.0])
        np.testing.assert_array_equal(snr_bin_rows(snr, 10, None, 10), [0, 2, 5])  # S/N >= 10 includes 10
        np.testing.assert_array_equal(snr_bin_rows(snr, 10, None, 2), [0, 2])  # first n_max
        np.testing.assert_array_equal(snr_bin_rows(snr, 5, 10, 10), [1])  # [5, 10)

    def test_photoz_goals_and_summary(self):
        from pixsed_train.validate import goals, summary_lines
        good = {"r2": 0.995, "bias": 0.01, "nmad": 0.05, "coverage68": 0.69, "coverage95": 0.94, "outlierFraction": 0.0}
        zb = {"n": 100, "nmad": 0.025, "outlierFraction": 0.06, "bias": 0.001, "coverage68": 0.70, "coverage95": 0.90}
        res = {"metrics": {"log_mstar": good}, "photoz": {"bins": [
            {"snrMin": 10.0, "snrMax": None, "label": "S/N(f444w) >= 10", "z": zb},
            {"snrMin": 5.0, "snrMax": 10.0, "label": "S/N(f444w) >= 5 and < 10", "z": {**zb, "nmad": 0.5}}]}}
        g = goals(res)
        self.assertEqual((g["photoz_snr>=10_nmad<=0.03"], g["photoz_snr>=10_outliers<=0.05"]), (True, False))
        self.assertEqual((g["photoz_snr>=10_coverage68_within_3pc"], g["photoz_snr>=10_coverage95_within_3pc"]), (True, False))
        self.assertNotIn("photoz_snr>=10_nmad<=0.03", goals({"metrics": {"log_mstar": good}}))
        lines = summary_lines({**res, "onnxCheck": {}, "throughput": {"pixelsPerSecond": 1.0, "samplesPerPixel": 5, "threads": 1}})
        self.assertIn("photo-z S/N(f444w) >= 10", lines[1])
        self.assertIn("nmad 0.0250 out 0.060", lines[1])
        self.assertIn("nmad 0.5000", lines[2])


class EmulatorHelpersTest(unittest.TestCase):
    """The numpy parts of the PPC emulator (pixsed_train/emulator.py): its inputs and mass-normalised targets."""

    def test_inputs_use_specific_sfr_and_drop_mass(self):
        from pixsed_train.emulator import emulator_inputs
        names = ["log_mstar", "log_sfr100", "log_age_mw", "av"]
        theta = np.array([[9.0, 0.5, 8.7, 0.3], [10.0, -10.0, 9.5, 1.0]])
        x = emulator_inputs(theta, np.array([1.5, 3.0]), names)
        # sSFR floored at -14; then z and log10 z
        np.testing.assert_allclose(x, [[-8.5, 8.7, 0.3, 1.5, math.log10(1.5)], [-14.0, 9.5, 1.0, 3.0, math.log10(3.0)]])

    def test_targets_are_mass_normalised_ab_mags(self):
        from pixsed_train.emulator import MAG_PER_MASS_MAX, mass_normalised_mags
        # 3631 Jy = 3.631e12 nJy is AB mag 0: for M* = 1e9 and f = 3631 nJy (mag 22.5): target 22.5 + 22.5 = 45
        t = mass_normalised_mags(np.array([[3631.0, 0.0]]), np.array([9.0]))
        self.assertAlmostEqual(t[0, 0], 45.0, places=3)
        self.assertEqual(t[0, 1], MAG_PER_MASS_MAX)  # zero flux (Lyman break) clipped, finite

    def test_mass_required(self):
        from pixsed_train.emulator import emulator_inputs
        with self.assertRaises(SystemExit):
            emulator_inputs(np.zeros((1, 2)), np.zeros(1), ["log_sfr100", "av"])


class TorchStepsCompileTest(unittest.TestCase):
    """The torch-dependent steps (training loop, export, sampling) cannot run here without torch: they must at least
    compile, and train.py must import only numpy-free modules before it imports torch."""

    def test_compile(self):
        import py_compile
        for f in ("train.py", "pixsed_train/training.py", "pixsed_train/export.py", "pixsed_train/validate.py", "pixsed_train/flow.py",
                  "pixsed_train/emulator.py"):
            py_compile.compile(str(HERE_DIR / f), doraise=True, cfile=str(tmpdir("pixsed-pyc-") / "x.pyc"))

    def test_train_cli_parses_without_torch(self):
        import importlib
        train = importlib.import_module("train")
        a = train.parse_args(["--config", "x.yaml", "--resume-minutes", "5"])
        self.assertEqual((a.config, a.resume_minutes, a.resume_lr_factor, a.no_build, a.reuse_model), ("x.yaml", 5.0, 0.3, False, False))


    def test_record_matrix_runs_validate_matrix_once_per_configured_run(self):
        import importlib
        import subprocess
        from unittest import mock
        train = importlib.import_module("train")
        cfg = {"name": "m", "validation": {"matrix": [{"libraries": ["maraston05", "bc03-miles"], "n": 300},
                                                      {"libraries": ["mixture"], "noise": ["sbipix", "scale3"]}]}}
        with mock.patch.object(subprocess, "run") as run:
            train.record_matrix(cfg, Path("/m/model.onnx"), Path("/w"))
        cmds = [c.args[0] for c in run.call_args_list]
        self.assertEqual(len(cmds), 2)
        self.assertEqual(cmds[0][2:], ["validate-matrix", "--models", "/m/model.onnx", "--libraries", "maraston05,bc03-miles",
                                       "--n", "300", "--out", "/w/matrix-0", "--record"])
        self.assertEqual(cmds[1][-2:], ["--noise", "sbipix,scale3"])
        self.assertIn("6000", cmds[1])  # default n
        with mock.patch.object(subprocess, "run") as run:
            train.record_matrix({"name": "m", "validation": {}}, Path("/m/model.onnx"), Path("/w"))
        run.assert_not_called()

if __name__ == "__main__":
    unittest.main()
