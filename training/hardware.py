"""What the training machine's CPU can do, for choices that depend on it."""

from __future__ import annotations

from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")
# Instruction sets that compute in bfloat16 natively (Intel AMX, AVX-512 BF16).
BFLOAT16_FLAGS = frozenset({"amx_bf16", "avx512_bf16"})


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


def cpu_flags(cpuinfo: Path = CPUINFO) -> frozenset[str]:
    """The CPU's feature flags; empty where the system does not list them."""
    return frozenset((_first_cpu_field("flags", cpuinfo) or "").split())


def has_bfloat16_units(cpuinfo: Path = CPUINFO) -> bool:
    """Whether the CPU computes bfloat16 natively; without, TensorFlow emulates it, slowly."""
    return bool(cpu_flags(cpuinfo) & BFLOAT16_FLAGS)
