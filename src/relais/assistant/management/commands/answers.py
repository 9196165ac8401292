"""`relais answers fit | show | withdraw`: the town's own answer model (relais.assistant.answer_fit)."""

from __future__ import annotations

import math

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser

from relais.assistant.answer_fit import TownFit, active_answer_model, refit, save, town_signals
from relais.assistant.models import AnswerModelFit
from relais.engine.answers.decision import FEATURES, SHIPPED_MODEL, AnswerModel

ORIGINS = {
    "thumbs_up": "👍 on an answer",
    "thumbs_down": "👎 (inexact, off-topic, other)",
    "ticket": "request after an answer",
    "abstention": "abstention nobody contested",
    "faq": "FAQ entry phrasing",
}


class Command(BaseCommand):
    help = (
        "The answer model refitted on the town's signals: `relais answers fit [--save]` (cross-validated figures "
        "before and after), `relais answers show`, `relais answers withdraw` (back to the previous model)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        fit = actions.add_parser("fit", help="refit the shipped model on the town's signals and compare")
        fit.add_argument("--save", action="store_true", help="use the refit from now on, if it does at least as well")
        fit.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
        fit.add_argument("--repeats", type=int, default=10, help="shuffles of the folds, averaged (default 10)")
        actions.add_parser("show", help="which model answers, with its weights and figures")
        actions.add_parser("withdraw", help="stop using the latest saved fit: the previous one, or the shipped model")

    def handle(self, *args, **options) -> None:
        action = options["action"]
        if action == "fit":
            self._fit(options)
        elif action == "show":
            self._show()
        else:
            self._withdraw()

    def _fit(self, options) -> None:
        if options["folds"] < 2 or options["repeats"] < 1:
            raise CommandError("--folds must be at least 2 and --repeats at least 1")
        signals = town_signals()
        try:
            result = refit(signals, options["folds"], options["repeats"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self._report(result)
        if not options["save"]:
            self.stdout.write("\nNothing saved (add --save to use the refit).")
            return
        if not result.better:
            raise CommandError("not saved: " + "; ".join(result.reasons))
        record = save(result)
        self.stdout.write(f"\nSaved as fit {record.pk}: it decides every answer from now on.")

    def _report(self, result: TownFit) -> None:
        self.stdout.write(f"{len(result.examples)} questions from the town's signals:")
        for origin, count in sorted(result.signals.items()):
            self.stdout.write(f"  {ORIGINS.get(origin, origin)}: {count}")
        self.stdout.write("\n| model | correct source first | correct abstention | wrong abstention | settled |")
        self.stdout.write("|---|---|---|---|---|")
        self.stdout.write(
            _row("shipped model, on these signals (never fitted on them)", result.shipped, result.settled_before)
        )
        if result.active is not None:
            self.stdout.write(_row("town model in use (fitted on some of them)", result.active, math.nan))
        self.stdout.write(_row("refit, cross-validated", result.cross_validated, result.settled_after))
        self.stdout.write("\n" + _weights(result.model))
        for reason in result.reasons:
            self.stdout.write(f"Not better: {reason}")

    def _show(self) -> None:
        model = active_answer_model()
        record = AnswerModelFit.objects.filter(active=True).order_by("-pk").first()
        if record is None:
            self.stdout.write(f"The shipped model answers (fitted {SHIPPED_MODEL.provenance.get('date', '?')}).")
        else:
            self.stdout.write(f"Town fit {record.pk} of {record.created_at:%Y-%m-%d %H:%M} answers.")
            self.stdout.write(f"Signals: {record.signals}")
            self.stdout.write(f"Figures: {record.figures.get('cross_validated', {})}")
        self.stdout.write(_weights(model))

    def _withdraw(self) -> None:
        record = AnswerModelFit.objects.filter(active=True).order_by("-pk").first()
        if record is None:
            raise CommandError("no saved fit is in use: the shipped model already answers")
        record.active = False
        record.save(update_fields=["active"])
        following = AnswerModelFit.objects.filter(active=True).order_by("-pk").first()
        successor = f"fit {following.pk}" if following else "the shipped model"
        self.stdout.write(f"Fit {record.pk} withdrawn: {successor} answers from now on.")


def _row(label: str, figures: np.ndarray, settled: float) -> str:
    cells = ["—" if math.isnan(v) else f"{v:.3f}" for v in [*figures, settled]]
    return f"| {label} | " + " | ".join(cells) + " |"


def _weights(model: AnswerModel) -> str:
    weights = ", ".join(f"{name} {weight:g}" for name, weight in zip(FEATURES, model.weights, strict=True))
    return (
        f"ranking: FAQ {model.faq_weight:g}, coverage {model.coverage_weight:g}; "
        f"answer when {model.intercept:g} + the sum of weight × signal ≥ 0 ({weights})"
    )
