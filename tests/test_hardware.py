"""The training machine's CPU features, read from /proc/cpuinfo."""

import os
import subprocess
import sys
from pathlib import Path

from training import hardware

AMD_EPYC = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 23
model name\t: AMD EPYC
flags\t\t: fpu sse sse2 avx avx2 fma

processor\t: 1
model name\t: AMD EPYC
flags\t\t: fpu sse sse2 avx avx2 fma
"""
ONEDNN = "TF_ENABLE_ONEDNN_OPTS"
XEON_WITH_AMX = """processor\t: 0
model name\t: Intel(R) Xeon(R) Platinum 8488C
flags\t\t: fpu avx2 avx512f avx512_bf16 amx_bf16 amx_tile
"""


def test_reads_the_model_and_flags_of_the_first_cpu(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(AMD_EPYC)
    assert hardware.cpu_model(cpuinfo) == "AMD EPYC"
    assert hardware.cpu_flags(cpuinfo) == {"fpu", "sse", "sse2", "avx", "avx2", "fma"}


def test_bfloat16_units_only_where_the_cpu_lists_them(tmp_path: Path) -> None:
    amd, intel = tmp_path / "amd", tmp_path / "intel"
    amd.write_text(AMD_EPYC)
    intel.write_text(XEON_WITH_AMX)
    assert not hardware.has_bfloat16_units(amd)
    assert hardware.has_bfloat16_units(intel)


def test_the_one_line_description_names_family_cores_and_vector_units(tmp_path: Path) -> None:
    amd, intel = tmp_path / "amd", tmp_path / "intel"
    amd.write_text(AMD_EPYC)
    intel.write_text(XEON_WITH_AMX)
    cores = os.cpu_count()
    assert hardware.describe(amd) == f"AMD EPYC (family 23), {cores} cores, AVX2"
    assert hardware.describe(intel) == (
        f"Intel(R) Xeon(R) Platinum 8488C, {cores} cores, AMX, AVX-512, AVX2"
    )
    assert hardware.describe(tmp_path / "absent") == f"unknown, {cores} cores, no AVX2"


def test_a_system_without_cpuinfo_reads_as_unknown(tmp_path: Path) -> None:
    missing = tmp_path / "absent"
    assert hardware.cpu_model(missing) == "unknown"
    assert hardware.cpu_flags(missing) == frozenset()
    assert not hardware.has_bfloat16_units(missing)


def test_training_turns_tensorflows_onednn_kernels_on_unless_told_otherwise() -> None:
    def switch_after_import(environment: dict[str, str]) -> str:
        command = [sys.executable, "-c", f"import os, training; print(os.environ[{ONEDNN!r}])"]
        done = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)
        return done.stdout.strip()

    without = {name: value for name, value in os.environ.items() if name != ONEDNN}
    assert switch_after_import(without) == "1"
    assert switch_after_import({**without, ONEDNN: "0"}) == "0"
