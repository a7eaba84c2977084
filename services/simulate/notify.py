"""The notification rules of `make run` (POTRACK_NOTIFY_FILE): the simulated buyers and
suppliers are mailed through a local catch-all mail sink, so a newcomer sees what potrack
sends without any real address receiving anything. Pure: the text of the file."""

DEMO_FROM = "potrack@buyer.example"


def notify_toml(mail_port: int, digest_minutes: int = 1) -> str:
    """Rules for the simulated traffic, mailing through an SMTP sink on 127.0.0.1:`mail_port`
    (`make run` starts aiosmtpd there, writing a Maildir): buyers get a digest of critical
    alerts, supplier recipients a reminder per escalation level when their order
    acknowledgment is overdue, and the procurement team what escalates past level 2.
    ValueError on a port outside 1-65535."""
    if not 0 < mail_port < 65536:
        raise ValueError(f"mail port must be 1-65535, not {mail_port}")
    return f"""# potrack notification rules for the simulated traffic of `make run` (generated).
# Everything goes to the local mail sink: no real address receives anything.

[mail]
url = "mailto://127.0.0.1:{mail_port}?from={DEMO_FROM}"

[[rule]]            # buyers: what needs them, in one digest per buyer
severities = ["critical"]
transitions = ["raised", "resolved"]
targets = ["buyer"]
digest_minutes = {digest_minutes}

[[rule]]            # suppliers: a reminder (urging letter) once per escalation level
kinds = ["acknowledgment_overdue"]
targets = ["supplier"]
digest_minutes = {digest_minutes}

[[rule]]            # the team: what turns critical (twice overdue) or escalates further
min_escalation = 2
targets = ["mailto://127.0.0.1:{mail_port}?from={DEMO_FROM}&to=procurement-team@buyer.example"]
digest_minutes = {digest_minutes}
"""
