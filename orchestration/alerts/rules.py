"""Per-label alert rules, read from YAML (``TM_ALERT_RULES``, default infra/alerts/alert_rules.yml) and validated
on load: a typo in a rule must stop the alerts with a message naming the place, never silently match nothing.

The file::

    defaults:                       # optional; every label inherits these unless it sets its own
      lookback_days: 28             # only what happened in the last N days of the data (its own clock) alerts
      max_alerts_per_run: 20        # per rule and run, highest priority first; the rest wait for the next run
    labels:
      L001:                         # the label_id of marts.dim_label (L001..L009 in the sample)
        name: Northern Pulse Records  # optional, for people; the warehouse's name is used when missing
        include_sub_labels: true    # L006 (a sub-label of L001) belongs to L001's alerts and digest too
        recipients: [analytics@northern-pulse.example]
        webhooks:                   # a URL, or {url, secret_env}; ${VAR} is expanded, an empty result dropped
          - ${TM_ALERT_WEBHOOK_URL}
        digest: true                # the weekly digest (Mondays) by e-mail and webhook
        rules:
          - name: priority_insights
            source: insights        # ml.insights
            insight_types: [trend_break, anomaly, risk]
            min_priority: 0.2         # impact x confidence x urgency, each 0..1 (ml/insights.py)
          - name: stream_spikes
            source: anomalies       # ml.stream_anomalies
            kinds: [spike]
            min_spike_factor: 3     # observed >= 3 x expected
            min_streams_at_stake: 1000  # |observed - expected| over the anomaly's days

Why ``${VAR}``: webhook URLs and addresses differ per deployment; the rules file is committed, the endpoints are not.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from typing import Any

from orchestration.settings import REPO_ROOT

DEFAULT_RULES_PATH = REPO_ROOT / "infra" / "alerts" / "alert_rules.yml"
INSIGHT_TYPES = ("trend_break", "anomaly", "opportunity", "risk", "benchmark_deviation")
ANOMALY_KINDS = ("spike", "drop", "missing")
SOURCES = ("insights", "anomalies")
DIGEST_RULE = "weekly_digest"  # the rule name digests are recorded (and snoozed) under

_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

_RULE_KEYS = {
    "common": {"name", "source", "platforms", "territories", "lookback_days", "max_alerts_per_run", "enabled"},
    "insights": {"insight_types", "min_priority", "min_confidence", "min_streams_at_stake"},
    "anomalies": {"kinds", "min_spike_factor", "min_drop_pct", "min_streams_at_stake", "min_score"},
}
_LABEL_KEYS = {"name", "include_sub_labels", "recipients", "webhooks", "digest", "rules", "lookback_days",
               "max_alerts_per_run", "digest_top_n"}
_DEFAULT_KEYS = {"lookback_days", "max_alerts_per_run", "include_sub_labels", "digest", "digest_top_n"}


class RulesError(ValueError):
    """The rules file is not valid; the message names the file and the place in it."""


@dataclasses.dataclass(frozen=True)
class Webhook:
    url: str
    secret_env: str = "TM_ALERT_WEBHOOK_SECRET"  # the HMAC key's variable; unset: requests go unsigned

    @property
    def secret(self) -> str | None:
        return os.environ.get(self.secret_env) or None


@dataclasses.dataclass(frozen=True)
class Rule:
    name: str
    source: str  # insights | anomalies
    insight_types: tuple[str, ...] = INSIGHT_TYPES
    min_priority: float | None = None
    min_confidence: float | None = None
    kinds: tuple[str, ...] = ANOMALY_KINDS
    min_spike_factor: float | None = None  # spikes: observed / expected at least this
    min_drop_pct: float | None = None  # drops: 100 x (1 - observed / expected) at least this
    min_streams_at_stake: float | None = None  # anomalies: |observed - expected|; insights: impact_streams
    min_score: float | None = None
    platforms: tuple[str, ...] = ()  # empty: every platform
    territories: tuple[str, ...] = ()
    lookback_days: int = 28
    max_alerts_per_run: int = 20


@dataclasses.dataclass(frozen=True)
class LabelRules:
    label_id: str
    name: str | None
    include_sub_labels: bool
    recipients: tuple[str, ...]
    webhooks: tuple[Webhook, ...]
    digest: bool
    digest_top_n: int
    rules: tuple[Rule, ...]


@dataclasses.dataclass(frozen=True)
class AlertConfig:
    path: str
    labels: tuple[LabelRules, ...]

    def label(self, label_id: str) -> LabelRules:
        for label in self.labels:
            if label.label_id == label_id:
                return label
        raise KeyError(f"no rules for label {label_id!r} in {self.path}")


def rules_path() -> Path:
    return Path(os.environ.get("TM_ALERT_RULES") or DEFAULT_RULES_PATH)


def load_rules(path: str | Path | None = None) -> AlertConfig:
    """Read and validate the rules file (``path``, else ``TM_ALERT_RULES``, else the default)."""
    import yaml

    path = Path(path) if path is not None else rules_path()
    try:
        text = path.read_text()
    except OSError as exc:
        raise RulesError(f"{path}: cannot read the alert rules ({exc.strerror or exc})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RulesError(f"{path}: not valid YAML: {exc}") from exc
    return parse_rules(data, str(path))


def parse_rules(data: Any, source: str = "<rules>") -> AlertConfig:
    """Validate the parsed YAML; every error names ``source`` and the place (``labels.L001.rules[0].kinds``)."""
    def fail(where: str, message: str) -> RulesError:
        return RulesError(f"{source}: {where}: {message}")

    if not isinstance(data, dict):
        raise fail("top level", "expected a mapping with 'labels' (and optionally 'defaults')")
    _unknown(data, {"defaults", "labels"}, "top level", fail)
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise fail("defaults", "expected a mapping")
    _unknown(defaults, _DEFAULT_KEYS, "defaults", fail)
    labels = data.get("labels")
    if not isinstance(labels, dict) or not labels:
        raise fail("labels", "expected a non-empty mapping of label_id -> its rules")
    parsed = []
    for label_id, body in labels.items():
        where = f"labels.{label_id}"
        if not isinstance(label_id, str) or not _NAME.match(label_id):
            raise fail(where, "a label_id is a word like L001")
        if not isinstance(body, dict):
            raise fail(where, "expected a mapping (recipients, webhooks, rules, ...)")
        _unknown(body, _LABEL_KEYS, where, fail)
        merged = {**defaults, **{k: v for k, v in body.items() if k in _DEFAULT_KEYS}}
        recipients = tuple(r for r in (_expand(v) for v in _list(body, "recipients", where, fail)) if r)
        for address in recipients:
            if not _EMAIL.match(address):
                raise fail(f"{where}.recipients", f"{address!r} is not an e-mail address")
        webhooks = tuple(w for w in (_webhook(v, f"{where}.webhooks", fail)
                                     for v in _list(body, "webhooks", where, fail)) if w)
        rules_data = body.get("rules") or []
        if not isinstance(rules_data, list):
            raise fail(f"{where}.rules", "expected a list of rules")
        rules = tuple(_rule(r, f"{where}.rules[{i}]", merged, fail) for i, r in enumerate(rules_data))
        names = [r.name for r in rules]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise fail(f"{where}.rules", f"rule names must be unique within a label: {', '.join(duplicates)}")
        if DIGEST_RULE in names:
            raise fail(f"{where}.rules", f"{DIGEST_RULE!r} is reserved for the weekly digest")
        name = body.get("name")
        if name is not None and not isinstance(name, str):
            raise fail(f"{where}.name", "expected a string")
        parsed.append(LabelRules(
            label_id=label_id, name=name,
            include_sub_labels=_bool(merged, "include_sub_labels", True, where, fail),
            recipients=recipients, webhooks=webhooks,
            digest=_bool(merged, "digest", True, where, fail),
            digest_top_n=_int(merged, "digest_top_n", 10, where, fail),
            rules=tuple(r for r in rules if r is not None)))
    return AlertConfig(source, tuple(parsed))


def _rule(data: Any, where: str, defaults: dict[str, Any], fail) -> Rule | None:
    if not isinstance(data, dict):
        raise fail(where, "expected a mapping with name and source")
    name, source = data.get("name"), data.get("source")
    if not isinstance(name, str) or not _NAME.match(name):
        raise fail(f"{where}.name", "required: a word (letters, digits, _ . -)")
    if source not in SOURCES:
        raise fail(f"{where}.source", f"required: one of {', '.join(SOURCES)} (got {source!r})")
    _unknown(data, _RULE_KEYS["common"] | _RULE_KEYS[source], where, fail)
    if not _bool(data, "enabled", True, where, fail):
        return None
    values: dict[str, Any] = {"name": name, "source": source,
                              "platforms": tuple(_strings(data, "platforms", where, fail)),
                              "territories": tuple(_strings(data, "territories", where, fail)),
                              "lookback_days": _int(data, "lookback_days", _int(defaults, "lookback_days", 28,
                                                                                 where, fail), where, fail),
                              "max_alerts_per_run": _int(data, "max_alerts_per_run", _int(
                                  defaults, "max_alerts_per_run", 20, where, fail), where, fail)}
    if source == "insights":
        types = _strings(data, "insight_types", where, fail) or list(INSIGHT_TYPES)
        _choices(types, INSIGHT_TYPES, f"{where}.insight_types", fail)
        values.update(insight_types=tuple(types), min_priority=_number(data, "min_priority", where, fail),
                      min_confidence=_number(data, "min_confidence", where, fail),
                      min_streams_at_stake=_number(data, "min_streams_at_stake", where, fail))
    else:
        kinds = _strings(data, "kinds", where, fail) or list(ANOMALY_KINDS)
        _choices(kinds, ANOMALY_KINDS, f"{where}.kinds", fail)
        drop = _number(data, "min_drop_pct", where, fail)
        if drop is not None and not 0 < drop <= 100:
            raise fail(f"{where}.min_drop_pct", f"a percentage in (0, 100] (got {drop})")
        factor = _number(data, "min_spike_factor", where, fail)
        if factor is not None and factor <= 1:
            raise fail(f"{where}.min_spike_factor", f"a factor above 1 (got {factor})")
        values.update(kinds=tuple(kinds), min_spike_factor=factor, min_drop_pct=drop,
                      min_streams_at_stake=_number(data, "min_streams_at_stake", where, fail),
                      min_score=_number(data, "min_score", where, fail))
    return Rule(**values)


def _unknown(data: dict, allowed: set[str], where: str, fail) -> None:
    extra = sorted(str(k) for k in data if k not in allowed)
    if extra:
        raise fail(where, f"unknown key(s) {', '.join(map(repr, extra))}; allowed: {', '.join(sorted(allowed))}")


def _expand(value: Any) -> str:
    """``${VAR}`` replaced by the variable's value (empty when unset)."""
    return _ENV.sub(lambda m: os.environ.get(m.group(1), ""), str(value)).strip()


