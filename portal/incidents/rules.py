"""What makes an incident serious under §8.1, and what the line manager may then decide (§8.3).

§8.1 lists the behaviour that may need an immediate decision: racist or homophobic comments,
threatening or violent behaviour, discrimination of any sort, and insulting or offensive
comments. §8.19 opens the last restriction, ending all contact for a period, only "where there
have been serious incidents of unreasonable behaviour as referenced in 8.1". The portal reads
that as follows.

- A report is serious from the start when it records threats or physical violence, racist,
  homophobic or other discriminatory comments (§5.5: all of these go to the police), or an
  injury.
- Insulting or offensive comments (personal verbal or written abuse, derogatory remarks) are
  named in §8.1 too, but range from one angry insult to a campaign of abuse; ending all contact
  is the heaviest step the policy has, so they count as serious when the Panel, having read
  the report, marks them so. Rudeness, harassment and the other kinds of unreasonable
  behaviour (§5.2, §6) are likewise serious only when the Panel marks them.
- The Customer Conduct Panel may mark any report serious, or not serious, giving the
  reason; that mark (audited) replaces what the report alone said.
- Only a serious incident lets the line manager decide to end all contact for a period
  (§8.3, §8.19), and lets a restriction request end all contact or go ahead without a final
  warning (§8.17, §8.19).
"""

from __future__ import annotations

from collections.abc import Iterable

from portal.incidents.catalogue import SERIOUS_EXAMPLES, ManagerDecision


def serious_by_report(example_types: Iterable[str], injury: bool) -> bool:
    """Whether the report alone makes the incident serious under §8.1."""
    return injury or bool(SERIOUS_EXAMPLES.intersection(example_types))


def manager_decisions_allowed(serious: bool) -> list[ManagerDecision]:
    """The §8.3 decisions open to the line manager: ending all contact only when serious."""
    return [d for d in ManagerDecision if serious or d != ManagerDecision.END_CONTACT]
