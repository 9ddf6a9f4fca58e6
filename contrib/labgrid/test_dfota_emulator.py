# SPDX-License-Identifier: MIT
"""labgrid's pytest plugin, the DfotaDriver and a module: dfota's emulator.

Run with the environment eg95.yaml, LG_DFOTA_PORT naming a path for the
emulator's link (the emulator is started here, behind that path):
  LG_DFOTA_PORT=/tmp/eg95 pytest --lg-env eg95.yaml test_dfota_emulator.py
harness/tests/e2e/lab-labgrid.sh does so with the build's dfota on PATH.
"""
import os
import pathlib
import shutil
import subprocess
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "3.3-local-file-upgrade.yaml"
SCALE = 0.01  # wall seconds per module second: the emulator's and the run's
V12, V13 = "EG95EFAR02A07M4G", "EG95EFAR02A08M4G"


@pytest.fixture
def module(tmp_path):
    """Starts `dfota emulate` behind $LG_DFOTA_PORT, with the package for a
    local-file upgrade in its UFS; yields a function that starts it with
    extra options; stops it at the end."""
    link = os.environ["LG_DFOTA_PORT"]
    dfota = shutil.which("dfota")
    assert dfota, "dfota is not on PATH"
    ufs = tmp_path / "ufs"
    ufs.mkdir()
    subprocess.run([dfota, "package", "--from", V12, "--to", V13, str(ufs / "update.zip")],
                   check=True, stdout=subprocess.DEVNULL)
    procs = []

    def start(*options):
        if os.path.lexists(link):
            os.unlink(link)
        log = open(tmp_path / "emulate.out", "w")
        procs.append(subprocess.Popen(
            [dfota, "emulate", "--link", link, "--time-scale", str(SCALE), "--ufs", str(ufs),
             "--scenario", str(SCENARIO), *options], stdout=log, stderr=subprocess.STDOUT))
        for _ in range(200):
            if os.path.islink(link):
                return
            time.sleep(0.05)
        pytest.fail("the emulator gave no link in 10 s: " + (tmp_path / "emulate.out").read_text())

    yield start
    for p in procs:
        p.terminate()
        p.wait(timeout=30)


def run(target, tmp_path):
    dfota = target.get_driver("DfotaDriver")
    return dfota.run_scenario(SCENARIO, variables={"LOCAL_FILE": "/data/ufs/update.zip"},
                              time_scale=SCALE, report_dir=str(tmp_path / "reports"), timeout=300)


def test_local_file_upgrade_passes(target, module, tmp_path):
    module()
    r = run(target, tmp_path)
    assert r.exit_status == 0, r.stdout + r.stderr
    assert r.passed and r.outcome == "PASS"
    assert r.verdict() == "PASS"
    assert r.report_json["summary"]["passed"] == 1
    transcript = pathlib.Path(r.report, "transcripts", SCENARIO.stem + ".transcript").read_text()
    # the USB reboot went through labgrid's port as through hardware
    assert " ! port-lost\n" in transcript and " ! port-back\n" in transcript
    assert "# port: " + os.environ["LG_DFOTA_PORT"] + "\n" in transcript


def test_module_that_breaks_the_guide_fails(target, module, tmp_path):
    module("--fault", "end-before-100")
    r = run(target, tmp_path)
    assert r.exit_status == 1, r.stdout + r.stderr
    assert r.outcome == "FAIL" and not r.harness_trouble
    assert r.verdict() == "FAIL"
    assert "PROGRESS-COMPLETE" in r.stdout


def test_no_module_is_harness_trouble(target, tmp_path):
    # no emulator behind the port: the bench is broken, not the module
    if os.path.lexists(os.environ["LG_DFOTA_PORT"]):
        os.unlink(os.environ["LG_DFOTA_PORT"])
    r = run(target, tmp_path)
    assert r.exit_status == 4, r.stdout + r.stderr
    assert r.harness_trouble and r.outcome == "HARNESS-TROUBLE"
    assert "FAIL" not in r.verdicts.values()


def test_a_dfota_killed_is_harness_trouble():
    """A dfota stopped by a signal (Python gives -N, a shell 128+N) is the
    bench's trouble, never the module's FAIL; 1 is the module's."""
    from dfota_driver import DfotaResult
    for status in (-9, -11, 137, 2, 4):
        r = DfotaResult(status, {}, None, None, "", "")
        assert r.harness_trouble and not r.passed, status
    r = DfotaResult(1, {}, None, None, "", "")
    assert not r.harness_trouble and r.outcome == "FAIL"
