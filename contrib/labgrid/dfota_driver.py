# SPDX-License-Identifier: MIT
"""A labgrid driver that runs dfota scenarios against a module's AT port.

DfotaDriver binds to a SerialPort resource (RawSerialPort, or USBSerialPort
found by udev) and makes it a ``dfota run --source serial:PORT`` target:
``run_scenario(path, **options)`` runs one scenario file (or a folder of them)
and returns a DfotaResult with dfota's verdicts, its exit status and the
report folder. Import it from the environment file (``imports:``); see
README.md.

dfota must not share the port with labgrid's SerialDriver: bind only this
driver to the module's AT port.
"""
import glob
import json
import logging
import os
import subprocess
import tempfile

import attr

from labgrid.driver.common import Driver
from labgrid.factory import target_factory
from labgrid.step import step

# dfota run's exit status (README "Exit status"): 0 pass, 1 a FAIL,
# 2 usage, 3 incomplete, 4 harness trouble; 128+N stopped by signal N.
EXIT_MEANING = {
    0: "PASS",
    1: "FAIL",
    2: "USAGE",
    3: "INCOMPLETE",
    4: "HARNESS-TROUBLE",
}


@attr.s(eq=False, frozen=True)
class DfotaResult:
    """What one dfota run said.

    exit_status: dfota run's exit status; outcome: its meaning (PASS, FAIL,
    USAGE, INCOMPLETE, HARNESS-TROUBLE, or STOPPED for a signal).
    verdicts: {scenario name: PASS|FAIL|INCOMPLETE|ERROR} from report.json,
    preparations included. report: the run's report folder (None when dfota
    wrote none). report_json: report.json, parsed. stdout, stderr: dfota's.
    """

    exit_status = attr.ib()
    verdicts = attr.ib()
    report = attr.ib()
    report_json = attr.ib()
    stdout = attr.ib()
    stderr = attr.ib()

    @property
    def outcome(self):
        return EXIT_MEANING.get(self.exit_status, "STOPPED")

    @property
    def passed(self):
        """Every scenario passed (and the bench worked)."""
        return self.exit_status == 0

    @property
    def harness_trouble(self):
        """The bench, not the module, is at fault: do not count it as a FAIL."""
        # 2 and 4 are dfota's; 128+N a shell's way to say signal N, and a
        # negative status Python's (a dfota killed or crashed is the bench's)
        return self.exit_status in (2, 4) or self.exit_status >= 128 or self.exit_status < 0

    def verdict(self, name=None):
        """The verdict of scenario NAME, or of the only scenario run."""
        if name is None:
            names = [n for n in self.verdicts if not n.startswith("prepare-for-")]
            if len(names) != 1:
                raise ValueError("%d scenarios were run: name one" % len(names))
            name = names[0]
        return self.verdicts[name]


@target_factory.reg_driver
@attr.s(eq=False)
class DfotaDriver(Driver):
    """Runs dfota scenarios on the module behind a serial port resource.

    Args:
        dfota (str): the dfota binary; the environment's ``tools: dfota:``
            wins when set.
        packages (str): the package map (dfota run --packages), relative to
            the environment file.
        report_dir (str): where report folders are written (default: a new
            temporary folder per run).
        serial_options (str): the serial source's options after the port,
            e.g. "settle=1s,flow=rtscts" (the resource's speed is the baud).
        timeout (float): seconds a run may take before it is stopped (SIGTERM:
            dfota then writes its report, marked INTERRUPTED).
    """

    bindings = {"port": "SerialPort"}
    dfota = attr.ib(default="dfota", validator=attr.validators.instance_of(str))
    packages = attr.ib(default=None, validator=attr.validators.optional(attr.validators.instance_of(str)))
    report_dir = attr.ib(default=None, validator=attr.validators.optional(attr.validators.instance_of(str)))
    serial_options = attr.ib(default="", validator=attr.validators.instance_of(str))
    timeout = attr.ib(default=3600.0, validator=attr.validators.instance_of((int, float)))

    def __attrs_post_init__(self):
        super().__attrs_post_init__()
        self.logger = logging.getLogger("%s:%s" % (self, self.target))

    def _config_path(self, path):
        if path and self.target and self.target.env:
            return self.target.env.config.resolve_path(path)
        return path

    def _binary(self):
        if self.target and self.target.env:
            tool = self.target.env.config.get_tool("dfota")
            if tool:
                return tool
        return self.dfota

    def source(self, **source_options):
        """The dfota source string for the bound port."""
        if not self.port.port:
            raise ValueError("%s has no port (not found by udev?)" % self.port)
        opts = ["baud=%d" % self.port.speed]
        if self.serial_options:
            opts.append(self.serial_options)
        opts += ["%s=%s" % (k.replace("_", "-"), v) for k, v in source_options.items()]
        return "serial:%s,%s" % (self.port.port, ",".join(opts))

    @Driver.check_active
    @step(args=["scenario"], result=True)
    def run_scenario(self, scenario, *, packages=None, variables=None, profile=None,
                     time_scale=None, report_dir=None, preflight=False, args=(),
                     timeout=None):
        """Runs `dfota run` on SCENARIO (a file or folder) against the port.

        packages: the package map (default: the driver's); variables: a dict
        of scenario variables (-D NAME=VALUE); profile: strict or field;
        time_scale: for a port served by ``dfota emulate --time-scale X``;
        report_dir: where the report folder goes; preflight: check packages
        from this host first; args: more dfota run options. Returns a
        DfotaResult; a FAIL is a result, not an exception.
        """
        source_options = {}
        if time_scale is not None:
            source_options["time_scale"] = time_scale
        cmd = [self._binary(), "run", "--no-color", "--source", self.source(**source_options)]
        packages = packages or self._config_path(self.packages)
        if packages:
            cmd += ["--packages", packages]
        for name, value in (variables or {}).items():
            cmd += ["-D", "%s=%s" % (name, value)]
        if profile:
            cmd += ["--profile", profile]
        if preflight:
            cmd.append("--preflight")
        base = report_dir or self._config_path(self.report_dir)
        if base:
            os.makedirs(base, exist_ok=True)
        out = tempfile.mkdtemp(prefix="dfota-labgrid.", dir=base)
        cmd += ["--report", out]
        cmd += list(args)
        cmd.append(str(scenario))
        self.logger.debug("running %s", " ".join(cmd))
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            stdout, stderr = proc.communicate(timeout=timeout or self.timeout)
        except subprocess.TimeoutExpired:
            proc.terminate()  # dfota ends the scenario INCOMPLETE and writes its report
            try:
                stdout, stderr = proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()  # it would not stop: harness trouble (a negative status)
                stdout, stderr = proc.communicate()
        runs = sorted(glob.glob(os.path.join(out, "run-*")) + glob.glob(os.path.join(out, "failed-run-*")))
        report = runs[0] if runs else None
        report_json = None
        verdicts = {}
        if report and os.path.exists(os.path.join(report, "report.json")):
            with open(os.path.join(report, "report.json")) as f:
                report_json = json.load(f)
            verdicts = {s["name"]: s["verdict"] for s in report_json.get("scenarios", [])}
        return DfotaResult(proc.returncode, verdicts, report, report_json, stdout, stderr)
