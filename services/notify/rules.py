"""Notification rules (TOML, POTRACK_NOTIFY_FILE): which alert transitions go to whom.

    [mail]                           # the SMTP server for the named targets
    url = "mailto://127.0.0.1:2525?from=potrack@example.com"   # no recipient: to= is added

    [[rule]]
    kinds = ["acknowledgment_overdue", "delivery_failed"]  # omit: every kind
    severities = ["critical"]        # omit: every severity
    suppliers = ["SUP-1005"]         # omit: every supplier
    min_escalation = 0               # the rule applies from this escalation level
    transitions = ["raised"]         # raised, resolved; omit: raised only
    targets = ["buyer", "json://127.0.0.1:9000/hook", "mailto://..."]
    digest_minutes = 15              # 0: one message per alert transition

A target is an Apprise URL, or `buyer` (the PO's `buyer.email`) or `supplier` (the
alert's recipient's plan `address`, a reminder written to the supplier). The named
targets are sent through `[mail] url`, an Apprise `mailto://` (plain SMTP) or
`mailtos://` URL without a recipient. `supplier` is a reminder asking for an order
acknowledgment: only for the kinds `acknowledgment_overdue` and `stale_acknowledgment`
and the transition `raised`. Pure: `load_rules` reads the file.
"""

import logging
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import parse_qsl, urlencode, urlsplit

import apprise
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from schemas.views import Alert, AlertKind, Severity

TransitionName = Literal["raised", "resolved"]
BUYER, SUPPLIER = "buyer", "supplier"
NAMED = (BUYER, SUPPLIER)
REMINDER_KINDS: tuple[AlertKind, ...] = ("acknowledgment_overdue", "stale_acknowledgment")
MAIL_SCHEMES = ("mailto://", "mailtos://")
Target = Annotated[str, Field(min_length=1, max_length=2048)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def quiet_apprise() -> None:
    """Apprise's own log lines stay out of ours: they may quote a URL whole, password
    included. Its delivery failures come back in its results and are logged by the
    flusher, structured and without secrets."""
    logging.getLogger("apprise").propagate = False


def _plugin(url: str) -> Any:
    quiet_apprise()
    return apprise.Apprise.instantiate(url, suppress_exceptions=True)


def usable(url: str) -> bool:
    """Whether Apprise knows the URL's service and accepts its form (no I/O)."""
    return _plugin(url) is not None


def mask(url: str) -> str:
    """The URL for logs, metrics and pages: Apprise's privacy form (passwords and tokens
    as ``****`` or ``a...z``) without its query; a URL Apprise cannot use is shown as
    ``scheme://host`` only, a word without a scheme as it is. Never the password."""
    if "://" not in url:
        return url if re.fullmatch(r"[\w.-]{1,64}", url) else "(not a URL)"
    plugin = _plugin(url)
    if plugin is not None:
        return str(plugin.url(privacy=True)).partition("?")[0]
    parts = urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}"


class Mail(_Strict):
    """The SMTP server of the named targets: an Apprise mail URL without a recipient."""

    url: Target

    @field_validator("url")
    @classmethod
    def _mail_url(cls, value: str) -> str:
        if not value.startswith(MAIL_SCHEMES):
            raise ValueError(f"must start with {' or '.join(MAIL_SCHEMES)}")
        if any(key == "to" for key, _ in parse_qsl(urlsplit(value).query)):
            raise ValueError("must not name a recipient (to= is added per message)")
        if not usable(_with(value, [("to", "postmaster@example.com")])):
            raise ValueError("Apprise cannot use this mail URL (host, port, from=...?)")
        return value

    def to(self, address: str, reply_to: str | None = None) -> str:
        """The Apprise URL that mails `address` (replies going to `reply_to` when given)."""
        extra = [("to", address)] + ([("reply", reply_to)] if reply_to else [])
        return _with(self.url, extra)


def _with(url: str, params: list[tuple[str, str]]) -> str:
    parts = urlsplit(url)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params])
    return parts._replace(query=query).geturl()


def _raised_only() -> list[TransitionName]:
    return ["raised"]


