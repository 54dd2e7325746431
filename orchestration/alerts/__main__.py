"""``python -m orchestration.alerts``: the alerts from a shell, on the warehouse of TM_TARGET / TM_VAR_DIR.

    python -m orchestration.alerts check                      # validate the rules file, list the rules
    python -m orchestration.alerts run [--send | --dry-run]   # evaluate the rules, deliver what is new
    python -m orchestration.alerts digest [--label L001] [--as-of 2026-10-31] [--send | --dry-run]
    python -m orchestration.alerts snooze --label L001 [--rule NAME] [--isrc X] --until 2026-12-31 [--reason T]
    python -m orchestration.alerts history [--label L001] [--status failed] [--limit 50] [--all]

``--send`` / ``--dry-run`` override ``TM_ALERTS_ENABLED`` for one command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from orchestration.alerts import alerts_enabled, history
from orchestration.alerts.rules import DIGEST_RULE, RulesError, load_rules


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from exc


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m orchestration.alerts", description=__doc__.splitlines()[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--rules", help="the rules file (default: TM_ALERT_RULES or infra/alerts/alert_rules.yml)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", parents=[common], help="validate the rules file and list the rules")
    for name in ("run", "digest"):
        p = sub.add_parser(name, parents=[common],
                           help="evaluate the rules and deliver" if name == "run" else "send weekly digests")
        mode = p.add_mutually_exclusive_group()
        mode.add_argument("--send", action="store_true", help="deliver (whatever TM_ALERTS_ENABLED says)")
        mode.add_argument("--dry-run", action="store_true", help="only say what would be delivered")
        if name == "digest":
            p.add_argument("--label", help="only this label's digest")
            p.add_argument("--as-of", type=_date, help="the week's last day (default: the data's latest date)")
            p.add_argument("--out", help="folder for the HTML files (default: <var>/alerts/digests)")
    p = sub.add_parser("snooze", parents=[common],
                       help="hold back a label's alerts (of a rule, of a track) until a date")
    p.add_argument("--label", required=True)
    p.add_argument("--rule", help=f"one rule of the label (or {DIGEST_RULE}); default: every rule")
    p.add_argument("--isrc", help="one track; default: every track")
    p.add_argument("--until", required=True, type=_date, help="last snoozed day (inclusive, UTC)")
    p.add_argument("--reason")
    p = sub.add_parser("history", parents=[common], help="the latest delivery decisions, newest first")
    p.add_argument("--label")
    p.add_argument("--status", choices=history.STATUSES)
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--all", action="store_true", help="include suppressed duplicates")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_rules(args.rules)
    except RulesError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.command == "check":
        for label in config.labels:
            print(f"{label.label_id}: {len(label.recipients)} recipient(s), {len(label.webhooks)} webhook(s), "
                  f"digest {'on' if label.digest else 'off'}, sub-labels {'in' if label.include_sub_labels else 'out'}")
            for rule in label.rules:
                print(f"  {rule.name} ({rule.source})")
        return 0

    from orchestration.settings import get_settings
    from orchestration.warehouses import warehouse_for

    settings = get_settings()
    warehouse = warehouse_for(settings)
    enabled = True if getattr(args, "send", False) else False if getattr(args, "dry_run", False) else alerts_enabled()
    if args.command == "run":
        from orchestration.alerts.engine import run_alerts

        result = run_alerts(warehouse, config, enabled=enabled)
        for row in result.decisions:
            if row[5] != "suppressed_duplicate":
                print(f"{row[5]:<10} {row[1]} {row[2]:<24} {row[3]:<7} {row[4]}: {row[6]}"
                      + (f"  [{row[8]}]" if row[8] else ""))
        print(_summary(result.count, "alerts"))
        return 1 if result.count("failed") else 0
    if args.command == "digest":
        from pathlib import Path

        from orchestration.alerts.digest import run_digests

        out = Path(args.out) if args.out else settings.var_dir / "alerts" / "digests"
        run = run_digests(warehouse, config, enabled=enabled, as_of=args.as_of, out_dir=out, only_label=args.label)
        for row in run.decisions:
            print(f"{row[5]:<10} {row[1]} {row[3]:<7} {row[4]}" + (f"  [{row[8]}]" if row[8] else ""))
        for path in run.files:
            print(f"wrote {path}")
        print(_summary(run.count, "digest deliveries"))
        return 1 if run.count("failed") else 0
    if args.command == "snooze":
        try:
            label = config.label(args.label)
        except KeyError as exc:
            print(f"error: {exc.args[0]}", file=sys.stderr)
            return 2
        names = [r.name for r in label.rules] + [DIGEST_RULE]
        if args.rule and args.rule not in names:
            print(f"error: label {args.label} has no rule {args.rule!r} (its rules: {', '.join(names)})",
                  file=sys.stderr)
            return 2
        snooze = history.add_snooze(warehouse, args.label, args.until, rule=args.rule, isrc=args.isrc,
                                    reason=args.reason)
        print(f"snoozed {args.label} rule={args.rule or '*'} isrc={args.isrc or '*'} until {args.until} "
              f"(id {snooze.snooze_id})")
        return 0
    rows = history.recent(warehouse, limit=args.limit, label_id=args.label, status=args.status,
                          include_duplicates=args.all)
    for sent_at, label_id, rule, channel, recipient, status, subject, error in rows:
        print(f"{sent_at}  {label_id}  {status:<20} {rule:<22} {channel:<7} {recipient}  {subject}"
              + (f"  [{error}]" if error else ""))
    if not rows:
        print("no alert history yet")
    return 0


def _summary(count, what: str) -> str:
    return (f"{what}: {count('sent')} sent, {count('failed')} failed, {count('snoozed')} snoozed, "
            f"{count('suppressed_duplicate')} duplicate(s) suppressed, {count('dry_run')} dry run")


if __name__ == "__main__":
    sys.exit(main())
