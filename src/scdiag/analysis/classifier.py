"""The optional statistical fallback (``analysis.ml_classification``).

A multinomial naive Bayes model over word tokens, trained when it is built on
the knowledge base's own example messages. It is consulted only when no
pattern reaches its threshold, and its answer is always labelled a guess.
Pure Python: no model files, no heavy dependencies.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

from scdiag import regex
from scdiag._records import mutable_record
from scdiag.analysis.patterns import FailurePattern
from scdiag.models import DiagnosticData

__all__ = ["NaiveBayesClassifier", "tokenize"]

_TOKEN = regex.deferred(r"[a-z][a-z0-9_.]{2,}")
_MAX_SCORE = 0.6
"""A guess never claims more than this: below the default reporting threshold."""


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens of three characters or more."""
    return _TOKEN.findall(text.lower())


@mutable_record
class NaiveBayesClassifier:
    """Word-frequency model of each pattern's example messages."""

    counts: dict[str, Counter[str]]
    totals: dict[str, int]
    vocabulary: set[str]

    @classmethod
    def from_patterns(cls, patterns: Iterable[FailurePattern]) -> NaiveBayesClassifier:
        """Train on every example of every non-wrapper pattern."""
        counts: dict[str, Counter[str]] = {}
        for pattern in patterns:
            if pattern.wrapper:
                continue
            words: Counter[str] = Counter(tokenize(pattern.name))
            for indicator in pattern.indicators:
                for example in indicator.examples:
                    words.update(tokenize(example))
            if words:
                counts[pattern.id] = words
        vocabulary = {word for words in counts.values() for word in words}
        return cls(counts, {k: sum(v.values()) for k, v in counts.items()}, vocabulary)

    def _document(self, data: DiagnosticData) -> list[str]:
        texts: list[str] = []
        for log in data.logs:
            texts.extend(entry.message for entry in log.entries[-200:])
        for events in data.events:
            texts.extend(event.message for event in events.events if event.level.value != "normal")
        if data.status is not None:
            for instance in data.status.instances:
                texts.extend(filter(None, (instance.reason, instance.message)))
                for container in instance.containers:
                    texts.extend(filter(None, (container.reason, container.message)))
        return [token for text in texts for token in tokenize(text) if token in self.vocabulary]

    def classify(self, data: DiagnosticData) -> Sequence[tuple[str, float]]:
        """Pattern ids with a score in [0, 0.6], best first; empty when nothing is known."""
        tokens = self._document(data)
        if not tokens or not self.counts:
            return []
        size = len(self.vocabulary)
        logs: dict[str, float] = {}
        for pattern_id, words in self.counts.items():
            total = self.totals[pattern_id] + size
            logs[pattern_id] = sum(math.log((words[token] + 1) / total) for token in tokens)
        top = max(logs.values())
        weights = {k: math.exp(v - top) for k, v in logs.items()}
        norm = sum(weights.values())
        ranked = sorted(((k, w / norm * _MAX_SCORE) for k, w in weights.items()), key=lambda kv: -kv[1])
        return ranked[:5]