class Rule(_Strict):
    """One routing rule; an omitted filter matches everything."""

    kinds: list[AlertKind] | None = None
    severities: list[Severity] | None = None
    suppliers: list[Annotated[str, Field(min_length=1)]] | None = None
    min_escalation: Annotated[int, Field(ge=0, le=100)] = 0
    transitions: list[TransitionName] = Field(default_factory=_raised_only, min_length=1)
    targets: list[Target] = Field(min_length=1)
    digest_minutes: Annotated[float, Field(ge=0, le=24 * 60, allow_inf_nan=False)] = 15

    @field_validator("targets")
    @classmethod
    def _known_targets(cls, value: list[str]) -> list[str]:
        for target in value:
            if target not in NAMED and ("://" not in target or not usable(target)):
                raise ValueError(
                    f"{mask(target)!r} is neither {' nor '.join(NAMED)} nor an Apprise URL"
                    " it can use (scheme://...)"
                )
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _reminders(self) -> "Rule":
        if SUPPLIER in self.targets and (
            not self.kinds
            or not set(self.kinds) <= set(REMINDER_KINDS)
            or self.transitions != ["raised"]
        ):
            raise ValueError(
                f"targets: '{SUPPLIER}' sends the supplier a reminder: it needs kinds within"
                f' {list(REMINDER_KINDS)} and transitions = ["raised"]'
            )
        return self

    def matches(self, alert: Alert, transition: TransitionName) -> bool:
        """Whether this rule routes `transition` of `alert`."""
        return (
            transition in self.transitions
            and (self.kinds is None or alert.kind in self.kinds)
            and (self.severities is None or alert.severity in self.severities)
            and (self.suppliers is None or alert.supplier_id in self.suppliers)
            and alert.escalation_level >= self.min_escalation
        )


class Rules(_Strict):
    """The whole rules file; `route` says where one alert transition goes."""

    rule: list[Rule] = Field(default_factory=list)
    mail: Mail | None = None

    @model_validator(mode="after")
    def _mail_for_named(self) -> "Rules":
        if self.mail is None:
            for index, rule in enumerate(self.rule, 1):
                named = [t for t in rule.targets if t in NAMED]
                if named:
                    raise ValueError(
                        f"rule {index}: targets: {named[0]!r} is sent by email: add a [mail]"
                        ' table with url = "mailto://host:port?from=..."'
                    )
        return self

    def route(self, alert: Alert, transition: TransitionName) -> dict[str, float]:
        """Every target of the matching rules, with the shortest digest window (minutes)
        any of them asks for; empty when no rule matches."""
        found: dict[str, float] = {}
        for rule in self.rule:
            if rule.matches(alert, transition):
                for target in rule.targets:
                    found[target] = min(found.get(target, rule.digest_minutes), rule.digest_minutes)
        return found

    def urls(self) -> list[str]:
        """The Apprise URL targets of every rule (not the named ones), in file order."""
        return list(dict.fromkeys(t for r in self.rule for t in r.targets if t not in NAMED))


CHOICES: dict[str, tuple[str, ...]] = {
    "kinds": get_args(AlertKind),
    "severities": get_args(Severity),
    "transitions": get_args(TransitionName),
}


def _problem(error: Any) -> str:
    """One validation error as `rule N: key: what is wrong (allowed: ...)`."""
    loc, head = list(error["loc"]), ""
    if len(loc) > 1 and loc[0] == "rule" and isinstance(loc[1], int):
        head, loc = f"rule {loc[1] + 1}", loc[2:]
    keys = [p for p in loc if isinstance(p, str)]  # list indices say nothing to a person
    where = ": ".join(filter(None, [head, ".".join(keys)]))
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        model = Rule if head else Mail if keys[0] == "mail" and len(keys) > 1 else Rules
        message = f"unknown key (allowed: {', '.join(model.model_fields)})"
    elif error["type"] == "literal_error" and keys and keys[-1] in CHOICES:
        message = f"{error['input']!r} is not allowed (allowed: {', '.join(CHOICES[keys[-1]])})"
    return f"{where}: {message}" if where else message


def parse_rules(text: str, source: str) -> Rules:
    """The rules in TOML `text`; ValueError with one line naming `source`, the rule
    (counted from 1), the key, what is wrong and, for a closed list, the allowed values."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"notification rules {source}: not TOML: {exc}") from exc
    try:
        return Rules.model_validate(raw)
    except ValidationError as exc:
        wrong = "; ".join(_problem(e) for e in exc.errors(include_url=False)[:3])
        raise ValueError(f"notification rules {source}: {wrong}") from exc


def load_rules(path: Path | None) -> Rules | None:
    """The rules of the file at `path`, None when unset; ValueError with one line when
    the file cannot be read or is not valid."""
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"notification rules {path}: cannot read it: {exc}") from exc
    return parse_rules(text, str(path))
