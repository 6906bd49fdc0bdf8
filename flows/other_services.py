"""Services of the bureau's world the assistant does not handle: an honest answer, where to go, a person.

社保卡补办, 社保转移接续, 医保报销, 个税, 户口, 低保, 养老金, 退休 … are listed in the bureau file with the words people
type for them. `other_service` names the service it understood, says where to go (another department, the
hotline, the counter, the worker's township station, what to bring) and offers a person (one tap, or typing
找人工). The policy flow asks `service_asked` first, so such a question never gets an unrelated policy.
"""

from __future__ import annotations

import re
from datetime import date

import jieba

from flows import cases, policy
from flows.bureau import facts_of, hours_text
from flows.policy_search import PolicyIndex, normalize_query
from flows.router import Router
from flows.turn import Turn
from storage.bureau_file import BureauFacts, Service

router = Router("other_services")

# Questions about state money: a subsidy for something on the service list is the knowledge base's to answer.
SUBSIDY = re.compile(r"补贴|补助|补不补|补多少|补几|补三分|国家补|返还|返不返|减免|减半|免交|缓缴|缓交|subsid|grant")


def _parts(alias: str) -> list[str]:
    return [part for part in jieba.lcut(alias) if part.strip()]


def _span(text: str, parts: list[str], gap: int = 6) -> int:
    """How much of `text` the alias covers when its words appear in order with small gaps (医保…报销); 0 if not."""
    position, covered = 0, 0
    for index, part in enumerate(parts):
        found = text.find(part, position)
        if found < 0 or (index and found - position > gap):
            return 0
        position, covered = found + len(part), covered + len(part)
    return covered


def match_service(text: str, services: list[Service] | tuple[Service, ...]) -> Service | None:
    """The service a (normalised) question is about: the one whose name or alias covers most of it."""
    best: tuple[int, int, Service] | None = None
    for order, service in enumerate(services):
        for alias in (service.name, *service.aliases):
            alias = normalize_query(alias)
            score = len(alias) * 2 if alias in text else _span(text, _parts(alias))
            if score and (best is None or (score, -order) > (best[0], best[1])):
                best = (score, -order, service)
    return best[2] if best else None


def prefers_policy(text: str, service: Service) -> bool:
    """A question about state money (补贴, 补助, 减免, 缓缴 …) for something the service list names (交养老保险)
    is a policy question, unless the service itself is about such money (低保's 困难补助)."""
    return bool(SUBSIDY.search(text)) and not any(SUBSIDY.search(a) for a in (service.name, *service.aliases))


def service_asked(text: str, services: tuple[Service, ...] | list[Service], index: PolicyIndex,
                  today: date) -> Service | None:
    """The listed service a question is about, unless the knowledge base confidently answers it as a
    question about a subsidy."""
    plain = normalize_query(text)
    service = match_service(plain, services)
    if service is None or not prefers_policy(plain, service):
        return service
    hits = index.search(text, limit=1, today=today)
    return None if hits and hits[0].confident else service


def service_lines(turn: Turn, service: Service | None, facts: BureauFacts) -> list[str]:
    """Where to go for `service` (or for anything the assistant does not do, when none was recognised)."""
    if service is None:
        lines = [turn.t("other.not_here_unknown")]
    elif turn.language == "en" and service.en:
        lines = [turn.t("other.not_here_en", service=service.name, en=service.en)]
    else:
        lines = [turn.t("other.not_here", service=service.name)]
    if service is not None and service.elsewhere:
        lines.append(turn.t("other.elsewhere", where=service.elsewhere))
    if service is not None and service.hotline and service.hotline != facts.hotline:
        lines.append(turn.t("other.hotline_other", hotline=service.hotline, bureau_hotline=facts.hotline))
    else:
        lines.append(turn.t("other.hotline", hotline=facts.hotline))
    offices = facts.handling(service) if service is not None else facts.halls[:1]
    if service is not None and not service.elsewhere and not offices:
        offices = facts.halls[:1]  # the bureau's own service with no office named: its main hall
    for office in offices:
        lines.append(turn.t("other.office", name=office.name, address=office.address,
                            hours=turn.t("bureau.usual_hours", hours=hours_text(turn, office.hours))))
    if service is None or service.stations:
        own = facts.station_of(turn.person.township or "") if not turn.in_group else None
        if own is not None:
            lines.append(turn.t("other.own_station", name=own.name, address=own.address, phone=own.phone))
        elif facts.stations:
            lines.append(turn.t("other.stations"))
    if service is not None and service.bring:
        lines.append(turn.t("other.bring", bring=service.bring))
    return lines


@router.intent("other_service")
async def other_service(turn: Turn) -> None:
    """Not handled here: say which service was understood and where to go; a policy question that reached
    this intent (the NLU's neighbour) goes to the knowledge base instead."""
    facts = await facts_of(turn)
    text = turn.parse.text if turn.parse else turn.inbound.text
    index = await policy.policy_index(turn.session)
    service = service_asked(text, facts.services, index, turn.today) if facts else None
    hints = turn.entity_values("policy")
    if service is None and (hints or index.search(text, limit=1, today=turn.today)):
        turn.handled_as = "policy_question"
        await policy.answer(turn, index, text, hints)
        return
    await say_not_handled(turn, service, facts)


async def say_not_handled(turn: Turn, service: Service | None, facts: BureauFacts | None) -> None:
    """The honest answer: not handled here, where to go, and a person one tap (or one word) away."""
    turn.handled_as = "other_service"
    if facts is None:
        turn.say(turn.t("other.no_facts", hotline=turn.settings.hotline),
                 [[turn.button(turn.t("other.person_button"), "other_services.person", service="")]])
        return
    lines = service_lines(turn, service, facts)
    lines.append(turn.t("other.person"))
    if facts.notice:
        lines.append(turn.t("bureau.notice", notice=facts.notice))
    person = turn.button(turn.t("other.person_button"), "other_services.person",
                         service=service.name if service else "")
    turn.say("\n".join(lines), [[person]])


@router.action("other_services.person")
async def hand_to_person(turn: Turn) -> None:
    """The one-tap hand-off: a case for the worker's secretary, saying which service they asked about."""
    service = str(turn.args.get("service") or "")
    await cases.start_handoff(turn, about=turn.t("other.case_about", service=service) if service else "")
