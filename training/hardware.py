"""What the training machine's CPU can do, for choices that depend on it."""

from __future__ import annotations

import os
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")
# Instruction sets that compute in bfloat16 natively (Intel AMX, AVX-512 BF16).
BFLOAT16_FLAGS = frozenset({"amx_bf16", "avx512_bf16"})
# The vector units that set this project's speeds, widest first: machines that share a name
# ("AMD EPYC") differ in them, and timings of one are no guide to another.
VECTOR_UNITS = {
    "amx_tile": "AMX",
    "avx512_vnni": "AVX-512 VNNI",
    "avx512f": "AVX-512",
    "avx2": "AVX2",
}


def _first_cpu_field(field: str, cpuinfo: Path) -> str | None:
    """A field of the first CPU in /proc/cpuinfo; None where the system does not list it."""
    try:
        text = cpuinfo.read_text()
    except OSError:
        return None
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == field:
            return value.strip()
    return None


def cpu_model(cpuinfo: Path = CPUINFO) -> str:
    """The CPU's name, as the system gives it."""
    return _first_cpu_field("model name", cpuinfo) or "unknown"


def describe(cpuinfo: Path = CPUINFO) -> str:
    """One line that tells this project's machines apart, for the head of a timing report."""
    family = _first_cpu_field("cpu family", cpuinfo)
    flags = cpu_flags(cpuinfo)
    units = [name for flag, name in VECTOR_UNITS.items() if flag in flags] or ["no AVX2"]
    cores = os.cpu_count() or 1
    name = cpu_model(cpuinfo) + (f" (family {family})" if family else "")
    return f"{name}, {cores} cores, {', '.join(units)}"


def cpu_flags(cpuinfo: Path = CPUINFO) -> frozenset[str]:
    """The CPU's feature flags; empty where the system does not list them."""
    return frozenset((_first_cpu_field("flags", cpuinfo) or "").split())


def has_bfloat16_units(cpuinfo: Path = CPUINFO) -> bool:
    """Whether the CPU computes bfloat16 natively; without, TensorFlow emulates it, slowly."""
    return bool(cpu_flags(cpuinfo) & BFLOAT16_FLAGS)
