"""Knowledge gaps: clusters of unanswered or badly rated questions, opened and closed over time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from relais.engine.measure.clustering import agglomerate, representatives


@dataclass(frozen=True)
class GapItem:
    """A question Relais did not settle: an abstention, a 👎 answer, or a ticket."""

    key: str  # "echange-12" or "demande-3"
    text: str
    kind: str  # abstention, down or ticket
    created_at: datetime
    service: str = ""


@dataclass
class Gap:
    items: list[GapItem]
    examples: list[str]  # the most representative questions, first the label
    wordings: list[str]  # every distinct wording, most representative first
    service: str  # the owning service: the most frequent among its items, "" if none
    centroid: np.ndarray
    status: str = "ouverte"  # ouverte, en_voie (answered once since), fermee (answered ``closing`` times since)
    answered_since: int = 0

    @property
    def label(self) -> str:
        return self.examples[0]

    @property
    def volume(self) -> int:
        return len(self.items)

    @property
    def kinds(self) -> dict[str, int]:
        return dict(Counter(item.kind for item in self.items))

    @property
    def last_seen(self) -> datetime:
        return max(item.created_at for item in self.items)

    @property
    def first_seen(self) -> datetime:
        return min(item.created_at for item in self.items)


GAP_STATUS_LABELS = {"ouverte": "Ouverte", "en_voie": "En voie de résolution", "fermee": "Fermée"}


def find_gaps(
    items: Sequence[GapItem], vectors: np.ndarray, threshold: float, min_size: int = 2, examples: int = 3
) -> list[Gap]:
    """Group the unsettled questions by topic; the biggest topics first, the most recent on a tie."""
    if not len(items):
        return []
    labels = agglomerate(vectors, threshold)
    gaps = []
    for label in range(int(labels.max()) + 1):
        members = [int(k) for k in np.flatnonzero(labels == label)]
        if len(members) < min_size:
            continue
        chosen = representatives(vectors, members, top=len(members))
        texts = list(dict.fromkeys(items[k].text for k in chosen))  # distinct wordings, most central first
        services = Counter(items[k].service for k in members if items[k].service)
        centroid = np.asarray(vectors[members]).mean(axis=0)
        centroid = centroid / (np.linalg.norm(centroid) or 1.0)
        gaps.append(
            Gap(
                items=[items[k] for k in members],
                examples=texts[:examples],
                wordings=texts,
                service=services.most_common(1)[0][0] if services else "",
                centroid=centroid,
            )
        )
    gaps.sort(key=lambda g: (-g.volume, -g.last_seen.timestamp()))
    return gaps


def close_gaps(
    gaps: Sequence[Gap],
    settled_vectors: np.ndarray,
    settled_times: Sequence[datetime],
    threshold: float,
    closing: int = 2,
) -> None:
    """Mark the gaps whose questions have started being answered.

    ``settled_*`` are the questions Relais settled (answered, no 👎, no ticket after). Each is matched
    to the gap whose centroid is closest, if at least ``threshold``; a gap with ``closing`` such
    questions after its last unsettled one is closed, with one it is on its way.
    """
    if not gaps or not len(settled_times):
        return
    centroids = np.stack([gap.centroid for gap in gaps])
    sims = np.asarray(settled_vectors) @ centroids.T
    nearest = sims.argmax(axis=1)
    for row, when in enumerate(settled_times):
        gap = gaps[int(nearest[row])]
        if sims[row, nearest[row]] >= threshold and when > gap.last_seen:
            gap.answered_since += 1
    for gap in gaps:
        gap.status = "fermee" if gap.answered_since >= closing else "en_voie" if gap.answered_since else "ouverte"