def _list(data: dict, key: str, where: str, fail) -> list:
    value = data.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise fail(f"{where}.{key}", "expected a list")
    return value


def _strings(data: dict, key: str, where: str, fail) -> list[str]:
    values = _list(data, key, where, fail)
    if not all(isinstance(v, str) for v in values):
        raise fail(f"{where}.{key}", "expected a list of strings")
    return values


def _choices(values: list[str], allowed: tuple[str, ...], where: str, fail) -> None:
    bad = [v for v in values if v not in allowed]
    if bad:
        raise fail(where, f"unknown {', '.join(map(repr, bad))}; choose from {', '.join(allowed)}")


def _number(data: dict, key: str, where: str, fail) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(f"{where}.{key}", f"expected a number (got {value!r})")
    if value < 0:
        raise fail(f"{where}.{key}", f"expected a number >= 0 (got {value})")
    return float(value)


def _int(data: dict, key: str, default: int, where: str, fail) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise fail(f"{where}.{key}", f"expected a whole number >= 1 (got {value!r})")
    return value


def _bool(data: dict, key: str, default: bool, where: str, fail) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise fail(f"{where}.{key}", f"expected true or false (got {value!r})")
    return value


def _webhook(value: Any, where: str, fail) -> Webhook | None:
    if isinstance(value, dict):
        _unknown(value, {"url", "secret_env"}, where, fail)
        url, secret_env = _expand(value.get("url", "")), value.get("secret_env", "TM_ALERT_WEBHOOK_SECRET")
        if not isinstance(secret_env, str) or not secret_env:
            raise fail(f"{where}.secret_env", "expected the name of an environment variable")
    elif isinstance(value, str):
        url, secret_env = _expand(value), "TM_ALERT_WEBHOOK_SECRET"
    else:
        raise fail(where, f"expected a URL or {{url, secret_env}} (got {value!r})")
    if not url:
        return None  # ${VAR} unset: this deployment has no webhook there
    if not url.startswith(("http://", "https://")):
        raise fail(where, f"{url!r} is not an http(s) URL")
    return Webhook(url, secret_env)
