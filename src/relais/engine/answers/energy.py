"""Energy and carbon estimate of one generated answer, after the EcoLogits LLM-inference methodology (v1.0).

EcoLogits (GenAI Impact, https://ecologits.ai, "Environmental Impacts of LLM Inference") models the usage
impact of a request from the number of output tokens and the model's active parameters P (billions), fitted
on the LLM Perf Leaderboard (A100 80 GB servers):

- GPU energy:        E_gpu  = T_out × (α·P + β)            α = 8.91e-5 Wh/token/B, β = 1.43e-3 Wh/token
- generation time:   ΔT     = min(T_out × (A·P + B), measured)   A = 8.02e-4 s/token/B, B = 2.23e-2 s/token
- GPUs needed:       n      = ceil(1.2 × P × Q/8 GB / 80 GB)       Q: bits per weight (16 unless known)
- server (no GPU):   E_srv  = ΔT × 1 kW × n / 8 GPUs installed
- request:           E      = PUE × (E_srv + n × E_gpu)          PUE = 1.2
- carbon:            CO2e   = E × carbon intensity of the electricity (gCO2e/kWh; France 81.3, ADEME)

Only the usage phase is counted (not the embodied impact of the hardware), and the model is assumed served on
a datacentre GPU. For a small model on a local CPU the estimate is an upper bound dominated by β, the energy floor
of a GPU token; it is a consistent yardstick across answers and backends rather than a measurement. The input
tokens do not enter the formula (EcoLogits neglects prefill), as in the methodology.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ALPHA_WH = 8.91e-5
BETA_WH = 1.43e-3
LATENCY_A_S = 8.02e-4
LATENCY_B_S = 2.23e-2
SERVER_POWER_W = 1000.0
GPUS_INSTALLED = 8
GPU_MEMORY_GB = 80.0
MEMORY_OVERHEAD = 1.2
PUE = 1.2
METHOD = "ecologits-1.0-usage"


@dataclass(frozen=True)
class Impact:
    energy_wh: float
    gco2e: float
    method: str = METHOD

    def as_dict(self) -> dict[str, float | str]:
        return {"energy_wh": self.energy_wh, "gco2e": self.gco2e, "method": self.method}


def estimate(
    output_tokens: int,
    params_b: float,
    *,
    carbon_intensity: float,
    measured_s: float | None = None,
    bits: int = 16,
) -> Impact | None:
    """The usage impact of generating ``output_tokens`` with a ``params_b``-billion model; None if P is unknown."""
    if params_b <= 0 or output_tokens < 0:
        return None
    gpus = max(1, math.ceil(MEMORY_OVERHEAD * params_b * bits / 8 / GPU_MEMORY_GB))
    gpu_wh = output_tokens * (ALPHA_WH * params_b + BETA_WH)
    seconds = output_tokens * (LATENCY_A_S * params_b + LATENCY_B_S)
    if measured_s is not None:
        seconds = min(seconds, measured_s)
    server_wh = seconds * SERVER_POWER_W * gpus / GPUS_INSTALLED / 3600
    energy_wh = PUE * (server_wh + gpus * gpu_wh)
    return Impact(round(energy_wh, 6), round(energy_wh / 1000 * carbon_intensity, 6))
